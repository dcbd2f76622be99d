"""``celltx vocab lookup TEXT``: what a string normalises to and why."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from celltx.cli.common import JsonOption, console, fail, print_json


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The vocabulary tables: look up how text normalises.",
                        no_args_is_help=True)
    group.command("lookup")(lookup_command)
    app.add_typer(group, name="vocab")


def lookup_command(
    text: Annotated[str, typer.Argument(help="A target, condition, drug, sponsor or phrase.")],
    as_json: JsonOption = False,
) -> None:
    """Show what TEXT normalises to: table, row, alias or rule."""
    if not text.strip():
        fail("give a text to look up, e.g. celltx vocab lookup 'anti-BCMA CAR-T'", code=2)
    from celltx.ontology.vocab import lookup

    result = lookup(text)
    if as_json:
        print_json(result)
        return
    console.print(f"[bold]{escape(text)}[/]", markup=True)
    if result["masked"]:
        console.print(f"  masked as not-a-therapy phrase: {result['masked']!r}")
    console.print(f"  platform cue: {result['platform'] or '-'}")
    for t in result["targets"]:
        console.print(f"  target {t['symbol']} ({t['kind']}) {t['iri'] or ''} "
                      f"<- {t['table']} alias {t['alias']!r} [{t['rule']}]")
    for c in result["product_codes"]:
        console.print(f"  product code {c['code']} -> {c['platform']} {c['targets']} "
                      f"<- {c['table']} alias {c['alias']!r}")
    cond = result["condition"]
    if cond:
        console.print(f"  condition {cond['label']} ({cond['category']}) {cond['iri']} "
                      f"<- {cond['table']}: {cond['rule']}")
    for a in result["agents"]:
        console.print(f"  agent {a['key']} ({a['role']}) {a['iri'] or ''} <- alias {a['alias']!r}")
    org = result["organization"]
    console.print(f"  as an organisation: key {org['key']!r}, name {org['name']!r}")
