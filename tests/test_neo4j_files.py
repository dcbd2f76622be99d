"""neo4j-admin import files, the Browser guide, and the docker compose setup (no server)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from celltx.graph import store
from celltx.graph.neo4j_csv import IntegrityError, check_integrity, tables, write_import_dir
from celltx.graph.neo4j_guide import GuideQuery, guide_html
from typer.testing import CliRunner

from tests.mini_graph import build_mini_graph

ROOT = Path(__file__).resolve().parents[1]


def _read(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_import_files_hold_every_node_and_relationship_with_typed_headers(tmp_path: Path) -> None:
    graph = build_mini_graph()
    paths, delimiter = write_import_dir(graph, tmp_path)
    assert delimiter == ";"
    nodes: Counter[str] = Counter()
    rels: Counter[str] = Counter()
    ids: dict[str, set[str]] = {}
    for path in paths:
        if path.suffix != ".csv":
            continue
        header, *rows = _read(path)
        if path.name.startswith("nodes_"):
            label = re.fullmatch(r"id:ID\((\w+)\)", header[0]).group(1)  # type: ignore[union-attr]
            nodes[label] += len(rows)
            ids[label] = {r[0] for r in rows}
        else:
            assert header[:3][2] == ":TYPE"
            rels[rows[0][2]] += len(rows)
    assert dict(nodes) == graph.node_counts()
    assert dict(rels) == graph.edge_counts()
    # Every relationship end is a node of the label its header names.
    for path in tmp_path.glob("rels_*.csv"):
        header, *rows = _read(path)
        start = re.fullmatch(r":START_ID\((\w+)\)", header[0]).group(1)  # type: ignore[union-attr]
        end = re.fullmatch(r":END_ID\((\w+)\)", header[1]).group(1)  # type: ignore[union-attr]
        assert all(r[0] in ids[start] and r[1] in ids[end] for r in rows)


def test_property_types_and_arrays_follow_the_values(tmp_path: Path) -> None:
    graph = build_mini_graph()
    write_import_dir(graph, tmp_path)
    header, *rows = _read(tmp_path / "nodes_Trial.csv")
    col = {h.split(":")[0]: i for i, h in enumerate(header)}
    assert "enrollment:long" in header and "is_cell_therapy:boolean" in header
    assert "phases:string[]" in header
    by_id = {r[0]: r for r in rows}
    trial = graph.trial("NCT07480213")
    assert trial is not None
    assert by_id["NCT07480213"][col["phases"]].split(";") == list(trial["phases"])
    assert by_id["NCT07480213"][col["enrollment"]] == str(trial["enrollment"])
    assert by_id["NCT07480213"][col["is_cell_therapy"]] == "true"


def test_import_script_names_every_file_and_the_delimiter(tmp_path: Path) -> None:
    paths, delimiter = write_import_dir(build_mini_graph(), tmp_path)
    script = (tmp_path / "import.sh").read_text()
    assert "neo4j-admin database import full" in script
    assert f"--array-delimiter={delimiter}" in script
    for path in paths:
        if path.suffix == ".csv":
            assert path.name in script
    assert (tmp_path / "import.sh").stat().st_mode & 0o100


def test_an_array_element_holding_the_delimiter_is_refused_or_avoided(tmp_path: Path) -> None:
    graph = build_mini_graph()
    nid = "Trial:NCT05008575"
    graph.g.nodes[nid]["keywords"] = ["t(8;21)", "AML"]
    with pytest.raises(IntegrityError, match=r"(?s)--array-delimiter.*NCT05008575.*keywords"):
        tables(graph, ";")
    paths, delimiter = write_import_dir(graph, tmp_path)
    assert delimiter != ";"
    header, *rows = _read(tmp_path / "nodes_Trial.csv")
    i = header.index("keywords:string[]")
    assert next(r for r in rows if r[0] == "NCT05008575")[i].split(delimiter) == ["t(8;21)", "AML"]


def test_when_every_usual_delimiter_is_taken_the_message_says_to_choose_one(tmp_path: Path
                                                                             ) -> None:
    """An element holding ';', '|', '¦' and U+001F: the message said '1 problems' and named
    only ';', with no word of --array-delimiter; another character still exports."""
    graph = build_mini_graph()
    graph.g.nodes["Trial:NCT05008575"]["keywords"] = ["a;b|c¦d\x1fe", "AML"]
    with pytest.raises(IntegrityError, match=r"^1 problem stops the export; every usual "
                                             r"delimiter .* --array-delimiter:"):
        write_import_dir(graph, tmp_path / "out")
    _paths, delimiter = write_import_dir(graph, tmp_path / "ok", delimiter="§")
    assert delimiter == "§"


def test_a_relationship_to_a_missing_node_is_reported() -> None:
    graph = build_mini_graph()
    graph.g.add_edge("Trial:NCT05008575", "Target:NOPE", key="X", type="HAS_PHASE", sources=[])
    problems = check_integrity(graph)
    assert any("Target:NOPE" in p for p in problems)
    with pytest.raises(IntegrityError):
        tables(graph)


def test_export_command_writes_files_or_says_why_not(tmp_path: Path) -> None:
    from celltx.cli import app

    graph_dir = tmp_path / "g"
    store.save(build_mini_graph(), graph_dir, stats={}, rejects=[], merges=[])
    out = tmp_path / "import"
    result = CliRunner().invoke(app, ["export", "neo4j-csv", str(out), "--graph", str(graph_dir)])
    assert result.exit_code == 0, result.output
    assert (out / "nodes_Trial.csv").exists() and (out / "import.sh").exists()


def test_guide_lists_queries_as_runnable_blocks_with_the_counts() -> None:
    graph = build_mini_graph()
    queries = [GuideQuery("a_q", "A <question>", "Counts things", {"condition": "AML"},
                          "// name: a_q\nMATCH (t:Trial) WHERE t.x < $condition RETURN t"),
               GuideQuery("b_q", "B", "More", {}, "MATCH (n) RETURN count(n)")]
    text = guide_html(queries, graph.node_counts(), graph.edge_counts())
    assert text.count("<slide") == 3
    assert f"<b>{graph.g.number_of_nodes()}</b> nodes" in text
    assert f"<b>{graph.g.number_of_edges()}</b>" in text
    assert "A &lt;question&gt;" in text and "t.x &lt; $condition" in text
    assert ':params {condition: &quot;AML&quot;}' in text
    assert text.count('class="pre-scrollable code runnable"') == 1 + 1 + 2 + 1
    assert "// name" not in text


def test_guide_shows_display_names_beside_identifiers(embedded_engine: Any) -> None:
    from celltx.graph.neo4j_guide import DISPLAY_NAMES

    graph = build_mini_graph()
    assert DISPLAY_NAMES.split("\n")[0] in guide_html([], graph.node_counts(), graph.edge_counts())
    _, rows = embedded_engine.run(DISPLAY_NAMES, graph="mini")
    display = {r[1]: r[2] for r in rows}
    assert display["CD19"] == "CD19"  # name and id the same: once
    assert display["CD56"] == "NCAM1 (CD56)"  # the mini graph names targets by symbol
    assert display["MONDO:0018874"] == "acute myeloid leukemia (MONDO:0018874)"
    assert display["CL:0000623"] == "natural killer cell (CL:0000623)"


def test_guide_command_covers_every_stored_query(tmp_path: Path) -> None:
    from celltx.queries.catalogue import load_catalogue

    from celltx.cli import app

    graph_dir = tmp_path / "g"
    store.save(build_mini_graph(), graph_dir, stats={}, rejects=[], merges=[])
    out = tmp_path / "guide" / "celltx.html"
    out.parent.mkdir()
    result = CliRunner().invoke(app, ["export", "neo4j-guide", str(out), "--graph",
                                      str(graph_dir)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    names = load_catalogue()
    assert len(names) >= 20
    assert all(f"<code>{name}</code>" in text for name in names)


def test_compose_file_runs_neo4j_5_with_auth_from_env_a_healthcheck_and_a_volume() -> None:
    yaml = pytest.importorskip("yaml")
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    neo4j = services["neo4j"]
    assert re.fullmatch(r"neo4j:5\.\d+-community", neo4j["image"])
    env = neo4j["environment"]
    assert "${NEO4J_PASSWORD" in env["NEO4J_AUTH"]
    assert env["NEO4J_browser_post__connect__cmd"].startswith("play http://localhost:")
    assert "celltx.html" in env["NEO4J_browser_post__connect__cmd"]
    assert neo4j["healthcheck"]["test"]
    data = [v for v in neo4j["volumes"] if v.endswith(":/data")]
    assert data and data[0].split(":")[0] in compose["volumes"]
    tool = services["celltx"]
    assert tool["build"] == "." and (ROOT / "Dockerfile").exists()
    assert tool["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "celltx push" in tool["command"] and "neo4j-guide" in tool["command"]
    guide = services["guide"]
    conf = next(v for v in guide["volumes"] if v.endswith("default.conf:ro")).split(":")[0]
    assert "Access-Control-Allow-Origin" in (ROOT / conf).read_text()
    # No password in a file the repository holds.
    assert "NEO4J_PASSWORD=" not in (ROOT / "docker-compose.yml").read_text()
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert "NEO4J_PASSWORD" in (ROOT / ".env.example").read_text()
