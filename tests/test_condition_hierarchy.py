"""A condition's question counts the trials of its narrower conditions (asked for lymphoma,
a trial of diffuse large B-cell lymphoma is in it), on every engine, by the NCIt is-a
relations among the conditions table's terms (``ontology/condition_hierarchy.py``)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from celltx.ontology import condition_hierarchy, vocab
from celltx.queries.catalogue import load_catalogue
from celltx.queries.run import run_query

CATALOGUE = load_catalogue()
TAKES_CONDITION = sorted(n for n, q in CATALOGUE.items() if "condition" in q.params)


def _rows() -> dict[str, dict[str, str]]:
    with condition_hierarchy.TABLE.open(encoding="utf-8") as fh:
        return {r["key"]: r for r in csv.DictReader(fh, delimiter="\t")}


def test_the_broader_column_names_rows_of_the_table_without_a_cycle() -> None:
    rows = _rows()
    named = {b for r in rows.values() for b in r["broader"].split("|") if b}
    assert named and named <= set(rows)
    assert not named & condition_hierarchy.NOT_BROADER
    by_curie = vocab.condition_by_curie()
    for key, term in vocab.conditions().items():
        assert term.curie not in term.broader, key  # no condition is broader than itself
        assert len(set(term.broader)) == len(term.broader), key
        for curie in term.broader:  # the chain is closed: a broader one's broader ones too
            assert set(by_curie[curie].broader) <= set(term.broader), (key, curie)


def test_the_chain_goes_all_the_way_up() -> None:
    terms, by_curie = vocab.conditions(), vocab.condition_by_curie()
    chain = [by_curie[c].key for c in terms["PMBCL"].broader]
    assert chain[0] == "DLBCL"  # the nearest first
    assert {"B_NHL", "NHL", "LYMPHOMA"} <= set(chain)
    assert "B_NHL" not in [by_curie[c].key for c in terms["T_NHL"].broader]


def test_the_curated_links_fill_what_the_ncit_extract_lacks() -> None:
    """B-ALL is an acute lymphoblastic leukaemia (the extract files it under B-cell neoplasm
    only), and the rows without an NCIt class have their broader ones too."""
    terms, by_curie = vocab.conditions(), vocab.condition_by_curie()
    for key, above in (("B_ALL", {"ALL", "ACUTE_LEUK"}), ("CTCL", {"T_NHL", "LYMPHOMA"}),
                       ("CHOLANGIO", {"BILIARY", "NEOPLASM"}), ("GALLBLADDER", {"BILIARY"})):
        assert above <= {by_curie[c].key for c in terms[key].broader}, key


def test_no_name_is_two_conditions() -> None:
    """A name (label or synonym) names one row: "GEJ adenocarcinoma" was a synonym of gastric
    adenocarcinoma and the name of its own row, so that asking for it missed the GEJ trials."""
    rows: dict[str, set[str]] = {}
    for key, term in vocab.conditions().items():
        for name in (term.label, *term.synonyms):
            rows.setdefault(vocab.condition_key(name), set()).add(key)
    assert {n: keys for n, keys in rows.items() if len(keys) > 1} == {}


def test_derive_keeps_the_nearest_and_never_the_partial_groups() -> None:
    rows = [{"key": "NEOPLASM", "label": "neoplasm", "ncit": "NCIT:C1"},
            {"key": "CANCER", "label": "malignant neoplasm", "ncit": "NCIT:C2"},
            {"key": "NHL", "label": "non-Hodgkin lymphoma", "ncit": "NCIT:C3"},
            {"key": "DLBCL", "label": "diffuse large B-cell lymphoma", "ncit": ""}]
    parents = {"NCIT:C2": {"NCIT:C1"}, "NCIT:C3": {"NCIT:C2"}, "NCIT:C4": {"NCIT:C3"}}
    derived = condition_hierarchy.derive(rows, parents,
                                         {"diffuse large b-cell lymphoma": "NCIT:C4"})
    assert derived == {"NEOPLASM": [], "CANCER": ["NEOPLASM"], "NHL": ["NEOPLASM"],
                       "DLBCL": ["NHL"]}


def test_the_column_is_as_ncit_gives_it(capsys: pytest.CaptureFixture[str]) -> None:
    source = Path(__file__).parents[1] / condition_hierarchy.DEFAULT_SOURCE
    if not source.is_file():
        pytest.skip("the NCIt disease extract of ../shared is not on this machine")
    assert condition_hierarchy.main([str(source), "--check"]) == 0, capsys.readouterr().out


def _studied(graph: Any, trial: str) -> list[dict[str, Any]]:
    return [graph.g.nodes[c] for c, _ in graph.out(trial, "STUDIES")]


def _with_product(graph: Any) -> list[str]:
    return [t for t, _ in graph.nodes("Trial") if any(True for _ in graph.out(t, "HAS_PRODUCT"))]


def test_asked_for_lymphoma_the_answer_holds_the_trials_of_its_subtypes(
        sample_graph: Any, embedded_engine: Any) -> None:
    lymphoma = vocab.conditions()["LYMPHOMA"].curie
    naming, within = set(), set()
    for t in _with_product(sample_graph):
        conditions = _studied(sample_graph, t)
        if any(c["id"] == lymphoma for c in conditions):
            naming.add(t)
        if any(c["id"] == lymphoma or lymphoma in (c.get("broader") or ()) for c in conditions):
            within.add(t)
    subtype_only = within - naming
    assert len(subtype_only) > len(naming) > 0  # most lymphoma trials name a subtype only
    dlbcl = vocab.conditions()["DLBCL"].curie
    assert any(c["id"] == dlbcl for t in subtype_only for c in _studied(sample_graph, t))
    for engine, kwargs in (("python", {"graph": sample_graph}),
                           ("sparql", {"graph": sample_graph}),
                           ("embedded", {"embedded": embedded_engine, "graph_name": "sample"})):
        rows = run_query("trials_in_condition", {"condition": "lymphoma"}, engine=engine,
                         **kwargs).rows
        assert {r[0] for r in rows} == {sample_graph.g.nodes[t]["id"] for t in within}, engine


@pytest.mark.parametrize("name", TAKES_CONDITION)
def test_every_question_of_a_condition_rolls_up_alike_on_the_engines(
        name: str, sample_graph: Any, embedded_engine: Any) -> None:
    from celltx.queries.compare import same_answer

    params = {**CATALOGUE[name].params, "condition": "B-cell non-Hodgkin lymphoma"}
    answers = {
        "python": run_query(name, params, engine="python", graph=sample_graph).rows,
        "sparql": run_query(name, params, engine="sparql", graph=sample_graph).rows,
        "embedded": run_query(name, params, engine="embedded", embedded=embedded_engine,
                              graph_name="sample").rows,
    }
    assert same_answer(answers["sparql"], answers["python"]), name
    assert same_answer(answers["embedded"], answers["python"]), name


def test_the_broader_conditions_are_nodes_and_rdf_of_the_graph(sample_graph: Any) -> None:
    """Each broader condition a node names is a Condition node of the graph, so that the RDF
    (skos:broaderTransitive, checked by the shapes to point at a Condition) and Neo4j hold
    it with its id and name."""
    ids = {d["id"] for _, d in sample_graph.nodes("Condition")}
    named = {b for _, d in sample_graph.nodes("Condition") for b in d.get("broader") or ()}
    assert named and named <= ids


def test_the_python_api_and_the_report_roll_up_as_the_questions_do(sample_graph: Any) -> None:
    from celltx.api import KnowledgeGraph
    from celltx.report import condition_views

    kg = KnowledgeGraph(sample_graph)
    lymphoma = {t.nct_id for t in kg.trials(condition="lymphoma")}
    dlbcl = {t.nct_id for t in kg.trials(condition="diffuse large B-cell lymphoma")}
    assert dlbcl and dlbcl < lymphoma
    answered = {r[0] for r in run_query("trials_in_condition", {"condition": "lymphoma"},
                                        engine="python", graph=sample_graph).rows}
    assert answered <= lymphoma  # (the question counts the trials with a product only)
    [view] = condition_views(sample_graph, ["lymphoma"])
    assert (view.label, view.trials) == ("lymphoma", len(answered))


def test_a_graph_built_before_the_roll_up_is_noted_once(sample_graph_dir: Path,
                                                       tmp_path: Path) -> None:
    """A graph directory of an earlier graph format (or other vocabulary tables) still
    answers, and every command that reads it says once, on stderr, to build it again."""
    import json
    import shutil

    from celltx.graph import store
    from typer.testing import CliRunner

    from celltx.cli import app

    assert store.stale_note(sample_graph_dir) is None  # a build records what made it
    old = tmp_path / "old"
    shutil.copytree(sample_graph_dir, old)
    stats = json.loads((old / store.STATS_FILE).read_text(encoding="utf-8"))
    del stats["built_with"]
    (old / store.STATS_FILE).write_text(json.dumps(stats), encoding="utf-8")
    result = CliRunner().invoke(app, ["query", "trials_in_condition", "-g", str(old),
                                      "-p", "condition=lymphoma", "--csv"])
    assert result.exit_code == 0 and result.stdout.startswith("nct_id,")
    assert result.stderr.count("Note:") == 1 and "graph format 1, now" in result.stderr
    with pytest.warns(UserWarning, match="graph format 1"):  # the Python API says it too
        from celltx.api import open as open_graph

        open_graph(old)
    stats["built_with"] = {**store.built_with(), "vocabulary": "0" * 16}
    (old / store.STATS_FILE).write_text(json.dumps(stats), encoding="utf-8")
    assert "other vocabulary tables" in str(store.stale_note(old))
