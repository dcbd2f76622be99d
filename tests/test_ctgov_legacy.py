"""Retired ct2 exports: the CSV (fields against the source rows, bad input) and its detection."""

from __future__ import annotations

import csv
import re
from functools import partial
from pathlib import Path

import pytest
from celltx.loaders.detect import detect_format

from celltx.models import SourceFormat
from celltx.pipeline import build
from tests.loader_helpers import read_as, records_as, source_rows

BASS = "BassKot-SearchResults-2018.csv"
DANKO = "Danko711-SearchResults-2018.csv"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


read_all = partial(read_as, SourceFormat.CTGOV_LEGACY_CSV)
records = partial(records_as, SourceFormat.CTGOV_LEGACY_CSV)


def expected_date(written: str) -> str | None:
    """``May 2014`` -> ``2014-05``, ``February 5, 2014`` -> ``2014-02-05``, ``null`` -> None."""
    if written == "null":
        return None
    m = re.fullmatch(r"(\w+) (?:(\d+), )?(\d{4})", written)
    assert m, written
    month = MONTHS.index(m.group(1)) + 1
    return f"{m.group(3)}-{month:02d}" + (f"-{int(m.group(2)):02d}" if m.group(2) else "")


def expected_enum(written: str) -> str:
    return {"Unknown status": "UNKNOWN"}.get(written, re.sub(r"\W+", "_", written.upper()))


def test_fields_match_the_source_rows(fixtures: Path) -> None:
    path = fixtures / "ctgov_legacy" / BASS
    rows = source_rows(path)
    recs = records(path)
    assert len(recs) == len(rows) == 4
    raw = path.read_bytes()
    for i, (row, rec) in enumerate(zip(rows, recs, strict=True)):
        assert rec.nct_id == row["NCT Number"]
        assert rec.provenance.record == i and rec.provenance.format is SourceFormat.CTGOV_LEGACY_CSV
        assert rec.provenance.line == raw[: raw.index(row["NCT Number"].encode())].count(b"\n") + 1
        assert rec.brief_title == row["Title"]
        assert rec.overall_status == expected_enum(row["Status"])
        assert rec.conditions == tuple(row["Conditions"].split("|"))
        assert [(iv.type, iv.name) for iv in rec.interventions] == [
            (expected_enum(t), n) for t, n in (p.split(": ", 1) for p in
                                                row["Interventions"].split("|"))]
        sponsors = row["Sponsor/Collaborators"].split("|")
        assert rec.lead_sponsor and rec.lead_sponsor.name == sponsors[0]
        assert rec.lead_sponsor.sponsor_class == row["Funded Bys"].split("|")[0].upper()
        assert [c.name for c in rec.collaborators] == sponsors[1:]
        assert rec.phases == tuple(p.replace(" ", "").upper() for p in row["Phases"].split("|")
                                   if p)
        assert rec.enrollment == (None if row["Enrollment"] == "null" else int(row["Enrollment"]))
        for field, column in [("start_date", "Start Date"), ("completion_date", "Completion Date"),
                              ("first_posted", "First Posted"),
                              ("last_update", "Last Update Posted")]:
            assert getattr(rec, field) == expected_date(row[column]), field
        assert rec.provenance.last_update == rec.last_update
        assert rec.eligibility.sex == row["Gender"].upper()
        age = row["Age"].replace("\xa0", " ")
        assert rec.eligibility.min_age == (age.split(" to ")[0] if " to " in age else
                                           age.split(" and older")[0] if "older" in age else None)
        assert rec.secondary_ids == tuple(row["Other IDs"].split("|"))
        locations = row["Locations"].split("|") if row["Locations"] else []
        assert [loc.country for loc in rec.locations] == [w.split(", ")[-1] for w in locations]
        assert all(loc.zip is None for loc in rec.locations)
        assert rec.primary_outcomes == () and rec.secondary_outcomes == ()


def test_month_precision_and_design(fixtures: Path) -> None:
    rec = records(fixtures / "ctgov_legacy" / BASS)[1]
    assert rec.nct_id == "NCT02055924"
    assert rec.start_date == "2014-05" and rec.first_posted == "2014-02-05"
    assert (rec.intervention_model, rec.masking, rec.primary_purpose) == (
        "SINGLE_GROUP", "NONE", "TREATMENT")
    assert rec.eligibility.max_age_years == 70.0
    assert rec.eligibility.std_ages == ("ADULT", "OLDER_ADULT")
    assert rec.collaborators[0].sponsor_class == "INDUSTRY"  # "Other|Industry", one per sponsor


