"""Push a TrialGraph to a Neo4j 5 server over Bolt: safe, repeatable and incremental.

Order of work: uniqueness constraints on every label's ``id`` (Neo4j 5 syntax; a server that
rejects constraint DDL, such as FalkorDB's Bolt endpoint, gets an index on the key instead),
then nodes, then relationships, as batched ``UNWIND … MERGE`` statements from
``graph/cypher_statements.py``, each batch in a managed write transaction
(``session.execute_write``: the driver retries transient errors). Every value travels as a
parameter; labels and types come from the allow-list in ``graph/schema.py``.

Each ``Trial`` carries a ``content_hash`` of its subgraph (its own properties and
relationships, its products' and sites', and the properties of every node they reach, with
the broader conditions of its conditions), so a push sends only the trials whose hash differs
from the server's: a second push of the same graph sets nothing. ``full=True`` sends every
trial whatever the hashes say.

A second push of the same graph creates nothing. A trial whose record changed is brought
in line: celltx owns the outgoing relationships and properties of every ``Trial`` (and of its
``Product`` nodes) it pushes, so relationships no longer in the graph are deleted, products no
longer in the graph are deleted, and properties no longer in the graph are removed. Trials
absent from the graph are left alone unless ``prune=True``, which deletes every node of a
celltx label (and every celltx relationship) that the graph does not hold.
"""

from __future__ import annotations

import hashlib
import json
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
from celltx.graph.schema import (
    KEY_PROPERTY,
    NODE_LABELS,
    RELATIONSHIPS,
    check_relationship,
    node_id,
)
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

HASH_PROPERTY = "content_hash"
"""The Trial property holding the hash of what was pushed for it (written by the push only;
spelled out in the two statements below, which take no formatted text)."""
HASH_VERSION = "2"
"""Changes when what the hash covers changes, so that every trial is sent again."""
TRIAL_OUTCOMES = ("created", "updated", "unchanged", "removed")

ProgressHook = Callable[[str, int], None]
"""Called with (what is being written, rows just written)."""


@dataclass
class PushReport:
    """Summed server counters of a push, and what was done."""

    counters: Counter[str] = field(default_factory=lambda: Counter(dict.fromkeys(COUNTERS, 0)))
    batches: int = 0
    transactions: int = 0
    rows: int = 0
    schema: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    trials: Counter[str] = field(default_factory=lambda: Counter(dict.fromkeys(TRIAL_OUTCOMES,
                                                                               0)))
    """Trials created, updated, unchanged (skipped by their hash) and removed (``prune``)."""

    def add(self, counters: Any) -> None:
        for name in COUNTERS:
            self.counters[name] += int(getattr(counters, name, 0) or 0)

    def as_dict(self) -> dict[str, Any]:
        return {"counters": {k: self.counters[k] for k in COUNTERS},
                "trials": {k: self.trials[k] for k in TRIAL_OUTCOMES},
                "batches": self.batches, "transactions": self.transactions, "rows": self.rows,
                "schema": self.schema, "notes": self.notes}


# ---- pure parts: what to run -------------------------------------------------------------

def expected_facts(graph: TrialGraph) -> tuple[
        dict[tuple[str, str], set[tuple[str, str, str, str]]],
        dict[tuple[str, str], frozenset[str]]]:
    """For every node of an owner label, keyed by (label, id): its outgoing relationships as
    (type, end label, end id, key), and the property names the graph gives it."""
    nodes = graph.g.nodes
    rels: dict[tuple[str, str], set[tuple[str, str, str, str]]] = {}
    props: dict[tuple[str, str], frozenset[str]] = {}
    for nid, data in graph.g.nodes(data=True):
        label = data["label"]
        if label not in OWNER_LABELS:
            continue
        key = (label, str(data[KEY_PROPERTY[label]]))
        props[key] = frozenset(properties(data, NODE_SKIP))
        rels[key] = {(d["type"], nodes[end]["label"],
                      str(nodes[end][KEY_PROPERTY[nodes[end]["label"]]]), str(k))
                     for _, end, k, d in graph.g.out_edges(nid, keys=True, data=True)}
    return rels, props


def read_facts_cypher(label: str) -> str:
    """The celltx relationships leaving the given nodes of ``label``, as the server has them."""
    if label not in OWNER_LABELS:
        raise ValueError(f"{label!r} is not an owner label ({', '.join(OWNER_LABELS)})")
    return ("UNWIND $ids AS id MATCH (n:" + label + " {id: id})-[r]->(x) "
            "WHERE type(r) IN $types AND r.key IS NOT NULL "
            "RETURN n.id AS start, type(r) AS type, labels(x) AS labels, x.id AS end, "
            "r.key AS key")


