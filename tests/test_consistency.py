"""Label-free consistency checks (``ontology/consistency.py``) on the bundled sample: check (a)
finds at most 0.5 % of engineered trials, and every remaining case of (b)–(d) is named here as a
known disagreement, with why. ``python bench/consistency.py`` prints the same lists."""

from __future__ import annotations

from collections import defaultdict

import pytest
from celltx.loaders import read_paths
from celltx.ontology.annotate import annotate
from celltx.ontology.consistency import Findings, check

from celltx.models import TrialRecord
from celltx.pipeline import sample_paths

KNOWN_TITLE_PLATFORM = {
    # the intervention is named "T-cell Receptor-engineered T-cells" while the title and the
    # summary describe an L1CAM CAR: the record contradicts itself, and the intervention's own
    # words outrank the title
    "NCT06094842",
    # "PD-L1 t-haNK": an NK-92-derived CAR-NK whose intervention name says only "haNK", an
    # unmodified-NK cue that outranks the title's CAR-NK
    "NCT04847466",
}
KNOWN_CODE_CONFLICTS = {
    # one record writes "anti-CD19 and anti-CD22 chimeric antigen receptor-expressing T cells"
    # (each antigen with its own cue: two products), the other "bispecific CD19/CD22-directed"
    # (one dual construct); the words differ, so do the readings
    "CD19X22",
}
KNOWN_RECORD_CONFLICTS = {
    # the sparse registry snapshot lacks the words the full record has:
    "NCT06372236",  # the full record's detailed description names the CAR-T cells
    "NCT06694298",  # the official title ("BCMA Chimeric Antigen Receptor T Cell") is only in full
    "NCT06912152",  # B7-H3 is named only in the full record's detailed description
}


@pytest.fixture(scope="module")
def findings() -> Findings:
    by_nct: dict[str, list[TrialRecord]] = defaultdict(list)
    for _src, _fmt, records in read_paths(sample_paths()):
        for r in records:
            if isinstance(r, TrialRecord) and r.nct_id:
                by_nct[r.nct_id].append(r)
    newest = {n: max(rs, key=lambda r: r.last_update or "") for n, rs in by_nct.items()}
    return check(((r, annotate(r)) for r in newest.values()), by_nct)


def test_engineered_products_without_a_target_although_an_antigen_is_written(
        findings: Findings) -> None:
    assert findings.engineered_trials > 2000
    assert len(findings.untargeted) <= 0.005 * findings.engineered_trials, findings.untargeted


def test_title_platform_disagreements_are_known(findings: Findings) -> None:
    assert {n for n, _ in findings.title_platform} == KNOWN_TITLE_PLATFORM


def test_product_code_disagreements_are_known(findings: Findings) -> None:
    assert {c for c, _ in findings.code_conflicts} == KNOWN_CODE_CONFLICTS


def test_sparse_and_full_records_disagree_only_where_known(findings: Findings) -> None:
    assert {n for n, _ in findings.record_conflicts} == KNOWN_RECORD_CONFLICTS


def test_the_checks_find_what_they_look_for() -> None:
    """Each check flags a hand-made disagreement (so an empty list on the sample means
    something)."""
    from celltx.ontology.terms import Product, TrialAnnotation

    from celltx.models import Intervention, Provenance, SourceFormat

    def rec(nct: str, title: str, iv: str, fmt: SourceFormat = SourceFormat.CTGOV_V2_JSON
            ) -> TrialRecord:
        return TrialRecord(nct_id=nct, brief_title=title, interventions=(Intervention(name=iv),),
                           provenance=Provenance(path="x", format=fmt, record=0))

    bare = Product(name="X-1", platform="CAR-NK", receptor="CAR", code="X-1")
    a = rec("NCT00000001", "Anti-CD19 CAR-T cells in lymphoma", "X-1")
    b = rec("NCT00000002", "A study of X-1", "X-1")
    cd19 = annotate(rec("NCT00000002", "CD19 CAR-T", "CD19 CAR-T cells")).products[0]
    found = check([(a, TrialAnnotation(is_cell_therapy=True, products=(bare,))),
                   (b, TrialAnnotation(is_cell_therapy=True, products=(
                       cd19.model_copy(update={"code": "X-1"}),)))],
                  {"NCT00000001": [a, rec("NCT00000001", "A study", "aspirin",
                                          SourceFormat.CTGOV_CSV)]})
    assert [n for n, _ in found.untargeted] == ["NCT00000001"]
    assert [n for n, _ in found.title_platform] == ["NCT00000001"]
    assert [c for c, _ in found.code_conflicts] == ["X1"]
    assert [n for n, _ in found.record_conflicts] == ["NCT00000001"]
