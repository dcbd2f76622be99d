"""Retired ct2 XML: every mapped field against the source elements, wrappers, bad input."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from functools import partial
from pathlib import Path

import pytest

from celltx.models import Reject, SourceFormat, TrialRecord
from celltx.pipeline import build
from tests.loader_helpers import read_as

XML_DIR = Path(__file__).parent / "fixtures" / "ctgov_legacy" / "xml"
FILES = sorted(XML_DIR.glob("NCT*.xml"))
NCI = XML_DIR / "NCT00924326.xml"  # Phase 1/Phase 2, NIH sponsor, nct_alias
MULTI = XML_DIR / "NCT02348216.xml"  # 36 sites, "January 2015" start


read_all = partial(read_as, SourceFormat.CTGOV_XML)


def one(path: Path) -> TrialRecord:
    [rec] = read_all(path)
    assert isinstance(rec, TrialRecord), rec
    return rec


def words(text: str | None) -> list[str]:
    return (text or "").split()


def texts(root: ET.Element, path: str) -> tuple[str, ...]:
    return tuple((e.text or "").strip() for e in root.findall(path))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_fields_match_the_source_elements(path: Path) -> None:
    root = ET.parse(path).getroot()
    rec = one(path)
    assert rec.nct_id == root.findtext("id_info/nct_id") == path.stem
    assert rec.secondary_ids[0] == root.findtext("id_info/org_study_id")
    assert set(texts(root, "id_info/secondary_id")) <= set(rec.secondary_ids)
    assert rec.brief_title == root.findtext("brief_title")
    assert rec.official_title == root.findtext("official_title")
    assert rec.acronym == root.findtext("acronym")
    assert rec.conditions == texts(root, "condition")
    assert rec.condition_mesh_terms == texts(root, "condition_browse/mesh_term")
    assert rec.keywords == texts(root, "keyword")
    ivs = root.findall("intervention")
    assert [iv.name for iv in rec.interventions] == [i.findtext("intervention_name") for i in ivs]
    assert [iv.type for iv in rec.interventions] == [
        (i.findtext("intervention_type") or "").upper().replace(" ", "_") for i in ivs]
    assert [iv.other_names for iv in rec.interventions] == [texts(i, "other_name") for i in ivs]
    assert [iv.arm_labels for iv in rec.interventions] == [texts(i, "arm_group_label")
                                                           for i in ivs]
    assert [a.label for a in rec.arms] == list(texts(root, "arm_group/arm_group_label"))
    for arm in rec.arms:  # an arm lists the interventions that name it
        named = [i for i in ivs if arm.label in texts(i, "arm_group_label")]
        assert len(arm.intervention_names) == len(named)
    lead = root.find("sponsors/lead_sponsor")
    assert lead is not None and rec.lead_sponsor is not None
    assert rec.lead_sponsor.name == lead.findtext("agency")
    assert rec.lead_sponsor.sponsor_class == (lead.findtext("agency_class") or "").upper()
    assert [c.name for c in rec.collaborators] == list(texts(root, "sponsors/collaborator/agency"))
    enrollment = root.find("enrollment")
    assert enrollment is not None and rec.enrollment == int(enrollment.text or "")
    assert rec.enrollment_type == {"Actual": "ACTUAL", "Anticipated": "ESTIMATED"}[
        enrollment.get("type", "")]
    elig = root.find("eligibility")
    assert elig is not None
    assert words(rec.eligibility.criteria) == words(elig.findtext("criteria/textblock"))
    assert rec.eligibility.sex == (elig.findtext("gender") or "").upper()
    assert rec.eligibility.min_age == (None if elig.findtext("minimum_age") == "N/A"
                                       else elig.findtext("minimum_age"))
    assert rec.eligibility.healthy_volunteers is (elig.findtext("healthy_volunteers") != "No")
    for field, tag in [("primary_outcomes", "primary_outcome"),
                       ("secondary_outcomes", "secondary_outcome")]:
        outs = getattr(rec, field)
        assert [o.measure for o in outs] == [(e.findtext("measure") or "").strip()
                                             for e in root.findall(tag)]
        assert [o.time_frame for o in outs] == [e.findtext("time_frame") for e in
                                                root.findall(tag)]
    locs = root.findall("location")
    assert [(loc.facility, loc.city, loc.state, loc.zip, loc.country) for loc in rec.locations] == [
        tuple(e.findtext(f"facility/{p}") for p in ("name", "address/city", "address/state",
                                                   "address/zip", "address/country"))
        for e in locs]
    assert words(rec.brief_summary) == words(root.findtext("brief_summary/textblock"))
    assert words(rec.detailed_description) == words(
        root.findtext("detailed_description/textblock"))
    assert rec.provenance.last_update == rec.last_update is not None
    assert rec.provenance.format is SourceFormat.CTGOV_XML and rec.provenance.record == 0


def test_display_values_become_api_enums() -> None:
    rec = one(NCI)
    assert rec.phases == ("PHASE1", "PHASE2")  # "Phase 1/Phase 2"
    assert rec.overall_status == "ACTIVE_NOT_RECRUITING"
    assert rec.allocation == "NON_RANDOMIZED" and rec.masking == "NONE"
    assert rec.intervention_model and rec.primary_purpose == "TREATMENT"
    assert rec.lead_sponsor and rec.lead_sponsor.sponsor_class == "NIH"
    assert "NCT00862069" in rec.secondary_ids  # nct_alias: an older number of this trial
    assert rec.start_date == "2009-02-17" and rec.last_update == "2018-09-25"
    assert rec.eligibility.min_age_years == 18.0 and rec.eligibility.max_age_years == 70.0
    assert rec.arms[0].intervention_names[0] == "Drug: Fludarabine"


def test_month_precision_is_kept() -> None:
    root = ET.parse(MULTI).getroot()
    assert root.findtext("start_date") == "January 2015"
    rec = one(MULTI)
    assert rec.start_date == "2015-01" and rec.start_date_type == "ACTUAL"
    assert len(rec.locations) == len(root.findall("location")) == 36


def test_text_blocks_lose_only_their_indentation() -> None:
    rec = one(NCI)
    assert rec.eligibility.criteria
    assert not rec.eligibility.criteria.startswith((" ", "\n"))
    assert min(len(line) - len(line.lstrip()) for line in
               rec.eligibility.criteria.splitlines() if line.strip()) == 0


def _body(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index("<clinical_study"):]


def test_wrapper_with_several_studies(tmp_path: Path) -> None:
    wrapped = "<?xml version='1.0' encoding='UTF-8'?>\n<clinical_studies>\n" + "\n".join(
        _body(p) for p in FILES) + "\n</clinical_studies>\n"
    (tmp_path / "all.xml").write_text(wrapped, encoding="utf-8")
    recs = read_all(tmp_path / "all.xml")
    assert [r.nct_id for r in recs] == [p.stem for p in FILES]
    assert [r.provenance.record for r in recs if isinstance(r, TrialRecord)] == [0, 1, 2]
    third = [m.start() for m in re.finditer(r"<clinical_study[ >]", wrapped)][2]
    cut = wrapped[: third + 500]
    (tmp_path / "cut.xml").write_text(cut, encoding="utf-8")
    items = read_all(tmp_path / "cut.xml")
    assert [type(i).__name__ for i in items] == ["TrialRecord", "TrialRecord", "Reject"]
    rej = items[2]
    assert isinstance(rej, Reject) and rej.record == 2 and "truncated" in rej.reason


def _mutate(path: Path, out: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.search(old, text), old
    out.write_text(re.sub(old, new, text, count=1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "field", "reason"),
    [
        (r"<nct_id>NCT\d+</nct_id>", "", "nct_id", "no NCT number"),
        (r"<phase>[^<]*</phase>", "<phase>Phase 9</phase>", "phase", "unknown phase"),
        (r"<overall_status>[^<]*<", "<overall_status>Alive<", "overall_status",
         "unknown overall status"),
        (r"<start_date>[^<]*<", "<start_date>February 30, 2009<", "start_date",
         "impossible date"),
        (r"<last_update_posted type=\"Actual\">[^<]*<",
         "<last_update_posted type=\"Actual\">Someday<", "last_update_posted",
         "unrecognised date"),
        (r"(<enrollment[^>]*>)[^<]*<", r"\1about forty<", "enrollment", "not a whole number"),
        (r"<minimum_age>[^<]*<", "<minimum_age>eighteen<", "minimum_age", "unrecognised age"),
    ],
)
def test_bad_element_becomes_a_reject(tmp_path: Path, old: str, new: str, field: str,
                                      reason: str) -> None:
    _mutate(NCI, tmp_path / "bad.xml", old, new)
    for p in FILES[1:]:
        (tmp_path / p.name).write_bytes(p.read_bytes())
    result = build([tmp_path])
    [rej] = result.rejects
    assert rej.field == field and reason in rej.reason, rej.message()
    assert rej.path.endswith("bad.xml") and rej.record == 0
    assert rej.nct_id == (None if field == "nct_id" else NCI.stem)
    assert result.stats["records_read"] == len(FILES) == result.stats["trials"] + 1


def test_truncated_file_is_a_reject(tmp_path: Path) -> None:
    raw = NCI.read_bytes()
    (tmp_path / "cut.xml").write_bytes(raw[: len(raw) // 2])
    [rej] = read_all(tmp_path / "cut.xml")
    assert isinstance(rej, Reject) and "truncated" in rej.reason and rej.line


@pytest.mark.parametrize("declared", [True, False])
def test_latin1_and_bom(tmp_path: Path, declared: bool) -> None:
    text = NCI.read_text(encoding="utf-8").replace(
        "<brief_title>", "<brief_title>Étude à Zürich: ", 1)
    if declared:
        text = text.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"', 1)
    else:
        text = text[text.index("<clinical_study"):]
    (tmp_path / "latin.xml").write_bytes(text.encode("latin-1"))
    (tmp_path / "bom.xml").write_bytes(b"\xef\xbb\xbf" + NCI.read_bytes())
    assert (one(tmp_path / "latin.xml").brief_title or "").startswith("Étude à Zürich: ")
    assert one(tmp_path / "bom.xml").nct_id == NCI.stem


def test_an_unknown_status_keeps_the_status_last_verified() -> None:
    """"Unknown status" with "Recruiting" last verified: the trial had started as of then."""
    from celltx.ontology.annotate import start_made

    rec = one(XML_DIR.parent / "last_known" / "NCT02134262.xml")
    assert (rec.overall_status, rec.last_known_status) == ("UNKNOWN", "RECRUITING")
    assert start_made(rec) == (True, "last known status started")
