"""Registry condition strings read as the conditions they name, by class of wording (found by
an analyst's probe of the sample; each class is tested on strings of several records)."""

from __future__ import annotations

import pytest
from celltx.ontology.annotate import annotate, conditions_named, match_condition

from celltx.models import Provenance, SourceFormat, TrialRecord


@pytest.mark.parametrize(("text", "key"), [
    # an organ by its noun, as by its adjective
    ("Pancreas Cancer", "PANC_EXO"), ("Cervix Cancer", "CERVICAL_CA"),
    ("Ovary Cancer", "OVARIAN_CA"), ("Stomach Cancer", "GASTRIC_CA"),
    # HTML character references left in a record
    ("Sjogren&#39;s Syndrome", "SJOGREN"), ("Sj&ouml;gren Syndrome", "SJOGREN"),
    # the CD antigen a disease's cells carry is a qualifier; NHL in French and Spanish; Graves
    ("CD19-positive ALL", "ALL"), ("CD19-ALL", "ALL"), ("CD19-LNH", "NHL"),
    ("Linfoma no Hodgkin", "NHL"), ("Graves' Disease", "GRAVES"),
    # the blood cancers by their cells' words, not cancer in general; a liver carcinoma
    ("Hematopoietic/Lymphoid Cancer", "HEME_MALIG"), ("Hematolymphoid Malignancies", "HEME_MALIG"),
    ("CD5+ Relapsed/Refractory Hematopoietic Malignancies", "HEME_MALIG"),
    ("Hepatic Carcinoma", "LIVER_CA"),
    # T-cell "chronic lymphocytic leukaemia" (an antiquated name, NCIT:C70649) is a T-cell
    # leukaemia, not the B-cell CLL whose words it holds
    ("T-Cell Chronic Lymphocytic Leukemia", "T_LEUK"), ("T-CLL", "T_LEUK"),
    # the lineage of an acute lymphoblastic leukaemia, however it is written
    ("Relapsed/Refractory B-precursor Acute Lymphoblastic Leukemia", "B_ALL"),
    ("Leukemia, Lymphocytic, Acute, B-Cell", "B_ALL"),
    ("Precursor B-cell Lymphoblastic Leukemia", "B_ALL"),
    ("T-cell Acute Lymphoblastic Lymphoma", "T_LBL"),
    ("Relapsed/Refractory T-cell Acute Lymphoid Leukaemia", "T_ALL"),
    # words naming a narrower condition than their abbreviation in parentheses
    ("Relapsed B Cell Acute Lymphoblastic Leukemia (ALL)", "B_ALL"),
    ("Non-Hodgkin Lymphoma (DLBCL)", "DLBCL"), ("Acute Myeloid Leukemia (AML)", "AML"),
    # AML's other names, and a lymphoma named by its older words
    ("Acute Myelocytic Leukemia", "AML"), ("Acute Myeloblastic Leukaemia", "AML"),
    ("Recurrent Adult Diffuse Large Cell Lymphoma", "DLBCL"),
    ("Follicle Center Lymphoma", "FL"),
    # WHO-HAEM5's name for the myelodysplastic syndromes
    ("High-risk Myelodysplastic Neoplasm", "MDS"), ("Myelodysplastic Neoplasms", "MDS"),
    # an umbrella phrase names the umbrella, never one of its subtypes
    ("B-cell Malignancies", "B_NEOPLASM"), ("Relapsed or Refractory B-Cell Malignancies",
                                            "B_NEOPLASM"),
    ("T-cell Malignancies", "T_NEOPLASM"), ("Myeloid Malignancies", "MYELOID_NEO"),
    ("Relapsed or Refractory Plasma Cell Neoplasms", "PC_NEOPLASM"),
    ("Large B-cell Lymphoma", "LBCL"), ("Malignant Solid Neoplasm", "SOLID_TUMOR"),
    # (an analyst probe, session 17) solid tumours that had no term or only "cancer"
    ("Anaplastic Thyroid Carcinoma", "ATC"), ("Thyroid Cancer", "THYROID_CA"),
    ("Adenocarcinoma of Esophagogastric Junction", "GEJ"),
    ("Carcinoma, Ovarian Epithelial", "OVARIAN_CA"), ("Ovarian Epithelial Cancer", "OVARIAN_CA"),
])
def test_a_condition_string_reads_as_the_condition_it_names(text: str, key: str) -> None:
    hit = match_condition(text)
    assert hit is not None and hit[0] == key, (text, hit)


