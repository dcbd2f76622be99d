"""The bulk-download layout at registry scale: a zip of per-study JSON files, about 1 % of them
cell therapy, built as a stream.

    python bench/bench_registry.py [--size 100000] [--corpus ../shared/corpus] [--ct-share 0.01]
                                   [--zip /tmp/ctg-all-100000.zip] [--distinct]

Makes a registry-like zip (``NCT9000xxxx/NCT90001234.json``, one study per member) from the
corpus:

- **cell-therapy studies** are the corpus' API v2 studies that a build of the corpus keeps in
  scope; about ``--ct-share`` of the members (1 %, as in the real registry);
- **the rest** are the corpus' real out-of-scope records: its API v2 studies as they are, and
  its CSV-export rows written in the API v2 layout (the CSV columns they have, no more);
- every member gets a new NCT id, and the members are shuffled with a fixed seed;
- a cell-therapy study is copied as often as the size asks (about 20 times with
  ``--size 54820 --ct-share 1.0``). The annotator keeps per-text caches, so a copy costs about
  half a new study (``bench/annotate_speed.py``); ``--distinct`` ends each copy's long texts
  with a word of its own, so that a build of it costs what one of distinct studies would.

In one run it then times (a) reading and json-parsing every member and (b) ``celltx build`` of
the zip in a child process, and prints the ratio build ÷ parse, records/s, the child's peak RSS
and that of the largest of its worker processes (the readers and annotators it forks; shared
pages count in each), the number in scope and whether every injected cell-therapy study is in
scope.
"""

from __future__ import annotations

import argparse
import copy as copy_module
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from celltx.loaders import iter_sources, read_source
from celltx.loaders.ctgov_v2 import study_to_record
from celltx.ontology.annotate import annotate
from celltx.ontology.scope import in_scope

from celltx.models import Provenance, SourceFormat, TrialRecord
from celltx.pipeline import build


def corpus_studies(corpus: Path) -> list[dict[str, Any]]:
    studies = []
    for path in sorted((corpus / "ctgov-v2").rglob("*.json*")):
        data = json.loads(path.read_bytes())
        items = data.get("studies", [data]) if isinstance(data, dict) else data
        studies += [s for s in items if isinstance(s, dict) and "protocolSection" in s]
    return studies


def as_v2_study(rec: TrialRecord) -> dict[str, Any]:
    """A CSV row's record in the API v2 layout, with the fields the row had."""
    ps: dict[str, Any] = {
        "identificationModule": {"nctId": rec.nct_id, "briefTitle": rec.brief_title,
                                 "officialTitle": rec.official_title, "acronym": rec.acronym},
        "statusModule": {"overallStatus": rec.overall_status,
                         "startDateStruct": {"date": rec.start_date} if rec.start_date else None},
        "sponsorCollaboratorsModule": {
            "leadSponsor": ({"name": rec.lead_sponsor.name, "class": rec.lead_sponsor.sponsor_class}
                            if rec.lead_sponsor else None)},
        "descriptionModule": {"briefSummary": rec.brief_summary},
        "conditionsModule": {"conditions": list(rec.conditions), "keywords": list(rec.keywords)},
        "designModule": {"studyType": rec.study_type, "phases": list(rec.phases),
                         "enrollmentInfo": {"count": rec.enrollment} if rec.enrollment else None},
        "armsInterventionsModule": {"interventions": [
            {"type": iv.type, "name": iv.name, "description": iv.description}
            for iv in rec.interventions]},
    }
    return {"protocolSection": _pruned(ps)}


def _pruned(value: Any) -> Any:
    """Without the empty values (the API leaves a field out rather than send null)."""
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def _in_scope_alone(study: dict[str, Any]) -> bool:
    rec = study_to_record(study, Provenance(path="corpus", format=SourceFormat.CTGOV_V2_JSON,
                                            record=0))
    return isinstance(rec, TrialRecord) and in_scope(rec, annotate(rec))


