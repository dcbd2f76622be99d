"""The annotator on the frozen evaluation set (``tests/evaluation``): figures on the test part,
which rules were never tuned to, held to floors just under the measured figures so that a
regression fails. Print both parts with ``python tests/evaluation/score.py``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "evaluation"))
import score  # noqa: E402

# measured on the test part when the rules were frozen (see tests/evaluation/README.md)
FLOORS = {
    "target_precision": 0.94,
    "target_recall": 0.94,
    "exact_target_set": 0.93,
    "platform_accuracy": 0.92,
    "is_cell_therapy_accuracy": 0.94,
}


@pytest.fixture(scope="module")
def test_part() -> dict[str, object]:
    return score.score("test")


def test_the_set_is_frozen_and_large_enough() -> None:
    labels = score.labels()
    parts = [lab.part for lab in labels.values()]
    assert parts.count("test") == 160 and parts.count("dev") == 160
    drawn = {r.split("\t")[2] for r in (score.HERE / "split.tsv").read_text().splitlines()[1:]}
    assert drawn == {"sample", "csv"}
    assert sum(lab.is_cell_therapy for lab in labels.values()) >= 150


@pytest.mark.parametrize("metric", sorted(FLOORS))
def test_test_part_at_least_the_floor(test_part: dict[str, object], metric: str) -> None:
    assert test_part[metric] >= FLOORS[metric], test_part["misses"]


def test_dev_part_is_not_worse_than_the_test_part_by_much() -> None:
    """The dev part was tuned on; a large gap the other way would mean a broken split."""
    dev, dev2 = score.score("dev"), score.score("dev2")
    assert dev["target_recall"] >= 0.95 and dev["platform_accuracy"] >= 0.95
    assert dev2["trials"] == 160 and dev2["target_recall"] >= 0.9


def test_other_registries_records_are_annotated_as_well() -> None:
    """Issue 14: the registries set (ChiCTR, EU CTR, CTIS, IRCT … records as the loaders read
    them, labelled blind) held to floors just under today's figures."""
    reg = score.score("registries")
    assert reg["trials"] == 61
    assert reg["is_cell_therapy_accuracy"] >= 0.95 and reg["platform_accuracy"] >= 0.95
    assert reg["target_precision"] >= 0.95 and reg["target_recall"] >= 0.95


def test_the_test_part_was_read_twice_and_the_differences_adjudicated() -> None:
    """Every test trial has a second blind reading; the adjudicated rows are exactly the trials
    where the two readings differ on is-cell-therapy, platforms or targets."""
    first = {n: lab for n, lab in score.labels().items() if lab.part == "test"}
    second = {r["nct_id"]: score._label(r, "test")
              for r in score._rows(score.SECOND_READING / "labels.tsv")}
    assert set(second) == set(first)
    differ = {n for n, a in first.items() if (a.is_cell_therapy, a.platforms, a.targets) != (
        second[n].is_cell_therapy, second[n].platforms, second[n].targets)}
    adjudicated = {r["nct_id"] for r in score._rows(score.SECOND_READING / "adjudicated.tsv")}
    assert differ and adjudicated == differ
    agreement = score.reader_agreement()
    assert agreement["trials"] == 160 and agreement["exact_target_set"] == round(
        sum(first[n].targets == second[n].targets for n in first) / 160, 3)
    adjusted = score.adjudicated_test_labels()
    assert set(adjusted) == set(first) and all(
        lab.part == "test_adjudicated" for lab in adjusted.values())


def test_the_unseen_part_leaves_out_exactly_the_seen_test_trials() -> None:
    """``test_seen.tsv`` lists test-part trials whose errors a session saw; ``test_unseen`` is
    the rest of the test part, so that one figure stays free of what was seen."""
    labels = score.labels()
    seen = {r["nct_id"] for r in score._rows(score.SEEN)}
    assert seen and all(labels[n].part == "test" for n in seen)
    unseen = score.unseen_test_labels()
    test = {n for n, lab in labels.items() if lab.part == "test"}
    assert set(unseen) == test - seen
    assert all(lab.part == "test_unseen" for lab in unseen.values())
