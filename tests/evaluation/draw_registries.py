"""Draw the registries evaluation set from other registries' exports (``../shared/registries``).

Two draws, each committed before labelling: 40 records at random (30 whose text has a cell word,
10 without; seed 20261215), then every remaining record with an immune-cell word, at most 24
(seed 20261216), so that the set holds the NK, CIK, dendritic-cell and CAR trials these exports
have. ClinicalTrials.gov records are left out (the other sets cover them). The records are kept
as the loaders read them (``records.jsonl``), so scoring needs no shared data.

    python tests/evaluation/draw_registries.py [../shared/registries]
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

from celltx.loaders import read_paths

from celltx.models import TrialRecord

HERE = Path(__file__).parent / "registries"
_CELL = re.compile(r"(?i)\bNK\b|natural killer|\bCIK\b|\bCAR\b|CAR-?T|T[- ]cells?\b|lymphocyte"
                   r"|dendritic|\bDC\b|stem cell|\bcells?\b")
_IMMUNE = re.compile(r"(?i)\bNK\b|natural killer|\bCIK\b|\bCAR\b|CAR-?T|CAR-?NK|\bT[- ]cells?\b"
                     r"|\bT[- ]lymphocytes?|lymphocytes? (?:infusion|therapy|transfer)|dendritic"
                     r"|\bDCs?\b|\bTILs?\b|immune cells?|killer cells?|adoptive")


def _text(r: TrialRecord) -> str:
    return " ".join(filter(None, [r.brief_title, r.official_title, r.brief_summary,
                                  " ; ".join(i.name for i in r.interventions)]))


def records(root: Path) -> dict[str, TrialRecord]:
    out: dict[str, TrialRecord] = {}
    files = [f for f in sorted(root.rglob("*")) if f.is_file()]
    for _src, _fmt, it in read_paths(files):
        for r in it:
            if isinstance(r, TrialRecord) and not r.nct_id.startswith("NCT"):
                out.setdefault(r.nct_id, r)
    return out


def main(root: Path) -> None:
    recs = records(root)
    ids = sorted(recs)
    cell = [i for i in ids if _CELL.search(_text(recs[i]))]
    rng = random.Random(20261215)
    first = rng.sample(cell, 30) + rng.sample([i for i in ids if i not in cell], 10)
    pool = sorted(i for i in recs if i not in first and _IMMUNE.search(_text(recs[i])))
    second = random.Random(20261216).sample(pool, min(24, len(pool)))
    HERE.mkdir(exist_ok=True)
    (HERE / "drawn_ids.txt").write_text("\n".join(first) + "\n")
    (HERE / "drawn_ids_immune.txt").write_text("\n".join(second) + "\n")
    with (HERE / "records.jsonl").open("w", encoding="utf-8") as f:
        for k in sorted(first + second):
            f.write(recs[k].model_dump_json(exclude_defaults=True) + "\n")
    print(f"registries: {len(first)} + {len(second)} records")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/registries"))
