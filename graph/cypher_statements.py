"""A TrialGraph as parameterised Neo4j 5 Cypher statements: ``(cypher, params)`` pairs.

Pure functions, no driver: the embedded engine (``graph/falkordb_engine.py``) and the Neo4j
writer both run these. Labels and relationship types are checked against ``graph/schema.py``
before they are written into the text (the only part not passed as a parameter); every value
travels in ``$rows``. Property values are primitives or lists of primitives (``None`` dropped),
which both Neo4j and FalkorDB store as they are.

Statements are idempotent (``MERGE`` on ``id`` for nodes and on ``key`` — the networkx
multigraph key — for relationships), so running them twice changes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from celltx.graph.schema import KEY_PROPERTY, NODE_LABELS, RELATIONSHIPS, check_relationship

if TYPE_CHECKING:
    from celltx.graph.trial_graph import TrialGraph

DEFAULT_BATCH = 1000
Primitive = str | int | float | bool
NODE_SKIP = frozenset({"label"})
"""networkx node attributes that are not Cypher properties (``label`` becomes the label)."""
EDGE_SKIP = frozenset({"type"})
"""networkx edge attributes that are not Cypher properties (``type`` becomes the type)."""


class Statement(NamedTuple):
    """One Cypher statement and its parameters."""

    cypher: str
    params: dict[str, Any]


def _label(label: str) -> str:
    if label not in NODE_LABELS:
        raise ValueError(f"unknown node label {label!r}; known: {', '.join(NODE_LABELS)}")
    return label


def _rel_type(rel_type: str) -> str:
    if rel_type not in RELATIONSHIPS:
        raise ValueError(f"unknown relationship type {rel_type!r}; "
                         f"known: {', '.join(RELATIONSHIPS)}")
    return rel_type


def property_value(value: Any) -> Primitive | list[Primitive] | None:
    """A value Cypher can store: primitives as they are, lists without ``None``, else JSON.

    Lists mixing types become lists of strings (Neo4j requires homogeneous lists); empty
    lists and ``None`` give ``None`` (the property is dropped).
    """
    if value is None:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple | set | frozenset):
        items = [v for v in value if v is not None]
        if isinstance(value, set | frozenset):
            items = sorted(items, key=str)
        if not items:
            return None
        if all(isinstance(v, bool | int | float | str) for v in items):
            kinds = {bool if isinstance(v, bool) else (str if isinstance(v, str) else float)
                     for v in items}
            if len(kinds) == 1:
                return items
        return [v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
                for v in items]
    return json.dumps(value, sort_keys=True, default=str)


def properties(attrs: dict[str, Any], skip: frozenset[str]) -> dict[str, Any]:
    """Cypher properties of a networkx node or edge: storable values only, ``None`` dropped."""
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if k in skip:
            continue
        pv = property_value(v)
        if pv is not None:
            out[k] = pv
    return out


def node_cypher(label: str) -> str:
    """The MERGE statement for one label's nodes (``$rows``: ``[{id, props}]``)."""
    key = KEY_PROPERTY[_label(label)]
    return f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.id}}) SET n += row.props"


def relationship_cypher(rel_type: str, start_label: str, end_label: str) -> str:
    """The MERGE statement for one relationship type (``$rows``: ``[{start, end, key, props}]``)."""
    check_relationship(_rel_type(rel_type), _label(start_label), _label(end_label))
    return (f"UNWIND $rows AS row "
            f"MATCH (a:{start_label} {{{KEY_PROPERTY[start_label]}: row.start}}) "
            f"MATCH (b:{end_label} {{{KEY_PROPERTY[end_label]}: row.end}}) "
            f"MERGE (a)-[r:{rel_type} {{key: row.key}}]->(b) SET r += row.props")


def constraint_statements() -> list[str]:
    """Neo4j 5 uniqueness constraints on every label's key (run before loading).

    The embedded engine cannot run these; it translates them to indexes
    (``graph/falkordb_engine.py``).
    """
    return [f"CREATE CONSTRAINT {label.lower()}_{KEY_PROPERTY[label]} IF NOT EXISTS "
            f"FOR (n:{label}) REQUIRE n.{KEY_PROPERTY[label]} IS UNIQUE"
            for label in NODE_LABELS]


def _batches(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    if size < 1:
        raise ValueError(f"batch size must be >= 1, not {size}")
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def node_rows(graph: TrialGraph) -> dict[str, list[dict[str, Any]]]:
    """Rows per label, ``{id, props}``, sorted by id (deterministic order)."""
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, data in sorted(graph.g.nodes(data=True), key=lambda nd: nd[0]):
        label = _label(data["label"])
        rows[label].append({"id": data[KEY_PROPERTY[label]],
                            "props": properties(data, NODE_SKIP)})
    return {label: rows[label] for label in NODE_LABELS if rows.get(label)}


def relationship_rows(graph: TrialGraph
                      ) -> dict[tuple[str, str, str], list[dict[str, Any]]]:
    """Rows per (type, start label, end label), ``{start, end, key, props}``, sorted."""
    rows: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    nodes = graph.g.nodes
    for s, e, k, data in sorted(graph.g.edges(keys=True, data=True),
                                key=lambda x: (x[0], x[1], x[2])):
        sl, el = nodes[s]["label"], nodes[e]["label"]
        rows[(data["type"], sl, el)].append({
            "start": nodes[s][KEY_PROPERTY[sl]], "end": nodes[e][KEY_PROPERTY[el]],
            "key": str(k), "props": properties(data, EDGE_SKIP)})
    return dict(sorted(rows.items()))


def node_statements(graph: TrialGraph, batch_size: int = DEFAULT_BATCH) -> Iterator[Statement]:
    """MERGE statements for every node, one per label and batch."""
    for label, rows in node_rows(graph).items():
        text = node_cypher(label)
        for batch in _batches(rows, batch_size):
            yield Statement(text, {"rows": batch})


def relationship_statements(graph: TrialGraph,
                            batch_size: int = DEFAULT_BATCH) -> Iterator[Statement]:
    """MERGE statements for every relationship, one per (type, labels) and batch."""
    for (rel_type, sl, el), rows in relationship_rows(graph).items():
        text = relationship_cypher(rel_type, sl, el)
        for batch in _batches(rows, batch_size):
            yield Statement(text, {"rows": batch})


def graph_statements(graph: TrialGraph, batch_size: int = DEFAULT_BATCH) -> Iterator[Statement]:
    """All node statements, then all relationship statements (constraints not included)."""
    yield from node_statements(graph, batch_size)
    yield from relationship_statements(graph, batch_size)


def count_rows(statements: Iterable[Statement]) -> int:
    """How many rows (nodes or relationships) a sequence of statements carries."""
    return sum(len(s.params["rows"]) for s in statements)
