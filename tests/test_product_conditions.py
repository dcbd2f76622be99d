"""Which of a trial's conditions each product is tested in (ontology/product_conditions.py):
in a trial of products aimed at antigens of different lineages, each product is tested in the
conditions of its targets' lineage and in those of no known lineage; elsewhere in all of the
trial's conditions. The graph links each product to them (``TESTED_IN``)."""

from __future__ import annotations

import pytest
from celltx.graph.merge import merge_records
from celltx.graph.trial_graph import TrialGraph
from celltx.ontology.annotate import annotate
from celltx.ontology.product_conditions import RULE, target_lineages
from celltx.ontology.terms import Product, TrialAnnotation
from celltx.ontology.vocab import targets

from celltx.models import Intervention, Provenance, SourceFormat, TrialRecord


def _record(interventions: tuple[str, ...], conditions: tuple[str, ...]) -> TrialRecord:
    return TrialRecord(
        nct_id="NCT09000004", brief_title="CAR-T Cells in Relapsed Malignancies",
        conditions=conditions,
        interventions=tuple(Intervention(type="BIOLOGICAL", name=n) for n in interventions),
        provenance=Provenance(path="t.json", format=SourceFormat.CTGOV_V2_JSON, record=0))


def _tested_in(ann: TrialAnnotation) -> dict[tuple[str, ...], list[str]]:
    """Each product's target keys -> the condition keys it is tested in ([] = all)."""
    def keys(product: Product) -> tuple[str, ...]:
        return tuple(sorted(t.key for t in product.targets))
    return {keys(p): [c.term.key if c.term else c.as_written for c in p.tested_in]
            for p in ann.products}


@pytest.mark.parametrize(("interventions", "conditions", "expected"), [
    # a basket: a B-cell and a plasma-cell target, in a B-cell and a plasma-cell disease
    (("CD19 CAR-T cells", "BCMA CAR-T cells"),
     ("Diffuse Large B-cell Lymphoma", "Multiple Myeloma"),
     {("CD19",): ["DLBCL"], ("TNFRSF17",): ["MM"]}),
    # a myeloid and a T-cell target; a condition of no lineage is every product's
    (("CD33 CAR-T cells", "CD5 CAR-T cells"),
     ("Acute Myeloid Leukemia", "T-cell Acute Lymphoblastic Leukemia",
      "Hematologic Malignancies"),
     {("CD33",): ["AML", "HEME_MALIG"], ("CD5",): ["T_ALL", "HEME_MALIG"]}),
    # a target of two lineages (CD7: T-cell and CD7-positive myeloid disease) keeps both
    (("CD33 CAR-T cells", "CD7 CAR-T cells"),
     ("Acute Myeloid Leukemia", "T-cell Acute Lymphoblastic Leukemia"),
     {("CD33",): ["AML"], ("CD7",): []}),
    # a dual construct's lineage is the one its targets share (BCMA/CD38: plasma cell)
    (("BCMA/CD38 dual-target CAR-T cells", "CD33 CAR-T cells"),
     ("Multiple Myeloma", "Acute Myeloid Leukemia"),
     {("CD38", "TNFRSF17"): ["MM"], ("CD33",): ["AML"]}),
    # AL amyloidosis is a plasma-cell disease (NCIt: a monoclonal immunoglobulin deposition
    # disease under plasma cell neoplasm), as myeloma is
    (("BCMA CAR-T cells", "CD19 CAR-T cells"),
     ("AL Amyloidosis", "Multiple Myeloma", "Diffuse Large B-cell Lymphoma"),
     {("TNFRSF17",): ["AMYLOID_AL", "MM"], ("CD19",): ["DLBCL"]}),
    # a solid-tumour antigen beside a haematological one
    (("CD19 CAR-T cells", "GPC3 CAR-T cells"),
     ("B-cell Lymphoma", "Hepatocellular Carcinoma"),
     {("CD19",): ["B_NHL"], ("GPC3",): ["HCC"]}),
])
def test_products_of_different_lineages_are_tested_in_their_own_conditions(
        interventions: tuple[str, ...], conditions: tuple[str, ...],
        expected: dict[tuple[str, ...], list[str]]) -> None:
    ann = annotate(_record(interventions, conditions))
    assert _tested_in(ann) == expected
    for product in ann.products:
        if product.tested_in:  # explained: the rule and the conditions as written
            assert product.tested_in_evidence is not None
            assert product.tested_in_evidence.rule == RULE
            assert product.tested_in_evidence.field == "conditions"
            assert all(c.as_written in product.tested_in_evidence.text
                       for c in product.tested_in)
        else:
            assert product.tested_in_evidence is None


