"""Reading a bulk download in forked workers gives the build that one process gives: the same
trials, counts, rejects, merges and per-archive tallies, with runs of ruled-out members folded
into one result each (``SourceResult.folds``) on the way."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from celltx.loaders import sources

from celltx import reading
from celltx.pipeline import BuildError, build
from celltx.reading import SourceResult

LABELLED = Path(__file__).parent / "labelled" / "trials.jsonl"


def _studies() -> list[dict[str, Any]]:
    return [json.loads(line)["study"]
            for line in LABELLED.read_text(encoding="utf-8").splitlines()]


def _kept() -> list[str]:
    """Five trials that a build keeps."""
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in _studies()[:5]]


def _bulk_zip(tmp_path: Path) -> Path:
    """Per-study members in NCT-prefix folders, as the bulk download lays them out; among them
    a damaged member, and a run of sparse records (a title and no more) that the prefilter
    rules out alone, five of them second records of kept trials, which the build must read
    again from where the folded run says they are."""
    studies = _studies()
    sparse = [{"protocolSection": {"identificationModule": {
        "nctId": f"NCT0{9000000 + i}", "briefTitle": f"Aspirin after stroke, part {i}"}}}
        for i in range(37)]
    for at, nct in zip((3, 11, 16, 25, 33), _kept(), strict=True):  # inside runs, not at starts
        sparse.insert(at, {"protocolSection": {"identificationModule": {
            "nctId": nct, "briefTitle": "Follow-up of the same trial"}}})
    path = tmp_path / "ctg-all.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for study in studies:
            nct = study["protocolSection"]["identificationModule"]["nctId"]
            z.writestr(f"{nct[:7]}xxxx/{nct}.json", json.dumps(study))
        # members are read in name order: the sparse ones come last, as one long run
        for i, study in enumerate(sparse):
            z.writestr(f"NCT0900xxxx/NCT0{9000000 + i}.json", json.dumps(study))
        z.writestr("NCT0400xxxx/broken.json", '{"protocolSection": {')
    return path


def _summary(path: Path) -> dict[str, Any]:
    result = build([path], keep_going=True)
    return {"stats": result.stats,
            "trials": sorted(d["id"] for _, d in result.graph.nodes("Trial")),
            "rejects": [r.model_dump() for r in result.rejects],
            "merges": result.merges}


def test_forked_readers_build_what_one_process_builds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _bulk_zip(tmp_path)
    monkeypatch.setattr(reading, "PARALLEL_MIN_SOURCES", 20)
    monkeypatch.setattr(reading, "BATCH", 9)  # batches end inside runs of ruled-out members
    monkeypatch.setenv("CELLTX_WORKERS", "2")
    forked = _summary(path)
    monkeypatch.setenv("CELLTX_WORKERS", "1")
    alone = _summary(path)
    assert forked == alone
    stats = forked["stats"]
    assert stats["out_of_scope"] >= 40 and stats["rejects"] == 1 and stats["trials"] > 100
    assert stats["records_read"] == (stats["trials"] + stats["duplicates_merged"]
                                     + stats["rejects"] + stats["out_of_scope"])
    [archive] = [s for s in stats["sources"] if s["path"].endswith("ctg-all.zip")]
    assert archive["members"] == len(_studies()) + 37 + 5 + 1
    merged = {m["nct_id"] for m in forked["merges"] if len(m["sources"]) == 2}
    assert merged >= set(_kept())


def _result(path: str, screened: int = 1, kept: bool = False) -> SourceResult:
    out = SourceResult(path=path, fmt="ctgov_v2_json", records=screened, out_of_scope=screened,
                       screened=[(0, f"NCT0000000{i}", i) for i in range(screened)])
    if kept:
        out.out_of_scope -= 1
        out.screened.pop()
        out.kept.append(object())  # type: ignore[arg-type]  # only its presence counts
    return out


def test_a_run_folds_only_ruled_out_members_of_one_archive() -> None:
    run = _result("a.zip!x/1.json")
    assert run.folds(_result("a.zip!x/2.json", screened=2))
    assert (run.sources, run.records, run.out_of_scope) == (2, 3, 3)
    # offsets say which source of the run each ruled-out record came from
    assert [(offset, index) for offset, _, index in run.screened] == [(0, 0), (1, 0), (1, 1)]
    assert not run.folds(_result("b.zip!x/3.json"))  # another archive
    assert not run.folds(_result("a.zip!x/4.json", kept=True))  # a member with a kept record
    assert not _result("a.json").folds(_result("b.json"))  # plain files are tallied one by one
    other_format = _result("a.zip!x/5.json")
    other_format.fmt = "ctgov_xml"
    assert not run.folds(other_format)
    assert run.sources == 2


def test_small_members_read_in_one_piece_are_the_bytes_zipfile_reads(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    texts = {"stored.json": b'{"a": 1}', "deflated.json": b'{"b": "x"}' * 500,
             "empty.json": b"", "large.json": b" " * (sources.SMALL_MEMBER + 1)}
    with zipfile.ZipFile(path, "w") as z:
        for name, data in texts.items():
            z.writestr(name, data, zipfile.ZIP_STORED if name == "stored.json"
                       else zipfile.ZIP_DEFLATED)
    read = {s.path.split("!")[1]: s.open().read() for s in sources.iter_sources([path])}
    assert read == texts


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_a_damaged_member_is_a_reject_naming_it(tmp_path: Path, method: int) -> None:
    path = tmp_path / "bulk.zip"
    study = json.dumps(_studies()[0]).encode()
    with zipfile.ZipFile(path, "w", method) as z:
        z.writestr("NCT0000xxxx/good.json", study)
        z.writestr("NCT0000xxxx/hurt.json", study)
    data = bytearray(path.read_bytes())
    at = data.index(b"hurt.json") + len("hurt.json") + 40  # in the member's data
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    result = build([path], keep_going=True)
    [reject] = result.rejects
    assert reject.path.endswith("bulk.zip!NCT0000xxxx/hurt.json")
    assert "unreadable" in reject.reason
    assert result.stats["trials"] == 1


@pytest.mark.parametrize("forked", [False, True])
def test_a_zip_with_a_damaged_directory_is_one_named_error_or_one_reject(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forked: bool) -> None:
    if forked:  # a forked reader reopens the file by name: the same error
        monkeypatch.setattr(reading, "PARALLEL_MIN_SOURCES", 1)
        monkeypatch.setenv("CELLTX_WORKERS", "2")
    path = tmp_path / "bulk.zip"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(3):
            z.writestr(f"NCT0000xxxx/{i}.json", json.dumps(_studies()[i]))
    data = bytearray(path.read_bytes())
    data[data.index(b"PK\x01\x02") + 2] ^= 0xFF  # the first directory entry's signature
    path.write_bytes(bytes(data))
    assert zipfile.is_zipfile(path)  # its end record is whole: only opening it fails
    with pytest.raises(BuildError) as caught:
        build([path])
    assert str(caught.value).startswith(f"{path}: damaged zip archive:")
    assert "\n" not in str(caught.value)
    result = build([path], keep_going=True, progress=lambda _p: None)
    [reject] = result.rejects
    assert reject.path == str(path) and "damaged zip archive" in reject.reason
    assert result.stats["records_read"] == 1


def test_a_truncated_zip_and_a_zip_inside_one_are_named_as_such(tmp_path: Path) -> None:
    """A bulk download cut short has lost its directory, which a zip keeps at its end: it was
    read as one file, and its members' names (NCT….json) made it a registry page that named
    several trials. It is one error that says it is truncated (a reject with --keep-going); a
    zip inside an archive is a reject that says nested archives are not read."""
    whole = tmp_path / "bulk.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as z:
        for i, study in enumerate(_studies()[:3]):
            z.writestr(f"NCT0000xxxx/NCT0000000{i}.json", json.dumps(study))
    cut = tmp_path / "cut.zip"
    cut.write_bytes(whole.read_bytes()[:len(whole.read_bytes()) * 2 // 3])
    assert not zipfile.is_zipfile(cut)
    with pytest.raises(BuildError) as caught:
        build([cut])
    assert str(caught.value).startswith(f"{cut}: a zip archive without its directory")
    assert "truncated" in str(caught.value) and "\n" not in str(caught.value)
    [reject] = build([cut], keep_going=True).rejects
    assert reject.path == str(cut) and "truncated" in reject.reason
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as z:
        z.write(whole, "inner.zip")
        z.writestr("NCT0000xxxx/NCT00000009.json", json.dumps(_studies()[3]))
    result = build([nested], keep_going=True, scope="all")
    [reject] = result.rejects
    assert reject.path == f"{nested}!inner.zip" and "nested archives are not read" in reject.reason
    assert result.stats["trials"] == 1


def _member_zip(path: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return path


def test_a_member_whose_header_names_another_file_is_refused_as_zipfile_refuses_it(
        tmp_path: Path) -> None:
    path = _member_zip(tmp_path / "a.zip", "NCT1.json", b"{}")
    data = bytearray(path.read_bytes())
    data[data.index(b"NCT1.json")] = ord("X")  # the local header's name, not the directory's
    path.write_bytes(bytes(data))
    [source] = sources.iter_sources([path])
    with pytest.raises(zipfile.BadZipFile, match="differ"):
        source.open()


def test_a_member_is_inflated_no_further_than_its_stated_size(tmp_path: Path) -> None:
    path = _member_zip(tmp_path / "a.zip", "bomb.json", b" " * (8 << 20))
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")  # the stated size, in the directory: 100 bytes
    data[central + 24:central + 28] = (100).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    [source] = sources.iter_sources([path])
    with pytest.raises(zipfile.BadZipFile, match="CRC or size"):
        source.open()


def test_a_forked_reader_uses_the_parents_directory_with_its_own_handle(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("small.json", b'{"a": 1}')
        z.writestr("large.json", b" " * (sources.SMALL_MEMBER + 1))
    members = list(sources.iter_sources([path]))  # the parent's archive, open while reading
    assert members[1].open().read() == b'{"a": 1}'
    parent = sources._ARCHIVES[str(path)]
    parent_raw = parent._raw
    monkeypatch.setattr(sources.os, "getpid", lambda: -1)  # now in a forked reader
    opened: list[Path] = []
    monkeypatch.setattr(sources, "_Archive", lambda p: opened.append(p))  # no new directory
    small = sources.reopen(f"{path}!small.json")
    assert small.open().read() == b'{"a": 1}'
    assert parent._raw is not parent_raw  # a handle of its own: file positions are per process
    assert sources.reopen(f"{path}!large.json").open().read(3) == b"   "
    assert opened == [] and sources._ARCHIVES[str(path)] is parent


def test_a_build_with_a_progress_bar_reads_a_zip_directory_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The progress bar's count opens the archive; the build reads its members through that
    same archive rather than reading the directory again (500,000 entries in the bulk
    download)."""
    path = tmp_path / "ctg-all.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for study in _studies():
            nct = study["protocolSection"]["identificationModule"]["nctId"]
            z.writestr(f"{nct[:7]}xxxx/{nct}.json", json.dumps(study))
    opened: list[Path] = []
    init = sources._Archive.__init__

    def counting(self: Any, p: Path) -> None:
        opened.append(p)
        init(self, p)

    monkeypatch.setattr(sources._Archive, "__init__", counting)
    monkeypatch.setenv("CELLTX_WORKERS", "1")
    ticks: list[Any] = []
    result = build([path], keep_going=True, progress=ticks.append)
    assert opened == [path]
    reading = [t for t in ticks if not t.trials_total]
    assert reading and reading[-1].sources_total == len(_studies())
    assert result.stats["trials"] > 100


