"""Embedded-engine figures for the bundled sample: load time, and each stored query's latency
on the embedded engine (FalkorDB) versus the Python helper (networkx).

    python bench/bench_queries.py [--repeat N] [--graph DIR]

Without --graph the bundled sample is built into a temporary directory first.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from celltx.graph import store
from celltx.graph.falkordb_engine import EmbeddedEngine, open_graph_dir
from celltx.queries.catalogue import load_catalogue
from celltx.queries.python_answers import ANSWERS

from celltx.build import build


def _median(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--graph", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.graph
        if directory is None:
            directory = Path(tmp) / "sample"
            result = build()
            store.save(result.graph, directory, stats=result.stats, rejects=[], merges=[])
        t = time.perf_counter()
        graph = store.load(directory)
        json_load = time.perf_counter() - t
        print(f"graph: {graph.g.number_of_nodes()} nodes, {graph.g.number_of_edges()} "
              f"relationships ({directory})")
        print(f"read graph.json.gz into networkx        {json_load * 1000:8.1f} ms")

        t = time.perf_counter()
        engine = EmbeddedEngine().start()
        started = time.perf_counter() - t
        t = time.perf_counter()
        engine.load(graph)
        loaded = time.perf_counter() - t
        engine.stop()
        print(f"embedded engine start                   {started * 1000:8.1f} ms")
        print(f"embedded engine load (UNWIND/MERGE)     {loaded * 1000:8.1f} ms")

        cold = Path(tmp) / "cold"
        cold.mkdir()
        for name in (store.GRAPH_FILE,):
            (cold / name).write_bytes((directory / name).read_bytes())
        t = time.perf_counter()
        open_graph_dir(cold).stop()
        first = time.perf_counter() - t
        t = time.perf_counter()
        engine = open_graph_dir(cold)
        cached = time.perf_counter() - t
        print(f"open graph dir, no dump (load + save)   {first * 1000:8.1f} ms")
        print(f"open graph dir from cached dump         {cached * 1000:8.1f} ms")

        print(f"\n{'query':36} {'rows':>5} {'embedded ms':>12} {'python ms':>10} {'ratio':>7}")
        try:
            for name, query in load_catalogue().items():
                rows = engine.run(query.cypher, query.params)[1]
                emb = _median(lambda q=query: engine.run(q.cypher, q.params), args.repeat)
                py = _median(lambda n=name, q=query: ANSWERS[n](graph, **q.params), args.repeat)
                print(f"{name:36} {len(rows):5d} {emb * 1000:12.2f} {py * 1000:10.2f} "
                      f"{py / emb if emb else float('nan'):7.1f}")
        finally:
            engine.stop()


if __name__ == "__main__":
    main()
