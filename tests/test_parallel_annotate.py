"""Annotation in forked workers gives exactly what one process gives, in the same order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from celltx.loaders.ctgov_v2 import study_to_record
from celltx.ontology import hgnc_genes
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


def _index_built_before(record: TrialRecord) -> bool:
    """Whether the HGNC automaton was there before this record was annotated (in a worker)."""
    built = hgnc_genes._index.cache_info().currsize == 1
    annotate(record)
    return built


def test_workers_share_the_tables_built_before_the_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    """The HGNC automaton (and the other lazily built tables) are built once in the parent,
    not again in each worker: every worker finds it already there."""
    records = _records()[:40]
    monkeypatch.setattr(parallel_annotate, "MIN_RECORDS", 10)
    monkeypatch.setenv("CELLTX_WORKERS", "2")
    hgnc_genes._index.cache_clear()
    found = list(parallel_annotate.annotate_all(records, _index_built_before))  # type: ignore[arg-type]
    assert len(found) == 40 and all(found)
    monkeypatch.setattr(parallel_annotate, "warm", lambda: None)
    hgnc_genes._index.cache_clear()
    found = list(parallel_annotate.annotate_all(records, _index_built_before))  # type: ignore[arg-type]
    assert not all(found)  # without warming, each worker builds its own


def test_warm_prepares_every_prefiltered_pattern() -> None:
    from celltx.ontology import annotate as annotate_module
    from celltx.ontology import matchers

    warm()
    patterns = [v for m in (annotate_module, matchers) for v in vars(m).values()
                if isinstance(v, matchers.Prefiltered)]
    assert len(patterns) >= 10
    assert all(p._parsed and (p._words is None or p._automaton is not None) for p in patterns)
