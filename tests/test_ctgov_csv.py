"""Website "Download CSV" exports: fields against the source rows, column variants, bad input."""

from __future__ import annotations

import csv
from functools import partial
from pathlib import Path

import pytest
from celltx.loaders import iter_sources, read_source

from celltx.models import Reject, SourceFormat, TrialRecord, UnreadableFileError
from celltx.pipeline import BuildError, build
from tests.loader_helpers import read_as, records_as, source_rows

FULL = "sanjana098-ctg-studies.csv"
TERM = "johnNoxas-adult-searches-modified.csv"
FEW = "onlyjazz-ctg-studies.csv"


read_all = partial(read_as, SourceFormat.CTGOV_CSV)
records = partial(records_as, SourceFormat.CTGOV_CSV)


def line_of(path: Path, nct: str) -> int:
    """The physical line of the row holding ``nct`` in its first column (independently of the
    csv module: count the newlines before it)."""
    raw = path.read_bytes()
    return raw[: raw.index(nct.encode())].count(b"\n") + 1


def test_full_export_fields_match_the_source_rows(fixtures: Path) -> None:
    path = fixtures / "ctgov_csv" / FULL
    rows = source_rows(path)
    recs = records(path)
    assert len(recs) == len(rows) >= 4
    for i, (row, rec) in enumerate(zip(rows, recs, strict=True)):
        assert rec.nct_id == row["NCT Number"]
        assert rec.provenance.record == i
        assert rec.provenance.line == line_of(path, row["NCT Number"])
        assert rec.brief_title == row["Study Title"]
        assert rec.overall_status == row["Study Status"]
        assert rec.conditions == tuple(row["Conditions"].split("|"))
        assert [(iv.type, iv.name) for iv in rec.interventions] == [
            tuple(p.split(": ", 1)) for p in row["Interventions"].split("|")]
        assert rec.lead_sponsor is not None and rec.lead_sponsor.name == row["Sponsor"]
        assert rec.lead_sponsor.sponsor_class == row["Funder Type"]
        assert [c.name for c in rec.collaborators] == [
            c for c in row["Collaborators"].split("|") if c]
        assert rec.enrollment == (int(row["Enrollment"]) if row["Enrollment"] else None)
        assert rec.phases == tuple(p for p in row["Phases"].split("|") if p)
        assert rec.study_type == row["Study Type"]
        assert rec.start_date == (row["Start Date"] or None)
        assert rec.last_update == rec.provenance.last_update == row["Last Update Posted"]
        assert rec.secondary_ids == tuple(row["Other IDs"].split("|"))
        assert rec.eligibility.sex == row["Sex"]
        assert rec.eligibility.std_ages == tuple(row["Age"].split(", "))
        locations = row["Locations"].split("|") if row["Locations"] else []
        assert len(rec.locations) == len(locations)
        for loc, written in zip(rec.locations, locations, strict=True):
            assert written.endswith(loc.country or "<none>")
            assert written.startswith(loc.facility or loc.city or "<none>")
        assert len(rec.primary_outcomes) == len(row["Primary Outcome Measures"].split("|"))


def test_design_outcomes_and_month_precision(fixtures: Path) -> None:
    path = fixtures / "ctgov_csv" / FULL
    by_id = {r.nct_id: r for r in records(path)}
    row = next(r for r in source_rows(path) if r["NCT Number"] == "NCT01125371")
    rec = by_id["NCT01125371"]
    design = dict(p.split(": ", 1) for p in row["Study Design"].split("|"))
    assert rec.allocation == design["Allocation"] == "RANDOMIZED"
    assert rec.intervention_model == design["Intervention Model"]
    assert rec.masking == design["Masking"].split(" ")[0] == "DOUBLE"
    assert rec.primary_purpose == design["Primary Purpose"]
    assert rec.start_date == row["Start Date"] and len(rec.start_date) == 7  # "2011-10"
    first = rec.primary_outcomes[0]
    written = row["Primary Outcome Measures"].split("|")[0]
    assert written.startswith(first.measure + ", " + (first.description or ""))
    assert first.time_frame and written.endswith(", " + first.time_frame)
    assert first.time_frame.startswith("Baseline")


def test_korea_republic_of_is_one_country(fixtures: Path) -> None:
    recs = records(fixtures / "ctgov_csv" / FULL)
    countries = {loc.country for r in recs for loc in r.locations}
    assert "Korea, Republic of" in countries
    assert "Republic of" not in countries


