"""WHO ICTRP trial lists as tables: the CSV (``TrialID,Last Refreshed on,Public title,…``) and
the same list saved as an Excel workbook (XLSX, read with openpyxl). Columns are ICTRP's XML
fields with spaces for underscores; the mapping is ``ictrp.to_record``. XLSX quirks: dates as
Excel dates or serial numbers, carriage returns as ``_x000D_``, a phase like ``2-3`` turned
into a date by Excel (read back as its two phases by ``ictrp.phases``).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from celltx.loaders import ictrp
from celltx.loaders.csv_table import open_table
from celltx.loaders.sources import DECOMPRESSION_ERRORS, SourceFile

from celltx.models import Provenance, Reject, SourceFormat, TrialRecord, UnreadableFileError

CSV_FORMAT = SourceFormat.ICTRP_CSV
XLSX_FORMAT = SourceFormat.ICTRP_XLSX
ID_COLUMN = "trialid"
HEADER_COLUMNS = frozenset({"trialid", "public_title", "source_register", "date_enrollement",
                            "recruitment_status", "scientific_title"})
"""Columns that only an ICTRP list has together (detection needs ``trialid`` and two more)."""


def is_ictrp_header(names: Iterable[str]) -> bool:
    keys = {ictrp.key(n) for n in names}
    return ID_COLUMN in keys and len(keys & HEADER_COLUMNS) >= 3


def read(source: SourceFile, head: bytes) -> Iterator[TrialRecord | Reject]:
    """Yield a record or a reject for every data row of an ICTRP CSV list."""
    with open_table(source, head, is_ictrp_header,
                    "CSV without ICTRP's TrialID header") as (header, rows):
        yield from _rows(source.path, CSV_FORMAT, header, rows)


def _rows(path: str, fmt: SourceFormat, header: list[Any],
          rows: Iterable[tuple[int, list[Any] | str]]) -> Iterator[TrialRecord | Reject]:
    keys = [ictrp.key(str(h or "")) for h in header]
    index = 0
    for line, row in rows:
        if not isinstance(row, str) and not any(c not in (None, "") for c in row):
            continue  # a blank row is no record
        prov = Provenance(path=path, format=fmt, record=index, line=line)
        index += 1
        if isinstance(row, str):
            yield Reject(path=path, format=fmt, record=prov.record, line=line, reason=row)
            continue
        yield ictrp.to_record(dict(zip(keys, row, strict=False)), prov)


def read_xlsx(source: SourceFile, head: bytes) -> Iterator[TrialRecord | Reject]:
    """Yield a record or a reject for every data row of the first sheet of an ICTRP XLSX."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with source.open() as fh:
            data = io.BytesIO(fh.read())
        book = openpyxl.load_workbook(data, read_only=True, data_only=True)
    except (*DECOMPRESSION_ERRORS, KeyError, ValueError, InvalidFileException) as exc:
        raise UnreadableFileError(source.path, f"not a readable Excel workbook: {exc}") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = list(next(rows, None) or ())
        if not is_ictrp_header(str(h) for h in header if h is not None):
            raise UnreadableFileError(source.path, "an Excel workbook whose first sheet is not "
                                      "an ICTRP list (no TrialID column)")
        yield from _rows(source.path, XLSX_FORMAT, header,
                         ((n, list(r)) for n, r in enumerate(rows, start=2)))
    except zipfile.BadZipFile as exc:
        raise UnreadableFileError(source.path, f"damaged Excel workbook: {exc}") from None
    finally:
        book.close()
