"""A real SPARQL 1.1 endpoint: an Oxigraph server on loopback, loaded with the export, answers
every stored question over HTTP as the in-process engine does."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celltx.graph.rdf_writer import write_rdf
from celltx.queries.catalogue import load_catalogue
from celltx.queries.compare import same_answer
from celltx.queries.sparql_engine import SparqlEndpointError, run_sparql, select_endpoint

from tests.test_agreement import cases

pytestmark = pytest.mark.server
CATALOGUE = load_catalogue()


def _oxigraph() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        pytest.skip("the oxigraph server CLI is not installed (pip install oxigraph)")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(binary: str, location: Path, files: list[Path]) -> Iterator[str]:
    for f in files:
        subprocess.run([binary, "load", "--location", str(location), "--file", str(f)],
                       check=True, capture_output=True, timeout=300)
    port = _free_port()
    proc = subprocess.Popen([binary, "serve-read-only", "--location", str(location),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    endpoint = f"http://127.0.0.1:{port}/query"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                select_endpoint(endpoint, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", timeout=2)
                break
            except SparqlEndpointError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read().decode() if proc.stderr else ""
                    pytest.fail(f"oxigraph server did not start: {err}")
                time.sleep(0.1)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def endpoints(mini_graph: Any, sample_graph: Any,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Two servers (mini graph, sample), each loaded from a file of the export."""
    binary = _oxigraph()
    tmp = tmp_path_factory.mktemp("oxigraph")
    mini_file, sample_file = tmp / "mini.ttl", tmp / "sample.nt"
    write_rdf(mini_graph, mini_file, "ttl")
    write_rdf(sample_graph, sample_file, "nt")
    mini = _serve(binary, tmp / "mini-db", [mini_file])
    sample = _serve(binary, tmp / "sample-db", [sample_file])
    try:
        yield {"mini": next(mini), "sample": next(sample)}
    finally:
        mini.close()
        sample.close()


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_endpoint_answers_as_in_process(name: str, endpoints: dict[str, str], mini_graph: Any,
                                        sample_graph: Any) -> None:
    q = CATALOGUE[name]
    non_empty = 0
    for label, graph, per_param in (("mini", mini_graph, None), ("sample", sample_graph, 1)):
        for params in cases(name, per_param=per_param):
            _, remote = run_sparql(q, params, endpoint=endpoints[label])
            _, local = run_sparql(q, params, graph=graph)
            assert same_answer(remote, local), (label, params, remote[:3], local[:3])
            non_empty += bool(remote)
    assert non_empty


def test_server_listens_on_loopback_only(endpoints: dict[str, str]) -> None:
    for url in endpoints.values():
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url.rsplit("/", 1)[0] + "/", timeout=5) as response:
            assert response.status == 200


def test_endpoint_errors_are_reported(endpoints: dict[str, str]) -> None:
    with pytest.raises(SparqlEndpointError, match="HTTP 400"):
        select_endpoint(endpoints["mini"], "SELECT WHERE {")
    with pytest.raises(SparqlEndpointError, match="cannot reach"):
        select_endpoint(f"http://127.0.0.1:{_free_port()}/query", "ASK {}", timeout=2)
