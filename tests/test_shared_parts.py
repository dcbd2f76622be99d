"""Records held by a build share one object per distinct site and sponsor (issue 11: memory),
and are unchanged by it."""

from __future__ import annotations

import celltx.shared_parts as shared_parts
from celltx.models import Location, Provenance, SourceFormat, Sponsor, TrialRecord
from celltx.shared_parts import SharedParts


def _record(nct: str, *sites: str, sponsor: str = "Example University") -> TrialRecord:
    return TrialRecord(
        nct_id=nct, provenance=Provenance(path="x.json", format=SourceFormat.CTGOV_V2_JSON,
                                          record=0),
        lead_sponsor=Sponsor(name=sponsor, sponsor_class="OTHER"),
        locations=tuple(Location(facility=s, city="Houston", country="United States",
                                 status="RECRUITING") for s in sites))


def test_equal_parts_become_one_object_and_records_stay_equal() -> None:
    parts = SharedParts()
    a, b = _record("NCT00000001", "MD Anderson", "Baylor"), _record("NCT00000002", "Baylor")
    shared_a, shared_b = parts.share(a), parts.share(b)
    assert shared_a == a and shared_b == b
    assert shared_b.locations[0] is shared_a.locations[1]
    assert shared_b.lead_sponsor is shared_a.lead_sponsor
    assert len(parts) == 3  # two sites, one sponsor


def test_a_site_with_another_status_is_another_part() -> None:
    parts = SharedParts()
    a = parts.share(_record("NCT00000001", "Baylor"))
    other = _record("NCT00000002", "Baylor").model_copy(update={"locations": (
        Location(facility="Baylor", city="Houston", country="United States",
                 status="COMPLETED"),)})
    assert parts.share(other).locations[0] is not a.locations[0]


def test_the_pool_is_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(shared_parts, "MAX_PARTS", 2)
    parts = SharedParts()
    for i in range(10):
        parts.share(_record(f"NCT{i:08d}", f"Site {i}", sponsor=f"Sponsor {i}"))
    assert len(parts) == 2