def read_keys_cypher(label: str) -> str:
    if label not in OWNER_LABELS:
        raise ValueError(f"{label!r} is not an owner label ({', '.join(OWNER_LABELS)})")
    return "UNWIND $ids AS id MATCH (n:" + label + " {id: id}) RETURN n.id AS id, keys(n) AS keys"


def delete_relationships_cypher(rel_type: str, start_label: str, end_label: str) -> str:
    check_relationship(rel_type, start_label, end_label)
    return (f"UNWIND $rows AS row MATCH (a:{start_label} {{id: row.start}})"
            f"-[r:{rel_type} {{key: row.key}}]->(b:{end_label} {{id: row.end}}) DELETE r")


def delete_nodes_cypher(label: str) -> str:
    if label not in NODE_LABELS:
        raise ValueError(f"unknown node label {label!r}")
    return f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) DETACH DELETE n"


def replace_properties_cypher(label: str) -> str:
    if label not in OWNER_LABELS:
        raise ValueError(f"{label!r} is not an owner label ({', '.join(OWNER_LABELS)})")
    return "UNWIND $rows AS row MATCH (n:" + label + " {id: row.id}) SET n = row.props"


def _size(row: Any) -> int:
    return len(json.dumps(row, ensure_ascii=False, default=str).encode())


def batches(rows: list[dict[str, Any]], size: int, max_bytes: int | None = None
            ) -> Iterator[list[dict[str, Any]]]:
    """Consecutive batches of at most ``size`` rows and (if given) about ``max_bytes`` of
    parameters (JSON size; a larger row goes alone).

    >>> [len(b) for b in batches([{"a": "x" * 10}] * 5, 3)]
    [3, 2]
    >>> [len(b) for b in batches([{"a": "x" * 10}] * 5, 3, max_bytes=40)]
    [2, 2, 1]
    """
    if size < 1:
        raise ValueError(f"batch size must be >= 1, not {size}")
    batch: list[dict[str, Any]] = []
    used = 0
    for row in rows:
        cost = _size(row) if max_bytes else 0
        if batch and (len(batch) >= size or (max_bytes and used + cost > max_bytes)):
            yield batch
            batch, used = [], 0
        batch.append(row)
        used += cost
    if batch:
        yield batch


def load_statements(graph: TrialGraph, batch_size: int = DEFAULT_BATCH,
                    max_bytes: int | None = None) -> list[tuple[str, Statement]]:
    """The MERGE batches, each with a short description for the progress bar."""
    out: list[tuple[str, Statement]] = []
    for label, rows in node_rows(graph).items():
        for batch in batches(rows, batch_size, max_bytes):
            out.append((f"{label} nodes", Statement(node_cypher(label), {"rows": batch})))
    for (rel_type, sl, el), rows in relationship_rows(graph).items():
        for batch in batches(rows, batch_size, max_bytes):
            out.append((f"{rel_type} relationships",
                        Statement(relationship_cypher(rel_type, sl, el), {"rows": batch})))
    return out


def trial_subgraphs(graph: TrialGraph) -> Iterator[TrialGraph]:
    """One subgraph per trial: the trial, its neighbours and its products' neighbours."""
    for nid, _ in sorted(graph.nodes("Trial"), key=lambda nd: nd[0]):
        yield TrialGraph(graph.g.subgraph(_trial_nodes(graph, nid)))


def _trial_nodes(graph: TrialGraph, nid: str) -> set[str]:
    """The networkx ids of one trial's subgraph (see :func:`trial_subgraphs`)."""
    g = graph.g
    keep = {nid}
    frontier = [nid]
    while frontier:
        n = frontier.pop()
        for _, end in g.out_edges(n):
            if end not in keep:
                keep.add(end)
                if g.nodes[end]["label"] in OWNER_LABELS or g.nodes[end]["label"] == "Site":
                    frontier.append(end)
    for n in list(keep):  # a condition's broader ones, which no relationship reaches
        for curie in g.nodes[n].get("broader") or ():
            if (broader := node_id("Condition", curie)) in g:
                keep.add(broader)
    return keep


