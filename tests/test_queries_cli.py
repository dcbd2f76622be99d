"""`celltx query`: listing, answering as a table, JSON and CSV, and clear errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from celltx.graph import store
from celltx.queries.catalogue import load_catalogue
from typer.testing import CliRunner

from celltx.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def mini_dir(tmp_path_factory: pytest.TempPathFactory, mini_graph: Any) -> Path:
    directory = tmp_path_factory.mktemp("mini-graph")
    store.save(mini_graph, directory, stats={}, rejects=[], merges=[])
    return directory


def test_list_shows_every_stored_question() -> None:
    result = runner.invoke(app, ["query", "--list", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [q["name"] for q in listed] == list(load_catalogue())
    table = runner.invoke(app, ["query", "--list"])
    assert table.exit_code == 0 and "trials_per_target" in table.stdout


def test_json_output_has_the_documented_shape(mini_dir: Path, mini_graph: Any) -> None:
    result = runner.invoke(app, ["query", "trials_per_platform", "--graph", str(mini_dir),
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"query", "engine", "columns", "rows", "coverage"}
    assert data["coverage"] is None  # trials per platform counts no fact that can be missing
    assert data["engine"] == "embedded" and data["columns"] == ["platform", "trials"]
    products = [d for _, d in mini_graph.nodes("Product")]
    assert sum(r[1] for r in data["rows"]) >= len({p["platform"] for p in products})
    assert {r[0] for r in data["rows"]} == {p["platform"] for p in products}


def test_params_and_python_engine(mini_dir: Path) -> None:
    args = ["query", "trials_per_target", "-g", str(mini_dir), "--json",
            "--param", "platform=CAR-NK", "-p", "condition=SCLC"]
    embedded = json.loads(runner.invoke(app, args).stdout)
    python = json.loads(runner.invoke(app, [*args, "--engine", "python"]).stdout)
    assert python["engine"] == "python"
    assert sorted(embedded["rows"]) == sorted(python["rows"])
    assert {r[0] for r in embedded["rows"]} == {"DLL3", "CD56", "GD2"}


def test_csv_output_joins_lists(mini_dir: Path) -> None:
    result = runner.invoke(app, ["query", "dual_target_constructs", "-g", str(mini_dir),
                                 "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["nct_id", "product", "platform", "targets"]
    assert ["NCT06880354", "CLL1/CD38 dual-target CAR-T", "CAR-T", "CD38; CLL1"] in rows


def test_unknown_name_is_one_line_listing_the_known(mini_dir: Path) -> None:
    result = runner.invoke(app, ["query", "trials_per_planet", "-g", str(mini_dir)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "no stored query 'trials_per_planet'" in result.output
    assert "trials_per_platform" in result.output


def test_bad_parameter_names_the_accepted_ones(mini_dir: Path) -> None:
    result = runner.invoke(app, ["query", "top_sponsors_for_platform", "-g", str(mini_dir),
                                 "-p", "colour=red"])
    assert result.exit_code == 2 and "its parameters: platform, limit" in result.output
    result = runner.invoke(app, ["query", "top_sponsors_for_platform", "-g", str(mini_dir),
                                 "-p", "limit=ten"])
    assert result.exit_code == 2 and "integer" in result.output


def test_a_parameter_given_twice_is_an_error_not_the_last_one(mini_dir: Path) -> None:
    """"-p condition=AML -p condition=MM" answered for myeloma alone, without a word."""
    result = runner.invoke(app, ["query", "targets_in_condition_by_platform", "-g",
                                 str(mini_dir), "-p", "condition=AML", "-p", "condition=MM"])
    assert result.exit_code == 2 and "given twice" in result.output
    same = runner.invoke(app, ["query", "targets_in_condition_by_platform", "-g",
                               str(mini_dir), "-p", "condition=AML", "-p", "condition=AML"])
    assert same.exit_code == 0


@pytest.mark.parametrize(("query", "param", "words"), [
    ("top_sponsors_for_platform", "platform=CAR_NK", ["unknown platform", "'CAR-NK'"]),
    ("trials_in_condition", "condition=NotADisease", ["no condition 'NotADisease'"]),
    ("trials_in_condition", "condition=-1", ["no condition '-1'"]),
    ("starts_per_year_by_platform", "since=twenty", ["not a year"]),
    ("sponsors_for_target_in_condition", "target=CD3x3", ["no target 'CD3x3'", "CD33"]),
    ("similar_trials", "nct_id=NCT123", ["not an NCT number"]),
    ("recruiting_in_country", "country=China!", ["ISO country code"]),
    ("top_sponsors_for_platform", "limit=-3", ["from 0 to"]),
    ("trials_per_platform", "status=recruting", ["unknown overall status", "'RECRUITING'"]),
    ("phase_by_platform", "cell_source=allogenic", ["unknown cell source", "'allogeneic'"]),
    ("status_per_platform", "registry=clinicaltrial.gov", ["'ClinicalTrials.gov'"]),
    ("countries_per_platform", "until=soon", ["not a year"]),
])
@pytest.mark.parametrize("engine", ["python", "embedded"])
def test_bad_parameter_values_exit_2_with_a_suggestion(mini_dir: Path, query: str, param: str,
                                                       words: list[str], engine: str) -> None:
    result = runner.invoke(app, ["query", query, "-g", str(mini_dir), "-p", param,
                                 "--engine", engine])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for w in words:
        assert w in result.output, result.output
    result = runner.invoke(app, ["query", "top_sponsors_for_platform", "-g", str(mini_dir),
                                 "-p", "limit"])
    assert result.exit_code == 1 and "key=value" in result.output
    assert "engine" not in result.output  # one message, not a second one from the engine


def test_unknown_engine_and_missing_graph(tmp_path: Path) -> None:
    result = runner.invoke(app, ["query", "trials_per_platform", "--engine", "oracle"])
    assert result.exit_code == 1 and "embedded, python, sparql, neo4j" in result.output
    result = runner.invoke(app, ["query", "trials_per_platform", "-g", str(tmp_path)])
    assert result.exit_code == 1 and "celltx build" in result.output


def test_damaged_graph_files_are_named_without_a_traceback(mini_dir: Path,
                                                            tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    graph_bytes = (mini_dir / store.GRAPH_FILE).read_bytes()
    (damaged / store.GRAPH_FILE).write_bytes(graph_bytes[:len(graph_bytes) // 2])
    (damaged / store.STATS_FILE).write_text('{"trials": ', encoding="utf-8")
    for args, name in ((["query", "trials_per_platform", "-e", "python"], store.GRAPH_FILE),
                       (["trial", "NCT05008575"], store.GRAPH_FILE),
                       (["stats"], store.STATS_FILE)):
        result = runner.invoke(app, [*args, "-g", str(damaged)])
        assert result.exit_code == 1, result.output
        assert str(damaged / name) in result.output and "celltx build" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(("command", "name", "text", "why"), [
    ("stats", store.STATS_FILE, '{"foo": 1}', "has no records_read, trials"),
    ("stats", store.STATS_FILE, "[]", "the file is an array, not an object"),
    ("stats", store.STATS_FILE, '{"records_read": 1, "trials": 1, "duplicates_merged": 0, '
     '"rejects": 0, "cell_therapy_trials": 1, "nodes": {}, "edges": {}, "sources": [1]}',
     "sources item 1 is a number, not an object"),
    ("merges", store.MERGES_FILE, "null", "the file is null, not an array"),
    ("merges", store.MERGES_FILE, '{"a": 1}', "the file is an object, not an array"),
    ("merges", store.MERGES_FILE, '[{"nct_id": "NCT01234567"}]', "has no sources, evidence"),
    ("rejects", store.REJECTS_FILE, "[1, 2]\n", "line 1 is an array, not an object"),
    ("rejects", store.REJECTS_FILE, '{"path": "x", "reason": "y", "format": "zz"}\n',
     "validation errors for Reject"),
])
def test_graph_files_of_the_wrong_shape_are_named_without_a_traceback(
        mini_dir: Path, tmp_path: Path, command: str, name: str, text: str, why: str) -> None:
    """A graph file that parses but does not hold what ``celltx build`` writes was a KeyError
    or TypeError traceback (``stats`` on ``{"foo": 1}``, ``merges`` on ``null``) or a pydantic
    ValidationError (``rejects``); it is one line naming the file and what is wrong."""
    import shutil

    damaged = tmp_path / "damaged"
    shutil.copytree(mini_dir, damaged)
    (damaged / store.REJECTS_FILE).write_text("", encoding="utf-8")
    (damaged / name).write_text(text, encoding="utf-8")
    result = runner.invoke(app, [command, "-g", str(damaged)])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"{damaged / name} cannot be read" in result.output and why in result.output
    assert "celltx build" in result.output


@pytest.mark.parametrize("engine", ["python", "sparql"])
def test_missing_graph_is_a_clear_error_on_every_local_engine(tmp_path: Path,
                                                              engine: str) -> None:
    result = runner.invoke(app, ["query", "trials_per_platform", "-e", engine,
                                 "-g", str(tmp_path)])
    assert result.exit_code == 1 and "celltx build" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_start_year_range_must_not_be_empty(mini_dir: Path) -> None:
    result = runner.invoke(app, ["query", "trials_per_target", "-g", str(mini_dir),
                                 "-p", "since=2024", "-p", "until=2020"])
    assert result.exit_code == 2 and "since=2024 is after until=2020" in result.output
    result = runner.invoke(app, ["query", "trials_per_target", "-g", str(mini_dir),
                                 "-p", "since=2020", "-p", "until=2020", "--json"])
    assert result.exit_code == 0, result.output


def test_trials_lists_the_trials_behind_a_count(mini_dir: Path, mini_graph: Any) -> None:
    """`celltx trials` takes kg.trials' filters (target, platform and condition holding for
    one product's trial) and prints the rows as a table, CSV or JSON; a bad value is one line,
    exit 2."""
    from celltx.api import KnowledgeGraph

    want = [t.nct_id for t in KnowledgeGraph(mini_graph).trials(
        platform="CAR-NK", target="CD33", condition="aml", cell_therapy=True)]
    assert want
    args = ["trials", "-g", str(mini_dir), "--platform", "CAR-NK", "--target", "CD33",
            "--condition", "aml"]
    result = runner.invoke(app, [*args, "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["nct_id"] for r in rows] == want and "CD33" in rows[0]["targets"]
    as_json = json.loads(runner.invoke(app, [*args, "--json"]).output)
    assert [r["nct_id"] for r in as_json] == want
    table = runner.invoke(app, args)
    assert table.exit_code == 0 and all(n in table.output for n in want)
    # several values of one filter: any of them
    both = runner.invoke(app, ["trials", "-g", str(mini_dir), "--platform", "CAR-NK",
                               "--platform", "CAR-T", "--json"])
    platforms = {p for r in json.loads(both.output) for p in r["platforms"]}
    assert {"CAR-NK", "CAR-T"} <= platforms
    bad = runner.invoke(app, ["trials", "-g", str(mini_dir), "--platform", "CAR-X"])
    assert bad.exit_code == 2 and "unknown platform 'CAR-X'" in bad.output
    assert "Traceback" not in bad.output
    since = runner.invoke(app, ["trials", "-g", str(mini_dir), "--since", "20x"])
    assert since.exit_code == 2 and "--since must be a year" in since.output
    unknown = runner.invoke(app, ["trials", "-g", str(mini_dir), "--condition", "Zebra"])
    assert unknown.exit_code == 2 and "--condition: no condition 'Zebra'" in unknown.output


def test_csv_labels_name_the_targets_as_the_table_does(sample_graph_dir: Path) -> None:
    """--csv writes target ids (TNFRSF17); --csv --labels the names a slide wants."""
    from celltx.ontology.display import target_label

    args = ["query", "targets_in_condition_by_platform", "-g", str(sample_graph_dir), "-p",
            "condition=AML", "-e", "python", "--csv"]
    ids, named = runner.invoke(app, args), runner.invoke(app, [*args, "--labels"])
    assert ids.exit_code == named.exit_code == 0
    id_rows = list(csv.reader(io.StringIO(ids.output)))[1:]
    named_rows = list(csv.reader(io.StringIO(named.output)))[1:]
    assert [target_label(r[1]) for r in id_rows] == [r[1] for r in named_rows]
    assert any(r[1] == "CLEC12A" for r in id_rows)
    assert any(r[1] == "CLL1 (CLEC12A)" for r in named_rows)
    alone = runner.invoke(app, args[:-1] + ["--labels"])
    assert alone.exit_code != 0 and "--labels" in alone.output
