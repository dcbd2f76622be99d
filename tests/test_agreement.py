"""Every stored question gives the same answer in Cypher (embedded engine), in SPARQL
(pyoxigraph) and from the Python helper, on the hand-annotated mini graph and on the sample.

Answers are compared as multisets of rows with lists inside cells sorted (queries/compare.py).
Each question runs with its defaults and with each parameter varied in turn.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from celltx.queries.catalogue import load_catalogue
from celltx.queries.compare import answer_diff, same_answer
from celltx.queries.run import run_query

CATALOGUE = load_catalogue()

VARIANTS: dict[str, list[Any]] = {
    "condition": [None, "acute myeloid leukemia", "MONDO:0018874", "b-all", "sclc",
                  "glioblastoma"],  # a real condition no mini-graph trial studies: no rows
    "platform": [None, "CAR-NK", "CAR-T", "iNKT", "car-t"],
    "target": ["CLL-1", "clec12a", "CLL1", "GD2", "cd19", "BCMA"],
    "country": ["US", "FR", " us"],
    "since": [2020, None],
    "until": [2021, 2024],
    "registry": ["ClinicalTrials.gov", "ChiCTR"],
    "status": ["RECRUITING", "COMPLETED", None, "active, not recruiting"],
    "cell_source": ["allogeneic", "autologous", None],
    "date": ["2020-01-01", "2016", " 2019-06"],
    "limit": [1, 100],
    "nct_id": ["NCT06880354", "NCT00000000", "nct06880354 "],
    "ecog": [0, 1, 5],
}


def cases(name: str, *, per_param: int | None = None) -> list[dict[str, Any]]:
    """The defaults, then each parameter varied with the others at their defaults."""
    defaults = dict(CATALOGUE[name].params)
    out = [defaults]
    for param in defaults:
        for value in VARIANTS.get(param, [])[:per_param]:
            if value != defaults[param]:
                out.append({**defaults, param: value})
    return out


def _answers(name: str, params: dict[str, Any], graph: Any, graph_name: str,
             engine: Any) -> dict[str, list[list[Any]]]:
    return {
        "embedded": run_query(name, params, engine="embedded", embedded=engine,
                              graph_name=graph_name).rows,
        "sparql": run_query(name, params, engine="sparql", graph=graph).rows,
        "python": run_query(name, params, engine="python", graph=graph).rows,
    }


def _check(name: str, params: dict[str, Any], answers: dict[str, list[list[Any]]]) -> None:
    reference = answers["python"]
    for engine in ("embedded", "sparql"):
        if not same_answer(answers[engine], reference):
            only_engine, only_python = answer_diff(answers[engine], reference)
            pytest.fail(f"{name} {params}: {engine} differs from python\n"
                        f"  only {engine}: {only_engine[:5]}\n  only python: {only_python[:5]}")


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_engines_agree_on_the_mini_graph(name: str, mini_graph: Any,
                                         embedded_engine: Any) -> None:
    non_empty = 0
    for params in cases(name):
        answers = _answers(name, params, mini_graph, "mini", embedded_engine)
        _check(name, params, answers)
        non_empty += bool(answers["python"])
    assert non_empty, f"{name}: every case answered nothing on the mini graph"


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_engines_agree_on_the_sample(name: str, sample_graph: Any,
                                     embedded_engine: Any) -> None:
    for params in cases(name, per_param=1):
        _check(name, params, _answers(name, params, sample_graph, "sample", embedded_engine))


def test_the_sample_answers_are_not_all_empty(sample_graph: Any) -> None:
    if not any(True for _ in sample_graph.nodes("Product")):
        pytest.skip("the sample has no products yet (normaliser not merged)")
    empty = [name for name, q in CATALOGUE.items()
             if not run_query(name, None, engine="sparql", graph=sample_graph).rows]
    assert len(empty) < len(CATALOGUE) // 3, empty


SLICED = sorted(name for name, q in CATALOGUE.items()
                if {"registry", "since", "until", "cell_source"} <= set(q.params))
SLICES: list[dict[str, Any]] = [
    {"status": "RECRUITING"},
    {"status": "COMPLETED", "cell_source": "autologous"},
    {"since": 2016, "until": 2021},
    {"until": 2019},
    {"cell_source": "allogeneic"},
    {"registry": "ClinicalTrials.gov", "since": 2021},
]


def test_the_landscape_questions_take_the_slices() -> None:
    assert {"trials_per_platform", "trials_per_target", "targets_in_condition_by_platform",
            "phase_by_platform", "countries_per_platform", "status_per_platform",
            "starts_per_year_by_platform", "top_sponsors_for_platform"} <= set(SLICED)
    assert "status" not in CATALOGUE["status_per_platform"].params
    assert "status" in CATALOGUE["allogeneic_by_country"].params


@pytest.mark.parametrize("name", SLICED)
def test_slices_agree_and_select_a_part(name: str, mini_graph: Any, embedded_engine: Any,
                                        sample_graph: Any) -> None:
    """Each slice gives one answer on all three engines; on the mini graph or the sample
    most slices select a non-empty part of the unsliced answer, so a slice ignored by one
    engine would fail."""
    from celltx.queries.compare import normalise_rows

    selective = 0
    for graph, graph_name in ((mini_graph, "mini"), (sample_graph, "sample")):
        everything = normalise_rows(run_query(name, None, engine="python", graph=graph).rows)
        for sl in SLICES:
            params = {k: v for k, v in sl.items() if k in CATALOGUE[name].params}
            if not params:
                continue
            answers = _answers(name, {**CATALOGUE[name].params, **params}, graph, graph_name,
                               embedded_engine)
            _check(name, params, answers)
            rows = normalise_rows(answers["python"])
            selective += bool(rows) and rows != everything
    assert selective >= 4, f"{name}: the slices select too little to test anything"


def test_allogeneic_takes_the_off_the_shelf_sources(sample_graph: Any,
                                                    embedded_engine: Any) -> None:
    """`cell_source=allogeneic` (and `allogeneic_by_country`) count cord-blood, iPSC and
    cell-line products too, on all three engines: none is the patient's own cells."""
    from celltx.queries.python_answers import OFF_THE_SHELF

    sources = {"allogeneic", *OFF_THE_SHELF}
    by_platform: dict[str, set[str]] = {}
    exact: dict[str, set[str]] = {}
    for t, _ in sample_graph.nodes("Trial"):
        for p, _ in sample_graph.out(t, "HAS_PRODUCT"):
            pdata = sample_graph.g.nodes[p]
            if pdata.get("cell_source") in sources:
                by_platform.setdefault(pdata["platform"], set()).add(t)
            if pdata.get("cell_source") == "allogeneic":
                exact.setdefault(pdata["platform"], set()).add(t)
    assert len(by_platform["CAR-NK"]) > len(exact.get("CAR-NK", ()))  # the sources matter
    params = {**CATALOGUE["trials_per_platform"].params, "cell_source": "allogeneic"}
    answers = _answers("trials_per_platform", params, sample_graph, "sample", embedded_engine)
    _check("trials_per_platform", params, answers)
    assert {r[0]: r[1] for r in answers["python"]} == {k: len(v) for k, v in by_platform.items()}


def test_the_off_the_shelf_sources_are_written_once_per_language() -> None:
    """The stored Cypher and SPARQL write the list of `OFF_THE_SHELF` literally."""
    from celltx.queries.python_answers import OFF_THE_SHELF

    root = Path(__file__).parents[1] / "queries"
    cypher = "[" + ", ".join(f"'{s}'" for s in OFF_THE_SHELF) + "]"
    sparql = "(" + ", ".join(f'"{s}"' for s in OFF_THE_SHELF) + ")"
    for name in SLICED + ["allogeneic_by_country"]:
        assert cypher[1:-1] in (root / f"{name}.cypher").read_text(), name
        assert sparql[1:-1] in (root / f"{name}.rq").read_text(), name
