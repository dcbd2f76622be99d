"""EU CTIS (euclinicaltrials.eu) search results saved as CSV: ``Trial number``, ``Title of the
trial``, ``Overall trial status``, ``Location(s) and recruitment status``, ``Trial phase``,
``Product``, dates as ``dd/mm/yyyy``, ``N/A`` for empty; UTF-8 with a BOM, line breaks inside
quoted titles. Every CTIS trial is an interventional trial of a medicinal product.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from celltx.loaders import ictrp
from celltx.loaders.csv_table import open_table
from celltx.loaders.records import build_record, reject
from celltx.loaders.sources import SourceFile

from celltx.models import (
    Eligibility,
    Intervention,
    Location,
    Outcome,
    Provenance,
    Reject,
    SourceFormat,
    Sponsor,
    TrialRecord,
)
from celltx.registries import canonical_id, registry_of

FORMAT = SourceFormat.CTIS_CSV
HEADER_COLUMNS = frozenset({"trial number", "title of the trial", "overall trial status",
                            "trial phase", "sponsor/co-sponsors", "medical conditions"})
_SPONSOR_CLASS = {"pharmaceutical company": "INDUSTRY"}
_COUNTRY = re.compile(r"(?:^|,\s*)([A-Z][^:,]*?):")


def is_ctis_header(names: Iterable[str]) -> bool:
    cols = {n.strip().lstrip("\ufeff").casefold() for n in names}
    return "trial number" in cols and len(cols & HEADER_COLUMNS) >= 3


def read(source: SourceFile, head: bytes) -> Iterator[TrialRecord | Reject]:
    """Yield a record or a reject for every data row of a CTIS CSV."""
    with open_table(source, head, is_ctis_header,
                    "CSV without CTIS's 'Trial number' header") as (header, rows):
        names = [h.strip().lstrip("\ufeff") for h in header]
        index = 0
        for line, row in rows:
            if not isinstance(row, str) and not any(c.strip() for c in row):
                continue
            prov = Provenance(path=source.path, format=FORMAT, record=index, line=line)
            index += 1
            if isinstance(row, str):
                yield reject(prov, row)
                continue
            yield row_to_record(dict(zip(names, row, strict=False)), prov)


def _value(cells: dict[str, str], column: str) -> str | None:
    value = ictrp.one_line(cells.get(column))
    return None if value is None or value.upper() == "N/A" else value


def _ages(text: str | None) -> tuple[str | None, float | None, float | None]:
    """``18-64 years, 65+ years`` -> (as written, 18.0, None)."""
    if not text:
        return None, None, None
    # (ages of at most three digits: 10**400 as a float is infinity, and int() of 5,000
    # digits raises)
    lows = [int(a) for a in re.findall(r"(?<![0-9])([0-9]{1,3})\s*(?:-|\+)", text)]
    highs = [int(b) for b in re.findall(r"[0-9]+\s*-\s*([0-9]{1,3})(?![0-9])", text)]
    open_ended = "+" in text
    return (text, float(min(lows)) if lows else None,
            None if open_ended or not highs else float(max(highs)))


def row_to_record(cells: dict[str, str], prov: Provenance) -> TrialRecord | Reject:
    raw_id = _value(cells, "Trial number")
    trial_id = canonical_id(raw_id)
    if trial_id is None or registry_of(trial_id) != "CTIS":
        reason = ("record has no trial number" if not raw_id
                  else f"not a CTIS trial number: {raw_id!r}")
        return reject(prov, reason, field="Trial number")
    ages, min_years, max_years = _ages(_value(cells, "Age group"))
    sponsor = _value(cells, "Sponsor/Co-Sponsors")
    sponsor_type = (_value(cells, "Sponsor type") or "").casefold()
    products = [p.strip() for p in (_value(cells, "Product") or "").split(", ") if p.strip()]
    conditions = re.split(r",\s+(?=[A-Z])", _value(cells, "Medical conditions") or "")
    countries = _COUNTRY.findall(_value(cells, "Location(s) and recruitment status") or "")
    primary, secondary = _value(cells, "Primary endpoint"), _value(cells, "Secondary endpoints")
    fields: dict[str, Any] = {
        "nct_id": trial_id,
        "secondary_ids": tuple(s for s in (_value(cells, "Protocol code"),) if s),
        "brief_title": _value(cells, "Title of the trial"),
        "overall_status": ictrp.status(_value(cells, "Overall trial status")),
        "start_date": ictrp.ictrp_date(_value(cells, "Start date")),
        "completion_date": ictrp.ictrp_date(_value(cells, "Global end of the trial")
                                            or _value(cells, "End date")),
        "first_posted": ictrp.ictrp_date(_value(cells, "Decision date")),
        "last_update": ictrp.ictrp_date(_value(cells, "Last updated")),
        "phases": ictrp.phases(_value(cells, "Trial phase") or ""),
        "study_type": "INTERVENTIONAL",
        "enrollment": ictrp.enrollment(_value(cells, "Number of participants enrolled")),
        "conditions": tuple(dict.fromkeys(c.strip() for c in conditions if c.strip())),
        "interventions": tuple(Intervention(type="DRUG", name=p)
                               for p in dict.fromkeys(products)),
        "lead_sponsor": Sponsor(name=sponsor, sponsor_class=_SPONSOR_CLASS.get(
            sponsor_type, "OTHER" if sponsor_type else None)) if sponsor else None,
        "eligibility": Eligibility(sex=ictrp.sex(_value(cells, "Gender")), min_age=ages,
                                   min_age_years=min_years, max_age_years=max_years),
        "primary_outcomes": (Outcome(measure=primary),) if primary else (),
        "secondary_outcomes": (Outcome(measure=secondary),) if secondary else (),
        "locations": tuple(Location(country=c.strip()) for c in dict.fromkeys(countries)),
    }
    prov = prov.model_copy(update={"last_update": fields["last_update"]})
    return build_record(prov, fields)
