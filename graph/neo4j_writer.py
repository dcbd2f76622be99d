"""Push a TrialGraph to a Neo4j 5 server over Bolt: safe, repeatable and incremental.

Order of work: uniqueness constraints on every label's ``id`` (Neo4j 5 syntax; a server that
rejects constraint DDL, such as FalkorDB's Bolt endpoint, gets an index on the key instead),
then nodes, then relationships, as batched ``UNWIND … MERGE`` statements from
``graph/cypher_statements.py``, each batch in a managed write transaction
(``session.execute_write``: the driver retries transient errors). Every value travels as a
parameter; labels and types come from the allow-list in ``graph/schema.py``.

A second push of the same graph creates nothing. A trial whose record changed is brought
in line: celltx owns the outgoing relationships and properties of every ``Trial`` (and of its
``Product`` nodes) it pushes, so relationships no longer in the graph are deleted, products no
longer in the graph are deleted, and properties no longer in the graph are removed. Trials
absent from the graph are left alone unless ``prune=True``, which deletes every node of a
celltx label (and every celltx relationship) that the graph does not hold.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from celltx.graph.cypher_statements import (
    DEFAULT_BATCH,
    NODE_SKIP,
    Statement,
    constraint_statements,
    node_cypher,
    node_rows,
    properties,
    relationship_cypher,
    relationship_rows,
)
from celltx.graph.falkordb_engine import falkordb_ddl
from celltx.graph.schema import KEY_PROPERTY, NODE_LABELS, RELATIONSHIPS
from celltx.graph.trial_graph import TrialGraph

COUNTERS = ("nodes_created", "nodes_deleted", "relationships_created",
            "relationships_deleted", "properties_set", "labels_added",
            "constraints_added", "indexes_added")

OWNED_BY_TRIAL: tuple[str, ...] = tuple(
    label for label in ("Product", "Criterion") if label in NODE_LABELS)
"""Labels whose nodes belong to one trial (``NCT…-P1``): replaced when the trial changes."""

OWNER_LABELS: tuple[str, ...] = ("Trial", *OWNED_BY_TRIAL)
"""Labels whose outgoing relationships and properties the pushed graph states in full."""

REL_TYPES: list[str] = list(RELATIONSHIPS)

# Identity of a relationship among its start node's outgoing ones: type, end id and key.
_REL_ID = "type(r) + '|' + x.id + '|' + r.key"

ProgressHook = Callable[[str, int], None]
"""Called with (what is being written, rows just written)."""


@dataclass
class PushReport:
    """Summed server counters of a push, and what was done."""

    counters: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    transactions: int = 0
    rows: int = 0
    schema: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, counters: Any) -> None:
        for name in COUNTERS:
            self.counters[name] += int(getattr(counters, name, 0) or 0)

    def as_dict(self) -> dict[str, Any]:
        return {"counters": {k: self.counters[k] for k in COUNTERS},
                "batches": self.batches, "transactions": self.transactions, "rows": self.rows,
                "schema": self.schema, "notes": self.notes}


# ---- pure parts: what to run -------------------------------------------------------------

def owner_rows(graph: TrialGraph) -> dict[str, list[dict[str, Any]]]:
    """Per owner label, ``{id, keep, n}``: the identities of each node's outgoing relationships
    and its number of properties (to find stale ones on the server)."""
    nodes = graph.g.nodes
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for nid, data in sorted(nodes(data=True), key=lambda nd: nd[0]):
        label = data["label"]
        if label not in OWNER_LABELS:
            continue
        keep = sorted(f"{d['type']}|{nodes[end][KEY_PROPERTY[nodes[end]['label']]]}|{key}"
                      for _, end, key, d in graph.g.out_edges(nid, keys=True, data=True))
        out[label].append({"id": data[KEY_PROPERTY[label]], "keep": keep,
                           "n": len(properties(data, NODE_SKIP))})
    return dict(out)


def owned_rows(graph: TrialGraph) -> list[dict[str, Any]]:
    """Per trial, ``{id, owned}``: the ids of the trial's own nodes (products) in the graph."""
    nodes = graph.g.nodes
    rows = []
    for nid, data in sorted(graph.nodes("Trial"), key=lambda nd: nd[0]):
        owned = sorted(nodes[end]["id"] for _, end in graph.g.out_edges(nid)
                       if nodes[end]["label"] in OWNED_BY_TRIAL)
        rows.append({"id": data["id"], "owned": owned})
    return rows


def stale_owned_cypher(label: str) -> str:
    """Delete a trial's own nodes of ``label`` that the graph no longer holds."""
    if label not in OWNED_BY_TRIAL:
        raise ValueError(f"{label!r} is not a trial-owned label ({', '.join(OWNED_BY_TRIAL)})")
    return ("UNWIND $rows AS row MATCH (t:Trial {id: row.id})-[]->(x:" + label + ") "
            "WHERE NOT (x.id IN row.owned) DETACH DELETE x")


