"""ClinicalTrials.gov website "Download CSV" (and TSV) exports, streamed row by row.

Exports carry any subset of the website's columns (``NCT Number``, ``Study Title``, ``Study
Status``, ``Conditions``, ``Interventions`` as ``TYPE: name|TYPE: name``, ...); the NCT column is
found by its header or, when renamed (e.g. ``term``), by its values. Display values
(``Recruiting``) and enum values (``RECRUITING``) are both mapped to API v2 enums.

The table machinery here (``read_table``) is shared with the retired ct2 export
(``ctgov_legacy_csv``), which differs only in its column names and a few cell formats.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Container, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from itertools import chain
from typing import Any

from celltx.loaders.records import RecordError, build_record, field_reject, parse_field, reject
from celltx.loaders.sources import SourceFile, open_text
from celltx.loaders.values import (
    parse_age,
    parse_age_cell,
    parse_count,
    parse_date,
    parse_design,
    parse_location,
    parse_outcome,
    parse_phases,
    parse_sex,
    parse_status,
    parse_study_type,
    split_typed,
    sponsor_class,
)
from pydantic import ValidationError

from celltx.models import (
    OVERALL_STATUSES,
    STUDY_TYPE_WORD,
    STUDY_TYPES,
    Eligibility,
    Intervention,
    Location,
    Outcome,
    Provenance,
    Reject,
    Screened,
    SourceFormat,
    Sponsor,
    TrialRecord,
    UnreadableFileError,
)

FORMAT = SourceFormat.CTGOV_CSV
NCT_COLUMN = "NCT Number"
NCT_HEADERS = frozenset({"nct number", "nct id", "nct_id", "nctid", "nct", "nct no", "nct no.",
                         "nct_number", "nct numbers", "nctnumber"})
_NCT_VALUE = re.compile(r"^NCT\d{8}$")
LOOKAHEAD_ROWS = 50
FIELD_SIZE_LIMIT = 1 << 23
"""The longest cell read, in characters (8 Mi): a trial with thousands of sites has a long
Locations cell (10,000 sites of 800 characters, models.MAX_ITEMS, fit); a longer cell makes its
row a reject before it is split into items (a 50 MB Interventions cell made 2.9 million of them,
2 GB, before the record was refused)."""

Cells = dict[str, str]
RowMapper = Callable[[Cells, Provenance], TrialRecord | Reject]


def read(source: SourceFile, head: bytes, screen: Callable[[str], bool] | None = None,
         only: Container[int] | None = None) -> Iterator[TrialRecord | Reject | Screened]:
    """Yield a record or a reject for every data row of a website CSV export (or, with ``screen``, a
    ``Screened`` for a well-formed row whose cells ``screen`` rules out, before validating
    it; with ``only``, every row not of those indexes: see ``read_table``)."""
    return read_table(source, head, FORMAT, row_to_record, screen, TEXT_COLUMNS, only)


TEXT_COLUMNS = ("Study Title", "Acronym", "Brief Summary", "Conditions", "Interventions")
"""The columns of a row that its record's free text (``annotate.record_text``) is read from,
with the study type."""


# --- the table: header, NCT column, rows with their physical line numbers ---------------------


@dataclass
class _Row:
    cells: list[str] | None
    line: int
    error: str | None = None
    nct: str | None = None
    """For a row swallowed by another's unclosed quote: the NCT number it starts with."""


