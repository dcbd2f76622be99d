"""graph/cypher_statements.py: a TrialGraph as parameterised MERGE statements."""

from __future__ import annotations

import pytest
from celltx.graph.cypher_statements import (
    constraint_statements,
    count_rows,
    graph_statements,
    node_cypher,
    node_statements,
    property_value,
    relationship_cypher,
    relationship_statements,
)

from tests.mini_graph import build_mini_graph


def test_every_node_and_relationship_is_carried_once() -> None:
    graph = build_mini_graph()
    assert count_rows(node_statements(graph)) == graph.g.number_of_nodes()
    assert count_rows(relationship_statements(graph)) == graph.g.number_of_edges()


def test_batches_split_rows_without_losing_any() -> None:
    graph = build_mini_graph()
    small = list(graph_statements(graph, batch_size=2))
    assert all(len(s.params["rows"]) <= 2 for s in small)
    assert count_rows(small) == graph.g.number_of_nodes() + graph.g.number_of_edges()


def test_values_are_parameters_not_text() -> None:
    graph = build_mini_graph()
    for stmt in graph_statements(graph):
        assert "NCT0" not in stmt.cypher
        assert stmt.cypher.startswith("UNWIND $rows AS row")


def test_property_values_are_primitives_or_lists_without_none() -> None:
    graph = build_mini_graph()
    for stmt in graph_statements(graph):
        for row in stmt.params["rows"]:
            for value in row["props"].values():
                assert value is not None
                if isinstance(value, list):
                    assert value and all(isinstance(v, str | int | float | bool) for v in value)
                else:
                    assert isinstance(value, str | int | float | bool)


def test_property_value_conversions() -> None:
    assert property_value(("a", None, "b")) == ["a", "b"]
    assert property_value([None]) is None
    assert property_value([1, "x"]) == ["1", "x"]
    assert property_value({"a": 1}) == '{"a": 1}'


def test_unknown_labels_and_types_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown node label"):
        node_cypher("Trial) DETACH DELETE (x")
    with pytest.raises(ValueError, match="unknown relationship type"):
        relationship_cypher("OWNS", "Trial", "Product")
    with pytest.raises(ValueError, match="cannot join"):
        relationship_cypher("TARGETS", "Trial", "Target")


def test_constraints_are_neo4j_5_syntax() -> None:
    for text in constraint_statements():
        assert " IF NOT EXISTS FOR (n:" in text and text.endswith("IS UNIQUE")
        assert "ASSERT" not in text
