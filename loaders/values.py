"""Parsers for the registry's value formats shared by every loader: dates, ages, enums.

Each raises ``ValueError`` with a short reason; the loader turns that into a reject naming the
file, the record and the field.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?,?\s+(\d{4})$")


def _month(name: str) -> int:
    try:
        return _MONTHS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown month {name!r}") from None


def _iso(year: int, month: int | None = None, day: int | None = None) -> str:
    if not 1800 <= year <= 2200:
        raise ValueError(f"impossible year {year}")
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        raise ValueError(f"impossible month {month}")
    if day is None:
        return f"{year:04d}-{month:02d}"
    date(year, month, day)  # raises ValueError for 2023-02-30
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_date(text: str | None) -> str | None:
    """Parse a registry date, keeping its precision.

    >>> parse_date("2023-12"), parse_date("December 1, 2023"), parse_date("March 2018")
    ('2023-12', '2023-12-01', '2018-03')
    >>> parse_date("25 March 2022")
    '2022-03-25'
    """
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    if m := _ISO.match(text):
        y, mo, d = m.groups()
        return _iso(int(y), int(mo) if mo else None, int(d) if d else None)
    if m := _MONTH_DAY_YEAR.match(text):
        return _iso(int(m.group(3)), _month(m.group(1)), int(m.group(2)))
    if m := _DAY_MONTH_YEAR.match(text):
        return _iso(int(m.group(3)), _month(m.group(2)), int(m.group(1)))
    if m := _MONTH_YEAR.match(text):
        return _iso(int(m.group(2)), _month(m.group(1)))
    raise ValueError(f"unrecognised date {text!r}")


_AGE = re.compile(
    r"^(\d+(?:\.\d+)?)\s*(years?|yrs?|months?|weeks?|days?|hours?|minutes?)?$", re.IGNORECASE
)
_PER_YEAR = {"year": 1.0, "yr": 1.0, "month": 12.0, "week": 52.1775, "day": 365.25,
             "hour": 8766.0, "minute": 525960.0}


def parse_age(text: str | None) -> float | None:
    """Convert a registry age (``18 Years``, ``6 Months``, ``N/A``) to years.

    >>> parse_age("18 Years"), parse_age("6 Months"), parse_age("N/A")
    (18.0, 0.5, None)
    """
    if text is None:
        return None
    text = text.strip()
    if not text or text.upper() in {"N/A", "NA", "NONE", "NO LIMIT"}:
        return None
    m = _AGE.match(text)
    if not m:
        raise ValueError(f"unrecognised age {text!r}")
    unit = (m.group(2) or "years").lower().rstrip("s")
    return round(float(m.group(1)) / _PER_YEAR[unit], 4)


def enum_name(text: str | None) -> str | None:
    """Turn a display value (``Active, not recruiting``) into the API v2 enum name.

    >>> enum_name("Active, not recruiting"), enum_name("Phase 1/Phase 2"), enum_name("RECRUITING")
    ('ACTIVE_NOT_RECRUITING', 'PHASE_1_PHASE_2', 'RECRUITING')
    """
    if text is None:
        return None
    text = text.strip()
    if not text:
        return None
    return re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")


_PHASE_WORDS = {
    "EARLY_PHASE1": "EARLY_PHASE1", "EARLY_PHASE_1": "EARLY_PHASE1", "PHASE_0": "EARLY_PHASE1",
    "PHASE1": "PHASE1", "PHASE_1": "PHASE1", "PHASE2": "PHASE2", "PHASE_2": "PHASE2",
    "PHASE3": "PHASE3", "PHASE_3": "PHASE3", "PHASE4": "PHASE4", "PHASE_4": "PHASE4",
    "NA": "NA", "N_A": "NA", "NOT_APPLICABLE": "NA",
}


def parse_phases(text: str | None) -> tuple[str, ...]:
    """Parse a phase cell (``PHASE1|PHASE2``, ``Phase 1|Phase 2``, ``Phase 1/Phase 2``).

    >>> parse_phases("Phase 1|Phase 2"), parse_phases("PHASE2"), parse_phases("Not Applicable")
    (('PHASE1', 'PHASE2'), ('PHASE2',), ('NA',))
    """
    if text is None or not text.strip():
        return ()
    out: list[str] = []
    for part in re.split(r"[|/,]", text):
        name = enum_name(part)
        if not name:
            continue
        if name not in _PHASE_WORDS:
            raise ValueError(f"unknown phase {part.strip()!r}")
        out.append(_PHASE_WORDS[name])
    return tuple(out)
