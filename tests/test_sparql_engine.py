"""The stored SPARQL: headers match the Cypher ones, parameters are bound safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from celltx.queries.catalogue import load_catalogue, parse_header
from celltx.queries.sparql_engine import (
    bind_params,
    list_columns,
    run_sparql,
    select_local,
    store_for_dir,
    store_for_graph,
)

QUERIES = Path(__file__).parents[1] / "queries"
CATALOGUE = load_catalogue()


def test_every_stored_question_has_sparql() -> None:
    assert CATALOGUE
    missing = [name for name, q in CATALOGUE.items() if q.sparql is None]
    assert missing == []
    assert {p.stem for p in QUERIES.glob("*.rq")} == set(CATALOGUE)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_sparql_header_is_the_cypher_header(name: str) -> None:
    q = CATALOGUE[name]
    assert q.sparql is not None
    rq = parse_header(q.sparql, comment="#", source=f"{name}.rq")
    cy = parse_header(q.cypher, comment="//", source=f"{name}.cypher")
    assert rq == cy


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_every_query_parses_and_selects_its_columns(name: str, mini_graph: Any) -> None:
    q = CATALOGUE[name]
    columns, rows = run_sparql(q, dict(q.params), graph=mini_graph)
    assert columns == list(q.columns)
    assert all(len(r) == len(columns) for r in rows)


def test_text_parameters_are_literals_not_sparql(mini_graph: Any) -> None:
    q = CATALOGUE["trials_per_target"]
    hostile = '") } } SELECT * WHERE { ?s ?p ?o } #'
    columns, rows = run_sparql(q, {"condition": hostile, "platform": None}, graph=mini_graph)
    assert rows == []
    text = bind_params(q.sparql or "", {"condition": hostile, "platform": None})
    assert '\\")' in text  # the quote is escaped inside one literal


def test_null_parameter_means_no_filter(mini_graph: Any) -> None:
    q = CATALOGUE["trials_per_target"]
    _, everything = run_sparql(q, {"condition": None, "platform": None}, graph=mini_graph)
    _, car_nk = run_sparql(q, {"condition": None, "platform": "CAR-NK"}, graph=mini_graph)
    targets_of_car_nk = {t["id"] for p, pd in mini_graph.nodes("Product")
                         if pd.get("platform") == "CAR-NK"
                         for t in (mini_graph.g.nodes[x] for x, _ in mini_graph.out(p, "TARGETS"))}
    assert {r[0] for r in car_nk} == targets_of_car_nk
    assert len(everything) > len(car_nk) > 0


def test_limit_parameter_sets_the_final_limit(mini_graph: Any) -> None:
    q = CATALOGUE["similar_trials"]
    _, all_rows = run_sparql(q, {"nct_id": "NCT05008575", "limit": 100}, graph=mini_graph)
    _, one = run_sparql(q, {"nct_id": "NCT05008575", "limit": 1}, graph=mini_graph)
    assert len(all_rows) > 1 and one == all_rows[:1]
    with pytest.raises(ValueError, match="limit"):
        bind_params(q.sparql or "", {"nct_id": "x", "limit": "10; DROP"})


def test_list_columns_come_back_as_sorted_lists(mini_graph: Any) -> None:
    q = CATALOGUE["dual_target_constructs"]
    assert list_columns(q.sparql or "") == {"targets"}
    _, rows = run_sparql(q, {}, graph=mini_graph)
    assert rows and all(isinstance(r[3], list) and r[3] == sorted(r[3]) for r in rows)
    assert all(len(r[3]) == 2 for r in rows)


def test_counts_are_integers(mini_graph: Any) -> None:
    _, rows = run_sparql(CATALOGUE["trials_per_platform"], {}, graph=mini_graph)
    assert rows and all(type(r[1]) is int for r in rows)


def test_graph_dir_store_is_cached_as_an_export(sample_graph_dir: Path) -> None:
    store = store_for_dir(sample_graph_dir)
    assert (sample_graph_dir / "celltx.nt").exists()
    assert store_for_dir(sample_graph_dir) is store
    variables, rows = select_local(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    lines = (sample_graph_dir / "celltx.nt").read_bytes().count(b"\n")
    assert rows[0][0] == lines


def test_graph_store_is_rebuilt_when_the_graph_grows(mini_graph: Any) -> None:
    import copy

    graph = copy.deepcopy(mini_graph)
    first = store_for_graph(graph)
    assert store_for_graph(graph) is first
    graph.g.add_node("Country:FR", label="Country", id="FR", name="France")
    second = store_for_graph(graph)
    assert second is not first
    assert len(second) > len(first)
    assert isinstance(second, ox.Store)
