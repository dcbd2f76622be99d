"""What ``celltx query`` does, without typer: list the stored questions, or answer one.

:mod:`celltx.cli.query` registers it as a typer command; :mod:`celltx.cli.fast` calls it
directly for a well-formed command line. Failures print their message and raise
:class:`~celltx.cli.output.CommandFailed`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from celltx.cli.output import cell_text, fail, get_console, graph_dir, print_csv, print_json
from celltx.graph import store
from celltx.graph.store import GraphDirError
from celltx.queries.names import SLICE_PARAMS, unknown_engine

# The catalogue, the engines, the graph model, the ontology and rich are imported when a
# question is answered or a table printed, not to register the command or show its help.

TARGET_COLUMNS = frozenset({"target", "target_a", "target_b", "targets", "shared_targets"})
"""Columns of target ids: shown in tables with their usual name ("BCMA (TNFRSF17)"); JSON and
CSV keep the ids."""


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--param takes key=value, not {pair!r}")
        if key.strip() in params and params[key.strip()] != value:
            # (the last one silently won: "-p condition=AML -p condition=MM" answered myeloma)
            fail(f"--param {key.strip()} is given twice ({params[key.strip()]!r} and "
                 f"{value!r}); a question takes one value each: ask it once per value",
                 code=2)
        params[key.strip()] = value
    return params


def displayed(value: Any) -> Any:
    from celltx.ontology.display import target_label

    if isinstance(value, list):
        return [displayed(v) for v in value]
    return target_label(value) if isinstance(value, str) else value


def _coverage(name: str, graph: Path | None) -> dict[str, Any] | None:
    """The question's coverage recorded by ``celltx build`` in the graph's stats, if any."""
    try:
        cover = store.load_stats(graph_dir(graph)).get("coverage") or {}
    except GraphDirError:
        return None
    return cover.get(name)  # type: ignore[no-any-return]


def _sliced_coverage(name: str, graph: Path | None,
                     params: dict[str, Any]) -> dict[str, Any] | None:
    """The question's coverage within a landscape slice (``registry``, ``status``, ``since``,
    ``until``, ``cell_source``), counted on the loaded graph: the build's figure is for the whole
    graph."""
    from celltx.queries.coverage import coverage

    cover = coverage(name, store.load(graph_dir(graph)), params)
    return None if cover is None else {**cover.to_json(), "text": cover.text(), "scope": "slice"}


def _list_queries(as_json: bool) -> None:
    from celltx.queries.catalogue import load_catalogue

    catalogue = load_catalogue()
    if as_json:
        print_json([{"name": q.name, "title": q.title, "description": q.description,
                     "params": q.params, "columns": list(q.columns),
                     "sparql": q.sparql is not None} for q in catalogue.values()])
        return
    from rich.table import Table

    table = Table(title=f"{len(catalogue)} stored questions", show_lines=False)
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("title")
    table.add_column("parameters (defaults)")
    for q in catalogue.values():
        params = ", ".join(f"{k}={'null' if v is None else v}" for k, v in q.params.items())
        table.add_row(q.name, q.title, params or "—")
    get_console().print(table)


def answer_query(name: str | None, param: list[str] | None, engine: str, endpoint: str | None,
                 graph: Path | None, as_json: bool, as_csv: bool, list_: bool,
                 labels: bool = False) -> None:
    """``celltx query`` with its parameters converted (see :func:`celltx.cli.query.query_command`
    for their meaning)."""
    if list_:
        _list_queries(as_json)
        return
    from celltx.queries.catalogue import load_catalogue

    catalogue = load_catalogue()
    if name is None:
        fail(f"name a stored query, or use --list; known: {', '.join(catalogue)}")
    if name not in catalogue:
        fail(f"no stored query {name!r}; known: {', '.join(catalogue)}")
    if problem := unknown_engine(engine):
        fail(problem)
    if as_json and as_csv:
        fail("choose one of --json and --csv")
    if labels and not as_csv:
        fail("--labels names the targets of --csv (the table shows names, JSON keeps ids)")
    from celltx.graph.neo4j_connection import ServerError
    from celltx.queries.params import ParamError
    from celltx.queries.run import run_query

    params = _parse_params(param or [])  # before the try: a failure here exits (CommandFailed)
    try:
        result = run_query(name, params, engine=engine, graph_dir=graph_dir(graph),
                           endpoint=endpoint)
    except GraphDirError as exc:
        fail(str(exc))
    except ParamError as exc:
        fail(str(exc), code=2)
    except (ValueError, KeyError) as exc:
        fail(str(exc.args[0]) if exc.args else str(exc))
    except ImportError as exc:
        fail(f"the {engine} engine is not available in this installation: {exc}")
    except ServerError as exc:
        fail(str(exc))
    except RuntimeError as exc:  # the embedded engine failed to start or a query failed
        fail(f"{engine} engine: {exc}")
    sliced = any(result.params.get(k) is not None for k in SLICE_PARAMS if k in params)
    cover = _sliced_coverage(name, graph, result.params) if sliced else _coverage(name, graph)
    if as_json:
        sys.stdout.write(json.dumps({**result.to_json(), "coverage": cover},
                                    ensure_ascii=False) + "\n")
        return
    if as_csv:
        named = [labels and c in TARGET_COLUMNS for c in result.columns]
        print_csv(list(result.columns), ([displayed(v) if is_target else v
                                          for v, is_target in zip(row, named, strict=True)]
                                         for row in result.rows))
        return
    from rich.table import Table

    query = catalogue[name]
    table = Table(title=query.title, caption=f"{len(result.rows)} rows · {engine}")
    for col in result.columns:
        table.add_column(col)
    targets = [c in TARGET_COLUMNS for c in result.columns]
    for row in result.rows:
        table.add_row(*(cell_text(displayed(v) if is_target else v)
                        for v, is_target in zip(row, targets, strict=True)))
    console = get_console()
    console.print(table)
    if cover:
        console.print(f"coverage: {cover['text']} in {'this slice' if sliced else 'the graph'}",
                      highlight=False)
    if not result.rows:
        get_console(stderr=True).print("(no rows)")
