"""Options and output helpers shared by every command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from celltx.graph import store

if TYPE_CHECKING:
    from celltx.graph.trial_graph import TrialGraph

T = TypeVar("T")

GraphOption = Annotated[
    Path | None,
    typer.Option("--graph", "-g", envvar=store.ENV_VAR,
                 help=f"Graph directory (default: ./{store.DEFAULT_DIR}).", show_default=False),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]

console = Console()
err_console = Console(stderr=True)


def graph_dir(path: Path | None) -> Path:
    return path if path is not None else store.default_dir()


def read_graph_dir(read: Callable[[Path], T], path: Path | None) -> T:
    """``read`` (a ``store`` loader) on the graph directory, or a failure naming what is wrong."""
    try:
        return read(graph_dir(path))
    except store.GraphDirError as exc:
        fail(str(exc))


def load_graph(path: Path | None) -> TrialGraph:
    """The graph kept in ``path`` (default: ``$CELLTX_GRAPH`` or ./celltx-graph), or a failure."""
    return read_graph_dir(store.load, path)


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
