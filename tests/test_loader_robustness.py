"""Hostile values and shapes in input files, by class (a CLI probe's findings):

1. numbers no record holds (10**400, 1e400, NaN, a negative count, 5,000 digits) in any
   loader: a reject naming the file, the record and the field (or, where the loader reads
   leniently, no value), never an ``OverflowError`` or ``ValueError`` traceback;
2. JSON nested 100,000 deep: a reject saying so, quickly and in bounded memory (it took 24 GB);
3. a text file that only mentions an NCT number (a note, a list of ids) is no trial;
4. an API v2 record that is no study (no ``protocolSection`` object) is a reject naming the
   field, not an out-of-scope count, whatever the scope;
5. a text, a list or a CSV cell longer than any record holds: a reject naming it, before the
   time and memory it would cost.
"""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from celltx.loaders import iter_sources, read_source

from celltx.models import Reject, SourceFormat, TrialRecord
from celltx.pipeline import build
from tests.loader_helpers import REAL_STUDY, numbered_studies

HUGE = "1" + "0" * 400  # 10**400: over a float's range (int -> float overflows)
LONG = "9" * 5000  # over Python's 4,300 digits for int(str)


def _read(path: Path) -> list[TrialRecord | Reject]:
    out: list[TrialRecord | Reject] = []
    for source in iter_sources([path]):
        out.extend(read_source(source)[1])
    return out


def _only_reject(path: Path) -> Reject:
    items = _read(path)
    assert len(items) == 1 and isinstance(items[0], Reject), items
    return items[0]


def _study_with(path_in_protocol: tuple[Any, ...], raw: str) -> str:
    """A real study as JSON text with one value written literally as ``raw``."""
    study = json.loads(REAL_STUDY.read_text(encoding="utf-8"))
    target = study["protocolSection"]
    for key in path_in_protocol[:-1]:
        target = target[key]
    target[path_in_protocol[-1]] = "__RAW__"
    return json.dumps(study).replace('"__RAW__"', raw)