class _LineCounter:
    """Feeds the csv reader line by line, remembering the raw text of the current row."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._pending: list[str] = []
        self.current: list[str] = []

    def __iter__(self) -> _LineCounter:
        return self

    def __next__(self) -> str:
        line = self._pending.pop() if self._pending else next(self._lines)
        self.current.append(line)
        return line

    def at_end(self) -> bool:
        if not self._pending:
            nxt = next(self._lines, None)
            if nxt is None:
                return True
            self._pending.append(nxt)
        return False


def _delimiter(head: bytes) -> str:
    return header_delimiter(head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0])


def header_delimiter(first: bytes) -> str:
    """The delimiter of a table's header line: tab, semicolon or comma, the most frequent.

    >>> header_delimiter(b"NCT Number;Study Title;Status"), header_delimiter(b"a,b;c,d")
    (';', ',')
    """
    counts = {d: first.count(d.encode()) for d in ("\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > first.count(b",") else ","


def _rows(text: Iterable[str], delimiter: str) -> Iterator[_Row]:
    lines = _LineCounter(text)
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        start = reader.line_num + 1
        lines.current = []
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield _Row(None, start, f"malformed CSV row: {exc}")
            continue
        raw = "".join(lines.current)
        swallowed = _swallowed(lines.current, delimiter)
        if swallowed:
            # an unclosed quote ran on over rows that begin with their own NCT number: each is
            # named as a reject, and the row that swallowed them is one too
            first = _swallowed(["", lines.current[0]], delimiter)
            yield _Row(None, start, f"unclosed quote: this row ran on over the next "
                                    f"{len(swallowed)} rows", nct=first[0][1] if first else None)
            for offset, nct in swallowed:
                yield _Row(None, start + offset, f"row of {nct} swallowed by the unclosed quote "
                                                 f"of the row at line {start}", nct=nct)
            continue
        if raw.count('"') % 2 and lines.at_end() and _ends_in_quotes(raw, delimiter):
            # The csv module ends a row left inside quotes at the end of the file without
            # complaint: the file was cut in the middle of a quoted cell.
            yield _Row(cells, start, "unterminated quoted cell at the end of the file "
                                     "(truncated file)")
            return
        yield _Row(cells, start)


def _swallowed(physical: list[str], delimiter: str) -> list[tuple[int, str]]:
    """(line offset, NCT number) of each physical line after the first of one CSV row that
    begins like a row of its own (an NCT number, then the delimiter).

    >>> _swallowed(['NCT00000001,"A title', 'NCT00000002,B,C'], ",")
    [(1, 'NCT00000002')]
    """
    starts = re.compile(rf'^\s*"?(NCT\d{{8}})"?\s*{re.escape(delimiter)}')
    return [(i, m.group(1)) for i, line in enumerate(physical[1:], start=1)
            if (m := starts.match(line))]


def _ends_in_quotes(raw: str, delimiter: str) -> bool:
    """Whether a row's text ends inside a quoted cell, read as the csv module reads it
    (a quote opens a cell only at its start; ``""`` inside is a quote).

    >>> _ends_in_quotes('1,"cut in the mid', ","), _ends_in_quotes('1,"A":b",2\\n', ",")
    (True, False)
    """
    in_quotes, at_start, i = False, True, 0
    while i < len(raw):
        c = raw[i]
        if in_quotes:
            if c == '"':
                if raw.startswith('"', i + 1):
                    i += 1
                else:
                    in_quotes = False
        elif c == '"' and at_start:
            in_quotes, at_start = True, False
        else:
            at_start = c in (delimiter, "\r", "\n")
        i += 1
    return in_quotes


def find_nct_column(header: list[str], rows: list[list[str]]) -> int | None:
    """The NCT column: by its header, else the column whose values are mostly NCT numbers.

    >>> find_nct_column(["term", "Study Title"], [["NCT03672695", "x"], ["NCT01234567", "y"]])
    0
    >>> find_nct_column(["Title", "Status"], [["x", "Recruiting"]]) is None
    True
    """
    for i, name in enumerate(header):
        if name.strip().casefold() in NCT_HEADERS:
            return i
    best, best_hits = None, 0
    for i in range(len(header)):
        values = [r[i].strip() for r in rows if i < len(r) and r[i].strip()]
        hits = sum(1 for v in values if _NCT_VALUE.match(v))
        if values and hits * 2 > len(values) and hits > best_hits:
            best, best_hits = i, hits
    return best


def read_table(source: SourceFile, head: bytes, fmt: SourceFormat, to_record: RowMapper,
               screen: Callable[[str], bool] | None = None,
               text_columns: tuple[str, ...] = (), only: Container[int] | None = None
               ) -> Iterator[TrialRecord | Reject | Screened]:
    """Stream a delimited export: each data row becomes ``to_record(cells, provenance)`` or a
    reject naming the row (0-based) and its physical line. A file without an NCT column is
    unreadable as a whole. With ``screen``, a well-formed row whose text (its cells in
    ``text_columns``, those ``to_record`` reads the record's free text from, and its study
    type as ``annotate.record_text`` writes it) ``screen`` rules out is only a ``Screened``:
    its record's text, no more than that, could not pass either. With ``only``, a row whose
    index (``Provenance.record``) is not in it is a ``Screened`` too, whatever its text or
    shape (without an NCT number when malformed), and only the rows in it are validated."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    with open_text(source, head) as text:
        rows = _rows(text, _delimiter(head))
        first = next(rows, None)
        if first is None or not first.cells or not any(c.strip() for c in first.cells):
            raise UnreadableFileError(source.path, "empty CSV file (no header row)")
        header = [c.strip() for c in first.cells]
        ahead: list[_Row] = []
        for row in rows:
            ahead.append(row)
            if len(ahead) >= LOOKAHEAD_ROWS:
                break
        # rows of the header's width only: a ragged or run-on row says nothing about columns
        nct_col = find_nct_column(header, [r.cells for r in ahead
                                           if r.cells and len(r.cells) == len(header)])
        if nct_col is None:
            raise UnreadableFileError(
                source.path,
                f"no NCT number column: the header is {', '.join(header[:12])}"
                f"{', ...' if len(header) > 12 else ''} and no column holds NCT numbers "
                "(NCT followed by 8 digits); export the search with the 'NCT Number' column",
            )
        header[nct_col] = NCT_COLUMN
        study_type_col = header.index(STUDY_TYPE_COLUMN) if STUDY_TYPE_COLUMN in header else None
        text_cols = [i for i, name in enumerate(header) if name in text_columns]
        index = 0
        for row in chain(ahead, rows):
            if row.cells is not None and not any(c.strip() for c in row.cells):
                continue  # a blank line is not a record
            prov = Provenance(path=source.path, format=fmt, record=index, line=row.line)
            index += 1
            cells = _well_formed(row, len(header))
            if (only is not None and prov.record not in only) or (
                    screen is not None and cells is not None
                    and not screen(_row_text(cells, text_cols, study_type_col))):
                yield Screened(source.path, prov.record,
                               cells[nct_col].strip() or None if cells is not None else None)
                continue
            yield _row_result(row, cells, header, nct_col, prov, to_record)


