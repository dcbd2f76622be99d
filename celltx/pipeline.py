"""The build: sources -> records -> merged trials -> normalised facts -> one graph.

Every record read becomes a trial, a merged duplicate, a reject or an out-of-scope count:
``records_read == trials + duplicates_merged + rejects + out_of_scope``.

Scope (``ontology/scope.py``): with ``scope="cell-therapy"`` (the default for files given by
path) a record that the prefilter rules out is counted and dropped as it is read, and a trial
that the annotator finds neither a cell therapy nor a related study of one is counted and not
built. The bundled sample is built whole (``scope="all"``) unless asked otherwise: its records
were chosen by a cell-therapy registry search, and a few hundred of them are sparse snapshots of
code-named products whose own text cannot show what they are.
"""

from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from celltx.gc_pause import gc_paused
from celltx.graph.merge import identify_records, merge_records
from celltx.graph.trial_graph import TrialGraph
from celltx.loaders import SCREENING, Screen, SourceFile, iter_sources, read_source
from celltx.loaders.sources import DECOMPRESSION_ERRORS, count_sources
from celltx.models import Reject, Screened, TrialRecord, UnreadableFileError
from celltx.ontology.annotate import annotate
from celltx.ontology.scope import SCOPES, in_scope, may_be_in_scope, may_be_in_scope_text
from celltx.parallel_annotate import annotate_all
from celltx.queries.coverage import all_coverage


@dataclass(frozen=True)
class BuildProgress:
    """Where a build is: the source being read, records read so far in all sources, and how
    many of the sources are done."""

    path: str
    records: int
    sources_done: int
    sources_total: int


ProgressHook = Callable[[BuildProgress], None]


class BuildError(Exception):
    """A build that cannot go on (an unreadable file without ``keep_going``)."""


@dataclass
class BuildResult:
    graph: TrialGraph
    stats: dict[str, Any]
    rejects: list[Reject]
    merges: list[dict[str, Any]] = field(default_factory=list)


def sample_paths() -> list[Path]:
    """The bundled sample: the cell-therapy records of the development corpus."""
    root = resources.files("celltx.data").joinpath("sample")
    return [Path(str(root))]


def build(paths: list[Path] | None = None, *, keep_going: bool = False,
          progress: ProgressHook | None = None, scope: str | None = None,
          exclude: list[Path] | None = None) -> BuildResult:
    """Read ``paths`` (default: the bundled sample) and build the graph of the trials in
    ``scope`` (``"cell-therapy"`` or ``"all"``; default: ``"all"`` for the bundled sample,
    ``"cell-therapy"`` for files). Folders in ``exclude`` (the build's own output) are not
    read even when they lie inside an input folder."""
    scope = scope or ("cell-therapy" if paths else "all")
    if scope not in SCOPES:
        raise BuildError(f"unknown scope {scope!r}; expected one of: {', '.join(SCOPES)}")
    with gc_paused():
        return _build(paths, keep_going=keep_going, progress=progress, scope=scope,
                      exclude=exclude or [])