def _run_cli(*args: str, limit_mb: int | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        import resource

        if limit_mb is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    return subprocess.run([sys.executable, "-m", "celltx", "build", *args, "-q"],
                          capture_output=True, text=True, timeout=timeout, preexec_fn=limit)


# ---- 1. numbers -------------------------------------------------------------------------------

COUNT = ("designModule", "enrollmentInfo", "count")
LAT = ("contactsLocationsModule", "locations", 0, "geoPoint", "lat")
MIN_AGE = ("eligibilityModule", "minimumAge")


@pytest.mark.parametrize(("where", "raw", "field", "words"), [
    (COUNT, HUGE, "enrollmentInfo.count", "a number of 401 digits"),  # OverflowError before
    (COUNT, LONG, "enrollmentInfo.count", "a number of 5000 digits"),
    (COUNT, "1e400", "enrollmentInfo.count", "not a whole number: inf"),
    (COUNT, "-5", "enrollmentInfo.count", "-5"),  # kept as -5 before
    (COUNT, "18446744073709551616", "enrollmentInfo.count", "from 0 to"),  # 2**64: kept
    (COUNT, f'"{HUGE}"', "enrollmentInfo.count", "from 0 to"),
    (LAT, HUGE, "geoPoint.lat", "from -90 to 90"),  # OverflowError before
    (LAT, "1e400", "geoPoint.lat", "inf"),  # kept as infinity before
    (LAT, "95.5", "geoPoint.lat", "from -90 to 90"),
    (MIN_AGE, f'"{HUGE} Years"', "minimumAge", "age out of range"),  # infinity years before
])
def test_a_number_no_record_holds_is_a_reject_naming_file_record_and_field(
        tmp_path: Path, where: tuple[Any, ...], raw: str, field: str, words: str) -> None:
    path = tmp_path / "study.json"
    path.write_text(_study_with(where, raw), encoding="utf-8")
    rej = _only_reject(path)
    assert rej.field == field and rej.record == 0 and rej.nct_id == "NCT03198052"
    assert words in rej.reason and len(rej.message()) < 300, rej.message()
    assert rej.message().startswith(f"{path}, record 0 [NCT03198052]: field '{field}'")


def test_a_huge_count_is_a_reject_in_a_streamed_file_and_the_other_records_are_kept(
        tmp_path: Path) -> None:
    """The probe's case through the build and the CLI, in a file streamed by ijson (over the
    1 MiB read whole): an OverflowError traceback, with or without --keep-going, before."""
    studies = numbered_studies(80)
    text = json.dumps(studies).replace('"count": 30', f'"count": {HUGE}', 1)
    path = tmp_path / "studies.json"
    path.write_text(text + " " * (1 << 20), encoding="utf-8")
    result = build([path], scope="all")
    [rej] = result.rejects
    assert (rej.record, rej.field) == (0, "enrollmentInfo.count")
    assert result.stats["trials"] == 79 and result.stats["records_read"] == 80
    proc = _run_cli(str(path), "--out", str(tmp_path / "g"), "--scope", "all", "--json")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert json.loads(proc.stdout)["rejects"] == 1


@pytest.mark.parametrize("value", [HUGE, LONG, "100000000000000000000"])
@pytest.mark.parametrize(("name", "header", "row", "field"), [
    ("export.csv", "NCT Number,Study Title,Enrollment\n",
     "NCT01234567,CAR-T cells,{v}\n", "Enrollment"),
    ("legacy.csv", "Rank,NCT Number,Title,Status,Enrollment\n",
     "1,NCT01234567,CAR-T cells,Recruiting,{v}\n", "Enrollment"),
    ("study.xml", "",
     "<clinical_study><id_info><nct_id>NCT01234567</nct_id></id_info><brief_title>CAR-T"
     "</brief_title><enrollment>{v}</enrollment></clinical_study>", "enrollment"),
])
def test_a_count_too_large_is_a_reject_in_the_csv_and_xml_formats(
        tmp_path: Path, name: str, header: str, row: str, field: str, value: str) -> None:
    """10**400 and 10**20 were kept as an enrollment before (and written to the graph);
    5,000 digits gave Python's 'Exceeds the limit (4300 digits)' advice as the reason."""
    path = tmp_path / name
    path.write_text(header + row.format(v=value), encoding="utf-8")
    rej = _only_reject(path)
    assert rej.field == field and rej.nct_id == "NCT01234567"
    assert "not a whole number from 0 to" in rej.reason and "set_int_max" not in rej.reason
    assert len(rej.message()) < 300


def test_an_age_of_400_digits_is_a_reject_in_an_export(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f"NCT Number,Study Title,Age\nNCT01234567,CAR-T,{HUGE} Years to 60 Years "
                    "(ADULT)\n", encoding="utf-8")
    rej = _only_reject(path)  # min_age_years was infinity (and "Infinity" in the JSON) before
    assert rej.field == "Age" and "age out of range" in rej.reason


@pytest.mark.parametrize(("line", "enrollment"), [
    (f"Enrollment: {LONG}", "reject"),  # ValueError traceback before
    (f"Enrollment: {LONG} participants", "reject"),
    (f"Clinical Study Identifier: NCT01234567\n{LONG} participants needed", "reject"),
    ("Enrollment: ²", None),  # ValueError traceback before ('²'.isdigit())
    ("Enrollment: 40 participants", 40),
])
def test_a_registry_page_count_is_read_or_rejected_never_raised(
        tmp_path: Path, line: str, enrollment: int | str | None) -> None:
    path = tmp_path / "page.txt"
    path.write_text("Trial record\n\nTitle: CD19 CAR-T Cells for Relapsed B-cell Lymphoma\n"
                    f"NCT Number: NCT01234567\nPhase: Phase 2\n{line}\n", encoding="utf-8")
    [item] = _read(path)
    if enrollment == "reject":
        assert isinstance(item, Reject) and item.field == "enrollment", item
        assert "not a whole number from 0 to" in item.reason
    else:
        assert isinstance(item, TrialRecord) and item.enrollment == enrollment


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), 10**400, 1e300])
def test_ictrp_numbers_that_are_no_value_are_read_as_none(value: float) -> None:
    """An XLSX cell gives numbers: these raised OverflowError/ValueError (or made 10**300 an
    enrollment) before; ICTRP values that fit nothing are None, never a reject."""
    from celltx.loaders import ictrp

    assert ictrp.enrollment(value) is None
    assert ictrp.age(value) == (None, None)
    assert ictrp.ictrp_date(value) is None
    assert ictrp.enrollment(str(LONG)) is None and ictrp.enrollment("²") is None
    assert ictrp.enrollment(f"A:{LONG};B:3;") is None
    assert ictrp.enrollment("A:30;B:30;") == 60 and ictrp.enrollment(90.0) == 90


