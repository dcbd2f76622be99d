"""The typer application of the ``celltx`` command line (``celltx.cli.app``): every command
group registered on one ``typer.Typer``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperOption

from celltx import __version__
from celltx.cli import core, explain, fetch, landscape, neo4j, query, rdf, report, vocab
from celltx.cli.export import export_app
from celltx.cli.fast import ROOT_HELP

app = typer.Typer(
    name="celltx",
    help=ROOT_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"celltx {__version__}")  # = the package metadata's (a test checks)
        raise typer.Exit()


@app.callback()
def _root(ctx: typer.Context, version: Annotated[bool, typer.Option(
        "--version", help="Print the version and exit.", callback=_print_version,
        is_eager=True)] = False) -> None:
    _tidy(ctx.command)


def _tidy(command: Any) -> None:
    """Help in the usual conventions: flags without a type, arguments as NCT_ID."""
    for param in command.params:
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""
        elif isinstance(param, TyperArgument) and param.metavar is None and param.name:
            param.metavar = param.name.upper()
    for sub in getattr(command, "commands", {}).values():
        _tidy(sub)
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