def stale_relationships_cypher(label: str) -> str:
    """Delete celltx relationships leaving a node of ``label`` that the graph does not hold."""
    if label not in OWNER_LABELS:
        raise ValueError(f"{label!r} is not an owner label ({', '.join(OWNER_LABELS)})")
    return ("UNWIND $rows AS row MATCH (n:" + label + " {id: row.id})-[r]->(x) "
            f"WHERE type(r) IN $types AND r.key IS NOT NULL AND NOT (({_REL_ID}) IN row.keep) "
            "DELETE r")


def stale_properties_cypher(label: str) -> str:
    """Ids of nodes carrying more properties than the graph gives them (after ``SET +=``)."""
    if label not in OWNER_LABELS:
        raise ValueError(f"{label!r} is not an owner label ({', '.join(OWNER_LABELS)})")
    return ("UNWIND $rows AS row MATCH (n:" + label + " {id: row.id}) "
            "WHERE size(keys(n)) > row.n RETURN n.id AS id")


def replace_properties_cypher(label: str) -> str:
    if label not in OWNER_LABELS:
        raise ValueError(f"{label!r} is not an owner label ({', '.join(OWNER_LABELS)})")
    return "UNWIND $rows AS row MATCH (n:" + label + " {id: row.id}) SET n = row.props"


def batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    if size < 1:
        raise ValueError(f"batch size must be >= 1, not {size}")
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def load_statements(graph: TrialGraph, batch_size: int = DEFAULT_BATCH
                    ) -> list[tuple[str, Statement]]:
    """The MERGE batches, each with a short description for the progress bar."""
    out: list[tuple[str, Statement]] = []
    for label, rows in node_rows(graph).items():
        for batch in batches(rows, batch_size):
            out.append((f"{label} nodes", Statement(node_cypher(label), {"rows": batch})))
    for (rel_type, sl, el), rows in relationship_rows(graph).items():
        for batch in batches(rows, batch_size):
            out.append((f"{rel_type} relationships",
                        Statement(relationship_cypher(rel_type, sl, el), {"rows": batch})))
    return out


def trial_subgraphs(graph: TrialGraph) -> Iterator[TrialGraph]:
    """One subgraph per trial: the trial, its neighbours and its products' neighbours."""
    g = graph.g
    for nid, _ in sorted(graph.nodes("Trial"), key=lambda nd: nd[0]):
        keep = {nid}
        frontier = [nid]
        while frontier:
            n = frontier.pop()
            for _, end in g.out_edges(n):
                if end not in keep:
                    keep.add(end)
                    if g.nodes[end]["label"] in OWNER_LABELS or g.nodes[end]["label"] == "Site":
                        frontier.append(end)
        yield TrialGraph(g.subgraph(keep))


# ---- I/O: running it ---------------------------------------------------------------------

def _write(session: Any, cypher: str, params: dict[str, Any]) -> tuple[Any, list[Any]]:
    def work(tx: Any) -> tuple[Any, list[Any]]:
        result = tx.run(cypher, params)
        values = [record[0] for record in result]
        return result.consume().counters, values

    return session.execute_write(work)


def ensure_schema(session: Any, report: PushReport) -> None:
    """Uniqueness constraints on every label's key; an index where constraints are refused."""
    from neo4j.exceptions import Neo4jError

    statements = constraint_statements()
    try:
        for text in statements:
            report.add(session.run(text).consume().counters)
            report.schema.append(text)
        return
    except Neo4jError as exc:
        first_error = exc
    # FalkorDB (and other Bolt servers without constraint DDL): an index on the key.
    try:
        existing = {(row["label"], tuple(row["properties"]))
                    for row in session.run("CALL db.indexes()").data()}
    except Neo4jError:
        raise first_error from None
    report.notes.append("server refused constraint DDL; created indexes on the keys instead "
                        f"({type(first_error).__name__}: {first_error.message or 'no message'})")
    for text in statements:
        index = falkordb_ddl(text)
        label = index.split(":", 1)[1].split(")", 1)[0]
        if (label, (KEY_PROPERTY[label],)) in existing:
            continue
        report.add(session.run(index).consume().counters)
        report.schema.append(index)


