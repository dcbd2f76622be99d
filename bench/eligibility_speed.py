"""Time eligibility structuring on the full-record corpus (152 records); prints figures.

Usage: python bench/eligibility_speed.py [../shared/corpus/ctgov-v2]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from celltx.loaders import iter_sources, read_source
from celltx.ontology.eligibility import split_criteria, structure_criteria

from celltx.models import TrialRecord


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/ctgov-v2")
    texts = []
    for source in iter_sources([root / "partrita-b7h3-watch",
                                root / "acute-leukemia-ctg-studies.json"]):
        _, items = read_source(source)
        texts += [r.eligibility.criteria for r in items
                  if isinstance(r, TrialRecord) and r.eligibility.criteria]
    n_items = sum(len(split_criteria(t)) for t in texts)
    start = time.perf_counter()
    n_struct = sum(len(structure_criteria(t)) for t in texts)
    elapsed = time.perf_counter() - start
    print(f"{len(texts)} records, {n_items} items, {n_struct} structured requirements: "
          f"{elapsed:.2f} s ({elapsed / len(texts) * 1000:.1f} ms per record)")


if __name__ == "__main__":
    main()
