"""Precision and recall of the annotator on a hand-labelled set of 163 corpus trials.

``tests/labelled/trials.jsonl`` holds the records (minimal API v2 JSON, drawn from
../shared/corpus by keyword strata); ``labels.tsv`` was written by reading each record
(see ``tests/labelled/README.md`` for the labelling rules). Run with ``-s`` to see the report.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from celltx.loaders.ctgov_v2 import study_to_record
from celltx.ontology.annotate import annotate

from celltx.models import Provenance, SourceFormat, TrialRecord

LABELLED = Path(__file__).parent / "labelled"


def _records() -> dict[str, TrialRecord]:
    out = {}
    path = LABELLED / "trials.jsonl"
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        study = json.loads(line)["study"]
        rec = study_to_record(study, Provenance(path=str(path), format=SourceFormat.CTGOV_V2_JSON,
                                                record=i))
        assert isinstance(rec, TrialRecord), rec
        out[rec.nct_id or ""] = rec
    return out


def _labels() -> dict[str, dict[str, object]]:
    rows = csv.DictReader((LABELLED / "labels.tsv").read_text(encoding="utf-8").splitlines(),
                          delimiter="\t")
    return {r["nct_id"]: {
        "is_cell_therapy": r["is_cell_therapy"] == "1",
        "platforms": frozenset(p for p in r["platforms"].split("|") if p),
        "targets": frozenset(t for t in r["targets"].split("|") if t),
        "dual": "dual" in r["constructs"].split("|"),
    } for r in rows}


@pytest.fixture(scope="module")
def scored() -> dict[str, object]:
    records, labels = _records(), _labels()
    tp = fp = fn = 0
    ct_right = plat_right = dual_right = 0
    misses: list[str] = []
    for nct, want in labels.items():
        ann = annotate(records[nct])
        got_targets = {t.key for p in ann.products for t in p.targets}
        got_platforms = {p.platform for p in ann.products}
        got_dual = any(p.construct_kind == "dual" for p in ann.products)
        tp += len(got_targets & want["targets"])  # type: ignore[operator]
        fp += len(got_targets - want["targets"])  # type: ignore[operator]
        fn += len(want["targets"] - got_targets)  # type: ignore[operator]
        ct_right += ann.is_cell_therapy == want["is_cell_therapy"]
        plat_right += got_platforms == want["platforms"]
        dual_right += got_dual == want["dual"]
        if (got_targets != want["targets"] or got_platforms != want["platforms"]
                or ann.is_cell_therapy != want["is_cell_therapy"]):
            misses.append(f"{nct}: targets {sorted(got_targets)} vs {sorted(want['targets'])};"  # type: ignore[arg-type]
                          f" platforms {sorted(got_platforms)} vs {sorted(want['platforms'])}")  # type: ignore[arg-type]
    n = len(labels)
    report = {
        "trials": n,
        "negatives": sum(not w["is_cell_therapy"] for w in labels.values()),
        "targets_precision": tp / (tp + fp) if tp + fp else 0.0,
        "targets_recall": tp / (tp + fn) if tp + fn else 0.0,
        "is_cell_therapy_accuracy": ct_right / n,
        "platform_accuracy": plat_right / n,
        "dual_construct_accuracy": dual_right / n,
        "misses": misses,
    }
    print("\nlabelled-set report:", json.dumps({k: v for k, v in report.items() if k != "misses"},
                                             indent=1))
    for m in misses:
        print("  ", m)
    return report


def test_labelled_set_is_large_and_has_tricky_negatives(scored: dict[str, object]) -> None:
    assert scored["trials"] >= 150
    assert scored["negatives"] >= 30


def test_targets_precision_at_least_95_percent(scored: dict[str, object]) -> None:
    assert scored["targets_precision"] >= 0.95, scored["misses"]


def test_targets_recall_at_least_90_percent(scored: dict[str, object]) -> None:
    assert scored["targets_recall"] >= 0.90, scored["misses"]


def test_is_cell_therapy_accuracy_at_least_95_percent(scored: dict[str, object]) -> None:
    assert scored["is_cell_therapy_accuracy"] >= 0.95, scored["misses"]


def test_platform_accuracy_at_least_95_percent(scored: dict[str, object]) -> None:
    assert scored["platform_accuracy"] >= 0.95, scored["misses"]


def test_every_platform_appears_in_the_labels() -> None:
    seen = set().union(*(w["platforms"] for w in _labels().values()))  # type: ignore[arg-type]
    assert {"CAR-T", "CAR-NK", "CAR-NKT", "CAR-γδT", "CAR-M", "TCR-T", "NK", "γδT", "TIL",
            "CIK", "T cell"} <= seen