def trial_hashes(graph: TrialGraph) -> dict[str, tuple[str, set[str]]]:
    """Each trial's id -> (hash of its subgraph as it would be pushed, its subgraph's nodes)."""
    g = graph.g
    out = {}
    for nid, data in graph.nodes("Trial"):
        keep = _trial_nodes(graph, nid)
        nodes = sorted((g.nodes[n]["label"], str(g.nodes[n]["id"]),
                        json.dumps(properties(g.nodes[n], NODE_SKIP), sort_keys=True,
                                   default=str, ensure_ascii=False)) for n in keep)
        edges = sorted((d["type"], str(g.nodes[a]["id"]), str(g.nodes[b]["id"]), str(k),
                        json.dumps({x: v for x, v in d.items() if x != "type"}, sort_keys=True,
                                   default=str, ensure_ascii=False))
                       for a in keep for _, b, k, d in g.out_edges(a, keys=True, data=True))
        digest = hashlib.sha256(json.dumps([HASH_VERSION, nodes, edges], ensure_ascii=False)
                                .encode()).hexdigest()
        out[str(data["id"])] = (digest, keep)
    return out


def read_hashes_cypher() -> str:
    return "MATCH (t:Trial) RETURN t.id AS id, t.content_hash AS hash"


def write_hashes_cypher() -> str:
    return "UNWIND $rows AS row MATCH (t:Trial {id: row.id}) SET t.content_hash = row.hash"


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


