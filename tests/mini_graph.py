"""A small hand-annotated trial graph for tests of writers and queries.

Six trials modelled on the seed trials and a few classics, annotated by hand (not by the
normaliser), so that tests of the Cypher, SPARQL and Python layers do not depend on it.
"""

from __future__ import annotations

from celltx.graph.merge import merge_records
from celltx.graph.trial_graph import TrialGraph
from celltx.ontology.terms import (
    AgentUse,
    ConditionMatch,
    OrganizationTerm,
    Product,
    TargetTerm,
    Term,
    TrialAnnotation,
)

from celltx.models import Location, Provenance, SourceFormat, Sponsor, TrialRecord


def _target(key: str, symbol: str, hgnc: str | None, kind: str = "protein") -> TargetTerm:
    return TargetTerm(key=key, symbol=symbol, label=symbol, kind=kind,
                      hgnc_id=f"HGNC:{hgnc}" if hgnc else None,
                      iri=f"https://identifiers.org/hgnc:{hgnc}" if hgnc else None,
                      curie=f"HGNC:{hgnc}" if hgnc else None)


CD33 = _target("CD33", "CD33", "1659")
CLL1 = _target("CLL1", "CLEC12A", "31713")
CD38 = _target("CD38", "CD38", "1667")
DLL3 = _target("DLL3", "DLL3", "2909")
CD56 = _target("CD56", "NCAM1", "7656")
CD19 = _target("CD19", "CD19", "1633")
GD2 = TargetTerm(key="GD2", symbol="GD2", label="GD2 ganglioside", kind="glycolipid",
                 iri="http://purl.obolibrary.org/obo/NCIT_C1110", curie="NCIT:C1110")


def _cell(curie: str, label: str) -> Term:
    return Term(key=curie, label=label, curie=curie,
                iri="http://purl.obolibrary.org/obo/" + curie.replace(":", "_"))


NK = _cell("CL:0000623", "natural killer cell")
T = _cell("CL:0000084", "T cell")
INKT = _cell("CL:0000921", "type I NK T cell")


def _cond(curie: str, label: str, category: str, *synonyms: str) -> Term:
    return Term(key=curie, label=label, curie=curie,
                iri="http://purl.obolibrary.org/obo/" + curie.replace(":", "_"),
                category=category, synonyms=synonyms)


AML = _cond("MONDO:0018874", "acute myeloid leukemia", "haematological", "AML")
SCLC = _cond("MONDO:0008433", "small cell lung carcinoma", "solid", "SCLC")
HCC = _cond("MONDO:0007256", "hepatocellular carcinoma", "solid", "HCC")
BALL = _cond("MONDO:0004947", "B-cell acute lymphoblastic leukemia", "haematological", "B-ALL")

PHASES = {
    "PHASE1": Term(key="PHASE1", label="Phase 1", curie="NCIT:C15600",
                   iri="http://purl.obolibrary.org/obo/NCIT_C15600"),
    "PHASE1|PHASE2": Term(key="PHASE1|PHASE2", label="Phase 1/Phase 2", curie="NCIT:C15693",
                          iri="http://purl.obolibrary.org/obo/NCIT_C15693"),
    "PHASE2": Term(key="PHASE2", label="Phase 2", curie="NCIT:C15601",
                   iri="http://purl.obolibrary.org/obo/NCIT_C15601"),
}
FLU = Term(key="NCIT:C1094", label="fludarabine", curie="NCIT:C1094",
           iri="http://purl.obolibrary.org/obo/NCIT_C1094")
CY = Term(key="NCIT:C405", label="cyclophosphamide", curie="NCIT:C405",
          iri="http://purl.obolibrary.org/obo/NCIT_C405")
IL2 = Term(key="NCIT:C1498", label="aldesleukin", curie="NCIT:C1498",
           iri="http://purl.obolibrary.org/obo/NCIT_C1498")


def _org(name: str, org_class: str, role: str = "lead") -> OrganizationTerm:
    return OrganizationTerm(as_written=name, key=name.lower().replace(" ", "-"), name=name,
                            org_class=org_class, role=role)  # type: ignore[arg-type]


