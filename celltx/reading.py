"""The build's first stage: every source read into records, rejects and out-of-scope counts.

Each source is read by :func:`read_one` into a :class:`SourceResult` that holds only what the
build keeps: the records in scope (or all, with ``scope="all"``), the rejects, and for each
record ruled out its NCT number and place (for :class:`ScreenedLog`). Sources are read in the
calling process or, for a bulk download of thousands of files or export files of several
megabytes, by :func:`read_all` in several forked worker processes that reopen the files by
name; the results come back in the sources' order either way, so a build is the same.
"""

from __future__ import annotations

import multiprocessing
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from celltx.loaders import SCREEN_IS_FINAL, SourceFile, iter_sources, read_source
from celltx.loaders.sources import DECOMPRESSION_ERRORS, reopen
from celltx.models import Reject, Screened, TrialRecord, UnreadableFileError
from celltx.ontology.scope import may_be_in_scope, may_be_in_scope_text, prefilter_rules
from celltx.parallel_annotate import forked_pool, workers

PARALLEL_MIN_SOURCES = 2000
"""Below this many sources, forking readers costs more than it saves, unless they are large
files (``PARALLEL_MIN_BYTES``)."""
PARALLEL_MIN_BYTES = 8_000_000
"""Files (not archive members) of at least this many bytes in all are read in forked workers
however few they are, one file per task: the corpus' 123 export files (24 MB) are read in
about half the time on two cores, less the records' trip back to the parent."""
BATCH = 500
"""Sources a worker reads per task."""


class ReadError(Exception):
    """A source that cannot be read, in a build without ``keep_going``."""


@dataclass
class SourceResult:
    """What one source gave the build."""

    path: str
    fmt: str | None = None
    records: int = 0
    out_of_scope: int = 0
    kept: list[TrialRecord] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    screened: list[tuple[int, str | None, int]] = field(default_factory=list)
    """(source offset in the run, NCT number, record index) of each record ruled out before
    merging."""
    error: str | None = None
    """Why the source could not be read, when ``keep_going`` is off."""
    sources: int = 1
    """How many sources this result counts: a worker folds a run of members of one archive,
    in one format, that gave only out-of-scope records into one result (``path`` is the
    first's), so that a bulk download of 500,000 members does not send 500,000 results."""

    def folds(self, other: SourceResult) -> bool:
        """Fold ``other``, the next source, into this result when both only ruled records out
        and are members of the same archive in the same format."""
        archive = _archive_part(self.path)
        if (self.kept or self.rejects or self.error or other.kept or other.rejects
                or other.error or self.fmt != other.fmt or archive is None
                or archive != _archive_part(other.path)):
            return False
        self.screened += [(self.sources + offset, nct, index)
                          for offset, nct, index in other.screened]
        self.records += other.records
        self.out_of_scope += other.out_of_scope
        self.sources += other.sources
        return True


def _archive_part(path: str) -> str | None:
    """The archive of a member's path (``archive!member``); None for a file's."""
    archive, bang, _member = path.partition("!")
    return archive if bang else None