STUDY_TYPE_COLUMN = "Study Type"


def _well_formed(row: _Row, width: int) -> list[str] | None:
    """A row's cells, without empty ones beyond the header's width, when it has the header's
    width and no error (``_row_result`` rejects the others); else None."""
    cells = row.cells
    if cells is None or row.error:
        return None
    if len(cells) > width and not any(c.strip() for c in cells[width:]):
        cells = cells[:width]
    return cells if len(cells) == width else None


def _row_text(cells: list[str], text_cols: list[int], study_type_col: int | None) -> str:
    """A row's cells of free text, and its study type after ``STUDY_TYPE_WORD`` as
    ``annotate.record_text`` writes it (none when it does not parse: the row is a reject)."""
    parts = [cells[i] for i in text_cols]
    value = cells[study_type_col].strip() if study_type_col is not None else ""
    if value and value != "null":  # (what ``text`` reads as empty)
        with suppress(RecordError):
            if kind := study_type_of(STUDY_TYPE_COLUMN, value):
                parts.append(f"{STUDY_TYPE_WORD} {kind}")
    return "\n".join(parts)


def _row_result(row: _Row, cells: list[str] | None, header: list[str], nct_col: int,
                prov: Provenance, to_record: RowMapper) -> TrialRecord | Reject:
    """The record of a well-formed row (``cells``, from ``_well_formed``), else a reject
    saying why the row is not."""
    if cells is not None:
        return to_record(dict(zip(header, (c.strip() for c in cells), strict=True)), prov)
    if row.cells is None:
        return reject(prov, row.error or "malformed CSV row", nct_id=row.nct)
    nct = row.cells[nct_col].strip() if nct_col < len(row.cells) else None
    if row.error:
        return reject(prov, row.error, nct_id=nct or None)
    return reject(prov, f"row has {len(row.cells)} fields where the header has {len(header)} "
                        "(truncated or malformed row)", nct_id=nct or None)


# --- cells -> record ------------------------------------------------------------------------


def text(cells: Cells, *names: str) -> str | None:
    """The first non-empty cell among ``names`` (``null`` counts as empty)."""
    for name in names:
        value = cells.get(name)
        if value and value != "null":
            return value
    return None


def split(value: str | None, sep: str = "|") -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(p.strip() for p in value.split(sep) if p.strip())


