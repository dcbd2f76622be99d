"""One object for each distinct site and sponsor of the records a build holds.

A registry names the same site and the same sponsor in thousands of records ("Memorial Sloan
Kettering Cancer Center, New York, …"), and each record read holds its own copies: sites were
40 % of a held record's memory. The parts are frozen, so records can share one object per
distinct value; the records themselves are unchanged (equal before and after).
"""

from __future__ import annotations

from celltx.models import Location, Sponsor, TrialRecord

MAX_PARTS = 500_000
"""Distinct parts kept for sharing; past this, parts are kept as read (memory stays bounded
whatever the input holds)."""


class SharedParts:
    """Shares the sites and sponsors of the records passed to :meth:`share`."""

    def __init__(self) -> None:
        self._locations: dict[tuple[object, ...], Location] = {}
        self._sponsors: dict[tuple[object, ...], Sponsor] = {}

    def share(self, rec: TrialRecord) -> TrialRecord:
        """``rec`` with each site and sponsor replaced by the first equal one seen."""
        locations = tuple(self._one(self._locations, loc) for loc in rec.locations)
        lead = self._one(self._sponsors, rec.lead_sponsor) if rec.lead_sponsor else None
        collaborators = tuple(self._one(self._sponsors, s) for s in rec.collaborators)
        if (lead is rec.lead_sponsor and all(map(_same, locations, rec.locations))
                and all(map(_same, collaborators, rec.collaborators))):
            return rec  # nothing seen before: the record keeps its own parts
        return rec.model_copy(update={"locations": locations, "lead_sponsor": lead,
                                      "collaborators": collaborators})

    def __len__(self) -> int:
        return len(self._locations) + len(self._sponsors)

    def _one(self, pool: dict[tuple[object, ...], Location] | dict[tuple[object, ...], Sponsor],
             part: Location | Sponsor) -> Location | Sponsor:
        key = tuple(part.__dict__.values())  # (each kind of part has its own pool)
        kept = pool.get(key)  # type: ignore[arg-type]
        if kept is not None:
            return kept
        if len(self) < MAX_PARTS:
            pool[key] = part  # type: ignore[index,assignment]
        return part


def _same(a: object, b: object) -> bool:
    return a is b
