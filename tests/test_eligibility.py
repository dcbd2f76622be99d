"""Eligibility as data: items split, common requirements structured, units normalised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from celltx.loaders import iter_sources, read_source
from celltx.ontology.eligibility import (
    CriterionItem,
    split_criteria,
    structure_criteria,
    summarise,
    summarise_criteria,
)

from celltx.models import TrialRecord
from celltx.pipeline import build


def one(items: list[CriterionItem], kind: str) -> CriterionItem:
    found = [c for c in items if c.kind == kind]
    assert len(found) == 1, found
    return found[0]


# ---- splitting --------------------------------------------------------------------------------


def test_items_keep_their_list_and_their_own_text() -> None:
    text = ("Inclusion Criteria:\n\n1. ECOG 0-1\n2. Adequate organ function:\n"
            "   1. LVEF ≥ 45%\n\nExclusion Criteria:\n\n* Prior CAR-T therapy\n"
            "* Active CNS involvement")
    items = split_criteria(text)
    assert [(i.inclusion, i.text) for i in items] == [
        (True, "ECOG 0-1"), (True, "Adequate organ function:"), (True, "LVEF ≥ 45%"),
        (False, "Prior CAR-T therapy"), (False, "Active CNS involvement")]
    assert [i.n for i in items] == [1, 2, 3, 4, 5]


def test_markdown_escapes_of_the_registry_are_undone() -> None:
    [item] = structure_criteria("Inclusion Criteria:\n* Hemoglobin \\>= 9 g/dL")
    assert (item.kind, item.operator, item.value, item.unit) == ("hemoglobin", ">=", 90.0, "g/L")


# ---- structure and units ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "kind", "op", "value", "unit"), [
    ("Exclusion Criteria:\n* impaired cardiac function (LVEF<50%)", "lvef", ">=", 50.0, "%"),
    ("Inclusion Criteria:\n* cardiac ejection fraction ≥ 40%", "lvef", ">=", 40.0, "%"),
    ("Inclusion Criteria:\n* Hgb≥80g/L", "hemoglobin", ">=", 80.0, "g/L"),
    ("Inclusion Criteria:\n* Hemoglobin ≥ 8.5 g/dL", "hemoglobin", ">=", 85.0, "g/L"),
    ("Inclusion Criteria:\n* Platelets ≥ 100,000/µL", "platelets", ">=", 100.0, "10^9/L"),
    ("Inclusion Criteria:\n* ANC ≥ 1500/mm3", "anc", ">=", 1.5, "10^9/L"),
    ("Inclusion Criteria:\n* platelets >= 75 x10^9/L", "platelets", ">=", 75.0, "10^9/L"),
    ("Inclusion Criteria:\n* Serum creatinine clearance > 45mL/min", "creatinine_clearance",
     ">", 45.0, "mL/min"),
    ("Inclusion Criteria:\n* eGFR ≥ 60 mL/min/1.73 m2", "creatinine_clearance", ">=", 60.0,
     "mL/min"),
    ("Inclusion Criteria:\n* creatinine ≤ 2.5 × upper limit of normal", "creatinine", "<=", 2.5,
     "x ULN"),
    ("Inclusion Criteria:\n* Serum creatinine ≤ 133 µmol/L", "creatinine", "<=", 1.5, "mg/dL"),
    ("Exclusion Criteria:\n* Total bilirubin > 2 x ULN", "bilirubin", "<=", 2.0, "x ULN"),
    ("Inclusion Criteria:\n* AST/ALT <= 3 x ULN", "ast_alt", "<=", 3.0, "x ULN"),
    ("Inclusion Criteria:\n* oxygen saturation ≥ 90%", "spo2", ">=", 90.0, "%"),
    ("Inclusion Criteria:\n* Estimated survival ≥3 months", "life_expectancy", ">=", 13.0,
     "weeks"),
    ("Inclusion Criteria:\n* ECOG performance status 0 to 1.", "ecog", "<=", 1.0, None),
    ("Inclusion Criteria:\n* ECOG score of 0~2", "ecog", "<=", 2.0, None),
    ("Exclusion Criteria:\n* ECOG > 2", "ecog", "<=", 2.0, None),
    ("Exclusion Criteria:\n* Age < 18 years", "age", ">=", 18.0, "years"),
])
def test_common_requirements_are_structured(text: str, kind: str, op: str, value: float,
                                            unit: str | None) -> None:
    item = one(structure_criteria(text), kind)
    assert (item.operator, item.value, item.unit) == (op, value, unit)
    assert item.inclusion is text.startswith("Inclusion")


def test_age_range_is_one_between_item() -> None:
    item = one(structure_criteria("Inclusion Criteria:\n* Age 18 to 75 years at consent."), "age")
    assert (item.operator, item.value, item.value_max) == ("between", 18.0, 75.0)


@pytest.mark.parametrize(("text", "kind", "op"), [
    ("Exclusion Criteria:\n* Prior treatment with CAR-T therapy", "prior_car_t", "excluded"),
    ("Inclusion Criteria:\n* Relapsed after prior CD19 CAR-T therapy", "prior_car_t",
     "required"),
    ("Exclusion Criteria:\n* Active CNS involvement", "cns_involvement", "excluded"),
    ("Inclusion Criteria:\n* Subjects with CNS involvement are eligible", "cns_involvement",
     "allowed"),
    ("Exclusion Criteria:\n* HIV seropositivity", "hiv", "excluded"),
    ("Inclusion Criteria:\n* Negative for hepatitis B surface antigen", "hbv", "excluded"),
    ("Exclusion Criteria:\n* Pregnant or lactating women", "pregnancy", "excluded"),
    ("Inclusion Criteria:\n* Negative pregnancy test", "pregnancy", "excluded"),
])
def test_conditions_and_prior_therapies(text: str, kind: str, op: str) -> None:
    assert one(structure_criteria(text), kind).operator == op


def test_car_t_as_the_study_treatment_is_not_a_prior_therapy() -> None:
    text = ("Exclusion Criteria:\n* Systemic steroids within 2 weeks prior to B7-H3 CAR T cell "
            "infusion")
    assert not [c for c in structure_criteria(text) if c.kind == "prior_car_t"]


def test_text_without_requirements_gives_nothing() -> None:
    assert structure_criteria("Inclusion Criteria:\n* Able to sign informed consent") == []
    assert structure_criteria(None) == []


def test_summary_prefers_what_inclusion_criteria_ask() -> None:
    text = ("Inclusion Criteria:\n* ECOG ≤ 2\n* LVEF ≥ 40%\n* Platelets ≥ 50 x 10^9/L\n"
            "Exclusion Criteria:\n* LVEF < 50%\n* Prior CAR-T therapy\n* CNS leukemia")
    s = summarise_criteria(text)
    assert s.ecog_max == 2 and s.lvef_min_pct == 40.0 and s.platelets_min_10e9_l == 50.0
    assert s.excludes_prior_car_t is True and s.excludes_cns_involvement is True
    assert s.hemoglobin_min_g_l is None and s.bilirubin_max_uln is None


# ---- the seed trials --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_trials() -> dict[str, dict[str, object]]:
    result = build([Path(__file__).parent / "fixtures" / "seeds"])
    return {d["id"]: d for _, d in result.graph.nodes("Trial")} | {
        "_graph": result.graph}  # type: ignore[dict-item]


def test_seed_eligibility_is_structured(seed_trials: dict[str, dict[str, object]]) -> None:
    a, b, c = seed_trials["NCT05008575"], seed_trials["NCT06880354"], seed_trials["NCT07480213"]
    assert (a["ecog_max"], a["lvef_min_pct"], a["bilirubin_max_uln"], a["hemoglobin_min_g_l"]) \
        == (2, 40.0, 3.0, 80.0)
    assert b["creatinine_clearance_min_ml_min"] == 45.0 and b["lvef_min_pct"] == 45.0
    assert b["excludes_prior_car_t"] is True and b["excludes_cns_involvement"] is True
    assert c["ecog_max"] == 1 and c["platelets_min_10e9_l"] == 75.0


def test_seed_criteria_become_criterion_nodes(seed_trials: dict[str, object]) -> None:
    graph = seed_trials["_graph"]
    crit = [graph.g.nodes[n] for n, _ in graph.out("Trial:NCT06880354", "HAS_CRITERION")]
    clearance = [c for c in crit if c["kind"] == "creatinine_clearance"]
    assert len(clearance) == 1
    assert (clearance[0]["operator"], clearance[0]["value"], clearance[0]["unit"],
            clearance[0]["inclusion"]) == (">", 45.0, "mL/min", True)
    assert "Cockcroft-Gault" in clearance[0]["text"]
    lv_excl = [c for c in crit if c["kind"] == "lvef" and not c["inclusion"]]
    assert lv_excl and lv_excl[0]["operator"] == ">=" and lv_excl[0]["value"] == 45.0
    assert all(c["id"].startswith("NCT06880354-C") for c in crit)


# ---- the corpus: hand-written spot checks -----------------------------------------------------

# (NCT, words of the item, kind, written as inclusion?, operator, value, unit): read by hand
SPOT_CHECKS = [
    ("NCT07231081", "performance status of 0-1", "ecog", True, "<=", 1.0, None),
    ("NCT05901974", "score less than 3", "ecog", True, "<", 3.0, None),
    ("NCT01515527", "equal to 3 or 4", "ecog", True, "between", 3.0, None),
    ("NCT05497310", "ECOG>2", "ecog", False, "<=", 2.0, None),
    ("NCT04077866", "(ECOG) =0 or 1", "ecog", True, "<=", 1.0, None),
    ("NCT05321940", "ejection fraction < 45%", "lvef", False, ">=", 45.0, "%"),
    ("NCT07386002", "(LVEF) > 50%", "lvef", True, ">", 50.0, "%"),
    ("NCT05645718", "Patients with cardiac disease", "lvef", True, "<", 50.0, "%"),
    ("NCT06414135", "LVEF ≥ 55%", "lvef", True, ">=", 55.0, "%"),
    ("NCT04637503", "Platelet count ≥25,000/ul", "platelets", True, ">=", 25.0, "10^9/L"),
    ("NCT04630769", "platelets ≥ 75,000 x 10^9/L", "platelets", True, ">=", 75.0, "10^9/L"),
    ("NCT05143151", "PLT≦25×109/L", "platelets", False, ">", 25.0, "10^9/L"),
    ("NCT07307053", "Platelet count <80", "platelets", False, ">=", 80.0, "10^9/L"),
    ("NCT06646627", "ANC ≥ 1500/uL", "anc", True, ">=", 1.5, "10^9/L"),
    ("NCT05536349", "≥ 0.75 x 109/L", "anc", True, ">=", 0.75, "10^9/L"),
    ("NCT05793801", "neutrophil count <500/mm3", "anc", True, "<", 0.5, "10^9/L"),
    ("NCT07222735", "Hemoglobin ≥ 7g/dL", "hemoglobin", True, ">=", 70.0, "g/L"),
    ("NCT05282459", "hemoglobin < 10.5 g/dL", "hemoglobin", True, "<", 105.0, "g/L"),
    ("NCT07307053", "Hemoglobin <90 g/L", "hemoglobin", False, ">=", 90.0, "g/L"),
    ("NCT02724163", "≥90ml/min/1.73m2", "creatinine_clearance", True, ">=", 90.0, "mL/min"),
    ("NCT05497310", "GFR <30", "creatinine_clearance", False, ">=", 30.0, "mL/min"),
    ("NCT04077866", "> 30 mL/min/1.73 m2", "creatinine_clearance", True, ">", 30.0, "mL/min"),
    ("NCT05519384", "creatinine >2× upper limit", "creatinine", False, "<=", 2.0, "x ULN"),
    ("NCT06646627", "Creatinine ≤ 1.5 mg/dL", "creatinine", True, "<=", 1.5, "mg/dL"),
    ("NCT04637503", "less than 3 times upper limit", "creatinine", True, "<", 3.0, "x ULN"),
    ("NCT05645718", "bilirubin ≤1.5x upper limit", "bilirubin", True, "<=", 1.5, "x ULN"),
    ("NCT05645718", "up to ≤3 x ULN", "bilirubin", True, "<=", 3.0, "x ULN"),
    ("NCT05164042", "total bilirubin>1.5×ULN", "bilirubin", False, "<=", 1.5, "x ULN"),
    ("NCT05658640", "Direct bilirubin ≤ 2 x ULN", "bilirubin_direct", True, "<=", 2.0, "x ULN"),
    ("NCT05658640", "≤ 5 x ULN", "ast_alt", True, "<=", 5.0, "x ULN"),
    ("NCT04544592", "oxygen saturation of ≤ 90%", "spo2", False, ">", 90.0, "%"),
    ("NCT06500819", "oxygen saturation > 92%", "spo2", True, ">", 92.0, "%"),
    ("NCT04501120", "Life expectancy ≥ 3 months", "life_expectancy", True, ">=", 13.0, "weeks"),
    ("NCT06612645", "not less than 12 weeks", "life_expectancy", True, ">=", 12.0, "weeks"),
    ("NCT05474378", "Prior exposure to chimeric antigen receptor", "prior_car_t", False,
     "excluded", None, None),
    ("NCT05164042", "failed autologous CAR-T", "prior_car_t", True, "required", None, None),
    ("NCT03937544", "CNS leukaemia without clinically evident", "cns_involvement", True,
     "allowed", None, None),
    ("NCT04670068", "brain metastases", "cns_involvement", False, "excluded", None, None),
    ("NCT05464836", "excluding isolated central nervous system", "cns_involvement", True,
     "excluded", None, None),
    ("NCT05649371", "Less than 18 years old", "age", False, ">=", 18.0, "years"),
    ("NCT05645718", "≤ 16 years old", "age", True, "<=", 16.0, "years"),
]
NOT_PRIOR_CAR_T = [("NCT04897321", "prior to B7-H3-CAR T"),
                   ("NCT06646627", "receiving last dose of")]


@pytest.fixture(scope="module")
def spot_records() -> dict[str, TrialRecord]:
    path = Path(__file__).parent / "fixtures" / "eligibility" / "criteria_spot_checks.json"
    [source] = list(iter_sources([path]))
    _, items = read_source(source)
    return {r.nct_id: r for r in items if isinstance(r, TrialRecord) and r.nct_id}


@pytest.mark.parametrize(("nct", "words", "kind", "inclusion", "op", "value", "unit"),
                         SPOT_CHECKS, ids=[f"{s[0]}-{s[2]}" for s in SPOT_CHECKS])
def test_corpus_spot_check(spot_records: dict[str, TrialRecord], nct: str, words: str,
                           kind: str, inclusion: bool, op: str, value: float | None,
                           unit: str | None) -> None:
    items = structure_criteria(spot_records[nct].eligibility.criteria)
    hits = [c for c in items if c.kind == kind and words.lower() in c.text.lower()]
    assert hits, f"{nct}: no {kind} item with {words!r}"
    got = {(c.inclusion, c.operator, c.value, c.unit): c for c in hits}
    assert (inclusion, op, value, unit) in got, sorted(got, key=str)
    item = got[(inclusion, op, value, unit)]
    assert item.matched.lower() in item.text.lower()


@pytest.mark.parametrize(("nct", "words"), NOT_PRIOR_CAR_T)
def test_corpus_study_car_t_is_not_prior_car_t(spot_records: dict[str, TrialRecord], nct: str,
                                               words: str) -> None:
    items = structure_criteria(spot_records[nct].eligibility.criteria)
    assert not [c for c in items if c.kind == "prior_car_t" and words in c.text]


def test_spot_checks_cover_thirty_items_of_the_corpus() -> None:
    assert len(SPOT_CHECKS) + len(NOT_PRIOR_CAR_T) >= 30
    assert len({s[2] for s in SPOT_CHECKS}) >= 12


def test_full_record_corpus_report(shared_corpus: Path) -> None:
    """How many criteria items of the 152 full records get structure (printed with -s)."""
    paths = [shared_corpus / "ctgov-v2" / "partrita-b7h3-watch",
             shared_corpus / "ctgov-v2" / "acute-leukemia-ctg-studies.json"]
    records = []
    for source in iter_sources(paths):
        _, items = read_source(source)
        records += [r for r in items if isinstance(r, TrialRecord) and r.eligibility.criteria]
    assert len(records) == 152
    n_items = n_structured = 0
    kinds: dict[str, int] = {}
    with_ecog = 0
    for rec in records:
        items = split_criteria(rec.eligibility.criteria)
        structured = structure_criteria(rec.eligibility.criteria)
        n_items += len(items)
        n_structured += len({c.n for c in structured})
        for c in structured:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
        with_ecog += summarise(structured).ecog_max is not None
    print(f"\n{len(records)} records, {n_items} criteria items, {n_structured} with structure "
          f"({n_structured / n_items:.0%}); trials with an ECOG maximum: {with_ecog}")
    print(json.dumps(dict(sorted(kinds.items(), key=lambda kv: -kv[1]))))
    assert n_structured / n_items > 0.2
    assert with_ecog >= 40
    assert all(kinds.get(k) for k in ("ecog", "lvef", "platelets", "hemoglobin", "anc",
                                      "creatinine_clearance", "bilirubin", "prior_car_t",
                                      "cns_involvement", "hiv", "pregnancy", "age"))


# ---- the gated name scan reads what the full alternation reads --------------------------------

def test_names_found_with_the_kinds_a_text_holds_are_those_of_every_kind(
        spot_records: dict[str, TrialRecord]) -> None:
    from celltx.ontology import eligibility as el

    texts = [item.text for r in spot_records.values()
             for item in split_criteria(r.eligibility.criteria)] + [
        "LVEF ≥ 45% and ECOG 0-1", "Hb > 9 g/dL, PLT >= 75 x10^9/L, T.BIL < 1.5 x ULN",
        "Creatinine clearance (CrCl) ≥ 60 mL/min; SpO2 > 92% on room air",
        "ＥＣＯＧ 0–2 (full-width letters)"]
    seen = 0
    for text in texts:
        full = [(m.lastgroup, m.span()) for m in el._ANY_NAME.finditer(text)]
        assert [(m.lastgroup, m.span()) for m in el._name_matches(text)] == full, text
        seen += len(full)
        low = text.lower()
        assert el._mentioned(low) == {k for k, words in el._KEYWORDS.items()
                                      if any(w in low for w in words)}, text
    assert len(texts) > 1000 and seen > 300
