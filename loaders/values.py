"""Parsers for the registry's value formats shared by every loader: dates, ages, enums.

Each raises ``ValueError`` with a short reason; the loader turns that into a reject naming the
file, the record and the field. The pure string parsers are memoised: exports repeat the same
statuses, phases and dates thousands of times.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache
from typing import Any, TypedDict

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
    iso = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        date(year, month, day)
    except ValueError:  # (its message, "day is out of range for month", named no date)
        raise ValueError(f"impossible date {iso}") from None
    return iso


@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=4096)
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
        raise ValueError(f"unrecognised age {shown(text)}")
    unit = (m.group(2) or "years").lower().rstrip("s")
    years = round(float(m.group(1)) / _PER_YEAR[unit], 4)
    if not math.isfinite(years):  # a number of hundreds of digits is infinity as a float
        raise ValueError(f"age out of range: {shown(text)}")
    return years


@lru_cache(maxsize=4096)
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


@lru_cache(maxsize=4096)
def parse_phases(text: str | None) -> tuple[str, ...]:
    """Parse a phase cell (``PHASE1|PHASE2``, ``Phase 1|Phase 2``, ``Phase 1/Phase 2``).

    >>> parse_phases("Phase 1|Phase 2"), parse_phases("PHASE2"), parse_phases("Not Applicable")
    (('PHASE1', 'PHASE2'), ('PHASE2',), ('NA',))
    >>> parse_phases("Phase 1/Phase 2"), parse_phases("N/A")
    (('PHASE1', 'PHASE2'), ('NA',))
    """
    if text is None or not text.strip() or text.strip().lower() == "null":
        return ()
    whole = enum_name(text)
    if whole in _PHASE_WORDS:  # "N/A" is one value, not two
        return (_PHASE_WORDS[whole],)
    out: list[str] = []
    for part in re.split(r"[|/,]", text):
        name = enum_name(part)
        if not name:
            continue
        if name not in _PHASE_WORDS:
            raise ValueError(f"unknown phase {part.strip()!r}")
        out.append(_PHASE_WORDS[name])
    return tuple(out)


# --- display values of the website exports and the retired XML, mapped to API v2 enums ---

_STATUS_ALIASES = {"UNKNOWN_STATUS": "UNKNOWN", "ACTIVE_NOT_RECRUITING": "ACTIVE_NOT_RECRUITING",
                   "NOT_YET_RECRUITING": "NOT_YET_RECRUITING", "APPROVED_FOR_MARKETING":
                   "APPROVED_FOR_MARKETING", "AVAILABLE_FOR_EXPANDED_ACCESS": "AVAILABLE",
                   "NO_LONGER_AVAILABLE_FOR_EXPANDED_ACCESS": "NO_LONGER_AVAILABLE"}


@lru_cache(maxsize=4096)
def parse_status(text: str | None) -> str | None:
    """An overall status as written (``Unknown status``, ``RECRUITING``) as its API v2 enum.

    >>> parse_status("Unknown status"), parse_status("Active, not recruiting")
    ('UNKNOWN', 'ACTIVE_NOT_RECRUITING')
    """
    name = enum_name(_null(text))
    return None if name is None else _STATUS_ALIASES.get(name, name)


@lru_cache(maxsize=4096)
def parse_study_type(text: str | None) -> str | None:
    """``Interventional``, ``Expanded Access:Treatment IND/Protocol``, ``Observational [Patient
    Registry]`` -> ``INTERVENTIONAL``, ``EXPANDED_ACCESS``, ``OBSERVATIONAL``.

    >>> parse_study_type('Expanded Access:Treatment IND/Protocol"')
    'EXPANDED_ACCESS'
    """
    text = _null(text)
    if text is None:
        return None
    return enum_name(re.split(r"[:\[(]", text, maxsplit=1)[0])


_DESIGN_ALIASES = {
    # allocation
    "N_A": "NA", "NON_RANDOMIZED": "NON_RANDOMIZED", "RANDOMIZED": "RANDOMIZED",
    # intervention model
    "SINGLE_GROUP_ASSIGNMENT": "SINGLE_GROUP", "PARALLEL_ASSIGNMENT": "PARALLEL",
    "CROSSOVER_ASSIGNMENT": "CROSSOVER", "FACTORIAL_ASSIGNMENT": "FACTORIAL",
    "SEQUENTIAL_ASSIGNMENT": "SEQUENTIAL",
    # primary purpose
    "EDUCATIONAL_COUNSELING_TRAINING": "ECT",
}


@lru_cache(maxsize=4096)
def design_value(text: str | None) -> str | None:
    """A design value as its API v2 enum; masking keeps only its level.

    >>> design_value("Single Group Assignment"), design_value("None (Open Label)")
    ('SINGLE_GROUP', 'NONE')
    >>> design_value("QUADRUPLE (PARTICIPANT, CARE_PROVIDER)"), design_value("N/A")
    ('QUADRUPLE', 'NA')
    """
    text = _null(text)
    if text is None:
        return None
    name = enum_name(text.split("(", 1)[0])
    return None if name is None else _DESIGN_ALIASES.get(name, name)


_DESIGN_KEYS = {"allocation": "allocation", "intervention_model": "intervention_model",
                "masking": "masking", "primary_purpose": "primary_purpose"}


def parse_design(text: str | None) -> dict[str, str | None]:
    """A ``Study Design`` cell (``Allocation: X|Intervention Model: Y|...``) as record fields.

    >>> parse_design("Allocation: NA|Intervention Model: SINGLE_GROUP|Masking: NONE")
    {'allocation': 'NA', 'intervention_model': 'SINGLE_GROUP', 'masking': 'NONE'}
    """
    out: dict[str, str | None] = {}
    for part in (text or "").split("|"):
        key, sep, value = part.partition(":")
        field = _DESIGN_KEYS.get((enum_name(key) or "").lower()) if sep else None
        if field:
            out[field] = design_value(value)
    return out


_SPONSOR_CLASSES = {"U_S_FED": "FED", "US_FED": "FED", "OTHER_U_S_FEDERAL_AGENCY": "FED",
                    "FEDERAL": "FED", "INDIVIDUAL": "INDIV"}


@lru_cache(maxsize=4096)
def sponsor_class(text: str | None) -> str | None:
    """An agency class or funder type (``U.S. Fed``, ``Industry``, ``OTHER_GOV``) as an enum.

    >>> sponsor_class("U.S. Fed"), sponsor_class("Industry"), sponsor_class("OTHER_GOV")
    ('FED', 'INDUSTRY', 'OTHER_GOV')
    """
    name = enum_name(_null(text))
    return None if name is None else _SPONSOR_CLASSES.get(name, name)


_ENROLLMENT_TYPES = {"ANTICIPATED": "ESTIMATED", "ESTIMATE": "ESTIMATED"}


def enrollment_type(text: str | None) -> str | None:
    """``Anticipated`` -> ``ESTIMATED``, ``Actual`` -> ``ACTUAL``.

    >>> enrollment_type("Anticipated"), enrollment_type("Actual")
    ('ESTIMATED', 'ACTUAL')
    """
    name = enum_name(_null(text))
    return None if name is None else _ENROLLMENT_TYPES.get(name, name)


def parse_count(text: str | None) -> int | None:
    """An enrollment count (``120``, ``1,200``, ``null``) as an integer.

    >>> parse_count("1,200"), parse_count("null"), parse_count(" 30 ")
    (1200, None, 30)
    """
    text = _null(text)
    return None if text is None else whole_number(text)


MAX_COUNT = 2**63 - 1
"""The largest count read (an enrollment): what a 64-bit integer holds, as Neo4j, the JSON
outputs' readers and the graph's other consumers do. A larger number is a mistake in the file
(``10**400``), never a trial's size."""