def status_of(column: str, value: str | None) -> str | None:
    status = parse_field(column, parse_status, value)
    if status is not None and status not in OVERALL_STATUSES:
        raise RecordError(column, f"unknown overall status {value!r}")
    return status


def study_type_of(column: str, value: str | None) -> str | None:
    kind = parse_field(column, parse_study_type, value)
    if kind is not None and kind not in STUDY_TYPES:
        raise RecordError(column, f"unknown study type {value!r}")
    return kind


def interventions_of(value: str | None) -> tuple[Intervention, ...]:
    out = []
    for part in split(value):
        kind, name = split_typed(part)
        out.append(Intervention(type=kind, name=name))
    return tuple(out)


def outcomes_of(value: str | None) -> tuple[Outcome, ...]:
    out = []
    for part in split(value):
        measure, description, time_frame = parse_outcome(part)
        if measure:
            out.append(Outcome(measure=measure, description=description, time_frame=time_frame))
    return tuple(out)


def locations_of(value: str | None, *, with_zip: bool = True) -> tuple[Location, ...]:
    return tuple(Location(**parse_location(p, with_zip=with_zip)) for p in split(value))


def eligibility_of(cells: Cells, age_column: str, sex_columns: tuple[str, ...],
                   criteria: str | None = None) -> Eligibility:
    min_age, max_age, std_ages = parse_field(age_column, parse_age_cell, cells.get(age_column))
    return Eligibility(
        criteria=criteria, sex=parse_sex(text(cells, *sex_columns)), min_age=min_age,
        max_age=max_age, min_age_years=parse_age(min_age), max_age_years=parse_age(max_age),
        std_ages=std_ages,
    )


def dates_of(cells: Cells, columns: dict[str, str]) -> dict[str, str | None]:
    """Record date fields from their columns, each parsed keeping its precision."""
    return {field: parse_field(col, parse_date, text(cells, col)) for field, col in
            columns.items()}


DATE_COLUMNS = {
    "start_date": "Start Date", "primary_completion_date": "Primary Completion Date",
    "completion_date": "Completion Date", "first_posted": "First Posted",
    "last_update": "Last Update Posted",
}


def finish(prov: Provenance, fields: dict[str, Any]) -> TrialRecord | Reject:
    """Attach the last-update date to the provenance and validate the record."""
    prov = prov.model_copy(update={"last_update": fields.get("last_update")})
    return build_record(prov, fields)


def row_to_record(cells: Cells, prov: Provenance) -> TrialRecord | Reject:
    """Map one row of the website's current export to a record, or a reject naming the
    column."""
    nct = cells.get(NCT_COLUMN) or None
    try:
        fields = _fields(cells)
    except (RecordError, ValidationError) as exc:
        return field_reject(prov, exc, nct_id=nct)
    return finish(prov, fields)


def _fields(cells: Cells) -> dict[str, Any]:
    lead = text(cells, "Sponsor")
    return {
        "nct_id": cells.get(NCT_COLUMN) or None,
        "secondary_ids": split(text(cells, "Other IDs")),
        "brief_title": text(cells, "Study Title"),
        "acronym": text(cells, "Acronym"),
        "overall_status": status_of("Study Status", text(cells, "Study Status")),
        **dates_of(cells, DATE_COLUMNS),
        "phases": parse_field("Phases", parse_phases, text(cells, "Phases")),
        "study_type": study_type_of("Study Type", text(cells, "Study Type")),
        **parse_field("Study Design", parse_design, text(cells, "Study Design")),
        "enrollment": parse_field("Enrollment", parse_count, text(cells, "Enrollment")),
        "conditions": split(text(cells, "Conditions")),
        "interventions": interventions_of(text(cells, "Interventions")),
        "lead_sponsor": Sponsor(name=lead, sponsor_class=sponsor_class(text(cells, "Funder Type")))
        if lead else None,
        "collaborators": tuple(Sponsor(name=c) for c in split(text(cells, "Collaborators"))),
        "eligibility": eligibility_of(cells, "Age", ("Sex", "Gender")),
        "primary_outcomes": outcomes_of(text(cells, "Primary Outcome Measures")),
        "secondary_outcomes": outcomes_of(text(cells, "Secondary Outcome Measures")),
        "locations": locations_of(text(cells, "Locations")),
        "brief_summary": text(cells, "Brief Summary"),
    }
