"""``celltx push`` (to a Neo4j 5 server), ``celltx export neo4j-csv`` and ``neo4j-guide``.

Credentials come from options or the environment (``NEO4J_URI``, ``NEO4J_USERNAME``,
``NEO4J_PASSWORD``, ``NEO4J_DATABASE``); the password only from the environment or a prompt,
never from a file of the repository.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from celltx.cli.common import (
    GraphOption,
    JsonOption,
    console,
    err_console,
    fail,
    graph_dir,
    load_graph,
    print_json,
)
from celltx.cli.export import export_app
from celltx.graph.cypher_statements import DEFAULT_BATCH


def register(app: typer.Typer) -> None:
    app.command("push")(push_command)


def push_command(
    graph: GraphOption = None,
    uri: Annotated[str | None, typer.Option(
        "--uri", envvar="NEO4J_URI", show_default=False,
        help="Bolt URI of the server, e.g. bolt://localhost:7687 (or $NEO4J_URI).")] = None,
    user: Annotated[str | None, typer.Option(
        "--user", "-u", envvar="NEO4J_USERNAME", show_default=False,
        help="User name (or $NEO4J_USERNAME); the password is read from $NEO4J_PASSWORD, "
             "or asked for. Without a user, no authentication.")] = None,
    database: Annotated[str | None, typer.Option(
        "--database", "-d", envvar="NEO4J_DATABASE", show_default=False,
        help="Database name (default: the server's default database).")] = None,
    batch_size: Annotated[int, typer.Option(
        "--batch-size", min=1, help="Rows per UNWIND batch and transaction.")] = DEFAULT_BATCH,
    max_batch_bytes: Annotated[int | None, typer.Option(
        "--max-batch-bytes", min=256, show_default=False,
        help="Also cap each batch's parameters at about this many bytes (FalkorDB's Bolt "
             "endpoint needs < 4096).")] = None,
    prune: Annotated[bool, typer.Option(
        "--prune", help="Also delete trials (and other celltx nodes and relationships) that "
                        "the graph no longer holds.")] = False,
    full: Annotated[bool, typer.Option(
        "--full", help="Send every trial, not only those whose content hash differs from the "
                       "server's (after the database was edited by hand).")] = False,
    per_trial: Annotated[bool, typer.Option(
        "--per-trial", hidden=True, help="One transaction per trial (slow; for benchmarks).")
    ] = False,
    as_json: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Push the graph to a Neo4j 5 server: constraints, then batched MERGE; safe to repeat."""
    from neo4j.exceptions import DriverError, Neo4jError
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from celltx.graph.neo4j_connection import ServerError, describe, open_driver
    from celltx.graph.neo4j_writer import progress_total, push_graph

    if not uri:
        fail("no server given: use --uri bolt://HOST:7687 or set NEO4J_URI "
             "(see docs/neo4j.md for docker compose)")
    g = load_graph(graph)
    password = os.environ.get("NEO4J_PASSWORD")
    if user and password is None:
        if not sys.stdin.isatty():  # a script or a pipe: a prompt would wait, or read a line
            fail(f"no password for {user} at {uri}: set $NEO4J_PASSWORD (a prompt asks for "
                 "it only in a terminal)")
        password = typer.prompt(f"Password for {user} at {uri}", hide_input=True)
    auth = (user, password or "") if user else None
    try:
        with open_driver(uri, auth) as driver, Progress(
                TextColumn("{task.description:<34}", markup=False), BarColumn(),
                MofNCompleteColumn(), TimeElapsedColumn(), console=err_console, transient=True,
                disable=quiet or as_json) as bar:
            task = bar.add_task("connecting", total=progress_total(g, per_trial=per_trial))

            def progress(what: str, n: int) -> None:
                bar.update(task, description=what, advance=n)

            report = push_graph(g, driver, database=database, batch_size=batch_size,
                                max_bytes=max_batch_bytes, prune=prune, per_trial=per_trial,
                                full=full, progress=progress)
    except ServerError as exc:
        fail(str(exc))
    except (Neo4jError, DriverError) as exc:
        fail(describe(exc, uri, user))
    summary = report.as_dict()
    summary["graph"] = {"nodes": g.g.number_of_nodes(), "relationships": g.g.number_of_edges()}
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"Pushed to {uri}")
    table.add_column("counter")
    table.add_column("value", justify="right")
    for name, value in summary["counters"].items():
        table.add_row(name.replace("_", " "), str(value))
    for name, value in summary["trials"].items():
        table.add_row(f"trials {name}", str(value))
    table.add_row("rows written", str(report.rows))
    table.add_row("transactions", str(report.transactions))
    console.print(table)
    for note in report.notes:
        err_console.print(f"[yellow]note:[/] {escape(note)}", markup=True, highlight=False,
                          soft_wrap=True)
    console.print(f"graph: {summary['graph']['nodes']} nodes, "
                  f"{summary['graph']['relationships']} relationships")


@export_app.command("neo4j-csv")
def export_neo4j_csv(
    directory: Annotated[Path, typer.Argument(help="Folder for the CSV files and import.sh.")],
    graph: GraphOption = None,
    array_delimiter: Annotated[str | None, typer.Option(
        "--array-delimiter", show_default=False,
        help="Separator of array elements in a cell (default: ';', or if an element holds "
             "one, the first of '|', '¦', U+001F that none holds).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Files for `neo4j-admin database import full`, with the command in import.sh."""
    from celltx.graph.neo4j_csv import IntegrityError, check_import_dir, write_import_dir
    from celltx.outputs import OutputPathError, atomic_dir

    try:
        check_import_dir(directory)
    except OutputPathError as exc:
        fail(str(exc))
    g = load_graph(graph)
    try:
        with atomic_dir(directory) as tmp:
            written, delimiter = write_import_dir(g, tmp, array_delimiter)
        paths = [directory / p.name for p in written]
    except IntegrityError as exc:
        fail(f"nothing written to {directory}: {exc}")
    if as_json:
        print_json({"directory": str(directory), "files": [p.name for p in paths],
                    "array_delimiter": delimiter})
        return
    if delimiter != ";":
        err_console.print(f"[yellow]note:[/] array elements contain ';', so arrays are joined "
                          f"with {escape(repr(delimiter))} (import.sh passes it to neo4j-admin)",
                          markup=True)
    console.print(f"{len(paths) - 1} files and import.sh in [bold]{escape(str(directory))}[/]; "
                  f"load with: {escape(str(directory / 'import.sh'))} \\[database]",
                  markup=True)


@export_app.command("neo4j-guide")
def export_neo4j_guide(
    out: Annotated[Path, typer.Argument(help="The guide's HTML file, e.g. guide/celltx.html.")],
    graph: GraphOption = None,
) -> None:
    """A Neo4j Browser guide (`:play URL`) with the stored queries and the graph's counts."""
    from celltx.graph.neo4j_guide import catalogue_queries, guide_html
    from celltx.outputs import OutputPathError, atomic_file, check_file

    try:
        check_file(out, outside=graph_dir(graph))
    except OutputPathError as exc:
        fail(str(exc))
    g = load_graph(graph)
    text = guide_html(catalogue_queries(), g.node_counts(), g.edge_counts())
    with atomic_file(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    console.print(f"guide written to [bold]{escape(str(out))}[/]; in Neo4j Browser: "
                  ":play <its URL>", markup=True)
