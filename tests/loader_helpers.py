"""Reading a fixture through the loaders as the build does (shared by the format tests)."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path
from typing import Any

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


REAL_STUDY = Path(__file__).parent / "fixtures" / "ctgov_v2" / "NCT03198052_latest.json"


def numbered_studies(n: int) -> list[dict[str, Any]]:
    """``n`` copies of a real API v2 study, numbered NCT00000000, NCT00000001, …"""
    base = json.loads(REAL_STUDY.read_text(encoding="utf-8"))
    out = []
    for i in range(n):
        study = copy.deepcopy(base)
        study["protocolSection"]["identificationModule"]["nctId"] = f"NCT{i:08d}"
        out.append(study)
    return out