@pytest.mark.parametrize(("text", "keys"), [
    ("Multiple Myeloma, Plasma Cell Leukemia", ["MM", "PCL"]),
    ("Malignant Melanoma, Lung Cancer, or Colorectal Cancer", ["MELANOMA", "LUNG_CA", "CRC"]),
    ("Relapsed or Refractory Diffuse Large B Cell Lymphoma; Chronic Lymphocytic Leukemia",
     ["DLBCL", "CLL"]),
    ("T-lymphoblastic leukemia/lymphoma", ["T_ALL", "T_LBL"]),
    ("Relapsed/Refractory Acute Myeloid Leukemia, High-risk Myelodysplastic Neoplasm",
     ["AML", "MDS"]),
    # one disease written inverted, or with qualifiers, is one condition
    ("Leukemia, Myeloid, Acute", ["AML"]), ("Lymphoma, Large B-Cell, Diffuse", ["DLBCL"]),
    ("Relapsed or Refractory Multiple Myeloma", ["MM"]),
    # a broader one beside a narrower one is implied by it
    ("Non-Hodgkin Lymphoma, Diffuse Large B-Cell Lymphoma", ["DLBCL"]),
    # a word joined to a disease shares its last word ("Gastric ... Cancer")
    ("Advanced Gastric and Pancreatic Cancer", ["GASTRIC_CA", "PANC_EXO"]),
    ("Advanced Gastric or Colorectal Cancer", ["GASTRIC_CA", "CRC"]),
    ("Breast and Ovarian Cancer", ["BREAST_CA", "OVARIAN_CA"]),
    ("Gastric / Gastroesophageal Junction Adenocarcinoma", ["GASTRIC_ADENO", "GEJ"]),
    ("Myeloid and Monocytic Leukemia", ["MYELOID_LEUK"]),
    # not a qualifier, nor a word that names a broad group only ("Relapsed Malignancies")
    ("Relapsed and Refractory B-cell Lymphoma", ["B_NHL"]),
    ("Relapsed/Refractory Aggressive B-Cell Malignancies", ["B_NEOPLASM"]),
    # nor across an unspaced slash, which binds one name
    ("T-Cell/Histiocyte-Rich Large B-Cell Lymphoma", ["LBCL"]),
])
def test_a_string_that_lists_diseases_names_each(text: str, keys: list[str]) -> None:
    assert conditions_named(text) == keys


def _record(title: str, *conditions: str) -> TrialRecord:
    prov = Provenance(path="t.json", format=SourceFormat.CTGOV_V2_JSON, record=0)
    return TrialRecord(nct_id="NCT09000001", brief_title=title, conditions=conditions,
                       provenance=prov)


@pytest.mark.parametrize(("title", "keys"), [
    ("CAR-T Cells in Advanced Gastric / Esophagogastric Junction Adenocarcinoma",
     ["GEJ", "GASTRIC_ADENO"]),
    ("Dose Escalation Study in Acute Myeloid or B-Cell Acute Lymphoblastic Leukemia",
     ["B_ALL", "AML"]),
    ("ADCT-301 in Relapsed or Refractory Hodgkin and Non-Hodgkin Lymphoma", ["NHL", "HL"]),
    ("CAR-T Cells in Relapsed or Refractory Lymphoma", ["LYMPHOMA"]),
])
def test_a_title_word_joined_to_a_disease_shares_its_last_word(
        title: str, keys: list[str]) -> None:
    """A record whose conditions field names none: the title's conditions."""
    ann = annotate(_record(title))
    assert [c.term.key for c in ann.conditions if c.term] == keys
    assert all(c.as_written in title for c in ann.conditions)


