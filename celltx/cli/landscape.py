"""``celltx landscape``: the headline landscape questions, answered on the embedded engines.

Each question is asked of every engine named (by default the embedded Cypher engine and the
in-process SPARQL store); the answers are printed once, with a line saying whether the engines
agree, so a user sees both the landscape and that the stores can be trusted.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from celltx.cli.common import (
    GraphOption,
    JsonOption,
    console,
    fail,
    graph_dir,
    load_graph,
    print_json,
    read_graph_dir,
)
from celltx.graph import store

if TYPE_CHECKING:
    from celltx.graph.falkordb_engine import EmbeddedEngine
    from celltx.graph.trial_graph import TrialGraph

HEADLINES: tuple[tuple[str, dict[str, Any], int], ...] = (
    ("trials_per_platform", {}, 15),
    ("trials_per_target", {}, 15),
    ("targets_in_condition_by_platform", {"condition": "AML"}, 20),
    ("dual_target_constructs", {}, 10),
    ("top_sponsors_for_platform", {"platform": "CAR-NK", "limit": 10}, 10),
    ("starts_per_year_by_platform", {"since": 2024}, 20),
)
"""(question, parameters, rows shown): the questions the landscape opens with."""


def register(app: typer.Typer) -> None:
    app.command("landscape")(landscape_command)


def landscape_command(
    graph: GraphOption = None,
    engines: Annotated[str, typer.Option(
        "--engines", help="Comma-separated engines to ask and compare.")] = "embedded,sparql",
    as_json: JsonOption = False,
) -> None:
    """Answer the headline landscape questions on the embedded engines (no server needed)."""
    from celltx.graph.falkordb_engine import open_graph_dir
    from celltx.queries.names import ENGINES, unknown_engine

    directory = graph_dir(graph)
    names = [e.strip() for e in engines.split(",") if e.strip()]
    if not names:
        fail(f"--engines {engines!r} names none; engines: {', '.join(ENGINES)}")
    for problem in filter(None, map(unknown_engine, names)):
        fail(problem)
    read_graph_dir(store.graph_file, directory)  # no built graph: say so before any engine
    if not as_json and (line := scope_line(read_graph_dir(store.load_stats, directory))):
        console.print(line, markup=False, highlight=False)
    # The engines read their caches beside the graph; only the Python engine needs it loaded.
    g = load_graph(directory) if "python" in names else None
    with ExitStack() as stack:
        embedded = None
        if "embedded" in names:  # one engine for every question, not one started for each
            embedded = open_graph_dir(directory)
            stack.callback(embedded.stop)
        report = [_answer(name, params, shown, names, g, directory, embedded, as_json)
                  for name, params, shown in HEADLINES]
    if as_json:
        print_json(report)
    if not all(r["agree"] for r in report):
        fail("the engines gave different answers (see above)")


_MODALITY_WORDS = {"in_vivo_car": "in vivo CAR", "follow_up": "follow-up"}


def scope_line(stats: dict[str, Any]) -> str | None:
    """What the counts below are of: the graph's cell-therapy trials, and the others by
    modality, which no platform or target count holds (a trial that names only a product code
    the tables do not know is among the "other" ones).

    >>> line = scope_line({"trials": 10, "cell_therapy_trials": 7,
    ...                    "modalities": {"cell_therapy": 7, "other": 2, "in_vivo_car": 1}})
    >>> line.startswith("The graph: 10 trials; the counts below are of its 7 cell-therapy")
    True
    >>> line.endswith("3 others are in none of them (2 other, 1 in vivo CAR).")
    True
    """
    trials, cell_therapy = stats.get("trials"), stats.get("cell_therapy_trials")
    if not isinstance(trials, int) or not isinstance(cell_therapy, int):
        return None
    line = (f"The graph: {trials:,} trials; the counts below are of its {cell_therapy:,} "
            f"cell-therapy trials")
    if trials > cell_therapy:
        others = {k: v for k, v in (stats.get("modalities") or {}).items()
                  if k != "cell_therapy" and isinstance(v, int) and v}
        kinds = ", ".join(f"{n:,} {_MODALITY_WORDS.get(k, k.replace('_', ' '))}" for k, n in
                          sorted(others.items(), key=lambda kv: (-kv[1], kv[0])))
        line += f"; {trials - cell_therapy:,} others are in none of them"
        line += f" ({kinds})" if kinds else ""
    return line + "."


def _answer(name: str, params: dict[str, Any], shown: int, names: list[str], g: TrialGraph | None,
            directory: Path, embedded: EmbeddedEngine | None, as_json: bool) -> dict[str, Any]:
    """Ask question ``name`` of every engine in ``names``; print the answer unless
    ``as_json``, and return it for the JSON report."""
    from celltx.cli.questions import TARGET_COLUMNS, displayed
    from celltx.queries.compare import normalise_rows
    from celltx.queries.run import run_query

    try:
        results = [run_query(name, params, engine=e, graph=g, graph_dir=directory,
                             embedded=embedded) for e in names]
    except (KeyError, ValueError) as exc:
        fail(str(exc))
    except RuntimeError as exc:  # the embedded engine failed to start or a query failed
        fail(f"{name}: {exc}")
    first = results[0]
    agree = all(normalise_rows(r.rows) == normalise_rows(first.rows) for r in results[1:])
    answer = {"query": name, "params": params, "engines": names, "agree": agree,
              "columns": first.columns, "rows": first.rows}
    if as_json:
        return answer
    shown_params = ", ".join(f"{k}={v}" for k, v in params.items())
    console.print(f"\n[bold]{name}[/]({escape(shown_params)}) — {len(first.rows)} rows; "
                  f"{escape(' = '.join(names))}: "
                  f"{'[green]agree[/]' if agree else '[red]DISAGREE[/]'}", markup=True,
                  highlight=False)
    table = Table(show_edge=False)
    for col in first.columns:
        table.add_column(col)
    targets = [c in TARGET_COLUMNS for c in first.columns]
    for row in first.rows[:shown]:
        cells = (displayed(v) if is_target else v
                 for v, is_target in zip(row, targets, strict=True))
        table.add_row(*("; ".join(map(str, v)) if isinstance(v, list)
                        else "" if v is None else str(v) for v in cells))
    if len(first.rows) > shown:
        table.add_row(*(["…"] * len(first.columns)))
    console.print(table)
    if name == "starts_per_year_by_platform":  # what of these starts did not happen (yet)
        from celltx.report import starts_note

        years = {r[0] for r in first.rows if isinstance(r[0], int)}
        note = starts_note(g if g is not None else load_graph(directory), years)
        if note:
            console.print(note[0].upper() + note[1:], markup=False, highlight=False)
    return answer