def test_ctis_age_bands_of_thousands_of_digits_are_kept_as_written() -> None:
    # (CTIS's age groups are population bands, not limits: no number is read from them;
    # reading one raised ValueError on thousands of digits)
    from celltx.loaders.ctis_csv import _age_groups

    assert _age_groups(f"{LONG}-{LONG} years") == (f"{LONG}-{LONG} years",)
    assert _age_groups("18-64 years, 65+ years") == ("18-64 years", "65+ years")


# ---- 2. nesting -------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [
    "[" * 100_000,
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    '{"studies": [' + '{"a":' * 100_000,
])
def test_json_nested_100000_deep_is_one_line_quickly_in_bounded_memory(
        tmp_path: Path, content: str) -> None:
    """Before: the build grew to 24 GB (ijson keeps 'item.item.…' for every open level); here
    it runs under a 1.5 GB address-space limit, where it failed with a MemoryError traceback."""
    path = tmp_path / "deep.json"
    path.write_text(content, encoding="ascii")
    proc = _run_cli(str(path), "--out", str(tmp_path / "g"), limit_mb=1536, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "no trials found in 1 records read (1 rejected" in proc.stderr
    assert "first reject: " in proc.stderr and "nested more than 64 levels" in proc.stderr
    kept = _run_cli(str(path), "--out", str(tmp_path / "g"), "--keep-going", "--allow-empty",
                    "--json", limit_mb=1536, timeout=60)
    assert kept.returncode == 0, kept.stderr[-2000:]
    stats = json.loads(kept.stdout)
    assert stats["rejects"] == 1 and stats["records_read"] == 1
    [rej] = build([path], keep_going=True).rejects
    assert rej.path == str(path) and rej.record == 0
    assert "nested more than 64 levels deep" in rej.reason


@pytest.mark.parametrize("size", ["small", "streamed"])
def test_a_deep_record_keeps_the_records_before_it(tmp_path: Path, size: str) -> None:
    studies = numbered_studies(40)
    for s in studies:  # brackets, quotes and escapes inside strings are no nesting
        s["protocolSection"]["identificationModule"]["briefTitle"] = (
            'CAR-T [cells] {x} \\" ' + "[" * 200 + "{" * 200 + '"')
    parts = [json.dumps(s) for s in studies]
    parts.insert(25, "[" * 3000 + "]" * 3000)
    text = "[" + ",".join(parts) + "]" + (" " * (1 << 20) if size == "streamed" else "")
    path = tmp_path / "studies.json"
    path.write_text(text, encoding="utf-8")
    result = build([path], scope="all")
    [rej] = result.rejects
    assert rej.record == 25 and "nested more than" in rej.reason
    assert "25 complete records before it were kept" in rej.reason
    assert result.stats["trials"] == 25 and result.stats["records_read"] == 26


def test_a_value_nested_900_deep_read_whole_is_a_reject_not_a_recursion_error(
        tmp_path: Path) -> None:
    """orjson reads a small file up to 1,024 levels; the screen's walk of the keywords ended in
    a RecursionError traceback at about 990 before."""
    text = REAL_STUDY.read_text(encoding="utf-8")
    study = json.loads(text)
    assert "keywords" in study["protocolSection"]["conditionsModule"]
    deep = "[" * 1000 + '"x"' + "]" * 1000
    text = json.dumps([study]).replace('"keywords": [', f'"keywords": [{deep}, ', 1)
    path = tmp_path / "study.json"
    path.write_text(text, encoding="utf-8")
    result = build([path], keep_going=True)  # (the default scope screens the text first)
    [rej] = result.rejects
    assert rej.field == "protocolSection.conditionsModule.keywords.0" and rej.record == 0


def _reference_depth(data: bytes) -> int:
    """The deepest nesting of JSON text, byte by byte (strings and escapes skipped)."""
    depth = top = 0
    in_string = escaped = False
    for byte in data:
        if escaped:
            escaped = False
        elif byte == 0x5C:
            escaped = True
        elif byte == 0x22:
            in_string = not in_string
        elif not in_string and byte in b"[{":
            depth += 1
            top = max(top, depth)
        elif not in_string and byte in b"]}":
            depth -= 1
    return top


def test_nesting_is_followed_exactly_across_any_chunking() -> None:
    """The fast scanner agrees with a byte-by-byte one however the bytes are cut: an escape, a
    quote or a string split across two reads included."""
    from celltx.loaders.ctgov_v2 import MAX_DEPTH, _Nesting

    rng = random.Random(7)
    in_string = ["[", "]", "{", "}", "a", ",", ":", " ", '\\"', "\\\\"]  # (escapes: \" \\)
    for _ in range(300):
        depth = rng.randint(0, 90)
        body = "".join(rng.choice(in_string) for _ in range(rng.randint(0, 40)))
        text = ('{"k": "' + body + '", "v": ' + "[" * depth + '"a\\"[\\\\"' + "]" * depth
                + ', "w": ["' + body + '", {"' + body + '": 1}]}')
        assert json.loads(text)["v"] is not None
        data = text.encode()
        nesting = _Nesting(limit=MAX_DEPTH)
        cut_at = None
        position = 0
        while position < len(data) and cut_at is None:
            size = rng.randint(1, 12)
            cut = nesting.feed(data[position:position + size])
            if cut is not None:
                cut_at = position + cut
            position += size
        expected = _reference_depth(data)
        if expected > MAX_DEPTH:
            assert cut_at is not None and _reference_depth(data[:cut_at + 1]) == MAX_DEPTH + 1
            assert _reference_depth(data[:cut_at]) == MAX_DEPTH
        else:
            assert cut_at is None and nesting.depth == 0, (text, expected)


# ---- 3. text that only mentions a trial --------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Meeting notes 2024-05-02\nWe should look at NCT01234567 again next week, the CAR-T "
    "trial Ana mentioned.\nBuy milk.\n",
    "Todo: email Bob about NCT01234567\n",
    "NCT01234567\n",
])
def test_a_note_that_mentions_an_nct_number_is_no_trial(tmp_path: Path, text: str) -> None:
    """Before: a trial NCT01234567 with the note's line as its title and nothing else (a cell
    therapy, for the note said CAR-T)."""
    path = tmp_path / "notes.txt"
    path.write_text(text, encoding="utf-8")
    result = build([path], scope="all", keep_going=True)
    assert result.stats["trials"] == 0 and result.stats["records_read"] == 1
    [rej] = result.rejects
    assert rej.reason.startswith("not a trial page: names NCT01234567 but states nothing")