def test_a_broad_condition_the_title_names_narrowly_is_the_narrow_one() -> None:
    ann = annotate(_record("CD19 CAR-T Cells for B-cell Precursor Acute Lymphoblastic Leukemia",
                           "Acute Lymphoblastic Leukemia"))
    assert [(c.term.key if c.term else None) for c in ann.conditions] == ["B_ALL"]
    assert ann.conditions[0].as_written == "B-cell Precursor Acute Lymphoblastic Leukemia"
    # a title naming another disease, or nothing narrower, leaves the field's conditions
    for title in ("CD19 CAR-T Cells in Leukaemia", "CAR-T Cells for Multiple Myeloma"):
        ann = annotate(_record(title, "Acute Lymphoblastic Leukemia"))
        assert [(c.term.key if c.term else None) for c in ann.conditions] == ["ALL"]


def test_a_field_naming_no_known_condition_takes_the_titles_beside_its_words() -> None:
    """"Refractory", "CD19 Positive": the title names the disease."""
    ann = annotate(_record("CD19 CAR-T Cells for B-cell Acute Lymphoblastic Leukemia",
                           "Refractory", "CD19 Positive"))
    assert [(c.as_written, c.term.key if c.term else None) for c in ann.conditions] == [
        ("Refractory", None), ("CD19 Positive", None),
        ("B-cell Acute Lymphoblastic Leukemia", "B_ALL")]


@pytest.mark.parametrize(("title", "conditions", "keys"), [
    # "Leukemia, B-cell" is a leukaemia the title narrows; "Refractory Leukemia" beside it
    # means more than it, and is kept (as "Liver Cancer" beside HCC)
    ("CD19 CAR-T Cells for B-cell Acute Lymphoblastic Leukemia",
     ("Refractory Leukemia", "Leukemia, B-cell"), {"LEUKEMIA", "B_ALL"}),
    ("CD19 CAR-T Cells for B-cell Acute Lymphoblastic Leukemia", ("Leukemia, B-cell",),
     {"B_ALL"}),
    # the title's other conditions come too: MDS is no leukaemia (it was lost)
    ("CD123 CAR-T Cells for AML, Acute Lymphoblastic Leukemia and MDS", ("Leukaemia",),
     {"AML", "ALL", "MDS"}),
    # a string read from a part ("Lymphoid Leukemia" as a leukaemia) keeps its reading
    ("CAR-T Cells in B-cell Acute Lymphoblastic Leukemia", ("Lymphoid Leukemia",),
     {"LEUKEMIA", "B_ALL"}),
    # a title that names the field's condition as it is, and another
    ("CD22 CAR-T Cells for CD22+ Leukemia and Lymphoma", ("Leukemia",),
     {"LEUKEMIA", "LYMPHOMA"}),
    # a field of broad conditions takes the title's of their kind ("Leukemia, T Cell" in a
    # CD7 CAR-T trial for AML: the trial had left the AML answer)
    ("Cell Therapy for CD7 Positive Acute Myeloid Leukemia", ("Leukemia, T Cell",),
     {"T_LEUK", "AML"}),
    # not of another kind: "CMV-specific" CAR-T cells treat no CMV infection here
    ("CMV-specific CD19 CAR-T Cells for Acute Lymphoblastic Leukemia", ("Leukemia",),
     {"ALL"}),
    # a field of "cancer" too (it groups every cancer)
    ("CD19 CAR-T Cells for Refractory B-cell Malignancies", ("Malignancies",),
     {"CANCER", "B_NEOPLASM"}),
    # a field of "neoplasm" takes every kind
    ("CAR-T Cells in Advanced Breast Cancer", ("Neoplasms by Site",),
     {"NEOPLASM", "BREAST_CA"}),
])
def test_a_field_the_title_names_more_narrowly_or_a_broad_one_takes_the_titles(
        title: str, conditions: tuple[str, ...], keys: set[str]) -> None:
    ann = annotate(_record(title, *conditions))
    assert {c.term.key for c in ann.conditions if c.term} == keys


def test_a_title_naming_another_disease_adds_nothing_to_a_leukaemia() -> None:
    """Only a title naming each of the field's conditions (or a narrower one) is read."""
    ann = annotate(_record("CD19 CAR-T Cells for Lymphoma and Leukemia",
                           "B Cell Leukemia", "Multiple Myeloma"))
    assert {c.term.key for c in ann.conditions if c.term} == {"B_LEUK", "MM"}


