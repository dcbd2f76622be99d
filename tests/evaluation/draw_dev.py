"""Draw a later development set (each run once, after the one before was used up).

    python tests/evaluation/draw_dev.py dev2     # 160 trials, seed 20261203
    python tests/evaluation/draw_dev.py dev3     # 120 trials, seed 20261204
    python tests/evaluation/draw_dev.py dev4     # 60 trials + 60 CSV rows, seed 20261205
    python tests/evaluation/draw_dev.py dev5     # 80 trials + 80 CSV rows, seed 20261206
    python tests/evaluation/draw_dev.py dev6     # 80 trials + 80 CSV rows, seed 20261207
    python tests/evaluation/draw_dev.py dev7     # 80 trials + 80 CSV rows, seed 20261208

Trials at random from the API v2 records of the bundled sample, leaving out ``tests/labelled/``,
the frozen evaluation set and the earlier development sets; written to ``NAME/sample_draw.json``.
``dev4`` to ``dev7`` also draw rows of the corpus CSV exports the way ``draw.py`` does (half
among rows with a cell-therapy keyword), into ``NAME/csv_draw/``, because the test part holds
such rows and the sample-only sets did not.
Labelled like the first set (``GUIDE.md``); rules may be tuned on them; the test part stays
untouched.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from draw import HERE, csv_rows, labelled_ids, row_nct, sample_studies, write_csv_draw

SETS = {"dev2": (20261203, 160, (), 0), "dev3": (20261204, 120, ("dev2",), 0),
        "dev4": (20261205, 60, ("dev2", "dev3"), 60),
        "dev5": (20261206, 80, ("dev2", "dev3", "dev4"), 80),
        "dev6": (20261207, 80, ("dev2", "dev3", "dev4", "dev5"), 80),
        "dev7": (20261208, 80, ("dev2", "dev3", "dev4", "dev5", "dev6"), 80),
        "dev8": (20261209, 80, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7"), 80),
        "dev9": (20261210, 80, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8"), 80),
        "dev10": (20261211, 150, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9"), 0),
        "dev11": (20261212, 150, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9", "dev10"), 0),
        "dev12": (20261213, 150, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9", "dev10", "dev11"), 0),
        "dev13": (20261214, 150, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9", "dev10", "dev11", "dev12"), 0),
        "dev14": (20261215, 150, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9", "dev10", "dev11", "dev12", "dev13"), 0),
        "dev15": (20261216, 150, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9", "dev10", "dev11", "dev12", "dev13", "dev14"), 0),
        "dev16": (20261217, 150, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9", "dev10", "dev11", "dev12", "dev13", "dev14",
                                  "dev15"), 0),
        "dev17": (20261218, 150, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9", "dev10", "dev11", "dev12", "dev13", "dev14",
                                  "dev15", "dev16"), 0),
        "dev18": (20261219, 150, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9", "dev10", "dev11", "dev12", "dev13", "dev14",
                                  "dev15", "dev16", "dev17"), 0),
        "dev19": (20261220, 126, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                  "dev9", "dev10", "dev11", "dev12", "dev13", "dev14",
                                  "dev15", "dev16", "dev17", "dev18"), 0),
        "dev20": (20261221, 0, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                "dev9", "dev10", "dev11", "dev12", "dev13", "dev14",
                                "dev15", "dev16", "dev17", "dev18", "dev19"), 120),
        "dev21": (20261222, 0, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                "dev9", "dev10", "dev11", "dev12", "dev13", "dev14",
                                "dev15", "dev16", "dev17", "dev18", "dev19", "dev20"), 120),
        "dev22": (20261223, -1, ("dev2", "dev3", "dev4", "dev5", "dev6", "dev7", "dev8",
                                 "dev9", "dev10", "dev11", "dev12", "dev13", "dev14",
                                 "dev15", "dev16", "dev17", "dev18", "dev19", "dev20",
                                 "dev21"), 44)}
"""name -> (seed, sample size, earlier development sets to leave out, CSV rows); dev10 has no
CSV rows, as the exports' rows that name a cell therapy were all drawn before. dev20 and dev21
have no sample trials (dev19 took the last) and draw their rows from the retired 2018
"SearchResults" exports (``ctgov-legacy``), a format no earlier set held. dev22 (size -1) takes
every API v2 record of the corpus outside the bundled sample (the acute-leukaemia search and the
B7-H3 watch folder, full records) not labelled before, and 44 legacy rows: the last 22 with a
cell-therapy keyword and 22 at random."""
LEGACY = {"dev20", "dev21", "dev22"}



def corpus_v2_studies(corpus: Path) -> dict[str, dict[str, object]]:
    """Every API v2 study of the corpus (``ctgov-v2``: arrays and one-study files), first copy."""
    studies: dict[str, dict[str, object]] = {}
    for path in sorted((corpus / "ctgov-v2").rglob("*.json")):
        loaded = json.loads(path.read_text(encoding="utf-8"))
        for study in loaded if isinstance(loaded, list) else [loaded]:
            studies.setdefault(study["protocolSection"]["identificationModule"]["nctId"], study)
    return studies


def main(name: str) -> None:
    seed, size, earlier, n_csv = SETS[name]
    taken = {line.split("\t")[0] for line in (HERE / "split.tsv").read_text().splitlines()}
    for other in earlier:
        if (HERE / other / "sample_draw.json").exists():
            taken |= {s["protocolSection"]["identificationModule"]["nctId"] for s in json.loads(
                (HERE / other / "sample_draw.json").read_text(encoding="utf-8"))}
    every = sample_studies(set())
    left_out = taken | labelled_ids()
    studies = {n: s for n, s in every.items() if n not in left_out}
    if size < 0:
        studies = {n: s for n, s in corpus_v2_studies(Path(
            sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus")).items()
            if n not in left_out and n not in every}
        size = len(studies)
    drawn = random.Random(seed).sample(sorted(studies), size)
    if drawn:
        (HERE / name / "sample_draw.json").write_text(
            json.dumps([studies[n] for n in drawn], indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8")
    if n_csv:
        for other in earlier:
            taken |= {row_nct(h, row) for _f, h, row in csv_rows(HERE / other / "csv_draw")}
        taken |= set(every)  # (no trial of the bundled sample: all of them were drawn)
        rng = random.Random(seed + 1)
        picked = csv_rows(Path(sys.argv[2] if len(sys.argv) > 2 else "../shared/corpus")
                          / ("ctgov-legacy" if name in LEGACY else "ctgov-csv"), rng=rng,
                          exclude=taken | set(drawn), size=n_csv)
        write_csv_draw(HERE / name / "csv_draw", picked)
    print(f"{name}: {len(drawn)} trials" + (f" + {n_csv} CSV rows" if n_csv else ""))


if __name__ == "__main__":
    main(sys.argv[1])
