"""The command line starts at once: what a fresh process imports, not how long it takes.

Issue 13, item 7. Timings vary with the machine (``python bench/bench_cli.py`` measures them);
what is checked here is the cause: the typer application (``from celltx.cli import app``) and
``celltx --help`` must not pull in the graph model, the pipeline and annotator, rdflib or the
servers' clients, and answering a stored question must not import the annotator or rdflib
either. (``celltx --help`` and ``celltx query`` from a fresh process import less still, not even
typer: ``tests/test_cli_fast.py``.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("networkx", "rdflib", "pyshacl", "pandas", "neo4j", "falkordb", "redis", "pydantic",
         "rich.progress", "celltx.graph.trial_graph", "celltx.pipeline", "celltx.models",
         "celltx.ontology.annotate", "celltx.ontology.vocab", "celltx.graph.rdf_writer",
         "celltx.queries.catalogue", "celltx.loaders.ctgov_api")
"""Modules that importing the typer application and ``celltx --help`` must leave unimported."""

NOT_FOR_A_QUESTION = ("celltx.ontology.annotate", "celltx.pipeline", "rdflib", "pyshacl",
                      "networkx", "celltx.graph.trial_graph")
"""Modules that answering a stored question from a built graph directory (its engine caches
made) must not import."""


def _modules_after(code: str) -> set[str]:
    """The names in ``sys.modules`` of a fresh interpreter after running ``code``."""
    probe = (f"{code}\nimport json, sys\n"
             "sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n')")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=120)
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):]))


def _run_cli(*args: str) -> str:
    return ("import sys\nfrom celltx.cli import app\n"
            f"try:\n    app({list(args)!r}, prog_name='celltx')\n"
            "except SystemExit as exc:\n    assert not exc.code, exc.code\n")


def test_importing_the_command_line_imports_nothing_heavy() -> None:
    loaded = _modules_after("from celltx.cli import app")
    assert "typer" in loaded  # the probe works
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_help_imports_nothing_heavy() -> None:
    loaded = _modules_after(_run_cli("--help"))
    assert "celltx.cli.query" in loaded
    assert sorted(m for m in HEAVY if m in loaded) == []


@pytest.mark.parametrize("engine", ["embedded", "sparql"])
def test_a_stored_question_imports_neither_the_annotator_nor_rdflib(
        sample_graph_dir: Path, engine: str) -> None:
    code = _run_cli("query", "trials_per_platform", "--graph", str(sample_graph_dir),
                    "--engine", engine, "--json")
    # the first question on a graph dir makes the engine's cache from the graph (networkx);
    # the next ones start from the cache
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
    loaded = _modules_after(code)
    assert "celltx.queries.run" in loaded
    assert sorted(m for m in NOT_FOR_A_QUESTION if m in loaded) == []


def test_the_constants_repeated_for_help_match_their_modules() -> None:
    from importlib import metadata

    from celltx.graph import rdf_writer
    from celltx.loaders import ctgov_api
    from celltx.queries import run
    from celltx.queries.catalogue import load_catalogue
    from celltx.queries.names import ENGINES, query_names

    import celltx
    from celltx.cli import fetch, rdf

    assert rdf.DEFAULT_BASE == rdf_writer.DEFAULT_BASE
    assert (fetch.DEFAULT_BASE_URL, fetch.BASE_URL_ENV) == (ctgov_api.DEFAULT_BASE_URL,
                                                           ctgov_api.BASE_URL_ENV)
    assert celltx.__version__ == metadata.version("celltx")
    assert query_names() == sorted(load_catalogue())
    assert run.ENGINES is ENGINES


def test_the_sparql_store_is_kept_on_disk_and_reopened(sample_graph_dir: Path) -> None:
    """A second process opens the graph dir's pyoxigraph store instead of parsing the export."""
    from celltx.queries.sparql_engine import STORE_DIR, STORE_STAMP

    code = _run_cli("query", "trials_per_platform", "--graph", str(sample_graph_dir),
                    "--engine", "sparql", "--json")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
    assert (sample_graph_dir / STORE_DIR).is_dir()
    stamp = (sample_graph_dir / STORE_STAMP).read_text()
    again = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                           text=True, timeout=300)
    assert (sample_graph_dir / STORE_STAMP).read_text() == stamp
    rows = json.loads(again.stdout)["rows"]
    assert rows and all(isinstance(n, int) for _, n in rows)


def test_a_graph_that_was_queried_can_be_rebuilt_in_place(tmp_path: Path) -> None:
    """The engines' caches kept in a graph directory are part of it: after a stored question on
    each engine, building into the same folder replaces the graph instead of refusing it."""
    from celltx.graph import store
    from celltx.graph.falkordb_engine import DUMP_FILE, DUMP_STAMP
    from celltx.queries.sparql_engine import CACHE_FILE, CACHE_STAMP, STORE_DIR, STORE_STAMP

    assert {CACHE_FILE, STORE_DIR, DUMP_FILE} == set(store.CACHED)
    assert {CACHE_STAMP, STORE_STAMP, DUMP_STAMP} < set(store.CACHES)
    out = tmp_path / "graph"
    left = (f"{CACHE_FILE}.tmp-12-34", f"{STORE_DIR}.old-12-34")  # by a process killed
    for name in (*store.LAYOUT, *store.CACHES, *left):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text("x")
    store.check_graph_dir(out)  # a graph and its caches: may be replaced
    (out / "notes.txt").write_text("mine")
    with pytest.raises(Exception, match="not a celltx graph"):
        store.check_graph_dir(out)
