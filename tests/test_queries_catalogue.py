"""The stored question catalogue: headers, parameters, agreement with QUESTIONS.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from celltx.queries.catalogue import coerce_params, get_query, load_catalogue, parse_header

QUESTIONS = Path(__file__).parents[1] / "queries" / "QUESTIONS.md"


def _spec() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(\w+)` \| (.*?) \| (.*?) \|", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3))
    return rows


def test_catalogue_has_every_question_of_the_spec() -> None:
    spec = _spec()
    assert len(spec) >= 20
    assert set(load_catalogue()) == set(spec)


@pytest.mark.parametrize("name", sorted(_spec()))
def test_header_columns_and_defaults_follow_the_spec(name: str) -> None:
    params_text, columns_text = _spec()[name]
    query = get_query(name)
    assert ", ".join(query.columns) == columns_text
    spec_params = dict(re.findall(r"(\w+)=(null|\"[^\"]*\"|\d+)", params_text))
    assert {k: str(v).lower() if v is None or isinstance(v, int) else f'"{v}"'
            for k, v in query.params.items()} == {
        k: ("none" if v == "null" else v) for k, v in spec_params.items()}
    for param in query.params:
        assert f"${param}" in query.cypher
    assert query.title and query.description


def test_parameters_take_the_type_of_their_default() -> None:
    query = get_query("top_sponsors_for_platform")
    none = dict.fromkeys(("registry", "status", "since", "until", "cell_source"))
    assert coerce_params(query, {"limit": "3"}) == {"platform": "CAR-T", "limit": 3, **none}
    assert coerce_params(query, {"platform": "null"})["platform"] is None
    assert coerce_params(get_query("starts_per_year_by_platform"), {"since": "2020"}) == {
        **none, "since": 2020}
    assert coerce_params(get_query("trials_per_target"), {"platform": "CAR-NK"})[
        "platform"] == "CAR-NK"


def test_bad_parameters_are_refused_with_what_exists() -> None:
    query = get_query("top_sponsors_for_platform")
    with pytest.raises(ValueError, match="its parameters: platform, limit"):
        coerce_params(query, {"colour": "red"})
    with pytest.raises(ValueError, match="integer"):
        coerce_params(query, {"limit": "ten"})
    with pytest.raises(ValueError, match="takes int values"):
        coerce_params(query, {"limit": 3.5})


def test_unknown_query_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="trials_per_platform"):
        get_query("trials_per_planet")


def test_header_without_columns_is_an_error() -> None:
    with pytest.raises(ValueError, match="columns"):
        parse_header("// name: x\n// title: t\n// description: d\nRETURN 1", comment="//",
                     source="x.cypher")


def test_stored_queries_use_neo4j_5_syntax_only() -> None:
    for query in load_catalogue().values():
        text = query.cypher
        assert "apoc." not in text and "PERIODIC COMMIT" not in text.upper()
        assert not re.search(r"\{\s*\w+\s*\}", text)  # no old {param}
