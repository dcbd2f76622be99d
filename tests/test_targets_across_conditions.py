"""A trial that tests products of different targets in unrelated conditions (an umbrella trial)
is flagged when their targets' lineages cannot tell which product is tested in which condition:
an answer that pairs a target with a condition then credits each target to each condition
(the analyst probe: CD19 and BCMA counted as AML targets through one such trial). Where the
lineages tell them apart, each product is tested in its own conditions and nothing is flagged
(tests/test_product_conditions.py)."""

from __future__ import annotations

from celltx.ontology.annotate import annotate

from celltx.models import Intervention, Provenance, SourceFormat, TrialRecord

FLAG = "targets_across_conditions"


def _flags(interventions: tuple[str, ...], conditions: tuple[str, ...]) -> tuple[str, ...]:
    record = TrialRecord(
        nct_id="NCT09000003", brief_title="CAR-T Cells in Haematological Malignancies",
        conditions=conditions,
        interventions=tuple(Intervention(type="BIOLOGICAL", name=n) for n in interventions),
        provenance=Provenance(path="t.json", format=SourceFormat.CTGOV_V2_JSON, record=0))
    return annotate(record).quality_flags


def test_products_of_different_targets_in_unrelated_conditions_are_flagged() -> None:
    # two B-cell targets in two B-cell diseases, neither of which holds the other
    assert FLAG in _flags(("CD19 CAR-T cells", "CD22 CAR-T cells"),
                          ("Diffuse Large B-cell Lymphoma", "B-cell Acute Lymphoblastic Leukemia"))
    # autoimmune diseases have no lineage to tell B-cell and plasma-cell targets apart
    assert FLAG in _flags(("CD19 CAR-T cells", "BCMA CAR-T cells"),
                          ("Systemic Lupus Erythematosus", "Myasthenia Gravis"))


def test_a_product_the_lineages_leave_in_every_condition_is_flagged() -> None:
    # CD30 has no lineage row: its product is still credited to myeloma and DLBCL
    assert FLAG in _flags(("CD19 CAR-T cells", "BCMA CAR-T cells", "CD30 CAR-T cells"),
                          ("Diffuse Large B-cell Lymphoma", "Multiple Myeloma",
                           "Hodgkin Lymphoma"))


def test_lineages_that_tell_the_products_apart_are_not() -> None:
    assert FLAG not in _flags(("CD19 CAR-T cells", "BCMA CAR-T cells"),
                              ("Diffuse Large B-cell Lymphoma", "Multiple Myeloma"))


def test_one_target_or_one_line_of_conditions_is_not() -> None:
    # one target in two diseases: every pair the graph makes is stated
    assert FLAG not in _flags(("CD19 CAR-T cells",), ("B-cell Acute Lymphoblastic Leukemia",
                                                      "Diffuse Large B-cell Lymphoma"))
    # two targets in a condition and a narrower one of it: one disease, said twice
    assert FLAG not in _flags(("CD19 CAR-T cells", "CD22 CAR-T cells"),
                              ("Acute Lymphoblastic Leukemia",
                               "B-cell Acute Lymphoblastic Leukemia"))
