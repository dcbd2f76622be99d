"""Persisting a built graph in a directory, so that later commands need not re-read sources.

Layout of DIR: ``graph.json.gz`` (nodes and relationships, sorted, so a rebuild from the same
sources gives the same bytes), ``stats.json``, ``rejects.jsonl`` and ``merges.json``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # networkx and the graph model are imported by load(), not to name a path
    from celltx.graph.trial_graph import TrialGraph

GRAPH_FILE = "graph.json.gz"
STATS_FILE = "stats.json"
REJECTS_FILE = "rejects.jsonl"
MERGES_FILE = "merges.json"
DEFAULT_DIR = "celltx-graph"
GZIP_LEVEL = 6
ENV_VAR = "CELLTX_GRAPH"


class GraphDirError(Exception):
    """A graph directory that cannot be read; the message names the directory or file."""


class GraphNotFoundError(GraphDirError, FileNotFoundError):
    """No built graph: a file of the layout is missing."""


class DamagedGraphError(GraphDirError, ValueError):
    """A file of the layout exists but does not hold what ``save`` writes."""


def default_dir() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


LAYOUT = (GRAPH_FILE, STATS_FILE, REJECTS_FILE, MERGES_FILE)
CACHED = ("celltx.nt", "celltx.oxigraph", "falkordb.rdb")
"""What the query engines derive from a graph and keep beside it: the SPARQL engine's
N-Triples and on-disk store, the embedded Cypher engine's dump."""
CACHES = tuple(f"{name}{suffix}" for name in CACHED for suffix in ("", ".stamp", ".lock"))
"""Each cache with its stamp and lock file (:func:`cache_lock`): part of a graph directory,
so a rebuild into the same folder replaces them with the rest."""


def is_cache(name: str) -> bool:
    """Whether a graph directory's entry ``name`` is one of its caches, or a cache being made
    or let go (``NAME.tmp-…``, ``NAME.old-…``, left behind by a process that was killed)."""
    return name in CACHES or any(name.startswith((f"{c}.tmp-", f"{c}.old-")) for c in CACHED)


def cache_file(directory: Path, name: str, kind: str = "tmp") -> Path:
    """A name for a cache being made (``kind`` tmp) or let go (old), of this process and
    thread alone: two processes that make the same cache at once (with no lock to be had)
    never write into one file."""
    return directory / f"{name}.{kind}-{os.getpid()}-{threading.get_ident()}"


def remove_cache(path: Path) -> None:
    """Cache ``path`` gone, be it a folder (the RDF store) or a file (the export, the dump),
    or whatever stood in its place."""
    if path.is_dir() and not path.is_symlink():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


