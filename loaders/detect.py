"""Telling a file's format from its content (never from its name alone)."""

from __future__ import annotations

import re

from celltx.models import SourceFormat

_NCT = re.compile(rb"NCT\d{8}")


def detect_format(head: bytes) -> SourceFormat | None:
    """Guess the format from the first bytes of a (decompressed) file; ``None`` if unknown.

    >>> detect_format(b'[{"protocolSection": {}}]')
    <SourceFormat.CTGOV_V2_JSON: 'ctgov-v2-json'>
    >>> detect_format(b'"Rank","NCT Number","Title"\\n') is SourceFormat.CTGOV_LEGACY_CSV
    True
    """
    if b"\x00" in head[:8192]:
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] in (b"[", b"{"):
        return SourceFormat.CTGOV_V2_JSON
    if text[:1] == b"<" and (b"<clinical_study" in head or b"<clinical_studies" in head):
        return SourceFormat.CTGOV_XML
    first_line = text.split(b"\n", 1)[0].lower()
    if b"," in first_line or b"\t" in first_line:
        if b"rank" in first_line and b"nct number" in first_line:
            return SourceFormat.CTGOV_LEGACY_CSV
        if b"study title" in first_line or b"nct number" in first_line or (
            b"study url" in first_line
        ):
            return SourceFormat.CTGOV_CSV
    if text and (_NCT.search(head) or _looks_like_text(head)):
        return SourceFormat.REGISTRY_PAGE
    return None


def _looks_like_text(head: bytes) -> bool:
    try:
        sample = head[:8192].decode("utf-8")
    except UnicodeDecodeError:
        sample = head[:8192].decode("latin-1")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in sample)
    return len(sample) > 0 and printable / len(sample) > 0.95