@pytest.mark.parametrize(("interventions", "conditions"), [
    # one lineage: every product in every condition
    (("CD19 CAR-T cells", "CD22 CAR-T cells"),
     ("B-cell Acute Lymphoblastic Leukemia", "Diffuse Large B-cell Lymphoma")),
    # a CD19 product given beside a solid-tumour one is tested in the solid tumours: no
    # condition of its own lineage says otherwise
    (("CD19 CAR-T cells", "B7-H3 CAR-T cells"), ("Neuroblastoma", "Osteosarcoma")),
    # autoimmune diseases have no lineage
    (("CD19 CAR-T cells", "BCMA CAR-T cells"),
     ("Systemic Lupus Erythematosus", "Myasthenia Gravis")),
    # one product
    (("CD19 CAR-T cells",), ("Diffuse Large B-cell Lymphoma", "Multiple Myeloma")),
])
def test_otherwise_every_product_is_tested_in_every_condition(
        interventions: tuple[str, ...], conditions: tuple[str, ...]) -> None:
    ann = annotate(_record(interventions, conditions))
    assert len(ann.products) == len(interventions)
    assert all(not p.tested_in and p.tested_in_evidence is None for p in ann.products)


def test_the_graph_links_each_product_to_the_conditions_it_is_tested_in() -> None:
    rec = _record(("CD19 CAR-T cells", "BCMA CAR-T cells", "CD30 CAR-T cells"),
                  ("Diffuse Large B-cell Lymphoma", "Multiple Myeloma"))
    graph = TrialGraph()
    trial = graph.add_trial(merge_records([rec]), annotate(rec))
    studied = {c for c, _ in graph.out(trial, "STUDIES")}
    tested = {graph.g.nodes[p]["name"]: (sorted(graph.g.nodes[c]["name"]
                                                for c, _ in graph.out(p, "TESTED_IN")),
                                         graph.g.nodes[p].get("tested_in_rule"))
              for p, _ in graph.out(trial, "HAS_PRODUCT")}
    assert len(studied) == 2
    assert tested["CD19 CAR-T cells"] == (["diffuse large B-cell lymphoma"], RULE)
    assert tested["BCMA CAR-T cells"] == (["plasma cell myeloma"], RULE)
    assert tested["CD30 CAR-T cells"] == (  # a target of no known lineage: every condition
        ["diffuse large B-cell lymphoma", "plasma cell myeloma"], None)


def test_every_lineage_row_names_a_target_of_the_table() -> None:
    allowed = {"B", "plasma", "T", "myeloid", "solid"}
    assert set(target_lineages()) <= set(targets())
    assert all(lineages and lineages <= allowed for lineages in target_lineages().values())


def test_explain_says_which_conditions_a_product_is_tested_in() -> None:
    from celltx.graph.trial_graph import describe_trial

    from celltx.cli.explain import explanation

    rec = _record(("CD19 CAR-T cells", "BCMA CAR-T cells"),
                  ("Diffuse Large B-cell Lymphoma", "Multiple Myeloma"))
    graph = TrialGraph()
    graph.add_trial(merge_records([rec]), annotate(rec))
    view = describe_trial(graph, "NCT09000004")
    assert view is not None
    by_name = {p["name"]: p for p in view["products"]}
    assert by_name["BCMA CAR-T cells"]["tested_in"] == ["plasma cell myeloma"]
    assert by_name["BCMA CAR-T cells"]["evidence"]["tested_in"]["text"] == "Multiple Myeloma"
    lines = explanation({"nct_id": "NCT09000004", **view})
    assert any(line.strip().startswith("tested in plasma cell myeloma  [target_lineage")
               for line in lines)