def read_one(source: SourceFile, keep_going: bool, scope: str,
             tick: Callable[[int], None] | None = None) -> SourceResult:
    """Read one source. With ``scope="cell-therapy"``, a record that the loader screens out
    before validation, or one with an NCT number that the prefilter rules out after it, is
    only counted (``out_of_scope``) and noted in ``screened``. An unreadable file is one reject
    with ``keep_going``, else ``error``."""
    screen = may_be_in_scope_text if scope == "cell-therapy" else None
    keep: Callable[[TrialRecord], bool] | None = (
        may_be_in_scope if scope == "cell-therapy" else None)
    out = SourceResult(path=source.path)
    fmt = None
    try:
        fmt, items = read_source(source, screen)
        if fmt in SCREEN_IS_FINAL and screen is not None:
            keep = None  # screened already, on the same text
        for item in items:
            out.records += 1
            if isinstance(item, Screened):
                out.out_of_scope += 1
                out.screened.append((0, item.nct_id, item.record))
            elif isinstance(item, Reject):
                out.rejects.append(item)
            elif item.nct_id is not None and keep is not None and not keep(item):
                out.out_of_scope += 1
                out.screened.append((0, item.nct_id, item.provenance.record))
            else:
                out.kept.append(item)
            if tick and out.records % 500 == 0:
                tick(out.records)
    except (UnreadableFileError, *DECOMPRESSION_ERRORS) as exc:
        if not isinstance(exc, UnreadableFileError):
            # damaged compressed data part-way through: the records before it are kept
            exc = UnreadableFileError(source.path, f"corrupt or truncated data after "
                                                   f"record {out.records}: {exc}")
        if not keep_going:
            out.error = f"{exc} (use --keep-going to record it as a reject and go on)"
            return out
        out.records += 1
        out.rejects.append(Reject(path=source.path, format=fmt, record=None,
                                  reason=f"unreadable file: {exc.reason}"))
    out.fmt = str(fmt) if fmt else None
    return out


def read_all(sources: Iterable[SourceFile], keep_going: bool, scope: str,
             tick: Callable[[str, int], None] | None = None,
             reopenable: bool = True) -> Iterator[SourceResult]:
    """:func:`read_one` of every source, in order: in worker processes when there are more
    than one core and at least ``PARALLEL_MIN_SOURCES`` sources, or files of at least
    ``PARALLEL_MIN_BYTES`` in all, else here (the first sources are held back until it is
    known which). ``reopenable``: whether a worker can open a source by its path (not when
    the paths are display names, as the bundled sample's are). ``tick`` is called within a
    source (every 500 records) only when it is read here; otherwise the caller hears of each
    result as it comes."""
    sources = iter(sources)
    first = list(islice(sources, PARALLEL_MIN_SOURCES))
    n = workers()
    batch = BATCH if len(first) >= PARALLEL_MIN_SOURCES else 1
    if (n < 2 or not reopenable or "fork" not in multiprocessing.get_all_start_methods()
            or (batch == 1 and (len(first) < 2 or _file_bytes(first) < PARALLEL_MIN_BYTES))):
        for source in chain(first, sources):
            yield read_one(source, keep_going, scope, _ticker(tick, source.path))
        return
    if scope == "cell-therapy":
        prefilter_rules()  # built once here (0.1 s), not again in each forked reader
    with forked_pool(n) as pool:
        if batch == 1:  # a few files (all of them in ``first``): the largest first
            yield from _read_largest_first(pool, [s.path for s in first], keep_going, scope)
            return
        batches = _batches((s.path for s in chain(first, sources)), batch)
        for results in pool.imap(_read_batch, ((b, keep_going, scope) for b in batches)):
            yield from results


def _read_largest_first(pool: Any, paths: list[str], keep_going: bool,
                        scope: str) -> Iterator[SourceResult]:
    """The results of reading ``paths`` (files, or archive members taken as empty), one per
    task, given to the workers largest first, so that a large file read last does not leave
    the other workers idle; each result is yielded in the paths' order, as soon as it and
    those before it are read (results that come early wait in ``done``)."""
    tasks = ((i, ([paths[i]], keep_going, scope)) for i in largest_first(paths))
    done: dict[int, list[SourceResult]] = {}
    following = 0
    for i, results in pool.imap_unordered(_read_numbered, tasks):
        done[i] = results
        while following in done:
            yield from done.pop(following)
            following += 1


def _read_numbered(task: tuple[int, tuple[list[str], bool, str]]
                   ) -> tuple[int, list[SourceResult]]:
    number, batch = task
    return number, _read_batch(batch)


