"""``celltx export rdf`` and ``celltx validate``: the graph as linked data, and its check."""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    read_graph_dir,
)
from celltx.cli.export import export_app
from celltx.graph import store

if TYPE_CHECKING:  # rdf_validate imports rdflib and pyshacl: only `celltx validate` needs them
    from celltx.graph.rdf_validate import ValidationReport

DEFAULT_BASE = "https://w3id.org/celltx/"
"""``celltx.graph.rdf_writer.DEFAULT_BASE`` (tests/test_cli_startup.py checks it), repeated so
that the writer is imported when a command runs, not to show help."""


class RdfFormatName(StrEnum):
    ttl = "ttl"
    nt = "nt"
    jsonld = "jsonld"
    trig = "trig"


def register(app: typer.Typer) -> None:
    app.command("validate")(validate_command)


@export_app.command("rdf")
def export_rdf_command(
    out: Annotated[Path, typer.Argument(help="File to write.", show_default=False)],
    fmt: Annotated[RdfFormatName | None, typer.Option(
        "--format", "-f", help="ttl, nt, jsonld or trig (default: from OUT's extension, "
        "else ttl). TriG keeps one named graph per source file.",
        show_default=False)] = None,
    base: Annotated[str, typer.Option(
        "--base", help="Base IRI of the project's own resources (products, sponsors, sites).",
    )] = DEFAULT_BASE,
    graph: GraphOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the graph as RDF: one self-contained dataset with vocabulary and provenance."""
    from celltx.graph.rdf_writer import ExportOptions, RdfExportError, write_rdf
    from celltx.outputs import OutputPathError, atomic_file, check_file

    directory = graph_dir(graph)
    try:
        check_file(out, outside=directory)
    except OutputPathError as exc:
        fail(str(exc))
    tg = load_graph(directory)
    stats = read_graph_dir(store.load_stats, directory)
    name = fmt.value if fmt else _format_from_name(out)
    try:
        with atomic_file(out) as tmp:
            report = write_rdf(tg, tmp, name, ExportOptions(base=base, stats=stats))
    except RdfExportError as exc:
        fail(f"{directory}: {exc}")
    if as_json:
        print_json({"path": str(out), "format": name, "statements": report.statements,
                    "graphs": report.graphs, "seconds": round(report.seconds, 3),
                    "skipped_attributes": report.skipped_attributes})
        return
    console.print(f"Wrote {report.statements:,} statements ({name}"
                  f"{f', {report.graphs} graphs' if name == 'trig' else ''}) to "
                  f"[bold]{escape(str(out))}[/] in {report.seconds:.1f} s", markup=True)
    for attr, n in report.skipped_attributes.items():
        err_console.print(f"[yellow]not exported:[/] attribute {escape(attr)} ({n} nodes) "
                          "has no property in the vocabulary", markup=True, highlight=False)


def _format_from_name(out: Path) -> str:
    from celltx.graph.rdf_writer import format_of

    try:
        return format_of(out)
    except ValueError:
        return "ttl"


def validate_command(
    file: Annotated[Path | None, typer.Option(
        "--file", help="Validate this RDF export instead of exporting the graph first.",
        show_default=False)] = None,
    graph: GraphOption = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Violations to list.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """Check the RDF export: it parses with rdflib and pyoxigraph and conforms to the shapes.

    Exits with status 1 when there are violations.
    """
    from celltx.graph.rdf_validate import RdfParseError, validate_file
    from celltx.graph.rdf_writer import RdfExportError

    try:
        if file is not None:
            if not file.exists():
                fail(f"no such file: {file}")
            if not file.is_file():  # a pipe was waited on for ever
                fail(f"{file} is not a regular file (a folder, pipe, device or socket)")
            report = validate_file(file)
        else:
            report = _validate_graph_dir(graph_dir(graph))
    except (RdfParseError, RdfExportError, ValueError) as exc:
        fail(str(exc))
    if as_json:
        print_json(report.to_json())
    else:
        _print_report(report, limit)
    if not report.conforms:
        raise typer.Exit(1)


def _validate_graph_dir(directory: Path) -> ValidationReport:
    from celltx.graph.rdf_validate import validate_file
    from celltx.graph.rdf_writer import ExportOptions, write_rdf

    tg = load_graph(directory)
    stats = read_graph_dir(store.load_stats, directory)
    with tempfile.TemporaryDirectory(prefix="celltx-validate-") as tmp:
        path = Path(tmp) / "export.nt"
        write_rdf(tg, path, "nt", ExportOptions(stats=stats))
        report = validate_file(path, "nt")
    report.path = directory
    return report


def _print_report(report: ValidationReport, limit: int) -> None:
    from celltx.graph.rdf_validate import compact

    errors = [v for v in report.violations if v.severity == "Violation"]
    if not report.violations:
        console.print(f"[green]Valid:[/] {escape(str(report.path))}: {report.triples:,} "
                      "triples parse with rdflib and pyoxigraph and conform to "
                      "ontology/shapes.ttl", markup=True)
        return
    table = Table(title=f"{len(report.violations)} SHACL results in {report.path}")
    for col in ("severity", "focus node", "path", "message", "value"):
        table.add_column(col, overflow="fold")
    for v in report.violations[:limit]:
        table.add_row(v.severity, compact(v.focus), compact(v.path) if v.path else "",
                      v.message, v.value or "")
    console.print(table)
    if len(report.violations) > limit:
        console.print(f"… and {len(report.violations) - limit} more (--limit, or --json)")
    if errors:
        err_console.print(f"[bold red]Invalid:[/] {len(errors)} violations", markup=True)
