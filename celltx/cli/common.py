"""Options and output helpers shared by every command."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from celltx.cli.output import get_console, graph_dir, print_error, print_json
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

console = get_console()
err_console = get_console(stderr=True)
__all__ = ["GraphOption", "JsonOption", "console", "err_console", "fail", "graph_dir",
           "load_graph", "print_json", "read_graph_dir"]


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
    print_error(message)
    raise typer.Exit(code)
