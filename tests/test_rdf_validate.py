"""Validation: the ontology files parse, a good export conforms, a broken one is reported."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import rdflib
from celltx.graph.rdf_validate import load_shapes, validate_file
from celltx.graph.rdf_writer import write_rdf
from typer.testing import CliRunner

from celltx.cli import app

ONTOLOGY = Path(__file__).parents[1] / "ontology"


@pytest.mark.parametrize("name", ["celltx.ttl", "shapes.ttl"])
def test_ontology_files_parse_with_rdflib(name: str) -> None:
    graph = rdflib.Graph().parse(ONTOLOGY / name, format="turtle")
    assert len(graph) > 100


def test_shapes_name_only_declared_vocabulary_terms() -> None:
    vocab = rdflib.Graph().parse(ONTOLOGY / "celltx.ttl", format="turtle")
    declared = set(vocab.subjects())
    ctx = "https://w3id.org/celltx/vocab#"
    used = {t for triple in load_shapes() for t in triple
            if isinstance(t, rdflib.URIRef) and str(t).startswith(ctx)}
    assert used and used <= declared, sorted(used - declared)


def test_the_mini_export_conforms(mini_graph: Any, tmp_path: Path) -> None:
    path = tmp_path / "mini.ttl"
    write_rdf(mini_graph, path, "ttl")
    report = validate_file(path)
    assert report.conforms, [v.line() for v in report.violations]
    assert report.triples > 500


def _broken(mini_graph: Any) -> Any:
    graph = copy.deepcopy(mini_graph)
    graph.g.nodes["Product:NCT05008575-P1"]["platform"] = "CAR-X"
    graph.g.nodes["Trial:NCT05008575"]["status"] = "OPEN"
    return graph


def test_violations_name_focus_node_path_and_value(mini_graph: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.nt"
    write_rdf(_broken(mini_graph), path, "nt")
    report = validate_file(path)
    assert not report.conforms
    found = {(v.focus.rsplit("/", 1)[-1], v.path.rsplit("#", 1)[-1] if v.path else None,
              v.value) for v in report.violations}
    assert ("clinicaltrials:NCT05008575", "status", "OPEN") in found
    assert ("NCT05008575-P1", "platform", "CAR-X") in found
    assert all(v.message for v in report.violations)


def test_two_phases_break_the_at_most_one_phase_rule(mini_graph: Any, tmp_path: Path) -> None:
    graph = copy.deepcopy(mini_graph)
    graph.g.add_edge("Trial:NCT05008575", "Phase:PHASE2", key="HAS_PHASE", type="HAS_PHASE",
                     sources=["mini.json#0"])
    path = tmp_path / "two-phases.ttl"
    write_rdf(graph, path, "ttl")
    report = validate_file(path)
    assert any(v.path and v.path.endswith("#hasPhase") for v in report.violations)


def test_cli_validate_exits_non_zero_on_violations(mini_graph: Any, tmp_path: Path) -> None:
    good, bad = tmp_path / "good.ttl", tmp_path / "bad.ttl"
    write_rdf(mini_graph, good, "ttl")
    write_rdf(_broken(mini_graph), bad, "ttl")
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", "--file", str(good)])
    assert ok.exit_code == 0, ok.output
    failed = runner.invoke(app, ["validate", "--file", str(bad), "--json"])
    assert failed.exit_code == 1
    assert "CAR-X" in failed.output and "NCT05008575" in failed.output


def test_cli_validate_reports_a_file_that_does_not_parse(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text("<a> <b> .\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", "--file", str(path)])
    assert result.exit_code == 1
    assert "broken.ttl" in result.output


def test_validate_refuses_a_negative_limit() -> None:
    """``validate --limit -1`` listed every violation but the last."""
    result = CliRunner().invoke(app, ["validate", "--limit", "-1"])
    assert result.exit_code == 2 and "--limit" in result.output


def test_validate_refuses_a_pipe_and_a_folder(tmp_path: Path) -> None:
    """``validate --file`` on a pipe waited for ever for a writer."""
    import os

    os.mkfifo(tmp_path / "pipe.ttl")
    for path in (tmp_path / "pipe.ttl", tmp_path):
        result = CliRunner().invoke(app, ["validate", "--file", str(path)])
        assert result.exit_code == 1 and "not a regular file" in result.output
