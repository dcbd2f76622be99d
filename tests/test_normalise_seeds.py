"""The four seed trials come out exactly as the issue lists them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from celltx.loaders.ctgov_v2 import study_to_record
from celltx.ontology.annotate import annotate, organization_key
from celltx.ontology.terms import TrialAnnotation

from celltx.models import Provenance, SourceFormat, TrialRecord

SEEDS = Path(__file__).parent / "fixtures" / "normalise" / "seed_trials.json"


@pytest.fixture(scope="module")
def seeds() -> dict[str, tuple[TrialRecord, TrialAnnotation]]:
    out = {}
    for i, study in enumerate(json.loads(SEEDS.read_text(encoding="utf-8"))):
        rec = study_to_record(study, Provenance(path=str(SEEDS), format=SourceFormat.CTGOV_V2_JSON,
                                                record=i))
        assert isinstance(rec, TrialRecord)
        out[rec.nct_id or ""] = (rec, annotate(rec))
    return out


def _targets(ann: TrialAnnotation) -> list[list[str]]:
    return sorted(sorted(t.symbol for t in p.targets) for p in ann.products)


def test_cd33_car_nk_in_aml_with_flu_cy(seeds: dict) -> None:
    _, ann = seeds["NCT05008575"]
    assert ann.is_cell_therapy
    assert [p.platform for p in ann.products] == ["CAR-NK"]
    assert _targets(ann) == [["CD33"]]
    assert ann.products[0].targets[0].iri == "https://identifiers.org/hgnc:1659"
    assert ann.products[0].cell_type is not None
    assert ann.products[0].cell_type.iri == "http://purl.obolibrary.org/obo/CL_0000623"
    assert [c.term.key if c.term else None for c in ann.conditions] == ["AML"]
    assert ann.conditions[0].term.curie == "MONDO:0018874"  # type: ignore[union-attr]
    assert [o.name for o in ann.organizations] == ["Xinqiao Hospital of Chongqing"]
    assert {a.term.key for a in ann.agents} == {"FLUDARABINE", "CYCLOPHOSPHAMIDE"}
    assert all(a.role == "lymphodepletion" for a in ann.agents)


def test_one_dual_clec12a_cd38_car_t(seeds: dict) -> None:
    _, ann = seeds["NCT06880354"]
    assert len(ann.products) == 1
    product = ann.products[0]
    assert (product.platform, product.construct_kind) == ("CAR-T", "dual")
    assert sorted(t.symbol for t in product.targets) == ["CD38", "CLEC12A"]
    assert ann.phase is not None and ann.phase.curie == "NCIT:C15600"
    assert ann.organizations[0].name == "Institute of Hematology & Blood Diseases Hospital"
    assert ann.conditions[0].term is not None and ann.conditions[0].term.key == "AML"


def test_three_candidate_dual_car_nk_constructs_in_sclc(seeds: dict) -> None:
    _, ann = seeds["NCT07480213"]
    assert ann.several_candidates
    assert {p.platform for p in ann.products} == {"CAR-NK"}
    assert {p.construct_kind for p in ann.products} == {"dual"}
    assert {p.source for p in ann.products} == {"allogeneic"}
    assert _targets(ann) == [["DLL3", "GD2"], ["DLL3", "NCAM1"], ["GD2", "NCAM1"]]
    gd2 = next(t for p in ann.products for t in p.targets if t.key == "GD2")
    assert (gd2.kind, gd2.iri) == ("glycolipid", "http://purl.obolibrary.org/obo/NCIT_C1110")
    assert ann.phase is not None and ann.phase.key == "PHASE1|PHASE2"
    assert {c.term.key for c in ann.conditions if c.term} == {"SCLC"}
    assert next(p for p in ann.products if p.code).code == "EB-DART-NK01"


def test_autologous_inkt_with_tace_and_il2_in_hcc(seeds: dict) -> None:
    rec, ann = seeds["NCT04011033"]
    assert [(p.platform, p.source, p.targets) for p in ann.products] == [
        ("iNKT", "autologous", ())]
    assert ann.products[0].cell_type.curie == "CL:0000921"  # type: ignore[union-attr]
    assert {a.term.key for a in ann.agents} >= {"TACE", "TAE", "IL2"}
    assert ann.phase is not None and ann.phase.key == "PHASE2"
    assert rec.allocation == "RANDOMIZED"
    assert ann.organizations[0].name == "Capital Medical University"
    assert ann.conditions[0].term is not None and ann.conditions[0].term.curie == "MONDO:0007256"


def test_sponsor_spellings_share_one_key() -> None:
    assert organization_key("National Cancer Institute (NCI)") == organization_key(
        "National Cancer Institute")
    assert organization_key("National Cancer Institute, France") != organization_key(
        "National Cancer Institute")
    # words run together or apart, however the registry spelt them, are one sponsor
    for one, other in (("su haichuan", "suhaichuan"),
                       ("Huo-Shen-Shan Hospital", "Huoshenshan Hospital"),
                       ("Ruijin Hospital, Shanghai Jiao Tong University School of Medicine",
                        "Ruijin Hospital, Shanghai Jiaotong University School of Medicine")):
        assert organization_key(one) == organization_key(other)
    assert organization_key("Jiao Tong University") != organization_key("Tongji University")
