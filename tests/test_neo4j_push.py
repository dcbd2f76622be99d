"""``celltx push`` over Bolt with the real ``neo4j`` driver.

The server is FalkorDB's Bolt endpoint in a loopback-only network namespace started by the
test (``tests/bolt_server.py``), or a real Neo4j when ``NEO4J_URI`` is set (the tests delete
what they find there, so use a throwaway database: they refuse to start if it holds labels
that are not celltx's).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from celltx.graph import store
from celltx.graph.merge import merge_records
from celltx.graph.neo4j_writer import push_graph, server_counts
from celltx.graph.schema import NODE_LABELS
from celltx.graph.trial_graph import TrialGraph
from typer.testing import CliRunner

from celltx.models import Provenance, SourceFormat, TrialRecord
from tests import mini_graph
from tests.bolt_server import BoltServer, BoltUnavailableError, bolt_server

pytestmark = pytest.mark.server


def _counts(srv: BoltServer) -> tuple[int, int]:
    with srv.inside():
        drv = srv.driver()
        try:
            with drv.session() as session:
                nodes = session.run("MATCH (n) RETURN count(n) AS c").single()["c"]
                rels = session.run("MATCH ()-[r]->() RETURN count(r) AS c").single()["c"]
        finally:
            drv.close()
    return nodes, rels


@pytest.fixture(scope="module")
def server() -> Iterator[BoltServer]:
    """The Bolt server, checked to hold as many nodes and relationships after the module's tests
    as before them (they delete what they write: a real Neo4j at NEO4J_URI is left as found)."""
    try:
        with bolt_server() as srv:
            before = _counts(srv)
            yield srv
            after = _counts(srv)
            assert after == before, f"the tests left {after} (nodes, relationships); found {before}"
    except BoltUnavailableError as exc:
        pytest.skip(f"no Bolt server for the push tests: {exc}")


@pytest.fixture
def driver(server: BoltServer) -> Iterator[Any]:
    """A driver to an empty database, used inside the server's network namespace."""
    with server.inside():
        drv = server.driver()
        with drv.session() as session:
            labels = {r["label"] for r in session.run("CALL db.labels() YIELD label "
                                                      "RETURN label AS label")}
            foreign = labels - set(NODE_LABELS) - {"X"}
            if foreign:
                pytest.fail(f"{server.uri} holds labels that are not celltx's ({foreign}); "
                            "point NEO4J_URI at a throwaway database")
            session.run("MATCH (n) DETACH DELETE n").consume()
        try:
            yield drv
        finally:
            with drv.session() as session:  # what the test wrote goes too
                session.run("MATCH (n) WHERE any(l IN labels(n) WHERE l IN $labels) "
                            "DETACH DELETE n", labels=[*NODE_LABELS, "X"]).consume()
            drv.close()


def _push(server: BoltServer, graph: TrialGraph, drv: Any, **kw: Any) -> dict[str, int]:
    return dict(push_graph(graph, drv, max_bytes=server.max_bytes, **kw).counters)


def _relationships(drv: Any) -> Counter[tuple[str, str, str, str]]:
    with drv.session() as session:
        return Counter((r["s"], r["t"], r["e"], r["k"]) for r in session.run(
            "MATCH (a)-[r]->(b) RETURN a.id AS s, type(r) AS t, b.id AS e, r.key AS k"))


def _graph_relationships(graph: TrialGraph) -> Counter[tuple[str, str, str, str]]:
    n = graph.g.nodes
    return Counter((n[s]["id"], d["type"], n[e]["id"], str(k))
                   for s, e, k, d in graph.g.edges(keys=True, data=True))


def _mini_variant(changes: dict[str, tuple[dict[str, Any], dict[str, Any]]] | None = None,
                  drop: str | None = None) -> TrialGraph:
    """The mini graph with some trials' record fields and annotations changed (by NCT id),
    or a trial dropped."""
    graph = TrialGraph()
    for i, (fields, ann) in enumerate(mini_graph.TRIALS):
        if fields["nct_id"] == drop:
            continue
        if changes and fields["nct_id"] in changes:
            change, ann_change = changes[fields["nct_id"]]
            fields = {**fields, **change}
            ann = ann.model_copy(update=ann_change)
        rec = TrialRecord(provenance=Provenance(path="mini.json",
                                                format=SourceFormat.CTGOV_V2_JSON, record=i),
                          **fields)
        graph.add_trial(merge_records([rec]), ann)
    return graph


