"""Score the annotator on the frozen evaluation set, dev and test side by side.

    python tests/evaluation/score.py [--misses dev|test]

The records (``sample_draw.json``, ``csv_draw/``) are read with the real loaders; the labels
(``labels.tsv``) were written by reading each record (``README.md``). Rules are tuned on the
``dev`` part only; ``test`` is scored and never tuned to.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
EXTRA_DEV = ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8", "dev9",
             "dev10", "dev11", "dev12", "dev13", "dev14", "dev15", "dev16", "dev17", "dev18",
             "dev19", "dev20", "dev21", "dev22")
"""Later development sets (``dev2/`` …), each with its ``labels.tsv`` (``dev4/`` also has CSV
rows in ``csv_draw/``)."""


REGISTRY_SETS = ("registries",)
"""Sets of other registries' records (WHO ICTRP, EU CTR, CTIS, ChiCTR, …), each with its
``labels.tsv`` and the loaders' ``records.jsonl``: a development set (its first score, before
any rule saw it, is in the evaluation README)."""


def _extra() -> list[str]:
    return [d for d in (*EXTRA_DEV, *REGISTRY_SETS) if (HERE / d / "labels.tsv").exists()]


@dataclass(frozen=True)
class Label:
    nct_id: str
    part: str
    is_cell_therapy: bool
    modality: str
    products: tuple[tuple[str, frozenset[str]], ...]
    unclear: bool

    @property
    def targets(self) -> frozenset[str]:
        return frozenset(t for _, ts in self.products for t in ts)

    @property
    def platforms(self) -> frozenset[str]:
        return frozenset(p for p, _ in self.products)

    @property
    def dual(self) -> bool:
        return any(len(ts) > 1 for _, ts in self.products)


SECOND_READING = HERE / "test_second_reading"
"""The test part read again, blind, by four more readers (``labels.tsv``), and the trials where
the two readings differ decided by a fifth who saw both and the record, not the annotator
(``adjudicated.tsv``)."""


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines(), delimiter="\t"))


def _label(r: dict[str, str], part: str) -> Label:
    products = []
    for item in (r["products"] or "").split(";"):
        if not item.strip():
            continue
        platform, _, targets = item.strip().partition(":")
        products.append((platform.strip(), frozenset(
            t.strip() for t in targets.split("+") if t.strip())))
    return Label(r["nct_id"], part, r["is_cell_therapy"] == "1", r["modality"], tuple(products),
                 r["unclear"] == "1")


def adjudicated_test_labels() -> dict[str, Label]:
    """The test part's labels with the adjudicated trials replaced (part ``test_adjudicated``)."""
    out = {n: dataclasses.replace(lab, part="test_adjudicated")
           for n, lab in labels().items() if lab.part == "test"}
    path = SECOND_READING / "adjudicated.tsv"
    if path.exists():
        out.update({r["nct_id"]: _label(r, "test_adjudicated") for r in _rows(path)})
    return out


SEEN = HERE / "test_seen.tsv"
"""Test-part trials whose errors a session saw (an analyst probe of the bundled sample, which
the test part was drawn from, met them) and whose class was then fixed: the ``test_unseen``
part leaves them out, so that one figure stays free of what was seen."""


def unseen_test_labels() -> dict[str, Label]:
    """The test part without the trials of ``test_seen.tsv`` (part ``test_unseen``)."""
    seen = {r["nct_id"] for r in _rows(SEEN)} if SEEN.exists() else set()
    return {n: dataclasses.replace(lab, part="test_unseen") for n, lab in labels().items()
            if lab.part == "test" and n not in seen}


def reader_agreement() -> dict[str, object]:
    """The second reading of the test part scored against the first, as the annotator is."""
    first = {n: lab for n, lab in labels().items() if lab.part == "test"}
    second = {r["nct_id"]: _label(r, "test") for r in _rows(SECOND_READING / "labels.tsv")}
    figures = _figures([(_Got(b.targets, b.platforms, b.is_cell_therapy, b.dual, b.modality), a)
                        for nct, a in first.items() for b in (second[nct],)])
    return {k: figures[k] for k in ("trials", "target_precision", "target_recall",
                                    "exact_target_set", "platform_accuracy",
                                    "is_cell_therapy_accuracy")}


@dataclass(frozen=True)
class _Got:
    """What a reading (the annotator's, or a second reader's) says of one trial."""

    targets: frozenset[str]
    platforms: frozenset[str]
    is_cell_therapy: bool
    dual: bool
    modality: str


