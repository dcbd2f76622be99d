"""Whole-process start-up of the command line, as a user feels it: medians of fresh processes.

    python bench/bench_cli.py [--repeat N] [--graph DIR]

Prints the median wall time of ``python -c pass`` (the floor), ``celltx --help``, and one stored
question (``trials_per_platform``) on the embedded engine and with SPARQL, each also as a ratio
to the bare interpreter start. Without --graph the bundled sample is built into a temporary
directory first (not timed). The issue's targets: ``--help`` <= 0.2 s, a question <= 0.4 s
embedded and <= 0.6 s with SPARQL.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CELLTX = [sys.executable, "-m", "celltx"]


def median_seconds(cmd: list[str], repeat: int) -> float:
    """The median wall time of ``repeat`` runs of ``cmd`` (after one unmeasured warm-up)."""
    subprocess.run(cmd, check=True, capture_output=True)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--graph", type=Path, help="a graph directory (default: build the sample)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        graph = args.graph
        if graph is None:
            graph = Path(tmp) / "graph"
            subprocess.run([*CELLTX, "build", "--out", str(graph), "--quiet"], check=True,
                           capture_output=True)
        question = [*CELLTX, "query", "trials_per_platform", "--graph", str(graph), "--json"]
        cases = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("celltx --help", [*CELLTX, "--help"]),
            ("query trials_per_platform (embedded)", [*question, "--engine", "embedded"]),
            ("query trials_per_platform (sparql)", [*question, "--engine", "sparql"]),
        ]
        floor = None
        print(f"{'command':40} {'median s':>9} {'× python':>9}   ({args.repeat} runs each)")
        for label, cmd in cases:
            seconds = median_seconds(cmd, args.repeat)
            floor = floor or seconds
            print(f"{label:40} {seconds:9.3f} {seconds / floor:9.1f}")


if __name__ == "__main__":
    main()
