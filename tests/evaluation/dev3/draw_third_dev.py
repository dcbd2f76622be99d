"""Draw a third development set (run once, after the second was used up).

    python tests/evaluation/dev3/draw_third_dev.py

120 more trials at random (seed 20261203) from the API v2 records of the bundled sample,
leaving out ``tests/labelled/``, the frozen evaluation set and ``dev2``. Labelled like the first set
(``../GUIDE.md``); rules may be tuned on it; the test part stays untouched.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

SEED = 20261204
HERE = Path(__file__).parent
SAMPLE = HERE.parents[2] / "celltx" / "data" / "sample"


def main() -> None:
    rng = random.Random(SEED)
    taken = {line.split("\t")[0] for line in (HERE.parent / "split.tsv").read_text().splitlines()}
    taken |= {s["protocolSection"]["identificationModule"]["nctId"] for s in json.loads(
        (HERE.parent / "dev2" / "sample_draw.json").read_text(encoding="utf-8"))}
    taken |= {json.loads(line)["study"]["protocolSection"]["identificationModule"]["nctId"]
              for line in (HERE.parents[1] / "labelled" / "trials.jsonl").read_text()
              .splitlines()}
    studies: dict[str, dict[str, object]] = {}
    for path in sorted(SAMPLE.glob("*.json.gz")):
        for study in json.loads(gzip.decompress(path.read_bytes())):
            nct = study["protocolSection"]["identificationModule"]["nctId"]
            if nct not in taken:
                studies.setdefault(nct, study)
    drawn = rng.sample(sorted(studies), 120)
    (HERE / "sample_draw.json").write_text(
        json.dumps([studies[n] for n in drawn], indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8")
    print(f"{len(drawn)} trials")


if __name__ == "__main__":
    main()
