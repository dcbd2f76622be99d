"""``bench/bench_build.py`` runs end to end on a small corpus, with every build path it times:
its instrumented build wraps the loaders' entry point, so a change of that entry point's
signature must not break it unseen (the bench is run by hand, not by the tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_build.py"
FIXTURES = Path(__file__).parent / "fixtures"


def test_the_build_bench_runs_and_prints_its_figures(tmp_path: Path) -> None:
    """A corpus of an API v2 array, a CSV export and a study screened out alone whose trial
    another file keeps (so that the build reads a source again: ``ScreenedLog.recover``)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("ctgov_v2/acute_leukemia_array.json", "ctgov_csv/onlyjazz-ctg-studies.csv"):
        (corpus / Path(name).name).write_bytes((FIXTURES / name).read_bytes())
    study = {"protocolSection": {
        "identificationModule": {"nctId": "NCT09999991", "briefTitle": "Study XY-1"},
        "statusModule": {"overallStatus": "RECRUITING"}}}
    (corpus / "alone.json").write_text(json.dumps([study]), encoding="utf-8")
    (corpus / "row.csv").write_text(
        "NCT Number,Study Title,Interventions\n"
        "NCT09999991,CD19 CAR-T Cells (XY-1) in Lymphoma,BIOLOGICAL: CD19 CAR-T cells\n",
        encoding="utf-8")
    done = subprocess.run([sys.executable, str(BENCH), str(corpus), "--repeat", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ratio build/parse" in done.stdout
    phases = done.stdout.split("phases", 1)[1]
    assert "read+validate" in phases and "annotate" in phases and "build total" in phases
