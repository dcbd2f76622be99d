"""``celltx export``: the group that output writers add their commands to (rdf, neo4j-csv)."""

from __future__ import annotations

import typer

export_app = typer.Typer(help="Write the graph in other formats.", no_args_is_help=True)
