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
    monkeypatch.setenv("CELLTX_WORKERS", "100000")  # forked until no process was left
    assert parallel_annotate.workers() == parallel_annotate.MAX_WORKERS == 32


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


def _graph_content(result: Any) -> tuple[list[Any], list[Any]]:
    g = result.graph.g
    return (sorted((n, sorted(d.items())) for n, d in g.nodes(data=True)),
            sorted((u, v, k, sorted(d.items())) for u, v, k, d in g.edges(keys=True, data=True)))


def test_a_build_whose_workers_prepare_the_trials_is_the_serial_build(
        monkeypatch: pytest.MonkeyPatch, shared_corpus: Path) -> None:
    """The workers annotate, decide scope and structure criteria (``pipeline.prepare``); the
    graph, criteria included, and the stats are those of a build in one process."""
    from celltx import pipeline

    paths = [shared_corpus / "ctgov-v2" / "acute-leukemia-ctg-studies.json",
             shared_corpus / "ctgov-v2" / "partrita-b7h3-watch"]
    monkeypatch.setattr(parallel_annotate, "MIN_RECORDS", 10)
    calls: list[str] = []
    structure = pipeline.structure_criteria
    monkeypatch.setattr(pipeline, "structure_criteria",
                        lambda text: calls.append("x") or structure(text))
    monkeypatch.setenv("CELLTX_WORKERS", "2")
    parallel = pipeline.build(paths, scope="cell-therapy")
    in_parent = len(calls)
    monkeypatch.setenv("CELLTX_WORKERS", "1")
    serial = pipeline.build(paths, scope="cell-therapy")
    assert parallel.stats == serial.stats
    assert _graph_content(parallel) == _graph_content(serial)
    counts = serial.graph.node_counts()
    assert counts["Trial"] > 20 and counts["Criterion"] > 200
    assert serial.stats["out_of_scope"] > 0
    assert in_parent <= 1 < len(calls) - in_parent  # (the parent warms on one record)


@pytest.mark.parametrize(("stop", "code", "said"), [("SIGINT", 130, "Ctrl-C"),
                                                    ("SIGTERM", 143, "SIGTERM")])
def test_a_build_stopped_in_its_workers_ends_at_once_and_says_so(tmp_path: Path, stop: str,
                                                                  code: int, said: str) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) or ``kill`` (SIGTERM
    to the command) while forked workers annotate: the build stops within seconds with the
    signal's exit status and one line saying that nothing was saved, no worker prints a
    traceback, no process is left, and the previous output is kept. (A worker that stopped
    on Ctrl-C while sending a result could leave the pool waiting for ever; on SIGTERM the
    workers met the parent's pipes gone and printed tracebacks.)"""
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "graph"
    out.mkdir()
    (out / "stats.json").write_text('{"kept": true}', encoding="utf-8")
    env = dict(os.environ, CELLTX_WORKERS="2")
    proc = subprocess.Popen([sys.executable, "-m", "celltx", "build", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    try:
        deadline = time.monotonic() + 120
        while len(children.read_text().split()) < 2:  # the annotation workers have started
            assert proc.poll() is None and time.monotonic() < deadline, "no workers started"
            time.sleep(0.05)
        workers = children.read_text().split()
        time.sleep(0.3)  # (they annotate)
        if stop == "SIGINT":
            os.killpg(proc.pid, signal.SIGINT)
        else:
            os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == code and "Traceback" not in err, err[-2000:]
    assert f"build stopped ({said}) before anything was saved" in err
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    assert (out / "stats.json").read_text(encoding="utf-8") == '{"kept": true}'
