"""Output and failure helpers of the command line that need neither typer nor, until something
is printed with it, rich: :mod:`celltx.cli.fast` answers with them before typer is imported, and
:mod:`celltx.cli.common` shares them with the typer commands."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from rich.console import Console

_consoles: dict[bool, Console] = {}


def get_console(*, stderr: bool = False) -> Console:
    """The rich console on stdout (or stderr), made on first use (importing rich takes a while
    that JSON output does not need).

    It reads no markup and no emoji codes in what it prints: names, titles, paths and messages
    come from records and users and may hold ``[/]`` or ``:smile:``. A line that styles a
    word of its own passes ``markup=True`` and escapes the rest (:func:`rich.markup.escape`)."""
    console = _consoles.get(stderr)
    if console is None:
        from rich.console import Console

        console = _consoles[stderr] = Console(stderr=stderr, markup=False, emoji=False)
        console.push_render_hook(_without_control_codes())
    return console


def _without_control_codes() -> Any:
    """A rich render hook that drops :data:`celltx.outputs.CONTROL_CODES` (all of width 0 to
    rich: tables stay aligned) from the text of what is printed, not from the styles that rich
    turns into escape sequences afterwards."""
    from rich.console import RenderHook
    from rich.segment import Segment

    from celltx.outputs import CONTROL_CODES as codes

    class Printable:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __rich_console__(self, console: Any, options: Any) -> Any:
            for segment in console.render(self.inner, options):
                if segment.control is None and codes.search(segment.text):
                    segment = Segment(codes.sub("", segment.text), segment.style)
                yield segment

    class Hook(RenderHook):
        def process_renderables(self, renderables: list[Any]) -> list[Any]:
            return [Printable(r) for r in renderables]

    return Hook()


class CommandFailed(Exception):
    """A command that printed why it failed and must exit with ``code`` (typer turns it into
    ``typer.Exit``; :mod:`celltx.cli.fast` into the process's exit status)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def print_error(message: str) -> None:
    """``Error: message`` on stderr (bold red on a terminal), never wrapped."""
    from rich.markup import escape

    get_console(stderr=True).print(f"[bold red]Error:[/] {escape(message)}", markup=True,
                                   highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    print_error(message)
    raise CommandFailed(code)


def graph_dir(path: Path | None, *, reading: bool = True) -> Path:
    """The graph directory ``path`` (default: ``$CELLTX_GRAPH`` or ./celltx-graph). When a
    command reads it (``reading``), a note on stderr if it was built by an earlier graph format
    or other vocabulary tables (:func:`celltx.graph.store.stale_note`), once per process."""
    from celltx.graph import store

    directory = path if path is not None else store.default_dir()
    if reading and directory not in _NOTED:
        _NOTED.add(directory)
        note = store.stale_note(directory)
        if note:
            from rich.markup import escape

            get_console(stderr=True).print(f"[bold yellow]Note:[/] {escape(note)}",
                                           markup=True, highlight=False, soft_wrap=True)
    return directory


_NOTED: set[Path] = set()
"""The graph directories :func:`graph_dir` has looked at (each is noted once)."""


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def cell_text(value: Any) -> str:
    """A value as one table or CSV cell: nothing for null, a list's items joined by "; "."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(cell_text(v) for v in value)
    return str(value)


def print_csv(columns: list[str], rows: Any) -> None:
    """``rows`` (lists of values in ``columns``' order) as CSV with a header row, on stdout."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell_text(v) for v in row])