def test_badly_quoted_expanded_access_row_is_still_read(fixtures: Path) -> None:
    path = fixtures / "ctgov_legacy" / BASS
    assert b'"Expanded Access":Treatment IND/Protocol"' in path.read_bytes()
    rec = next(r for r in records(path) if r.nct_id == "NCT03153462")
    assert rec.study_type == "EXPANDED_ACCESS" and rec.overall_status == "AVAILABLE"
    assert rec.enrollment is None and rec.start_date is None and rec.phases == ()
    assert len(rec.locations) == source_rows(path)[3]["Locations"].count("|") + 1


def test_export_with_fewer_columns(fixtures: Path) -> None:
    path = fixtures / "ctgov_legacy" / DANKO
    rows = source_rows(path)
    recs = records(path)
    assert [r.nct_id for r in recs] == [row["NCT Number"] for row in rows]
    assert [r.overall_status for r in recs] == [expected_enum(row["Status"]) for row in rows]
    assert recs[0].phases == ("PHASE1", "PHASE2") and recs[0].lead_sponsor is None


@pytest.mark.parametrize(
    ("column", "value", "field", "reason"),
    [
        ("NCT Number", "", "nct_id", "no NCT number"),
        ("Phases", "Phase 9", "Phases", "unknown phase"),
        ("Status", "Alive and well", "Status", "unknown overall status"),
        ("Start Date", "February 30, 2018", "Start Date", "impossible date"),
        ("First Posted", "Smarch 2018", "First Posted", "unknown month"),
        ("Enrollment", "twenty", "Enrollment", "not a whole number"),
    ],
)
def test_bad_cell_becomes_a_reject(tmp_path: Path, fixtures: Path, column: str, value: str,
                                   field: str, reason: str) -> None:
    src = fixtures / "ctgov_legacy" / BASS
    with open(src, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    table[2][table[0].index(column)] = value
    with open(tmp_path / "bad.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(table)
    result = build([tmp_path / "bad.csv"], scope="all")
    [rej] = result.rejects
    assert rej.field == field and reason in rej.reason, rej.message()
    assert rej.record == 1 and rej.line == 3 and rej.format is SourceFormat.CTGOV_LEGACY_CSV
    assert result.stats["records_read"] == len(table) - 1 == result.stats["trials"] + 1


def test_latin1_export(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ctgov_legacy" / BASS
    text = src.read_text(encoding="utf-8")
    assert "Liège" in text
    (tmp_path / "latin.csv").write_bytes(text.encode("latin-1"))
    rec = records(tmp_path / "latin.csv")[1]
    assert any(loc.facility == "CHU de Liège" and loc.city == "Liège" for loc in rec.locations)


@pytest.mark.parametrize(
    ("header", "fmt"),
    [
        (b'"Rank","NCT Number","Title","Status"', SourceFormat.CTGOV_LEGACY_CSV),
        (b'"NCT Number","Title","Status","Funded Bys","URL"', SourceFormat.CTGOV_LEGACY_CSV),
        (b"NCT Number,Study Title,Study URL,Study Status", SourceFormat.CTGOV_CSV),
        (b"\xef\xbb\xbfNCT Number,Study Title", SourceFormat.CTGOV_CSV),
        (b"NCT Number\tStudy Title\tStudy Status", SourceFormat.CTGOV_CSV),
    ],
)
def test_detects_legacy_and_current_exports_by_their_columns(header: bytes,
                                                             fmt: SourceFormat) -> None:
    assert detect_format(header + b"\r\nNCT01234567,x,y,z\r\n") is fmt


def test_corpus_exports_are_detected(fixtures: Path) -> None:
    for path in sorted((fixtures / "ctgov_legacy").glob("*.csv")):
        assert detect_format(path.read_bytes()) is SourceFormat.CTGOV_LEGACY_CSV
    for path in sorted((fixtures / "ctgov_csv").glob("*.csv")):
        assert detect_format(path.read_bytes()) is SourceFormat.CTGOV_CSV
