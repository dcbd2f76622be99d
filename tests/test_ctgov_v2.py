"""API v2 JSON loader: every container shape, the fields, and bad input."""

from __future__ import annotations

import gzip
import json
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from celltx.models import SourceFormat, TrialRecord
from celltx.pipeline import BuildError, build
from tests.loader_helpers import numbered_studies, read_as

read_all = partial(read_as, SourceFormat.CTGOV_V2_JSON)


def test_single_study_fields(fixtures: Path) -> None:
    [rec] = read_all(fixtures / "ctgov_v2" / "NCT03198052_latest.json")
    assert isinstance(rec, TrialRecord)
    assert rec.nct_id == "NCT03198052"
    assert rec.overall_status == "RECRUITING"
    assert rec.start_date == "2017-07-01"
    assert rec.phases == ("PHASE1",)
    assert rec.study_type == "INTERVENTIONAL"
    assert rec.enrollment == 30 and rec.enrollment_type == "ESTIMATED"
    assert rec.lead_sponsor and rec.lead_sponsor.sponsor_class == "OTHER"
    assert rec.collaborators[0].name.startswith("Hunan Zhaotai")
    assert rec.eligibility.min_age_years == 18.0 and rec.eligibility.max_age_years == 75.0
    assert rec.eligibility.criteria and "Inclusion Criteria" in rec.eligibility.criteria
    assert rec.interventions[0].type == "BIOLOGICAL"
    assert rec.arms[0].label == "CAR-T cell therapy group"
    assert rec.primary_outcomes[0].time_frame == "three months"
    loc = rec.locations[0]
    assert loc.country == "China" and loc.lat == pytest.approx(23.11667)
    assert "ZZCART-002" in rec.secondary_ids
    assert rec.provenance.last_update == "2024-06-25"


def test_array_page_and_jsonl(fixtures: Path) -> None:
    d = fixtures / "ctgov_v2"
    array = read_all(d / "acute_leukemia_array.json")
    page = read_all(d / "api_page.json")
    lines = read_all(d / "studies.jsonl")
    assert (len(array), len(page), len(lines)) == (6, 3, 3)
    assert all(isinstance(r, TrialRecord) for r in array + page + lines)
    assert [r.provenance.record for r in page] == [0, 1, 2]


def test_month_precision_dates_are_kept(tmp_path: Path, fixtures: Path) -> None:
    study = json.loads((fixtures / "ctgov_v2" / "NCT03198052_latest.json").read_text())
    study["protocolSection"]["statusModule"]["startDateStruct"]["date"] = "2023-12"
    (tmp_path / "s.json").write_text(json.dumps(study))
    [rec] = read_all(tmp_path / "s.json")
    assert isinstance(rec, TrialRecord) and rec.start_date == "2023-12"