def largest_first(paths: list[str]) -> list[int]:
    """The indexes of ``paths`` by the size of their files, largest first (an archive member,
    or a file that cannot be read, counts as empty); equal sizes keep their order."""
    sizes = [_file_size(path) for path in paths]
    return sorted(range(len(paths)), key=lambda i: -sizes[i])


def _file_bytes(sources: list[SourceFile]) -> int:
    """The bytes of the sources that are files on disk (not archive members)."""
    return sum(_file_size(source.path) for source in sources)


def _file_size(path: str) -> int:
    """The size of the file at ``path``; 0 for an archive member or a file that cannot be read
    (``read_one`` reports it)."""
    if _archive_part(path) is None:
        with suppress(OSError):
            return Path(path).stat().st_size
    return 0


def _ticker(tick: Callable[[str, int], None] | None,
            path: str) -> Callable[[int], None] | None:
    if tick is None:
        return None
    return lambda n: tick(path, n)


def _batches(paths: Iterator[str], size: int) -> Iterator[list[str]]:
    while batch := list(islice(paths, size)):
        yield batch


def _read_batch(task: tuple[list[str], bool, str]) -> list[SourceResult]:
    paths, keep_going, scope = task
    out: list[SourceResult] = []
    for p in paths:
        result = read_one(reopen(p), keep_going, scope)
        if not (out and out[-1].folds(result)):
            out.append(result)
    return out


class SourceTally:
    """Records, rejects and out-of-scope records of each source file, for ``stats.sources``;
    the members of an archive are tallied together under the archive (a bulk download has
    500,000 of them), with their number in ``members``."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.files = 0
        self.per_format: Counter[str] = Counter()

    def add(self, result: SourceResult) -> None:
        self.files += result.sources
        self.per_format[result.fmt or "unreadable"] += result.records
        archive = _archive_part(result.path)
        key = archive or result.path
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = {"path": key, "format": result.fmt, "records": 0,
                                         "rejects": 0, "out_of_scope": 0}
            if archive is not None:
                entry["members"] = 0
        elif entry["format"] != result.fmt:
            entry["format"] = "mixed"
        entry["records"] += result.records
        entry["rejects"] += len(result.rejects)
        entry["out_of_scope"] += result.out_of_scope
        if archive is not None:
            entry["members"] += result.sources

    def of(self, path: str) -> dict[str, Any]:
        """The entry that counts the records of source ``path``."""
        return self.entries[path.split("!", 1)[0]]


class ScreenedLog:
    """Where the records ruled out before merging were (source number, record index), by NCT
    number, in 12 bytes a record: a record ruled out alone is read again, once all sources are
    read, when another record of its trial was kept (a sparse CSV row beside a full study)."""

    def __init__(self) -> None:
        self._ncts = array("I")
        self._places = array("Q")

    def add(self, source_number: int, nct_id: str | None, record: int) -> None:
        if nct_id and len(nct_id) == 11 and nct_id.startswith("NCT") and nct_id[3:].isdigit():
            self._ncts.append(int(nct_id[3:]))
            self._places.append(source_number << 32 | record)

    def recover(self, kept: set[str], paths: list[Path], exclude: list[Path],
                display_root: str | None) -> Iterator[TrialRecord]:
        """The ruled-out records of trials in ``kept``, read again from their sources (where
        the reader can, only those records are validated)."""
        wanted = {int(n[3:]) for n in kept if n[3:].isdigit()}
        places: dict[int, set[int]] = defaultdict(set)
        for nct, place in zip(self._ncts, self._places, strict=True):
            if nct in wanted:
                places[place >> 32].add(place & 0xFFFFFFFF)
        if not places:
            return
        for number, source in enumerate(iter_sources(paths, exclude)):
            if number not in places:
                continue
            if display_root:
                source = SourceFile("sample" + source.path[len(display_root):], source.open)
            for item in read_source(source, only=places[number])[1]:
                if (isinstance(item, TrialRecord) and item.provenance.record in places[number]
                        and item.nct_id in kept):
                    yield item
