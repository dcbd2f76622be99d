"""Print the label-free consistency checks (ontology/consistency.py) for a corpus.

    python bench/consistency.py                 # the bundled sample
    python bench/consistency.py ../shared/corpus
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from celltx.loaders import read_paths
from celltx.ontology.annotate import annotate
from celltx.ontology.consistency import check

from celltx.models import TrialRecord
from celltx.pipeline import sample_paths


def main(paths: list[Path]) -> None:
    by_nct: dict[str, list[TrialRecord]] = defaultdict(list)
    for _src, _fmt, records in read_paths(paths):
        for r in records:
            if isinstance(r, TrialRecord) and r.nct_id:
                by_nct[r.nct_id].append(r)
    newest = {n: max(rs, key=lambda r: r.last_update or "") for n, rs in by_nct.items()}
    found = check(((r, annotate(r)) for r in newest.values()), by_nct)
    n = found.engineered_trials
    print(f"trials {len(newest)}, with an engineered product {n}")
    print(f"(a) engineered, untargeted, antigen written: {len(found.untargeted)} "
          f"({len(found.untargeted) / max(n, 1):.2%} of engineered trials; target <= 0.5%)")
    for name in ("untargeted", "title_platform", "code_conflicts", "record_conflicts"):
        items = getattr(found, name)
        print(f"{name}: {len(items)}")
        for key, why in items:
            print(f"   {key}: {why}")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or sample_paths())
