"""Every stored question: Cypher on the embedded engine equals the Python helper, on the mini
graph and on the bundled sample, and the mini-graph answers equal expectations counted
directly from the hand annotations in tests/mini_graph.TRIALS (not from the graph)."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Any

import pytest
from celltx.queries.catalogue import load_catalogue
from celltx.queries.compare import answer_diff, normalise_rows, same_answer
from celltx.queries.python_answers import ANSWERS
from celltx.queries.run import run_query

from tests.mini_graph import ELIGIBILITY, TRIALS

NAMES = sorted(load_catalogue())


# ---- the hand annotations, flattened -----------------------------------------------------------

def _mini() -> list[dict[str, Any]]:
    out = []
    for fields, ann in TRIALS:
        start = fields.get("start_date")
        out.append({
            "id": fields["nct_id"], "title": fields["brief_title"],
            "status": fields["overall_status"], "start": start,
            "year": int(start[:4]) if start else None, "enrollment": fields.get("enrollment"),
            "cell": ann.is_cell_therapy, "started": ann.started, "products": ann.products,
            "platforms": {p.platform for p in ann.products},
            "targets": {t.key for p in ann.products for t in p.targets},
            "conditions": [c.term for c in ann.conditions if c.term is not None],
            "lead": [o for o in ann.organizations if o.role == "lead"],
            "orgs": ann.organizations, "phase": ann.phase.label if ann.phase else None,
            "countries": {c for c in ann.location_countries if c},
            "agents": ann.agents, **ELIGIBILITY.get(fields["nct_id"], {}),
        })
    return out


MINI = _mini()


def _is(term: Any, wanted: str) -> bool:
    return term.curie == wanted or term.label.lower() == wanted.lower() or any(
        s.lower() == wanted.lower() for s in term.synonyms)


def _in(trial: dict[str, Any], condition: str | None) -> bool:
    return condition is None or any(_is(c, condition) for c in trial["conditions"])


def _counts(pairs: Any) -> list[list[Any]]:
    seen: dict[Any, set[str]] = defaultdict(set)
    for key, nct in pairs:
        seen[key].add(nct)
    return [[*key, len(v)] if isinstance(key, tuple) else [key, len(v)]
            for key, v in seen.items()]


def expected(name: str) -> list[list[Any]]:  # noqa: C901 - one small branch per question
    ms = MINI
    with_products = [t for t in ms if t["products"]]
    if name == "trials_per_target":
        symbols = {x.key: x.symbol for t in ms for p in t["products"] for x in p.targets}
        return [[k, symbols[k], n] for k, n in _counts(
            (x, t["id"]) for t in ms for x in t["targets"])]
    if name == "target_platform_matrix":
        return _counts(((x.key, p.platform), t["id"]) for t in ms for p in t["products"]
                       for x in p.targets)
    if name == "targets_in_condition_by_platform":
        return _counts(((p.platform, x.key), t["id"]) for t in ms if _in(t, "AML")
                       for p in t["products"] for x in p.targets)
    if name == "dual_target_constructs":
        return [[t["id"], p.name, p.platform, sorted(x.key for x in p.targets)]
                for t in ms for p in t["products"] if p.construct_kind == "dual"]
    if name == "construct_target_pairs":
        return _counts((pair, t["id"]) for t in ms for p in t["products"]
                       if p.construct_kind == "dual"
                       for pair in combinations(sorted(x.key for x in p.targets), 2))
    if name == "multi_candidate_trials":
        return [[t["id"], t["title"], len(t["products"]), sorted(t["platforms"])]
                for t in ms if len(t["products"]) >= 2]
    if name == "trials_per_platform":
        return _counts((pl, t["id"]) for t in ms for pl in t["platforms"])
    if name == "cell_source_by_platform_year":
        return _counts(((p.platform, p.source, t["year"]), t["id"]) for t in ms
                       for p in t["products"] if p.source and t["year"])
    if name == "phase_by_platform":
        return _counts(((pl, t["phase"]), t["id"]) for t in with_products
                       for pl in t["platforms"] if t["phase"])
    if name == "countries_per_platform":
        return _counts(((pl, c), t["id"]) for t in ms for pl in t["platforms"]
                       for c in t["countries"])
    if name == "new_entrants_by_year":
        first: dict[tuple[str, str], int] = {}
        for t in ms:
            for o in t["lead"]:
                for p in t["products"]:
                    for x in p.targets:
                        if t["year"] is not None:
                            key = (o.key, x.key)
                            first[key] = min(first.get(key, t["year"]), t["year"])
        years: dict[int, list[str]] = defaultdict(list)
        for (org, _x), year in first.items():
            years[year].append(org)
        return [[y, len(v), len(set(v))] for y, v in sorted(years.items())]
    if name == "allogeneic_by_country":
        return _counts(((p.platform, c), t["id"]) for t in ms for p in t["products"]
                       if p.source == "allogeneic" for c in t["countries"])
    if name == "sponsors_for_target_in_condition":
        return _counts(((o.name, o.org_class), t["id"]) for t in ms
                       if "CD33" in t["targets"] and _in(t, "AML") for o in t["orgs"])
    if name == "top_sponsors_for_platform":
        rows = _counts(((o.name, o.org_class), t["id"]) for t in ms if "CAR-T" in t["platforms"]
                       for o in t["lead"])
        return sorted(rows, key=lambda r: (-r[2], r[0]))[:10]
    if name == "sponsor_class_by_year":
        return _counts(((t["year"], o.org_class), t["id"]) for t in ms if t["cell"]
                       and t["year"] for o in t["lead"])
    if name == "starts_per_year_by_platform":
        counts = _counts(((t["year"], pl), t["id"]) for t in ms if t["year"]
                         for pl in t["platforms"])
        started = {(r[0], r[1]): r[2] for r in _counts(
            ((t["year"], pl), t["id"]) for t in ms if t["year"] and t["started"]
            for pl in t["platforms"])}
        return [[*r, started.get((r[0], r[1]), 0)] for r in counts]
    if name == "targets_first_seen_after":
        starts: dict[str, list[str]] = defaultdict(list)
        for t in ms:
            for x in t["targets"]:
                starts[x].append(t["start"])
        return [[x, min(s), len(s)] for x, s in starts.items() if min(s) >= "2024-01-01"]
    if name == "targets_shared_car_t_car_nk":
        by = {pl: Counter(x.key for t in ms for x in {y for p in t["products"]
                                                      if p.platform == pl for y in p.targets})
              for pl in ("CAR-T", "CAR-NK")}
        return [[x, by["CAR-T"][x], by["CAR-NK"][x]] for x in by["CAR-T"] if by["CAR-NK"][x]]
    if name == "heme_only_targets":
        solid = {x for t in ms if any(c.category == "solid" for c in t["conditions"])
                 for x in t["targets"]}
        return _counts((x, t["id"]) for t in ms
                       if any(c.category == "haematological" for c in t["conditions"])
                       for x in t["targets"] if x not in solid)
    if name == "status_per_platform":
        return _counts(((pl, t["status"]), t["id"]) for t in ms for pl in t["platforms"])
    if name == "planned_enrollment_per_target":
        per: dict[str, list[int]] = defaultdict(list)
        for t in ms:
            for x in t["targets"]:
                per[x].append(t["enrollment"] or 0)
        return [[x, len(e), sum(e)] for x, e in per.items()]
    if name == "trials_in_condition":
        return [[t["id"], t["title"], sorted(t["targets"]), sorted(t["platforms"]), t["phase"],
                 min((o.name for o in t["lead"]), default=None), t["status"]]
                for t in with_products if _in(t, "AML")]
    if name == "lymphodepletion_by_platform":
        return _counts(((pl, a.term.label), t["id"]) for t in ms for pl in t["platforms"]
                       for a in t["agents"] if a.role == "lymphodepletion")
    if name == "recruiting_in_country":
        return [[t["id"], t["title"], sorted(t["platforms"]), t["status"]] for t in with_products
                if "CN" in t["countries"] and t["status"] in
                ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION")]
    if name == "similar_trials":
        g = next(t for t in ms if t["id"] == "NCT05008575")
        g_conds = {c.curie for c in g["conditions"]}
        rows = []
        for t in ms:
            st = len(g["targets"] & t["targets"])
            sc = len(g_conds & {c.curie for c in t["conditions"]})
            if t is not g and st + sc:
                rows.append([t["id"], t["title"], st, sc, 2 * st + sc])
        return sorted(rows, key=lambda r: (-r[4], r[0]))[:10]
    if name == "trials_admitting_ecog":
        return [[t["id"], t["title"], t["ecog_max"]] for t in ms
                if t["cell"] and t.get("ecog_max", -1) >= 2 and _in(t, "AML")]
    if name == "target_momentum":
        until = 2025
        symbols = {x.key: x.symbol for t in ms for p in t["products"] for x in p.targets}
        recent: dict[str, set[str]] = defaultdict(set)
        earlier: dict[str, set[str]] = defaultdict(set)
        for t in ms:
            if t["year"] is not None and until - 5 <= t["year"] <= until:
                for x in t["targets"]:
                    (recent if t["year"] >= until - 2 else earlier)[x].add(t["id"])
        return [[x, symbols[x], len(r), len(earlier[x]), len(r) - len(earlier[x])]
                for x, r in recent.items()]
    if name == "trials_excluding_prior_car_t":
        return [[t["id"], t["title"]] for t in ms if t["cell"] and t.get("excludes_prior_car_t")]
    raise AssertionError(f"no expectation written for {name}")


# ---- the tests ---------------------------------------------------------------------------------

def test_every_stored_question_has_a_python_answer_and_an_expectation() -> None:
    assert len(NAMES) >= 20
    assert set(NAMES) == set(ANSWERS)
    for name in NAMES:
        assert expected(name) is not None


@pytest.mark.parametrize("name", NAMES)
def test_mini_graph_answer_matches_hand_counts(name: str, embedded_engine: Any) -> None:
    result = run_query(name, engine="embedded", embedded=embedded_engine, graph_name="mini")
    want = expected(name)
    assert want, f"{name}: the mini graph must give a non-empty answer"
    assert result.columns == list(load_catalogue()[name].columns)
    assert same_answer(result.rows, want), answer_diff(result.rows, want)


@pytest.mark.parametrize("name", NAMES)
def test_mini_graph_python_helper_matches_hand_counts(name: str, mini_graph: Any) -> None:
    rows = run_query(name, engine="python", graph=mini_graph).rows
    assert same_answer(rows, expected(name)), answer_diff(rows, expected(name))


@pytest.mark.parametrize("name", NAMES)
def test_sample_cypher_equals_python(name: str, embedded_engine: Any, sample_graph: Any) -> None:
    cypher = run_query(name, engine="embedded", embedded=embedded_engine, graph_name="sample")
    python = run_query(name, engine="python", graph=sample_graph)
    assert same_answer(cypher.rows, python.rows), answer_diff(cypher.rows, python.rows)


@pytest.mark.parametrize("name", NAMES)
def test_every_question_answers_on_the_bundled_sample(name: str, embedded_engine: Any) -> None:
    rows = run_query(name, embedded=embedded_engine, graph_name="sample").rows
    assert rows, f"{name} gave no rows on the bundled sample"


def test_sample_platform_and_target_counts_match_a_direct_count(embedded_engine: Any,
                                                                 sample_graph: Any) -> None:
    """Counted straight from the networkx graph, without the Python helpers."""
    g = sample_graph.g
    per_platform: dict[str, set[str]] = {}
    per_target: dict[str, set[str]] = {}
    for trial, product, data in g.edges(data=True):
        if data["type"] != "HAS_PRODUCT":
            continue
        per_platform.setdefault(g.nodes[product]["platform"], set()).add(trial)
        for _, target, rel in g.out_edges(product, data=True):
            if rel["type"] == "TARGETS":
                per_target.setdefault(g.nodes[target]["id"], set()).add(trial)
    platforms = run_query("trials_per_platform", embedded=embedded_engine, graph_name="sample")
    assert {p: n for p, n in platforms.rows} == {p: len(t) for p, t in per_platform.items()}
    targets = run_query("trials_per_target", embedded=embedded_engine, graph_name="sample")
    assert {t: n for t, _, n in targets.rows} == {t: len(s) for t, s in per_target.items()}
    similar = run_query("similar_trials", embedded=embedded_engine, graph_name="sample").rows
    assert similar and all(r[4] == 2 * r[2] + r[3] for r in similar)


@pytest.mark.parametrize(("name", "params"), [
    ("trials_per_target", {"condition": "aml"}),
    ("trials_per_target", {"platform": "CAR-NK"}),
    ("trials_per_target", {"condition": "MONDO:0008433", "platform": "CAR-NK"}),
    ("targets_in_condition_by_platform", {"condition": "small cell lung carcinoma"}),
    ("countries_per_platform", {"platform": "CAR-T"}),
    ("sponsors_for_target_in_condition", {"target": "clec12a", "condition": "AML"}),
    ("sponsors_for_target_in_condition", {"target": "CD19", "condition": None}),
    ("sponsors_for_target_in_condition", {"target": "CD33", "platform": "CAR-NK"}),
    ("sponsors_for_target_in_condition", {"target": "CD19", "condition": None,
                                          "platform": "CAR-T"}),
    ("top_sponsors_for_platform", {"platform": "CAR-T", "limit": 1}),
    ("starts_per_year_by_platform", {"since": 2021}),
    ("target_momentum", {"until": 2022}),
    ("dual_target_constructs", {"category": "solid"}),
    ("dual_target_constructs", {"condition": "AML", "category": "haematological"}),
    ("construct_target_pairs", {"category": "solid"}),
    ("targets_first_seen_after", {"date": "2016"}),
    ("recruiting_in_country", {"country": "CN", "condition": "SCLC"}),
    ("recruiting_in_country", {"country": "CN", "condition": "AML"}),
    ("similar_trials", {"nct_id": "NCT02000002", "limit": 1}),
    ("trials_admitting_ecog", {"condition": None, "ecog": 1}),
    ("trials_excluding_prior_car_t", {"condition": "B-ALL"}),
    ("trials_in_condition", {"condition": None}),
])
def test_parameters_filter_the_same_way_on_both_engines(name: str, params: dict[str, Any],
                                                         embedded_engine: Any,
                                                         mini_graph: Any) -> None:
    cypher = run_query(name, params, embedded=embedded_engine, graph_name="mini")
    python = run_query(name, params, engine="python", graph=mini_graph)
    default = run_query(name, engine="python", graph=mini_graph)
    assert cypher.rows, f"{name} {params}: the mini graph has data for this"
    assert same_answer(cypher.rows, python.rows), answer_diff(cypher.rows, python.rows)
    assert normalise_rows(python.rows) != normalise_rows(default.rows)


@pytest.mark.parametrize(("name", "param", "spelt", "canonical"), [
    ("similar_trials", "nct_id", " nct02000002", "NCT02000002"),
    ("recruiting_in_country", "country", "cn ", "CN"),
    ("trials_in_condition", "condition", "  AML ", "MONDO:0018874"),  # (as its id)
    ("targets_first_seen_after", "date", " 2016 ", "2016"),
    ("countries_per_platform", "platform", "car-nk", "CAR-NK"),
    ("trials_per_platform", "status", "recruiting", "RECRUITING"),
    ("trials_per_platform", "status", "Active, not recruiting", "ACTIVE_NOT_RECRUITING"),
    ("trials_per_platform", "registry", "clinicaltrials.gov", "ClinicalTrials.gov"),
    ("trials_per_platform", "cell_source", " Allogeneic", "allogeneic"),
    ("dual_target_constructs", "category", "Solid", "solid"),
])
def test_a_value_spelt_loosely_asks_what_its_usual_spelling_asks(
        name: str, param: str, spelt: str, canonical: str, embedded_engine: Any,
        mini_graph: Any) -> None:
    """Values are checked and then given to the engines in one form: outer spaces and case
    (and a status's punctuation) make no difference, on every engine."""
    usual = run_query(name, {param: canonical}, engine="python", graph=mini_graph)
    assert usual.rows, f"{name} {param}={canonical}: the mini graph has data for this"
    for engine in ("python", "embedded", "sparql"):
        answer = run_query(name, {param: spelt}, engine=engine, graph=mini_graph,
                           embedded=embedded_engine if engine == "embedded" else None,
                           graph_name="mini")
        assert answer.params[param] == canonical
        assert same_answer(answer.rows, usual.rows), (engine, answer_diff(answer.rows,
                                                                          usual.rows))


@pytest.mark.parametrize(("name", "params", "words"), [
    ("similar_trials", {"nct_id": None}, "'nct_id' of similar_trials needs a value"),
    ("similar_trials", {"nct_id": ""}, "needs a value"),
    ("similar_trials", {"limit": "null"}, "'limit' of similar_trials needs a value (default 10)"),
    ("similar_trials", {"limit": 2**31}, "from 0 to 2147483647"),
    ("trials_admitting_ecog", {"ecog": None}, "needs a value (default 2)"),
    ("trials_admitting_ecog", {"ecog": 6}, "from 0 to 5"),
    ("target_momentum", {"until": " "}, "needs a value (default 2025)"),
    ("targets_first_seen_after", {"date": None}, "needs a value"),
    ("targets_first_seen_after", {"date": "2024-02-30"}, "not a date"),
    ("targets_first_seen_after", {"date": "2024-13"}, "not a date"),
])
def test_a_value_no_question_can_be_asked_with_is_refused(name: str, params: dict[str, Any],
                                                          words: str, mini_graph: Any) -> None:
    """Null where a question needs a value, a limit past the engines' range and an impossible
    date are one clear error on every engine (the embedded engine failed on a null limit and
    answered nothing past 2**32; SPARQL compared every trial with every other for a null
    nct_id)."""
    from celltx.queries.params import ParamError

    for engine in ("python", "sparql"):
        with pytest.raises(ParamError) as caught:
            run_query(name, params, engine=engine, graph=mini_graph)
        assert words in str(caught.value)


def test_condition_matches_id_name_or_synonym_ignoring_case(embedded_engine: Any) -> None:
    aml_trials = {t["id"] for t in MINI if any(c.curie == "MONDO:0018874"
                                               for c in t["conditions"]) and t["products"]}
    for spelling in ("AML", "aml", "Acute Myeloid Leukemia", "MONDO:0018874"):
        rows = run_query("trials_in_condition", {"condition": spelling},
                         embedded=embedded_engine, graph_name="mini").rows
        assert {r[0] for r in rows} == aml_trials


def test_lists_in_cells_come_out_sorted(embedded_engine: Any) -> None:
    rows = run_query("trials_in_condition", {"condition": None}, embedded=embedded_engine,
                     graph_name="mini").rows
    lists = [cell for row in rows for cell in row if isinstance(cell, list)]
    assert any(len(cell) > 1 for cell in lists)
    assert all(cell == sorted(cell) for cell in lists)


def test_counts_stay_integers(embedded_engine: Any) -> None:
    rows = run_query("planned_enrollment_per_target", embedded=embedded_engine,
                     graph_name="mini").rows
    assert rows and all(type(r[1]) is int and type(r[2]) is int for r in rows)


def test_condition_categories_are_the_vocabulary_s() -> None:
    from celltx.ontology import vocab
    from celltx.queries.params import CATEGORIES

    assert set(CATEGORIES) == {c.category for c in vocab.conditions().values()}


@pytest.mark.parametrize(("name", "key", "as_written", "plain"), [
    # names the vocabulary reads, which the engines matched word for word and answered nothing
    ("trials_in_condition", "condition", "refractory B-cell lymphoma", "B-cell lymphoma"),
    ("targets_in_condition_by_platform", "condition", "relapsed/refractory AML", "AML"),
    ("sponsors_for_target_in_condition", "target", "anti-CLL-1 CAR", "CLL1"),
])
def test_a_name_the_vocabulary_reads_asks_for_its_term(sample_graph: Any, name: str, key: str,
                                                       as_written: str, plain: str) -> None:
    plain_answer = run_query(name, {key: plain}, engine="python", graph=sample_graph)
    assert plain_answer.rows
    for engine in ("python", "embedded"):
        answer = run_query(name, {key: as_written}, engine=engine, graph=sample_graph)
        assert normalise_rows(answer.rows) == normalise_rows(plain_answer.rows), engine


def test_a_condition_the_vocabulary_reads_only_in_part_is_not_asked_as_the_broader_term(
        sample_graph: Any) -> None:
    """"penile cancer" is "cancer" to the annotator (the longest synonym inside it; the
    tables have no penile cancer): asking for the generic cancer node answered another
    question without a word; it is an error that suggests the graph's names instead. ("pancreas
    cancer" was one too, until an organ's noun read as its adjective: pancreatic cancer;
    "thyroid cancer" until the table had it.)"""
    from celltx.queries.params import ParamError

    with pytest.raises(ParamError, match=r"no condition 'penile cancer'.*did you mean"):
        run_query("trials_per_target", {"condition": "penile cancer"}, engine="python",
                  graph=sample_graph)
    assert run_query("trials_per_target", {"condition": "pancreas cancer"}, engine="python",
                     graph=sample_graph).params["condition"] == "MONDO:0005192"
    # qualifiers around a name are still read ("relapsed/refractory AML" is AML)
    assert run_query("trials_per_target", {"condition": "relapsed/refractory AML"},
                     engine="python", graph=sample_graph).rows


def test_targets_of_a_condition_category_on_every_engine(sample_graph: Any) -> None:
    """trials_per_target takes a condition category ("which antigens in solid tumours"), as
    dual_target_constructs does: counted over the products tested in a condition of that
    category (a basket trial's BCMA product is not counted for its solid tumours)."""
    from celltx.queries.python_answers import _linked

    python = run_query("trials_per_target", {"category": "solid"}, engine="python",
                       graph=sample_graph)
    want: dict[str, set[str]] = defaultdict(set)  # counted here from the graph's edges
    for t, _ in sample_graph.nodes("Trial"):
        for p, _ in sample_graph.out(t, "HAS_PRODUCT"):
            if any(c.get("category") == "solid"
                   for c in _linked(sample_graph, p, "TESTED_IN")):
                for x, _ in sample_graph.out(p, "TARGETS"):
                    want[sample_graph.g.nodes[x]["id"]].add(t)
    assert want and {r[0]: r[2] for r in python.rows} == {k: len(v) for k, v in want.items()}
    every = {r[0]: r[2] for r in run_query("trials_per_target", {}, engine="python",
                                            graph=sample_graph).rows}
    assert sum(len(v) for v in want.values()) < sum(every.values())
    for engine in ("embedded", "sparql"):
        other = run_query("trials_per_target", {"category": "solid"}, engine=engine,
                          graph=sample_graph)
        assert normalise_rows(other.rows) == normalise_rows(python.rows), engine
