"""The robustness fuzz run (issue 12): mutated real inputs in every category, each checked for
no traceback, the record invariant, good records kept, and bounded time and memory.

    python -m tests.fuzz.harness --cases 5000 --seed 1     # the long run, outside CI
    python -m tests.fuzz.harness --cases 160 --seed 20261202   # what tests/test_fuzz.py runs

Cases run in batches, each batch in a child process (so a signal exit or a hang is seen and
counted, not fatal to the run); each case has an alarm (``CASE_SECONDS``). Categories:

- ``json_type_swap``: one field of a real API v2 study given another type or a hostile value
  (huge integers, 200,000-character strings, NUL, deep lists), between good studies;
- ``json_bytes``: bytes of the bad study damaged or the file cut after the good ones;
- ``csv``: a real website export with a long cell, an unclosed quote, another delimiter, CR-only
  or NUL-bearing lines, ragged rows or junk bytes after good rows;
- ``xml``: a real retired-format study with entity expansion, XXE, truncation or junk, beside a
  good study;
- ``page``: a real registry page cut, shuffled or salted with binary;
- ``container``: zips with traversal names, a zip bomb, a damaged member beside a good one,
  nested archives, cut gzip;
- ``query_param``: hostile values for every stored question's parameters (the graph must not
  change and only parameter errors may be raised);
- ``output_path``: hostile output paths for the graph folder (only ``OutputPathError``).

A case fails on: an exception other than the clean ones of its category, a signal exit, a hang,
``records_read != trials + duplicates_merged + rejects + out_of_scope``, a good record that is
not a trial, or a child's peak memory over ``MAX_RSS_MB``.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import gzip
import hashlib
import io
import json
import random
import resource
import signal
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celltx.loaders.ctgov_v2 import _long_integers

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CATEGORIES = ("json_type_swap", "json_bytes", "csv", "xml", "page", "container", "query_param",
              "output_path")
CASE_SECONDS = 60
BATCH = 40
MAX_RSS_MB = 1024


HOSTILE: list[Any] = [0, -1, 2**63, 2**70, 10**5000, True, False, None, "", "x" * 200_000,
                      [], {}, [1, "a", None], {"a": {"b": [1]}}, 1.5e308, "\x00\x01",
                      "NCT03198052\n", "2023-02-30", "‮evil", [[[[[[[[[[1]]]]]]]]]]]


class CaseFailure(Exception):
    """A broken expectation of one case."""


# ---- inputs ------------------------------------------------------------------------------

def _study() -> dict[str, Any]:
    return json.loads((FIXTURES / "ctgov_v2" / "NCT03198052_latest.json").read_text())


def _numbered(study: dict[str, Any], n: int) -> dict[str, Any]:
    s = copy.deepcopy(study)
    s["protocolSection"]["identificationModule"]["nctId"] = f"NCT9{n:07d}"
    return s


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:3]):
            out += _paths(v, (*prefix, i))
    return out


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


def _json_type_swap(rng: random.Random) -> tuple[dict[str, bytes], set[str]]:
    study = _study()
    bad = _numbered(study, 3)
    path = rng.choice(_paths(bad["protocolSection"]))
    with _long_integers(True):  # the loaders' own switch, restored after
        return _json_type_swap_files(rng, study, bad, path)


def _json_type_swap_files(rng: random.Random, study: dict[str, Any], bad: dict[str, Any],
                          path: tuple[Any, ...]) -> tuple[dict[str, bytes], set[str]]:
    _set(bad["protocolSection"], path, copy.deepcopy(rng.choice(HOSTILE)))
    good = [_numbered(study, 1), _numbered(study, 2), _numbered(study, 4)]
    items = [good[0], good[1], bad, good[2]]
    layout = rng.choice(["array", "page", "jsonl"])
    if layout == "array":
        data = json.dumps(items).encode()
    elif layout == "page":
        data = json.dumps({"studies": items, "nextPageToken": None}).encode()
    else:
        data = b"\n".join(json.dumps(i).encode() for i in items) + b"\n"
    return {"studies.json": data}, {"NCT90000001", "NCT90000002", "NCT90000004"}


def _json_bytes(rng: random.Random) -> tuple[dict[str, bytes], set[str]]:
    study = _study()
    head = json.dumps([_numbered(study, 1), _numbered(study, 2)])[:-1].encode()
    tail = b"," + json.dumps(_numbered(study, 3)).encode() + b"]"
    tail = bytearray(tail)
    for _ in range(rng.randint(1, 8)):
        at = rng.randrange(len(tail))
        op = rng.choice(["flip", "cut", "insert", "delete"])
        if op == "flip":
            tail[at] ^= 1 << rng.randrange(8)
        elif op == "cut":
            tail = tail[:at]
            break
        elif op == "insert":
            tail[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 20)))
        else:
            del tail[at:at + rng.randint(1, 50)]
    return {"studies.json": head + bytes(tail)}, {"NCT90000001", "NCT90000002"}


def _csv(rng: random.Random) -> tuple[dict[str, bytes], set[str]]:
    import csv

    path = rng.choice(sorted((FIXTURES / "ctgov_csv").glob("*.csv")))
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    nct = next(i for i in range(len(header))
               if all(r[i].strip().startswith("NCT") for r in body[:3]))
    good = []
    for i, r in enumerate(body[:2]):
        r = list(r)
        r[nct] = f"NCT9{i + 1:07d}"
        good.append(r)
    bad = list(body[-1])
    bad[nct] = "NCT90000009"
    cell = rng.randrange(len(bad))
    mutation = rng.choice(["long", "quote", "newline", "nul", "junk", "ragged", "semicolon",
                           "cr", "bom", "empty"])
    if mutation == "long":
        bad[cell] = "y" * 300_000
    elif mutation == "newline":
        bad[cell] = "a\nb\r\nc"
    elif mutation == "nul":
        bad[cell] = "a\x00b"
    elif mutation == "ragged":
        bad = bad[: rng.randrange(len(bad))]
    elif mutation == "empty":
        bad = ["" for _ in bad]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", delimiter=";" if mutation == "semicolon"
                        else ",")
    writer.writerow(header)
    writer.writerows(good)
    writer.writerow(bad)
    text = buf.getvalue()
    if mutation == "quote":
        at = text.rindex("\n", 0, len(text) - 1) + 1
        text = text[:at] + '"' + text[at:] + 'tail,"x\n'
    elif mutation == "cr":
        text = text.replace("\n", "\r")
    data = text.encode()
    if mutation == "junk":
        data += bytes(rng.randrange(256) for _ in range(200))
    if mutation == "bom":
        data = b"\xef\xbb\xbf" + data
    return {"export.csv": data}, {"NCT90000001", "NCT90000002"}


_XML_BOMBS = [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;'
    b'&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'
    b'&lol2;&lol2;&lol2;&lol2;">]><clinical_study><id_info><nct_id>NCT90000009</nct_id>'
    b'</id_info><brief_title>&lol3;</brief_title></clinical_study>',
    b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<clinical_study><id_info><nct_id>NCT90000009</nct_id></id_info>'
    b'<brief_title>&xxe;</brief_title></clinical_study>',
]


def _xml(rng: random.Random) -> tuple[dict[str, bytes], set[str]]:
    path = rng.choice(sorted((FIXTURES / "ctgov_legacy" / "xml").glob("*.xml")))
    raw = path.read_bytes()
    good = raw.replace(path.stem.encode(), b"NCT90000001")
    kind = rng.choice(["bomb", "cut", "junk", "text", "deep"])
    if kind == "bomb":
        bad = rng.choice(_XML_BOMBS)
    elif kind == "cut":
        bad = raw[: rng.randrange(len(raw))]
    elif kind == "junk":
        at = rng.randrange(len(raw))
        bad = raw[:at] + bytes(rng.randrange(256) for _ in range(50)) + raw[at:]
    elif kind == "text":
        bad = raw.replace(b"<start_date>", b"<start_date>not a date ", 1).replace(
            b"<enrollment", b"<enrollment>-1e999</enrollment><x", 1)
    else:
        bad = (b"<clinical_study>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</clinical_study>")
    return {"good.xml": good, "bad.xml": bad}, {"NCT90000001"}


def _page(rng: random.Random) -> tuple[dict[str, bytes], set[str]]:
    path = rng.choice(sorted((FIXTURES / "seeds").glob("*.txt")))
    text = bytearray(path.read_bytes())
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(text))
        op = rng.choice(["cut", "binary", "long", "dup"])
        if op == "cut":
            del text[at:at + rng.randint(1, 2000)]
        elif op == "binary":
            text[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif op == "long":
            text[at:at] = b"z" * 500_000
        else:
            text += bytes(text[: rng.randrange(len(text))])
    return {"page.txt": bytes(text)}, set()


def _container(rng: random.Random) -> tuple[dict[str, bytes], set[str]]:
    good = json.dumps(_numbered(_study(), 1)).encode()
    buf = io.BytesIO()
    kind = rng.choice(["traversal", "bomb", "damaged", "nested", "cutgz", "empty"])
    if kind == "cutgz":
        data = gzip.compress(json.dumps([_numbered(_study(), 2)]).encode())
        return {"good.json": good, "cut.json.gz": data[: rng.randrange(10, len(data))]}, {
            "NCT90000001"}
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("NCT9000xxxx/NCT90000001.json", good)
        if kind == "traversal":
            z.writestr("../../etc/evil.json", good.replace(b"NCT90000001", b"NCT90000002"))
            z.writestr("/abs/path.json", b"{}")
        elif kind == "bomb":
            z.writestr("bomb.json", b"[" + b" " * 50_000_000 + b"]")
        elif kind == "damaged":
            z.writestr("damaged.json", json.dumps(_numbered(_study(), 3)).encode())
        elif kind == "nested":
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w") as zi:
                zi.writestr("inner.json", b"[]")
            z.writestr("inner.zip", inner.getvalue())
    data = bytearray(buf.getvalue())
    if kind == "damaged":
        at = data.find(b"damaged.json", data.find(b"damaged.json") + 1)  # in the directory
        start = data.find(b"damaged.json") + 40
        for i in range(start, min(start + 30, at if at > 0 else len(data))):
            data[i] ^= 0x5A
    return {"archive.zip": bytes(data)}, {"NCT90000001"}


# ---- running a case ------------------------------------------------------------------------

def _check_build(files: dict[str, bytes], good: set[str], tmp: Path) -> None:
    from celltx.pipeline import BuildError, build

    folder = tmp / "in"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    try:
        result = build([folder], keep_going=True, scope="all")
    except BuildError:
        return  # one clean line for the user (e.g. nothing readable)
    s = result.stats
    if s["records_read"] != (s["trials"] + s["duplicates_merged"] + s["rejects"]
                             + s["out_of_scope"]):
        raise CaseFailure(f"invariant broken: {s['records_read']} read, {s['trials']} trials, "
                          f"{s['duplicates_merged']} merged, {s['rejects']} rejects")
    trials = {d["id"] for _, d in result.graph.nodes("Trial")}
    lost = good - trials
    if lost:
        raise CaseFailure(f"good records lost: {sorted(lost)}")
    for r in result.rejects:
        if "\n" in r.reason:
            raise CaseFailure(f"reject reason of several lines: {r.reason[:80]!r}")


_MINI: Any = None


def _check_query(rng: random.Random) -> None:
    from celltx.queries.catalogue import load_catalogue
    from celltx.queries.params import ParamError
    from celltx.queries.run import run_query

    from tests.mini_graph import build_mini_graph

    global _MINI
    if _MINI is None:
        _MINI = build_mini_graph()
    before = hashlib.sha256(json.dumps(sorted(map(str, _MINI.g.nodes(data=True))))
                            .encode()).hexdigest()
    name, query = rng.choice(sorted(load_catalogue().items()))
    values = ["' OR 1=1 //", "MATCH (n) DETACH DELETE n", "x" * 100_000, "", "-1", "1e999",
              "null", "true", "\x00", "CD33", "AML", "NCT05008575", "2024-13-45", "99999999999",
              "}]) RETURN 1 //", "🧬", "CAR_NK", "car-nk"]
    params = {k: rng.choice(values) for k in query.params if rng.random() < 0.8}
    if rng.random() < 0.2:
        params["no_such_param"] = "1"
    with contextlib.suppress(ParamError, ValueError, KeyError):
        run_query(name, params, engine="python", graph=_MINI)
    after = hashlib.sha256(json.dumps(sorted(map(str, _MINI.g.nodes(data=True))))
                           .encode()).hexdigest()
    if before != after:
        raise CaseFailure(f"{name} {params!r} changed the graph")


def _check_output(rng: random.Random, tmp: Path) -> None:
    from celltx.graph import store

    from celltx.outputs import OutputPathError
    from tests.mini_graph import build_mini_graph

    a_file = tmp / "a-file"
    a_file.write_text("x")
    busy = tmp / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("mine")
    choices = [a_file, a_file / "child", Path("/dev/null"), Path("/proc/celltx"),
               Path("/sys/x"), busy, tmp / ("n" * 300), tmp / "ok" / "deeper", tmp / "über ☃",
               tmp / "a-file" / ".." / "x", Path("/")]
    out = rng.choice(choices)
    with contextlib.suppress(OutputPathError):
        store.save(build_mini_graph(), out, stats={}, rejects=[], merges=[])
    if (busy / "mine.txt").read_text() != "mine" or a_file.read_text() != "x":
        raise CaseFailure(f"{out}: an existing file was changed")


MAKERS: dict[str, Callable[[random.Random], tuple[dict[str, bytes], set[str]]]] = {
    "json_type_swap": _json_type_swap, "json_bytes": _json_bytes, "csv": _csv, "xml": _xml,
    "page": _page, "container": _container,
}


def run_case(seed: int, index: int) -> tuple[str, str | None]:
    """(category, failure or None) of case ``index`` of run ``seed``."""
    rng = random.Random(f"{seed}:{index}")
    category = CATEGORIES[index % len(CATEGORIES)]

    def alarm(*_: Any) -> None:
        raise TimeoutError(f"over {CASE_SECONDS} s")

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(CASE_SECONDS)
    try:
        with tempfile.TemporaryDirectory(prefix="celltx-fuzz-") as tmp:
            if category == "query_param":
                _check_query(rng)
            elif category == "output_path":
                _check_output(rng, Path(tmp))
            else:
                files, good = MAKERS[category](rng)
                _check_build(files, good, Path(tmp))
        return category, None
    except CaseFailure as exc:
        return category, str(exc)
    except BaseException as exc:  # noqa: BLE001 - any other exception is a traceback to a user
        return category, f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        signal.alarm(0)


def _peak_rss_mb() -> float:
    """This process's own peak resident memory: VmHWM starts afresh at exec, whereas
    ``ru_maxrss`` keeps the peak of the parent that forked it (a test runner's gigabyte)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_batch(seed: int, start: int, count: int) -> dict[str, Any]:
    results = [run_case(seed, i) for i in range(start, start + count)]
    return {"cases": [[c, f] for c, f in results], "rss_mb": _peak_rss_mb()}


def run(cases: int, seed: int, progress: bool = False) -> dict[str, Any]:
    """Run ``cases`` cases in child processes; the summary by category, with every failure."""
    by_category: dict[str, dict[str, int]] = {c: {"cases": 0, "failed": 0} for c in CATEGORIES}
    failures: list[str] = []
    peak = 0.0
    for start in range(0, cases, BATCH):
        count = min(BATCH, cases - start)
        try:
            done = subprocess.run([sys.executable, "-m", "tests.fuzz.harness", "--batch",
                                   str(seed), str(start), str(count)], capture_output=True,
                                  text=True, timeout=CASE_SECONDS * count + 60,
                                  cwd=Path(__file__).resolve().parents[2])
        except subprocess.TimeoutExpired:
            failures.append(f"cases {start}-{start + count - 1}: batch hung")
            continue
        if done.returncode != 0:
            kind = f"signal {-done.returncode}" if done.returncode < 0 else "exit"
            failures.append(f"cases {start}-{start + count - 1}: {kind} {done.returncode}: "
                            f"{done.stderr.strip()[-300:]}")
            continue
        batch = json.loads(done.stdout.strip().splitlines()[-1])
        peak = max(peak, batch["rss_mb"])
        for i, (category, failure) in enumerate(batch["cases"]):
            by_category[category]["cases"] += 1
            if failure:
                by_category[category]["failed"] += 1
                failures.append(f"case {start + i} ({category}): {failure}")
        if progress:
            print(f"  {start + count}/{cases} cases, {len(failures)} failures", file=sys.stderr)
    if peak > MAX_RSS_MB:
        failures.append(f"peak memory {peak:.0f} MB over {MAX_RSS_MB} MB")
    return {"seed": seed, "cases": cases, "by_category": by_category, "failures": failures,
            "peak_rss_mb": round(peak)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=160)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--batch", nargs=3, type=int, metavar=("SEED", "START", "COUNT"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.batch:
        print(json.dumps(run_batch(*args.batch)))
        return
    summary = run(args.cases, args.seed, progress=True)
    print(json.dumps(summary, indent=1))
    sys.exit(1 if summary["failures"] else 0)


if __name__ == "__main__":
    main()
