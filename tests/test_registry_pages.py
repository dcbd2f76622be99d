"""Registry web pages saved as text: the four seed sites, the pasted CT.gov record, noise."""

from __future__ import annotations

from pathlib import Path

import pytest
from celltx.graph.trial_graph import describe_trial
from celltx.loaders.registry_page import page_to_record

from celltx.build import BuildResult, build
from celltx.models import Provenance, Reject, SourceFormat, TrialRecord

# The five seed pages of ../shared/seeds (copied; 001 and 002 describe the same trial, 002 never
# names its NCT number). Nothing else may live in that folder: the build reads every file.
SEEDS = Path(__file__).parent / "fixtures" / "seeds"
SEED = {p.name[:3]: p for p in SEEDS.glob("*.txt")}


def read_page(text: str, name: str = "page.txt") -> TrialRecord | Reject:
    return page_to_record(text, Provenance(path=name, format=SourceFormat.REGISTRY_PAGE,
                                           record=0))


def seed(key: str) -> TrialRecord:
    rec = read_page(SEED[key].read_text(encoding="utf-8"), SEED[key].name)
    assert isinstance(rec, TrialRecord), rec
    return rec


@pytest.fixture(scope="module")
def seeds_build() -> BuildResult:
    return build([SEEDS])


# ---- the build -------------------------------------------------------------------------------


def test_seeds_give_four_trials_from_five_files(seeds_build: BuildResult) -> None:
    stats = seeds_build.stats
    assert stats["files"] == 5 and stats["records_read"] == 5
    assert stats["trials"] == 4
    assert stats["records_read"] == stats["trials"] + stats["duplicates_merged"] + stats["rejects"]
    assert {d["id"] for _, d in seeds_build.graph.nodes("Trial")} == {
        "NCT05008575", "NCT06880354", "NCT07480213", "NCT04011033"}


def test_page_without_nct_is_merged_by_title(seeds_build: BuildResult) -> None:
    [merge] = seeds_build.merges
    assert merge["nct_id"] == "NCT06880354"
    assert sorted(Path(s.split("#")[0]).name[:3] for s in merge["sources"]) == ["001", "002"]
    assert any(e.startswith("title identical") for e in merge["evidence"])
    assert "nct_id" not in merge["evidence"]  # only one of the two pages names the number


def test_merged_trial_keeps_facts_of_both_pages(seeds_build: BuildResult) -> None:
    t = describe_trial(seeds_build.graph, "NCT06880354")
    assert t is not None
    assert t["status"] == "RECRUITING" and t["phases"] == ["PHASE1"]  # from 001
    assert t["interventions"] == [{"name": "CLL1 and CD38 Dual-Target CAR-T Cell Injection",
                                   "type": "DRUG"}]  # from 002
    g = seeds_build.graph
    [(_, studies)] = list(g.out("Trial:NCT06880354", "STUDIES"))
    assert len(studies["sources"]) == 2  # both pages state the condition
    [(_, tests)] = list(g.out("Trial:NCT06880354", "TESTS"))
    assert [Path(s).name[:3] for s in tests["sources"]] == ["002"]


# ---- each seed's facts, read by hand from the pages ---------------------------------------------


def test_recruitment_site_000() -> None:
    r = seed("000")
    assert r.nct_id == "NCT05008575"
    assert r.brief_title == ("Anti-CD33 CAR NK Cells in the Treatment of Relapsed/Refractory "
                             "Acute Myeloid Leukemia")
    assert r.lead_sponsor is not None and r.lead_sponsor.name == "Xinqiao Hospital of Chongqing"
    assert r.conditions == ("Leukemia, Myeloid, Acute",)
    assert [i.name for i in r.interventions] == ["Fludarabine", "Cytoxan",
                                                 "anti-CD33 CAR NK cells"]
    assert r.completion_date == "2023-12-01" and r.last_update == "2022-03-25"
    assert r.overall_status is None and r.phases == () and r.enrollment is None
    assert r.brief_summary and r.brief_summary.startswith("CAR technology")
    crit = r.eligibility.criteria or ""
    assert crit.startswith("Inclusion Criteria:\n") and "\nExclusion Criteria:\n" in crit
    assert "* Pregnant or lactating women" in crit
    assert "Lorem ipsum" not in crit and "How to participate" not in crit
    assert crit.rstrip().endswith("* Other patients that researchers considered unsuitable for "
                                  "inclusion")


