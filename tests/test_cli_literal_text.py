"""Text from records and users is printed as it is written: the terminal output reads no rich
markup (``[/]``, ``[bold]``) or emoji codes (``:smile:``) in titles, sponsors, reject reasons,
paths and arguments. Before, ``[/]`` in any of them ended the command with a MarkupError
traceback, and ``:smile:`` became an emoji."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

RECORD = Path(__file__).parent / "fixtures" / "ctgov_v2" / "NCT03198052_latest.json"
TITLE = "CAR-T [/] for :smile: [bold]mesothelin"
SPONSOR = "Acme [/]Bio"


def celltx(*args: str) -> subprocess.CompletedProcess:
    """``python -m celltx ARGS`` on a terminal wide enough that tables do not wrap."""
    return subprocess.run([sys.executable, "-m", "celltx", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "COLUMNS": "400"})


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph in a folder named ``[b]g`` from a file named ``[b]x:smile:.json`` whose
    title and sponsor hold markup, and a second file whose record is rejected for a status
    that holds markup."""
    folder = tmp_path_factory.mktemp("markup")
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    protocol = record["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = TITLE
    protocol["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = SPONSOR
    (folder / "[b]x:smile:.json").write_text(json.dumps(record), encoding="utf-8")
    protocol["statusModule"]["overallStatus"] = "[/]BAD"
    (folder / "[b]bad.json").write_text(json.dumps(record), encoding="utf-8")
    out = folder / "[b]g"
    proc = celltx("build", str(folder / "[b]x:smile:.json"), str(folder / "[b]bad.json"),
                  "--keep-going", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"Graph saved in {out}" in proc.stdout
    assert "records read 2 = trials 1 + duplicates merged 0 + rejects 1" in proc.stdout
    assert "unknown overall status '[/]BAD'" in proc.stderr
    return out


@pytest.mark.parametrize(("args", "shown"), [
    (["trial", "NCT03198052"], [TITLE]),
    (["rejects"], ["[b]bad.json", "'[/]BAD'"]),
    (["stats"], ["[b]x:smile:.json"]),
    (["query", "top_sponsors_for_platform"], [SPONSOR]),
])
def test_record_text_and_paths_are_printed_as_written(built: Path, args: list[str],
                                                      shown: list[str]) -> None:
    proc = celltx(*args, "--graph", str(built))
    assert proc.returncode == 0, proc.stderr
    for text in shown:
        assert text in proc.stdout, proc.stdout


def test_user_text_in_errors_and_lookups_is_printed_as_written(built: Path) -> None:
    proc = celltx("query", "x[/]", "--graph", str(built))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "no stored query 'x[/]'" in proc.stderr
    proc = celltx("query", "trials_in_condition", "-p", "condition=[/]:smile:", "--graph",
                  str(built))
    assert proc.returncode == 2 and "no condition '[/]:smile:'" in proc.stderr
    proc = celltx("vocab", "lookup", "[/] :smile: CD19")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("[/] :smile: CD19\n") and "target CD19" in proc.stdout
    assert "[alias]" in proc.stdout  # the rule's name in brackets, not read as a style


def test_our_own_styling_is_still_read_as_styling(tmp_path: Path) -> None:
    """Lines that style a word of their own (the fetch's retry notes) print their words, not
    the tags: the retry note printed '[yellow]retry 1/1 …[/]' once the consoles stopped
    reading markup, until it asked for it."""
    proc = celltx("fetch", str(tmp_path / "pages"), "--query-term", "CAR", "--retries", "1",
                  "--base-url", "http://127.0.0.1:9/[x]")  # port 9 (discard): refused at once
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "retry 1/1" in proc.stderr and "[yellow]" not in proc.stderr


def test_control_codes_in_record_text_reach_no_terminal_and_no_page(tmp_path: Path) -> None:
    """A title holding ESC sequences (recolour, retitle the window), NUL, BEL and a
    right-to-left override was written to the terminal and the HTML report as it was; both now
    leave those characters out and keep the rest of the text."""
    import re

    record = json.loads(RECORD.read_text(encoding="utf-8"))
    record["protocolSection"]["identificationModule"]["briefTitle"] = (
        "CAR-T \x1b[31mred\x1b[0m \x1b]0;pwned\x07 nul\x00 \u202egnp.exe")
    record["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"] = (
        "Acme\x1b[31m \u202eBio\x00")
    (tmp_path / "odd.json").write_text(json.dumps(record), encoding="utf-8")
    out = tmp_path / "g"
    assert celltx("build", str(tmp_path / "odd.json"), "--out", str(out)).returncode == 0
    codes = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    shown = celltx("trial", "NCT03198052", "--graph", str(out))
    assert shown.returncode == 0, shown.stderr
    assert not codes.search(shown.stdout)
    assert "CAR-T [31mred[0m ]0;pwned nul gnp.exe" in shown.stdout
    report = tmp_path / "r.html"
    assert celltx("report", str(report), "--graph", str(out)).returncode == 0
    page = report.read_text(encoding="utf-8")
    assert not codes.search(page) and "Acme[31m Bio" in page
