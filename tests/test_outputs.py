"""Output paths (issue 12, classes 7 and 8): one check and one clear line for every bad path,
and no failed, empty or strict-failing build ever replaces the graph that was there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celltx.graph import store

from celltx.outputs import OutputPathError, atomic_dir, atomic_file, check_dir, check_file

STUDY = Path(__file__).parent / "fixtures" / "ctgov_v2" / "NCT03198052_latest.json"


def celltx(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "celltx", *args], capture_output=True,
                          text=True, timeout=300)


def one_line_failure(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "graph"
    proc = celltx("build", str(STUDY), "--out", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    return out


def test_build_out_paths_that_cannot_be_a_graph_folder(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    for out, words in ((a_file, ("a-file", "is a file")), (Path("/dev/null"), ("/dev/null",)),
                       (Path("/proc/x"), ("/proc",)), (a_file / "child", ("is a file",)),
                       (tmp_path / "busy", ("notes.txt", "not a celltx graph"))):
        one_line_failure(celltx("build", str(STUDY), "--out", str(out)), *words)
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


def test_export_report_and_guide_paths(built: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    one_line_failure(celltx("export", "rdf", str(tmp_path), "--graph", str(built)),
                     "is a folder")
    one_line_failure(celltx("report", str(tmp_path), "--graph", str(built)), "is a folder")
    one_line_failure(celltx("export", "neo4j-csv", str(a_file), "--graph", str(built)),
                     "is a file")
    one_line_failure(celltx("export", "neo4j-guide", str(tmp_path), "--graph", str(built)),
                     "is a folder")
    one_line_failure(celltx("fetch", str(a_file), "--query-intr", "CAR-NK"), "is a file")
    one_line_failure(celltx("export", "rdf", str(a_file / "x.ttl"), "--graph", str(built)),
                     "is a file, not a folder")
    # a missing folder is named, not created (a typo more often than a wish)
    one_line_failure(celltx("export", "rdf", str(tmp_path / "new" / "g.nt"), "--graph",
                            str(built)), "does not exist")
    one_line_failure(celltx("report", str(tmp_path / "new" / "r.html"), "--graph", str(built)),
                     "does not exist")
    (tmp_path / "new").mkdir()
    done = celltx("export", "rdf", str(tmp_path / "new" / "g.nt"), "--graph", str(built))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "new" / "g.nt").stat().st_size > 1000
    assert not [p for p in (tmp_path / "new").iterdir() if p.name.startswith(".")]


def test_a_file_written_from_a_graph_never_goes_into_its_folder(built: Path) -> None:
    """``celltx report G/stats.json`` replaced the graph's own stats (and ``export rdf
    G/graph.json.gz`` its graph file): a file output inside the graph folder read is refused,
    and the graph is left as it was."""
    before = {p.name: p.read_bytes() for p in built.iterdir() if p.is_file()}
    for args in (["report", str(built / "stats.json")],
                 ["export", "rdf", str(built / "graph.json.gz")],
                 ["export", "neo4j-guide", str(built / "guide.html")]):
        one_line_failure(celltx(*args, "--graph", str(built)), "inside the graph folder",
                         str(built))
    assert {p.name: p.read_bytes() for p in built.iterdir() if p.is_file()} == before


def test_a_build_that_finds_nothing_keeps_the_old_graph(built: Path, tmp_path: Path) -> None:
    before = (built / store.GRAPH_FILE).read_bytes()
    junk = tmp_path / "junk.txt"
    junk.write_text("just some words, no trial here\n" * 5)
    one_line_failure(celltx("build", str(junk), "--out", str(built), "--keep-going"),
                     "no trials found", "--allow-empty")
    assert (built / store.GRAPH_FILE).read_bytes() == before
    # --strict: a reject fails the build and keeps the old graph too
    bad = json.loads(STUDY.read_text())
    bad["protocolSection"]["designModule"]["phases"] = ["PHASE7"]
    (tmp_path / "mixed.json").write_text(json.dumps([json.loads(STUDY.read_text()), bad]))
    one_line_failure(celltx("build", str(tmp_path / "mixed.json"), "--out", str(built),
                            "--strict"), "1 records rejected", "--strict")
    assert (built / store.GRAPH_FILE).read_bytes() == before
    empty = tmp_path / "empty-graph"
    done = celltx("build", str(junk), "--out", str(empty), "--keep-going", "--allow-empty",
                  "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["trials"] == 0


def test_the_output_folder_inside_the_input_folder_is_not_read(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "study.json").write_bytes(STUDY.read_bytes())
    out = tmp_path / "in" / "graph"
    for _ in range(2):
        proc = celltx("build", str(tmp_path / "in"), "--out", str(out), "--json")
        assert proc.returncode == 0, proc.stderr
        stats = json.loads(proc.stdout)
        assert stats["records_read"] == 1 and stats["files"] == 1


def test_an_interrupted_save_leaves_the_old_graph(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from celltx.pipeline import build

    result = build([STUDY])
    out = tmp_path / "g"
    store.save(result.graph, out, stats=result.stats, rejects=[], merges=[])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store, "_save", broken)
    with pytest.raises(OSError, match="disk full"):
        store.save(result.graph, out, stats=result.stats, rejects=[], merges=[])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["g"]  # no temporary folder left


def test_atomic_helpers(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert target.read_text() == "old" and len(list(tmp_path.iterdir())) == 1
    with atomic_file(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new"
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    folder = tmp_path / "d"
    with atomic_dir(folder) as tmp:
        (tmp / "a").write_text("1")
    with atomic_dir(folder) as tmp:
        (tmp / "b").write_text("2")
    assert [p.name for p in folder.iterdir()] == ["b"]
    with pytest.raises(OutputPathError, match="is a file"):
        check_dir(target)
    with pytest.raises(OutputPathError, match="is a folder"):
        check_file(folder)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
