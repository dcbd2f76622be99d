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
])
def test_a_string_that_lists_diseases_names_each(text: str, keys: list[str]) -> None:
    assert conditions_named(text) == keys


def _record(title: str, *conditions: str) -> TrialRecord:
    prov = Provenance(path="t.json", format=SourceFormat.CTGOV_V2_JSON, record=0)
    return TrialRecord(nct_id="NCT09000001", brief_title=title, conditions=conditions,
                       provenance=prov)


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
    """"Leukemia", "Refractory Leukemia", "Leukemia, B-cell": the title names the disease."""
    ann = annotate(_record("CD19 CAR-T Cells for B-cell Acute Lymphoblastic Leukemia",
                           "Refractory Leukemia", "Leukemia, B-cell"))
    assert [(c.as_written, c.term.key if c.term else None) for c in ann.conditions] == [
        ("Refractory Leukemia", None), ("Leukemia, B-cell", None),
        ("B-cell Acute Lymphoblastic Leukemia", "B_ALL")]


def test_a_string_read_from_a_part_is_not_replaced_by_the_title() -> None:
    """"High Grade B-Cell Lymphoma" is read as B-cell lymphoma from its last words, but names
    a lymphoma of its own: a DLBCL in the title does not make it one."""
    ann = annotate(_record("CAR-T Cells for Diffuse Large B-cell Lymphoma",
                           "Diffuse Large B-Cell Lymphoma", "High Grade B-Cell Lymphoma",
                           "Blastic Plasmacytoid Dendritic Cell Neoplasm"))
    written = {c.as_written: (c.term.key if c.term else None) for c in ann.conditions}
    assert written == {"Diffuse Large B-Cell Lymphoma": "DLBCL",
                       "High Grade B-Cell Lymphoma": "B_NHL",
                       "Blastic Plasmacytoid Dendritic Cell Neoplasm": "NEOPLASM"}


def test_a_broad_condition_beside_a_narrower_one_of_the_field_is_kept() -> None:
    """"Liver Cancer" beside "Hepatocellular Carcinoma" means more than HCC (metastatic liver
    cancer too): a title naming HCC does not narrow it."""
    ann = annotate(_record("CAR-T Cells for Hepatocellular Carcinoma",
                           "Hepatocellular Carcinoma", "Liver Cancer", "Lymphoma"))
    assert [(c.as_written, c.term.key if c.term else None) for c in ann.conditions] == [
        ("Hepatocellular Carcinoma", "HCC"), ("Liver Cancer", "LIVER_CA"),
        ("Lymphoma", "LYMPHOMA")]
