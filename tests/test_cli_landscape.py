"""``celltx landscape``: the headline questions on the embedded engines, which must agree."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from celltx.graph import store
from celltx.queries import python_answers
from typer.testing import CliRunner

from celltx.cli import app
from celltx.cli.landscape import HEADLINES


def test_landscape_answers_every_headline_and_the_engines_agree(sample_graph_dir: Path,
                                                                sample_graph) -> None:
    result = CliRunner().invoke(app, ["landscape", "--graph", str(sample_graph_dir), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [r["query"] for r in report] == [name for name, _, _ in HEADLINES]
    for entry, (name, params, _) in zip(report, HEADLINES, strict=True):
        assert entry["agree"] and entry["engines"] == ["embedded", "sparql"]
        expected = python_answers.ANSWERS[name](sample_graph, **params)
        assert entry["rows"] and len(entry["rows"]) == len(expected), name


def test_landscape_without_a_graph_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["landscape", "--graph", str(tmp_path / "none")])
    assert result.exit_code == 1 and "celltx build" in result.output


def test_landscape_tables_name_targets_as_the_field_does(sample_graph_dir: Path,
                                                         sample_graph: Any) -> None:
    result = CliRunner().invoke(app, ["landscape", "--graph", str(sample_graph_dir),
                                      "--engines", "python"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "BCMA (TNFRSF17)" in result.output  # trials_per_target: the name, the symbol beside
    # what the counts are of, and the trials that are in none of them, from the graph itself
    trials = [d for _, d in sample_graph.nodes("Trial")]
    cell_therapy = sum(1 for d in trials if d.get("is_cell_therapy"))
    assert 0 < cell_therapy < len(trials)
    # under the start years: how many of the starts shown did not (yet) happen, as the report
    from celltx.report import starts_note

    starts = python_answers.ANSWERS["starts_per_year_by_platform"](sample_graph, since=2024)
    note = starts_note(sample_graph, {r[0] for r in starts})
    assert note and "not yet recruiting or withdrawn" in note
    assert " ".join(note[1:].split()) in " ".join(result.stdout.split())
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"The graph: {len(trials):,} trials; the counts below are of its "
                            f"{cell_therapy:,} cell-therapy trials; "
                            f"{len(trials) - cell_therapy:,} others are in none of them (")
    trial = CliRunner().invoke(app, ["trial", "NCT05008575", "--graph", str(sample_graph_dir)],
                               env={"COLUMNS": "200"})
    assert "cell_type=natural killer cell" in trial.output


def test_landscape_starts_one_engine_and_reads_the_stores_kept_beside_the_graph(
        sample_graph_dir: Path, tmp_path: Path, monkeypatch) -> None:
    """The landscape started an engine for each question and built the SPARQL store anew in
    memory on every run (about 3 s of a 5.6 s run on the sample): it now asks every question
    of one engine and of the RDF store that the graph dir keeps on disk, and loads the graph
    itself only to make those (a parameter found in the vocabulary needs no graph)."""
    import shutil

    from celltx.graph import falkordb_engine
    from celltx.queries import sparql_engine

    directory = tmp_path / "graph"
    shutil.copytree(sample_graph_dir, directory)
    started: list[object] = []
    start = falkordb_engine.EmbeddedEngine.start

    def counted(self):  # type: ignore[no-untyped-def]
        started.append(self)
        return start(self)

    def refused(graph):  # type: ignore[no-untyped-def]
        raise AssertionError("the in-memory SPARQL store was built from the loaded graph")

    monkeypatch.setattr(falkordb_engine.EmbeddedEngine, "start", counted)
    monkeypatch.setattr(sparql_engine, "store_for_graph", refused)
    loaded: list[Path] = []
    load = store.load

    def counted_load(path: Path):  # type: ignore[no-untyped-def]
        loaded.append(path)
        return load(path)

    monkeypatch.setattr(store, "load", counted_load)
    for _ in range(2):
        loaded.clear()
        result = CliRunner().invoke(app, ["landscape", "--graph", str(directory), "--json"])
        assert result.exit_code == 0, result.output
        assert all(entry["agree"] and entry["rows"] for entry in json.loads(result.stdout))
    assert len(started) == 2  # one per run, for all its questions
    assert loaded == []  # once the caches are made, the graph itself is never loaded
    stamp = (directory / sparql_engine.STORE_STAMP).read_text()
    assert (directory / sparql_engine.STORE_DIR).is_dir() and stamp == sparql_engine._stamp(
        directory)


@pytest.mark.parametrize("engines", [",", " ", "embedded,nope"])
def test_engines_that_name_no_engine_are_a_clear_error(sample_graph_dir: Path,
                                                       engines: str) -> None:
    """``--engines ,`` gave an IndexError traceback; an unknown name is now refused before any
    engine starts."""
    result = CliRunner().invoke(app, ["landscape", "--graph", str(sample_graph_dir),
                                      "--engines", engines])
    assert result.exit_code == 1 and "engines: embedded, python, sparql" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
