"""Reading a fixture through the loaders as the build does (shared by the format tests)."""

from __future__ import annotations

import csv
from pathlib import Path

from celltx.loaders import iter_sources, read_source

from celltx.models import Reject, SourceFormat, TrialRecord


def read_as(fmt: SourceFormat, path: Path) -> list[TrialRecord | Reject]:
    """Every record and reject read from ``path``, each of its files detected as ``fmt``."""
    out: list[TrialRecord | Reject] = []
    for source in iter_sources([path]):
        found, items = read_source(source)
        assert found is fmt
        out.extend(items)
    return out


def records_as(fmt: SourceFormat, path: Path) -> list[TrialRecord]:
    """The records read from ``path``, failing with the rejects' messages if there are any."""
    items = read_as(fmt, path)
    assert all(isinstance(i, TrialRecord) for i in items), [
        i.message() for i in items if isinstance(i, Reject)]
    return [i for i in items if isinstance(i, TrialRecord)]


def source_rows(path: Path) -> list[dict[str, str]]:
    """A CSV fixture's rows read with the csv module (independently of the loaders)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
