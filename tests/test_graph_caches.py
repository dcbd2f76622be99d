"""The caches that the query engines keep in a graph directory (the N-Triples export, the
on-disk RDF store, the embedded engine's dump): made once, by one process at a time, and never
left half-written.

Three ``celltx landscape`` run at once on a new graph failed in two of three: each wrote the
export into the same temporary file, and one moved it while another still wrote it. And where
the export could not be kept in the graph directory, writing it elsewhere raised a TypeError.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celltx.graph import store

from tests.mini_graph import build_mini_graph

QUESTION = ("import json, sys\nfrom pathlib import Path\n"
            "from celltx.queries.run import run_query\n"
            "r = run_query('trials_per_platform', engine=sys.argv[2],\n"
            "              graph_dir=Path(sys.argv[1]))\n"
            "print(json.dumps(r.rows))\n")


@pytest.fixture
def new_graph_dir(tmp_path: Path) -> Path:
    """A built graph directory whose caches are not made yet."""
    directory = tmp_path / "graph"
    store.save(build_mini_graph(), directory, stats={"trials": 7}, rejects=[], merges=[])
    return directory


def _ask(directory: Path, engine: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", QUESTION, str(directory), engine],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _answer(process: subprocess.Popen[str]) -> list[list[object]]:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    rows: list[list[object]] = json.loads(out)
    return rows


def test_processes_that_ask_a_new_graph_at_once_all_get_the_answer(
        new_graph_dir: Path) -> None:
    asked = [_ask(new_graph_dir, engine) for engine in ("sparql", "embedded") for _ in range(3)]
    answers = [_answer(p) for p in asked]
    assert answers[0] and all(a == answers[0] for a in answers)
    from celltx.graph.falkordb_engine import cached_dump
    from celltx.queries.sparql_engine import STORE_DIR, STORE_STAMP, _stamp

    assert cached_dump(new_graph_dir) is not None
    assert (new_graph_dir / STORE_DIR).is_dir()
    assert (new_graph_dir / STORE_STAMP).read_text() == _stamp(new_graph_dir)
    left = [p.name for p in new_graph_dir.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert left == []
    store.check_graph_dir(new_graph_dir)  # still a graph directory, to be rebuilt in place


@pytest.mark.parametrize("cache", store.CACHED)
def test_a_cache_is_made_by_one_process_at_a_time(new_graph_dir: Path, cache: str) -> None:
    """A process that finds a cache's lock held waits for it, and then uses what the holder
    made rather than making it again over it."""
    engine = "embedded" if cache.startswith("falkordb") else "sparql"
    with store.cache_lock(new_graph_dir, cache):
        asking = _ask(new_graph_dir, engine)
        time.sleep(2)  # long enough to make the mini graph's caches several times over
        assert asking.poll() is None, asking.communicate()
        assert not (new_graph_dir / cache).exists()
    assert _answer(asking)
    assert (new_graph_dir / cache).exists() and (new_graph_dir / f"{cache}.stamp").exists()


def test_an_export_that_cannot_be_kept_in_the_graph_dir_is_written_elsewhere(
        new_graph_dir: Path) -> None:
    import pyoxigraph as ox
    from celltx.queries.sparql_engine import CACHE_FILE, export_path

    (new_graph_dir / CACHE_FILE).mkdir()  # a folder in its place: the export cannot go there
    path = export_path(new_graph_dir)
    try:
        assert path != new_graph_dir / CACHE_FILE
        triples = list(ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES))
        assert len(triples) > 100
    finally:
        path.unlink()
    assert [p.name for p in new_graph_dir.iterdir() if ".tmp-" in p.name] == []


def test_a_store_made_from_an_export_kept_elsewhere_writes_it_once_and_deletes_it(
        new_graph_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the export cannot be kept in the graph dir, the store is made from one export
    in a temporary file, deleted once read (here the graph dir takes the store but not the
    export: a folder stands in its place). Before, the export was written twice (once for
    the on-disk store, again for the in-memory one) and both files were left behind."""
    import tempfile

    from celltx.graph import rdf_writer
    from celltx.queries.sparql_engine import CACHE_FILE, select_local, store_for_dir

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    written: list[Path] = []
    real = rdf_writer.write_rdf

    def counted(graph: object, path: Path, *args: object, **kwargs: object) -> object:
        written.append(Path(path))
        return real(graph, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rdf_writer, "write_rdf", counted)
    (new_graph_dir / CACHE_FILE).mkdir()  # a folder in its place: the export cannot go there
    store = store_for_dir(new_graph_dir)
    _, rows = select_local(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert rows[0][0] > 100
    assert len(written) == 1
    assert list(temporary.iterdir()) == []
    assert [p.name for p in new_graph_dir.iterdir() if ".tmp-" in p.name] == []


def test_a_file_where_the_store_belongs_is_replaced_and_leaves_nothing(
        new_graph_dir: Path) -> None:
    from celltx.queries.sparql_engine import STORE_DIR, store_for_dir

    (new_graph_dir / STORE_DIR).write_text("not a store")
    store_for_dir(new_graph_dir)
    assert (new_graph_dir / STORE_DIR).is_dir()
    left = [p.name for p in new_graph_dir.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert left == []


def test_a_file_system_without_locks_makes_the_cache_unlocked(
        new_graph_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``flock`` failing (ENOLCK, as on NFS mounted nolock) holds no lock, as where the lock
    file cannot be made, instead of a traceback from every question."""
    import errno
    import fcntl

    def no_locks(*_: object) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    with store.cache_lock(new_graph_dir, "celltx.nt"):
        entered = True
    assert entered


def _folder(path: Path) -> None:
    store.remove_cache(path)
    path.mkdir()


def _garbage(path: Path) -> None:
    store.remove_cache(path)
    path.write_bytes(b"garbage\n")


@pytest.mark.parametrize(("engine", "cache", "damage"), [
    ("embedded", "falkordb.rdb", _folder),
    ("embedded", "falkordb.rdb", _garbage),
    ("sparql", "celltx.nt", _garbage),
    ("sparql", "celltx.oxigraph", _garbage),
    ("sparql", "celltx.oxigraph", lambda p: (_folder(p), (p / "CURRENT").write_text("x"))),
])
def test_a_damaged_cache_with_a_current_stamp_is_made_again(
        new_graph_dir: Path, engine: str, cache: str, damage: object) -> None:
    """A cache whose stamp says it is of this graph but that cannot be read (a folder in the
    dump's place, a garbled dump, export or store) is made again, and the question answered.
    Before: IsADirectoryError and SyntaxError tracebacks, or a one-line error on every
    question ("Corruption: CURRENT file corrupted", "server exited at start-up")."""
    expected = _answer(_ask(new_graph_dir, "python"))
    assert _answer(_ask(new_graph_dir, engine)) == expected  # the caches made
    if cache == "celltx.nt":  # the store is made from the export: only a new store reads it
        store.remove_cache(new_graph_dir / "celltx.oxigraph")
    damage(new_graph_dir / cache)  # type: ignore[operator]
    assert _answer(_ask(new_graph_dir, engine)) == expected
    if cache == "falkordb.rdb":
        assert (new_graph_dir / cache).is_file()
    assert _answer(_ask(new_graph_dir, engine)) == expected  # and it is kept, made anew