@pytest.mark.parametrize("text", ["NCT01234567\nNCT07654321\nNCT07654322\n",
                                  "NCT01234567, the CAR-T one\nNCT07654321, the other\n"])
def test_a_list_of_nct_numbers_without_a_header_is_not_an_export(tmp_path: Path,
                                                                 text: str) -> None:
    """Before: read as a CSV export whose header was the first NCT number (that trial lost
    without a count) and whose other lines became trials holding only their number."""
    path = tmp_path / "ids.txt"
    path.write_text(text, encoding="utf-8")
    [source] = iter_sources([path])
    assert read_source(source)[0] is SourceFormat.REGISTRY_PAGE
    result = build([path], scope="all", keep_going=True)
    assert result.stats["trials"] == 0 and result.stats["rejects"] == 1
    assert "several NCT numbers" in result.rejects[0].reason


def test_an_export_of_the_nct_column_alone_is_still_an_export(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("NCT Number\nNCT01234567\nNCT07654321\n", encoding="utf-8")
    items = _read(path)
    assert [i.nct_id for i in items if isinstance(i, TrialRecord)] == ["NCT01234567",
                                                                       "NCT07654321"]


# ---- 4. records that are no study --------------------------------------------------------------

NOT_STUDIES: list[tuple[Any, str | None, str]] = [
    ({"derivedSection": {}}, "protocolSection", "protocolSection missing"),
    ({"protocolSection": "CAR-T cells"}, "protocolSection", "is text 'CAR-T cells', not an"),
    ({"protocolSection": ["CAR-T cells"]}, "protocolSection", "is a list, not an object"),
    ({"protocolSection": None}, "protocolSection", "is null, not an object"),
    ("CAR-T cells", None, "text 'CAR-T cells' where a study object"),
    ([{"protocolSection": {}}], None, "a list where a study object"),
    (42, None, "a number 42 where a study object"),
]


@pytest.mark.parametrize("layout", ["array", "page", "lines", "streamed"])
@pytest.mark.parametrize("scope", ["cell-therapy", "all"])
def test_a_record_that_is_no_study_is_a_reject_not_out_of_scope(
        tmp_path: Path, layout: str, scope: str) -> None:
    """Before, in the default scope, the prefilter counted all of these out of scope."""
    good = numbered_studies(2)
    items = [good[0], *(copy.deepcopy(bad) for bad, _, _ in NOT_STUDIES), good[1]]
    text = {"page": json.dumps({"studies": items}),
            "lines": "\n".join(json.dumps(i) for i in items)}.get(layout, json.dumps(items))
    path = tmp_path / "studies.json"
    path.write_text(text + (" " * (1 << 20) if layout == "streamed" else ""), encoding="utf-8")
    result = build([path], scope=scope)
    stats = result.stats
    assert stats["rejects"] == len(NOT_STUDIES) and stats["out_of_scope"] == 0
    assert stats["records_read"] == len(items) and stats["trials"] == 2
    for rej, (_, field, words) in zip(result.rejects, NOT_STUDIES, strict=True):
        assert rej.field == field and words in rej.reason, rej.message()
        assert rej.reason.startswith("not a ClinicalTrials.gov API v2 study")


# ---- 5. sizes no record holds -----------------------------------------------------------------

def test_a_text_or_a_list_longer_than_any_record_holds_is_a_reject_naming_the_field(
        tmp_path: Path) -> None:
    """A field over ``MAX_TEXT`` characters or a list over ``MAX_ITEMS`` items is a reject
    naming it: annotation costs time and memory in proportion to the text (a 1 MB title took
    5.5 s, a 50 MB interventions cell 2.9 GB and a MemoryError traceback). At the bound, the
    record is read."""
    from celltx.models import MAX_ITEMS, MAX_TEXT

    title = ("identificationModule", "briefTitle")
    at = tmp_path / "at.json"
    at.write_text(_study_with(title, json.dumps("CAR-T " + "x" * (MAX_TEXT - 6))))
    assert isinstance(_read(at)[0], TrialRecord)
    over = tmp_path / "over.json"
    over.write_text(_study_with(title, json.dumps("CAR-T " + "x" * (MAX_TEXT - 5))))
    reject = _only_reject(over)
    assert reject.field == "brief_title" and f"at most {MAX_TEXT} characters" in reject.reason
    cells = tmp_path / "many.csv"
    item = "BIOLOGICAL: CAR-T"
    cells.write_text("NCT Number,Study Title,Interventions\n"
                     f"NCT00000001,CAR-T cells,{'|'.join([item] * MAX_ITEMS)}\n"
                     f"NCT00000002,CAR-T cells,{'|'.join([item] * (MAX_ITEMS + 1))}\n")
    kept, refused = _read(cells)
    assert isinstance(kept, TrialRecord) and len(kept.interventions) == MAX_ITEMS
    assert isinstance(refused, Reject) and refused.field == "interventions"
    assert f"at most {MAX_ITEMS} items" in refused.reason


def test_a_csv_cell_too_long_for_any_field_is_a_reject_before_it_is_split(tmp_path: Path) -> None:
    """A cell of 9 MiB (over ``FIELD_SIZE_LIMIT``) makes its row a reject, and the rows after
    it are read; a 50 MB one was split into 2.9 million interventions (2 GB) first."""
    from celltx.loaders.ctgov_csv import FIELD_SIZE_LIMIT

    path = tmp_path / "long.csv"
    with path.open("w") as fh:
        fh.write("NCT Number,Study Title,Interventions\n")
        fh.write(f"NCT00000001,CAR-T cells,\"{'BIOLOGICAL: CAR-T|' * (FIELD_SIZE_LIMIT // 17)}\"\n")
        fh.write("NCT00000002,CAR-T cells,BIOLOGICAL: CAR-T\n")
    refused, kept = _read(path)
    assert isinstance(refused, Reject) and "field larger than field limit" in refused.reason
    assert isinstance(kept, TrialRecord) and kept.nct_id == "NCT00000002"


# ---- 6. what a folder holds -------------------------------------------------------------------

def _opened(source: Any) -> str | None:
    """The error opening ``source`` raises (None if it opens)."""
    from celltx.models import UnreadableFileError

    try:
        source.open().close()
    except UnreadableFileError as exc:
        return str(exc)
    return None


def test_what_cannot_be_read_in_a_folder_is_its_error_not_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipe, a broken link and a sub-folder that cannot be listed were skipped without a
    word, so their records were never counted; each is now a source that opens as its error
    (a reject with --keep-going, else the build's one-line error)."""
    import os

    (tmp_path / "study.json").write_text(REAL_STUDY.read_text(encoding="utf-8"))
    os.mkfifo(tmp_path / "pipe.json")
    (tmp_path / "gone.json").symlink_to(tmp_path / "nowhere.json")
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "other.json").write_text("{}")
    scandir = os.scandir

    def refused(path: Any = ".") -> Any:  # as for a folder without read permission
        if Path(path) == tmp_path / "secret":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refused)
    sources = {Path(s.path).name: _opened(s) for s in iter_sources([tmp_path])}
    assert sources["study.json"] is None
    assert "not a regular file" in (sources["pipe.json"] or "")
    assert "not a regular file" in (sources["gone.json"] or "")
    assert "cannot list this folder: Permission denied" in (sources["secret"] or "")
    assert "other.json" not in sources


