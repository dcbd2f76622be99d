"""Running the stored SPARQL questions: in-process on pyoxigraph, or on any SPARQL 1.1 endpoint.

Parameters are bound by one mechanism for both: a ``VALUES`` block of RDF terms serialised by
pyoxigraph (so text is always an escaped literal, never spliced SPARQL) put first in the
outermost ``WHERE {``. A ``null`` parameter is ``UNDEF``: the query's ``!BOUND(?x) || …``
makes it "no filter". SPARQL cannot bind ``LIMIT``, so a ``limit`` parameter sets the query's
final ``LIMIT n`` to the validated integer. (pyoxigraph's own ``substitutions`` only bind
variables of the SELECT projection, so they cannot carry filter parameters.)

List columns are ``GROUP_CONCAT(…; SEPARATOR="\\u001F") AS ?col``: split here, empty items
dropped, sorted. Result variables map to the header's columns by position, so a column may
share its name with a parameter (``similar_trials``: ``nct_id``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

if TYPE_CHECKING:
    from celltx.graph.trial_graph import TrialGraph

LIST_SEPARATOR = "\x1f"
CACHE_FILE = "celltx.nt"
"""The N-Triples export cached in a graph directory for in-process SPARQL."""
CACHE_STAMP = "celltx.nt.stamp"
STORE_DIR = "celltx.oxigraph"
"""A pyoxigraph (RocksDB) store of that export, kept in the graph directory: a later process
opens it read-only in about 10 ms instead of parsing the export into memory (0.8 s)."""
STORE_STAMP = "celltx.oxigraph.stamp"

_LIST_COLUMN = re.compile(r'SEPARATOR\s*=\s*"\\u001[fF]"\s*\)\s*AS\s+\?(\w+)', re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_LIMIT = re.compile(r"\bLIMIT\s+\d+\s*$", re.IGNORECASE)
_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = {XSD + t for t in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
    "unsignedByte")}
_FLOAT_TYPES = {XSD + t for t in ("decimal", "double", "float")}


class SparqlQuery(Protocol):
    """What is needed of a stored query (``celltx.queries.catalogue.StoredQuery``)."""

    @property
    def name(self) -> str: ...

    @property
    def columns(self) -> tuple[str, ...]: ...

    @property
    def sparql(self) -> str | None: ...


class SparqlEndpointError(RuntimeError):
    """An endpoint that failed or answered something other than SPARQL JSON results."""


# ---- binding parameters ------------------------------------------------------------------


def rdf_term(value: Any) -> ox.Literal:
    """A parameter value as an RDF literal (text, integer, boolean or double).

    >>> str(rdf_term('AML"; DROP'))
    '"AML\\\\"; DROP"'
    """
    if isinstance(value, bool | int | float | str):
        return ox.Literal(value)
    raise TypeError(f"parameter values are text, numbers or booleans, not {value!r}")


def _blank_comments(text: str) -> str:
    """The text with whole-line comments blanked (same length), so the header's words are not
    taken for SPARQL keywords."""
    return "".join(" " * len(line) if line.lstrip().startswith("#") else line
                   for line in text.splitlines(keepends=True))


def bind_params(text: str, params: Mapping[str, Any]) -> str:
    """The query text with its parameters bound (see the module docstring).

    >>> bind_params("SELECT ?x WHERE { ?x ?p ?condition } LIMIT 10",
    ...             {"condition": "AML", "limit": 3})
    'SELECT ?x WHERE { VALUES (?condition) { ("AML") }\\n ?x ?p ?condition } LIMIT 3'
    """
    values = {k: v for k, v in params.items() if k != "limit"}
    if "limit" in params:
        limit = params["limit"]
        code = _blank_comments(text)
        m = _LIMIT.search(code)
        if m is None:
            raise ValueError("the query has a limit parameter but no final LIMIT n")
        if limit is None:
            text = text[:m.start()]
        else:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
                raise ValueError(f"limit must be a non-negative integer, not {limit!r}")
            text = f"{text[:m.start()]}LIMIT {int(limit)}{text[m.end():]}"
    if not values:
        return text
    for name in values:
        if not _VAR.match(name):
            raise ValueError(f"not a SPARQL variable name: {name!r}")
    m = _WHERE.search(_blank_comments(text))
    if m is None:
        raise ValueError("the query has parameters but no WHERE { to bind them in")
    names = " ".join(f"?{k}" for k in values)
    row = " ".join("UNDEF" if v is None else str(rdf_term(v)) for v in values.values())
    return f"{text[:m.end()]} VALUES ({names}) {{ ({row}) }}\n{text[m.end():]}"


def list_columns(text: str) -> set[str]:
    """Result variables that carry lists (``GROUP_CONCAT`` with the unit separator)."""
    return set(_LIST_COLUMN.findall(text))


# ---- values ------------------------------------------------------------------------------


def python_value(term: Any) -> Any:
    """A result term as a Python value: integers, booleans and numbers typed, IRIs as text."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        return _typed(term.value, term.datatype.value if term.datatype else None)
    return term.value