def _build(paths: list[Path] | None, *, keep_going: bool,
           progress: ProgressHook | None, scope: str, exclude: list[Path]) -> BuildResult:
    display_root = None
    keep = may_be_in_scope if scope == "cell-therapy" else None
    screen = may_be_in_scope_text if scope == "cell-therapy" else None
    if not paths:
        paths = sample_paths()
        display_root = str(paths[0])
    records_by_nct: dict[str, list[TrialRecord]] = defaultdict(list)
    unidentified: list[TrialRecord] = []
    rejects: list[Reject] = []
    per_source = SourceTally()
    records_read = 0
    for path in paths:  # a missing path fails the build before anything is read
        if not path.exists():
            raise BuildError(str(UnreadableFileError(str(path), "no such file or directory")))
    total = count_sources(paths, exclude) if progress else 0
    sources = iter_sources(paths, exclude)  # lazily: a bulk download has 500,000 members
    if display_root:
        root = display_root
        sources = (SourceFile("sample" + s.path[len(root):], s.open)
                   for s in iter_sources(paths))
    done = 0
    screened = ScreenedLog()
    try:
        for source in sources:
            def tick(n: int, path: str = source.path, before: int = records_read,
                     done: int = done) -> None:
                if progress:
                    progress(BuildProgress(path, before + n, done, total))

            n = _read_one(source, keep_going, into=(rejects, unidentified, records_by_nct),
                          per_source=per_source, tick=tick, keep=keep, screen=screen,
                          screened=screened.at(done))
            records_read += n
            done += 1
            if progress:
                progress(BuildProgress(source.path, records_read, done, total))
    except UnreadableFileError as exc:  # a path that is not a regular file
        raise BuildError(str(exc)) from None

    # a record ruled out alone belongs to a kept trial when another record of it was kept
    for rec in screened.recover(set(records_by_nct), paths, exclude, display_root):
        records_by_nct[str(rec.nct_id)].append(rec)
        per_source.of(rec.provenance.path)["out_of_scope"] -= 1
    identified, unresolved = identify_records(unidentified, records_by_nct)
    for rej in unresolved:  # rejected after reading: count them with their source too
        per_source.of(rej.path)["rejects"] += 1
    merges_evidence: dict[str, list[str]] = defaultdict(list)
    for rec, nct, evidence in identified:
        records_by_nct[nct].append(rec)
        merges_evidence[nct].append(evidence)
    rejects.extend(unresolved)

    graph = TrialGraph()
    merges: list[dict[str, Any]] = []
    duplicates = trials = 0
    merged_trials = [(merge_records(records_by_nct[nct]), records_by_nct[nct])
                     for nct in sorted(records_by_nct)]
    annotations = annotate_all([m.record for m, _ in merged_trials], annotate)
    for (merged, recs), ann in zip(merged_trials, annotations, strict=True):
        if scope == "cell-therapy" and not in_scope(merged.record, ann):
            for rec in recs:
                per_source.of(rec.provenance.path)["out_of_scope"] += 1
            continue
        merged.evidence.extend(merges_evidence.get(merged.record.nct_id, []))
        trials += 1
        duplicates += len(recs) - 1
        if len(recs) > 1:
            merges.append({"nct_id": merged.record.nct_id,
                           "sources": [p.ref for p in merged.sources],
                           "evidence": merged.evidence, "conflicts": merged.conflicts})
        graph.add_trial(merged, ann, recs)
    out_of_scope = sum(s["out_of_scope"] for s in per_source.entries.values())
    cell_therapy = sum(1 for _, d in graph.nodes("Trial") if d.get("is_cell_therapy"))
    modalities = Counter(d.get("modality") or "other" for _, d in graph.nodes("Trial"))
    flags: dict[str, list[str]] = defaultdict(list)
    for _, d in graph.nodes("Trial"):
        for flag in d.get("quality_flags") or ():
            flags[flag].append(d["id"])
    stats = {
        "records_read": records_read,
        "scope": scope,
        "trials": trials,
        "out_of_scope": out_of_scope,
        "cell_therapy_trials": cell_therapy,
        "modalities": dict(sorted(modalities.items())),
        "quality_flags": {k: sorted(v) for k, v in sorted(flags.items())},
        "rejects": len(rejects),
        "duplicates_merged": duplicates,
        "files": per_source.files,
        "records_per_format": dict(sorted(per_source.per_format.items())),
        "sources": list(per_source.entries.values()),
        "nodes": graph.node_counts(),
        "edges": graph.edge_counts(),
        "coverage": all_coverage(graph),
    }
    if records_read != trials + len(rejects) + duplicates + out_of_scope:  # pragma: no cover
        raise AssertionError(f"lost records: {stats}")
    return BuildResult(graph=graph, stats=stats, rejects=rejects, merges=merges)


