"""``celltx query``: list the stored questions, or answer one on an engine.

The command's work is :func:`celltx.cli.questions.answer_query` (no typer), which
:mod:`celltx.cli.fast` also calls directly; this module gives it its typer options and help.
"""

from __future__ import annotations

from typing import Annotated

import typer

from celltx.cli.common import GraphOption, JsonOption
from celltx.cli.output import CommandFailed
from celltx.cli.questions import answer_query
from celltx.queries.names import ENGINES, query_names


def register(app: typer.Typer) -> None:
    app.command("query", epilog=_epilog())(query_command)


def _epilog() -> str:
    names = ", ".join(query_names())
    return (f"Questions: {names}.\n\n"
            "Example: celltx query targets_in_condition_by_platform -p condition=AML")


def query_command(
    name: Annotated[str | None, typer.Argument(
        help="A stored question (see --list).", show_default=False)] = None,
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", help="A parameter as key=value (repeatable).",
        show_default=False)] = None,
    engine: Annotated[str, typer.Option(
        "--engine", "-e", help=f"One of: {', '.join(ENGINES)}.")] = "embedded",
    endpoint: Annotated[str | None, typer.Option(
        "--endpoint", help="SPARQL endpoint URL (sparql) or bolt:// URI (neo4j).",
        show_default=False)] = None,
    graph: GraphOption = None,
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV with a header row.")] = False,
    list_: Annotated[bool, typer.Option("--list", "-l", help="List the stored questions.")]
    = False,
    labels: Annotated[bool, typer.Option(
        "--labels", help="With --csv: targets by their usual names, 'BCMA (TNFRSF17)', as "
        "the table shows them (for a slide or a spreadsheet); ids otherwise.")] = False,
) -> None:
    """Answer a stored landscape question (Cypher on the embedded engine by default)."""
    try:
        answer_query(name, param, engine, endpoint, graph, as_json, as_csv, list_, labels)
    except CommandFailed as exc:
        raise typer.Exit(exc.code) from None
