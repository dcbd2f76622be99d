"""Merging one trial's records from several sources, and identifying records with no NCT id."""

from __future__ import annotations

from typing import Any

from celltx.graph.merge import identify_records, merge_records, normalise_title
from celltx.graph.trial_graph import TrialGraph
from celltx.ontology.annotate import annotate

from celltx.models import Eligibility, Provenance, SourceFormat, TrialRecord

TITLE = "CD19 CAR-T Cells in Relapsed or Refractory B-cell Acute Lymphoblastic Leukemia"


def rec(nct: str | None, path: str, fmt: SourceFormat = SourceFormat.REGISTRY_PAGE,
        **fields: Any) -> TrialRecord:
    prov = Provenance(path=path, format=fmt, record=0, last_update=fields.get("last_update"))
    return TrialRecord(nct_id=nct, provenance=prov, **fields)


def known(*records: TrialRecord) -> dict[str, list[TrialRecord]]:
    out: dict[str, list[TrialRecord]] = {}
    for r in records:
        out.setdefault(str(r.nct_id), []).append(r)
    return out


# ---- identifying ------------------------------------------------------------------------------


def test_identical_title_after_normalisation_matches() -> None:
    page = rec(None, "page.txt", brief_title="cd19 CAR T cells in relapsed OR refractory B cell "
                                             "acute lymphoblastic leukemia.")
    matched, rejects = identify_records([page], known(rec("NCT01234567", "a.json",
                                                          brief_title=TITLE)))
    assert rejects == []
    [(r, nct, evidence)] = matched
    assert r is page and nct == "NCT01234567"
    assert evidence.startswith("title identical after normalisation")


def test_spelling_variant_matches_as_similar() -> None:
    page = rec(None, "page.txt", brief_title=TITLE.replace("Leukemia", "Leukaemia"))
    matched, _ = identify_records([page], known(rec("NCT01234567", "a.json", brief_title=TITLE)))
    [(_, nct, evidence)] = matched
    assert nct == "NCT01234567" and evidence.startswith("title similar")


def test_titles_differing_in_target_or_phase_never_merge() -> None:
    trials = known(rec("NCT01234567", "a.json", brief_title=TITLE))
    for other in (TITLE.replace("CD19", "CD22"), TITLE.replace("B-cell", "T-cell"),
                  "Phase 2 " + TITLE, TITLE.replace("Relapsed or ", "")):
        matched, [rej] = identify_records([rec(None, "p.txt", brief_title=other)], trials)
        assert matched == [] and rej.reason.startswith("trial cannot be identified"), other


def test_title_shared_by_two_trials_is_ambiguous() -> None:
    trials = known(rec("NCT01234567", "a.json", brief_title=TITLE),
                   rec("NCT07654321", "b.json", official_title=TITLE))
    matched, [rej] = identify_records([rec(None, "p.txt", brief_title=TITLE)], trials)
    assert matched == []
    assert "several trials" in rej.reason and "NCT01234567" in rej.reason
    assert rej.path == "p.txt" and rej.field == "nct_id"


def test_secondary_id_matches_before_title() -> None:
    trials = known(rec("NCT01234567", "a.json", brief_title=TITLE, secondary_ids=("CAR-2024-01",)),
                   rec("NCT07654321", "b.json", brief_title="Something else entirely here ok"))
    page = rec(None, "p.txt", brief_title="Something else entirely here ok",
               secondary_ids=("car-2024-01 ",))
    [(_, nct, evidence)] = identify_records([page], trials)[0]
    assert nct == "NCT01234567" and evidence.startswith("secondary id")


def test_short_generic_title_is_not_enough() -> None:
    trials = known(rec("NCT01234567", "a.json", brief_title="CAR-T for AML"))
    matched, [rej] = identify_records([rec(None, "p.txt", brief_title="CAR-T for AML")], trials)
    assert matched == [] and "cannot be identified" in rej.reason