def _typed(value: str, datatype: str | None) -> Any:
    if datatype in _INTEGER_TYPES:
        return int(value)
    if datatype == XSD + "boolean":
        return value in ("true", "1")
    if datatype in _FLOAT_TYPES:
        return float(value)
    return value


def _json_value(binding: Mapping[str, Any] | None) -> Any:
    if binding is None:
        return None
    if binding.get("type") == "literal" or binding.get("type") == "typed-literal":
        return _typed(binding["value"], binding.get("datatype"))
    return binding["value"]


def _shape_rows(variables: list[str], raw: Iterable[list[Any]], lists: set[str]
                ) -> list[list[Any]]:
    split = [v in lists for v in variables]
    rows = []
    for row in raw:
        out = []
        for value, is_list in zip(row, split, strict=True):
            if is_list:
                items = [] if value is None else str(value).split(LIST_SEPARATOR)
                out.append(sorted(i for i in items if i != ""))
            else:
                out.append(value)
        rows.append(out)
    return rows


# ---- stores ------------------------------------------------------------------------------

_graph_stores: weakref.WeakKeyDictionary[TrialGraph, tuple[tuple[int, int], ox.Store]] = (
    weakref.WeakKeyDictionary())
_dir_stores: dict[tuple[str, str], ox.Store] = {}
_lock = threading.Lock()


def store_for_graph(graph: TrialGraph) -> ox.Store:
    """An in-memory store holding the graph's RDF export (kept while the graph lives)."""
    from celltx.graph.rdf_writer import iter_quads

    size = (graph.g.number_of_nodes(), graph.g.number_of_edges())
    with _lock:
        cached = _graph_stores.get(graph)
        if cached is not None and cached[0] == size:
            return cached[1]
        store = ox.Store()
        store.bulk_extend(iter_quads(graph))
        _graph_stores[graph] = (size, store)
        return store


def _stamp(graph_dir: Path) -> str:
    from celltx.graph.schema import vocabulary_bytes
    from celltx.graph.store import graph_file

    from celltx import __version__

    h = hashlib.sha256(graph_file(graph_dir).read_bytes())
    h.update(vocabulary_bytes())
    h.update(__version__.encode())
    return h.hexdigest()