@contextmanager
def cache_lock(directory: Path, name: str) -> Iterator[None]:
    """Held while a process makes cache ``name`` of a graph directory, so that processes that
    ask a new graph their first questions at once make it one after the other (each looks
    again once it holds the lock, and finds it made). Where the lock file cannot be made (a
    read-only directory, where nothing is written anyway) or locks do not exist, nothing is
    held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        handle = open(directory / f"{name}.lock", "ab")  # noqa: SIM115 - held to the end
    except OSError:
        yield
        return
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:  # a file system without locks (NFS mounted nolock: ENOLCK)
            yield
            return
        yield  # (closing the file lets the lock go)


def check_graph_dir(directory: Path) -> None:
    """Raise ``OutputPathError`` unless ``directory`` can take a graph: a new or empty folder,
    or one holding a graph and nothing else (it is replaced as a whole)."""
    from celltx.outputs import OutputPathError, check_dir

    check_dir(directory)
    if directory.is_dir():
        other = sorted(p.name for p in directory.iterdir()
                       if p.name not in LAYOUT and not is_cache(p.name))
        if other:
            raise OutputPathError(
                f"{directory} holds files that are not a celltx graph ({', '.join(other[:3])}"
                f"{' …' if len(other) > 3 else ''}); give a new or empty folder with --out")


def save(graph: TrialGraph, directory: Path, *, stats: dict[str, Any],
         rejects: list[dict[str, Any]], merges: list[dict[str, Any]]) -> None:
    """Write the graph directory; the old one is replaced only once the new one is complete."""
    from celltx.gc_pause import gc_paused
    from celltx.outputs import atomic_dir

    check_graph_dir(directory)
    with gc_paused(), atomic_dir(directory) as tmp:
        _save(graph, tmp, stats=stats, rejects=rejects, merges=merges)


def _save(graph: TrialGraph, directory: Path, *, stats: dict[str, Any],
          rejects: list[dict[str, Any]], merges: list[dict[str, Any]]) -> None:
    nodes = [{"nid": n, **d} for n, d in sorted(graph.g.nodes(data=True))]
    edges = sorted(({"start": s, "end": e, "key": k, **d}
                    for s, e, k, d in graph.g.edges(keys=True, data=True)),
                   key=lambda x: (x["start"], x["end"], x["key"]))
    payload = json.dumps({"nodes": nodes, "edges": edges}, ensure_ascii=False,
                         sort_keys=True, separators=(",", ":")).encode()
    # level 6 (zlib's default) takes half the time of 9 for a file ~2% larger
    with open(directory / GRAPH_FILE, "wb") as raw, gzip.GzipFile(
            fileobj=raw, mode="wb", mtime=0, filename="", compresslevel=GZIP_LEVEL) as gz:
        gz.write(payload)
    (directory / STATS_FILE).write_text(dumps(stats), encoding="utf-8")
    (directory / MERGES_FILE).write_text(dumps(merges), encoding="utf-8")
    with open(directory / REJECTS_FILE, "w", encoding="utf-8") as fh:
        for r in rejects:
            fh.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")


def _require(directory: Path, name: str) -> Path:
    path = directory / name
    if not path.exists():
        raise GraphNotFoundError(
            f"no built graph in {directory} (missing {name}); run `celltx build` first, "
            f"or point --graph / ${ENV_VAR} at a graph directory"
        )
    return path


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn what a damaged file raises into one error naming the file."""
    try:
        yield
    except (OSError, EOFError, UnicodeDecodeError, ValueError, KeyError, TypeError,
            AttributeError) as exc:
        raise DamagedGraphError(f"{path} cannot be read ({type(exc).__name__}: {exc}); "
                                "rebuild the graph with `celltx build`") from exc


GRAPH_FORMAT = 4
"""What a graph directory's facts mean, raised when a build states something new that the
questions rely on (2: each condition names its broader ones, which a question about a condition
counts; 3: each product is TESTED_IN its conditions, which the questions that pair a product
with a condition ask; 4: a start moved years past the trial's registration is no start, which
the start-year question counts). A graph of another format, or built with other vocabulary tables,
still loads; :func:`stale_note` says to build it again."""


def built_with() -> dict[str, Any]:
    """What a build records of the code that made it (``stats.json``'s ``built_with``)."""
    return {"graph_format": GRAPH_FORMAT, "vocabulary": tables_digest()}


def tables_digest() -> str:
    """A digest of the vocabulary tables (the ``*.tsv`` files of ``celltx.ontology``): a graph
    built with other tables may name other terms. (Read here, not through
    ``celltx.ontology.vocab``, so that a question's fast path imports no record models.)"""
    from importlib import resources

    h = hashlib.sha256()
    tables = resources.files("celltx.ontology")
    for name in sorted(t.name for t in tables.iterdir() if t.name.endswith(".tsv")):
        h.update(name.encode() + b"\0" + tables.joinpath(name).read_bytes())
    return h.hexdigest()[:16]


