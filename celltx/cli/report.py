"""``celltx report``: the landscape as one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from celltx.cli.common import GraphOption, console, fail, graph_dir, load_graph


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)


def report_command(
    out: Annotated[Path, typer.Argument(help="The HTML file to write, e.g. landscape.html.")],
    graph: GraphOption = None,
    condition: Annotated[list[str] | None, typer.Option(
        "--condition", "-c", help="Report on trials in this condition (id, name or synonym "
        "such as AML); repeat for several. Default: all trials, each condition category and "
        "the conditions with the most trials.", show_default=False)] = None,
    top: Annotated[int, typer.Option(
        "--top", min=0, help="How many of the conditions with the most trials get a view.")] = 12,
    title: Annotated[str, typer.Option("--title", help="The report's title.")] =
        "Cell-therapy trial landscape",
) -> None:
    """Write a static HTML landscape report (inline SVG charts, opens without network)."""
    from celltx.outputs import OutputPathError, atomic_file, check_file
    from celltx.report import render_report

    directory = graph_dir(graph)
    try:
        check_file(out, outside=directory)
    except OutputPathError as exc:
        fail(str(exc))
    g = load_graph(directory)
    try:
        page = render_report(g, conditions=condition or None, title=title,
                             source=str(directory), top_conditions=top)
    except ValueError as exc:
        fail(str(exc))
    with atomic_file(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    console.print(f"Report written to [bold]{escape(str(out))}[/] ({len(page) // 1024} KiB); "
                  "open it in a browser.", markup=True, highlight=False)
