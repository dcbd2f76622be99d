"""Per-record time of ``annotate`` on the API v2 JSON of ../shared/corpus (prints figures)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from celltx.loaders import read_paths
from celltx.ontology.annotate import annotate

from celltx.models import TrialRecord


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/ctgov-v2")
    records = [r for _, _, it in read_paths([root]) for r in it if isinstance(r, TrialRecord)]
    annotate(records[0])  # tables and regexes are built once, on first use
    start = time.perf_counter()
    anns = [annotate(r) for r in records]
    elapsed = time.perf_counter() - start
    print(f"records: {len(records)}; cell therapy: {sum(a.is_cell_therapy for a in anns)}")
    print(f"annotate: {elapsed:.2f} s total, {1000 * elapsed / len(records):.3f} ms per record")


if __name__ == "__main__":
    main()