def split_corpus(corpus: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(cell-therapy studies, out-of-scope studies) of the corpus: an API v2 study is cell
    therapy when its own record, alone, is in scope; out-of-scope CSV rows are those that a
    build of the whole corpus does not keep."""
    kept = {d["id"] for _, d in build([corpus]).graph.nodes("Trial")}
    v2 = corpus_studies(corpus)
    ct: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    for study in v2:
        (ct if _in_scope_alone(study) else other).append(study)
    seen = {s["protocolSection"]["identificationModule"]["nctId"] for s in v2}
    for source in iter_sources([corpus / "ctgov-csv"]):
        for item in read_source(source)[1]:
            if isinstance(item, TrialRecord) and item.nct_id not in kept | seen:
                seen.add(item.nct_id)
                other.append(as_v2_study(item))
    return ct, other


def _kinds(size: int, share: float) -> list[bool]:
    """Which members are cell therapy (the same for the same size and share)."""
    n_ct = max(1, round(size * share))
    kinds = [True] * n_ct + [False] * (size - n_ct)
    random.Random(20261202).shuffle(kinds)
    return kinds


def _injected(size: int, share: float) -> set[str]:
    return {f"NCT{90000000 + i:08d}" for i, is_ct in enumerate(_kinds(size, share)) if is_ct}


_OWN_TEXTS = (("identificationModule", "briefTitle"), ("identificationModule", "officialTitle"),
               ("descriptionModule", "briefSummary"), ("descriptionModule", "detailedDescription"),
               ("eligibilityModule", "eligibilityCriteria"))
"""A study's own long texts, which no other study shares (unlike the names of conditions,
drugs and sponsors, which recur across a registry)."""


def _as_copy(study: dict[str, Any], copy: int) -> dict[str, Any]:
    """``study`` with a word of its own ending each of its long texts (titles, summaries,
    criteria, arm and intervention descriptions), so that the annotator's per-text caches do
    not serve a copy from the first one, as they cannot serve distinct studies."""
    study = copy_module.deepcopy(study)
    word = "zq" + "".join(chr(97 + int(d)) for d in str(copy))  # e.g. "zqbc": no gene, no code
    ps = study.get("protocolSection", {})
    for module, field in _OWN_TEXTS:
        if isinstance(ps.get(module), dict) and isinstance(ps[module].get(field), str):
            ps[module][field] += f" ({word})"
    arms = ps.get("armsInterventionsModule", {})
    for key in ("armGroups", "interventions"):
        for item in arms.get(key, []) if isinstance(arms, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("description"), str):
                item["description"] += f" ({word})"
    return study


def write_zip(out: Path, ct: list[dict[str, Any]], other: list[dict[str, Any]], size: int,
              share: float, distinct: bool = False) -> set[str]:
    """Write ``size`` members; return the NCT ids given to cell-therapy studies. With
    ``distinct``, each copy of a cell-therapy study after the first has long texts of its own
    (``_as_copy``)."""
    kinds = _kinds(size, share)
    injected = set()
    i_ct = i_other = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for i, is_ct in enumerate(kinds):
            if is_ct:
                study, i_ct = ct[i_ct % len(ct)], i_ct + 1
                if distinct and i_ct > len(ct):
                    study = _as_copy(study, (i_ct - 1) // len(ct))
            else:
                study, i_other = other[i_other % len(other)], i_other + 1
            nct = f"NCT{90000000 + i:08d}"
            study["protocolSection"]["identificationModule"]["nctId"] = nct
            if is_ct:
                injected.add(nct)
            z.writestr(f"{nct[:7]}xxxx/{nct}.json", json.dumps(study))
    return injected


def parse_all(path: Path) -> float:
    start = time.perf_counter()
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            json.loads(z.read(info))
    return time.perf_counter() - start


def build_child(path: Path) -> dict[str, Any]:
    code = ("import json, resource, sys, time; from pathlib import Path;"
            "from celltx.pipeline import build;"
            "cpu = lambda who: (lambda u: u.ru_utime + u.ru_stime)(resource.getrusage(who));"
            "c0, w0 = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN);"
            "t = time.perf_counter(); r = build([Path(sys.argv[1])]);"
            "s = time.perf_counter() - t;"
            "c, w = cpu(resource.RUSAGE_SELF) - c0, cpu(resource.RUSAGE_CHILDREN) - w0;"
            "print(json.dumps({'seconds': s, 'records_read': r.stats['records_read'],"
            " 'trials': r.stats['trials'], 'rejects': r.stats['rejects'],"
            " 'out_of_scope': r.stats['out_of_scope'],"
            " 'ids': sorted(d['id'] for _, d in r.graph.nodes('Trial')),"
            " 'cpu': c, 'workers_cpu': w,"
            " 'rss_kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
            " 'workers_rss_kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                          text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _missed(path: Path, absent: set[str]) -> tuple[set[str], set[str]]:
    """(injected studies the build left out that are cell therapy alone under today's rules,
    those that are not: a zip kept with ``--zip`` was drawn with the rules of its day)."""
    missed: set[str] = set()
    stale: set[str] = set()
    with zipfile.ZipFile(path) as z:
        for nct in absent:
            study = json.loads(z.read(f"{nct[:7]}xxxx/{nct}.json"))
            (missed if _in_scope_alone(study) else stale).add(nct)
    return missed, stale


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--ct-share", type=float, default=0.01)
    ap.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    ap.add_argument("--zip", type=Path, default=None,
                    help="keep the registry-like zip here (made once; reused when it exists)")
    ap.add_argument("--distinct", action="store_true",
                    help="give each copy of a cell-therapy study long texts of its own, so that "
                         "the annotator's per-text caches serve copies no more than they would "
                         "distinct studies (a zip kept with --zip is made once, with or without)")
    args = ap.parse_args()
    ct, other = split_corpus(args.corpus)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.zip or Path(tmp) / "ctg-all.zip"
        injected = _injected(args.size, args.ct_share)
        if not path.exists():
            injected = write_zip(path, ct, other, args.size, args.ct_share, args.distinct)
        parse = parse_all(path)
        res = build_child(path)
        missed, stale = _missed(path, injected - set(res["ids"]))  # (before the zip is gone)
    seconds, rss = res["seconds"], res["rss_kib"]
    print(f"members: {args.size:,}; cell therapy injected: {len(injected):,} "
          f"(from {len(ct):,} corpus studies); the rest from {len(other):,} out-of-scope "
          f"corpus records")
    print(f"read + json-parse: {parse:.1f} s; build: {seconds:.1f} s; "
          f"build ÷ parse = {seconds / parse:.1f}")
    print(f"build: {args.size / seconds:,.0f} records/s; peak RSS {rss / 1024:,.0f} MiB "
          f"(the largest worker process: {res['workers_rss_kib'] / 1024:,.0f} MiB)")
    print(f"build CPU: {res['cpu'] + res['workers_cpu']:.1f} s (the build process "
          f"{res['cpu']:.1f} s, its workers {res['workers_cpu']:.1f} s), steadier than the wall "
          f"time from one day to the next")
    print(f"records read {res['records_read']:,} = trials {res['trials']:,} + "
          f"out of scope {res['out_of_scope']:,} + rejects {res['rejects']:,}")
    print(f"injected cell-therapy studies in scope: {len(injected) - len(missed) - len(stale):,}"
          f" of {len(injected):,}" + (f"; MISSED {sorted(missed)[:5]}" if missed else "")
          + (f"; {len(stale)} no longer cell therapy alone under today's rules (a kept zip made"
             f" with older ones): {sorted(stale)[:5]}" if stale else ""))


if __name__ == "__main__":
    main()