def export_path(graph_dir: Path, stamp: str | None = None) -> Path:
    """The graph dir's N-Triples export, written (or rewritten) when the graph changed
    (``stamp``: its :func:`_stamp` if the caller has it already).

    Where the graph dir cannot keep it, the export is a temporary file instead (in the graph
    dir if it could be written there, else in the system's), which the caller deletes once
    read.
    """
    from celltx.graph import store as graph_store
    from celltx.graph.rdf_writer import ExportOptions, write_rdf

    stamp = stamp or _stamp(graph_dir)
    path, stamp_file = graph_dir / CACHE_FILE, graph_dir / CACHE_STAMP
    if _made(path, stamp_file, stamp):
        return path
    with graph_store.cache_lock(graph_dir, CACHE_FILE):
        if _made(path, stamp_file, stamp):  # by another process, while this one waited
            return path
        graph = graph_store.load(graph_dir)
        options = ExportOptions(stats=graph_store.load_stats(graph_dir))
        tmp = graph_store.cache_file(graph_dir, CACHE_FILE)
        try:
            write_rdf(graph, tmp, "nt", options)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        else:
            try:
                tmp.replace(path)
            except OSError:  # written, but cannot take the export's place
                return tmp
            with contextlib.suppress(OSError):
                stamp_file.write_text(stamp)
            return path
    import tempfile

    fd, name = tempfile.mkstemp(suffix=".nt", prefix="celltx-")
    os.close(fd)
    write_rdf(graph, Path(name), "nt", options)
    return Path(name)


def _made(path: Path, stamp_file: Path, stamp: str) -> bool:
    """Whether the cache at ``path`` was made from the graph that ``stamp`` stands for."""
    with contextlib.suppress(OSError):
        return path.exists() and stamp_file.read_text() == stamp
    return False


def _made_store(graph_dir: Path, stamp: str) -> ox.Store | None:
    """The graph dir's on-disk store opened read-only, if it was made from this graph and
    opens (a damaged one, RocksDB's "Corruption", is made again)."""
    path = graph_dir / STORE_DIR
    with contextlib.suppress(OSError, RuntimeError):
        if path.is_dir() and _made(path, graph_dir / STORE_STAMP, stamp):
            return ox.Store.read_only(str(path))
    return None


def _disk_store(graph_dir: Path, stamp: str, export: Path) -> ox.Store | None:
    """The graph dir's on-disk store made from ``export`` (the caller holds its lock) and
    opened read-only; None where it cannot be made (a read-only graph dir, a pyoxigraph
    without RocksDB)."""
    from celltx.graph import store as graph_store

    path, stamp_file = graph_dir / STORE_DIR, graph_dir / STORE_STAMP
    tmp = graph_store.cache_file(graph_dir, STORE_DIR)
    try:
        graph_store.remove_cache(tmp)
        writer = ox.Store(str(tmp))
        writer.bulk_load(path=export, format=ox.RdfFormat.N_TRIPLES)
        writer.flush()
        del writer  # closes the database
        stamp_file.unlink(missing_ok=True)
        if path.exists() or path.is_symlink():  # a stale store, or a file in its place
            old = graph_store.cache_file(graph_dir, STORE_DIR, "old")
            path.rename(old)
            graph_store.remove_cache(old)
        tmp.rename(path)
        stamp_file.write_text(stamp)
        return ox.Store.read_only(str(path))
    except OSError:
        with contextlib.suppress(OSError):
            graph_store.remove_cache(tmp)
        return None


def _new_store(graph_dir: Path, stamp: str) -> ox.Store:
    """A store of the graph dir made from its export: on disk in the graph dir (by one
    process at a time, :func:`~celltx.graph.store.cache_lock`), or in memory where the graph
    dir cannot hold it. An export that had to go to a temporary file is deleted after."""
    from celltx.graph import store as graph_store

    for attempt in (1, 2):
        export = export_path(graph_dir, stamp)
        try:
            with graph_store.cache_lock(graph_dir, STORE_DIR):
                store = _made_store(graph_dir, stamp)  # by another process, while this waited
                if store is None:
                    store = _disk_store(graph_dir, stamp, export)
            if store is None:
                store = ox.Store()
                store.bulk_load(path=export, format=ox.RdfFormat.N_TRIPLES)
            return store
        except SyntaxError:  # a damaged export kept in the graph dir: made again, once
            if attempt == 2 or export != graph_dir / CACHE_FILE:
                raise
            (graph_dir / CACHE_STAMP).unlink(missing_ok=True)
        finally:
            if export != graph_dir / CACHE_FILE:
                export.unlink(missing_ok=True)
    raise AssertionError("unreachable")  # pragma: no cover


