from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def shared_corpus() -> Path:
    corpus = SHARED / "corpus"
    if not corpus.exists():
        pytest.skip("../shared/corpus is not present (tests of the whole corpus only)")
    return corpus


# ---- graphs and the embedded Cypher engine, built once per session (queries helper) ----------

@pytest.fixture(scope="session")
def sample_graph_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample built once into a temporary graph directory."""
    from celltx.graph import store

    from celltx.build import build

    directory = tmp_path_factory.mktemp("sample-graph")
    result = build()
    store.save(result.graph, directory, stats=result.stats,
               rejects=[r.model_dump(mode="json") for r in result.rejects],
               merges=result.merges)
    return directory


@pytest.fixture(scope="session")
def sample_graph(sample_graph_dir: Path):  # type: ignore[no-untyped-def]
    from celltx.graph import store

    return store.load(sample_graph_dir)


@pytest.fixture(scope="session")
def mini_graph():  # type: ignore[no-untyped-def]
    from tests.mini_graph import build_mini_graph

    return build_mini_graph()


@pytest.fixture(scope="session")
def embedded_engine(mini_graph, sample_graph):  # type: ignore[no-untyped-def]
    """One FalkorDB child process for the session, holding graphs "mini" and "sample"."""
    from celltx.graph.falkordb_engine import EmbeddedEngine

    with EmbeddedEngine() as engine:
        engine.load(mini_graph, graph="mini")
        engine.load(sample_graph, graph="sample")
        yield engine
