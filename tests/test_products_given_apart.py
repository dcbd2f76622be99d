"""Antigens written as one construct ("CD146/HER2 CAR-T cells") that the record gives apart
("sequential infusion of ... CD146-specific and HER2-specific CAR-T cells") are one product
each, not a dual construct (the class an analyst's probe found among the dual-target rows)."""

from __future__ import annotations

from celltx.ontology.annotate import annotate

from celltx.models import Intervention, Provenance, SourceFormat, TrialRecord


def _record(name: str, summary: str) -> TrialRecord:
    return TrialRecord(
        nct_id="NCT09000002", brief_title=f"{name} in Advanced Solid Tumors",
        brief_summary=summary,
        interventions=(Intervention(type="BIOLOGICAL", name=name),),
        provenance=Provenance(path="t.json", format=SourceFormat.CTGOV_V2_JSON, record=0))


def _products(name: str, summary: str) -> list[tuple[str | None, list[str]]]:
    return sorted((p.construct_kind, sorted(t.symbol for t in p.targets))
                  for p in annotate(_record(name, summary)).products)


def test_a_construct_given_apart_is_one_product_per_antigen() -> None:
    record = _record("CD146/HER2 CAR-T cells", "Patients then receive sequential infusion of "
                     "autologous CD146-specific and HER2-specific CAR-T cells.")
    for product in annotate(record).products:  # the sentence that gives them apart, as evidence
        assert product.construct_evidence is not None
        assert product.construct_evidence.rule == "antigens of a written construct given apart"
        assert product.construct_evidence.text.startswith("Patients then receive sequential")
    for name, summary in [
        ("CD146/HER2 CAR-T cells", "Patients receive cyclophosphamide and fludarabine, "
         "followed by sequential infusion of autologous CD146-specific and HER2-specific "
         "CAR-T cells."),
        ("CD123/CD33 CART", "Patients receive CAR-T cells targeting CD33 or CD123 or both "
         "sequentially."),
        ("Mesothelin and Claudin 18.2 CAR-T cells", "CARs targeting Mesothelin and Claudin "
         "18.2 are administered as two separate infusions."),
    ]:
        found = _products(name, summary)
        assert len(found) == 2 and all(kind == "single" for kind, _ in found), (name, found)


def test_a_dual_construct_stays_one_when_the_sentence_says_so() -> None:
    """A dual-construct word in the same sentence, no word of apartness, or a product of the
    code table (a tandem CAR by its maker's description) keep the construct."""
    assert _products("CD146/HER2 CAR-T cells", "Sequential dosing of bispecific CD146/HER2 "
                     "CAR-T cells.") == [("dual", ["ERBB2", "MCAM"])]
    assert _products("CD146/HER2 CAR-T cells", "Infusion of CD146/HER2 CAR-T cells.") == [
        ("dual", ["ERBB2", "MCAM"])]
    assert _products("MB-CART2019.1", "Sequential cohorts receive MB-CART2019.1 targeting CD20 "
                     "and CD19.") == [("dual", ["CD19", "MS4A1"])]