def test_the_progress_bar_follows_the_trials_once_all_sources_are_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After the reading, a build annotates and adds its trials, the longer part of a large
    build: the progress hook hears of it (trials done of those found), from the first trial
    to the last, after every report on the reading."""
    from celltx import pipeline

    monkeypatch.setattr(pipeline, "PROGRESS_EVERY", 40)
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "studies.json").write_text(json.dumps(_studies()), encoding="utf-8")
    ticks: list[Any] = []
    result = build([folder], progress=ticks.append, scope="all")
    phase = [bool(t.trials_total) for t in ticks]
    assert phase.index(True) > 0 and all(phase[phase.index(True):])  # reading, then trials
    done = [t.trials_done for t in ticks if t.trials_total]
    total = {t.trials_total for t in ticks if t.trials_total}
    assert total == {result.stats["trials"]} and result.stats["trials"] > 100  # (scope all)
    assert done[0] == 1 and done[-1] == max(total) and done == sorted(set(done))
    assert len(done) >= max(total) // 40


def test_a_zip_changed_after_it_was_counted_is_read_as_it_is_now(tmp_path: Path) -> None:
    path = _member_zip(tmp_path / "a.zip", "NCT01.json", b"{}")
    assert sources.count_sources([path]) == 1
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("NCT02.json", "{}")
        z.writestr("NCT03.json", "{}")
    assert [s.path.split("!")[1] for s in sources.iter_sources([path])] == [
        "NCT02.json", "NCT03.json"]


@pytest.fixture
def read_here(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the sources that this process reads itself (``read_one`` here, not in a
    forked worker, whose calls stay in its own process)."""
    paths: list[str] = []
    real_read_one = reading.read_one

    def counted(source: Any, *args: Any, **kwargs: Any) -> SourceResult:
        paths.append(source.path)
        return real_read_one(source, *args, **kwargs)

    monkeypatch.setattr(reading, "read_one", counted)
    return paths


