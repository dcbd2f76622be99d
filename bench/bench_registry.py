"""The bulk-download layout: a zip of per-study JSON files in NCT-prefix folders, read as a stream.

    python bench/bench_registry.py [--members 50000] [--corpus ../shared/corpus]

Writes a registry-like zip (``NCT0123xxxx/NCT01234567.json``, one study per member) from renumbered
copies of the corpus' API v2 studies, then, in one run, times (a) reading and json-parsing every
member and (b) ``celltx build`` of the zip, and prints the ratio build ÷ parse, records/s and the
peak RSS of the build (measured in a child process, so the parse pass does not count).
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path


def corpus_studies(corpus: Path) -> list[dict]:  # type: ignore[type-arg]
    studies = []
    for path in sorted((corpus / "ctgov-v2").rglob("*.json*")):
        raw = path.read_bytes()
        data = json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)
        items = data.get("studies", [data]) if isinstance(data, dict) else data
        studies += [s for s in items if isinstance(s, dict) and "protocolSection" in s]
    return studies


def write_zip(out: Path, studies: list[dict], members: int) -> None:  # type: ignore[type-arg]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for i in range(members):
            study = studies[i % len(studies)]
            nct = f"NCT{90000000 + i:08d}"
            study["protocolSection"]["identificationModule"]["nctId"] = nct
            z.writestr(f"{nct[:7]}xxxx/{nct}.json", json.dumps(study))


def parse_all(path: Path) -> float:
    start = time.perf_counter()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            json.loads(z.read(info))
    return time.perf_counter() - start


def build_child(path: Path, out: Path) -> tuple[float, int, dict]:  # type: ignore[type-arg]
    code = ("import json, resource, sys, time; from pathlib import Path;"
            "from celltx.pipeline import build;"
            "t = time.perf_counter(); r = build([Path(sys.argv[1])]);"
            "print(json.dumps({'seconds': time.perf_counter() - t, 'records_read':"
            " r.stats['records_read'], 'trials': r.stats['trials'], 'rejects': r.stats['rejects'],"
            " 'rss_kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["seconds"], result["rss_kib"], result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=50_000)
    ap.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    args = ap.parse_args()
    studies = corpus_studies(args.corpus)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ctg-all.zip"
        write_zip(path, studies, args.members)
        parse = parse_all(path)
        seconds, rss, stats = build_child(path, Path(tmp) / "graph")
    print(f"members: {args.members:,} ({len(studies):,} corpus studies renumbered)")
    print(f"read + json-parse: {parse:.1f} s; build: {seconds:.1f} s; "
          f"build ÷ parse = {seconds / parse:.1f}")
    print(f"build: {args.members / seconds:,.0f} records/s; peak RSS {rss / 1024:,.0f} MiB "
          f"({rss * 1024 / args.members / 1024:.1f} KiB per record)")
    print(f"records read {stats['records_read']:,}, trials {stats['trials']:,}, "
          f"rejects {stats['rejects']:,}")


if __name__ == "__main__":
    main()
