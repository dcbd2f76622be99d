"""The ``celltx`` command line: a thin skin over the Python API, one module per command group."""

from __future__ import annotations

import typer

from celltx.cli import core, explain, fetch, landscape, neo4j, query, rdf, report, vocab
from celltx.cli.export import export_app

app = typer.Typer(
    name="celltx",
    help="A knowledge graph of immune-cell-therapy clinical trials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
core.register(app)
explain.register(app)
landscape.register(app)
neo4j.register(app)
query.register(app)
rdf.register(app)
vocab.register(app)
fetch.register(app)
report.register(app)
app.add_typer(export_app, name="export")


def main() -> None:
    app()