@pytest.mark.parametrize(("text", "key"), [
    # the leukaemias by lineage, and leukaemia itself (they matched nothing)
    ("Leukemia", "LEUKEMIA"), ("Leukaemias", "LEUKEMIA"), ("B Cell Leukemia", "B_LEUK"),
    ("Leukemia, B-Cell", "B_LEUK"), ("T-cell Leukemia", "T_LEUK"),
    ("Leukemia, T-Cell", "T_LEUK"), ("Hairy Cell Leukemia", "HCL"),
    ("B-cell Prolymphocytic Leukemia", "B_PLL"), ("T-cell Prolymphocytic Leukemia", "T_PLL"),
    ("Acute Biphenotypic Leukemia", "MPAL"),
    # a neoplasm with a name of its own, not "neoplasm" or "cancer"
    ("Blastic Plasmacytoid Dendritic Cell Neoplasm (BPDCN)", "BPDCN"),
    ("Yolk Sac Tumor", "YOLK_SAC"), ("Malignant Rhabdoid Tumor", "RHABDOID"),
    ("Atypical Teratoid/Rhabdoid Tumor", "ATRT"), ("Neuroendocrine Tumors", "NEN"),
    ("Desmoplastic Small Round Cell Tumor (DSRCT)", "DSRCT"),
    ("Malignant Peripheral Nerve Sheath Tumors", "MPNST"),
    ("Recurrent CNS Tumor, Adult", "CNS_NEO"), ("Brain Tumor", "BRAIN_NEO"),
    ("Brain Cancer", "BRAIN_NEO"), ("Fallopian Tube Cancer", "FALLOPIAN_CA"),
    ("Primary Peritoneal Carcinoma", "PERITONEAL_CA"), ("Testis Cancer, Refractory", "TESTIS_CA"),
    ("Liposarcoma", "LIPOSARCOMA"), ("Pineoblastoma, Childhood", "PINEOBLASTOMA"),
    ("Acute Promyelocytic Leukemia", "APL"), ("Adult T Cell Leukemia", "ATLL"),
    ("Juvenile Myelomonocytic Leukemia", "JMML"), ("Lymphoplasmacytic Lymphoma", "LPL"),
    ("MALT Lymphoma", "MZL"), ("Recurrent Primary Mediastinal (Thymic) Large B-Cell Cell Lymphoma",
                               "PMBCL"),
    # a lineage's leukaemia written as MeSH or NCIt do, and lymphoid malignancies
    ("Leukemia, Lymphocytic, B Cell", "B_LEUK"), ("B-Lymphocytic Leukemia, Chronic", "CLL"),
    ("T-Cell Lymphoblastic Leukemia", "T_ALL"), ("Burkitt Leukemia", "BURKITT"),
    ("Lymphoid Malignancies", "HEME_MALIG"), ("B-Lymphoid Malignancies", "B_NEOPLASM"),
    # a disease noun in the plural is the singular's
    ("Relapsed/Refractory B-cell Lymphomas", "B_NHL"), ("Acute Leukemias", "ACUTE_LEUK"),
    ("Glioblastomas", "GBM"),
    ("Chronic Lymphoid Leukemia", "CLL"), ("Leukemias, Acute Myeloid", "AML"),
    ("Colorectal Adenocarcinoma", "CRC_ADENO"), ("Gliosarcoma", "GLIOSARCOMA"),
    # autoimmune diseases of the CAR-T trials in autoimmunity
    ("ANCA Associated Vasculitis (AAV)", "AAV"), ("ANCA-associated Vasculitis", "AAV"),
    ("IgA Nephropathy (IgAN)", "IGAN"),
])
def test_a_condition_with_a_row_of_its_own_reads_as_it(text: str, key: str) -> None:
    hit = match_condition(text)
    assert hit is not None and hit[0] == key, (text, hit)