def test_summary_site_001() -> None:
    r = seed("001")
    assert r.nct_id == "NCT06880354"
    assert r.brief_title and r.brief_title.startswith("A Clinical Study to Evaluate the Safety")
    assert r.overall_status == "RECRUITING" and r.phases == ("PHASE1",)
    assert (r.eligibility.min_age_years, r.eligibility.max_age_years, r.eligibility.sex) == (
        18.0, 70.0, "ALL")
    assert r.conditions == ("Acute Myeloid Leukemia",)
    assert r.lead_sponsor is not None
    assert r.lead_sponsor.name == "Institute of Hematology & Blood Diseases Hospital, China"
    crit = r.eligibility.criteria or ""
    assert "   4. Left ventricular ejection fraction (LVEF) ≥45%;" in crit  # nested item kept
    assert ("8. The ability to discontinue corticosteroids (dexamethasone ≥3mg/ day or other "
            "equivalent dose of hormones)") in crit  # wrapped line joined
    assert "19. According to the investigator's judgment" in crit
    assert "FAQs" not in crit and "First name" not in crit


def test_pasted_ctgov_record_002() -> None:
    r = seed("002")
    assert r.nct_id is None
    assert r.brief_title == seed("001").brief_title
    assert r.conditions == ("Acute Myeloid Leukemia",)
    assert [(i.type, i.name) for i in r.interventions] == [
        ("DRUG", "CLL1 and CD38 Dual-Target CAR-T Cell Injection")]
    assert [(o.measure, o.time_frame) for o in r.primary_outcomes] == [
        ("Dose-Limiting Toxicity (DLT) Rate", "28 days"), ("Adverse Events （AEs）", "96 weeks")]
    assert len(r.secondary_outcomes) == 8
    assert r.secondary_outcomes[4].measure == "Event-free Survival (EFS)"
    assert r.secondary_outcomes[4].description == (
        "The time from receiving CAR-T cell infusion to treatment failure, disease relapse, or "
        "death from any cause (whichever occurs first).")
    assert r.detailed_description and r.detailed_description.startswith("This is a single-arm")
    assert "|" not in r.detailed_description


def test_clinical_trial_compass_003() -> None:
    r = seed("003")
    assert r.nct_id == "NCT07480213"
    assert r.brief_title == ("Adaptive Phase 1/2 Study of Dual-Target CAR-NK Cells in "
                             "Relapsed/Refractory Small Cell Lung Cancer (SCLC)")
    assert r.overall_status == "RECRUITING" and r.phases == ("PHASE1", "PHASE2")
    assert r.enrollment == 60 and r.start_date == "2026-02-02"
    assert [loc.country for loc in r.locations] == ["China"]
    assert (r.eligibility.min_age_years, r.eligibility.max_age_years, r.eligibility.sex) == (
        18.0, 75.0, "ALL")
    assert r.lead_sponsor is None and r.conditions == ()  # the page names neither
    crit = r.eligibility.criteria or ""
    assert "ANC >= 1.0 x10^9/L" in crit  # markdown escapes undone
    assert crit.rstrip().endswith("or active tub…")  # the page's truncation, kept as is


def test_veeva_004() -> None:
    r = seed("004")
    assert r.nct_id == "NCT04011033"
    assert r.secondary_ids == ("Beijing Youan Ethics [2018]016",)
    assert r.brief_title == ("Study of Adoptive Transfer of iNKT Cells Combined With TAE/TACE to "
                             "Treat Unresectable HCC")
    assert r.lead_sponsor is not None
    assert (r.lead_sponsor.name, r.lead_sponsor.sponsor_class) == ("Capital Medical University",
                                                                   "OTHER")
    assert r.overall_status == "COMPLETED" and r.phases == ("PHASE2",)
    assert r.conditions == ("Hepatocellular Carcinoma",)
    assert [(i.type, i.name) for i in r.interventions] == [
        ("PROCEDURE", "TAE/TACE"), ("BIOLOGICAL", "iNKT cells"),
        ("DRUG", "Human recombinated Interleukin-2")]
    assert r.study_type == "INTERVENTIONAL" and r.enrollment == 60
    assert (r.allocation, r.intervention_model, r.masking, r.primary_purpose) == (
        "RANDOMIZED", "PARALLEL", "NONE", "TREATMENT")
    assert (r.eligibility.min_age_years, r.eligibility.max_age_years) == (18.0, 80.0)
    assert r.eligibility.healthy_volunteers is False
    assert [(a.label, a.type, len(a.intervention_names)) for a in r.arms] == [
        ("TAE/TACE+iNKT for unresectable HCC", "EXPERIMENTAL", 3),
        ("TAE/TACE for unresectable HCC", "OTHER", 1)]
    crit = r.eligibility.criteria or ""
    assert crit.rstrip().endswith("* Unsuitable subjects considered by clinicians.")


