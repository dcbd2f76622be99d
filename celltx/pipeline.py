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

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from celltx.gc_pause import gc_paused
from celltx.graph.merge import MergedTrial, identify_records, link_registries, merge_records
from celltx.graph.store import built_with
from celltx.graph.trial_graph import TrialGraph
from celltx.loaders import SourceFile, iter_sources
from celltx.loaders.sources import count_sources
from celltx.models import Reject, TrialRecord, UnreadableFileError
from celltx.ontology.annotate import annotate
from celltx.ontology.eligibility import CriterionItem, structure_criteria
from celltx.ontology.scope import SCOPES, in_scope
from celltx.ontology.terms import TrialAnnotation
from celltx.parallel_annotate import annotate_all
from celltx.queries.coverage import all_coverage
from celltx.reading import ScreenedLog, SourceTally, read_all
from celltx.shared_parts import SharedParts


@dataclass(frozen=True)
class BuildProgress:
    """Where a build is: the source being read, records read so far in all sources, and how
    many of the sources are done; once all are read, how many of the trials found are
    annotated and in the graph (``trials_total`` is 0 until then)."""

    path: str
    records: int
    sources_done: int
    sources_total: int
    trials_done: int = 0
    trials_total: int = 0


ProgressHook = Callable[[BuildProgress], None]
PROGRESS_EVERY = 500
"""Trials annotated between two progress reports (the first is the first trial's)."""


class BuildError(Exception):
    """A build that cannot go on (an unreadable file without ``keep_going``)."""


@dataclass
class BuildResult:
    graph: TrialGraph
    stats: dict[str, Any]
    rejects: list[Reject]
    merges: list[dict[str, Any]] = field(default_factory=list)


class Prepared(NamedTuple):
    """What a trial's merged record gives the graph, worked out by ``prepare``."""

    annotation: TrialAnnotation
    in_scope: bool
    criteria: list[CriterionItem] | None
    """The structured eligibility criteria (None for a trial out of scope)."""


def prepare(record: TrialRecord, scope: str = "all") -> Prepared:
    """A merged record's annotation, whether the trial is in ``scope``, and its structured
    criteria: the per-trial work of a build that needs no other trial, done in the annotation
    workers, so that the parent, which adds each trial to the graph, is not the one process
    left working while the others wait."""
    ann = annotate(record)
    keep = scope != "cell-therapy" or in_scope(record, ann)
    return Prepared(ann, keep, structure_criteria(record.eligibility.criteria) if keep else None)


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
    screened = ScreenedLog()
    parts = SharedParts()  # one object per distinct site and sponsor of the records held

    def tick(path: str, n: int) -> None:
        if progress:
            progress(BuildProgress(path, records_read + n, per_source.files, total))

    try:
        number = 0  # of the result's first source
        for result in read_all(sources, keep_going, scope, tick,
                               reopenable=display_root is None):
            if result.error:
                raise BuildError(result.error)
            for rec in result.kept:
                rec = parts.share(rec)
                if rec.nct_id is None:
                    unidentified.append(rec)
                else:
                    records_by_nct[rec.nct_id].append(rec)
            rejects.extend(result.rejects)
            for offset, nct, index in result.screened:
                screened.add(number + offset, nct, index)
            number += result.sources
            per_source.add(result)
            records_read += result.records
            if progress:
                progress(BuildProgress(result.path, records_read, per_source.files, total))
    except UnreadableFileError as exc:  # a path that is not a regular file
        raise BuildError(str(exc)) from None

    # a record ruled out alone belongs to a kept trial when another record of it was kept
    for rec in screened.recover(set(records_by_nct), paths, exclude, display_root):
        records_by_nct[str(rec.nct_id)].append(parts.share(rec))
        per_source.of(rec.provenance.path)["out_of_scope"] -= 1
    identified, unresolved = identify_records(unidentified, records_by_nct)
    for rej in unresolved:  # rejected after reading: count them with their source too
        per_source.of(rej.path)["rejects"] += 1
    merges_evidence: dict[str, list[str]] = defaultdict(list)
    for rec, nct, evidence in identified:
        records_by_nct[nct].append(rec)
        merges_evidence[nct].append(evidence)
    rejects.extend(unresolved)
    # one trial registered in several registries: its groups joined by secondary ids
    records_by_nct, registry_links, renamed = link_registries(records_by_nct)
    for old, new in renamed.items():
        merges_evidence[new].extend(merges_evidence.pop(old, []))
    for trial_id, why in registry_links.items():
        merges_evidence[trial_id].extend(why)

    graph = TrialGraph()
    merges: list[dict[str, Any]] = []
    duplicates = trials = 0
    keys = sorted(records_by_nct)
    merged_trials: list[MergedTrial | None] = [merge_records(records_by_nct[k], k) for k in keys]
    to_annotate: list[TrialRecord | None] = [m.record for m in merged_trials if m]
    prepared = annotate_all(to_annotate, partial(prepare, scope=scope))  # type: ignore[arg-type]
    for i, (ann, keep, criteria) in enumerate(prepared):
        if progress and (i % PROGRESS_EVERY == 0 or i + 1 == len(keys)):
            progress(BuildProgress("", records_read, per_source.files, total, i + 1, len(keys)))
        # a trial's records are let go once it is in the graph, so that the graph grows into
        # the memory they held (the peak is not all the records plus the whole graph)
        merged, merged_trials[i], to_annotate[i] = merged_trials[i], None, None
        assert merged is not None
        recs = records_by_nct.pop(keys[i])
        if not keep:
            for rec in recs:
                per_source.of(rec.provenance.path)["out_of_scope"] += 1
            continue
        merged.evidence.extend(merges_evidence.get(merged.record.nct_id or "", []))
        trials += 1
        duplicates += len(recs) - 1
        if len(recs) > 1:
            merges.append({"nct_id": merged.record.nct_id,
                           "registry_ids": merged.registry_ids,
                           "sources": [p.ref for p in merged.sources],
                           "evidence": merged.evidence, "conflicts": merged.conflicts})
        graph.add_trial(merged, ann, recs, criteria=criteria)
    out_of_scope = sum(s["out_of_scope"] for s in per_source.entries.values())
    trial_data = [d for _, d in graph.nodes("Trial")]  # one pass over a million nodes
    cell_therapy = sum(1 for d in trial_data if d.get("is_cell_therapy"))
    modalities = Counter(d.get("modality") or "other" for d in trial_data)
    registries = Counter(r for d in trial_data for r in d.get("registries") or ())
    flags: dict[str, list[str]] = defaultdict(list)
    for d in trial_data:
        for flag in d.get("quality_flags") or ():
            flags[flag].append(d["id"])
    stats = {
        "records_read": records_read,
        "scope": scope,
        "built_with": built_with(),
        "trials": trials,
        "out_of_scope": out_of_scope,
        "cell_therapy_trials": cell_therapy,
        "modalities": dict(sorted(modalities.items())),
        "registries": dict(sorted(registries.items())),
        "trials_in_several_registries": sum(
            1 for d in trial_data if len(d.get("registries") or ()) > 1),
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
