"""Telling a file's format from its content (never from its name alone)."""

from __future__ import annotations

import csv
import io
import re

from celltx.models import SourceFormat

_LEGACY_COLUMNS = frozenset({"rank", "title", "status", "gender", "funded bys", "url",
                             "sponsor/collaborators", "study designs", "outcome measures"})
_CURRENT_COLUMNS = frozenset({"study title", "study status", "study url", "sex", "funder type",
                              "sponsor", "study design", "primary outcome measures",
                              "secondary outcome measures", "collaborators", "brief summary"})
_SHARED_COLUMNS = frozenset({"nct number", "acronym", "conditions", "interventions", "phases",
                             "enrollment", "study type", "other ids", "start date", "age",
                             "primary completion date", "completion date", "first posted",
                             "last update posted", "locations", "study results",
                             "results first posted", "study documents"})
ZIP_MAGIC = b"PK\x03\x04"
"""The first bytes of a zip archive (its first member's local header)."""
_NCT_CELL = re.compile(r"^NCT\d{8}$")

_NCT = re.compile(rb"NCT\d{8}")


def detect_format(head: bytes) -> SourceFormat | None:
    """Guess the format from the first bytes of a (decompressed) file; ``None`` if unknown.

    >>> detect_format(b'[{"protocolSection": {}}]')
    <SourceFormat.CTGOV_V2_JSON: 'ctgov-v2-json'>
    >>> detect_format(b'"Rank","NCT Number","Title"\\n') is SourceFormat.CTGOV_LEGACY_CSV
    True
    """
    sample = head[:8192]
    if head.startswith(ZIP_MAGIC):  # a zip: an Excel workbook (its reader checks the
        # header), else none that is read as one file (read_source says why)
        is_workbook = b"xl/" in head and b"[Content_Types].xml" in head
        return SourceFormat.ICTRP_XLSX if is_workbook else None
    if sample.count(b"\x00") > len(sample) // 100 + 1:
        return None  # binary (or UTF-16); a stray NUL in a text file does not make it binary
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"[", b"{"):
        return SourceFormat.CTGOV_V2_JSON
    if text[:1] == b"<" and (b"<clinical_study" in head or b"<clinical_studies" in head):
        return SourceFormat.CTGOV_XML
    if text[:1] == b"<" and b"<Trials_downloaded_from_ICTRP" in head[:4096]:
        return SourceFormat.ICTRP_XML
    if text[:1] == b"<" and b"<Triall>" in head[:4096] and b"<trials" in head[:4096]:
        return SourceFormat.CHICTR_XML
    registry_table = _registry_table(text)
    if registry_table is not None:
        return registry_table
    table = _table_format(text)
    if table is not None:
        return table
    if text and (_NCT.search(head) or _looks_like_text(head)):
        return SourceFormat.REGISTRY_PAGE
    return None


def _table_format(text: bytes) -> SourceFormat | None:
    """A ClinicalTrials.gov CSV/TSV export: known column names, or a column of NCT numbers.

    >>> _table_format(b"term,Study Title\\nNCT03672695,A study\\n")
    <SourceFormat.CTGOV_CSV: 'ctgov-csv'>
    >>> _table_format(b"Title,Status,Conditions\\nCAR-T,Recruiting,ALL\\n")
    <SourceFormat.CTGOV_LEGACY_CSV: 'ctgov-legacy-csv'>
    >>> _table_format(b"CAR-T in lymphoma, a phase 1 study\\nSponsor: X, Inc.\\n") is None
    True
    """
    from celltx.loaders.ctgov_csv import FIELD_SIZE_LIMIT, header_delimiter

    newline = b"\n" if b"\n" in text[:65536] or b"\r" not in text[:65536] else b"\r"
    lines = text.split(newline, 20)[:20]  # a row cut short is left out by its length below
    delimiter = header_delimiter(lines[0])
    # a long cell (a trial with thousands of sites) must not make the table look like a page
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    try:
        rows = list(csv.reader(io.StringIO(b"\n".join(lines).decode("latin-1"), newline=""),
                               delimiter=delimiter))
    except csv.Error:
        return None
    if not rows or any(_NCT_CELL.match(c.strip()) for c in rows[0]):
        return None  # (an export's first row names its columns: NCT numbers are no header)
    if len(rows[0]) < 2:
        # one column: a list of NCT numbers under its heading is still an export
        return SourceFormat.CTGOV_CSV if _has_nct_column(rows[0], rows[1:]) else None
    names = {c.strip().lower() for c in rows[0]}
    legacy, current = len(names & _LEGACY_COLUMNS), len(names & _CURRENT_COLUMNS)
    known = legacy + current + len(names & _SHARED_COLUMNS)
    if known < 2 and not _has_nct_column(rows[0], rows[1:]):
        return None
    return SourceFormat.CTGOV_LEGACY_CSV if legacy > current else SourceFormat.CTGOV_CSV


def _registry_table(text: bytes) -> SourceFormat | None:
    """A WHO ICTRP list or a CTIS search export, told by its header row.

    >>> _registry_table(b"TrialID,Last Refreshed on,Public title,Source Register\\n")
    <SourceFormat.ICTRP_CSV: 'ictrp-csv'>
    >>> _registry_table(b"Trial number,Title of the trial,Overall trial status\\n")
    <SourceFormat.CTIS_CSV: 'ctis-csv'>
    """
    from celltx.loaders.ctis_csv import is_ctis_header
    from celltx.loaders.ictrp_table import is_ictrp_header

    first = text.split(b"\n", 1)[0]
    try:
        header = next(csv.reader(io.StringIO(first.decode("utf-8", "replace"))), [])
    except csv.Error:
        return None
    if is_ictrp_header(header):
        return SourceFormat.ICTRP_CSV
    if is_ctis_header(header):
        return SourceFormat.CTIS_CSV
    return None


def _has_nct_column(header: list[str], rows: list[list[str]]) -> bool:
    rows = [r for r in rows if len(r) == len(header)]
    return bool(rows) and any(
        sum(1 for r in rows if _NCT_CELL.match(r[i].strip())) * 2 > len(rows)
        for i in range(len(header))
    )


def _looks_like_text(head: bytes) -> bool:
    try:
        sample = head[:8192].decode("utf-8")
    except UnicodeDecodeError:
        sample = head[:8192].decode("latin-1")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in sample)
    return len(sample) > 0 and printable / len(sample) > 0.95