def test_the_trials_behind_a_count_are_those_the_questions_count() -> None:
    """``KnowledgeGraph.trials`` (``celltx trials``) asks the same product-level question as
    the stored questions: the basket trial is a myeloma trial for BCMA, not a lymphoma one."""
    from celltx.queries.run import run_query

    from celltx.api import KnowledgeGraph

    rec = _record(("CD19 CAR-T cells", "BCMA CAR-T cells"),
                  ("Diffuse Large B-cell Lymphoma", "Multiple Myeloma"))
    graph = TrialGraph()
    graph.add_trial(merge_records([rec]), annotate(rec))
    kg = KnowledgeGraph(graph)
    nct = ["NCT09000004"]
    assert [t.nct_id for t in kg.trials(target="BCMA", condition="myeloma")] == nct
    assert [t.nct_id for t in kg.trials(target="BCMA", condition="DLBCL")] == []
    assert [t.nct_id for t in kg.trials(target="CD19", condition="DLBCL")] == nct
    assert [t.nct_id for t in kg.trials(condition="DLBCL")] == nct  # a product is tested in it
    assert [t.nct_id for t in kg.trials(target="BCMA", condition_category="haematological")
            ] == nct
    rows = run_query("trials_per_target", {"condition": "DLBCL"}, engine="python",
                     graph=graph).rows
    assert [r[0] for r in rows] == ["CD19"]


def test_a_reports_condition_view_holds_the_products_tested_in_it() -> None:
    """The HTML report's view of a condition answers its charts on the products tested in it:
    the basket trial is in the myeloma view with its BCMA product only."""
    from celltx.report import condition_views

    rec = _record(("CD19 CAR-T cells", "BCMA CAR-T cells"),
                  ("Diffuse Large B-cell Lymphoma", "Multiple Myeloma"))
    graph = TrialGraph()
    graph.add_trial(merge_records([rec]), annotate(rec))
    for asked, name, target in (("myeloma", "BCMA CAR-T cells", "Target:TNFRSF17"),
                                ("DLBCL", "CD19 CAR-T cells", "Target:CD19")):
        (view,) = condition_views(graph, [asked])
        assert view.trials == 1
        assert [d["name"] for _, d in view.graph.nodes("Product")] == [name]
        assert [n for n, _ in view.graph.nodes("Target")] == [target]
    everything = condition_views(graph)[0]
    assert len(list(everything.graph.nodes("Product"))) == 2


def test_a_target_id_asked_is_that_target_only() -> None:
    """EGFR asked is EGFR, not also EGFRvIII (whose gene symbol is EGFR), as in the stored
    questions that count by target id; BCMA, a synonym, still finds TNFRSF17."""
    from celltx.api import KnowledgeGraph

    graph = TrialGraph()
    for nct, name in (("NCT09000005", "EGFRvIII CAR-T cells"), ("NCT09000006", "EGFR CAR-T cells"),
                      ("NCT09000007", "BCMA CAR-T cells")):
        rec = _record((name,), ("Glioblastoma",)).model_copy(update={"nct_id": nct})
        graph.add_trial(merge_records([rec]), annotate(rec))
    kg = KnowledgeGraph(graph)
    assert [t.nct_id for t in kg.trials(target="EGFR")] == ["NCT09000006"]
    assert [t.nct_id for t in kg.trials(target="EGFRvIII")] == ["NCT09000005"]
    assert [t.nct_id for t in kg.trials(target="BCMA")] == ["NCT09000007"]
