"""Registries beyond ClinicalTrials.gov: WHO ICTRP (XML in three layouts, CSV, XLSX), EU CTIS
CSV and ChiCTR XML records, each a trial with its registry id; one trial across registries.

The fixtures in ``fixtures/registries`` are records cut from the real exports of
``../shared/registries`` (see docs/CORPUS.md), quirks kept.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from celltx.graph.trial_graph import describe_trial
from celltx.loaders import read_source
from celltx.loaders.sources import iter_sources
from celltx.queries.compare import same_answer
from celltx.queries.params import ParamError
from celltx.queries.run import run_query

from celltx.models import Reject, SourceFormat, TrialRecord
from celltx.pipeline import build
from celltx.registries import canonical_id, registry_of, trial_iri
from tests.conftest import SHARED

FIXTURES = Path(__file__).parent / "fixtures" / "registries"


def _read(name: str) -> tuple[SourceFormat, list[TrialRecord | Reject]]:
    (source,) = list(iter_sources([FIXTURES / name]))
    fmt, items = read_source(source)
    return fmt, list(items)


def _records(name: str) -> dict[str, TrialRecord]:
    _, items = _read(name)
    return {r.nct_id: r for r in items if isinstance(r, TrialRecord) and r.nct_id}


# ---- formats told by content --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "fmt"), [
    ("ictrp_2014.xml", SourceFormat.ICTRP_XML), ("ictrp_2020.xml.gz", SourceFormat.ICTRP_XML),
    ("ictrp_2024.xml", SourceFormat.ICTRP_XML), ("ictrp_covid.csv", SourceFormat.ICTRP_CSV),
    ("ictrp_covid.xlsx", SourceFormat.ICTRP_XLSX), ("ctis.csv", SourceFormat.CTIS_CSV),
    ("ChiCTR2000034346.xml", SourceFormat.CHICTR_XML),
])
def test_each_export_is_detected_by_content(name: str, fmt: SourceFormat,
                                            tmp_path: Path) -> None:
    renamed = tmp_path / "export.dat"  # the name says nothing
    shutil.copy(FIXTURES / name, renamed)
    if name.endswith(".gz"):
        renamed = renamed.rename(tmp_path / "export.gz")
    assert _read(name)[0] is fmt
    (source,) = list(iter_sources([renamed]))
    assert read_source(source)[0] is fmt


def test_an_xlsx_workbook_is_one_file_not_a_zip_archive() -> None:
    sources = list(iter_sources([FIXTURES / "ictrp_covid.xlsx"]))
    assert [s.path for s in sources] == [str(FIXTURES / "ictrp_covid.xlsx")]


# ---- identifiers --------------------------------------------------------------------------------

def test_registry_ids_are_canonical_and_name_their_registry() -> None:
    assert canonical_id("EUCTR2021-000037-14-PL") == "EUCTR2021-000037-14"
    assert canonical_id("CTIS2023-507385-11-00") == "2023-507385-11-00"
    assert canonical_id("2013-002987-17") == "EUCTR2013-002987-17"  # a bare EudraCT number
    assert canonical_id("NEOD001-301") is None and canonical_id("NCT123") is None
    assert [registry_of(i) for i in ("NCT04324996", "ChiCTR2000029817", "EUCTR2013-002987-17",
                                     "2023-507820-22-00", "IRCT20200417047113N1",
                                     "JPRN-jRCT2080224769", "NL-OMON55279", "KCT0000379",
                                     "CTRI/2020/03/024402", "DRKS00032447")] == [
        "ClinicalTrials.gov", "ChiCTR", "EU CTR", "CTIS", "IRCT", "JPRN", "NL-OMON", "CRIS",
        "CTRI", "DRKS"]
    assert trial_iri("EUCTR2013-002987-17") == (
        "https://identifiers.org/euclinicaltrials:2013-002987-17")
    assert trial_iri("2023-507820-22-00") == "https://bioregistry.io/ctis:2023-507820-22-00"
    assert trial_iri("CTRI/2020/03/024402") == "https://bioregistry.io/ctri:CTRI%2F2020%2F03%2F024402"
    assert trial_iri("JPRN-JapicCTI-205238").startswith("https://w3id.org/celltx/registry/jprn/")


def test_bioregistry_knows_the_prefixes_used() -> None:
    import bioregistry

    from celltx.registries import REGISTRIES

    for reg in REGISTRIES:
        if reg.prefix:
            resource = bioregistry.get_resource(reg.prefix)
            assert resource is not None and resource.prefix == reg.prefix, reg.name
            example = resource.get_example()
            pattern = resource.get_pattern()
            assert example and pattern, reg.prefix


def test_trial_record_takes_trial_id_and_rejects_unknown_ids() -> None:
    from celltx.models import Provenance

    prov = Provenance(path="x", format=SourceFormat.ICTRP_XML, record=0)
    rec = TrialRecord(trial_id="ChiCTR2000029817", provenance=prov)
    assert (rec.nct_id, rec.trial_id, rec.registry) == ("ChiCTR2000029817", "ChiCTR2000029817",
                                                        "ChiCTR")
    with pytest.raises(ValueError, match="not an NCT number"):
        TrialRecord(nct_id="NCT123", provenance=prov)
    with pytest.raises(ValueError, match="known registry"):
        TrialRecord(nct_id="FOO-1", provenance=prov)


# ---- field mapping on real records --------------------------------------------------------------

def test_ictrp_2020_layout_cancelled_prefix_padding_and_dates() -> None:
    recs = _records("ictrp_2020.xml.gz")
    nk = recs["ChiCTR2000029817"]
    assert nk.registry == "ChiCTR"
    assert nk.brief_title and nk.brief_title.startswith("Clinical Study of Cord Blood NK Cells")
    assert nk.overall_status == "WITHDRAWN"  # "Cancelled by the investigator" prefix
    assert nk.official_title and not nk.official_title.endswith(" ")  # padded to 2,000 chars
    assert nk.last_update == "2020-03-16" and nk.first_posted == "2020-02-14"  # "16 March 2020"
    assert nk.enrollment == 60  # "High dose group:20;Conventional dose group:20;…"
    assert any("NK cells" in iv.name for iv in nk.interventions)
    assert all(iv.arm_labels for iv in nk.interventions)  # ChiCTR "group:treatment"
    ctgov = recs["NCT04280224"]
    assert ctgov.registry == "ClinicalTrials.gov" and ctgov.study_type == "INTERVENTIONAL"
    assert ctgov.eligibility.criteria and "<br>" not in ctgov.eligibility.criteria


def test_ictrp_2024_layout_padded_elements_and_eudract_phase_block() -> None:
    recs = _records("ictrp_2024.xml")
    ctis = recs["2023-507385-11-00"]
    assert ctis.registry == "CTIS"
    assert "NCT05697861" in ctis.secondary_ids and "CTIS2023-507385-11-00" in ctis.secondary_ids
    assert ctis.brief_title == "Long-Term Follow-Up of Subjects Treated With NTLA-2001"
    eu = recs["EUCTR2021-000037-14"]  # two national records of one trial
    assert eu.registry == "EU CTR" and eu.phases == ("PHASE3",)  # yes/no block
    assert eu.eligibility.sex == "ALL"  # "<br>Female: yes<br>Male: yes<br>"
    assert all("\n" not in (s or "") and s == s.strip() for s in
               (eu.brief_title, eu.official_title, eu.lead_sponsor.name if eu.lead_sponsor
                else ""))
    nct = recs["NCT05697861"]
    assert nct.eligibility.criteria and "&#x0D;" not in nct.eligibility.criteria
    assert "\r" not in nct.eligibility.criteria


def test_eu_ctr_product_blocks_are_one_intervention_per_product() -> None:
    # "Trade Name: …<br>Pharmaceutical Form: …<br>INN or Proposed INN: …" per product, not one
    # intervention per line; an INN "not yet available" names nothing
    recs = _records("ictrp_2014.xml")
    epo = recs["EUCTR2004-001298-24"].interventions
    assert epo[0].name == "cera" and "RO 0503821" in epo[0].other_names
    assert "Epoetin beta" in [i.name for i in epo] and "not yet available" not in str(epo)
    assert all(i.description and "Concentration" in i.description for i in epo)
    assert all(not i.name.startswith(("Pharmaceutical Form", "CAS Number", "Concentration"))
               for r in recs.values() for i in r.interventions)


def test_ictrp_csv_raw_br_and_a_bad_id_rejected_with_file_record_field() -> None:
    _, items = _read("ictrp_covid.csv")
    recs = {r.nct_id: r for r in items if isinstance(r, TrialRecord)}
    carnk = recs["NCT04324996"]
    assert ("BIOLOGICAL", "NKG2D-ACE2 CAR-NK cells") in {(i.type, i.name)
                                                          for i in carnk.interventions}
    assert carnk.phases == ("PHASE1", "PHASE2") and carnk.start_date == "2020-03-21"
    eu = recs["EUCTR2015-002340-14"]
    assert eu.eligibility.criteria and "<br>" not in eu.eligibility.criteria
    (rej,) = [r for r in items if isinstance(r, Reject)]
    assert rej.path.endswith("ictrp_covid.csv") and rej.record == 5 and rej.field == "TrialID"
    assert "TRIAL-XYZ-1" in rej.reason and rej.line is not None


def test_ictrp_xlsx_excel_dates_serials_and_x000d() -> None:
    _, items = _read("ictrp_covid.xlsx")
    recs = [r for r in items if isinstance(r, TrialRecord)]
    by_id = {r.nct_id: r for r in recs}
    irct = by_id["IRCT20200417047113N1"]
    assert irct.registry == "IRCT" and irct.start_date == "2020-04-27"  # an Excel date
    assert irct.phases == ("PHASE1", "PHASE2")  # "1-2", which Excel turned into 1 February
    assert irct.eligibility.min_age_years == 18.0 and irct.eligibility.max_age_years == 65.0
    assert by_id["ChiCTR2000030509"].start_date == "2020-03-10"  # serial day 43900
    carnk = by_id["NCT04324996"]
    assert carnk.eligibility.criteria and "_x000D_" not in carnk.eligibility.criteria
    assert len(recs) == len(by_id) + 1  # one row repeated: two records of one trial


def test_ctis_csv_bom_multiline_titles_and_vocabularies() -> None:
    recs = _records("ctis.csv")
    assert set(recs) == {"2024-513193-22-00", "2024-511168-10-00", "2023-507820-22-00"}
    kyv = recs["2024-511168-10-00"]
    assert kyv.registry == "CTIS" and kyv.phases == ("PHASE2",)
    assert kyv.overall_status == "NOT_YET_RECRUITING" and kyv.secondary_ids == ("KYV101-007",)
    assert kyv.last_update == "2024-10-07" and kyv.first_posted == "2024-10-01"
    assert {loc.country for loc in kyv.locations} == {"Germany", "Italy", "Belgium", "Austria"}
    nex = recs["2023-507820-22-00"]
    assert nex.brief_title == ("A Phase 1 Study of CD19-targeted NEX-T CAR T Cells in "
                               "Participants with RMS, PMS, or MG(Breakfree-2)")
    assert nex.start_date == "2024-05-22" and nex.phases == ("PHASE1",)


def test_chictr_own_xml() -> None:
    (rec,) = _records("ChiCTR2000034346.xml").values()
    assert rec.nct_id == "ChiCTR2000034346" and rec.registry == "ChiCTR"
    assert rec.overall_status == "COMPLETED" and rec.start_date == "2020-04-10"
    assert rec.enrollment == 2418 + 821 and rec.eligibility.sex == "ALL"
    assert rec.eligibility.criteria and "missing detailed information" in rec.eligibility.criteria
    assert [loc.country for loc in rec.locations] == ["China"]


def test_malformed_ictrp_xml_is_a_reject_naming_the_line(tmp_path: Path) -> None:
    text = (FIXTURES / "ictrp_2024.xml").read_text(encoding="utf-8")
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: len(text) // 2], encoding="utf-8")
    (source,) = list(iter_sources([cut]))
    items = list(read_source(source)[1])
    assert isinstance(items[-1], Reject) and "malformed or truncated XML" in items[-1].reason
    assert items[-1].line is not None and all(isinstance(i, TrialRecord) for i in items[:-1])


def test_a_workbook_that_is_not_an_ictrp_list_is_unreadable(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["name", "value"])
    path = tmp_path / "other.xlsx"
    book.save(path)
    result = build([path], keep_going=True, scope="all")
    assert result.stats["trials"] == 0
    assert any("ICTRP" in r.reason for r in result.rejects)


# ---- builds: the invariant, duplicates, platforms, one trial across registries ------------------

def _invariant(stats: dict[str, Any]) -> None:
    assert stats["records_read"] == (stats["trials"] + stats["duplicates_merged"]
                                     + stats["rejects"] + stats["out_of_scope"])


def test_adjacent_duplicate_blocks_merge_and_count() -> None:
    result = build([FIXTURES / "ictrp_2014.xml"], scope="all")
    _invariant(result.stats)
    assert result.stats["records_read"] == 4 and result.stats["duplicates_merged"] == 1
    assert "NCT00862303" in {d["id"] for _, d in result.graph.nodes("Trial")}


def test_named_cell_therapy_trials_get_their_platforms() -> None:
    result = build([FIXTURES / "ictrp_2020.xml.gz", FIXTURES / "ictrp_covid.csv"])
    _invariant(result.stats)
    nk = describe_trial(result.graph, "ChiCTR2000029817")
    carnk = describe_trial(result.graph, "NCT04324996")
    assert nk is not None and carnk is not None
    assert nk["registry"] == "ChiCTR" and nk["iri"] == trial_iri("ChiCTR2000029817")
    assert {p["platform"] for p in nk["products"]} == {"NK"}
    assert "CAR-NK" in {p["platform"] for p in carnk["products"]}
    assert result.stats["registries"]["ChiCTR"] >= 1


def test_a_ctis_record_naming_an_nct_trial_merges_into_it_with_evidence() -> None:
    result = build([FIXTURES / "ictrp_2024.xml"], scope="all")
    _invariant(result.stats)
    ids = {d["id"] for _, d in result.graph.nodes("Trial")}
    assert "NCT05697861" in ids and "2023-507385-11-00" not in ids
    node = result.graph.g.nodes["Trial:NCT05697861"]
    assert node["registry"] == "ClinicalTrials.gov"
    assert node["registry_ids"] == ["NCT05697861", "2023-507385-11-00"]
    assert node["registries"] == ["ClinicalTrials.gov", "CTIS"]
    (merge,) = [m for m in result.merges if m["nct_id"] == "NCT05697861"]
    assert any("names NCT05697861" in e for e in merge["evidence"])
    assert len(merge["sources"]) == 2 and merge["conflicts"]
    eu = result.graph.g.nodes["Trial:NCT02312206"]  # an EU CTR record naming it
    assert "EU CTR" in eu["registries"]
    assert result.stats["trials_in_several_registries"] >= 2


def test_ids_of_one_registry_are_not_linked() -> None:
    from celltx.graph.merge import link_registries

    from celltx.models import Provenance

    prov = Provenance(path="x", format=SourceFormat.CTGOV_XML, record=0)
    a = TrialRecord(nct_id="NCT00000001", provenance=prov, secondary_ids=("NCT00000002",))
    b = TrialRecord(nct_id="NCT00000002", provenance=prov.model_copy(update={"record": 1}))
    groups, evidence, renamed = link_registries({"NCT00000001": [a], "NCT00000002": [b]})
    assert set(groups) == {"NCT00000001", "NCT00000002"} and not evidence and not renamed
    # two ClinicalTrials.gov trials naming one absent EudraCT trial (a parent study) stay two
    c = b.model_copy(update={"secondary_ids": ("2019-001698-10",)})
    d = TrialRecord(nct_id="NCT00000003", provenance=prov, secondary_ids=("2019-001698-10",))
    groups, evidence, _ = link_registries({"NCT00000002": [c], "NCT00000003": [d]})
    assert len(groups) == 2 and not evidence
    # a jRCT and a ClinicalTrials.gov record naming it are one trial
    j = TrialRecord(nct_id="JPRN-jRCT2071210009", provenance=prov,
                    secondary_ids=("2019-001698-10",))
    groups, evidence, renamed = link_registries({"NCT00000002": [c], "JPRN-jRCT2071210009": [j]})
    assert list(groups) == ["NCT00000002"] and renamed == {"JPRN-jRCT2071210009": "NCT00000002"}
    assert any("both name EUCTR2019-001698-10" in e for e in evidence["NCT00000002"])


def test_registry_parameter_agrees_on_all_three_engines() -> None:
    from celltx.graph.falkordb_engine import EmbeddedEngine

    result = build([FIXTURES / "ictrp_2020.xml.gz", FIXTURES / "ictrp_covid.csv",
                    FIXTURES / "ctis.csv"])
    graph = result.graph
    with EmbeddedEngine() as engine:
        engine.load(graph, graph="registries")
        for registry in (None, "ChiCTR", "ClinicalTrials.gov", "CTIS", "ISRCTN"):
            params = {"registry": registry}
            answers = {
                "embedded": run_query("trials_per_platform", params, engine="embedded",
                                      embedded=engine, graph_name="registries").rows,
                "sparql": run_query("trials_per_platform", params, engine="sparql",
                                    graph=graph).rows,
                "python": run_query("trials_per_platform", params, engine="python",
                                    graph=graph).rows,
            }
            assert answers["embedded"] == answers["python"] == answers["sparql"], registry
            if registry == "ChiCTR":
                assert dict(map(tuple, answers["python"])).get("NK", 0) >= 1
            if registry == "CTIS":
                assert dict(map(tuple, answers["python"])).get("CAR-T", 0) >= 1
            if registry == "ISRCTN":
                assert answers["python"] == []
        # every landscape question with a registry parameter, on the same graph
        from celltx.queries.catalogue import load_catalogue

        sliced = [n for n, q in load_catalogue().items() if "registry" in q.params]
        assert len(sliced) >= 8
        selective = 0
        for name in sliced:
            everything = run_query(name, None, engine="python", graph=graph).rows
            for registry in ("ChiCTR", "CTIS"):
                params = {"registry": registry}
                if name in ("targets_in_condition_by_platform",):
                    params["condition"] = None
                answers = {
                    "embedded": run_query(name, params, engine="embedded", embedded=engine,
                                          graph_name="registries").rows,
                    "sparql": run_query(name, params, engine="sparql", graph=graph).rows,
                    "python": run_query(name, params, engine="python", graph=graph).rows,
                }
                assert (same_answer(answers["embedded"], answers["python"])
                        and same_answer(answers["sparql"], answers["python"])), (name, registry)
                selective += bool(answers["python"]) and answers["python"] != everything
        assert selective >= len(sliced), selective
    with pytest.raises(ParamError, match="did you mean 'ChiCTR'"):
        run_query("trials_per_platform", {"registry": "ChiCRT"}, engine="python", graph=graph)
    spelt = run_query("trials_per_platform", {"registry": "chictr"}, engine="python", graph=graph)
    assert spelt.params["registry"] == "ChiCTR" and spelt.rows == run_query(
        "trials_per_platform", {"registry": "ChiCTR"}, engine="python", graph=graph).rows


def test_rdf_of_other_registries_conforms_to_the_shapes(tmp_path: Path) -> None:
    from celltx.graph.rdf_validate import validate_file
    from celltx.graph.rdf_writer import write_rdf

    result = build([FIXTURES / "ictrp_2024.xml", FIXTURES / "ChiCTR2000034346.xml",
                    FIXTURES / "ctis.csv"], scope="all")
    path = tmp_path / "registries.ttl"
    write_rdf(result.graph, path, "ttl")
    report = validate_file(path)
    assert report.conforms, [v for v in report.violations if v.severity == "Violation"][:5]
    nt = tmp_path / "registries.nt"
    write_rdf(result.graph, nt, "nt")
    text = nt.read_text(encoding="utf-8")
    assert "<https://bioregistry.io/ctis:2024-511168-10-00>" in text
    assert "<https://bioregistry.io/chictr:ChiCTR2000034346>" in text
    assert '<https://w3id.org/celltx/vocab#inRegistry> "CTIS"' in text


# ---- every real export (skipped when ../shared/registries is absent) -------------------------

REGISTRY_FILES = sorted(p for p in (SHARED / "registries").rglob("*") if p.is_file()) \
    if (SHARED / "registries").exists() else []


@pytest.mark.parametrize("path", REGISTRY_FILES, ids=lambda p: p.name)
def test_every_real_export_builds_with_nothing_lost(path: Path) -> None:
    result = build([path], scope="all")
    stats = result.stats
    _invariant(stats)
    assert stats["files"] == 1 and stats["trials"] > 0
    assert not [s for s in stats["sources"] if s["format"] in (None, "unreadable")]
    assert stats["rejects"] <= stats["records_read"] // 100  # a few ids, never whole files
    json.dumps(stats)


def test_shared_registries_skip_cleanly_when_absent() -> None:
    if not (SHARED / "registries").exists():
        pytest.skip("../shared/registries is not present")
    assert REGISTRY_FILES


def test_kg_trials_filters_by_registry() -> None:
    from celltx.api import KnowledgeGraph

    kg = KnowledgeGraph(build([FIXTURES / "ictrp_2024.xml", FIXTURES / "ChiCTR2000034346.xml"],
                              scope="all").graph)
    everything = kg.trials()
    chictr = kg.trials(registry="ChiCTR")
    assert "ChiCTR2000034346" in {t.nct_id for t in chictr} and len(chictr) < len(everything)
    assert all("ChiCTR" in t.registries for t in chictr)
    ctis = kg.trials(registry=["CTIS", "EU CTR"])
    assert "NCT05697861" in {t.nct_id for t in ctis} and len(ctis) < len(everything)
    assert len(kg.trials(registry="ClinicalTrials.gov")) < len(everything)
    with pytest.raises(ValueError, match="did you mean ChiCTR"):
        kg.trials(registry="ChiCTRR")


def test_a_workbook_whose_first_members_are_not_its_sheets_is_read(tmp_path: Path) -> None:
    """A workbook is told by its members' names: one whose first megabyte held none under xl/
    (a large thumbnail saved first) was called a zip 'truncated, as an interrupted download
    is', at the top level and as an archive's member alike."""
    import zipfile

    path = tmp_path / "thumbnail-first.xlsx"
    thumbnail = (bytes(range(256)) * 4_700)[:1_200_000]  # (random bytes may hold "xl/")
    with zipfile.ZipFile(FIXTURES / "ictrp_covid.xlsx") as book, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("docProps/thumbnail.jpeg", thumbnail, zipfile.ZIP_STORED)
        for info in book.infolist():
            out.writestr(info, book.read(info.filename))
    assert b"xl/" not in path.read_bytes()[:1 << 20]
    expected = [r for r in _read("ictrp_covid.xlsx")[1] if isinstance(r, TrialRecord)]
    assert expected
    (source,) = list(iter_sources([path]))
    fmt, items = read_source(source)
    assert fmt is SourceFormat.ICTRP_XLSX
    assert [r.nct_id for r in items if isinstance(r, TrialRecord)] == [r.nct_id for r in expected]
    archive = tmp_path / "lists.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(path, "thumbnail-first.xlsx")
    result = build([archive], scope="all")
    assert not result.rejects and result.stats["trials"] > 0
