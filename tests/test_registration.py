"""The year a trial was registered (``registration``), and a start date moved years past it.

Some sponsors rewrite the start date of a trial that has recruited for years at each update
(Shenzhen Geno-Immune's trials registered in 2017–2019 were recruiting with starts dated 2026 in
the monitor export, which gives no start date type): "what started this year" counted them as
this year's starts."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from celltx.ontology.annotate import annotate, start_made
from celltx.ontology.registration import (
    nct_number_month,
    nct_number_year,
    registration_month,
    registration_year,
)
from celltx.queries import python_answers

from celltx.models import Provenance, SourceFormat, TrialRecord

FIXTURES = Path(__file__).parent / "fixtures" / "registries"


def _record(nct_id: str = "NCT03271632", **fields: Any) -> TrialRecord:
    prov = Provenance(path="t.json", format=SourceFormat.CTGOV_V2_JSON, record=0)
    return TrialRecord(nct_id=nct_id, provenance=prov, **fields)


def test_the_nct_number_gives_the_year_of_registrations_it_was_not_made_from() -> None:
    """The registration dates the ICTRP exports give 2,657 NCT studies (the table was made from
    the ClinicalTrials.gov records of the corpus, not from these): 2,649 years exact, all but
    one within a year (the one ICTRP dates 2009 has a number issued in 2012)."""
    with open(FIXTURES / "ictrp_nct_registrations.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert len(rows) > 2000
    off = [abs(int(str(nct_number_year(r["nct_id"]))) - int(r["date_registration"][:4]))
           for r in rows]
    assert sum(1 for d in off if d == 0) / len(off) >= 0.99
    assert sum(1 for d in off if d <= 1) / len(off) >= 0.999
    # the month, read between the year's first number and the next year's: within two months
    # for 99 % of them
    months = [abs((nct_number_month(r["nct_id"]) or 0) - (12 * int(r["date_registration"][:4])
                                                          + int(r["date_registration"][5:7]) - 1))
              for r in rows]
    assert sum(1 for d in months if d <= 2) / len(months) >= 0.99


def test_the_first_posted_date_comes_before_the_number() -> None:
    assert registration_year(_record(first_posted="2019-02-01")) == (2019, "first posted")
    assert registration_year(_record()) == (2017, "NCT number")
    assert registration_year(_record(nct_id="NCT00000102")) is None  # (issued before 2005)
    assert registration_year(_record(nct_id="ChiCTR2000029817")) is None
    assert registration_month(_record(first_posted="2019-02-01")) == 12 * 2019 + 1
    assert divmod(registration_month(_record()) or 0, 12) == (2017, 8)  # (September)


@pytest.mark.parametrize(("fields", "want"), [
    # still recruiting, registered in 2017, no start date type, dated 2026: moved forward
    ({"overall_status": "RECRUITING", "start_date": "2026-06-01", "last_update": "2026-06-23"},
     (None, "start date years after registration")),
    ({"overall_status": "ENROLLING_BY_INVITATION", "start_date": "2020-09"},
     (None, "start date years after registration")),
    # three years counted in months: the number was issued in September 2017, so a start in June
    # 2020 is late, not moved (it counted 2020 - 2017 = 3)
    ({"overall_status": "RECRUITING", "start_date": "2020-06-14"}, (True, "status started")),
    # a first-posted date is the registration where the record gives it
    ({"overall_status": "RECRUITING", "start_date": "2026-06-01",
      "first_posted": "2024-01-10"}, (True, "status started")),
    # two years after registration is a late start, not a moved one
    ({"overall_status": "RECRUITING", "start_date": "2019-11"}, (True, "status started")),
    # a trial that no longer enrols keeps its start date as history
    ({"overall_status": "TERMINATED", "start_date": "2023-08-09"}, (True, "status started")),
    ({"overall_status": "ACTIVE_NOT_RECRUITING", "start_date": "2022-04-04"},
     (True, "status started")),
    # a start date type says it whatever the dates
    ({"overall_status": "RECRUITING", "start_date": "2026-06-01", "start_date_type": "ACTUAL"},
     (True, "start date actual")),
])
def test_a_start_moved_years_past_registration_is_no_start_of_that_year(
        fields: dict[str, Any], want: tuple[bool | None, str]) -> None:
    record = _record(**fields)
    assert start_made(record) == want
    ann = annotate(record)
    assert (ann.started, ann.started_rule) == want
    assert ann.registered_year == registration_year(record)[0]  # type: ignore[index]


def test_the_sample_counts_no_moved_start_as_a_start(sample_graph: Any) -> None:
    trials = {d["id"]: d for _, d in sample_graph.nodes("Trial")}
    moved = [d for d in trials.values()
             if d.get("started_rule") == "start date years after registration"]
    assert moved and all(d.get("started") is None and d["status"] in (
        "RECRUITING", "ENROLLING_BY_INVITATION") and not d.get("start_date_type")
        and d["start_year"] - d["registered_year"] >= 3 for d in moved)
    assert all(d.get("registered_year") for d in trials.values()
               if nct_number_year(d["id"]) is not None or d.get("first_posted"))
    rows = python_answers.ANSWERS["starts_per_year_by_platform"](sample_graph, since=2026,
                                                                 until=2026)
    started_2026 = sum(started for _, _, _, started in rows)
    counted = {d["id"] for d in trials.values() if d.get("start_year") == 2026
               and d.get("started") is True}
    assert counted and not counted & {d["id"] for d in moved}
    assert started_2026 >= 1
