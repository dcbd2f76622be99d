"""The bench scripts run end to end on small inputs (they are run by hand, not by the tests, so
a change of what they wrap must not break them unseen): ``bench_build.py``, whose instrumented
build wraps the loaders' entry point, and ``bench_registry.py``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_build.py"
REGISTRY_BENCH = BENCH.with_name("bench_registry.py")
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
    assert "ratio build/parse" in done.stdout and "s with the workers'" in done.stdout
    phases = done.stdout.split("phases", 1)[1]
    assert "read+validate" in phases and "annotate" in phases and "build total" in phases


def test_the_registry_bench_runs_and_prints_its_figures(tmp_path: Path,
                                                        shared_corpus: Path) -> None:
    """A small registry-like zip from the corpus: every injected cell-therapy study in scope,
    the records accounted for, and the build's CPU time printed beside its wall time."""
    done = subprocess.run([sys.executable, str(REGISTRY_BENCH), "--size", "2000",
                           "--corpus", str(shared_corpus), "--zip", str(tmp_path / "r.zip")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert "injected cell-therapy studies in scope: 20 of 20" in out, out
    assert "records read 2,000 = trials 20 + out of scope 1,980 + rejects 0" in out, out
    assert "build ÷ parse" in out and "build CPU:" in out
