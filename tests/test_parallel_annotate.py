"""Annotation in forked workers gives exactly what one process gives, in the same order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from celltx.loaders.ctgov_v2 import study_to_record
from celltx.ontology.annotate import annotate, warm

from celltx import parallel_annotate
from celltx.models import Provenance, SourceFormat, TrialRecord

LABELLED = Path(__file__).parent / "labelled" / "trials.jsonl"


def _records() -> list[TrialRecord]:
    out = []
    for i, line in enumerate(LABELLED.read_text(encoding="utf-8").splitlines()):
        rec = study_to_record(json.loads(line)["study"], Provenance(
            path=str(LABELLED), format=SourceFormat.CTGOV_V2_JSON, record=i))
        assert isinstance(rec, TrialRecord)
        out.append(rec)
    return out


def test_workers_give_the_same_annotations_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    records = _records()
    monkeypatch.setattr(parallel_annotate, "MIN_RECORDS", 10)
    monkeypatch.setenv("CELLTX_WORKERS", "2")
    parallel = list(parallel_annotate.annotate_all(records, annotate))
    monkeypatch.setenv("CELLTX_WORKERS", "1")
    serial = list(parallel_annotate.annotate_all(records, annotate))
    assert len(parallel) == len(records) > 100
    assert parallel == serial
    assert sum(a.is_cell_therapy for a in parallel) > 50


def test_worker_count_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CELLTX_WORKERS", "3")
    assert parallel_annotate.workers() == 3
    monkeypatch.setenv("CELLTX_WORKERS", "zero")
    assert 1 <= parallel_annotate.workers() <= 4


def _patterns() -> list[Any]:
    from celltx.ontology import annotate as annotate_module
    from celltx.ontology import matchers

    return [v for m in (annotate_module, matchers) for v in vars(m).values()
            if isinstance(v, matchers.Prefiltered)]


def _prepared_before(record: TrialRecord) -> bool:
    """Whether every prefiltered pattern's automaton was there before this record was
    annotated (in a worker)."""
    prepared = all(p._parsed and (p._words is None or p._automaton is not None)
                   for p in _patterns())
    annotate(record)
    return prepared


def test_workers_share_the_automata_built_before_the_fork(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The prefiltered patterns' automata (and the tables and combined regexes) are built once
    in the parent, not again in each worker: every worker finds them already there."""
    records = _records()[:40]
    monkeypatch.setattr(parallel_annotate, "MIN_RECORDS", 10)
    monkeypatch.setenv("CELLTX_WORKERS", "2")
    for pattern in _patterns():  # as in a fresh process, whatever earlier tests prepared
        monkeypatch.setattr(pattern, "_automaton", None)
    found = list(parallel_annotate.annotate_all(records, _prepared_before))  # type: ignore[arg-type]
    assert len(found) == 40 and all(found)


def test_warm_prepares_every_prefiltered_pattern() -> None:
    warm()
    patterns = _patterns()
    assert len(patterns) >= 10
    assert all(p._parsed and (p._words is None or p._automaton is not None) for p in patterns)
