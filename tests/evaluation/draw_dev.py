"""Draw a later development set (each run once, after the one before was used up).

    python tests/evaluation/draw_dev.py dev2     # 160 trials, seed 20261203
    python tests/evaluation/draw_dev.py dev3     # 120 trials, seed 20261204

Trials at random from the API v2 records of the bundled sample, leaving out ``tests/labelled/``,
the frozen evaluation set and the earlier development sets; written to ``NAME/sample_draw.json``.
Labelled like the first set (``GUIDE.md``); rules may be tuned on them; the test part stays
untouched.
"""

from __future__ import annotations

import json
import random
import sys

from draw import HERE, labelled_ids, sample_studies

SETS = {"dev2": (20261203, 160, ()), "dev3": (20261204, 120, ("dev2",))}
"""name -> (seed, size, earlier development sets to leave out)"""


def main(name: str) -> None:
    seed, size, earlier = SETS[name]
    taken = {line.split("\t")[0] for line in (HERE / "split.tsv").read_text().splitlines()}
    for other in earlier:
        taken |= {s["protocolSection"]["identificationModule"]["nctId"] for s in json.loads(
            (HERE / other / "sample_draw.json").read_text(encoding="utf-8"))}
    studies = sample_studies(taken | labelled_ids())
    drawn = random.Random(seed).sample(sorted(studies), size)
    (HERE / name / "sample_draw.json").write_text(
        json.dumps([studies[n] for n in drawn], indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8")
    print(f"{name}: {len(drawn)} trials")


if __name__ == "__main__":
    main(sys.argv[1])