def test_a_celltx_graph_inside_an_input_folder_is_not_read_as_records(tmp_path: Path) -> None:
    """A graph folder beside the inputs (not the build's own --out, which was skipped
    already) was read: its rejects.jsonl failed the build as an empty file, and with
    --keep-going its graph and stats became rejects."""
    from celltx.graph import store

    from tests.mini_graph import build_mini_graph

    (tmp_path / "study.json").write_text(REAL_STUDY.read_text(encoding="utf-8"))
    store.save(build_mini_graph(), tmp_path / "old-graph", stats={}, rejects=[], merges=[])
    assert [Path(s.path).name for s in iter_sources([tmp_path])] == ["study.json"]
    result = build([tmp_path])
    assert result.stats["records_read"] == 1 and result.stats["rejects"] == 0


def test_a_part_of_a_record_too_long_is_a_reject_naming_the_part(tmp_path: Path) -> None:
    """Criteria over ``MAX_TEXT`` fail where the loader builds the record's eligibility, not
    where it builds the record: that ValidationError escaped the loaders (a registry page's
    was a traceback); it is a reject naming ``eligibility.criteria``."""
    from celltx.models import MAX_TEXT

    path = tmp_path / "criteria.json"
    path.write_text(_study_with(("eligibilityModule", "eligibilityCriteria"),
                                json.dumps("x" * (MAX_TEXT + 1))))
    reject = _only_reject(path)
    assert reject.field == "eligibility.criteria" and f"at most {MAX_TEXT}" in reject.reason


# ---- 7. messages that say what the input is ----------------------------------------------------

def test_unreadable_inputs_are_named_for_what_they_are(tmp_path: Path) -> None:
    """A gzipped zip was called a truncated download, a UTF-16 file binary, and an
    impossible day's reject did not show the date."""
    import gzip
    import io
    import zipfile

    from celltx.models import UnreadableFileError

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("study.json", REAL_STUDY.read_text(encoding="utf-8"))
    (tmp_path / "studies.zip.gz").write_bytes(gzip.compress(buffer.getvalue()))
    (tmp_path / "u16.csv").write_bytes("NCT Number,Study Title\nNCT00000001,CAR-T\n"
                                       .encode("utf-16"))
    for name, words in (("studies.zip.gz", "a zip archive inside a .gz file"),
                        ("u16.csv", "UTF-16 or UTF-32 text")):
        with pytest.raises(UnreadableFileError, match=words):
            _read(tmp_path / name)
    day = tmp_path / "day.json"
    day.write_text(_study_with(("statusModule", "startDateStruct", "date"), '"2020-02-30"'))
    assert "impossible date 2020-02-30" in _only_reject(day).reason
