"""The Python API (``celltx.open``, ``celltx.build``, ``kg.trials``, ``kg.ask``) on the
hand-annotated test graph; expectations are computed from its annotations, not written in."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from celltx.graph import store
from celltx.graph.merge import merge_records
from celltx.graph.trial_graph import TrialGraph
from celltx.ontology.terms import Product, TrialAnnotation

import celltx
from celltx.api import KnowledgeGraph, Results, Trial
from celltx.models import Provenance, SourceFormat, TrialRecord
from tests import mini_graph
from tests.mini_graph import TRIALS, build_mini_graph

HAS_CATALOGUE = importlib.util.find_spec("celltx.queries.catalogue") is not None
needs_catalogue = pytest.mark.skipif(not HAS_CATALOGUE,
                                     reason="the stored questions (queries branch) are absent")


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph(build_mini_graph())


def expected(pred) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f["nct_id"] for f, ann in TRIALS if pred(f, ann))


def test_every_trial_is_viewed_with_its_annotated_facts(kg: KnowledgeGraph) -> None:
    assert len(kg.trials()) == len(TRIALS)
    for fields, ann in TRIALS:
        t = kg.trial(fields["nct_id"].lower())
        assert isinstance(t, Trial)
        assert t.platforms == tuple(sorted({p.platform for p in ann.products}))
        assert t.targets == tuple(sorted({x.key for p in ann.products for x in p.targets}))
        assert t.countries == tuple(sorted({c for c in ann.location_countries if c}))
        assert t.phase == (ann.phase.label if ann.phase else None)
        assert t.status == fields["overall_status"]
        assert t.lead_sponsor is not None
        assert t.lead_sponsor.name == fields["lead_sponsor"].name
        assert len(t.products) == len(ann.products)
    assert kg.trial("NCT99999999") is None


def test_results_are_frozen(kg: KnowledgeGraph) -> None:
    t = kg.trials()[0]
    with pytest.raises(ValueError, match="frozen"):
        t.status = "WITHDRAWN"  # type: ignore[misc]


@pytest.mark.parametrize("target", [mini_graph.CD33, mini_graph.CLL1, mini_graph.CD56,
                                    mini_graph.GD2])
def test_target_matches_id_or_symbol_in_any_case(kg: KnowledgeGraph, target) -> None:  # type: ignore[no-untyped-def]
    want = expected(lambda f, a: any(target in p.targets for p in a.products))
    assert want
    assert [t.nct_id for t in kg.trials(target=target.key.lower())] == want
    assert [t.nct_id for t in kg.trials(target=target.symbol)] == want


def test_platform_is_exact_and_checked(kg: KnowledgeGraph) -> None:
    for platform in ("CAR-T", "CAR-NK", "iNKT"):
        want = expected(lambda f, a, p=platform: any(x.platform == p for x in a.products))
        assert want and [t.nct_id for t in kg.trials(platform=platform)] == want
    with pytest.raises(ValueError, match=r"unknown platform 'CAR NK' \(did you mean CAR-NK"):
        kg.trials(platform="CAR NK")


def test_target_and_platform_hold_for_the_same_product() -> None:
    g = TrialGraph()
    rec = TrialRecord(nct_id="NCT01000001", provenance=Provenance(
        path="x.json", format=SourceFormat.CTGOV_V2_JSON, record=0))
    g.add_trial(merge_records([rec]), TrialAnnotation(is_cell_therapy=True, products=(
        Product(name="CD19 CAR-T", platform="CAR-T", receptor="CAR",
                targets=(mini_graph.CD19,)),
        Product(name="NK cells", platform="NK", receptor="none"))))
    kg = KnowledgeGraph(g)
    assert len(kg.trials(target="CD19")) == len(kg.trials(platform="NK")) == 1
    assert len(kg.trials(target="CD19", platform="CAR-T")) == 1
    assert len(kg.trials(target="CD19", platform="NK")) == 0


def test_condition_matches_id_name_or_synonym(kg: KnowledgeGraph) -> None:
    aml = mini_graph.AML
    want = expected(lambda f, a: any(c.term == aml for c in a.conditions))
    assert len(want) >= 2
    for value in (aml.curie, aml.label.upper(), "aml"):
        assert [t.nct_id for t in kg.trials(condition=value)] == want
    unmapped = expected(lambda f, a: any(c.as_written == "Hemophagocytic Lymphohistiocytosis"
                                         for c in a.conditions))  # (no term in the tables)
    assert [t.nct_id for t in kg.trials(condition="hemophagocytic lymphohistiocytosis")
            ] == unmapped


def test_phase_status_and_country_filters(kg: KnowledgeGraph) -> None:
    want = expected(lambda f, a: a.phase is not None and a.phase.key == "PHASE2")
    assert [t.nct_id for t in kg.trials(phase="phase 2")] == want
    assert [t.nct_id for t in kg.trials(phase="PHASE2")] == want
    rec = expected(lambda f, a: f["overall_status"] in ("RECRUITING", "ACTIVE_NOT_RECRUITING"))
    assert [t.nct_id for t in kg.trials(status=["recruiting", "Active, not recruiting"])] == rec
    us = expected(lambda f, a: "US" in a.location_countries)
    assert us and [t.nct_id for t in kg.trials(country="United States")] == us
    assert [t.nct_id for t in kg.trials(country="us")] == us
    with pytest.raises(ValueError, match="unknown status 'RECRUTING'"):
        kg.trials(status="recrutING")


@pytest.mark.parametrize("after", ["2019", "2021-09", "2021-10-01", "2025-03-01"])
def test_started_after_and_before_split_the_trials(kg: KnowledgeGraph, after: str) -> None:
    later = expected(lambda f, a: f["start_date"] >= after)
    earlier = expected(lambda f, a: f["start_date"] < after)
    assert [t.nct_id for t in kg.trials(started_after=after)] == later
    assert [t.nct_id for t in kg.trials(started_before=after)] == earlier
    assert later and earlier
    with pytest.raises(ValueError, match="started_after must be a year or ISO date"):
        kg.trials(started_after="last spring")


def test_cell_therapy_filter(kg: KnowledgeGraph) -> None:
    assert [t.nct_id for t in kg.trials(cell_therapy=False)] == \
        expected(lambda f, a: not a.is_cell_therapy)


def test_to_dataframe_has_one_row_per_trial(kg: KnowledgeGraph) -> None:
    pytest.importorskip("pandas")
    found = kg.trials(condition="AML")
    df = found.to_dataframe()
    assert list(df["nct_id"]) == [t.nct_id for t in found]
    assert {"platforms", "targets", "lead_sponsor", "sponsor_class"} <= set(df.columns)
    assert df.loc[0, "targets"] == list(found[0].targets)


def test_to_dataframe_without_pandas_says_how_to_get_it(
        kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install 'celltx\[pandas\]'"):
        kg.trials().to_dataframe()


def test_results_slice_and_dicts(kg: KnowledgeGraph) -> None:
    found = kg.trials()
    assert isinstance(found[1:3], Results) and len(found[1:3]) == 2
    assert [d["nct_id"] for d in found.to_dicts()] == [t.nct_id for t in found]
    json.dumps(found.to_dicts())  # plain data


def test_open_reads_a_saved_graph(tmp_path: Path) -> None:
    g = build_mini_graph()
    store.save(g, tmp_path, stats={"trials": 7}, rejects=[], merges=[])
    kg = celltx.open(tmp_path)
    assert kg.directory == tmp_path and kg.stats["trials"] == 7
    assert kg.trials() == KnowledgeGraph(g).trials()
    with pytest.raises(store.GraphNotFoundError, match="celltx build"):
        celltx.open(tmp_path / "missing")


def test_build_in_memory_from_files(fixtures: Path) -> None:
    source = fixtures / "fetch" / "studies.jsonl"
    kg = celltx.build(source)
    n = sum(1 for line in source.read_text().splitlines() if line.strip())
    assert kg.stats["records_read"] == n == len(kg.trials()) + kg.stats["out_of_scope"]
    assert isinstance(kg, KnowledgeGraph)
    whole = celltx.build(source, scope="all")
    assert whole.stats["records_read"] == n == len(whole.trials())
    assert len(whole.trials()) > len(kg.trials()) > 0


# ---- stored questions -----------------------------------------------------------------------


@needs_catalogue
def test_questions_list_the_catalogue(kg: KnowledgeGraph) -> None:
    from celltx.queries.catalogue import load_catalogue

    cat = load_catalogue()
    qs = kg.questions()
    assert [q.name for q in qs] == sorted(cat)
    for q in qs:
        assert q.columns == tuple(cat[q.name].columns)
        assert q.params == dict(cat[q.name].params)


@needs_catalogue
def test_ask_answers_every_stored_question(kg: KnowledgeGraph) -> None:
    from celltx.queries.run import run_query

    answered = 0
    for q in kg.questions():
        answer = kg.ask(q.name)
        direct = run_query(q.name, dict(q.params), engine="python", graph=kg.graph)
        assert answer.rows == [list(r) for r in direct.rows], q.name
        assert answer.columns == q.columns
        for row, model in zip(answer.rows, answer, strict=True):
            assert [getattr(model, c) for c in q.columns] == row
        answered += bool(answer.rows)
    assert answered >= len(kg.questions()) // 2  # the mini graph answers most of them


@needs_catalogue
def test_ask_passes_parameters_and_checks_names(kg: KnowledgeGraph) -> None:
    everyone = {r.target for r in kg.ask("trials_per_target")}  # type: ignore[attr-defined]
    in_aml = {r.target for r in kg.ask("trials_per_target",  # type: ignore[attr-defined]
                                       condition="AML")}
    aml_targets = {x.key for f, a in TRIALS if any(c.term == mini_graph.AML
                                                    for c in a.conditions)
                   for p in a.products for x in p.targets}
    assert in_aml == aml_targets and in_aml < everyone
    with pytest.raises(ValueError, match="did you mean trials_per_target"):
        kg.ask("trials_per_targets")
    with pytest.raises(ValueError, match="its parameters: condition, category, platform"):
        kg.ask("trials_per_target", disease="AML")


@needs_catalogue
def test_answer_to_dataframe_and_json(kg: KnowledgeGraph) -> None:
    answer = kg.ask("trials_per_platform")
    doc = answer.to_json()
    assert doc["query"] == "trials_per_platform" and doc["columns"] == list(answer.columns)
    pd = pytest.importorskip("pandas")
    df = answer.to_dataframe()
    assert isinstance(df, pd.DataFrame) and df.shape == (len(answer), len(answer.columns))


def test_target_filter_follows_the_stored_questions_rule(sample_graph) -> None:  # type: ignore[no-untyped-def]
    """``target`` matches id, symbol or synonym, as ``QUESTIONS.md`` says for every engine."""
    from celltx.queries.run import run_query

    kg = KnowledgeGraph(sample_graph)
    by_name = [t.nct_id for t in kg.trials(target="BCMA", condition="AML")]
    by_symbol = [t.nct_id for t in kg.trials(target="TNFRSF17", condition="AML")]
    assert by_name == by_symbol
    cll1 = kg.trials(target="CLL1", condition="AML")
    assert cll1 and [t.nct_id for t in cll1] == [t.nct_id for t in kg.trials(target="clec12a",
                                                                              condition="aml")]
    sponsors = run_query("sponsors_for_target_in_condition", {"target": "CLL1"},
                         engine="python", graph=sample_graph)
    assert {row[0] for row in sponsors.rows} == {
        s.name for t in cll1 for s in t.sponsors}


def test_trial_filters_for_the_slices_analysts_ask_for(sample_graph) -> None:  # type: ignore[no-untyped-def]
    kg = KnowledgeGraph(sample_graph)
    every = kg.trials()
    allo = kg.trials(platform="CAR-T", cell_source="allogeneic", started_after=2023)
    off_the_shelf = {"allogeneic", "cord blood", "iPSC", "cell line"}  # not the patient's own
    assert allo and {t.nct_id for t in allo} == {
        t.nct_id for t in every if t.start_date and t.start_date >= "2023" and any(
            p.platform == "CAR-T" and p.cell_source in off_the_shelf for p in t.products)}
    cord = kg.trials(cell_source="cord blood")  # the other values are exact
    assert cord and all(any(p.cell_source == "cord blood" for p in t.products) for t in cord)
    duals = kg.trials(construct="dual", condition_category="solid")
    assert duals and all(any(p.construct_kind == "dual" for p in t.products)
                         and any(c.category == "solid" for c in t.conditions) for t in duals)
    industry = kg.trials(platform="CAR-NK", sponsor_class="industry")
    assert industry and all(t.lead_sponsor and t.lead_sponsor.org_class == "industry"
                            for t in industry)
    name = industry[0].lead_sponsor.name  # type: ignore[union-attr]
    assert industry[0] in kg.trials(sponsor=name.lower()[:8])  # part of the name will do
    with pytest.raises(ValueError, match="did you mean allogeneic"):
        kg.trials(cell_source="allo")
    with pytest.raises(ValueError, match="unknown construct"):
        kg.trials(construct="tandem")


def test_report_writes_the_file_and_returns_its_path(tmp_path: Path) -> None:
    from celltx.outputs import OutputPathError
    from tests.mini_graph import build_mini_graph

    kg = KnowledgeGraph(build_mini_graph())
    written = kg.report(tmp_path / "landscape.html", conditions=["AML"])
    assert written == tmp_path / "landscape.html"
    assert written.read_text(encoding="utf-8") == kg.report_html(conditions=["AML"])
    assert [p.name for p in tmp_path.iterdir()] == ["landscape.html"]  # no temporary left
    with pytest.raises(OutputPathError, match="does not exist"):
        kg.report(tmp_path / "missing" / "landscape.html")


def test_trials_reads_condition_and_target_names_as_the_questions_do(kg: KnowledgeGraph) -> None:
    """kg.trials matched names word for word: "relapsed/refractory AML" and "anti-CD33" found
    no trial, where the stored questions read them as AML and CD33; an unknown name found none
    without a word, where the questions say so."""
    assert [t.nct_id for t in kg.trials(condition="relapsed/refractory AML")] == [
        t.nct_id for t in kg.trials(condition="AML")] != []
    assert [t.nct_id for t in kg.trials(target="anti-CD33")] == [
        t.nct_id for t in kg.trials(target="CD33")] != []
    with pytest.raises(ValueError, match="no condition 'Zebra syndrome'"):
        kg.trials(condition="Zebra syndrome")
