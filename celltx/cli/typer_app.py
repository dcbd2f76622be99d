"""The typer application of the ``celltx`` command line (``celltx.cli.app``): every command
group registered on one ``typer.Typer``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from celltx import __version__
from celltx.cli import core, explain, fetch, landscape, neo4j, query, rdf, report, vocab
from celltx.cli.export import export_app
from celltx.cli.fast import ROOT_HELP


class _RootGroup(TyperGroup):
    """The root command, whose own help (``celltx -h``) is drawn before its callback runs: it
    tidies its options first, as :func:`_tidy` does every command's."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _tidy_options(self, ctx)
        super().format_help(ctx, formatter)


app = typer.Typer(
    name="celltx",
    cls=_RootGroup,
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
    _tidy(ctx.command, ctx)


def _tidy(command: Any, ctx: Any) -> None:
    """Help in the usual conventions: flags (``--help`` too) without a type, arguments as
    NCT_ID; for a command and its subcommands."""
    _tidy_options(command, ctx)
    for sub in getattr(command, "commands", {}).values():
        _tidy(sub, ctx)


def _tidy_options(command: Any, ctx: Any) -> None:
    for param in [*command.params, command.get_help_option(ctx)]:
        if isinstance(param, TyperOption) and param.is_flag:
            param.metavar = ""
        elif isinstance(param, TyperArgument) and param.metavar is None and param.name:
            param.metavar = param.name.upper()
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
