"""Running a stored question on an engine: ``run_query("trials_per_target", {...})``.

Engines: ``embedded`` (the stored Cypher on a private FalkorDB process, the default),
``python`` (the helper in ``python_answers.py``), ``sparql`` (the stored SPARQL, in-process
or against ``endpoint``) and ``neo4j`` (the stored Cypher on a Neo4j server at ``endpoint``
or ``$NEO4J_URI``). Every engine returns the same :class:`QueryResult`; lists inside cells
are sorted so that answers read (and compare) the same whatever the engine.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celltx.queries.catalogue import StoredQuery, coerce_params, get_query
from celltx.queries.compare import sort_cells
from celltx.queries.names import ENGINES as ENGINES  # (re-exported: run.ENGINES)
from celltx.queries.names import unknown_engine
from celltx.queries.params import check_values

if TYPE_CHECKING:
    from celltx.graph.trial_graph import TrialGraph



@dataclass(frozen=True)
class QueryResult:
    """The answer to one stored question on one engine (a frozen dataclass: answering from the
    command line needs no pydantic)."""

    query: str
    engine: str
    columns: list[str]
    rows: list[list[Any]]
    params: dict[str, Any] = field(default_factory=dict)
    """Every parameter as the engine was given it: defaults filled in, values in the form the
    engines match (:func:`~celltx.queries.params.check_values`)."""

    def to_json(self) -> dict[str, Any]:
        """``{"query", "engine", "columns", "rows"}`` (the shape ``celltx query --json`` prints)."""
        return {"query": self.query, "engine": self.engine, "columns": list(self.columns),
                "rows": [list(r) for r in self.rows]}

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def _graph(graph: TrialGraph | None, graph_dir: Path | None) -> TrialGraph:
    if graph is not None:
        return graph
    from celltx.graph import store

    return store.load(graph_dir if graph_dir is not None else store.default_dir())


def _graph_if_any(graph: TrialGraph | None, graph_dir: Path | None) -> TrialGraph | None:
    """The graph to check parameter names against, if one is at hand (for the neo4j engine
    there may be none)."""
    from celltx.graph import store

    try:
        return _graph(graph, graph_dir)
    except store.GraphDirError:
        return None


def _run_embedded(query: StoredQuery, params: dict[str, Any], *, graph: TrialGraph | None,
                  graph_dir: Path | None, embedded: Any, graph_name: str | None
                  ) -> tuple[list[str], list[list[Any]]]:
    from celltx.graph.falkordb_engine import DEFAULT_GRAPH, EmbeddedEngine, open_graph_dir

    if embedded is not None:  # a started engine the caller keeps (tests, benchmarks, the API)
        return embedded.run(query.cypher, params, graph=graph_name or DEFAULT_GRAPH)  # type: ignore[no-any-return]
    if graph is not None and graph_dir is None:
        with EmbeddedEngine() as engine:
            engine.load(graph)
            return engine.run(query.cypher, params)
    from celltx.graph import store

    engine = open_graph_dir(graph_dir if graph_dir is not None else store.default_dir())
    try:
        return engine.run(query.cypher, params)
    finally:
        engine.stop()


def run_query(name: str, params: Mapping[str, Any] | None = None, *, engine: str = "embedded",
              graph_dir: Path | None = None, graph: TrialGraph | None = None,
              endpoint: str | None = None, embedded: Any = None,
              graph_name: str | None = None) -> QueryResult:
    """Answer stored question ``name`` on ``engine``.

    ``params`` may be text (from the command line) or Python values; missing ones take
    their defaults. The graph is ``graph`` if given, else the one built in ``graph_dir``
    (default: ``$CELLTX_GRAPH`` or ``./celltx-graph``); given both, the embedded and
    SPARQL engines use ``graph_dir``, whose engine dump and RDF store are cached beside the
    graph and open in a tenth of a second (:func:`~celltx.graph.falkordb_engine.open_graph_dir`,
    :func:`~celltx.queries.sparql_engine.store_for_dir`). ``embedded`` reuses a started
    :class:`~celltx.graph.falkordb_engine.EmbeddedEngine` holding graph ``graph_name``.
    Unknown names raise ``KeyError``, bad parameters (:class:`~celltx.queries.params.ParamError`)
    or engines ``ValueError``.
    """
    query = get_query(name)
    values = check_values(name, coerce_params(query, params),
                          lambda: _graph_if_any(graph, graph_dir))
    if engine == "embedded":
        columns, rows = _run_embedded(query, values, graph=graph, graph_dir=graph_dir,
                                      embedded=embedded, graph_name=graph_name)
    elif engine == "python":
        from celltx.queries.python_answers import ANSWERS

        columns, rows = list(query.columns), ANSWERS[name](_graph(graph, graph_dir), **values)
    elif engine == "sparql":
        if query.sparql is None:
            raise ValueError(f"{name} has no stored SPARQL ({name}.rq) yet")
        from celltx.queries.sparql_engine import run_sparql  # type: ignore[import-not-found]

        columns, rows = run_sparql(query, values, graph_dir=graph_dir, graph=graph,
                                   endpoint=endpoint)
    elif engine == "neo4j":
        from celltx.queries.neo4j_engine import run_cypher_neo4j  # type: ignore[import-not-found]

        uri = endpoint or os.environ.get("NEO4J_URI")
        if not uri:
            raise ValueError("the neo4j engine needs --endpoint bolt://HOST:7687 or $NEO4J_URI")
        columns, rows = run_cypher_neo4j(query.cypher, values, uri=uri,
                                         user=os.environ.get("NEO4J_USERNAME"),
                                         password=os.environ.get("NEO4J_PASSWORD"))
    else:
        raise ValueError(unknown_engine(engine))
    return QueryResult(query=name, engine=engine, columns=list(columns), rows=sort_cells(rows),
                       params=values)