def test_normalised_title_ignores_case_and_punctuation() -> None:
    assert normalise_title("CAR-T  (r/r AML)") == normalise_title("car t r/r aml")


# ---- merging ----------------------------------------------------------------------------------


def test_conflict_keeps_both_values_with_the_newest_current() -> None:
    old = rec("NCT01234567", "old.csv", SourceFormat.CTGOV_CSV, brief_title=TITLE,
              overall_status="RECRUITING", last_update="2023-01-05", conditions=("B-ALL",))
    new = rec("NCT01234567", "new.json", SourceFormat.CTGOV_V2_JSON, brief_title=TITLE,
              overall_status="COMPLETED", last_update="2025-06-01")
    merged = merge_records([old, new])
    assert merged.record.overall_status == "COMPLETED"
    assert merged.record.conditions == ("B-ALL",)  # gap filled from the older record
    assert merged.conflicts["overall_status"] == [
        {"value": "COMPLETED", "source": "new.json#0"},
        {"value": "RECRUITING", "source": "old.csv#0"}]
    assert merged.evidence == ["nct_id"]
    assert [p.ref for p in merged.sources] == ["new.json#0", "old.csv#0"]


def test_a_date_s_type_comes_from_the_record_that_gives_the_date() -> None:
    """An older record's ESTIMATED beside a newer record's date made a recruiting trial's start
    a planned one: the type is the date's, never filled on its own (enrollment's too). (The
    trial's number was issued in 2019, before its start: ``start_made`` reads a recruiting
    trial dated years after its registration as a moved start.)"""
    old = rec("NCT04234567", "old.json", SourceFormat.CTGOV_V2_JSON, brief_title=TITLE,
              start_date="2020-06", start_date_type="ESTIMATED", enrollment=20,
              enrollment_type="ESTIMATED", last_update="2020-01-05")
    new = rec("NCT04234567", "new.csv", SourceFormat.CTGOV_CSV, brief_title=TITLE,
              start_date="2021-02-01", enrollment=24, overall_status="RECRUITING",
              last_update="2025-06-01")
    merged = merge_records([old, new]).record
    assert (merged.start_date, merged.start_date_type) == ("2021-02-01", None)
    assert (merged.enrollment, merged.enrollment_type) == (24, None)
    assert annotate(merged).started is True  # (by its status: the date's type is unknown)
    # a date filled from another record brings its type
    dateless = rec("NCT04234567", "new.csv", SourceFormat.CTGOV_CSV, brief_title=TITLE,
                   last_update="2025-06-01")
    merged = merge_records([old, dateless]).record
    assert (merged.start_date, merged.start_date_type) == ("2020-06", "ESTIMATED")


def test_an_actual_start_keeps_its_date_against_a_newer_untyped_one() -> None:
    """(A second probe) a record's ACTUAL start of 2020 beside a newer record, without a date
    type, whose start was rewritten to 2026: the start was made in 2020."""
    old = rec("NCT04432649", "old.json", SourceFormat.CTGOV_V2_JSON, brief_title=TITLE,
              start_date="2020-06-01", start_date_type="ACTUAL", last_update="2020-06-16")
    new = rec("NCT04432649", "new.json", SourceFormat.CTGOV_V2_JSON, brief_title=TITLE,
              start_date="2026-06-01", overall_status="RECRUITING", last_update="2026-06-23")
    found = merge_records([old, new])
    assert (found.record.start_date, found.record.start_date_type) == ("2020-06-01", "ACTUAL")
    assert {c["value"] for c in found.conflicts["start_date"]} == {"2020-06-01", "2026-06-01"}
    assert annotate(found.record).started is True
    # a newer record's own type stands (a corrected actual date, or a planned one)
    newer = new.model_copy(update={"start_date_type": "ACTUAL", "start_date": "2020-07-01"})
    assert merge_records([old, newer]).record.start_date == "2020-07-01"


