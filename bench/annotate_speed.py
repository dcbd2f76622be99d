"""Per-record time of ``annotate`` on the API v2 JSON of ../shared/corpus (prints figures).

    python bench/annotate_speed.py [FOLDER]

Three passes over the same records, in one process, after the first record has built the
tables and regexes:

- **first pass**: every record new to the process, as in a build of distinct records (a
  worker also pays here what it compiles on first use);
- **repeat, text caches cleared**: the same records again with every cache keyed by a text
  emptied (what the annotator keeps per name, phrase or title), so that only what was
  compiled once is reused: about what each record of a large build of distinct records costs;
- **repeat**: the same records again with those caches kept, as when a build reads each study
  many times (``bench_registry --ct-share 1.0`` copies each corpus study about 20 times), so
  the gap between the last two says how much such a build's figure owes to its copies.
"""

from __future__ import annotations

import inspect
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from celltx.loaders import read_paths
from celltx.ontology import annotate as annotate_module
from celltx.ontology import eligibility, hgnc_genes, matchers
from celltx.ontology.annotate import annotate

from celltx.models import TrialRecord


def _text_caches() -> Iterator[Any]:
    """The caches of the annotator's functions that take an argument (a text, a name): the
    tables built once (functions of no argument) are kept."""
    for module in (annotate_module, matchers, eligibility, hgnc_genes):
        for value in vars(module).values():
            if (callable(value) and hasattr(value, "cache_clear")
                    and inspect.signature(value).parameters):
                yield value


def _timed(records: list[TrialRecord], run: Callable[[TrialRecord], Any]) -> float:
    start = time.process_time()
    for record in records:
        run(record)
    return time.process_time() - start


def main() -> None:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus/ctgov-v2")
    records = [r for _, _, it in read_paths([root]) for r in it if isinstance(r, TrialRecord)]
    annotate(records[0])  # tables and regexes are built once, on first use
    first = _timed(records, annotate)
    for cached in _text_caches():
        cached.cache_clear()
    hgnc_genes._index()._groups.clear()  # (the gene entries read per key, a cache too)
    cleared = _timed(records, annotate)
    repeat = _timed(records, annotate)
    anns = [annotate(r) for r in records]
    n = len(records)
    print(f"records: {n}; cell therapy: {sum(a.is_cell_therapy for a in anns)}; "
          f"text caches: {sum(1 for _ in _text_caches())}")
    for label, seconds in (("first pass", first), ("repeat, text caches cleared", cleared),
                           ("repeat, text caches kept", repeat)):
        print(f"{label:28s} {seconds:.2f} s CPU, {1000 * seconds / n:.3f} ms per record")
    print(f"a record seen before costs {repeat / cleared:.2f}× one that is not")


if __name__ == "__main__":
    main()
