"""RDF benchmark: export throughput per format, and each stored SPARQL question's latency on
pyoxigraph versus rdflib's own SPARQL engine.

    python bench/bench_rdf.py [--graph DIR] [--runs 5] [--skip-rdflib] [--rdflib-timeout 30]

Without --graph it builds the bundled sample first. Each export runs in a child process so
that its peak memory (max RSS) is its own. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

FORMATS = ("nt", "ttl", "jsonld", "trig")


def _export_child(graph_dir: str, fmt: str, out: str, queue: Any) -> None:
    from celltx.graph import store
    from celltx.graph.rdf_writer import ExportOptions, write_rdf

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    graph = store.load(Path(graph_dir))
    loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = write_rdf(graph, Path(out), fmt,
                       ExportOptions(stats=store.load_stats(Path(graph_dir))))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put({"format": fmt, "statements": report.statements, "seconds": report.seconds,
               "graph_mb": (loaded - before) / 1024, "export_mb": (peak - loaded) / 1024,
               "bytes": Path(out).stat().st_size})


def bench_export(graph_dir: Path, tmp: Path) -> None:
    ctx = mp.get_context("spawn")
    print(f"{'format':8} {'statements':>11} {'seconds':>8} {'triples/s':>10} {'MB':>7} "
          f"{'RSS over graph (MB)':>20}")
    for fmt in FORMATS:
        queue = ctx.Queue()
        proc = ctx.Process(target=_export_child,
                           args=(str(graph_dir), fmt, str(tmp / f"export.{fmt}"), queue))
        proc.start()
        r = queue.get()
        proc.join()
        print(f"{fmt:8} {r['statements']:>11,} {r['seconds']:>8.2f} "
              f"{r['statements'] / r['seconds']:>10,.0f} {r['bytes'] / 1e6:>7.1f} "
              f"{r['export_mb']:>20.1f}")


def bench_queries(graph_dir: Path, tmp: Path, runs: int, skip_rdflib: bool,
                  timeout: float) -> None:
    import pyoxigraph as ox
    import rdflib
    from celltx.graph import store
    from celltx.graph.rdf_writer import ExportOptions, write_rdf
    from celltx.queries.catalogue import load_catalogue
    from celltx.queries.sparql_engine import bind_params, store_for_dir

    nt = tmp / "export.nt"
    if not nt.exists():
        write_rdf(store.load(graph_dir), nt, "nt",
                  ExportOptions(stats=store.load_stats(graph_dir)))
    t = time.perf_counter()
    oxs = ox.Store()
    oxs.bulk_load(path=nt, format=ox.RdfFormat.N_TRIPLES)
    ox_load = time.perf_counter() - t
    print(f"\nload {len(oxs):,} triples: pyoxigraph {ox_load:.2f} s", end="")
    rdf = None
    if not skip_rdflib:
        t = time.perf_counter()
        rdf = rdflib.Graph().parse(nt, format="nt")
        print(f", rdflib {time.perf_counter() - t:.2f} s", end="")
    print()
    cache_dir = Path(tempfile.mkdtemp(prefix="bench-graph-", dir=tmp))
    for name in ("graph.json.gz", "stats.json"):
        (cache_dir / name).write_bytes((graph_dir / name).read_bytes())
    t = time.perf_counter()
    store_for_dir(cache_dir)
    first = time.perf_counter() - t
    from celltx.queries import sparql_engine

    sparql_engine._dir_stores.clear()
    t = time.perf_counter()
    store_for_dir(cache_dir)
    print(f"graph dir store: first use (export + load) {first:.2f} s, new process with the "
          f"cached export {time.perf_counter() - t:.2f} s")

    print(f"\n{'question':34} {'rows':>5} {'pyoxigraph ms':>14} {'rdflib ms':>10} {'ratio':>7}")
    for name, q in load_catalogue().items():
        text = bind_params(q.sparql or "", dict(q.params))
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            rows = list(oxs.query(text))
            times.append(time.perf_counter() - t)
        ox_ms = statistics.median(times) * 1000
        rdf_cell, ratio = "-", "-"
        if rdf is not None:
            result = _rdflib_timed(rdf, text, timeout)
            if isinstance(result, str):
                rdf_cell = result
                if result.startswith(">"):
                    ratio = f">{timeout * 1000 / ox_ms:.0f}x"
            else:
                rdf_ms, n = result
                mark = "" if n == len(rows) else f" ({n} rows!)"
                rdf_cell, ratio = f"{rdf_ms:.1f}{mark}", f"{rdf_ms / ox_ms:.0f}x"
        print(f"{name:34} {len(rows):>5} {ox_ms:>14.1f} {rdf_cell:>10} {ratio:>7}", flush=True)


def _rdflib_child(graph: Any, text: str, queue: Any) -> None:
    try:
        t = time.perf_counter()
        n = len(list(graph.query(text)))
        queue.put(((time.perf_counter() - t) * 1000, n))
    except Exception as exc:  # rdflib lacks or mis-evaluates some SPARQL
        queue.put(f"error: {type(exc).__name__}")


def _rdflib_timed(graph: Any, text: str, timeout: float) -> tuple[float, int] | str:
    """One rdflib query in a forked child (it shares the parsed graph), stopped at timeout."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_rdflib_child, args=(graph, text, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return f">{timeout * 1000:.0f}"
    return queue.get()  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", type=Path, help="graph directory (default: build the sample)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--rdflib-timeout", type=float, default=30.0,
                        help="seconds one rdflib query may take (default 30)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-rdf-") as tmp_name:
        tmp = Path(tmp_name)
        graph_dir = args.graph
        if graph_dir is None:
            from celltx.graph import store

            from celltx.pipeline import build

            graph_dir = tmp / "graph"
            result = build()
            store.save(result.graph, graph_dir, stats=result.stats, rejects=[], merges=[])
        print(f"graph: {graph_dir}\n")
        bench_export(graph_dir, tmp)
        bench_queries(graph_dir, tmp, args.runs, args.skip_rdflib, args.rdflib_timeout)


if __name__ == "__main__":
    main()
