"""The fuzz run's fixed-seed subset (issue 12): every category, no traceback, no signal exit,
no hang, no good record lost, the invariant kept, memory bounded. The long run is
``python -m tests.fuzz.harness --cases 5000 --seed 1``."""

from __future__ import annotations

from tests.fuzz.harness import CATEGORIES, run


def test_fixed_seed_fuzz_subset_has_no_failure() -> None:
    summary = run(cases=160, seed=20261202)
    assert summary["failures"] == []
    assert all(summary["by_category"][c]["cases"] == 160 // len(CATEGORIES) for c in CATEGORIES)
    assert 0 < summary["peak_rss_mb"] < 1024