def test_push_counts_over_bolt_equal_the_graph_and_a_second_push_creates_nothing(
        server: BoltServer, driver: Any) -> None:
    graph = server.fit(mini_graph.build_mini_graph())
    first = _push(server, graph, driver)
    assert first["nodes_created"] == graph.g.number_of_nodes()
    assert first["relationships_created"] == graph.g.number_of_edges()
    assert server_counts(driver) == (graph.node_counts(), graph.edge_counts())
    assert _relationships(driver) == _graph_relationships(graph)

    second = _push(server, graph, driver)
    assert second["nodes_created"] == 0
    assert second["relationships_created"] == 0
    assert second["nodes_deleted"] == 0 and second["relationships_deleted"] == 0
    assert server_counts(driver) == (graph.node_counts(), graph.edge_counts())


def test_sample_subset_counts_over_bolt_equal_the_graph(server: BoltServer,
                                                         driver: Any) -> None:
    from celltx.pipeline import build

    full = build().graph
    trials = sorted(n for n, _ in full.nodes("Trial"))[:300]
    keep = set(trials)
    for t in trials:
        for _, end in full.g.out_edges(t):
            keep.add(end)
            keep.update(e for _, e in full.g.out_edges(end))
    graph = server.fit(TrialGraph(full.g.subgraph(keep).copy()))
    assert graph.g.number_of_edges() > 300
    first = _push(server, graph, driver, batch_size=200)
    assert first["nodes_created"] == graph.g.number_of_nodes()
    assert server_counts(driver) == (graph.node_counts(), graph.edge_counts())
    again = _push(server, graph, driver, batch_size=200)
    assert again["nodes_created"] == 0 and again["relationships_created"] == 0


def test_a_changed_trial_loses_its_stale_relationships_products_and_properties(
        server: BoltServer, driver: Any) -> None:
    before = server.fit(mini_graph.build_mini_graph())
    _push(server, before, driver)
    first, third = mini_graph.TRIALS[0][1], mini_graph.TRIALS[2][1]
    new_product = first.products[0].model_copy(update={"targets": (mini_graph.CLL1,)})
    after = server.fit(_mini_variant({
        "NCT05008575": ({"enrollment": None},
                        {"agents": first.agents[:1], "products": (new_product,)}),
        "NCT07480213": ({}, {"products": third.products[:1]}),
    }))
    stale = _graph_relationships(before) - _graph_relationships(after)
    assert stale, "the variant must drop some relationships"

    counters = _push(server, after, driver)
    assert counters["relationships_deleted"] >= sum(stale.values())
    assert counters["nodes_deleted"] == 2  # the two products NCT07480213 no longer tests
    assert _relationships(driver) == _graph_relationships(after)
    nodes, rels = server_counts(driver)
    assert rels == after.edge_counts()
    # Shared nodes no trial links to any more (an agent) stay until --prune.
    assert {k: v for k, v in nodes.items() if k in ("Trial", "Product")} == {
        k: v for k, v in after.node_counts().items() if k in ("Trial", "Product")}
    with driver.session() as session:
        trial = session.run("MATCH (t:Trial {id: 'NCT05008575'}) RETURN t").single()["t"]
    assert "enrollment" not in trial and trial["id"] == "NCT05008575"
    again = _push(server, after, driver)
    assert again["relationships_created"] == 0 and again["relationships_deleted"] == 0


def test_trials_missing_from_the_graph_stay_unless_pruned(server: BoltServer,
                                                         driver: Any) -> None:
    full = server.fit(mini_graph.build_mini_graph())
    _push(server, full, driver)
    gone = "NCT04011033"
    smaller = server.fit(_mini_variant(drop=gone))
    _push(server, smaller, driver)
    with driver.session() as session:
        assert session.run("MATCH (t:Trial {id: $id}) RETURN count(t) AS c",
                           id=gone).single()["c"] == 1
    counters = _push(server, smaller, driver, prune=True)
    assert counters["nodes_deleted"] >= 1
    assert server_counts(driver) == (smaller.node_counts(), smaller.edge_counts())
    assert _relationships(driver) == _graph_relationships(smaller)


