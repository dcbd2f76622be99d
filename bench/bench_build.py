"""Build speed and memory on a whole corpus, against merely parsing the same files.

    python bench/bench_build.py [CORPUS] [--repeat N] [--baseline PYTHON]

Prints records/second of ``celltx.pipeline.build``, its peak resident memory (``ru_maxrss`` of a
fresh child process), the time of the loaders alone (records read, nothing merged or built),
the time of parsing the same files with the standard library alone
(``json.load`` / ``csv.reader`` / ``ElementTree.parse``), and the ratio of the two. Each
measurement runs in its own child process, best of ``--repeat``. Then the time of each phase
(read+validate, merge, annotate, eligibility structuring, graph, and saving the graph
directory), from builds whose pipeline functions are wrapped with timers (median of
``--repeat``). The machine is shared: compare figures taken in the same run. With
``--baseline`` (the Python of an environment where an earlier commit is installed), the build
is also timed with that commit, interleaved with this one's, and the ratio printed::

    git worktree add /tmp/wt REV && python -m venv /tmp/venv-rev
    /tmp/venv-rev/bin/pip install /tmp/wt
    python bench/bench_build.py --baseline /tmp/venv-rev/bin/python

(A checkout on ``PYTHONPATH`` is not enough: the project maps ``graph/``, ``ontology/`` … to
``celltx.graph`` … only when installed, and an editable install of this checkout would be
imported whatever ``PYTHONPATH`` says, so both runs would time the same code.)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


def _files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and not p.name.startswith("."))


def _encoding(path: Path) -> str:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def parse_only(corpus: Path) -> int:
    """Parse every file with the standard library; return the number of records seen."""
    records = 0
    csv.field_size_limit(1 << 26)
    for path in _files(corpus):
        head = path.read_bytes()[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        if head.startswith((b"[", b"{")):
            with open(path, "rb") as fh:
                data = json.load(fh)
            records += len(data) if isinstance(data, list) else 1
        elif head.startswith(b"<"):
            ET.parse(path)
            records += 1
        else:
            with open(path, encoding=_encoding(path), newline="") as fh:
                records += sum(1 for _ in csv.reader(fh)) - 1
    return records


def build_only(corpus: Path) -> int:
    from celltx.pipeline import build

    return int(build([corpus]).stats["records_read"])


def load_only(corpus: Path) -> int:
    """Read every record with the loaders (no merge, no normalising, no graph)."""
    from celltx.loaders import iter_sources, read_source

    records = 0
    for source in iter_sources([corpus]):
        _, items = read_source(source)
        records += sum(1 for _ in items)
    return records


def phases(corpus: Path) -> dict[str, float]:
    """Time each phase of one build (and of saving it) by wrapping the functions it calls
    (annotation in this process: timers in worker processes would be lost)."""
    import os
    import tempfile
    from collections import defaultdict
    from collections.abc import Callable, Iterator

    import celltx.graph.trial_graph as trial_graph
    from celltx.graph import store

    import celltx.pipeline as pipeline
    import celltx.reading as reading

    os.environ["CELLTX_WORKERS"] = "1"
    spent: dict[str, float] = defaultdict(float)

    def timed(phase: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[phase] += time.perf_counter() - start
        return wrapper

    def timed_items(items: Iterator[Any]) -> Iterator[Any]:
        while True:
            start = time.perf_counter()
            item = next(items, None)
            spent["read+validate"] += time.perf_counter() - start
            if item is None:
                return
            yield item

    read_source = timed("read+validate", reading.read_source)
    reading.read_source = lambda source, screen=None, only=None: (  # type: ignore[assignment]
        lambda f, i: (f, timed_items(i)))(*read_source(source, screen, only))
    pipeline.identify_records = timed("merge", pipeline.identify_records)
    pipeline.merge_records = timed("merge", pipeline.merge_records)
    pipeline.annotate = timed("annotate", pipeline.annotate)
    trial_graph.TrialGraph.add_trial = timed(  # type: ignore[method-assign]
        "graph", trial_graph.TrialGraph.add_trial)
    pipeline.structure_criteria = timed("eligibility", pipeline.structure_criteria)
    start = time.perf_counter()
    result = pipeline.build([corpus])
    spent["build total"] = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        store.save(result.graph, Path(tmp), stats=result.stats,
                   rejects=[r.model_dump(mode="json") for r in result.rejects],
                   merges=result.merges)
        spent["save"] = time.perf_counter() - start
    spent["records"] = result.stats["records_read"]
    return dict(spent)


MODES = {"build": build_only, "load": load_only, "parse": parse_only}


def _child(mode: str, corpus: Path) -> None:
    if mode == "phases":
        print(json.dumps({"seconds": 0.0, **phases(corpus)}))
        return
    start, cpu_start = time.perf_counter(), _cpu()
    records = MODES[mode](corpus)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu_start
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "cpu": cpu, "records": records,
                      "maxrss_kb": maxrss_kb}))


def _cpu() -> float:
    """CPU seconds of this process and of its (forked, waited-for) workers."""
    return sum(u.ru_utime + u.ru_stime for u in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def _run(mode: str, corpus: Path, repeat: int, python: Path | None = None) -> dict[str, float]:
    """Best of ``repeat`` child runs; ``python``: the interpreter whose celltx the child
    imports (default: this one)."""
    best: dict[str, float] | None = None
    for _ in range(repeat):
        out = subprocess.run([str(python or sys.executable), __file__, str(corpus), "--child",
                              mode], check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    assert best is not None
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="the Python of an environment where an "
                        "earlier commit is installed, to compare the build time with "
                        "(interleaved runs, best of --repeat)")
    parser.add_argument("--child", choices=[*sorted(MODES), "phases"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.corpus)
        return
    if not args.corpus.exists():
        sys.exit(f"no corpus at {args.corpus} (give its path as the first argument)")
    files = _files(args.corpus)
    size = sum(p.stat().st_size for p in files)
    if args.baseline and not (args.baseline.is_file() and os.access(args.baseline, os.X_OK)):
        sys.exit(f"--baseline {args.baseline}: not a Python interpreter; install the earlier "
                 "commit in an environment of its own and give its python (see --help)")
    if args.baseline:
        mine = base = None
        for _ in range(args.repeat):
            m, b = _run("build", args.corpus, 1), _run("build", args.corpus, 1, args.baseline)
            mine = m if mine is None or m["seconds"] < mine["seconds"] else mine
            base = b if base is None or b["seconds"] < base["seconds"] else base
        assert mine is not None and base is not None
        print(f"build vs baseline {mine['seconds']:.2f} s against {base['seconds']:.2f} s from "
              f"{args.baseline} = {mine['seconds'] / base['seconds']:.2f}× (best of "
              f"{args.repeat} interleaved runs; CPU {mine['cpu']:.2f} against "
              f"{base['cpu']:.2f} s; peak RSS of the main process "
              f"{mine['maxrss_kb'] / 1024:.0f} against {base['maxrss_kb'] / 1024:.0f} MiB; "
              "forked annotation workers not counted)")
        return
    build = _run("build", args.corpus, args.repeat)
    load = _run("load", args.corpus, args.repeat)
    parse = _run("parse", args.corpus, args.repeat)
    ratio = build["seconds"] / parse["seconds"]
    print(f"corpus            {args.corpus}: {len(files)} files, {size / 1e6:.1f} MB")
    print(f"build             {build['seconds']:.2f} s for {build['records']:.0f} records = "
          f"{build['records'] / build['seconds']:,.0f} records/s (best of {args.repeat}); "
          f"CPU {build['cpu']:.2f} s with the workers'")
    print(f"build peak RSS    {build['maxrss_kb'] / 1024:.0f} MiB (parse-only child: "
          f"{parse['maxrss_kb'] / 1024:.0f} MiB)")
    print(f"loaders only      {load['seconds']:.2f} s for {load['records']:.0f} records "
          f"(ratio to parse {load['seconds'] / parse['seconds']:.1f}); the rest of the build "
          f"(merge, normalise, graph) {build['seconds'] - load['seconds']:.2f} s")
    print(f"stdlib parse only {parse['seconds']:.2f} s for {parse['records']:.0f} records")
    print(f"ratio build/parse {ratio:.1f} (target <= 10)")
    print("phases (median of --repeat instrumented builds, seconds):")
    runs = [_run("phases", args.corpus, 1) for _ in range(args.repeat)]
    for name in runs[0]:
        if name not in ("seconds", "records"):
            values = sorted(r.get(name, 0.0) for r in runs)
            print(f"  {name:28s} {values[len(values) // 2]:6.2f}")


if __name__ == "__main__":
    main()
