"""The core commands, run as a user runs them: ``python -m celltx …`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "ctgov_v2"


def celltx(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "celltx", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"celltx {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample") / "graph"
    stats = json.loads(celltx("build", "--out", str(out), "--json").stdout)
    return out, stats


def test_default_build_is_the_bundled_sample_with_2500_trials(sample_build) -> None:
    out, stats = sample_build
    assert stats["trials"] >= 2500
    assert stats["records_read"] == (stats["trials"] + stats["rejects"]
                                     + stats["duplicates_merged"] + stats["out_of_scope"])
    assert all(s["path"].startswith("sample/") for s in stats["sources"])
    assert stats["nodes"]["Trial"] == stats["trials"]
    assert json.loads(celltx("stats", "--graph", str(out), "--json").stdout) == stats


def test_building_twice_gives_identical_stats_and_graph(sample_build, tmp_path: Path) -> None:
    out, _ = sample_build
    again = tmp_path / "again"
    celltx("build", "--out", str(again), "--quiet")
    assert (again / "stats.json").read_bytes() == (out / "stats.json").read_bytes()
    assert (again / "graph.json.gz").read_bytes() == (out / "graph.json.gz").read_bytes()


def test_trial_json_has_the_documented_keys(sample_build) -> None:
    out, _ = sample_build
    view = json.loads(celltx("trial", "nct03198052", "--graph", str(out), "--json").stdout)
    for key in ("nct_id", "title", "status", "phases", "study_type", "enrollment", "start_date",
                "conditions", "sponsors", "interventions", "countries", "min_age_years",
                "max_age_years", "sources", "is_cell_therapy", "targets", "products"):
        assert key in view
    assert view["nct_id"] == "NCT03198052"
    assert view["countries"] == ["CN"]
    # read from two bundled files: the full record and the monitor snapshot
    assert len(view["sources"]) == 2 and {s["format"] for s in view["sources"]} == {
        "ctgov-v2-json"}
    assert view["min_age_years"] == 18.0


def test_graph_option_and_environment_variable(sample_build, tmp_path: Path) -> None:
    out, stats = sample_build
    proc = subprocess.run([sys.executable, "-m", "celltx", "stats", "--json"], cwd=tmp_path,
                          capture_output=True, text=True, env={**_env(), "CELLTX_GRAPH": str(out)})
    assert json.loads(proc.stdout)["trials"] == stats["trials"]


def _env() -> dict[str, str]:
    import os

    return dict(os.environ)


def test_trial_table_leaves_the_evidence_to_explain(sample_build) -> None:
    """The table printed every target's and product's evidence list (293 lines for a trial of
    several products); it names the products and targets, and says where the evidence is."""
    out, _ = sample_build
    view = json.loads(celltx("trial", "NCT03019055", "--graph", str(out), "--json").stdout)
    assert view["products"][0]["target_evidence"] and view["targets"][0]["evidence"]
    table = celltx("trial", "NCT03019055", "--graph", str(out)).stdout
    assert "rule=" not in table and "evidence=" not in table
    assert "CAR-T" in table and "MS4A1" in table and "celltx explain NCT03019055" in table


def test_missing_graph_and_unknown_trial_are_clear_errors(tmp_path: Path, sample_build) -> None:
    proc = celltx("stats", "--graph", str(tmp_path / "nowhere"), check=False)
    assert proc.returncode == 1 and "celltx build" in proc.stderr and "Traceback" not in proc.stderr
    out, _ = sample_build
    proc = celltx("trial", "NCT99999999", "--graph", str(out), check=False)
    assert proc.returncode == 1 and "no trial NCT99999999" in proc.stderr


def test_rejects_report_names_file_record_and_field(tmp_path: Path) -> None:
    good = json.loads((FIXTURES / "NCT03198052_latest.json").read_text())
    bad = json.loads(json.dumps(good))
    bad["protocolSection"]["designModule"]["phases"] = ["PHASE7"]
    (tmp_path / "in.json").write_text(json.dumps([good, bad]))
    out = tmp_path / "g"
    stats = json.loads(celltx("build", str(tmp_path / "in.json"), "--out", str(out),
                              "--json").stdout)
    assert (stats["trials"], stats["rejects"], stats["duplicates_merged"]) == (1, 1, 0)
    [rej] = json.loads(celltx("rejects", "--graph", str(out), "--json").stdout)
    assert rej["record"] == 1 and rej["field"] == "phases" and rej["path"].endswith("in.json")
    text = celltx("rejects", "--graph", str(out)).stdout
    assert "in.json, record 1" in text and "'phases'" in text


def test_unreadable_file_fails_without_keep_going(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"\x00\x01\x02" * 100)
    proc = celltx("build", str(tmp_path / "x.bin"), "--out", str(tmp_path / "g"), check=False)
    assert proc.returncode != 0 and "x.bin" in proc.stderr and "Traceback" not in proc.stderr
    stats = json.loads(celltx("build", str(tmp_path / "x.bin"), "--out", str(tmp_path / "g"),
                              "--keep-going", "--allow-empty", "--json").stdout)
    assert stats["rejects"] == 1 and stats["trials"] == 0


@pytest.mark.parametrize("where", [40, 2000])
def test_a_bit_flipped_gzip_is_a_named_error_or_a_reject_never_a_traceback(
        tmp_path: Path, where: int) -> None:
    import gzip

    studies = [json.loads(p.read_text(encoding="utf-8"))
               for p in sorted(FIXTURES.glob("*.json"))[:1]]
    raw = json.dumps(studies * 40).encode()
    data = bytearray(gzip.compress(raw))
    data[min(where, len(data) - 10)] ^= 0xFF
    bad = tmp_path / "studies.json.gz"
    bad.write_bytes(bytes(data))
    proc = celltx("build", str(bad), "--out", str(tmp_path / "g"), check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "studies.json.gz" in proc.stderr
    kept = celltx("build", str(bad), "--keep-going", "--allow-empty", "--out",
                  str(tmp_path / "g2"), "--json", check=False)
    assert kept.returncode == 0 and "Traceback" not in kept.stderr, kept.stderr
    stats = json.loads(kept.stdout)
    assert stats["rejects"] >= 1
    assert stats["records_read"] == (stats["trials"] + stats["rejects"]
                                     + stats["duplicates_merged"] + stats["out_of_scope"])


def test_a_fifo_or_a_device_given_by_path_is_refused_at_once(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "records.json"
    os.mkfifo(fifo)
    for path in (str(fifo), "/dev/zero"):
        proc = subprocess.run([sys.executable, "-m", "celltx", "build", path, "--out",
                               str(tmp_path / "g")], capture_output=True, text=True, timeout=60)
        assert proc.returncode != 0 and "Traceback" not in proc.stderr
        assert "not a regular file" in proc.stderr and path in proc.stderr


def test_a_page_rejected_at_identification_counts_with_its_source(tmp_path: Path) -> None:
    """stats.sources[].rejects agrees with the rejects list (issue 12, class 6)."""
    from celltx.pipeline import build

    page = next((Path(__file__).parent / "fixtures" / "seeds").glob("002_*.txt"))
    result = build([page])
    assert result.stats["trials"] == 0 and len(result.rejects) == 1
    assert [s["rejects"] for s in result.stats["sources"]] == [1]
    assert result.rejects[0].path == result.stats["sources"][0]["path"]


def test_help_and_version_follow_the_usual_conventions(sample_build) -> None:
    short = celltx("-h").stdout
    assert "Usage: " in short and short == celltx("--help").stdout
    assert celltx("--version").stdout.strip().startswith("celltx ")
    trial = celltx("trial", "-h").stdout
    assert "NCT_ID" in trial and "nct_id" not in trial
    build = celltx("build", "--help").stdout
    assert "--keep-going" in build and "--help" in build
    for helped in (short, build, trial, celltx("export", "-h").stdout,
                   celltx("export", "rdf", "-h").stdout, celltx("query", "-h").stdout):
        assert "<bool>" not in helped  # flags (--version and --help too) carry no type
    query = celltx("query", "--help").stdout
    assert "target_momentum" in query and "Example: celltx query" in query


def test_merges_show_their_conflicts(sample_build) -> None:
    out, _ = sample_build
    shown = celltx("merges", "--graph", str(out)).stdout
    merges = json.loads(celltx("merges", "--graph", str(out), "--json").stdout)
    conflicting = [m for m in merges if m["conflicts"]]
    assert conflicting
    field = sorted(conflicting[0]["conflicts"])[0]
    assert f"conflict in {field}:" in shown


def test_vocab_lookup_of_nothing_is_an_error() -> None:
    proc = celltx("vocab", "lookup", "  ", check=False)
    assert proc.returncode == 2 and "give a text to look up" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_build_run_from_a_thread_other_than_the_main_one_works(tmp_path: Path) -> None:
    """The build command meets SIGTERM as Ctrl-C only where a handler can be set (the main
    thread); run from another thread (a server, a notebook's worker) it builds as before,
    where setting the handler failed with 'signal only works in main thread'."""
    import threading

    from typer.testing import CliRunner

    from celltx.cli import app

    fixtures = Path(__file__).parent / "fixtures" / "ctgov_v2"
    done: dict[str, object] = {}

    def run() -> None:
        result = CliRunner().invoke(app, ["build", str(fixtures), "--out", str(tmp_path / "g"),
                                          "--quiet", "--json"])
        done["code"], done["error"] = result.exit_code, result.exception

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert done == {"code": 0, "error": None}
    assert json.loads((tmp_path / "g" / "stats.json").read_text())["trials"] > 0