def store_for_dir(graph_dir: Path) -> ox.Store:
    """A store of the graph dir's RDF export (kept per process): the on-disk store cached in
    the graph dir (:data:`STORE_DIR`), or else the export loaded into memory."""
    stamp = _stamp(graph_dir)
    key = (str(graph_dir.resolve()), stamp)
    with _lock:
        if key not in _dir_stores:
            store = _made_store(graph_dir, stamp)
            if store is None:
                store = _new_store(graph_dir, stamp)
            _dir_stores.clear()
            _dir_stores[key] = store
        return _dir_stores[key]


# ---- running -----------------------------------------------------------------------------


def select_local(store: ox.Store, text: str) -> tuple[list[str], list[list[Any]]]:
    """Variables and rows (Python values) of a SELECT query on a pyoxigraph store."""
    solutions = store.query(text)
    if not isinstance(solutions, ox.QuerySolutions):
        raise ValueError("stored SPARQL questions must be SELECT queries")
    variables = [v.value for v in solutions.variables]
    return variables, [[python_value(s[i]) for i in range(len(variables))] for s in solutions]


def select_endpoint(endpoint: str, text: str, *, timeout: float = 60.0
                    ) -> tuple[list[str], list[list[Any]]]:
    """Variables and rows of a SELECT query sent to a SPARQL 1.1 endpoint (protocol POST)."""
    import urllib.error  # urllib.request (with http.client) takes 20 ms that a local store
    import urllib.parse  # does not need
    import urllib.request

    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"endpoint must be an http(s) URL, not {endpoint!r}")
    body = urllib.parse.urlencode({"query": text}).encode()
    request = urllib.request.Request(endpoint, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Accept": "application/sparql-results+json",
    })
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            payload = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace")
        raise SparqlEndpointError(f"{endpoint} answered HTTP {exc.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise SparqlEndpointError(f"cannot reach {endpoint}: {exc}") from None
    try:
        data = json.loads(payload)
        variables = list(data["head"]["vars"])
        bindings = data["results"]["bindings"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SparqlEndpointError(f"{endpoint} did not answer SPARQL JSON results: "
                                  f"{exc}") from None
    return variables, [[_json_value(b.get(v)) for v in variables] for b in bindings]


def run_sparql(query: SparqlQuery, params: Mapping[str, Any], *,
               graph_dir: Path | None = None, graph: TrialGraph | None = None,
               endpoint: str | None = None) -> tuple[list[str], list[list[Any]]]:
    """Answer a stored question with its SPARQL: at ``endpoint`` if given, else in-process on
    the RDF export of the graph built in ``graph_dir`` (its on-disk store, made once and kept
    beside the graph: :func:`store_for_dir`), or of ``graph`` when no ``graph_dir`` is given
    (an in-memory store, made on each first use)."""
    if query.sparql is None:
        raise ValueError(f"{query.name} has no stored SPARQL ({query.name}.rq)")
    text = bind_params(query.sparql, params)
    if endpoint is not None:
        variables, raw = select_endpoint(endpoint, text)
    else:
        if graph_dir is None and graph is not None:
            store = store_for_graph(graph)
        else:
            from celltx.graph import store as graph_store

            store = store_for_dir(graph_dir if graph_dir is not None
                                  else graph_store.default_dir())
        variables, raw = select_local(store, text)
    columns = list(query.columns)
    if len(variables) != len(columns):
        raise ValueError(f"{query.name}.rq selects {len(variables)} variables "
                         f"({', '.join(variables)}) for {len(columns)} columns")
    return columns, _shape_rows(variables, raw, list_columns(query.sparql))