def _figures(pairs: list[tuple[_Got, Label]]) -> dict[str, object]:
    """Precision, recall and accuracies of the readings ``got`` against the labels ``want``."""
    tp = sum(len(g.targets & w.targets) for g, w in pairs)
    fp = sum(len(g.targets - w.targets) for g, w in pairs)
    fn = sum(len(w.targets - g.targets) for g, w in pairs)
    n = len(pairs)

    def share(same: int) -> float:
        return round(same / n, 3) if n else 0.0

    return {
        "trials": n,
        "target_precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
        "target_recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
        "exact_target_set": share(sum(g.targets == w.targets for g, w in pairs)),
        "platform_accuracy": share(sum(g.platforms == w.platforms for g, w in pairs)),
        "is_cell_therapy_accuracy": share(sum(g.is_cell_therapy == w.is_cell_therapy
                                              for g, w in pairs)),
        "dual_construct_accuracy": share(sum(g.dual == w.dual for g, w in pairs)),
        "modality_accuracy": share(sum(g.modality == w.modality for g, w in pairs)),
    }


@cache
def labels() -> dict[str, Label]:
    """The labels of the frozen set (parts dev and test) and of the later dev sets."""
    parts = {r["nct_id"]: r["part"] for r in csv.DictReader(
        (HERE / "split.tsv").read_text(encoding="utf-8").splitlines(), delimiter="\t")}
    rows = list(csv.DictReader((HERE / "labels.tsv").read_text(encoding="utf-8").splitlines(),
                               delimiter="\t"))
    for name in _extra():
        extra = list(csv.DictReader((HERE / name / "labels.tsv").read_text(
            encoding="utf-8").splitlines(), delimiter="\t"))
        parts.update({r["nct_id"]: name for r in extra})
        rows += extra
    return {r["nct_id"]: _label(r, parts[r["nct_id"]]) for r in rows}


@cache
def records() -> dict[str, object]:
    from celltx.loaders import read_paths

    from celltx.models import TrialRecord

    out: dict[str, object] = {}
    paths = [HERE / "sample_draw.json", HERE / "csv_draw"]
    paths += [HERE / name / f for name in _extra() for f in ("sample_draw.json", "csv_draw")
              if (HERE / name / f).exists()]
    for _src, _fmt, it in read_paths(paths):
        for rec in it:
            assert isinstance(rec, TrialRecord), rec
            out[rec.nct_id or ""] = rec
    for name in REGISTRY_SETS:
        jsonl = HERE / name / "records.jsonl"
        if jsonl.exists():
            for line in jsonl.read_text(encoding="utf-8").splitlines():
                rec = TrialRecord.model_validate_json(line)
                out[rec.nct_id or ""] = rec
    return out


def score(part: str, *, clear_only: bool = False) -> dict[str, object]:
    from celltx.ontology.annotate import annotate

    recs = records()
    labs = (adjudicated_test_labels() if part == "test_adjudicated"
            else unseen_test_labels() if part == "test_unseen" else labels())
    pairs = []
    misses = []
    for nct, want in sorted(labs.items()):
        if want.part != part or (clear_only and want.unclear):
            continue
        ann = annotate(recs[nct])  # type: ignore[arg-type]
        got = _Got(targets=frozenset(t.key for p in ann.products for t in p.targets),
                   platforms=frozenset(p.platform for p in ann.products),
                   is_cell_therapy=ann.is_cell_therapy,
                   dual=any(p.construct_kind in ("dual", "multi") for p in ann.products),
                   modality=getattr(ann, "modality",
                                    "cell_therapy" if ann.is_cell_therapy else "other"))
        pairs.append((got, want))
        if (got.targets != want.targets or got.platforms != want.platforms
                or got.is_cell_therapy != want.is_cell_therapy):
            misses.append(f"{nct}: ct {int(got.is_cell_therapy)}/{int(want.is_cell_therapy)} "
                          f"targets {sorted(got.targets)} vs {sorted(want.targets)}; platforms "
                          f"{sorted(got.platforms)} vs {sorted(want.platforms)}"
                          + (" (unclear)" if want.unclear else ""))
    return {**_figures(pairs), "misses": misses}


def main(argv: list[str]) -> None:
    names = ("dev", *_extra(), "test", "test_unseen", "test_adjudicated")
    rows = {(p, c): score(p, clear_only=c) for p in names for c in (False, True)}
    keys = [k for k in rows[("dev", False)] if k != "misses"]
    print(f"{'':28}" + "".join(f"{p + s:>8}" for s in ("", "*") for p in names)
          + "   (* without unclear labels)")
    for k in keys:
        print(f"{k:28}" + "".join(f"{rows[(p, c)][k]!s:>8}" for c in (False, True)
                                  for p in names))
    agreement = reader_agreement()
    print("second reading of the test part against the first (reader agreement): "
          + ", ".join(f"{k} {v}" for k, v in agreement.items()))
    if "--misses" in argv:
        part = argv[argv.index("--misses") + 1]
        for m in rows[(part, False)]["misses"]:  # type: ignore[attr-defined]
            print("  ", m)
    if "--json" in argv:
        print(json.dumps({f"{p}{'_clear' if c else ''}": {k: v for k, v in r.items()
                                                          if k != "misses"}
                          for (p, c), r in rows.items()}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