def _read_one(source: SourceFile, keep_going: bool, *,
              into: tuple[list[Reject], list[TrialRecord], dict[str, list[TrialRecord]]],
              per_source: SourceTally, tick: Callable[[int], None],
              keep: Callable[[TrialRecord], bool] | None = None,
              screen: Screen | None = None,
              screened: Callable[[str | None, int], None] | None = None) -> int:
    """Read one source into rejects, unidentified records and records by NCT number; return
    how many records it held (an unreadable file counts as one reject with ``keep_going``).
    A record that the loader's ``screen`` rules out before validation, or one with an NCT
    number that ``keep`` rules out after it, is only counted (``out_of_scope``) and noted
    with ``screened`` (its NCT number and index in the source)."""
    rejects, unidentified, records_by_nct = into
    n = n_rej = n_out = 0
    fmt = None
    try:
        fmt, items = read_source(source, screen)
        if fmt in SCREENING and screen is not None:
            keep = None  # screened already, on the same text
        for item in items:
            n += 1
            if isinstance(item, Screened):
                n_out += 1
                if screened:
                    screened(item.nct_id, item.record)
            elif isinstance(item, Reject):
                n_rej += 1
                rejects.append(item)
            elif item.nct_id is None:
                unidentified.append(item)
            elif keep is not None and not keep(item):
                n_out += 1
                if screened:
                    screened(item.nct_id, item.provenance.record)
            else:
                records_by_nct[item.nct_id].append(item)
            if n % 500 == 0:
                tick(n)
    except (UnreadableFileError, *DECOMPRESSION_ERRORS) as exc:
        if not isinstance(exc, UnreadableFileError):
            # damaged compressed data part-way through: the records before it are kept
            exc = UnreadableFileError(source.path, f"corrupt or truncated data after "
                                                   f"record {n}: {exc}")
        if not keep_going:
            raise BuildError(f"{exc} (use --keep-going to record it as a reject and go on)") \
                from None
        n += 1
        n_rej += 1
        rejects.append(Reject(path=source.path, format=fmt, record=None,
                              reason=f"unreadable file: {exc.reason}"))
    per_source.add(source.path, str(fmt) if fmt else None, n, n_rej, n_out)
    return n


class SourceTally:
    """Records, rejects and out-of-scope records of each source file, for ``stats.sources``;
    the members of an archive are tallied together under the archive (a bulk download has
    500,000 of them), with their number in ``members``."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.files = 0
        self.per_format: Counter[str] = Counter()

    def add(self, path: str, fmt: str | None, records: int, rejects: int,
            out_of_scope: int) -> None:
        self.files += 1
        self.per_format[fmt or "unreadable"] += records
        archive, member = path.split("!", 1) if "!" in path else (path, None)
        entry = self.entries.get(archive)
        if entry is None:
            entry = self.entries[archive] = {"path": archive, "format": fmt, "records": 0,
                                             "rejects": 0, "out_of_scope": 0}
            if member is not None:
                entry["members"] = 0
        elif entry["format"] != fmt:
            entry["format"] = "mixed"
        entry["records"] += records
        entry["rejects"] += rejects
        entry["out_of_scope"] += out_of_scope
        if member is not None:
            entry["members"] += 1

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

    def at(self, source_number: int) -> Callable[[str | None, int], None]:
        def note(nct_id: str | None, record: int) -> None:
            if nct_id and len(nct_id) == 11 and nct_id.startswith("NCT") and nct_id[3:].isdigit():
                self._ncts.append(int(nct_id[3:]))
                self._places.append(source_number << 32 | record)
        return note

    def recover(self, kept: set[str], paths: list[Path], exclude: list[Path],
                display_root: str | None) -> Iterator[TrialRecord]:
        """The ruled-out records of trials in ``kept``, read again from their sources."""
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
            for item in read_source(source)[1]:
                if (isinstance(item, TrialRecord) and item.provenance.record in places[number]
                        and item.nct_id in kept):
                    yield item