def test_push_command_prints_counters_and_repeats_without_creating(
        server: BoltServer, driver: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from celltx.cli import app

    graph = server.fit(mini_graph.build_mini_graph())
    store.save(graph, tmp_path, stats={}, rejects=[], merges=[])
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False) if not server.user else None
    args = ["push", "--graph", str(tmp_path), "--uri", server.uri, "--json"]
    if server.max_bytes:
        args += ["--max-batch-bytes", str(server.max_bytes)]
    env = {"NEO4J_USERNAME": server.user or "", "NEO4J_PASSWORD": server.password or ""}
    runner = CliRunner()
    first = runner.invoke(app, args, env=env)
    assert first.exit_code == 0, first.output
    out = json.loads(first.stdout)
    assert out["counters"]["nodes_created"] == graph.g.number_of_nodes()
    assert out["graph"]["relationships"] == graph.g.number_of_edges()
    second = json.loads(runner.invoke(app, args, env=env).stdout)
    assert second["counters"]["nodes_created"] == 0
    assert second["counters"]["relationships_created"] == 0


def test_push_command_without_a_server_says_how_to_give_one(tmp_path: Any) -> None:
    from celltx.cli import app

    store.save(mini_graph.build_mini_graph(), tmp_path, stats={}, rejects=[], merges=[])
    result = CliRunner().invoke(app, ["push", "--graph", str(tmp_path)],
                                env={"NEO4J_URI": ""})
    assert result.exit_code == 1
    assert "NEO4J_URI" in result.output


def test_stored_queries_over_bolt_equal_the_python_answers(server: BoltServer,
                                                           driver: Any) -> None:
    from celltx.queries.catalogue import load_catalogue
    from celltx.queries.compare import answer_diff, same_answer
    from celltx.queries.neo4j_engine import run_cypher_neo4j
    from celltx.queries.python_answers import ANSWERS

    graph = server.fit(mini_graph.build_mini_graph())
    _push(server, graph, driver)
    checked = 0
    for name, query in sorted(load_catalogue().items()):
        if name not in ANSWERS:
            continue
        expected = ANSWERS[name](graph, **query.params)
        columns, rows = run_cypher_neo4j(query.cypher, dict(query.params), uri=server.uri,
                                         user=server.user, password=server.password)
        assert columns == list(query.columns), name
        assert same_answer(rows, expected), (name, answer_diff(rows, expected))
        checked += bool(expected)
    assert checked >= 10, "too few stored queries had a non-empty answer on the mini graph"


def test_a_second_push_sets_nothing_and_only_changed_trials_are_sent(
        server: BoltServer, driver: Any) -> None:
    graph = server.fit(_mini_variant())
    n = sum(1 for _ in graph.nodes("Trial"))
    first = push_graph(graph, driver, max_bytes=server.max_bytes)
    assert dict(first.trials) == {"created": n, "updated": 0, "unchanged": 0, "removed": 0}
    second = push_graph(graph, driver, max_bytes=server.max_bytes)
    assert dict(second.trials) == {"created": 0, "updated": 0, "unchanged": n,
                                   "removed": 0}
    assert sum(second.counters.values()) == 0 and second.rows == 0
    # one changed record: only that trial is sent, and the server matches the new graph
    after = server.fit(_mini_variant({"NCT05008575": ({"enrollment": 99}, {})}))
    third = push_graph(after, driver, max_bytes=server.max_bytes)
    assert third.trials["updated"] == 1 and third.trials["unchanged"] == n - 1
    with driver.session() as session:
        assert session.run("MATCH (t:Trial {id: 'NCT05008575'}) RETURN t.enrollment AS e"
                           ).single()["e"] == 99
    assert server_counts(driver) == (after.node_counts(), after.edge_counts())
    # --full sends everything again whatever the hashes say
    full = push_graph(after, driver, max_bytes=server.max_bytes, full=True)
    assert full.trials["updated"] == n and full.rows > 0
    smaller = server.fit(_mini_variant(drop="NCT04011033"))
    pruned = push_graph(smaller, driver, max_bytes=server.max_bytes, prune=True)
    assert pruned.trials["removed"] == 1 and pruned.trials["created"] == 0
    assert pruned.trials["unchanged"] + pruned.trials["updated"] == n - 1
    assert server_counts(driver) == (smaller.node_counts(), smaller.edge_counts())
