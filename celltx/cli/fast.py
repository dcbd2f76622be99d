"""The two command lines that must answer at once, without typer: ``celltx --help`` (``-h``) and
a well-formed ``celltx query …``.

Importing typer, building every command from its signature and, for each parameter, a pydantic
adapter took longer than answering a stored question (issue 13: ``--help`` within 0.2 s, a
question within 0.4 s). :func:`run` recognises exactly these command lines and otherwise returns
None, and :func:`celltx.cli.main` hands the arguments to typer unchanged: anything unusual
(``--`` or ``-pVALUE``, a repeated option, an option value starting with ``-``, an unknown
option, ``query --help``, a narrow terminal that would wrap the usage line, shell completion) is
parsed, reported and helped by typer itself.

What is printed is typer's: the root help is drawn with the renderables, styles and console of
``typer.rich_utils.rich_format_help``, and the question is answered by the very function the
typer command calls (:func:`celltx.cli.questions.answer_query`) with the values typer would
convert. ``tests/test_cli_fast.py`` compares both paths' output, byte for byte, under several
terminal settings, and :data:`COMMANDS` with the registered commands.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

ROOT_HELP = "A knowledge graph of immune-cell-therapy clinical trials."
"""The root command's help (``celltx.cli.app`` is made with it)."""

COMMANDS: tuple[tuple[str, str], ...] = (
    ("build", "Read trial records and build the graph (default: the bundled sample)."),
    ("stats", "Counts: records read, trials, rejects, merges, nodes and relationships per type."),
    ("trial", "Everything the graph holds about one trial."),
    ("trials", "The trials behind a count: every trial matching all the filters given, one row "
               "each."),
    ("rejects", "Records that could not become trials, with file, record, field and reason."),
    ("merges", "Trials read from several sources, with the evidence for each merge."),
    ("explain", "Why each product, platform, target, cell source and construct of a trial is "
                "there."),
    ("landscape", "Answer the headline landscape questions on the embedded engines (no server "
                  "needed)."),
    ("push", "Push the graph to a Neo4j 5 server: constraints, then batched MERGE; safe to "
             "repeat."),
    ("query", "Answer a stored landscape question (Cypher on the embedded engine by default)."),
    ("validate", "Check the RDF export: it parses with rdflib and pyoxigraph and conforms to the "
                 "shapes."),
    ("fetch", "Fetch studies from ClinicalTrials.gov (resumable; re-run the same command to "
              "continue)."),
    ("report", "Write a static HTML landscape report (inline SVG charts, opens without "
               "network)."),
    ("vocab", "The vocabulary tables: look up how text normalises."),
    ("export", "Write the graph in other formats."),
)
"""The commands in the order they are registered, each with the first paragraph of its help:
what the root help lists (a test checks them against the typer application)."""

ROOT_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--version", "", "Print the version and exit."),
    ("--help", "-h", "Show this message and exit."),
)
"""The root options as its help shows them: long name, short name, help."""

USAGE_ARGS = "[OPTIONS] COMMAND [ARGS]..."


def run(argv: list[str]) -> int | None:
    """The exit status of a command line answered here, or None to leave it to typer."""
    if argv in (["--help"], ["-h"]):
        prog = program_name()
        if _completing(prog) or not _usage_fits(prog):
            return None
        print_root_help(prog)
        return 0
    if argv[:1] == ["query"]:
        args = query_args(argv[1:])
        if args is None or _completing(program_name()):
            return None
        return _answer(args)
    return None


# ---- what typer (its vendored click) would do before any command runs ---------------------

def program_name() -> str:
    """The program's name as click's ``_detect_program_name`` gives it: ``celltx`` for the
    installed script, ``python -m celltx`` for the module."""
    main = sys.modules["__main__"]
    path = sys.argv[0]
    package = getattr(main, "__package__", None)
    if package in {None, ""} or (os.name == "nt" and package == "" and not os.path.exists(path)
                                  and os.path.exists(f"{path}.exe")):
        return os.path.basename(path)
    name = os.path.splitext(os.path.basename(path))[0]
    module = str(package) if name == "__main__" else f"{package}.{name}"
    return f"python -m {module.lstrip('.')}"


def _completing(prog: str) -> bool:
    """Whether the shell asks for completions (typer answers those)."""
    return bool(os.environ.get(f"_{prog}_COMPLETE".replace("-", "_").upper()))


def _usage_fits(prog: str) -> bool:
    """Whether click writes the usage line unwrapped (its help formatter's width)."""
    import shutil

    width = max(min(shutil.get_terminal_size().columns, 80) - 2, 50)
    return len(f"Usage: {prog} {USAGE_ARGS}") <= width


# ---- celltx --help ----------------------------------------------------------------------

def _rich_console() -> Console:
    """The console of ``typer.rich_utils._get_rich_console`` (styles, colour and width from the
    same environment variables)."""
    from rich.console import Console
    from rich.theme import Theme

    width = os.getenv("TERMINAL_WIDTH")
    force_terminal = (True if os.getenv("GITHUB_ACTIONS") or os.getenv("FORCE_COLOR")
                      or os.getenv("PY_COLORS") else None)
    if os.getenv("_TYPER_FORCE_DISABLE_TERMINAL"):
        force_terminal = False
    return Console(
        theme=Theme({"option": "bold cyan", "switch": "bold green",
                     "negative_option": "bold magenta", "negative_switch": "bold red",
                     "types": "bold yellow", "types_sep": "dim", "usage": "yellow"}),
        highlighter=_highlighters()[0], color_system="auto", force_terminal=force_terminal,
        width=int(width) if width else None, stderr=False)