def test_a_few_large_files_are_read_in_forked_workers_as_in_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_here: list[str]) -> None:
    """Export files of several megabytes in all are read one file per forked worker task
    (``PARALLEL_MIN_BYTES``), however few they are: the build is the one a single process
    makes, and the parent reads none of them itself. Fixtures of every ClinicalTrials.gov
    format stand in for large files (the threshold lowered to their size)."""
    fixtures = Path(__file__).parent / "fixtures"
    folder = tmp_path / "exports"
    for sub in ("ctgov_csv", "ctgov_legacy", "ctgov_v2", "seeds"):
        for path in sorted((fixtures / sub).rglob("*")):
            if path.is_file():
                target = folder / path.relative_to(fixtures)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(path.read_bytes())
    total = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    monkeypatch.setattr(reading, "PARALLEL_MIN_BYTES", total)
    monkeypatch.setenv("CELLTX_WORKERS", "2")
    forked = _summary(folder)
    assert read_here == []  # (the workers' calls are in their own processes)
    monkeypatch.setattr(reading, "PARALLEL_MIN_BYTES", total + 1)
    alone = _summary(folder)
    assert len(read_here) == sum(1 for p in folder.rglob("*") if p.is_file())
    assert forked == alone
    assert forked["stats"]["trials"] > 10 and forked["stats"]["files"] == len(read_here)


