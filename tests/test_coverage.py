"""Coverage (issue 13, item 4): every answer says how much of its scope lacks the facts it
counts, computed independently here from the API's view of the same graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from celltx.graph import store
from celltx.queries.catalogue import load_catalogue
from celltx.queries.coverage import FACTS, all_coverage, coverage
from typer.testing import CliRunner

from celltx.api import KnowledgeGraph
from celltx.cli import app

ENGINEERED = {"CAR-T", "CAR-NK", "CAR-NKT", "CAR-γδT", "CAR-M", "TCR-T"}


def test_every_fact_names_a_stored_question() -> None:
    assert set(FACTS) <= set(load_catalogue())


def test_counts_agree_with_the_api(sample_graph: Any) -> None:
    trials = KnowledgeGraph(sample_graph).trials()
    products = [p for t in trials for p in t.products]
    engineered = [p for p in products if p.platform in ENGINEERED]
    target = coverage("trials_per_target", sample_graph)
    assert target is not None and (target.missing, target.total) == (
        sum(1 for p in engineered if not p.targets), len(engineered))
    source = coverage("cell_source_by_platform_year", sample_graph)
    assert source is not None and (source.missing, source.total) == (
        sum(1 for p in products if not p.cell_source), len(products))
    with_products = [t for t in trials if t.products]
    start = coverage("starts_per_year_by_platform", sample_graph)
    assert start is not None and (start.missing, start.total) == (
        sum(1 for t in with_products if t.start_year is None), len(with_products))
    assert 0 < source.missing < source.total and "cell source unknown for" in source.text()


def test_build_records_it_and_query_prints_it(sample_graph_dir: Path) -> None:
    stats = store.load_stats(sample_graph_dir)
    assert stats["coverage"] == all_coverage(store.load(sample_graph_dir))
    out = CliRunner().invoke(app, ["query", "cell_source_by_platform_year", "--graph",
                                   str(sample_graph_dir)])
    assert out.exit_code == 0 and "coverage: cell source unknown for" in out.stdout


def test_a_slice_states_its_own_coverage(sample_graph: Any, sample_graph_dir: Path) -> None:
    """With landscape-slice parameters the coverage is counted within the slice (recruiting
    trials started from 2023), as the API counts it, not over the whole graph."""
    trials = [t for t in KnowledgeGraph(sample_graph).trials()
              if t.status == "RECRUITING" and t.start_year is not None and t.start_year >= 2023]
    engineered = [p for t in trials for p in t.products if p.platform in ENGINEERED]
    params = {"status": "RECRUITING", "since": "2023"}
    sliced = coverage("trials_per_target", sample_graph, params)
    whole = coverage("trials_per_target", sample_graph)
    assert sliced is not None and whole is not None
    assert (sliced.missing, sliced.total) == (sum(1 for p in engineered if not p.targets),
                                              len(engineered))
    assert 0 < sliced.total < whole.total
    out = CliRunner().invoke(app, ["query", "trials_per_target", "-p", "status=RECRUITING",
                                   "-p", "since=2023", "--graph", str(sample_graph_dir)])
    assert out.exit_code == 0, out.output
    assert f"coverage: {sliced.text()} in this slice" in " ".join(out.stdout.split())


def test_a_slice_is_counted_on_the_values_the_engine_was_given(sample_graph: Any,
                                                               sample_graph_dir: Path) -> None:
    """The slice's coverage takes the checked values, as the answer does: ``since=`` (no
    filter) and ``status=recruiting`` (RECRUITING). The raw text made a ValueError traceback
    (``int('')``) and a slice of no trials."""
    whole = coverage("trials_per_target", sample_graph)
    recruiting = coverage("trials_per_target", sample_graph, {"status": "RECRUITING"})
    assert whole is not None and recruiting is not None and 0 < recruiting.total < whole.total
    for params, expected in ((["since="], f"{whole.text()} in the graph"),
                             (["since= ", "until="], f"{whole.text()} in the graph"),
                             (["status=recruiting"], f"{recruiting.text()} in this slice")):
        args = [a for p in params for a in ("-p", p)]
        out = CliRunner().invoke(app, ["query", "trials_per_target", *args, "--graph",
                                       str(sample_graph_dir)])
        assert out.exit_code == 0, out.output
        assert f"coverage: {expected}" in " ".join(out.stdout.split())
