"""Draw the frozen evaluation set (run once; the output is committed and never redrawn).

    python tests/evaluation/draw.py ../shared/corpus

- 260 trials at random (seed 20261202) from the API v2 records of the bundled sample, so that the
  sparse registry-snapshot records dominate as they do in the sample;
- 60 rows from the website CSV exports in the corpus: 30 at random and 30 at random among rows
  whose text has a cell-therapy keyword (keyword strata, never the annotator), so that positives
  from another format are scored too.

Trials already in ``tests/labelled/`` are left out. Each drawn trial is put in ``dev`` or
``test`` at random (same seed, one half each); rules are tuned on ``dev`` only.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
import re
import sys
from pathlib import Path

SEED = 20261202
HERE = Path(__file__).parent
SAMPLE = HERE.parents[1] / "celltx" / "data" / "sample"
KEYWORDS = re.compile(r"(?i)\bCAR\b|CAR-?T|CAR-?NK|chimeric antigen|\bNK\b|natural killer|\bTIL"
                      r"|\bTCR|lymphocyte|T[- ]cells?\b|\bCIK\b|γδ|gamma delta|NKT")


def sample_studies(exclude: set[str]) -> dict[str, dict[str, object]]:
    """The API v2 studies of the bundled sample by NCT number (first copy), less ``exclude``."""
    studies: dict[str, dict[str, object]] = {}
    for path in sorted(SAMPLE.glob("*.json.gz")):
        for study in json.loads(gzip.decompress(path.read_bytes())):
            nct = study["protocolSection"]["identificationModule"]["nctId"]
            if nct not in exclude:
                studies.setdefault(nct, study)
    return studies


def labelled_ids() -> set[str]:
    """The NCT numbers of ``tests/labelled/`` (never drawn again)."""
    return {json.loads(line)["study"]["protocolSection"]["identificationModule"]["nctId"]
            for line in (HERE.parent / "labelled" / "trials.jsonl").read_text().splitlines()}


Row = tuple[str, list[str], list[str]]
"""(file name, header, row) of a CSV export"""


def csv_rows(folder: Path, *, rng: random.Random | None = None, exclude: set[str] | None = None,
             size: int = 0) -> list[Row]:
    """Every row of the CSV exports in ``folder``; with ``rng``, ``size`` of them with a new NCT
    number each (not in ``exclude``): half at random among rows with a cell-therapy keyword,
    half at random among the rest."""
    rows: list[Row] = []
    for path in sorted(folder.glob("*.csv")):
        table = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
        for row in table[1:]:
            rows.append((path.name, table[0], row))
    if rng is None:
        return rows
    seen: set[str] = set()
    uniq = []
    for file, header, row in rows:
        nct = row_nct(header, row)
        if re.fullmatch(r"NCT\d{8}", nct) and nct not in (exclude or set()) and nct not in seen:
            seen.add(nct)
            uniq.append((file, header, row))
    keyword = [r for r in uniq if KEYWORDS.search(" ".join(r[2]))]
    picked = rng.sample(keyword, size // 2)
    rest = [r for r in uniq if r not in picked]
    return picked + rng.sample(rest, size - size // 2)


def row_nct(header: list[str], row: list[str]) -> str:
    """A CSV export row's NCT number (the 2018 "SearchResults" exports put a rank first)."""
    return (row[header.index("NCT Number")] if header[:1] == ["Rank"] else row[0]).strip()


def write_csv_draw(out: Path, picked: list[Row]) -> None:
    """The drawn rows, one CSV per source export with its original header."""
    out.mkdir(exist_ok=True)
    by_file: dict[str, tuple[list[str], list[list[str]]]] = {}
    for file, header, row in picked:
        by_file.setdefault(file, (header, []))[1].append(row)
    for file, (header, body) in sorted(by_file.items()):
        with (out / file).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            w.writerows(body)


def main(corpus: Path) -> None:
    rng = random.Random(SEED)
    labelled = labelled_ids()
    studies = sample_studies(labelled)
    drawn = rng.sample(sorted(studies), 260)
    (HERE / "sample_draw.json").write_text(
        json.dumps([studies[n] for n in drawn], indent=1, ensure_ascii=False) + "\n",
        encoding="utf-8")
    taken = set(drawn) | labelled
    picked = csv_rows(corpus / "ctgov-csv", rng=rng, exclude=taken, size=60)
    write_csv_draw(HERE / "csv_draw", picked)
    ids = drawn + [r[2][0].strip() for r in picked]
    order = ids[:]
    rng.shuffle(order)
    test = set(order[: len(order) // 2])
    with (HERE / "split.tsv").open("w", encoding="utf-8") as fh:
        fh.write("nct_id\tpart\tdrawn_from\n")
        for n in ids:
            fh.write(f"{n}\t{'test' if n in test else 'dev'}\t"
                     f"{'sample' if n in studies and n in drawn else 'csv'}\n")
    print(f"{len(drawn)} sample + {len(picked)} csv; test {len(test)}, dev {len(ids) - len(test)}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/corpus"))