def _read(session: Any, cypher: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    def work(tx: Any) -> list[dict[str, Any]]:
        return [dict(record) for record in tx.run(cypher, params)]

    return session.execute_read(work)


def _delete_relationships(session: Any, stale: Iterable[tuple[str, str, str, str, str, str]],
                          batch_size: int, max_bytes: int | None, report: PushReport) -> None:
    """Delete relationships given as (type, start label, start id, end label, end id, key)."""
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for rel_type, sl, start, el, end, key in sorted(stale):
        groups[(rel_type, sl, el)].append({"start": start, "end": end, "key": key})
    for (rel_type, sl, el), rows in groups.items():
        for batch in batches(rows, batch_size, max_bytes):
            counters, _ = _write(session, delete_relationships_cypher(rel_type, sl, el),
                                 {"rows": batch})
            report.add(counters)
            report.transactions += 1


def _run_cleanup(session: Any, graph: TrialGraph, batch_size: int, max_bytes: int | None,
                 report: PushReport, progress: ProgressHook | None) -> None:
    """Bring the owner nodes on the server in line with the graph: read what the server has
    for them, and delete what the graph no longer states (only ids travel, never texts)."""
    want_rels, want_props = expected_facts(graph)
    for key in want_props:
        if key[0] == "Trial":  # the push's own bookkeeping, not a stale fact
            want_props[key] = want_props[key] | {HASH_PROPERTY}
    node_data = {(d["label"], str(d[KEY_PROPERTY[d["label"]]])): d
                 for _, d in graph.g.nodes(data=True)}
    for label in OWNER_LABELS:
        ids = [{"id": i} for (lab, i) in sorted(want_props) if lab == label]
        stale_rels: list[tuple[str, str, str, str, str, str]] = []
        stale_owned: set[tuple[str, str]] = set()
        stale_props: list[str] = []
        for batch in batches(ids, batch_size, max_bytes):
            params = {"ids": [r["id"] for r in batch], "types": REL_TYPES}
            for row in _read(session, read_facts_cypher(label), params):
                el = next((x for x in row["labels"] if x in NODE_LABELS), None)
                if el is None:
                    continue
                fact = (row["type"], el, str(row["end"]), str(row["key"]))
                if fact not in want_rels[(label, str(row["start"]))]:
                    if label == "Trial" and el in OWNED_BY_TRIAL:
                        stale_owned.add((el, str(row["end"])))
                    stale_rels.append((row["type"], label, str(row["start"]), el,
                                       str(row["end"]), str(row["key"])))
            for row in _read(session, read_keys_cypher(label), {"ids": params["ids"]}):
                if set(row["keys"]) - want_props[(label, str(row["id"]))]:
                    stale_props.append(str(row["id"]))
            if progress:
                progress(f"checking {label} for stale facts", len(batch))
        _delete_relationships(session, stale_rels, batch_size, max_bytes, report)
        # A trial's own node (a product) the graph no longer links to it goes too, unless the
        # graph still holds it (then it only moved).
        gone = [(el, i) for el, i in sorted(stale_owned) if (el, i) not in node_data]
        for el in OWNED_BY_TRIAL:
            rows = [{"id": i} for lab, i in gone if lab == el]
            for part in batches(rows, batch_size, max_bytes):
                counters, _ = _write(session, delete_nodes_cypher(el), {"rows": part})
                report.add(counters)
                report.transactions += 1
        fix = [{"id": i, "props": properties(node_data[(label, i)], NODE_SKIP)}
               for i in stale_props]
        for part in batches(fix, batch_size, max_bytes):
            counters, _ = _write(session, replace_properties_cypher(label), {"rows": part})
            report.add(counters)
            report.transactions += 1


def _prune(session: Any, graph: TrialGraph, batch_size: int, max_bytes: int | None,
           report: PushReport, trials_on_server: dict[str, Any]) -> None:
    """Delete celltx nodes and relationships the graph does not hold."""
    nodes = graph.g.nodes
    ids: dict[str, set[str]] = defaultdict(set)
    for _, d in graph.g.nodes(data=True):
        ids[d["label"]].add(d[KEY_PROPERTY[d["label"]]])
    report.trials["removed"] = len(set(trials_on_server) - ids.get("Trial", set()))
    for label in NODE_LABELS:
        on_server = [r["id"] for r in session.run(f"MATCH (n:{label}) RETURN n.id AS id")]
        extra = [{"id": i} for i in sorted(set(on_server) - ids.get(label, set()))]
        for batch in batches(extra, batch_size, max_bytes):
            counters, _ = _write(session, delete_nodes_cypher(label), {"rows": batch})
            report.add(counters)
            report.transactions += 1
    keep: dict[tuple[str, str, str], set[tuple[str, str, str]]] = defaultdict(set)
    for s, e, k, d in graph.g.edges(keys=True, data=True):
        keep[(d["type"], nodes[s]["label"], nodes[e]["label"])].add(
            (nodes[s]["id"], nodes[e]["id"], str(k)))
    for rel_type, pairs in RELATIONSHIPS.items():
        for sl, el in pairs:
            found = session.run(f"MATCH (a:{sl})-[r:{rel_type}]->(b:{el}) WHERE r.key IS NOT NULL "
                                "RETURN a.id AS start, b.id AS end, r.key AS key")
            wanted = keep.get((rel_type, sl, el), set())
            stale = sorted({(r["start"], r["end"], r["key"]) for r in found} - wanted)
            rows = [{"start": a, "end": b, "key": k} for a, b, k in stale]
            for batch in batches(rows, batch_size, max_bytes):
                counters, _ = _write(session, delete_relationships_cypher(rel_type, sl, el),
                                     {"rows": batch})
                report.add(counters)
                report.transactions += 1


def push_graph(graph: TrialGraph, driver: Any, *, database: str | None = None,
               batch_size: int = DEFAULT_BATCH, max_bytes: int | None = None,
               prune: bool = False, per_trial: bool = False, schema: bool = True,
               full: bool = False, progress: ProgressHook | None = None) -> PushReport:
    """Write ``graph`` to the server behind ``driver`` (a ``neo4j.Driver``); see the module doc.

    ``max_bytes`` also caps each batch's parameter size (FalkorDB's Bolt endpoint fails on
    messages over 4 KiB). ``per_trial`` writes one transaction per trial instead of batches
    (for the benchmark: the slow way, kept to measure what batching gains).
    """
    report = PushReport()
    whole = graph
    hashes = trial_hashes(graph)
    with driver.session(database=database) as session:
        if schema:
            ensure_schema(session, report)
        on_server = {str(r["id"]): r["hash"] for r in _read(session, read_hashes_cypher(), {})}
        send = sorted(t for t, (h, _) in hashes.items() if full or on_server.get(t) != h)
        report.trials["created"] = sum(1 for t in send if t not in on_server)
        report.trials["updated"] = len(send) - report.trials["created"]
        report.trials["unchanged"] = len(hashes) - len(send)
        if len(send) < len(hashes):
            graph = TrialGraph(graph.g.subgraph(set().union(*(hashes[t][1] for t in send))))
        if per_trial:
            for unit in trial_subgraphs(graph):
                statements = load_statements(unit, batch_size=10**9, max_bytes=max_bytes)

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
            for what, statement in load_statements(graph, batch_size, max_bytes):
                counters, _ = _write(session, statement.cypher, statement.params)
                report.add(counters)
                report.batches += 1
                report.transactions += 1
                report.rows += len(statement.params["rows"])
                if progress:
                    progress(what, len(statement.params["rows"]))
        _run_cleanup(session, graph, batch_size, max_bytes, report, progress)
        rows = [{"id": t, "hash": hashes[t][0]} for t in send]
        for part in batches(rows, batch_size, max_bytes):
            counters, _ = _write(session, write_hashes_cypher(), {"rows": part})
            report.add(counters)
            report.transactions += 1
        if prune:
            _prune(session, whole, batch_size, max_bytes, report, on_server)
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

