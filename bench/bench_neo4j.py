"""Bolt push of the bundled sample: batched UNWIND/MERGE versus one transaction per trial,
and a second push of the unchanged graph (only trials whose content hash differs are sent).

Runs against FalkorDB's Bolt endpoint in a loopback-only network namespace (as the tests do;
needs root for ``unshare -n``), or against the Neo4j at ``NEO4J_URI`` if set. FalkorDB 4.16
needs messages under 4 KiB and no apostrophes, so there the graph's long strings are cut
(``tests.bolt_server.small_values``) and batches are capped at about 3000 bytes: batching gains
less on it than on Neo4j. Each mode runs on an empty database. Usage:

    python bench/bench_neo4j.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from celltx.graph.neo4j_writer import push_graph, server_counts  # noqa: E402

from celltx.pipeline import build  # noqa: E402
from tests.bolt_server import bolt_server  # noqa: E402


def _timed_push(server, graph, clear=True, **kw) -> tuple[float, dict]:  # type: ignore[no-untyped-def]  # noqa: E501
    with server.inside():
        driver = server.driver()
        try:
            if clear:
                with driver.session() as session:
                    session.run("MATCH (n) DETACH DELETE n").consume()
            start = time.perf_counter()
            report = push_graph(graph, driver, max_bytes=server.max_bytes, **kw)
            elapsed = time.perf_counter() - start
            counts = server_counts(driver)
        finally:
            driver.close()
    assert counts == (graph.node_counts(), graph.edge_counts()), "counts differ"
    return elapsed, report.as_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    t0 = time.perf_counter()
    graph = build().graph
    print(f"sample built in {time.perf_counter() - t0:.2f} s: "
          f"{graph.g.number_of_nodes()} nodes, {graph.g.number_of_edges()} relationships, "
          f"{sum(1 for _ in graph.nodes('Trial'))} trials")
    with bolt_server() as server:
        target = "FalkorDB Bolt (netns)" if server.is_falkordb else server.uri
        graph = server.fit(graph)
        results: dict[str, list[float]] = {"batched": [], "per_trial": []}
        reports: dict[str, dict] = {}  # type: ignore[type-arg]
        for _ in range(args.repeat):
            for mode in results:
                elapsed, report = _timed_push(server, graph, per_trial=(mode == "per_trial"))
                results[mode].append(elapsed)
                reports[mode] = report
        print(f"server: {target}; batch cap: "
              f"{server.max_bytes or 'none'} bytes; repeats: {args.repeat}")
        for mode, times in results.items():
            r = reports[mode]
            print(f"  {mode:<10} median {statistics.median(times):7.2f} s "
                  f"(min {min(times):.2f}, max {max(times):.2f}); "
                  f"{r['transactions']} transactions, {r['batches']} statements, "
                  f"{r['counters']['nodes_created']} nodes and "
                  f"{r['counters']['relationships_created']} relationships created")
        ratio = statistics.median(results["per_trial"]) / statistics.median(results["batched"])
        print(f"  one transaction per trial / batched = {ratio:.1f}x")
        first, _ = _timed_push(server, graph)
        again, r = _timed_push(server, graph, clear=False)
        print(f"  second push of the unchanged graph: {again:.2f} s against {first:.2f} s "
              f"({again / first:.2f}x); {r['counters']['properties_set']} properties set; "
              f"trials {r['trials']}")


if __name__ == "__main__":
    main()