def test_the_leukaemias_and_vasculitides_roll_up() -> None:
    """A question about leukaemia counts B-ALL, CLL and AML trials; one about ANCA vasculitis,
    GPA and MPA trials."""
    from celltx.ontology import vocab

    terms = vocab.conditions()
    for narrow, broad in (("B_ALL", "LEUKEMIA"), ("B_ALL", "B_LEUK"), ("CLL", "B_LEUK"),
                          ("AML", "LEUKEMIA"), ("T_ALL", "T_LEUK"), ("PCL", "LEUKEMIA"),
                          ("GPA", "AAV"), ("MPA", "AAV"), ("YOLK_SAC", "GCT"),
                          ("GBM", "CNS_NEO"), ("LIPOSARCOMA", "SARCOMA"),
                          ("GBM", "BRAIN_NEO"), ("ATLL", "T_LEUK"), ("SEZARY", "CTCL"),
                          ("MF", "CTCL"), ("APL", "AML"), ("JMML", "LEUKEMIA"),
                          ("CMML", "LEUKEMIA"), ("WM", "LPL")):
        assert terms[broad].curie in terms[narrow].broader, (narrow, broad)
    assert terms["LEUKEMIA"].curie not in terms["LYMPHOMA"].broader
    # (no row rolls neuroblastoma up to "primitive neuroectodermal tumour")
    assert not any(t.key == "PNET" for t in terms.values())


def test_a_name_read_across_the_separators_is_one_condition() -> None:
    """"Adult T-Cell Leukemia/Lymphoma" is ATLL, not a T-cell leukaemia and a lymphoma; a
    string listing two diseases still names both."""
    assert conditions_named("Recurrent Adult T-Cell Leukemia/Lymphoma") == ["ATLL"]
    assert conditions_named("T-lymphoblastic leukemia/lymphoma") == ["T_ALL", "T_LBL"]
    # inverted headings listed with semicolons are each read whole
    assert conditions_named("Lymphoma, B-Cell; Leukemia, B-Cell") == ["B_NHL", "B_LEUK"]


def test_a_string_read_from_a_part_is_not_replaced_by_the_title() -> None:
    """"High Grade B-Cell Lymphoma" is read as B-cell lymphoma from its last words, but names
    a lymphoma of its own: a DLBCL in the title does not make it one."""
    ann = annotate(_record("CAR-T Cells for Diffuse Large B-cell Lymphoma",
                           "Diffuse Large B-Cell Lymphoma", "High Grade B-Cell Lymphoma",
                           "Blastic Plasmacytoid Dendritic Cell Neoplasm"))
    written = {c.as_written: (c.term.key if c.term else None) for c in ann.conditions}
    assert written == {"Diffuse Large B-Cell Lymphoma": "DLBCL",
                       "High Grade B-Cell Lymphoma": "B_NHL",
                       "Blastic Plasmacytoid Dendritic Cell Neoplasm": "BPDCN"}


def test_a_broad_condition_beside_a_narrower_one_of_the_field_is_kept() -> None:
    """"Liver Cancer" beside "Hepatocellular Carcinoma" means more than HCC (metastatic liver
    cancer too): a title naming HCC does not narrow it."""
    ann = annotate(_record("CAR-T Cells for Hepatocellular Carcinoma",
                           "Hepatocellular Carcinoma", "Liver Cancer", "Lymphoma"))
    assert [(c.as_written, c.term.key if c.term else None) for c in ann.conditions] == [
        ("Hepatocellular Carcinoma", "HCC"), ("Liver Cancer", "LIVER_CA"),
        ("Lymphoma", "LYMPHOMA")]


def test_the_annotator_and_the_question_parameters_read_a_whole_string_alike() -> None:
    """One rule (``names_as_a_whole``) says whether a string names its condition as a whole,
    for the title's narrowing and for a question's ``condition``: an abbreviation alone
    ("ALL") was a part to the annotator, so a title naming B-ALL did not narrow it."""
    from celltx.queries.params import condition_term

    ann = annotate(_record("CD19 CAR-T Cells in B-cell Acute Lymphoblastic Leukemia", "ALL"))
    assert [c.term.key for c in ann.conditions if c.term] == ["B_ALL"]
    for text, key in (("ALL", "ALL"), ("relapsed/refractory AML", "AML"),
                      ("Acute Myeloid Leukemia (AML)", "AML")):
        term = condition_term(text)
        assert term is not None and term.key == key, text
    # read from a part that names more than it: neither narrowed nor asked for
    assert condition_term("High Grade B-Cell Lymphoma") is None
    assert conditions_named("Multiple Myeloma (MM), Lymphoma, Large B-Cell, Diffuse (DLBCL)") == [
        "MM", "DLBCL"]


