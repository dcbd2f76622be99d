"""The embedded engine: a private FalkorDB process on a unix socket, started and stopped."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from celltx.graph import store
from celltx.graph.cypher_statements import constraint_statements
from celltx.graph.falkordb_engine import (
    DUMP_FILE,
    EmbeddedEngine,
    EngineError,
    cached_dump,
    falkordb_ddl,
    open_graph_dir,
)
from celltx.queries.catalogue import load_catalogue


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_loaded_graph_has_the_networkx_counts(embedded_engine: Any, mini_graph: Any,
                                             sample_graph: Any) -> None:
    for name, graph in (("mini", mini_graph), ("sample", sample_graph)):
        assert embedded_engine.counts(graph=name) == (graph.g.number_of_nodes(),
                                                      graph.g.number_of_edges())


def test_server_listens_on_no_tcp_port(embedded_engine: Any) -> None:
    client = embedded_engine._client
    assert client.connection.config_get("port")["port"] == "0"
    sockets = {os.readlink(f"/proc/{embedded_engine.pid}/fd/{fd}")
               for fd in os.listdir(f"/proc/{embedded_engine.pid}/fd")}
    inodes = {s[len("socket:["):-1] for s in sockets if s.startswith("socket:[")}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            listening = [line.split() for line in fh.readlines()[1:]]
        # state 0A = LISTEN; no listening TCP socket belongs to the server
        assert not [f for f in listening if f[3] == "0A" and f[9] in inodes]


def test_stored_text_runs_verbatim_header_included(embedded_engine: Any) -> None:
    query = load_catalogue()["trials_per_platform"]
    path = Path(__file__).parents[1] / "queries" / "trials_per_platform.cypher"
    assert query.cypher == path.read_text(encoding="utf-8")
    columns, rows = embedded_engine.run(query.cypher, query.params, graph="mini")
    assert columns == list(query.columns) and rows


def test_process_is_stopped_and_directory_removed_on_exception(mini_graph: Any) -> None:
    with pytest.raises(RuntimeError, match="boom"), EmbeddedEngine() as engine:
        pid, workdir = engine.pid, engine._workdir
        assert pid is not None and _alive(pid)
        raise RuntimeError("boom")
    assert not _alive(pid)
    assert workdir is not None and not os.path.exists(workdir)


def test_loading_twice_replaces_the_graph(mini_graph: Any) -> None:
    with EmbeddedEngine() as engine:
        engine.load(mini_graph)
        engine.load(mini_graph)
        assert engine.counts() == (mini_graph.g.number_of_nodes(),
                                   mini_graph.g.number_of_edges())


def test_query_errors_name_the_problem(embedded_engine: Any) -> None:
    with pytest.raises(EngineError):
        embedded_engine.run("MATCH (n RETURN n", graph="mini")
    with pytest.raises(EngineError, match="no graph"):
        embedded_engine.run("RETURN 1", graph="absent")


def test_constraint_ddl_goes_through_the_adapter() -> None:
    assert falkordb_ddl("CREATE CONSTRAINT site_id IF NOT EXISTS FOR (n:Site) "
                        "REQUIRE n.id IS UNIQUE") == "CREATE INDEX FOR (n:Site) ON (n.id)"
    with pytest.raises(ValueError, match="not a constraint"):
        falkordb_ddl("MATCH (n) DETACH DELETE n")
    assert len({falkordb_ddl(s) for s in constraint_statements()}) == len(constraint_statements())


def test_graph_dir_dump_is_cached_and_invalidated(tmp_path: Path, mini_graph: Any,
                                                  sample_graph_dir: Path) -> None:
    directory = tmp_path / "g"
    store.save(mini_graph, directory, stats={}, rejects=[], merges=[])
    engine = open_graph_dir(directory)
    try:
        first = engine.counts()
    finally:
        engine.stop()
    assert (directory / DUMP_FILE).exists() and cached_dump(directory) is not None
    engine = open_graph_dir(directory)  # restored from the dump
    try:
        assert engine.counts() == first == (mini_graph.g.number_of_nodes(),
                                            mini_graph.g.number_of_edges())
    finally:
        engine.stop()
    # a rebuilt graph makes the dump stale
    shutil.copyfile(sample_graph_dir / store.GRAPH_FILE, directory / store.GRAPH_FILE)
    assert cached_dump(directory) is None
    engine = open_graph_dir(directory)
    try:
        assert engine.counts() != first
    finally:
        engine.stop()


def _client_answer(engine: Any, cypher: str, params: dict[str, Any], graph: str
                   ) -> tuple[list[str], list[list[Any]]]:
    """What the falkordb client answers (the path the engine took for every read before it
    read simple answers off the socket itself)."""
    from celltx.graph.falkordb_engine import _plain

    result = engine._client.select_graph(graph).ro_query(cypher, params)
    return [h[1] for h in result.header], [[_plain(v) for v in r] for r in result.result_set]


def _typed(answer: tuple[list[str], list[list[Any]]]) -> Any:
    def typed(value: Any) -> Any:
        if isinstance(value, list):
            return ("list", [typed(v) for v in value])
        if isinstance(value, dict):
            return ("map", [(k, typed(v)) for k, v in value.items()])
        return (type(value).__name__, value)

    return answer[0], [[typed(v) for v in row] for row in answer[1]]


def test_reads_off_the_socket_equal_the_clients(embedded_engine: Any) -> None:
    """The engine reads answers of nulls, text, numbers, booleans, lists and maps over its own
    few lines of the Redis protocol; they equal the falkordb client's, types and order included,
    for every stored question and for parameters that need quoting."""
    from celltx.queries.catalogue import coerce_params

    assert embedded_engine._wire is not None
    for name, query in load_catalogue().items():
        for raw in ({}, {"condition": "AML"}, {"platform": "CAR-NK"}, {"since": "2020"}):
            if not set(raw) <= set(query.params):
                continue
            params = coerce_params(query, raw)
            for graph in ("mini", "sample"):
                assert _typed(embedded_engine.run(query.cypher, params, graph=graph)) == _typed(
                    _client_answer(embedded_engine, query.cypher, params, graph)), name
    text = ("RETURN {a: 1, b: [1.5, 'x', null, true, false]} AS m, 'é\"\\\\' AS s, $p AS p, "
            "$q AS q, $r AS r, [] AS e")
    params = {"p": 'say "hi" \\ there', "q": [1, 2.5, None, True, "", "x"], "r": -3}
    answer = embedded_engine.run(text, params, graph="mini")
    assert _typed(answer) == _typed(_client_answer(embedded_engine, text, params, "mini"))
    assert answer[1][0][2] == params["p"] and answer[1][0][3] == params["q"]
    assert embedded_engine.run("MATCH (n) WHERE false RETURN n", graph="mini") == (["n"], [])


def test_answers_the_socket_reader_does_not_decode_come_from_the_client(
        embedded_engine: Any) -> None:
    columns, rows = embedded_engine.run("MATCH (t:Trial) RETURN t LIMIT 1", graph="mini")
    assert columns == ["t"] and type(rows[0][0]).__name__ == "Node"
    with pytest.raises(EngineError, match="Invalid input"):
        embedded_engine.run("RETURN 1 +", graph="mini")
    assert embedded_engine.run("RETURN 1 AS one", graph="mini") == (["one"], [[1]])


def test_a_nul_in_record_text_leaves_every_question_answerable(tmp_path: Path) -> None:
    """The server reads a query and its parameters as one C string: one NUL in a title, a
    sponsor or a condition ended the load's statement early, and every stored question on the
    whole graph failed with a parse error. The engine holds that text without the NUL; its
    answers are the Python engine's with NULs removed."""
    import json

    from celltx.graph.falkordb_engine import without_nul
    from celltx.queries.compare import normalise_rows
    from celltx.queries.run import run_query

    from celltx.pipeline import build

    study = json.loads((Path(__file__).parent / "fixtures" / "ctgov_v2" / "NCT03198052_latest.json")
                       .read_text(encoding="utf-8"))
    study = study[0] if isinstance(study, list) else study
    ident = study["protocolSection"]["identificationModule"]
    ident["briefTitle"] = "Anti-CD19 CAR-T cells in CLL\x00 x"
    study["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = "Acme\x00 Inc."
    study["protocolSection"]["conditionsModule"]["conditions"] = ["Lymph\x00oma", "AML"]
    path = tmp_path / "nul.json"
    path.write_text(json.dumps([study]), encoding="utf-8")
    graph = build([path], scope="all").graph
    assert graph.node_counts()["Trial"] == 1
    with EmbeddedEngine() as engine:
        engine.load(graph)
        for name in load_catalogue():
            python = run_query(name, engine="python", graph=graph)
            embedded = run_query(name, graph=graph, embedded=engine)
            assert normalise_rows(embedded.rows) == normalise_rows(without_nul(python.rows))