# ---- noise -------------------------------------------------------------------------------------

NAV = "Home\nFind a trial\nAbout us\nContact us\nMenu\n"
COOKIES = ("We use cookies to improve your experience. Accept all cookies\n"
           "Privacy policy\n")
SIGNUP = "Sign up for updates\nGet notified when new trials match you\nSubscribe\n"
LOREM = "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n"


def test_navigation_banners_and_placeholders_are_ignored() -> None:
    text = SEED["000"].read_text(encoding="utf-8")
    noisy = NAV + COOKIES + text.replace("Inclusion Criteria\n", "Inclusion Criteria\n" + LOREM)
    noisy = noisy.replace("Exclusion Criteria\n", SIGNUP + "Exclusion Criteria\n")
    r, clean = read_page(noisy), seed("000")
    assert isinstance(r, TrialRecord)
    assert r.brief_title == clean.brief_title and r.nct_id == clean.nct_id
    assert r.eligibility.criteria == clean.eligibility.criteria
    assert r.conditions == clean.conditions and r.interventions == clean.interventions


def test_truncated_page_keeps_what_it_says() -> None:
    text = SEED["004"].read_text(encoding="utf-8")
    cut = text[: text.index("Exclusion criteria") + len("Exclusion criteria\n\n  • Any uncont")]
    r = read_page(cut + "…")
    assert isinstance(r, TrialRecord) and r.nct_id == "NCT04011033"
    assert r.arms == () and r.allocation is None  # the design section was cut off
    assert (r.eligibility.criteria or "").rstrip().endswith("* Any uncont…")


def test_page_with_no_trial_is_a_reject() -> None:
    text = NAV + COOKIES + ("What is a clinical trial?\n\nA clinical trial is a study designed "
                            "to test specific interventions.\n" + SIGNUP + LOREM)
    r = read_page(text)
    assert isinstance(r, Reject) and r.reason.startswith("not a trial page")


def test_page_naming_several_unlabelled_trials_is_a_reject() -> None:
    text = ("Similar trials to consider\n\nCAR-T for lymphoma NCT01234567\n"
            "CAR-NK for AML NCT07654321\n")
    r = read_page(text)
    assert isinstance(r, Reject) and "several NCT numbers" in r.reason


def test_generic_labelled_page() -> None:
    text = (NAV + "Trial record\n\nTitle: CD19 CAR-T Cells for Relapsed B-cell Lymphoma in Adults\n"
            "NCT Number: NCT01234567\nStatus: Active, not recruiting\nPhase: Phase 2\n"
            "Sponsor: Example University\nConditions: B-cell Lymphoma; Follicular Lymphoma\n"
            "Interventions: BIOLOGICAL: CD19 CAR-T cells|DRUG: Fludarabine\nAge: 18-75 years\n"
            "Sex: All\nEnrollment: 40 participants\n\nInclusion Criteria:\n* ECOG 0-1\n"
            "Exclusion Criteria:\n* Prior CAR-T therapy\n" + COOKIES)
    r = read_page(text)
    assert isinstance(r, TrialRecord)
    assert r.nct_id == "NCT01234567" and r.overall_status == "ACTIVE_NOT_RECRUITING"
    assert r.brief_title == "CD19 CAR-T Cells for Relapsed B-cell Lymphoma in Adults"
    assert r.phases == ("PHASE2",) and r.enrollment == 40
    assert r.conditions == ("B-cell Lymphoma", "Follicular Lymphoma")
    assert [(i.type, i.name) for i in r.interventions] == [("BIOLOGICAL", "CD19 CAR-T cells"),
                                                          ("DRUG", "Fludarabine")]
    assert r.eligibility.criteria == ("Inclusion Criteria:\n\n* ECOG 0-1\n\n"
                                      "Exclusion Criteria:\n\n* Prior CAR-T therapy")


def test_unidentifiable_page_is_rejected_in_the_build(tmp_path: Path) -> None:
    text = SEED["002"].read_text(encoding="utf-8").replace(
        "CLL1 and CD38 Dual-Target", "CD7 Single-Target", 1)
    (tmp_path / "page.txt").write_text(text, encoding="utf-8")
    result = build([tmp_path])
    assert result.stats["trials"] == 0
    [rej] = result.rejects
    assert rej.reason.startswith("trial cannot be identified") and rej.field == "nct_id"