def _highlighters() -> tuple[Any, Any, Any]:
    """typer's option, negative-option and types highlighters."""
    from rich.highlighter import RegexHighlighter

    class OptionHighlighter(RegexHighlighter):
        highlights = [
            r"(^|\W)(?P<switch>\-\w+)(?![a-zA-Z0-9])",
            r"(^|\W)(?P<option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
            r"(?P<types>\<[^\>]+\>)",
            r"(?P<usage>Usage: )",
        ]

    class NegativeOptionHighlighter(RegexHighlighter):
        highlights = [
            r"(^|\W)(?P<negative_switch>\-\w+)(?![a-zA-Z0-9])",
            r"(^|\W)(?P<negative_option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
        ]

    class TypesHighlighter(RegexHighlighter):
        highlights = [
            r"^(?P<types_sep>(\[|<))",
            r"(?P<types_sep>\|)",
            r"(?P<types_sep>(\]|>))(\.\.\.)?$",
        ]

    return OptionHighlighter(), NegativeOptionHighlighter(), TypesHighlighter()


def print_root_help(prog: str) -> None:
    """``celltx --help`` as typer prints it (``rich_format_help`` of the root group, then the
    empty line click echoes after it)."""
    from rich.align import Align
    from rich.columns import Columns
    from rich.console import Group
    from rich.padding import Padding
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    highlighter, negative, types = _highlighters()
    console = _rich_console()

    def text(markup: str) -> Text:
        return highlighter(Text.from_markup(markup, style=""))  # type: ignore[no-any-return]

    console.print(Padding(highlighter(f"Usage: {prog} {USAGE_ARGS}"), 1), style="bold")
    console.print(Padding(Align(Group(text(ROOT_HELP), fit=True), pad=False), (0, 1, 1, 1)))

    options = Table(highlight=True, show_header=False, expand=True, box=None, show_lines=False,
                    leading=0, border_style=None, row_styles=None, pad_edge=False,
                    padding=(0, 1))
    for long, short, help_text in ROOT_OPTIONS:
        options.add_row(highlighter(long), highlighter(short), negative(""), negative(""),
                        types(Text("", style="bold yellow", overflow="fold")),
                        Columns([text(help_text)]))
    console.print(Panel(options, border_style="dim", title="Options", title_align="left"))

    commands = Table(highlight=False, show_header=False, expand=True, box=None,
                     show_lines=False, leading=0, border_style=None, row_styles=None,
                     pad_edge=False, padding=(0, 1))
    commands.add_column(style="bold cyan", no_wrap=True,
                        width=max(len(name) for name, _ in COMMANDS))
    commands.add_column("Description", justify="left", no_wrap=False, ratio=10)
    for name, help_text in COMMANDS:
        commands.add_row(Text(name), text(help_text))
    console.print(Panel(commands, border_style="dim", title="Commands", title_align="left"))
    sys.stdout.write("\n")
    sys.stdout.flush()


# ---- celltx query …  ---------------------------------------------------------------------

_VALUE_OPTIONS = {"--param": "param", "-p": "param", "--engine": "engine", "-e": "engine",
                  "--endpoint": "endpoint", "--graph": "graph", "-g": "graph"}
_FLAGS = {"--json": "as_json", "--csv": "as_csv", "--list": "list_", "-l": "list_",
          "--labels": "labels"}


def query_args(args: list[str]) -> dict[str, Any] | None:
    """The arguments of ``answer_query`` for ``celltx query ARGS`` as typer converts them, or
    None when ARGS holds anything but a name, ``--opt VALUE``, ``--opt=VALUE`` and flags, each
    value option at most once (``--param`` repeatable) and no value that is empty or starts
    with ``-``."""
    out: dict[str, Any] = {"name": None, "param": [], "engine": None, "endpoint": None,
                           "graph": None, "as_json": False, "as_csv": False, "list_": False,
                           "labels": False}
    names: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token in _FLAGS:
            out[_FLAGS[token]] = True
            continue
        option, eq, value = token.partition("=") if token.startswith("--") else (token, "", "")
        if option in _VALUE_OPTIONS:
            if not eq:
                if i == len(args):
                    return None
                value = args[i]
                i += 1
            key = _VALUE_OPTIONS[option]
            if not value or value.startswith("-") or (key != "param" and out[key] is not None):
                return None
            if key == "param":
                out["param"].append(value)
            else:
                out[key] = value
            continue
        if not token or token.startswith("-"):
            return None
        names.append(token)
    if len(names) > 1:
        return None
    out["name"] = names[0] if names else None
    out["engine"] = out["engine"] or "embedded"
    out["param"] = out["param"] or None
    from celltx.graph.store import ENV_VAR  # (which the --graph option reads)

    graph = out["graph"] or os.environ.get(ENV_VAR) or None
    if graph is not None:
        try:
            os.stat(graph)
        except OSError:
            pass
        else:
            if not os.access(graph, os.R_OK):
                return None  # typer says it is not readable
        graph = Path(graph)
    out["graph"] = graph
    return out


def _answer(args: dict[str, Any]) -> int:
    from celltx.cli.output import CommandFailed
    from celltx.cli.questions import answer_query

    try:
        answer_query(**args)
    except CommandFailed as exc:
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _broken_pipe()
    return 0


def _broken_pipe() -> int:
    """Exit 1 quietly on a closed pipe, as click does."""
    from typer._click.utils import PacifyFlushWrapper

    sys.stdout = PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
    sys.stderr = PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
    return 1