def whole_number(value: Any) -> int | None:
    """A count written as a number or as text, from 0 to ``MAX_COUNT``; ``None`` for no value.

    Raises ``ValueError`` (never ``OverflowError``) for a fraction, NaN, infinity, a negative
    number, one over ``MAX_COUNT`` however many digits it has, ``true``/``false`` or any other
    text; the message quotes the value shortly.

    >>> whole_number(30), whole_number(30.0), whole_number("1,200"), whole_number(None)
    (30, 30, 1200, None)
    >>> whole_number(10**400)
    Traceback (most recent call last):
    ValueError: not a whole number from 0 to 9223372036854775807: a number of 401 digits
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a whole number: {shown(value)}")
    if isinstance(value, str):
        digits = value.strip().replace(",", "")
        if not digits.isdecimal():  # (what int() reads: not '²', which isdigit() passes)
            raise ValueError(f"not a whole number: {shown(value)}")
        if len(digits.lstrip("0")) > len(str(MAX_COUNT)):
            raise ValueError(f"not a whole number from 0 to {MAX_COUNT}: {shown(value)}")
        number = int(digits)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():  # (NaN and infinity are not)
            raise ValueError(f"not a whole number: {shown(value)}")
        if not -MAX_COUNT <= value <= MAX_COUNT:
            raise ValueError(f"not a whole number from 0 to {MAX_COUNT}: {shown(value)}")
        number = int(value)
    else:
        raise ValueError(f"not a whole number: {shown(value)}")
    if not 0 <= number <= MAX_COUNT:
        raise ValueError(f"not a whole number from 0 to {MAX_COUNT}: {shown(value)}")
    return number


def bounded_number(value: Any, limit: float) -> float | None:
    """A number (or its text) from ``-limit`` to ``limit`` as a float (a latitude, a
    longitude); ``None`` for no value. Raises ``ValueError`` (never ``OverflowError``) for
    NaN, infinity, one out of range however many digits it has, ``true``/``false`` or text
    that is no number.

    >>> bounded_number(45.5, 90), bounded_number("-73", 180), bounded_number("", 90)
    (45.5, -73.0, None)
    >>> bounded_number(float("inf"), 90)
    Traceback (most recent call last):
    ValueError: not a number from -90 to 90: inf
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a number: {shown(value)}")
    if isinstance(value, int) and abs(value) > limit:  # (no float of it: it may overflow)
        raise ValueError(f"not a number from {-limit:g} to {limit:g}: {shown(value)}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise ValueError(f"not a number: {shown(value)}") from None
    if not (math.isfinite(number) and -limit <= number <= limit):
        raise ValueError(f"not a number from {-limit:g} to {limit:g}: {shown(value)}")
    return number


def shown(value: Any, width: int = 40) -> str:
    """A value as a message quotes it: an integer of many digits by their number (``str`` of
    one over 4,300 digits raises), anything else as its ``repr`` cut to ``width`` characters.

    >>> shown(10**400), shown("x" * 100, 10), shown(2.5)
    ('a number of 401 digits', "'xxxxxxxx…", '2.5')
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of {_digit_count(value)} digits"
    text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def _digit_count(number: int) -> int:
    """How many decimal digits ``abs(number)`` has, without converting it to text."""
    number = abs(number)
    estimate = max(1, int(number.bit_length() * math.log10(2)))  # exact or one short
    return estimate + 1 if number >= 10**estimate else estimate


def parse_sex(text: str | None) -> str | None:
    """``All``/``Both`` -> ``ALL``; ``Female``, ``MALE`` -> enums.

    >>> parse_sex("Both"), parse_sex("Female")
    ('ALL', 'FEMALE')
    """
    name = enum_name(_null(text))
    return "ALL" if name == "BOTH" else name


def _null(text: str | None) -> str | None:
    """Empty cells and the legacy export's literal ``null`` are missing values."""
    if text is None:
        return None
    text = text.strip()
    return None if not text or text.lower() == "null" else text


_AGE_RANGE = re.compile(
    r"^(?:(?P<min>\d[^()]*?)\s+to\s+(?P<max>\d[^()]*?)|(?P<min_only>\d[^()]*?)\s+and\s+older"
    r"|up\s+to\s+(?P<max_only>\d[^()]*?))?\s*(?:\((?P<std>[^()]*)\))?$",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def parse_age_cell(text: str | None) -> tuple[str | None, str | None, tuple[str, ...]]:
    """An export's ``Age`` cell as (minimum age, maximum age, standard age groups).

    >>> parse_age_cell("18 Years to 75 Years \\xa0 (Adult, Older Adult)")
    ('18 Years', '75 Years', ('ADULT', 'OLDER_ADULT'))
    >>> parse_age_cell("up to 17 Years   (Child)"), parse_age_cell("CHILD, ADULT")
    ((None, '17 Years', ('CHILD',)), (None, None, ('CHILD', 'ADULT')))
    """
    text = _null(text.replace("\xa0", " ") if text else text)
    if text is None:
        return None, None, ()
    m = _AGE_RANGE.match(text)
    if m is None or not any(m.groupdict().values()):
        return None, None, _std_ages(text)
    std = _std_ages(m["std"] or "")
    low = m["min"] or m["min_only"]
    high = m["max"] or m["max_only"]
    for age in (low, high):
        parse_age(age)
    return (low.strip() if low else None, high.strip() if high else None, std)


_STD_AGES = frozenset({"CHILD", "ADULT", "OLDER_ADULT"})


def _std_ages(text: str) -> tuple[str, ...]:
    groups = tuple(n for p in text.split(",") if (n := enum_name(p)))
    if any(g not in _STD_AGES for g in groups):
        raise ValueError(f"unrecognised age range {text!r}")
    return groups


def split_typed(text: str) -> tuple[str | None, str]:
    """``DRUG: name`` or ``Biological: name`` -> (``DRUG``/``BIOLOGICAL``, name).

    >>> split_typed("Dietary Supplement: Vitamin D"), split_typed("CAR-T cells")
    (('DIETARY_SUPPLEMENT', 'Vitamin D'), (None, 'CAR-T cells'))
    """
    head, sep, rest = text.partition(":")
    kind = enum_name(head) if sep else None
    if kind in INTERVENTION_TYPES and rest.strip():
        return kind, rest.strip()
    return None, text.strip()


INTERVENTION_TYPES = frozenset(
    {"BEHAVIORAL", "BIOLOGICAL", "COMBINATION_PRODUCT", "DEVICE", "DIAGNOSTIC_TEST",
     "DIETARY_SUPPLEMENT", "DRUG", "GENETIC", "PROCEDURE", "RADIATION", "OTHER"}
)

_COUNTRY_TAIL = re.compile(
    r"^(Republic of|Islamic Republic of|Democratic People's Republic of|The Democratic Republic "
    r"of the|United Republic of|Province of China|Federated States of|Bolivarian Republic of|"
    r"Plurinational State of|The Former Yugoslav Republic of|U\.S\.|British|occupied)$",
    re.IGNORECASE,
)
_ZIP = re.compile(r"^(?=.*\d)[A-Z0-9][A-Z0-9 \-]{1,10}$", re.IGNORECASE)


class LocationParts(TypedDict):
    """The fields of a ``Location`` that a ``Locations`` entry gives (None when left out)."""

    facility: str | None
    city: str | None
    state: str | None
    zip: str | None
    country: str | None


def parse_location(text: str, *, with_zip: bool = True) -> LocationParts:
    """A ``Locations`` entry (``Facility, City, State, Zip, Country``; empty parts left out)
    as location fields. The facility may itself contain commas, so parts are taken from the
    right: country (``Korea, Republic of`` kept whole), a zip when it has digits, a state when
    it is a known subdivision of the country, then the city; the rest is the facility.

    >>> parse_location("Mayo Clinic, Rochester, Minnesota, 55905, United States")
    {'facility': 'Mayo Clinic', 'city': 'Rochester', 'state': 'Minnesota', 'zip': '55905', \
'country': 'United States'}
    >>> parse_location("Samsung Medical Center, Seoul, Korea, Republic of")["country"]
    'Korea, Republic of'
    >>> parse_location("Zhujiang Hospital, Guangzhou, Guangdong, 510282, China")["state"]
    'Guangdong'
    """
    parts = [p.strip() for p in text.split(", ")]
    parts = [p for p in parts if p]
    out = LocationParts(facility=None, city=None, state=None, zip=None, country=None)
    if not parts:
        return out
    country = parts.pop()
    if parts and _COUNTRY_TAIL.match(country):
        country = f"{parts.pop()}, {country}"
    out["country"] = country
    if with_zip and len(parts) >= 2 and _ZIP.match(parts[-1]):
        out["zip"] = parts.pop()
    if len(parts) >= 2 and is_subdivision(parts[-1], country) and (
        len(parts) >= 3 or country == "United States"
    ):
        out["state"] = parts.pop()
    if parts:
        out["city"] = parts.pop()
    if parts:
        out["facility"] = ", ".join(parts)
    return out


_SUBDIVISIONS: dict[str, frozenset[str]] = {}


def is_subdivision(name: str, country: str) -> bool:
    """Whether ``name`` is a state/province of ``country`` (by name or code, per pycountry)."""
    if country not in _SUBDIVISIONS:
        _SUBDIVISIONS[country] = _load_subdivisions(country)
    return name.casefold() in _SUBDIVISIONS[country]


def _load_subdivisions(country: str) -> frozenset[str]:
    import pycountry

    try:
        code = pycountry.countries.lookup(country).alpha_2
    except LookupError:
        return frozenset()
    names: set[str] = set()
    for sub in pycountry.subdivisions.get(country_code=code) or []:
        names.add(sub.name.casefold())
        names.add(sub.code.split("-", 1)[1].casefold())
        names.add(re.sub(r"\s*\(.*\)$", "", sub.name).casefold())
        names.add(_ADMIN_SUFFIX.sub("", sub.name).casefold())  # "Guangdong Sheng" -> "Guangdong"
    return frozenset(names)


_ADMIN_SUFFIX = re.compile(
    r"(\s+(\w+zu\s+|Uygur\s+)?Zizhiqu|\s+Sheng|\s+Shi|\s+SAR|-(do|teukbyeolsi|gwangyeoksi|"
    r"teukbyeoljachido|teukbyeoljachisi))$"
)


_TIME_WORDS = re.compile(
    r"\d|\b(day|days|week|weeks|month|months|year|years|hour|hours|minute|minutes|baseline|"
    r"visit|cycle|through|until|up to|end of|completion|discharge|follow[- ]?up|post|screening|"
    r"period|duration)\b",
    re.IGNORECASE,
)


def parse_outcome(text: str) -> tuple[str, str | None, str | None]:
    """An export's outcome (``measure, description, time frame``, empty parts left out) as
    (measure, description, time frame). The export joins the parts with ``", "`` which they may
    contain themselves: the measure is taken up to the first separator and the time frame is
    the last part when it reads like one; the rest is the description.

    >>> parse_outcome("Overall response rate, CR + PR, 12 weeks")
    ('Overall response rate', 'CR + PR', '12 weeks')
    >>> parse_outcome("Safety, Incidence of adverse events")
    ('Safety', 'Incidence of adverse events', None)
    >>> parse_outcome("Drinking days, Number of drinking days., Baseline, 3, 6, and 12 months")
    ('Drinking days', 'Number of drinking days.', 'Baseline, 3, 6, and 12 months')
    """
    parts = text.strip().split(", ")
    measure = parts[0].strip()
    rest = parts[1:]
    time_frame = None
    if rest and _TIME_WORDS.search(rest[-1]) and len(rest[-1]) <= 200:
        frame = [rest.pop()]
        # "Baseline, 3, 6, and 12 months": short time-like parts before it belong to it
        while rest and len(rest[-1].split()) <= 3 and _TIME_WORDS.search(rest[-1]):
            frame.insert(0, rest.pop())
        time_frame = ", ".join(frame).strip()
    description = ", ".join(rest).strip() or None
    return measure, description, time_frame