TRIALS: list[tuple[dict, TrialAnnotation]] = [  # type: ignore[type-arg]
    (
        dict(nct_id="NCT05008575", brief_title="Anti-CD33 CAR NK Cells in r/r AML",
             overall_status="RECRUITING", start_date="2021-09", phases=("PHASE1",),
             enrollment=27, conditions=("Leukemia, Myeloid, Acute",),
             lead_sponsor=Sponsor(name="Xinqiao Hospital of Chongqing", sponsor_class="OTHER"),
             locations=(Location(facility="Xinqiao Hospital", city="Chongqing",
                                 country="China"),)),
        TrialAnnotation(
            started=True, started_rule="status started",
            is_cell_therapy=True,
            products=(Product(name="anti-CD33 CAR NK cells", platform="CAR-NK", receptor="CAR",
                              cell_type=NK, construct_kind="single", targets=(CD33,)),),
            conditions=(ConditionMatch(as_written="Leukemia, Myeloid, Acute", term=AML),),
            organizations=(_org("Xinqiao Hospital of Chongqing", "academic"),),
            phase=PHASES["PHASE1"], location_countries=("CN",),
            agents=(AgentUse(term=FLU, role="lymphodepletion", as_written="Fludarabine"),
                    AgentUse(term=CY, role="lymphodepletion", as_written="Cytoxan")),
        ),
    ),
    (
        dict(nct_id="NCT06880354",
             brief_title="CLL1 and CD38 Dual-Target CAR-T Cell Injection in r/r AML",
             overall_status="RECRUITING", start_date="2025-03-01", phases=("PHASE1",),
             enrollment=30, conditions=("Acute Myeloid Leukemia",),
             lead_sponsor=Sponsor(name="Institute of Hematology & Blood Diseases Hospital",
                                  sponsor_class="OTHER"),
             locations=(Location(facility="IHBDH", city="Tianjin", country="China"),)),
        TrialAnnotation(
            started=True, started_rule="status started",
            is_cell_therapy=True,
            products=(Product(name="CLL1/CD38 dual-target CAR-T", platform="CAR-T",
                              receptor="CAR", cell_type=T, source="autologous",
                              construct_kind="dual", targets=(CLL1, CD38)),),
            conditions=(ConditionMatch(as_written="Acute Myeloid Leukemia", term=AML),),
            organizations=(_org("Institute of Hematology & Blood Diseases Hospital",
                                "academic"),),
            phase=PHASES["PHASE1"], location_countries=("CN",),
        ),
    ),
    (
        dict(nct_id="NCT07480213",
             brief_title="Adaptive Phase 1/2 Study of Dual-Target CAR-NK Cells in r/r SCLC",
             overall_status="RECRUITING", start_date="2026-02-02", start_date_type="ESTIMATED",
             phases=("PHASE1", "PHASE2"),
             enrollment=60, conditions=("Small Cell Lung Cancer",),
             lead_sponsor=Sponsor(name="Example Biotech", sponsor_class="INDUSTRY"),
             locations=(Location(facility="Shanghai Chest Hospital", city="Shanghai",
                                 country="China"),)),
        TrialAnnotation(
            started=False, started_rule="start date anticipated",
            is_cell_therapy=True, several_candidates=True,
            products=tuple(
                Product(name=f"{a.key}/{b.key} CAR-NK", platform="CAR-NK", receptor="CAR",
                        cell_type=NK, source="allogeneic", construct_kind="dual", targets=(a, b))
                for a, b in ((DLL3, CD56), (DLL3, GD2), (CD56, GD2))
            ),
            conditions=(ConditionMatch(as_written="Small Cell Lung Cancer", term=SCLC),),
            organizations=(_org("Example Biotech", "industry"),),
            phase=PHASES["PHASE1|PHASE2"], location_countries=("CN",),
        ),
    ),
    (
        dict(nct_id="NCT04011033",
             brief_title="Adoptive Transfer of iNKT Cells Combined With TAE/TACE in HCC",
             overall_status="COMPLETED", start_date="2019-07-01", phases=("PHASE2",),
             enrollment=60, conditions=("Hepatocellular Carcinoma",),
             lead_sponsor=Sponsor(name="Capital Medical University", sponsor_class="OTHER"),
             locations=(Location(facility="Beijing Youan Hospital", city="Beijing",
                                 country="China"),)),
        TrialAnnotation(
            started=True, started_rule="status started",
            is_cell_therapy=True,
            products=(Product(name="iNKT cells", platform="iNKT", receptor="none",
                              cell_type=INKT, source="autologous"),),
            conditions=(ConditionMatch(as_written="Hepatocellular Carcinoma", term=HCC),),
            organizations=(_org("Capital Medical University", "academic"),),
            phase=PHASES["PHASE2"], location_countries=("CN",),
            agents=(AgentUse(term=IL2, role="cytokine", as_written="Interleukin-2"),),
        ),
    ),
    (
        dict(nct_id="NCT02000001", brief_title="CD19 CAR-T in B-ALL",
             overall_status="ACTIVE_NOT_RECRUITING", start_date="2015-05", phases=("PHASE2",),
             enrollment=100, conditions=("B-cell Acute Lymphoblastic Leukemia",),
             lead_sponsor=Sponsor(name="Example Pharma", sponsor_class="INDUSTRY"),
             collaborators=(Sponsor(name="Capital Medical University", sponsor_class="OTHER"),),
             locations=(Location(facility="Boston Hospital", city="Boston",
                                 country="United States"),
                        Location(facility="Xinqiao Hospital", city="Chongqing",
                                 country="China"))),
        TrialAnnotation(
            started=True, started_rule="status started",
            is_cell_therapy=True,
            products=(Product(name="CD19 CAR-T", platform="CAR-T", receptor="CAR", cell_type=T,
                              source="autologous", construct_kind="single",
                              targets=(CD19,)),),
            conditions=(ConditionMatch(as_written="B-cell Acute Lymphoblastic Leukemia",
                                       term=BALL),),
            organizations=(_org("Example Pharma", "industry"),
                           _org("Capital Medical University", "academic", "collaborator")),
            phase=PHASES["PHASE2"], location_countries=("US", "CN"),
            agents=(AgentUse(term=FLU, role="lymphodepletion", as_written="fludarabine"),),
        ),
    ),
    (
        dict(nct_id="NCT02000002", brief_title="CD33 CAR-T for AML",
             overall_status="UNKNOWN", start_date="2016", phases=("PHASE1",),
             conditions=("AML",),
             lead_sponsor=Sponsor(name="Example Pharma", sponsor_class="INDUSTRY")),
        TrialAnnotation(  # (a status that cannot say whether it started)
            is_cell_therapy=True,
            products=(Product(name="CD33 CAR-T", platform="CAR-T", receptor="CAR", cell_type=T,
                              source="autologous", construct_kind="single", targets=(CD33,)),),
            conditions=(ConditionMatch(as_written="AML", term=AML),),
            organizations=(_org("Example Pharma", "industry"),),
            phase=PHASES["PHASE1"],
        ),
    ),
    (
        dict(nct_id="NCT02000003",
             brief_title="Chemotherapy for hemophagocytic lymphohistiocytosis",
             overall_status="COMPLETED", start_date="2014-01", phases=("PHASE2",),
             conditions=("Hemophagocytic Lymphohistiocytosis",),
             lead_sponsor=Sponsor(name="Capital Medical University", sponsor_class="OTHER")),
        TrialAnnotation(
            started=True, started_rule="status started",
            is_cell_therapy=False,
            conditions=(ConditionMatch(as_written="Hemophagocytic Lymphohistiocytosis"),),
            organizations=(_org("Capital Medical University", "academic"),),
            phase=PHASES["PHASE2"],
        ),
    ),
]


ELIGIBILITY: dict[str, dict[str, object]] = {
    "NCT05008575": {"ecog_max": 2, "excludes_prior_car_t": True},
    "NCT06880354": {"ecog_max": 1, "excludes_prior_car_t": False},
    "NCT02000002": {"ecog_max": 3},
    "NCT02000001": {"ecog_max": 2, "excludes_prior_car_t": True},
}
"""Eligibility summaries set on Trial nodes after building, as the eligibility extractor does."""


def build_mini_graph() -> TrialGraph:
    graph = TrialGraph()
    for i, (fields, ann) in enumerate(TRIALS):
        rec = TrialRecord(provenance=Provenance(path="mini.json", format=SourceFormat.CTGOV_V2_JSON,
                                                record=i), **fields)
        graph.add_trial(merge_records([rec]), ann)
    for nct_id, summary in ELIGIBILITY.items():
        graph.g.nodes[f"Trial:{nct_id}"].update(summary)
    return graph
