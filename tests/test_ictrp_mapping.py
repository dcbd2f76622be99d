"""WHO ICTRP field mapping checked on real records of each error class a review found
(``ictrp.py``): combined phases, Excel dates and phases, HTML character references,
placeholder interventions, open age bands, registry metadata among conditions, typed names cut
at commas, EU CTR product blocks.

The fixtures are whole records cut from the real exports of ``../shared/registries`` (see
docs/CORPUS.md): ``ictrp_mapping.csv`` rows of the 1,135-trial COVID-19 list, byte for byte;
``ictrp_mapping.xlsx`` rows of the COVID-19 workbook, each cell's value and number format as
Excel stored it; ``ictrp_mapping_2014.xml`` and ``ictrp_mapping_2024.xml`` ``<Trial>`` blocks of
the 2014 and 2024 XML exports, as written. ``ictrp_layouts.*`` hold records whose Intervention
field is a form or numbered arms (ANZCTR, CRIS, DRKS, JPRN, CTRI, IRCT, REBEC), cut the same
ways from the same exports; ``ictrp_types.xlsx`` rows of the COVID-19 workbook whose
Intervention field states REBEC types or JPRN keys, cut the same way.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from celltx.loaders import ictrp, read_source
from celltx.loaders.sources import iter_sources

from celltx.models import Provenance, Reject, SourceFormat, TrialRecord

FIXTURES = Path(__file__).parent / "fixtures" / "registries"


def _records(name: str) -> dict[str, TrialRecord]:
    (source,) = list(iter_sources([FIXTURES / name]))
    _, read = read_source(source)
    items = list(read)
    assert not [r for r in items if isinstance(r, Reject)]
    return {r.nct_id: r for r in items if isinstance(r, TrialRecord) and r.nct_id}


def _names(rec: TrialRecord) -> list[str]:
    return [i.name for i in rec.interventions]


def test_combined_phases_in_roman_numerals_give_both_phases() -> None:
    # "Phase I/II" gave PHASE1 only, "Phase II/III" PHASE2 only
    assert _records("ictrp_mapping.csv")["ISRCTN15281137"].phases == ("PHASE1", "PHASE2")
    assert _records("ictrp_mapping.xlsx")["ISRCTN85216856"].phases == ("PHASE2", "PHASE3")


def test_an_excel_date_gets_the_checks_of_a_written_date() -> None:
    # datetime(2641, 6, 14) became start date 2641-06-14; "14/06/2641" would have been None
    recs = _records("ictrp_mapping.xlsx")
    assert recs["IRCT20200310046736N1"].start_date is None
    assert recs["IRCT20200310046736N1"].first_posted == "2020-04-01"  # a sound Excel date
    assert recs["ChiCTR2000030750"].start_date == "2020-03-01"


def test_a_phase_excel_turned_into_a_date_is_read_back() -> None:
    # "2-3" stored as 2 March and "1-2" as 1 February (format d-mmm) gave no phase; the CSV
    # copy of ChiCTR2000030750 says "1-2"
    recs = _records("ictrp_mapping.xlsx")
    assert recs["IRCT20200310046736N1"].phases == ("PHASE2", "PHASE3")
    assert recs["IRCT20200405046958N1"].phases == ("PHASE2", "PHASE3")
    assert recs["ChiCTR2000030750"].phases == ("PHASE1", "PHASE2") == ictrp.phases("1-2")
    assert ictrp.phases(datetime(2020, 3, 14)) == ()  # no two adjacent phases: no guess


def test_html_character_references_are_decoded_before_the_text_is_split() -> None:
    # "Index test:specific&#32;serological&#32;detection;" gave 'specific&#32',
    # 'serological&#32', 'detection'
    chictr = _records("ictrp_mapping.csv")["ChiCTR2000031428"]
    assert _names(chictr) == ["Viral nucleic acid detection", "specific serological detection"]
    assert chictr.interventions[1].arm_labels == ("Index test",)
    jprn = _records("ictrp_mapping.xlsx")["JPRN-UMIN000040289"]
    assert jprn.lead_sponsor is not None
    assert jprn.lead_sponsor.name == "Tokyo Women's Medical University"  # "Women&#39;s"
    # decoded once: a registry's escaped escape keeps one level
    assert ictrp.text("Grade &amp;#61603;1, R&D, &Azithromycin;") == (
        "Grade &#61603;1, R&D, &Azithromycin;")


def test_placeholder_interventions_are_no_interventions() -> None:
    recs = _records("ictrp_mapping.csv")
    assert _names(recs["ChiCTR2000030753"]) == []  # "case series:no;"
    assert _names(recs["ChiCTR2000030013"]) == [  # "…;Control group:Blank;"
        "recombinant human interferon a1b spray"]
    ctri = _records("ictrp_mapping.xlsx")["CTRI/2020/05/025088"]  # "Control Intervention1:
    # nil: nil"
    assert [i.arm_labels for i in ctri.interventions] == [("Intervention1",)]


def test_an_open_age_band_is_no_maximum_age() -> None:
    # CTIS's age bands "18" to "65+" read as a maximum of 65
    ctis = _records("ictrp_2024.xml")["2023-507385-11-00"]
    assert ctis.eligibility.min_age_years == 18.0
    assert ctis.eligibility.max_age is None and ctis.eligibility.max_age_years is None


def test_registry_metadata_and_bare_codes_are_not_conditions() -> None:
    eu = _records("ictrp_mapping_2014.xml")["EUCTR2011-002577-33"]
    assert eu.conditions == ("Upper urinary tract transitional cell carcinoma",
                             "Transitional cell cancer of the renal pelvis and ureter")  # Term:
    csv_eu = _records("ictrp_mapping.csv")["EUCTR2020-001270-29"]
    assert csv_eu.conditions == ("Coronavirus infection", "Corona virus infection")
    irct = _records("ictrp_mapping.xlsx")["IRCT20200405046958N1"]
    assert irct.conditions[:3] == ("COVID-19 disease.", "Acute myeloid leukemia.",
                                   "Acute lymphoblastic leukemia.")  # "Condition 1: … 2: …"
    assert not {"B34.2", "C92.0", "C91.0", "C83.3"} & set(irct.conditions)
    assert "Diffuse large B-cell lymphoma" in irct.conditions
    later = _records("ictrp_mapping_2024.xml")
    assert later["DRKS00030545"].conditions == (
        "Non-neuropathic heredofamilial amyloidosis",
        "Other specified systemic involvement of connective tissue")  # not E85.0, M35.8
    assert later["NL-OMON55279"].conditions == (
        "Familial amyloid polyneuropathy - Transthyretin (TTR) amyloid polyneuropathy",)
    ctis = _records("ictrp_2024.xml")["2023-507385-11-00"]  # MedDRA keys run on one line
    assert ctis.conditions[2:] == ("Cardiac amyloidosis", "Hereditary neuropathic amyloidosis")
    assert not [c for c in ctis.conditions if "MedDRA" in c or "Therapeutic area" in c]


def test_typed_names_are_not_cut_inside_numbers_or_at_doses() -> None:
    # "Drug: arbidol,200mg,tid" gave 'arbidol', '200mg', 'tid'; "cholecalciferol 200,000 IU"
    # gave 'cholecalciferol 200' and '000 IU'
    ctgov = _records("ictrp_mapping.csv")["NCT04246242"]
    assert _names(ctgov) == ["arbidol,400mg,tid", "arbidol,200mg,tid",
                             "Conventional treatment group"]
    recs = _records("ictrp_mapping.xlsx")
    assert _names(recs["NCT04344041"]) == ["cholecalciferol 200,000 IU",
                                           "cholecalciferol 50,000 IU"]
    vaccine = recs["NCT04383574"]
    assert len(vaccine.interventions) == 4
    assert all(n.endswith("day 0,28") for n in _names(vaccine))
    # names a bare comma joins are still one intervention each
    carnk = ictrp.interventions("Biological: NK cells,IL15-NK cells,ACE2 CAR-NK cells")
    assert [i.name for i in carnk] == ["NK cells", "IL15-NK cells", "ACE2 CAR-NK cells"]


def test_eu_ctr_product_blocks_keep_their_own_names() -> None:
    # the blank line between two products was dropped, so a trade name went to the product
    # before: FTY720 was 'CellCept', Mycophenolate Mofetil 'Sandimmun Neoral'
    fty = {i.name: i.other_names for i in
           _records("ictrp_mapping_2014.xml")["EUCTR2004-000587-26"].interventions}
    assert fty == {"FTY720": (), "Mycophenolate Mofetil": ("CellCept", "RS-61443"),
                   "Ciclosporin for microemulsion": ("Sandimmun Neoral",)}
    recs = _records("ictrp_mapping.csv")
    covid = {i.name: i.other_names for i in recs["EUCTR2020-000936-23"].interventions}
    assert covid["RITONAVIR"] == () and covid["REBIF"] == ()  # RITONAVIR was 'REBIF'
    remdesivir = {i.name: i.other_names for i in recs["EUCTR2020-001366-11"].interventions}
    assert remdesivir["REMDESIVIR"] == ()  # was 'Chloroquine'
    # blocks that name no product ("Pharmaceutical Form: Tablet" twice) are no intervention
    assert _names(recs["EUCTR2020-001381-11"]) == []
    # a block named by its product code only is one product, not one per line
    (fx,) = _records("ictrp_mapping_2024.xml")["EUCTR2006-002792-41"].interventions
    assert fx.name == "Fx-1006A" and fx.arm_labels == ()
    assert fx.description and "Capsule, soft" in fx.description
    # one product in two strengths (EUCTR2020-001805-21, cut) is one, with both trade names
    (tamiflu,) = ictrp.interventions(
        "<br>Trade Name: Tamiflu 75 mg Hard Capsules<br>Product Name: Tamiflu 75 mg Hard "
        "Capsules<br>Pharmaceutical Form: Capsule, hard<br>INN or Proposed INN: Oseltamivir<br>"
        "<br>Trade Name: Tamiflu 6 mg/ml powder for oral suspension<br>Product Name: Tamiflu 6 "
        "mg/ml powder for oral suspension<br>Pharmaceutical Form: Oral suspension<br>INN or "
        "Proposed INN: Oseltamivir<br><br>")
    assert tamiflu.other_names == ("Tamiflu 75 mg Hard Capsules",
                                   "Tamiflu 6 mg/ml powder for oral suspension")
    # CTIS: the fields of a product joined by commas on one line
    (ntla,) = _records("ictrp_2024.xml")["2023-507385-11-00"].interventions
    assert (ntla.name, ntla.other_names) == ("NTLA-2001", ("PRD8425756",))


def _ivs(rec: TrialRecord) -> list[tuple[str | None, str, tuple[str, ...]]]:
    return [(i.type, i.name, i.arm_labels) for i in rec.interventions]


def test_anzctr_intervention_forms_are_one_typed_intervention_each() -> None:
    # "Intervention 1<br>Intervention Type: Drug<br>Intervention Administration: Oral<br>
    # Intervention Name: …" gave 12 untyped interventions, 'Drug' of arm 'Intervention Type'
    actrn = _records("ictrp_layouts.csv")["ACTRN12620000445976"]
    assert _ivs(actrn) == [
        ("DRUG", "Lopinavir/ritonavir", ()), ("DRUG", "Hydroxychloroquine", ()),
        ("DRUG", "Lopinavir / ritonavir plus hydroxychloroquine", ())]
    desc = actrn.interventions[1].description or ""
    assert desc.startswith("Intervention Administration: Oral\nIntervention Description: 800mg")
    assert "Intervention Type" not in desc


def test_cris_typed_text_keeps_its_keys_in_the_description() -> None:
    # "Radiation : radiopharmaceutical: SNUBH-NM-333(18F)<br>volume: 5~10CC<br>number: 1…"
    # gave interventions '5~10CC' (arm 'volume') and '1' (arm 'number')
    (kct,) = _records("ictrp_layouts_2024.xml")["KCT0000379"].interventions
    assert (kct.type, kct.name) == ("RADIATION", "SNUBH-NM-333(18F)")
    assert kct.description and kct.description.startswith("volume: 5~10CC\nnumber: 1\nperiod")
    recs = _records("ictrp_layouts.xlsx")
    # "Drug : 1. Control group: …<br> * …<br>- Dosage: …": two arms, their bullets described
    assert _ivs(recs["KCT0005003"]) == [
        ("DRUG", "Conventional treatment", ("Control group",)),
        ("DRUG", "Conventional treatment + Nafamostat IV", ("Intervention group",))]
    assert "- Dosage: The researcher" in (recs["KCT0005003"].interventions[1].description or "")
    # "Drug : intervention 1: …<br>intervention 2: …<br>control: supportive care" ('Drug :' was one)
    assert [i.type for i in recs["KCT0005105"].interventions] == ["DRUG"] * 3
    assert recs["KCT0005105"].interventions[2].arm_labels == ("control",)


def test_jprn_forms_are_one_intervention_named_by_its_inn() -> None:
    # "investigational material(s)<br>Generic name etc : ALN-TTRSC02<br>INN of investigational
    # material : vutrisiran<br>…" gave each key's value (and the headings) as interventions
    jrct = _records("ictrp_layouts_2024.xml")["JPRN-jRCT2080224769"]
    assert [(i.name, i.other_names) for i in jrct.interventions] == [
        ("vutrisiran", ("ALN-TTRSC02",)), ("Patisiran", ("Patisiran Sodium (JAN)",))]
    assert "once every 3 months" in (jrct.interventions[0].description or "")
    # "Intervention name : Favipiravir (T-705)<br>INN of the intervention : Favipiravir<br>…
    # Control intervention name : -": one intervention, the control only a placeholder
    (japic,) = _records("ictrp_layouts.xlsx")["JPRN-JapicCTI-205238"].interventions
    assert (japic.name, japic.other_names, japic.arm_labels) == (
        "Favipiravir", ("Favipiravir (T-705)",), ())
    assert japic.description == (
        "Dosage And administration of the intervention: Oral Multiple Dose")


def test_numbered_arms_are_one_intervention_each() -> None:
    recs = _records("ictrp_layouts.xlsx")
    # DRKS "Intervention 1: Home-based exercise training<br><br>Participants …" gave each
    # paragraph as an intervention
    drks = recs["DRKS00021273"]
    assert _names(drks) == ["Home-based exercise training", "inactive wait-control group"]
    assert (drks.interventions[0].description or "").startswith("Participants in the")
    # "Intervention 1: Observation group:<br>All patients …": the label on a line of its own
    (obs,) = recs["DRKS00021439"].interventions
    assert obs.arm_labels == ("Observation group",) and obs.name.startswith("All patients")
    # DRKS "Group 1: Observational study - 1 arm<br>Underlying …<br>Origin<br>Ethnicity…"
    (group,) = _records("ictrp_mapping_2024.xml")["DRKS00030545"].interventions
    assert (group.name, group.arm_labels) == ("Observational study - 1 arm", ("Group 1",))
    assert group.description and "Religious affiliation" in group.description
    # CTRI "Intervention1: MyVir tablets: Dosage Form: Tablet<br>Duration : …<br>Route : …"
    # gave 'Day 1 to Day 21' (arm 'Duration'); its name is before the description
    ctri = recs["CTRI/2020/05/024967"]
    assert [(i.name, i.arm_labels) for i in ctri.interventions] == [
        ("MyVir tablets", ("Intervention1",)),
        ("Standard treatment as per hospital protocol for COVID 19", ("Control Intervention1",))]
    placebo = recs["CTRI/2020/04/024749"].interventions[1]  # "Placebo, 0.9% sodium chloride:
    assert placebo.name == "Placebo, 0.9% sodium chloride"  # Dose : 0.1 ml, …"
    # IRCT: a ";" inside an arm's text no longer cuts it into two interventions
    irct = recs["IRCT20130306012728N8"]
    assert [i.arm_labels for i in irct.interventions] == [("Intervention group",),
                                                          ("Control group",)]
    # REBEC "Group 4: …;Drug;Chloroquine;…": the terms after the arm stay list parts
    assert _names(recs["RBR-658khm"])[-3:] == ["Chloroquine", "Hydroxychloroquine",
                                               "Azithromycin"]


def test_rebec_type_terms_type_the_interventions_and_are_none() -> None:
    # REBEC ends its text with its types, then its descriptors: "…;Drug;Chloroquine;…" made
    # an intervention named 'Drug' of no type
    rebec = _records("ictrp_layouts.xlsx")["RBR-658khm"]
    assert "Drug" not in _names(rebec)
    assert _names(rebec)[-3:] == ["Chloroquine", "Hydroxychloroquine", "Azithromycin"]
    assert {i.type for i in rebec.interventions} == {"DRUG"}
    recs = _records("ictrp_types.xlsx")
    # "…historical controls, that were admitted …;Biological/vaccine;Immunization, Passive"
    plasma = recs["RBR-4vm3yy"]
    assert _names(plasma) == [
        "Hyperimmune plasma anti-SARS-CoV-2",
        "20 patients will be included and will be compared with historical controls, that were "
        "admitted before the start of the current study", "Immunization, Passive"]
    assert {i.type for i in plasma.interventions} == {"BIOLOGICAL"}
    # "…;Drug;Procedure/surgery;Other;Intensive Care Units": three types, none is the one
    icu = recs["RBR-43hbks"]
    assert _names(icu)[1:] == ["Intensive Care Units"]
    assert {i.type for i in icu.interventions} == {None}
    # a ClinicalTrials.gov part named as its type stays ("Other: Other")
    assert [(i.type, i.name) for i in ictrp.interventions("Other: Other")] == [
        ("OTHER", "Other")]


def test_jprn_sampling_keys_describe_the_intervention() -> None:
    # UMIN "…protocol.<br>Duration: 3 weeks …<br>Dose: …<br>Frequency: …<br>Blood sampling:
    # 3 times" made an intervention '3 times' of arm 'Blood sampling'
    (umin,) = _records("ictrp_types.xlsx")["JPRN-UMIN000040479"].interventions
    assert umin.name.startswith("Using the lactic acid bacteria suitability assay")
    assert umin.arm_labels == ()
    assert (umin.description or "").splitlines() == [
        "Duration: 3 weeks (the best-matched species for 1 week, washout for 1 week, and the "
        "worst-matched species for 1 week)",
        "Dose: one-hundred billion (heat-killed bacteria)/day",
        "Frequency: twice daily, morning and night at 12-hour intervals",
        "Blood sampling: 3 times"]


def test_bad_values_of_these_fields_give_no_traceback() -> None:
    prov = Provenance(path="x.csv", format=SourceFormat.ICTRP_CSV, record=0)
    odd: list[object] = [datetime(1, 1, 1), datetime(9999, 12, 31), "&#99999999;", "&#0;",
                         "Condition 1:", "Drug: ,,", ":", "65+", "+", "Phase 9/0", 10**400,
                         "Intervention 1:", "Group 1:\n;", "Drug : ", "Dose: 1", "- a",
                         "Intervention Name: -\nINN of the intervention :", "Intervention 1\n:"]
    for value in odd:
        out = ictrp.to_record({"trialid": "NCT04246242", "phase": value, "date_enrollement":
                               value, "intervention": value, "condition": value,
                               "inclusion_agemax": value, "public_title": value}, prov)
        assert isinstance(out, TrialRecord | Reject)
    bad = ictrp.to_record({"trialid": "TRIAL-XYZ-1", "phase": datetime(2020, 3, 2)}, prov)
    assert isinstance(bad, Reject) and bad.field == "TrialID" and "\n" not in bad.reason