def _run_cleanup(session: Any, graph: TrialGraph, batch_size: int, report: PushReport,
                 progress: ProgressHook | None) -> None:
    trials = owned_rows(graph)
    for label in OWNED_BY_TRIAL:
        for batch in batches(trials, batch_size):
            counters, _ = _write(session, stale_owned_cypher(label), {"rows": batch})
            report.add(counters)
            report.transactions += 1
    node_props = {(d["label"], d["id"]): d for _, d in graph.g.nodes(data=True)}
    for label, rows in owner_rows(graph).items():
        for batch in batches(rows, batch_size):
            counters, _ = _write(session, stale_relationships_cypher(label),
                                 {"rows": [{"id": r["id"], "keep": r["keep"]} for r in batch],
                                  "types": REL_TYPES})
            report.add(counters)
            counters, stale = _write(session, stale_properties_cypher(label),
                                     {"rows": [{"id": r["id"], "n": r["n"]} for r in batch]})
            report.transactions += 2
            if stale:
                fix = [{"id": i, "props": properties(node_props[(label, i)], NODE_SKIP)}
                       for i in stale]
                counters, _ = _write(session, replace_properties_cypher(label), {"rows": fix})
                report.add(counters)
                report.transactions += 1
            if progress:
                progress(f"checking {label} for stale facts", len(batch))


def _prune(session: Any, graph: TrialGraph, report: PushReport) -> None:
    """Delete celltx nodes and relationships the graph does not hold."""
    ids: dict[str, list[str]] = defaultdict(list)
    for _, d in graph.g.nodes(data=True):
        ids[d["label"]].append(d[KEY_PROPERTY[d["label"]]])
    for label in NODE_LABELS:
        counters, _ = _write(session, f"MATCH (n:{label}) WHERE NOT (n.id IN $ids) "
                             "DETACH DELETE n", {"ids": sorted(ids.get(label, []))})
        report.add(counters)
        report.transactions += 1
    keep: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    nodes = graph.g.nodes
    for s, e, k, d in graph.g.edges(keys=True, data=True):
        keep[(d["type"], nodes[s]["label"], nodes[e]["label"])].append(
            f"{nodes[s]['id']}|{nodes[e]['id']}|{k}")
    for rel_type, pairs in RELATIONSHIPS.items():
        for sl, el in pairs:
            counters, _ = _write(
                session, f"MATCH (a:{sl})-[r:{rel_type}]->(b:{el}) "
                "WHERE NOT ((a.id + '|' + b.id + '|' + coalesce(r.key, '')) IN $keep) DELETE r",
                {"keep": sorted(keep.get((rel_type, sl, el), []))})
            report.add(counters)
            report.transactions += 1


def push_graph(graph: TrialGraph, driver: Any, *, database: str | None = None,
               batch_size: int = DEFAULT_BATCH, prune: bool = False, per_trial: bool = False,
               schema: bool = True, progress: ProgressHook | None = None) -> PushReport:
    """Write ``graph`` to the server behind ``driver`` (a ``neo4j.Driver``); see the module doc.

    ``per_trial`` writes one transaction per trial instead of batches (for the benchmark: it
    is the slow way, kept to measure what batching gains).
    """
    report = PushReport()
    with driver.session(database=database) as session:
        if schema:
            ensure_schema(session, report)
        if per_trial:
            units: Iterable[TrialGraph] = trial_subgraphs(graph)
            for unit in units:
                statements = load_statements(unit, batch_size=10**9)

                def work(tx: Any, statements: list[tuple[str, Statement]] = statements
                         ) -> list[Any]:
                    return [tx.run(s.cypher, s.params).consume().counters
                            for _, s in statements]

                for counters in session.execute_write(work):
                    report.add(counters)
                report.transactions += 1
                report.batches += len(statements)
                report.rows += sum(len(s.params["rows"]) for _, s in statements)
                if progress:
                    progress("trials", 1)
        else:
            for what, statement in load_statements(graph, batch_size):
                counters, _ = _write(session, statement.cypher, statement.params)
                report.add(counters)
                report.batches += 1
                report.transactions += 1
                report.rows += len(statement.params["rows"])
                if progress:
                    progress(what, len(statement.params["rows"]))
        _run_cleanup(session, graph, batch_size, report, progress)
        if prune:
            _prune(session, graph, report)
    return report


def progress_total(graph: TrialGraph, *, per_trial: bool = False) -> int:
    """The number of progress units :func:`push_graph` reports for ``graph``."""
    if per_trial:
        trials = sum(1 for _ in graph.nodes("Trial"))
    else:
        trials = graph.g.number_of_nodes() + graph.g.number_of_edges()
    owners = sum(1 for _, d in graph.g.nodes(data=True) if d["label"] in OWNER_LABELS)
    return trials + owners


def server_counts(driver: Any, *, database: str | None = None) -> tuple[dict[str, int],
                                                                        dict[str, int]]:
    """Nodes per celltx label and relationships per celltx type on the server."""
    with driver.session(database=database) as session:
        nodes = {label: session.run(f"MATCH (n:{label}) RETURN count(n) AS c").single()["c"]
                 for label in NODE_LABELS}
        rels = {t: session.run(f"MATCH ()-[r:{t}]->() RETURN count(r) AS c").single()["c"]
                for t in RELATIONSHIPS}
    return ({k: v for k, v in nodes.items() if v}, {k: v for k, v in rels.items() if v})