def test_gzip_zip_and_directory(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ctgov_v2" / "acute_leukemia_array.json"
    (tmp_path / "a.json.gz").write_bytes(gzip.compress(src.read_bytes()))
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as z:
        z.write(src, "inner/a.json")
        z.write(fixtures / "ctgov_v2" / "studies.jsonl", "inner/b.jsonl")
    ids = [r.nct_id for r in read_all(tmp_path)]
    assert len(ids) == 6 + 6 + 3


@pytest.mark.parametrize(
    ("mutate", "field", "reason"),
    [
        (lambda ps: ps["identificationModule"].pop("nctId"), "nct_id", "no NCT number"),
        (lambda ps: ps["designModule"].update(phases=["PHASE9"]), "phases", "unknown phase"),
        (lambda ps: ps["statusModule"].update(overallStatus="ALIVE"), "overall_status",
         "unknown overall status"),
        (lambda ps: ps["statusModule"]["startDateStruct"].update(date="2023-02-30"),
         "startDate", "impossible date"),
    ],
)
def test_bad_record_becomes_named_reject(tmp_path: Path, fixtures: Path, mutate, field: str,
                                         reason: str) -> None:
    good = json.loads((fixtures / "ctgov_v2" / "NCT03198052_latest.json").read_text())
    bad = json.loads(json.dumps(good))
    mutate(bad["protocolSection"])
    (tmp_path / "mixed.json").write_text(json.dumps([good, bad, good]))
    result = build([tmp_path / "mixed.json"], scope="all")
    [rej] = result.rejects
    assert rej.field == field and reason in rej.reason and rej.record == 1
    assert "mixed.json" in rej.message() and "record 1" in rej.message()
    assert result.stats["records_read"] == 3
    assert result.stats["trials"] + result.stats["rejects"] + result.stats[
        "duplicates_merged"] == 3


def test_truncated_json_keeps_the_records_before_the_break(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "ctgov_v2" / "acute_leukemia_array.json").read_text()
    (tmp_path / "cut.json").write_text(text[: len(text) * 2 // 3])
    result = build([tmp_path / "cut.json"], scope="all")
    assert result.stats["trials"] >= 3
    [rej] = result.rejects
    assert "truncated" in rej.reason and rej.record == result.stats["trials"]
    # one line, saying how many records were kept (the C parser draws a caret over 3 lines)
    assert "\n" not in rej.reason and "^" not in rej.reason.replace("-^", "")
    assert f"after {result.stats['trials']} complete records (kept)" in rej.reason


def test_bom_and_latin1(tmp_path: Path, fixtures: Path) -> None:
    study = json.loads((fixtures / "ctgov_v2" / "NCT03198052_latest.json").read_text())
    study["protocolSection"]["identificationModule"]["briefTitle"] = "Étude CAR-T à Zürich"
    text = json.dumps(study, ensure_ascii=False)
    (tmp_path / "bom.json").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "latin.json").write_bytes(text.encode("latin-1", errors="replace"))
    for name in ("bom.json", "latin.json"):
        [rec] = read_all(tmp_path / name)
        assert isinstance(rec, TrialRecord) and rec.brief_title == "Étude CAR-T à Zürich"


def test_binary_file_fails_the_build_unless_keep_going(tmp_path: Path, fixtures: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "ok.json").write_bytes((fixtures / "ctgov_v2" / "api_page.json").read_bytes())
    with pytest.raises(BuildError, match="blob.bin"):
        build([tmp_path], scope="all")
    result = build([tmp_path], keep_going=True, scope="all")
    assert result.stats["trials"] == 3 and result.stats["rejects"] == 1
    assert result.rejects[0].path.endswith("blob.bin")


def test_api_page_with_studies_after_other_keys(tmp_path: Path, fixtures: Path) -> None:
    page = json.loads((fixtures / "ctgov_v2" / "api_page.json").read_text())
    reordered = {"totalCount": len(page["studies"]), "nextPageToken": "x",
                 "studies": page["studies"]}
    (tmp_path / "page.json").write_text(json.dumps(reordered))
    records = read_all(tmp_path / "page.json")
    assert [r.nct_id for r in records] == [
        s["protocolSection"]["identificationModule"]["nctId"] for s in page["studies"]]


def test_an_nct_id_with_a_trailing_newline_is_a_reject_not_a_second_trial() -> None:
    """``re.match`` with ``$`` also matches before a final newline: ids are matched whole."""
    from celltx.loaders.ctgov_v2 import study_to_record

    from celltx.models import Provenance, Reject, SourceFormat

    prov = Provenance(path="x.json", format=SourceFormat.CTGOV_V2_JSON, record=0)
    good = {"protocolSection": {"identificationModule": {"nctId": "NCT03198052"}}}
    bad = {"protocolSection": {"identificationModule": {"nctId": "NCT03198052\n"}}}
    assert not isinstance(study_to_record(good, prov), Reject)
    rejected = study_to_record(bad, prov)
    assert isinstance(rejected, Reject) and "nct" in rejected.message().lower()


@pytest.mark.parametrize("layout", ["array", "page", "lines"])
def test_an_integer_over_64_bits_loses_no_later_record(tmp_path: Path, layout: str) -> None:
    """The C parser stops at an integer >= 2**63; the file is read on with Python's parser
    from where it stopped, so every record is kept (issue 12, class 2)."""
    from celltx.pipeline import build

    studies = numbered_studies(4)
    studies[1]["unreadField"] = 2**64
    studies[2]["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 2**70
    text = {"array": json.dumps(studies), "page": json.dumps({"studies": studies}),
            "lines": "\n".join(json.dumps(s) for s in studies)}[layout]
    path = tmp_path / "studies.json"
    path.write_text(text, encoding="utf-8")
    stats = build([path], scope="all").stats
    assert stats["records_read"] == 4
    assert stats["trials"] + stats["rejects"] == 4 and stats["trials"] >= 3


@pytest.mark.parametrize("layout", ["array", "page", "lines"])
def test_an_integer_of_5000_digits_loses_no_record_and_does_not_crash(tmp_path: Path,
                                                                      layout: str) -> None:
    import subprocess
    import sys

    studies = numbered_studies(4)
    # the fuzz run found the API page crashing (exit 139) while its head was sniffed
    text = (json.dumps(studies) if layout == "array"
            else json.dumps({"studies": studies}) if layout == "page"
            else "\n".join(json.dumps(s) for s in studies))
    text = text.replace('"NCT00000001"', '"NCT00000001", "x": ' + "9" * 5000, 1)
    path = tmp_path / "studies.json"
    path.write_text(text, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "celltx", "build", str(path), "--out",
                           str(tmp_path / "g"), "--json"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert stats["records_read"] == 4 and stats["trials"] == 4
    assert sys.get_int_max_str_digits() > 0  # the limit is lifted only while parsing


def test_a_record_over_the_cap_is_a_reject_and_reading_stops(
        tmp_path: Path, fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    study = json.loads((fixtures / "ctgov_v2" / "NCT03198052_latest.json").read_text())
    big = json.loads(json.dumps(study))
    big["protocolSection"]["identificationModule"]["nctId"] = "NCT90000002"
    # 3 MiB in texts each within models.MAX_TEXT (one text that long is refused as such)
    big["protocolSection"]["conditionsModule"]["keywords"] = ["z" * 90_000] * 35
    (tmp_path / "big.json").write_text(json.dumps([study, big, study]))
    monkeypatch.setenv("CELLTX_MAX_RECORD_MB", "1")
    result = build([tmp_path / "big.json"], scope="all")
    assert result.stats["trials"] == 1 and result.stats["rejects"] == 1
    [rej] = result.rejects
    assert rej.record == 1 and "larger than 1 MiB" in rej.reason and "CELLTX_MAX_RECORD_MB" in (
        rej.reason)
    monkeypatch.setenv("CELLTX_MAX_RECORD_MB", "64")
    assert build([tmp_path / "big.json"], scope="all").stats["trials"] == 2  # 2 distinct NCTs


@pytest.mark.parametrize("text", [
    b'{"protocolSection": {"a": 1, "a": 2}}', b'"\\ud800"', b"[1e400]", b"[1.0000000000000002]",
    b"[12345678901234567890123]", b"[18446744073709551616]", b"[-9223372036854775809]",
    b"[NaN]", b"[Infinity]", b'\xef\xbb\xbf{"studies": [{"x": -0.0}]}', b'["\xed\xa0\x80"]',
    b'{"a": "x\x01"}', b"[" * 3000 + b"]" * 3000, b'"caf\xc3\xa9 \\u00e9"', b"[0.1e-400]"])
def test_whole_files_parse_as_pythons_parser_parses_them(text: bytes) -> None:
    from celltx.loaders.ctgov_v2 import _no_constant, _parse_whole

    def outcome(parse: Callable[[bytes], Any]) -> Any:
        try:
            return ("value", repr(parse(text)))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            return ("error", type(exc).__name__ if not isinstance(exc, ValueError) else "value")

    assert outcome(_parse_whole) == outcome(
        lambda b: json.loads(b.decode("utf-8-sig"), parse_constant=_no_constant))


def test_a_run_of_digits_is_found_as_the_regex_finds_it() -> None:
    """``_has_digit_run`` (translation and substring search) answers as ``rb"[0-9]{n}"`` does,
    for the two lengths the reader guards (19: beyond 64 bits; 4,000: beyond the C parser),
    with runs at either end, split by a non-digit, beside non-ASCII digits and other bytes
    (the neighbours of "0" and "9" among them), and for every byte alone."""
    import random
    import re

    from celltx.loaders.ctgov_v2 import _LONG_DIGITS, _LONG_NUMBER, _has_digit_run

    rng = random.Random(7)
    pieces = [b"x", b"-", b".", b" ", b"/", b":", b"\xd9\xa3", b"\xef\xbc\x91", b"\x00",
              b"\xff", b'"']
    for run in (_LONG_DIGITS, _LONG_NUMBER):
        n = len(run)
        rx = re.compile(rb"[0-9]{%d}" % n)
        for _ in range(300):
            parts = [rng.choice(pieces) if rng.random() < 0.5
                     else bytes(rng.choice(b"0123456789") for _ in range(
                         rng.choice((1, n - 1, n, n + 1, 2 * n))))
                     for _ in range(rng.randint(0, 4))]
            data = b"".join(parts)
            assert _has_digit_run(data, run) == (rx.search(data) is not None), data[:80]
        assert _has_digit_run(b"9" * n, run) and not _has_digit_run(b"9" * (n - 1), run)
        assert not _has_digit_run(b"9" * (n - 1) + b"a" + b"9" * (n - 1), run)
    for byte in range(256):  # each byte alone, as a run of one
        one = bytes([byte])
        assert _has_digit_run(one, b"1") == (re.search(rb"[0-9]", one) is not None), byte