def test_nct_column_renamed_term_is_found_by_its_values(fixtures: Path) -> None:
    path = fixtures / "ctgov_csv" / TERM
    rows = source_rows(path)
    assert "NCT Number" not in rows[0]
    recs = records(path)
    assert [r.nct_id for r in recs] == [row["term"] for row in rows]
    assert [r.brief_title for r in recs] == [row["Study Title"] for row in rows]
    assert all(r.lead_sponsor is None for r in recs)  # the export has no Sponsor column


def test_export_with_fewer_columns_and_written_dates(fixtures: Path) -> None:
    path = fixtures / "ctgov_csv" / FEW
    rows = source_rows(path)
    recs = records(path)
    assert len(recs) == len(rows)
    for row, rec in zip(rows, recs, strict=True):
        assert rec.lead_sponsor is not None and rec.lead_sponsor.name == row["Sponsor"]
        assert rec.lead_sponsor.sponsor_class is None
        assert rec.overall_status == row["Study Status"]
        assert rec.locations == () and rec.enrollment is None
    # "September 20, 2018" keeps day precision
    assert rows[0]["Start Date"] == "September 20, 2018" and recs[0].start_date == "2018-09-20"
    assert [r.provenance.line for r in recs] == [line_of(path, r.nct_id or "") for r in recs]


def test_partrita_two_column_export(tmp_path: Path) -> None:
    path = tmp_path / "b7h3.csv"
    path.write_text("NCT Number,Study Title\r\nNCT07358260,B7-H3.CD28Z.CART in Solid Tumors\r\n")
    [rec] = records(path)
    assert rec.nct_id == "NCT07358260" and rec.brief_title == "B7-H3.CD28Z.CART in Solid Tumors"