_real_read_batch = reading._read_batch


def _logged_read_batch(task: tuple[list[str], bool, str]) -> list[SourceResult]:
    """``_read_batch`` that notes the file it is given in ``$TAKEN_LOG`` (from a worker)."""
    with Path(os.environ["TAKEN_LOG"]).open("a", encoding="utf-8") as fh:
        fh.write(Path(task[0][0]).name + "\n")
    return _real_read_batch(task)


def test_a_few_files_go_to_the_workers_largest_first_and_come_back_in_order(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file read last kept one worker busy while the others idled (the corpus' largest
    export sorts near the end): read in forked workers, every file is read once, by a worker,
    and the results still come in the sources' order."""
    folder = tmp_path / "in"
    names = _numbered_copies(folder)
    log = tmp_path / "taken.log"
    monkeypatch.setenv("TAKEN_LOG", str(log))
    monkeypatch.setattr(reading, "_read_batch", _logged_read_batch)
    monkeypatch.setattr(reading, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setenv("CELLTX_WORKERS", "2")
    results = list(reading.read_all(sources.iter_sources([folder]), False, "all"))
    assert [Path(r.path).name for r in results] == names
    assert sorted(log.read_text(encoding="utf-8").split()) == names  # each once, by a worker


class _HandOut:
    """A pool that reads each task here, noting the order in which the tasks are handed out,
    and gives the results back in the order ``finish`` says (as workers may finish them)."""

    def __init__(self, finish: Callable[[list[Any]], list[Any]]) -> None:
        self.finish = finish
        self.paths: list[str] = []

    def imap_unordered(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> list[Any]:
        done = []
        for task in tasks:
            self.paths.append(task[1][0][0])
            done.append(fn(task))
        return self.finish(done)


@pytest.mark.parametrize("finish", [list, lambda done: done[::-1]])
def test_files_are_handed_out_largest_first_and_yielded_in_order(
        tmp_path: Path, finish: Callable[[list[Any]], list[Any]]) -> None:
    """``_read_largest_first`` hands the files out by size, largest first, and yields their results
    in the paths' order however the results come back; a missing file or an archive member
    counts as empty and keeps its place among the smallest."""
    names = _numbered_copies(tmp_path)
    paths = [str(tmp_path / n) for n in names]
    pool = _HandOut(finish)
    results = list(reading._read_largest_first(pool, paths, False, "all"))
    assert [r.path for r in results] == paths
    sizes = [Path(p).stat().st_size for p in pool.paths]
    assert sorted(pool.paths) == paths and pool.paths != paths  # (else the test would not tell)
    assert sizes == sorted(sizes, reverse=True)
    more = [*paths, str(tmp_path / "missing.json"), f"{paths[0]}!member.json"]
    assert reading.largest_first(more)[len(paths):] == [len(paths), len(paths) + 1]


def _numbered_copies(folder: Path) -> list[str]:
    """The API v2 fixtures copied to ``folder``, named so that ``iter_sources`` gives them in
    an order that is not by size; their names, in that order."""
    folder.mkdir(parents=True, exist_ok=True)
    fixtures = Path(__file__).parent / "fixtures" / "ctgov_v2"
    names = []
    for i, path in enumerate(sorted(fixtures.glob("*.json*"))):
        names.append(f"{i:02d}-{path.name}")
        (folder / names[-1]).write_bytes(path.read_bytes())
    return names


def test_sources_a_worker_cannot_reopen_are_read_in_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_here: list[str]) -> None:
    """With ``reopenable=False`` (the bundled sample, whose paths are display names), large
    files are read in this process; the same files, reopenable, go to forked workers."""
    fixtures = Path(__file__).parent / "fixtures" / "ctgov_v2"
    for path in sorted(fixtures.glob("*.json*")):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(reading, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setenv("CELLTX_WORKERS", "2")

    def kept(reopenable: bool) -> list[str | None]:
        results = reading.read_all(sources.iter_sources([tmp_path]), False, "all",
                                   reopenable=reopenable)
        return [rec.nct_id for result in results for rec in result.kept]

    forked = kept(True)
    assert read_here == [] and len(forked) > 10
    assert kept(False) == forked
    assert len(read_here) == len(list(tmp_path.iterdir()))


def test_the_bundled_sample_is_read_in_this_process(
        monkeypatch: pytest.MonkeyPatch, read_here: list[str]) -> None:
    """The sample's sources are named by display paths ("sample/…") that a worker could not
    reopen, so however large it were, it is read here."""
    monkeypatch.setattr(reading, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setenv("CELLTX_WORKERS", "2")
    result = build()
    assert read_here and all(p.startswith("sample/") for p in read_here)
    assert result.stats["files"] == len(read_here)
