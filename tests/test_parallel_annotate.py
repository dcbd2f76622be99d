"""Annotation in forked workers gives exactly what one process gives, in the same order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from celltx.loaders.ctgov_v2 import study_to_record
from celltx.ontology.annotate import annotate

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