def test_the_status_last_verified_comes_from_the_record_that_gives_the_status() -> None:
    """An old record's last known NOT_YET_RECRUITING beside a newer record's status: the
    newer record's reading, not a stale one on it."""
    old = rec("NCT01234567", "old.xml", SourceFormat.CTGOV_XML, brief_title=TITLE,
              overall_status="UNKNOWN", last_known_status="NOT_YET_RECRUITING",
              last_update="2018-01-05")
    new = rec("NCT01234567", "new.csv", SourceFormat.CTGOV_CSV, brief_title=TITLE,
              overall_status="RECRUITING", last_update="2024-06-01")
    merged = merge_records([old, new]).record
    assert (merged.overall_status, merged.last_known_status) == ("RECRUITING", None)


def test_a_lead_sponsor_that_differs_is_a_conflict_kept_by_name() -> None:
    """Two records of a trial naming different lead sponsors: the newest is kept and the
    other is listed as a conflict (it was dropped without a word: the lead sponsor was not
    among the compared fields)."""
    from celltx.models import Sponsor

    old = rec("NCT01234567", "old.csv", SourceFormat.CTGOV_CSV, brief_title=TITLE,
              lead_sponsor=Sponsor(name="Second Affiliated Hospital"), last_update="2023-01-05")
    new = rec("NCT01234567", "new.json", SourceFormat.CTGOV_V2_JSON, brief_title=TITLE,
              lead_sponsor=Sponsor(name="Acme Bio", sponsor_class="INDUSTRY"),
              last_update="2025-06-01")
    same = rec("NCT01234567", "same.json", SourceFormat.CTGOV_V2_JSON, brief_title=TITLE,
               lead_sponsor=Sponsor(name="Acme Bio"), last_update="2024-06-01")
    merged = merge_records([old, new, same])
    assert merged.record.lead_sponsor == new.lead_sponsor
    assert merged.conflicts["lead_sponsor"] == [
        {"value": "Acme Bio", "source": "new.json#0"},
        {"value": "Second Affiliated Hospital", "source": "old.csv#0"}]


def test_record_identified_by_title_takes_the_trial_number() -> None:
    page = rec(None, "page.txt", brief_title=TITLE, interventions=())
    stated = rec("NCT01234567", "other.txt", brief_title=TITLE, overall_status="RECRUITING")
    merged = merge_records([page, stated])
    assert merged.nct_id == "NCT01234567" and merged.record.nct_id == "NCT01234567"
    assert merged.evidence == []  # the title evidence is added by the matcher


def test_eligibility_gaps_are_filled_field_by_field() -> None:
    a = rec("NCT01234567", "a.txt", eligibility=Eligibility(criteria="Inclusion Criteria:\n* x"),
            last_update="2025-01-01")
    b = rec("NCT01234567", "b.txt", eligibility=Eligibility(min_age_years=18.0, sex="ALL"))
    e = merge_records([a, b]).record.eligibility
    assert (e.criteria, e.min_age_years, e.sex) == ("Inclusion Criteria:\n* x", 18.0, "ALL")


def test_every_fact_keeps_the_sources_that_state_it() -> None:
    a = rec("NCT01234567", "a.txt", brief_title=TITLE, conditions=("B-ALL",),
            phases=("PHASE1",), last_update="2025-01-01")
    b = rec("NCT01234567", "b.txt", brief_title=TITLE, conditions=("B-ALL", "Lymphoma"),
            phases=("PHASE1",))
    merged = merge_records([a, b])
    g = TrialGraph()
    g.add_trial(merged, annotate(merged.record), [a, b])
    studies = {e["as_written"]: e["sources"] for _, e in g.out("Trial:NCT01234567", "STUDIES")}
    assert studies.get("B-ALL") == ["a.txt#0", "b.txt#0"]
    [(_, phase)] = list(g.out("Trial:NCT01234567", "HAS_PHASE"))
    assert phase["sources"] == ["a.txt#0", "b.txt#0"]