def _with_cell(path: Path, out: Path, row: int, column: str, value: str) -> None:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    table[row + 1][table[0].index(column)] = value
    with open(out, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(table)


def test_display_statuses_map_to_api_enums(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ctgov_csv" / FEW
    for value, expected in [("Recruiting", "RECRUITING"), ("Unknown status", "UNKNOWN"),
                            ("Active, not recruiting", "ACTIVE_NOT_RECRUITING")]:
        _with_cell(src, tmp_path / "s.csv", 1, "Study Status", value)
        assert records(tmp_path / "s.csv")[1].overall_status == expected


@pytest.mark.parametrize(
    ("column", "value", "field", "reason"),
    [
        ("NCT Number", "", "nct_id", "no NCT number"),
        ("NCT Number", "NCT123", "nct_id", "not an NCT number"),
        ("Phases", "PHASE9", "Phases", "unknown phase"),
        ("Study Status", "ALIVE", "Study Status", "unknown overall status"),
        ("Start Date", "2023-02-30", "Start Date", "impossible date"),
        ("Enrollment", "about 40", "Enrollment", "not a whole number"),
        ("Study Type", "Anecdotal", "Study Type", "unknown study type"),
        ("Age", "old enough", "Age", "unrecognised age"),
    ],
)
def test_bad_cell_becomes_a_reject_naming_row_line_and_column(
        tmp_path: Path, fixtures: Path, column: str, value: str, field: str, reason: str) -> None:
    src = fixtures / "ctgov_csv" / FULL
    path = tmp_path / "mixed.csv"
    _with_cell(src, path, 2, column, value)
    result = build([path], scope="all")
    [rej] = result.rejects
    assert rej.field == field and reason in rej.reason, rej.message()
    assert rej.record == 2 and rej.format is SourceFormat.CTGOV_CSV
    good = records(src)
    assert rej.line == line_of(src, good[2].nct_id or "")  # rewriting kept the lines
    assert "mixed.csv" in rej.message() and "record 2" in rej.message()
    assert result.stats["records_read"] == len(good)
    assert result.stats["trials"] + result.stats["rejects"] + result.stats[
        "duplicates_merged"] == len(good)


def test_file_cut_inside_a_quoted_cell_rejects_only_the_last_row(
        tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ctgov_csv" / FULL
    raw = src.read_bytes()
    last = records(src)[-1]
    cut = raw.index(b'"', raw.index((last.nct_id or "").encode())) + 20  # inside a quoted cell
    (tmp_path / "cut.csv").write_bytes(raw[:cut])
    items = read_all(tmp_path / "cut.csv")
    assert [i.nct_id for i in items[:-1]] == [r.nct_id for r in records(src)[:-1]]
    rej = items[-1]
    assert isinstance(rej, Reject) and "truncated" in rej.reason
    assert rej.record == len(items) - 1 and rej.line == line_of(src, last.nct_id or "")
    assert rej.nct_id == last.nct_id


def test_row_cut_between_cells_is_a_truncated_row(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ctgov_csv" / FEW
    lines = src.read_bytes().splitlines(keepends=True)
    (tmp_path / "cut.csv").write_bytes(b"".join(lines[:-1]) + lines[-1][:12])  # "NCT…,"
    items = read_all(tmp_path / "cut.csv")
    rej = items[-1]
    assert isinstance(rej, Reject) and "truncated or malformed row" in rej.reason
    assert rej.nct_id == lines[-1][:11].decode() and rej.line == len(lines)
    assert all(isinstance(i, TrialRecord) for i in items[:-1])


def test_malformed_row_in_the_middle_does_not_stop_the_file(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ctgov_csv" / FEW
    lines = src.read_bytes().splitlines(keepends=True)
    bad = lines[2].rstrip(b"\r\n") + b",extra,cells\r\n"
    (tmp_path / "m.csv").write_bytes(b"".join([*lines[:2], bad, *lines[3:]]))
    items = read_all(tmp_path / "m.csv")
    assert len(items) == len(lines) - 1
    assert [type(i).__name__ for i in items] == ["TrialRecord", "Reject", "TrialRecord",
                                                 "TrialRecord"]
    bad_row = items[1]
    assert isinstance(bad_row, Reject) and bad_row.line == 3 and bad_row.record == 1


def test_blank_lines_are_not_records(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ctgov_csv" / FEW
    lines = src.read_bytes().splitlines(keepends=True)
    (tmp_path / "b.csv").write_bytes(b"".join([lines[0], b"\r\n", *lines[1:], b"\r\n"]))
    recs = records(tmp_path / "b.csv")
    assert [r.provenance.record for r in recs] == list(range(len(lines) - 1))
    assert recs[0].provenance.line == 3


def test_csv_without_nct_column_is_an_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "no_nct.csv"
    path.write_text("Study Title,Study Status,Conditions\nCAR-T for ALL,RECRUITING,ALL\n")
    [source] = iter_sources([path])
    fmt, items = read_source(source)
    assert fmt is SourceFormat.CTGOV_CSV
    with pytest.raises(UnreadableFileError, match="no NCT number column"):
        list(items)
    with pytest.raises(BuildError, match="no_nct.csv.*no NCT number column"):
        build([path], scope="all")
    result = build([path], keep_going=True, scope="all")
    assert result.stats["rejects"] == 1 and "Study Title" in result.rejects[0].reason


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252", "utf-8-sig"])
def test_latin1_cp1252_and_bom_files(tmp_path: Path, fixtures: Path, encoding: str) -> None:
    src = fixtures / "ctgov_csv" / FEW
    title = "Étude CAR-T à Zürich – phase I" if encoding != "latin-1" else "Étude à Zürich"
    _with_cell(src, tmp_path / "u.csv", 0, "Study Title", title)
    text = (tmp_path / "u.csv").read_text(encoding="utf-8")
    (tmp_path / "e.csv").write_bytes(text.encode(encoding))
    recs = records(tmp_path / "e.csv")
    assert recs[0].brief_title == title
    assert [r.nct_id for r in recs] == [r["NCT Number"] for r in source_rows(src)]


def test_tab_separated_export(tmp_path: Path, fixtures: Path) -> None:
    src = fixtures / "ctgov_csv" / FULL
    with open(src, encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    with open(tmp_path / "t.tsv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter="\t").writerows(table)
    assert [r.model_dump(exclude={"provenance"}) for r in records(tmp_path / "t.tsv")] == [
        r.model_dump(exclude={"provenance"}) for r in records(src)]


def test_a_long_cell_and_a_semicolon_export_are_read_as_tables(tmp_path: Path) -> None:
    """A cell over the csv module's default 131,072 characters, or ';' as the delimiter, made
    the whole file sniff as a registry page and lost every record (issue 12, class 5)."""
    import csv as _csv

    from celltx.pipeline import build

    header = ["NCT Number", "Study Title", "Study Status", "Conditions", "Interventions"]
    rows = [[f"NCT0000000{i}", f"Study {i}", "RECRUITING", "Lymphoma",
             "BIOLOGICAL: CD19 CAR-T cells"] for i in range(4)]
    # (a long list, as of a trial's sites: one text that long is no record field, MAX_TEXT)
    rows[1][4] = "|".join(["BIOLOGICAL: CD19 CAR-T cells"] * 7_000)  # 202,999 characters
    for name, delimiter in (("long.csv", ","), ("semicolon.csv", ";")):
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as fh:
            _csv.writer(fh, delimiter=delimiter).writerows([header, *rows])
        stats = build([path], scope="all").stats
        assert stats["records_per_format"] == {"ctgov-csv": 4}, (name, stats)
        assert stats["trials"] == 4 and stats["rejects"] == 0


def test_cr_only_and_one_column_exports_are_read_as_tables(tmp_path: Path) -> None:
    """Old Mac line ends and a one-column list of NCT numbers were taken for registry pages
    (issue 12, class 5)."""
    from celltx.pipeline import build

    rows = ["NCT Number,Study Title,Study Status,Conditions,Interventions"] + [
        f"NCT0000000{i},Study {i},RECRUITING,Lymphoma,BIOLOGICAL: CD19 CAR-T cells"
        for i in range(4)]
    cr = tmp_path / "cr.csv"
    cr.write_bytes(("\r".join(rows) + "\r").encode())
    one = tmp_path / "one.csv"
    one.write_text("NCT Number\n" + "\n".join(f"NCT0000000{i}" for i in range(4)) + "\n",
                   encoding="utf-8")
    for path in (cr, one):
        stats = build([path], scope="all").stats
        assert stats["records_per_format"] == {"ctgov-csv": 4}, (path.name, stats)
        assert stats["trials"] == 4


def test_rows_swallowed_by_an_unclosed_quote_are_each_named(tmp_path: Path) -> None:
    """An unclosed quote ran on over the next rows and lost them unnamed (issue 12, class 5):
    each swallowed row is now a reject naming its NCT number, so the count shows it."""
    from celltx.pipeline import build

    rows = ["NCT Number,Study Title,Study Status,Conditions,Interventions"] + [
        f"NCT0000000{i},Study {i},RECRUITING,Lymphoma,BIOLOGICAL: CD19 CAR-T cells"
        for i in range(6)]
    rows[2] = 'NCT00000001,"Study 1 with an unclosed quote,RECRUITING,Lymphoma,BIOLOGICAL: x'
    path = tmp_path / "quote.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = build([path], scope="all")
    stats = result.stats
    assert stats["records_read"] == 6 and stats["trials"] == 1 and stats["rejects"] == 5
    assert sorted(r.nct_id for r in result.rejects if r.nct_id) == [
        f"NCT0000000{i}" for i in range(1, 6)]
    assert all("unclosed quote" in r.reason for r in result.rejects)


def test_screen_reads_every_cell_and_the_study_type(tmp_path: Path) -> None:
    """With a screen (a build's scope prefilter), a well-formed row that cannot be in scope is
    only a Screened, before validation, and one that may be is read as without a screen: its
    interventions count ("CD19 CAR-T cells"), and so does its study type ("Patients treated
    with cellular therapy" may be a related study only when it is observational). A malformed
    row is still a reject."""
    from celltx.ontology.scope import may_be_in_scope_text

    from celltx.models import Screened

    path = tmp_path / "screened.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["NCT Number", "Study Title", "Study Type", "Interventions"])
        out.writerow(["NCT00000001", "Patients treated with cellular therapy", "OBSERVATIONAL",
                      ""])
        out.writerow(["NCT00000002", "Patients treated with cellular therapy",
                      "INTERVENTIONAL", ""])
        out.writerow(["NCT00000003", "Aspirin after stroke", "INTERVENTIONAL",
                      "BIOLOGICAL: CD19 CAR-T cells"])
        out.writerow(["NCT00000004", "Aspirin after stroke", "INTERVENTIONAL", "DRUG: Aspirin"])
        out.writerow(["NCT00000005", "Aspirin after stroke"])
    [source] = iter_sources([path])
    fmt, items = read_source(source, may_be_in_scope_text)
    assert fmt is SourceFormat.CTGOV_CSV
    kinds = [(type(i).__name__, getattr(i, "nct_id", None)) for i in items]
    assert kinds == [("TrialRecord", "NCT00000001"), ("Screened", "NCT00000002"),
                     ("TrialRecord", "NCT00000003"), ("Screened", "NCT00000004"),
                     ("Reject", "NCT00000005")]
    [screened, _] = [i for i in read_source(source, may_be_in_scope_text)[1]
                     if isinstance(i, Screened)]
    assert (screened.path, screened.record) == (source.path, 1)