def test_a_titles_abbreviation_after_a_number_is_a_unit() -> None:
    """"Ketamine 300 MG" names no myasthenia gravis; "Mitoxantrone HCL" no hairy cell
    leukaemia."""
    for title in ("Ketamine 300 MG for Acute Pain", "Mitoxantrone HCL in Pain"):
        assert not [c for c in annotate(_record(title, "Acute Pain")).conditions if c.term]
    assert [c.term.key for c in annotate(_record("CAR-T Cells in Refractory MG")).conditions
            if c.term] == ["MG"]


def test_the_broad_conditions_are_the_table_s_groups() -> None:
    """A field of broad conditions takes the title's conditions (``BROAD_CONDITIONS``, chosen
    by hand): each is a row, and a field of a narrower group (B-cell NHL) is not broad, so a
    title's "Non-Hodgkin's" does not add Hodgkin lymphoma to it."""
    from celltx.ontology import vocab
    from celltx.ontology.annotate import BROAD_CONDITIONS

    assert set(vocab.conditions()) >= BROAD_CONDITIONS
    assert not {"B_NHL", "LUNG_CA", "GLIOMA", "DLBCL", "ALL"} & BROAD_CONDITIONS
    ann = annotate(_record("CAR-T Cells in Relapsed Non-Hodgkin's Lymphoma and Hodgkin Lymphoma",
                           "B-cell Non-Hodgkin Lymphoma"))
    assert "HL" not in {c.term.key for c in ann.conditions if c.term}
    # and "cancer" widens to the cancers, not to an infection in the title
    ann = annotate(_record("SARS-CoV-2 Vaccine in Patients With Lymphoma", "Cancer"))
    assert {c.term.key for c in ann.conditions if c.term} == {"CANCER", "LYMPHOMA"}


def test_what_a_condition_string_leaves_out_is_not_read() -> None:
    """"AML (Except Acute Promyelocytic Leukemia)" is no APL trial."""
    for text in ("Acute Myeloid Leukemia According to WHO 2016 (Except Acute Promyelocytic "
                 "Leukemia)", "Acute Myeloid Leukemia, Except Acute Promyelocytic Leukemia"):
        assert conditions_named(text) == ["AML"], text


def test_a_title_read_in_the_plural_keeps_its_words() -> None:
    ann = annotate(_record("CD19 CAR-T Cells for Relapsed B-cell Lymphomas", "Lymphoma"))
    assert [(c.as_written, c.term.key) for c in ann.conditions if c.term] == [
        ("B-cell Lymphomas", "B_NHL")]


def test_a_name_ending_in_a_digit_before_an_abbreviation_is_no_quantity() -> None:
    """"CART19 CLL": the CLL is read; "Ketamine 300 MG" is a dose."""
    ann = annotate(_record("UCART19 in CLL", "Refractory"))
    assert [c.term.key for c in ann.conditions if c.term] == ["CLL"]


def test_a_disease_named_with_non_is_not_that_disease() -> None:
    """"Non-Melanoma Skin Cancer" is no melanoma (a longer name with "non", "non-Hodgkin
    lymphoma", is read whole as before)."""
    assert "MELANOMA" not in conditions_named("Non-Melanoma Skin Cancer")
    assert conditions_named("Relapsed Non-Hodgkin Lymphoma") == ["NHL"]


def test_a_single_word_after_a_comma_is_its_own_disease() -> None:
    """"Leukemia/Lymphoma", "Leukemia and Lymphoma": the lymphoma of the leukaemia's lineage;
    "Acute Lymphoblastic Leukemia, Lymphomas": a leukaemia and lymphomas (not lymphoblastic
    lymphoma)."""
    assert conditions_named("Acute Lymphoblastic Leukemia ,Lymphomas") == ["ALL", "LYMPHOMA"]
    assert conditions_named("T-Cell Lymphoblastic Leukemia/Lymphoma") == ["T_ALL", "T_LBL"]
    assert conditions_named("Malignant B-cell Leukemia and Lymphoma") == ["B_LEUK", "B_NHL"]
