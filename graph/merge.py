"""Merging the records of one trial read from several sources into one account.

The newest record (by last-update date, then by the richness of its format) is primary: its
values win; a field it lacks is taken from the next record that has it. Disagreements are kept
as conflicts, and every record stays listed in the provenance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from celltx.models import Provenance, Reject, SourceFormat, TrialRecord

FORMAT_RANK = {
    SourceFormat.CTGOV_V2_JSON: 4, SourceFormat.CTGOV_XML: 3, SourceFormat.CTGOV_CSV: 2,
    SourceFormat.CTGOV_LEGACY_CSV: 1, SourceFormat.REGISTRY_PAGE: 0,
}
COMPARED_FIELDS = ("brief_title", "overall_status", "phases", "start_date", "enrollment",
                   "study_type")


@dataclass
class MergedTrial:
    nct_id: str
    record: TrialRecord
    """The merged account (the primary record, gaps filled from the others)."""
    sources: list[Provenance]
    conflicts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """field -> [{value, source}] where sources disagree (first is the current value)."""
    evidence: list[str] = field(default_factory=list)
    """Why records were merged: ``nct_id`` or other evidence added by other matchers."""


def _recency(rec: TrialRecord) -> tuple[str, int, str]:
    return (rec.last_update or "", FORMAT_RANK[rec.provenance.format], rec.provenance.ref)


def _empty(value: Any) -> bool:
    return value is None or value == () or value == ""


def merge_records(records: Iterable[TrialRecord]) -> MergedTrial:
    ordered = sorted(records, key=_recency, reverse=True)
    primary = ordered[0]
    updates: dict[str, Any] = {}
    for name in TrialRecord.model_fields:
        if name in ("provenance", "eligibility") or not _empty(getattr(primary, name)):
            continue
        for other in ordered[1:]:
            value = getattr(other, name)
            if not _empty(value):
                updates[name] = value
                break
    if primary.eligibility.criteria is None:
        for other in ordered[1:]:
            if other.eligibility.criteria:
                updates["eligibility"] = other.eligibility
                break
    merged = primary.model_copy(update=updates) if updates else primary
    conflicts: dict[str, list[dict[str, Any]]] = {}
    for name in COMPARED_FIELDS:
        seen = {}
        for rec in ordered:
            value = getattr(rec, name)
            if not _empty(value) and value not in seen:
                seen[value] = rec.provenance.ref
        if len(seen) > 1:
            conflicts[name] = [{"value": v if not isinstance(v, tuple) else list(v), "source": s}
                               for v, s in seen.items()]
    return MergedTrial(
        nct_id=str(primary.nct_id), record=merged,
        sources=[r.provenance for r in sorted(ordered, key=lambda r: r.provenance.ref)],
        conflicts=conflicts,
        evidence=["nct_id"] if len(ordered) > 1 else [],
    )


def identify_records(
    unidentified: list[TrialRecord], known: dict[str, list[TrialRecord]]
) -> tuple[list[tuple[TrialRecord, str, str]], list[Reject]]:
    """Find the trial of each record that has no NCT number (e.g. a registry page).

    Returns (record, NCT id, evidence) for each match, and a reject for each record that
    cannot be identified: a page whose trial is unknown is never guessed.
    """
    by_secondary: dict[str, set[str]] = defaultdict(set)
    for nct, recs in known.items():
        for rec in recs:
            for sid in rec.secondary_ids:
                by_secondary[sid.strip().casefold()].add(nct)
    matched: list[tuple[TrialRecord, str, str]] = []
    rejects: list[Reject] = []
    for rec in unidentified:
        hits = set().union(*(by_secondary.get(s.strip().casefold(), set())
                             for s in rec.secondary_ids)) if rec.secondary_ids else set()
        if len(hits) == 1:
            nct = hits.pop()
            matched.append((rec, nct, f"secondary id shared with {nct}"))
            continue
        p = rec.provenance
        rejects.append(Reject(path=p.path, format=p.format, record=p.record, line=p.line,
                              field="nct_id",
                              reason="trial cannot be identified: no NCT number and no "
                                     "unambiguous match on secondary ids"))
    return matched, rejects
