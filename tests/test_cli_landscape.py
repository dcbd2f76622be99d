"""``celltx landscape``: the headline questions on the embedded engines, which must agree."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_landscape_tables_name_targets_as_the_field_does(sample_graph_dir: Path) -> None:
    result = CliRunner().invoke(app, ["landscape", "--graph", str(sample_graph_dir),
                                      "--engines", "python"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "BCMA (TNFRSF17)" in result.output  # trials_per_target: the name, the symbol beside
    trial = CliRunner().invoke(app, ["trial", "NCT05008575", "--graph", str(sample_graph_dir)],
                               env={"COLUMNS": "200"})
    assert "cell_type=natural killer cell" in trial.output
