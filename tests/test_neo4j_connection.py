"""A Neo4j server that is not there, or not a Bolt URI: one line, in seconds (issue 12,
class 10)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celltx.graph.neo4j_connection import ServerError, open_driver


def _closed_port() -> int:
    with socket.socket() as s:  # bound then closed: nothing listens there
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("g") / "graph"
    study = Path(__file__).parent / "fixtures" / "ctgov_v2" / "NCT03198052_latest.json"
    done = subprocess.run([sys.executable, "-m", "celltx", "build", str(study), "--out",
                           str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.parametrize("command", ["query", "push"])
@pytest.mark.parametrize("scheme", ["bolt", "http"])
def test_no_server_fails_fast_with_one_line(graph_dir: Path, command: str, scheme: str) -> None:
    uri = f"{scheme}://127.0.0.1:{_closed_port()}"
    args = (["query", "dual_target_constructs", "--engine", "neo4j", "--endpoint", uri]
            if command == "query" else ["push", "--uri", uri])
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "celltx", *args, "--graph", str(graph_dir)],
                          capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 5
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and uri in lines[0], proc.stderr
    assert ("cannot reach" if scheme == "bolt" else "not a Bolt URI") in lines[0]


def test_open_driver_raises_server_error() -> None:
    with pytest.raises(ServerError, match="cannot reach"):
        open_driver(f"bolt://127.0.0.1:{_closed_port()}", None)
    with pytest.raises(ServerError, match="not a Bolt URI"):
        open_driver("localhost:7687", None)
    with pytest.raises(ServerError, match="Port out of range"):  # was taken as port 34463
        open_driver("bolt://127.0.0.1:99999", None)


def test_push_without_a_password_or_a_terminal_fails_at_once(graph_dir: Path) -> None:
    """With a user, no $NEO4J_PASSWORD and stdin not a terminal (a script, a pipe held open),
    push waited for ever at a password prompt; it fails in one line saying what to set."""
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}
    with subprocess.Popen([sys.executable, "-m", "celltx", "push", "--uri",
                           f"bolt://127.0.0.1:{_closed_port()}", "-u", "neo4j", "--graph",
                           str(graph_dir)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, env=env) as proc:
        try:
            proc.wait(timeout=30)  # stdin held open, as a pipe from a process still running
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.stderr is not None
        err = proc.stderr.read()
    assert proc.returncode == 1 and "Traceback" not in err
    assert "set $NEO4J_PASSWORD" in err
