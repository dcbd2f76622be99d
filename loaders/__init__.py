"""Loaders: every source format read into ``TrialRecord``s (or ``Reject``s).

One module per format, each with ``read(source, head) -> Iterator[TrialRecord | Reject]``;
``READERS`` maps a detected format to its module, so adding a format is one file and one line.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

from celltx.loaders.detect import detect_format
from celltx.loaders.sources import SourceFile, iter_sources, read_head

from celltx.models import Reject, SourceFormat, TrialRecord, UnreadableFileError

READERS: dict[SourceFormat, str] = {
    SourceFormat.CTGOV_V2_JSON: "celltx.loaders.ctgov_v2",
    SourceFormat.CTGOV_CSV: "celltx.loaders.ctgov_csv",
    SourceFormat.CTGOV_LEGACY_CSV: "celltx.loaders.ctgov_legacy_csv",
    SourceFormat.CTGOV_XML: "celltx.loaders.ctgov_xml",
    SourceFormat.REGISTRY_PAGE: "celltx.loaders.registry_page",
}

__all__ = ["READERS", "SourceFile", "iter_sources", "read_source", "read_paths"]


def read_source(source: SourceFile) -> tuple[SourceFormat, Iterator[TrialRecord | Reject]]:
    """Detect the format of one source and return it with its record iterator.

    Raises ``UnreadableFileError`` when the file cannot be read or its format is unknown.
    """
    head = read_head(source)
    if not head.strip():
        raise UnreadableFileError(source.path, "empty file")
    fmt = detect_format(head)
    if fmt is None:
        raise UnreadableFileError(
            source.path, "not a recognised format (binary or unknown content); expected "
            "ClinicalTrials.gov JSON, CSV, XML or a registry page saved as text"
        )
    module = importlib.import_module(READERS[fmt])
    return fmt, module.read(source, head)


def read_paths(
    paths: list[Path],
) -> Iterator[tuple[SourceFile, SourceFormat, Iterator[TrialRecord | Reject]]]:
    """Yield each source file with its format and records (errors are the caller's to handle)."""
    for source in iter_sources(paths):
        fmt, records = read_source(source)
        yield source, fmt, records
