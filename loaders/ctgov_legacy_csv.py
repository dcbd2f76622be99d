"""The retired ct2 website's CSV export (``Rank``, ``NCT Number``, ``Title``, ``Status``, ...).

Same table reading as the current export (``ctgov_csv.read_table``); the cells differ: display
values (``Unknown status``, ``Phase 1|Phase 2``, ``Biological: x``), the literal ``null`` for
missing values, ``Sponsor/Collaborators`` with the lead first, ``Funded Bys`` with the lead's
class first, locations without zip codes. ``Outcome Measures`` mixes primary and secondary
measures without saying which is which, so it is not mapped to either.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from typing import Any

from celltx.loaders.ctgov_csv import (
    NCT_COLUMN,
    Cells,
    dates_of,
    eligibility_of,
    finish,
    interventions_of,
    locations_of,
    read_table,
    split,
    status_of,
    study_type_of,
    text,
)
from celltx.loaders.records import RecordError, field_reject, parse_field
from celltx.loaders.sources import SourceFile
from celltx.loaders.values import parse_count, parse_design, parse_phases, sponsor_class
from pydantic import ValidationError

from celltx.models import Provenance, Reject, Screened, SourceFormat, Sponsor, TrialRecord

FORMAT = SourceFormat.CTGOV_LEGACY_CSV
DATE_COLUMNS = {
    "start_date": "Start Date", "primary_completion_date": "Primary Completion Date",
    "completion_date": "Completion Date", "first_posted": "First Posted",
    "last_update": "Last Update Posted",
}


def read(source: SourceFile, head: bytes, screen: Callable[[str], bool] | None = None,
         only: Container[int] | None = None) -> Iterator[TrialRecord | Reject | Screened]:
    """Yield a record or a reject for every data row of a ct2 CSV export (or, with ``screen``, a
    ``Screened`` for a well-formed row whose cells ``screen`` rules out, before validating
    it; with ``only``, every row not of those indexes: see ``read_table``)."""
    return read_table(source, head, FORMAT, row_to_record, screen, TEXT_COLUMNS, only)


TEXT_COLUMNS = ("Title", "Study Title", "Acronym", "Conditions", "Interventions")
"""The columns of a row that its record's free text (``annotate.record_text``) is read from,
with the study type."""


def row_to_record(cells: Cells, prov: Provenance) -> TrialRecord | Reject:
    nct = cells.get(NCT_COLUMN) or None
    try:
        fields = _fields(cells)
    except (RecordError, ValidationError) as exc:
        return field_reject(prov, exc, nct_id=nct)
    return finish(prov, fields)


def sponsors_of(names: str | None,
                classes: str | None) -> tuple[Sponsor | None, tuple[Sponsor, ...]]:
    """Lead and collaborators from ``Sponsor/Collaborators`` and ``Funded Bys``.

    ``Funded Bys`` lists the classes of the lead and collaborators without repeats, so only
    the lead's (first) class is known unless there is one class per sponsor.

    >>> lead, others = sponsors_of("Univ A|Pharma B", "Other|Industry")
    >>> lead.sponsor_class, others[0].sponsor_class
    ('OTHER', 'INDUSTRY')
    """
    sponsors = split(names)
    kinds = [sponsor_class(k) for k in split(classes)]
    if not sponsors:
        return None, ()
    aligned = len(kinds) == len(sponsors)
    lead = Sponsor(name=sponsors[0], sponsor_class=kinds[0] if kinds else None)
    others = tuple(Sponsor(name=name, sponsor_class=kinds[i + 1] if aligned else None)
                   for i, name in enumerate(sponsors[1:]))
    return lead, others


def _fields(cells: Cells) -> dict[str, Any]:
    lead, collaborators = sponsors_of(text(cells, "Sponsor/Collaborators", "Sponsor"),
                                      text(cells, "Funded Bys", "Funder Type"))
    return {
        "nct_id": cells.get(NCT_COLUMN) or None,
        "secondary_ids": split(text(cells, "Other IDs")),
        "brief_title": text(cells, "Title", "Study Title"),
        "acronym": text(cells, "Acronym"),
        "overall_status": status_of("Status", text(cells, "Status", "Study Status")),
        **dates_of(cells, DATE_COLUMNS),
        "phases": parse_field("Phases", parse_phases, text(cells, "Phases", "Phase")),
        "study_type": study_type_of("Study Type", text(cells, "Study Type")),
        **parse_field("Study Designs", parse_design, text(cells, "Study Designs",
                                                          "Study Design")),
        "enrollment": parse_field("Enrollment", parse_count, text(cells, "Enrollment")),
        "conditions": split(text(cells, "Conditions")),
        "interventions": interventions_of(text(cells, "Interventions")),
        "lead_sponsor": lead,
        "collaborators": collaborators,
        "eligibility": eligibility_of(cells, "Age", ("Gender", "Sex")),
        "locations": locations_of(text(cells, "Locations"), with_zip=False),
    }
