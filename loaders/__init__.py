"""Loaders: every source format read into ``TrialRecord``s (or ``Reject``s).

One module per format, each with ``read(source, head) -> Iterator[TrialRecord | Reject]``;
``READERS`` maps a detected format to its module, so adding a format is one file and one line.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Container, Iterator
from pathlib import Path
from typing import overload

from celltx.loaders.detect import ZIP_MAGIC, detect_format
from celltx.loaders.sources import SourceFile, is_workbook, iter_sources, read_head, zip_members

from celltx.models import Reject, Screened, SourceFormat, TrialRecord, UnreadableFileError

READERS: dict[SourceFormat, str] = {
    SourceFormat.CTGOV_V2_JSON: "celltx.loaders.ctgov_v2",
    SourceFormat.CTGOV_CSV: "celltx.loaders.ctgov_csv",
    SourceFormat.CTGOV_LEGACY_CSV: "celltx.loaders.ctgov_legacy_csv",
    SourceFormat.CTGOV_XML: "celltx.loaders.ctgov_xml",
    SourceFormat.REGISTRY_PAGE: "celltx.loaders.registry_page",
    SourceFormat.ICTRP_XML: "celltx.loaders.ictrp_xml",
    SourceFormat.ICTRP_CSV: "celltx.loaders.ictrp_table",
    SourceFormat.ICTRP_XLSX: "celltx.loaders.ictrp_xlsx",
    SourceFormat.CTIS_CSV: "celltx.loaders.ctis_csv",
    SourceFormat.CHICTR_XML: "celltx.loaders.chictr_xml",
}

__all__ = ["READERS", "SCREENING", "SCREEN_IS_FINAL", "Screen", "SourceFile", "iter_sources",
           "read_source", "read_paths"]


Screen = Callable[[str], bool]
"""Whether a record's free text may belong to a kept record (see ``read_source``)."""
SCREENING = frozenset({SourceFormat.CTGOV_V2_JSON, SourceFormat.CTGOV_CSV,
                       SourceFormat.CTGOV_LEGACY_CSV})
"""Formats whose readers screen raw records before validating them."""
SCREEN_IS_FINAL = frozenset({SourceFormat.CTGOV_V2_JSON})
"""Formats whose screen reads the free text that the scope check of a validated record reads
(``ctgov_v2.study_text``), so that a record it passes needs no second check; the CSV readers'
screen reads every cell of a row, more than that, and their records are checked again."""


@overload
def read_source(source: SourceFile) -> tuple[SourceFormat, Iterator[TrialRecord | Reject]]: ...


@overload
def read_source(source: SourceFile, screen: Screen | None = None,
                only: Container[int] | None = None
                ) -> tuple[SourceFormat, Iterator[TrialRecord | Reject | Screened]]: ...


def read_source(source: SourceFile, screen: Screen | None = None,
                only: Container[int] | None = None
                ) -> tuple[SourceFormat, Iterator[TrialRecord | Reject | Screened]]:
    """Detect the format of one source and return it with its record iterator.

    With ``screen``, a reader of a format in ``SCREENING`` passes each raw record's free text
    (a superset of what ``annotate.record_text`` reads) to it before validating the record, and
    yields ``Screened`` for one it rules out; other readers ignore it (their records are
    screened after validation by the caller). With ``only``, such a reader validates only the
    records of those indexes (``Provenance.record``), as when a build reads a file again for a
    few records it ruled out (``ScreenedLog.recover``): any other record, well-formed or not,
    is a ``Screened`` (what ends the file early, a truncated or oversized record, is still a
    reject, and an unreadable file still raises); other readers yield every record.

    Raises ``UnreadableFileError`` when the file cannot be read or its format is unknown.
    """
    head = read_head(source)
    if not head.strip():
        raise UnreadableFileError(source.path, "empty file")
    fmt = detect_format(head)
    if fmt is None and head.startswith(ZIP_MAGIC):
        # a zip's first member header, on a file not opened as an archive: a workbook whose
        # first members are not the sheets (only its directory says what it is), a zip inside
        # an archive or a .gz, or a zip without its directory (a truncated download loses
        # that first)
        members = zip_members(source)
        if members is not None and is_workbook(members):
            fmt = SourceFormat.ICTRP_XLSX
        else:
            raise UnreadableFileError(source.path, (
                "a zip archive without its directory (the end of the file): truncated, as an "
                "interrupted download is; download it again" if members is None else
                "a zip archive inside the archive: nested archives are not read; unpack it"
                if "!" in source.path else
                "a zip archive inside a .gz file: nested archives are not read; gunzip it"))
    if fmt is None and head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFileError(source.path, (
            "UTF-16 or UTF-32 text (its byte-order mark says so): celltx reads UTF-8 and "
            "Latin-1; convert it, e.g. iconv -f UTF-16 -t UTF-8"))
    if fmt is None:
        raise UnreadableFileError(
            source.path, "not a recognised format (binary or unknown content); expected "
            "ClinicalTrials.gov JSON, CSV, XML, a WHO ICTRP export (XML, CSV, XLSX), a CTIS "
            "CSV, a ChiCTR XML or a registry page saved as text"
        )
    module = importlib.import_module(READERS[fmt])
    if (screen is not None or only is not None) and fmt in SCREENING:
        return fmt, module.read(source, head, screen=screen, only=only)
    return fmt, module.read(source, head)


def read_paths(
    paths: list[Path],
) -> Iterator[tuple[SourceFile, SourceFormat, Iterator[TrialRecord | Reject]]]:
    """Yield each source file with its format and records (errors are the caller's to handle)."""
    for source in iter_sources(paths):
        fmt, records = read_source(source)
        yield source, fmt, records