def stale_note(directory: Path) -> str | None:
    """Why the graph in ``directory`` may answer otherwise than a new build would (None when
    it was built by this graph format and vocabulary, or cannot be told)."""
    try:
        stats = json.loads((directory / STATS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # (no graph, or a damaged one: the command that reads it says so)
    # a build's stats without the record is a build of graph format 1
    built = stats.get("built_with", {} if "records_read" in stats else None) if isinstance(
        stats, dict) else None
    if not isinstance(built, dict):
        return None
    now = built_with()
    if built.get("graph_format") != now["graph_format"]:
        return (f"the graph in {directory} was built by an earlier celltx (graph format "
                f"{built.get('graph_format', 1)}, now {now['graph_format']}); some answers "
                f"(a condition's narrower conditions, the conditions a product is tested "
                f"in) need `celltx build` again")
    if built.get("vocabulary") != now["vocabulary"]:
        return (f"the graph in {directory} was built with other vocabulary tables; "
                f"`celltx build` again to answer with the current ones")
    return None


def graph_file(directory: Path) -> Path:
    """The graph file of a built graph directory (:class:`GraphNotFoundError` if none)."""
    return _require(directory, GRAPH_FILE)


def load(directory: Path) -> TrialGraph:
    import networkx as nx
    from celltx.graph.trial_graph import TrialGraph

    path = graph_file(directory)
    with _reading(path):
        with gzip.open(path, "rb") as fh:
            data = json.loads(fh.read())
        g = nx.MultiDiGraph()
        for node in data["nodes"]:
            nid = node.pop("nid")
            g.add_node(nid, **node)
        for edge in data["edges"]:
            g.add_edge(edge.pop("start"), edge.pop("end"), key=edge.pop("key"), **edge)
    return TrialGraph(g)


STATS_SHAPE: dict[str, type] = {"records_read": int, "trials": int, "duplicates_merged": int,
                                "rejects": int, "cell_therapy_trials": int, "sources": list,
                                "nodes": dict, "edges": dict}
"""What ``celltx stats`` reads of ``stats.json`` (``celltx build`` writes more)."""
SOURCE_SHAPE: dict[str, type] = {"path": str, "records": int, "rejects": int}
MERGE_SHAPE: dict[str, type] = {"nct_id": str, "sources": list, "evidence": list}
REJECT_SHAPE: dict[str, type] = {"path": str, "reason": str}


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "an array", str: "a string", bool: "true or false",
             type(None): "null", int: "a number", float: "a number"}
    return kinds.get(type(value), type(value).__name__)


def _shaped(value: Any, shape: dict[str, type], what: str, *, complete: bool = True) -> Any:
    """``value`` if it is an object holding a value of each type of ``shape`` (those it has,
    unless ``complete``); else ValueError saying what is wrong (a graph file edited by hand,
    or written by something else)."""
    if not isinstance(value, dict):
        raise ValueError(f"{what} is {_json_kind(value)}, not an object")
    wrong = [key for key, kind in shape.items() if (complete or key in value) and (
        not isinstance(value.get(key), kind) or (kind is int and isinstance(value[key], bool)))]
    if wrong:
        raise ValueError(f"{what} has no {', '.join(wrong)} of the right kind")
    return value


def _listed(value: Any, shape: dict[str, type], what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"{what} is {_json_kind(value)}, not an array")
    return [_shaped(item, shape, f"{what} item {i + 1}") for i, item in enumerate(value)]


def _load_json(directory: Path, name: str, check: Callable[[Any], Any]) -> Any:
    path = _require(directory, name)
    with _reading(path):
        return check(json.loads(path.read_text(encoding="utf-8")))


def load_stats(directory: Path, *, complete: bool = False) -> dict[str, Any]:
    """``stats.json``; what it holds of :data:`STATS_SHAPE` is checked (all of it if
    ``complete``, as ``celltx stats`` prints it all)."""
    def check(value: Any) -> dict[str, Any]:
        _shaped(value, STATS_SHAPE, "the file", complete=complete)
        if "sources" in value:
            _listed(value["sources"], SOURCE_SHAPE, "sources")
        return value  # type: ignore[no-any-return]

    return _load_json(directory, STATS_FILE, check)  # type: ignore[no-any-return]


def load_rejects(directory: Path) -> list[dict[str, Any]]:
    path = _require(directory, REJECTS_FILE)
    with _reading(path), open(path, encoding="utf-8") as fh:
        return [_shaped(json.loads(line), REJECT_SHAPE, f"line {n}")
                for n, line in enumerate(fh, start=1) if line.strip()]


def load_merges(directory: Path) -> list[dict[str, Any]]:
    return _load_json(directory, MERGES_FILE,  # type: ignore[no-any-return]
                      lambda value: _listed(value, MERGE_SHAPE, "the file"))
