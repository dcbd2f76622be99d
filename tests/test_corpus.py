"""The whole development corpus (../shared/corpus) builds: every file read, nothing lost, one
trial per NCT number whatever the number of files that hold it. Skipped when absent."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from celltx.graph.trial_graph import describe_trial

from celltx.pipeline import BuildResult, build

_BUILDS: dict[Path, BuildResult] = {}


@pytest.fixture
def corpus_build(shared_corpus: Path) -> tuple[Path, BuildResult]:
    """The corpus and its build, built once for this module (it takes a few seconds)."""
    if shared_corpus not in _BUILDS:
        _BUILDS[shared_corpus] = build([shared_corpus], scope="all")
    return shared_corpus, _BUILDS[shared_corpus]


def _nct_ids_in(path: Path) -> list[str]:
    """The NCT numbers of a file's records, read with the standard library only."""
    raw = path.read_bytes()
    if path.suffix == ".xml":
        return [ET.fromstring(raw).findtext("id_info/nct_id") or ""]
    if path.suffix == ".json":
        data = json.loads(raw)
        studies = data if isinstance(data, list) else [data]
        return [s["protocolSection"]["identificationModule"].get("nctId", "") for s in studies]
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    col = next(i for i, name in enumerate(rows[0]) if name in ("NCT Number", "term"))
    return [r[col] for r in rows[1:]]


def test_every_corpus_file_is_read_and_no_record_is_lost(
        corpus_build: tuple[Path, BuildResult]) -> None:
    corpus, result = corpus_build
    stats = result.stats
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert stats["files"] == len(files) > 100
    assert all(s["format"] is not None for s in stats["sources"])
    assert not [r for r in result.rejects if r.reason.startswith("unreadable file")]
    assert stats["records_read"] == stats["trials"] + stats["rejects"] + stats[
        "duplicates_merged"]
    expected = sum(len(_nct_ids_in(p)) for p in files)
    assert stats["records_read"] == expected
    by_format = stats["records_per_format"]
    assert set(by_format) == {"ctgov-v2-json", "ctgov-csv", "ctgov-legacy-csv", "ctgov-xml"}
    # a reject must be a problem of the record, not of the loader: the corpus has none so far
    assert stats["rejects"] <= stats["records_read"] // 100, [r.message() for r in
                                                              result.rejects[:10]]


def test_one_trial_per_nct_number(corpus_build: tuple[Path, BuildResult]) -> None:
    corpus, result = corpus_build
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))
    holders: dict[str, Counter[str]] = {}
    for path in files:
        for nct in _nct_ids_in(path):
            holders.setdefault(nct, Counter())[str(path)] += 1
    assert result.stats["trials"] == len(holders)
    nct, most = max(holders.items(), key=lambda kv: (len(kv[1]), kv[0]))
    assert len(most) >= 3
    view = describe_trial(result.graph, nct)
    assert view is not None
    sources = Counter(s["path"] for s in view["sources"])
    assert sources == most
    formats = {s["format"] for s in view["sources"]}
    assert len(formats) >= 2
