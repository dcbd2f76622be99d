"""The ``celltx`` command line: a thin skin over the Python API, one module per command group.

The typer application is ``app`` (``from celltx.cli import app``), built on first use in
:mod:`celltx.cli.typer_app`. :func:`main` first offers the arguments to :mod:`celltx.cli.fast`,
which answers ``celltx --help`` and well-formed ``celltx query …`` lines without typer (its
start-up, with the pydantic adapters it builds to convert parameters, took longer than the
answer); every other command line, and any it does not recognise exactly, goes to typer.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

    app: typer.Typer


def main() -> None:
    from celltx.cli.fast import run

    code = run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from celltx.cli.typer_app import app

    app()


def __getattr__(name: str) -> Any:
    """``app``, the typer application, imported on first use."""
    if name == "app":
        from celltx.cli.typer_app import app

        return app
    raise AttributeError(f"module 'celltx.cli' has no attribute {name!r}")
