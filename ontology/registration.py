"""The year a trial was registered: its record's first-posted date, or, for a ClinicalTrials.gov
record that gives none (the partial-module monitor exports), the year its NCT number was issued.

NCT numbers are issued in order. ``nct_registration_years.tsv`` holds, for each year since
2005, the lowest NCT number among the corpus' records first posted in that year (3,364 records
first posted since 2005; the table places every one of them in its year). Read against the
ICTRP exports' registration dates of the same studies, which the table was not made from, it
gives the year of 2,649 of 2,657 NCT numbers, and all but one of the others within a year
(``tests/test_registration.py``). Numbers below the first row's were issued before 2005, when
numbers were not issued in order: no year is read from them.
"""

from __future__ import annotations

import bisect
from functools import cache

from celltx.ontology import vocab

from celltx.models import TrialRecord

FIRST_POSTED = "first posted"
NCT_NUMBER = "NCT number"


@cache
def _first_numbers() -> tuple[list[int], list[int]]:
    rows = sorted((int(r["first_nct"][3:]), int(r["year"]))
                  for r in vocab.table("nct_registration_years.tsv"))
    return [n for n, _ in rows], [y for _, y in rows]


def month_of(date: str | None) -> int | None:
    """A date's month as months since year 0 (``12 * year + month - 1``; a year alone is its
    January), or None when it has no year.

    >>> divmod(month_of("2017-09-14"), 12), divmod(month_of("2026"), 12), month_of(None)
    ((2017, 8), (2026, 0), None)
    """
    if not date or not date[:4].isdigit():
        return None
    return 12 * int(date[:4]) + (int(date[5:7]) - 1 if date[5:7].isdigit() else 0)


def nct_number_month(nct_id: str) -> int | None:
    """The month ``nct_id`` was issued in (as ``month_of``), read between the first numbers
    of its year and the next (numbers are issued at a steady pace within a year; the last
    year's pace is the year before's); None before 2005 or for another id.

    >>> divmod(nct_number_month("NCT04881240"), 12)  # first posted in May 2021
    (2021, 4)
    """
    if not (nct_id.startswith("NCT") and nct_id[3:].isdigit()):
        return None
    numbers, years = _first_numbers()
    number = int(nct_id[3:])
    i = bisect.bisect_right(numbers, number) - 1
    if i < 0:
        return None
    j = min(i, len(numbers) - 2)  # (the last year's pace is the year before's)
    fraction = min((number - numbers[i]) / (numbers[j + 1] - numbers[j]), 11 / 12)
    return 12 * years[i] + int(12 * fraction)


def nct_number_year(nct_id: str) -> int | None:
    """The year ``nct_id`` was issued in; None as for ``nct_number_month``.

    >>> nct_number_year("NCT03271632"), nct_number_year("NCT00000102"), nct_number_year("x")
    (2017, None, None)
    """
    month = nct_number_month(nct_id)
    return None if month is None else month // 12


def _registered(record: TrialRecord) -> tuple[int, str] | None:
    """(month, how it was read) of the trial's registration."""
    posted = month_of(record.first_posted)
    if posted is not None:
        return posted, FIRST_POSTED
    issued = nct_number_month(record.nct_id or "")
    return None if issued is None else (issued, NCT_NUMBER)


def registration_month(record: TrialRecord) -> int | None:
    """The month ``record``'s trial was registered (as ``month_of``): its first-posted date's,
    else its NCT number's."""
    found = _registered(record)
    return None if found is None else found[0]


def registration_year(record: TrialRecord) -> tuple[int, str] | None:
    """The year ``record``'s trial was registered and how it was read (``first posted`` or
    ``NCT number``), or None when neither tells."""
    found = _registered(record)
    return None if found is None else (found[0] // 12, found[1])
