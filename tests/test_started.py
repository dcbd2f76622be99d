"""Whether a trial's start was made (``annotate.start_made``), in the graph and in the start-year
question: a registry's start date may be a planned one, and "what started this year" counted
planned starts and dates that passed without a start as starts."""

from __future__ import annotations

from typing import Any

import pytest
from celltx.ontology.annotate import annotate, start_made
from celltx.queries import python_answers

from celltx.models import Provenance, SourceFormat, TrialRecord


def _record(**fields: Any) -> TrialRecord:
    prov = Provenance(path="t.json", format=SourceFormat.CTGOV_V2_JSON, record=0)
    return TrialRecord(nct_id="NCT09000001", provenance=prov, start_date="2025-03", **fields)


@pytest.mark.parametrize(("fields", "want"), [
    # the start date's type, where the registry gives it, says it
    ({"start_date_type": "ACTUAL", "overall_status": "UNKNOWN"}, (True, "start date actual")),
    ({"start_date_type": "ESTIMATED", "overall_status": "RECRUITING"},
     (False, "start date anticipated")),
    # else the status: a trial that enrols or enrolled has started
    ({"overall_status": "RECRUITING"}, (True, "status started")),
    ({"overall_status": "ACTIVE_NOT_RECRUITING"}, (True, "status started")),
    ({"overall_status": "TERMINATED"}, (True, "status started")),
    # one not yet recruiting, or withdrawn before its first participant, has not
    ({"overall_status": "NOT_YET_RECRUITING"}, (False, "status not started")),
    ({"overall_status": "WITHDRAWN"}, (False, "status not started")),
    # a start date after the record's last update is a planned start, whatever the status
    ({"overall_status": "RECRUITING", "last_update": "2025-02-20"},
     (False, "start date after record")),
    ({"overall_status": "RECRUITING", "last_update": "2025-03-02"}, (True, "status started")),
    # an unknown status says what the status last verified says, or nothing
    ({"overall_status": "UNKNOWN", "last_known_status": "RECRUITING"},
     (True, "last known status started")),
    ({"overall_status": "UNKNOWN", "last_known_status": "NOT_YET_RECRUITING"},
     (False, "last known status not started")),
    ({"overall_status": "UNKNOWN"}, (None, None)), ({}, (None, None)),
])
def test_a_start_is_made_by_its_date_type_else_by_the_status(
        fields: dict[str, Any], want: tuple[bool | None, str | None]) -> None:
    record = _record(**fields)
    assert start_made(record) == want
    ann = annotate(record)
    assert (ann.started, ann.started_rule) == want


def test_the_graph_and_the_start_question_count_the_starts_made(sample_graph: Any) -> None:
    trials = [d for _, d in sample_graph.nodes("Trial")]
    typed = [d for d in trials if d.get("start_date_type")]
    assert typed and all(d["started"] is (d["start_date_type"] == "ACTUAL") for d in typed)
    not_yet = [d for d in trials if d.get("status") == "NOT_YET_RECRUITING"
               and not d.get("start_date_type")]
    assert not_yet and all(d["started"] is False for d in not_yet)
    rows = python_answers.ANSWERS["starts_per_year_by_platform"](sample_graph, since=2024)
    assert rows and all(0 <= started <= n for _, _, n, started in rows)
    # the sample's planned starts of 2026 are starts not made: fewer started than dated
    this_year = [r for r in rows if r[0] == 2026]
    assert sum(r[3] for r in this_year) < sum(r[2] for r in this_year)
    # and the count is of the trials whose start was made, per year and platform
    for year, platform, _, started in rows:
        made = {t for t, d in sample_graph.nodes("Trial") if d.get("start_year") == year
                and d.get("started") is True
                and any(sample_graph.g.nodes[p].get("platform") == platform
                        for p, _ in sample_graph.out(t, "HAS_PRODUCT"))}
        assert started == len(made), (year, platform)
