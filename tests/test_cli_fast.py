"""``celltx --help`` and ``celltx query …`` answered without typer (celltx.cli.fast) print what
typer prints, byte for byte, with the same exit status; other command lines go to typer.

Both paths run in fresh processes: ``python -m celltx ARGS`` (the fast path where it applies)
against the typer application called with the same arguments and program name.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from celltx.cli import fast

TYPER = ("import sys\nfrom celltx.cli import app\n"
         "app(sys.argv[1:], prog_name='python -m celltx')\n")
ENV_KEYS = ("COLUMNS", "LINES", "TERMINAL_WIDTH", "FORCE_COLOR", "NO_COLOR", "PY_COLORS",
            "GITHUB_ACTIONS", "_TYPER_FORCE_DISABLE_TERMINAL", "CELLTX_GRAPH")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    return {**env, **extra}


def _both(args: list[str], **env: str) -> tuple[subprocess.CompletedProcess[bytes], ...]:
    fast_run = subprocess.run([sys.executable, "-m", "celltx", *args], capture_output=True,
                              env=_env(**env), timeout=300)
    typer_run = subprocess.run([sys.executable, "-c", TYPER, *args], capture_output=True,
                               env=_env(**env), timeout=300)
    return fast_run, typer_run


def _same(args: list[str], **env: str) -> subprocess.CompletedProcess[bytes]:
    fast_run, typer_run = _both(args, **env)
    assert fast_run.stdout.decode() == typer_run.stdout.decode()
    assert fast_run.stderr.decode() == typer_run.stderr.decode()
    assert fast_run.returncode == typer_run.returncode
    return fast_run


def _modules_after(args: list[str]) -> set[str]:
    probe = ("import json, sys\nfrom celltx.cli import main\n"
             f"sys.argv = ['celltx', *{args!r}]\n"
             "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
             "sys.stderr.write('\\nMODULES ' + json.dumps(sorted(sys.modules)) + '\\n')\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=_env(), timeout=300)
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):]))


@pytest.mark.parametrize("env", [
    {}, {"COLUMNS": "120"}, {"COLUMNS": "60"}, {"COLUMNS": "52"}, {"TERMINAL_WIDTH": "40"},
    {"FORCE_COLOR": "1"}, {"FORCE_COLOR": "1", "COLUMNS": "200"},
    {"FORCE_COLOR": "1", "NO_COLOR": "1"},
    {"PY_COLORS": "1", "_TYPER_FORCE_DISABLE_TERMINAL": "1"},
], ids=lambda env: " ".join(f"{k}={v}" for k, v in env.items()) or "plain")
def test_root_help_is_typers(env: dict[str, str]) -> None:
    for flag in ("--help", "-h"):
        done = _same([flag], **env)
        assert done.returncode == 0 and b"Commands" in done.stdout


def test_the_commands_listed_are_the_registered_ones() -> None:
    import inspect

    from typer.main import get_command

    from celltx.cli import app

    group = get_command(app)
    registered = [(name, inspect.cleandoc(command.help or "").split("\n\n")[0])
                  for name, command in group.commands.items() if not command.hidden]
    assert list(fast.COMMANDS) == registered
    assert group.help == fast.ROOT_HELP
    params = group.get_params(group.make_context("celltx", ["query"]))
    assert [(sorted(p.opts), p.help) for p in params] == [
        (sorted(filter(None, (long, short))), help_text)
        for long, short, help_text in fast.ROOT_OPTIONS]


def test_help_and_a_question_import_neither_typer_nor_pydantic_nor_redis(
        sample_graph_dir: Path) -> None:
    heavy = ("typer", "pydantic", "click", "networkx", "celltx.models", "celltx.pipeline")
    assert [m for m in heavy if m in _modules_after(["--help"])] == []
    question = ["query", "trials_per_platform", "--graph", str(sample_graph_dir), "--json"]
    for engine in ("embedded", "sparql"):
        _modules_after([*question, "--engine", engine])  # makes the engine's cache
        loaded = _modules_after([*question, "--engine", engine])
        assert "celltx.queries.run" in loaded
        assert [m for m in (*heavy, "rich", "redis", "falkordb") if m in loaded] == []


def test_a_question_prints_what_typer_prints(sample_graph_dir: Path) -> None:
    g = str(sample_graph_dir)
    for args in (
        ["trials_per_platform", "--graph", g, "--json"],
        ["trials_per_platform", "-g", g],
        ["trials_per_platform", "-g", g, "--csv", "-e", "sparql"],
        ["trials_per_target", "-g", g, "-p", "condition=AML", "--engine=python"],
        ["targets_in_condition_by_platform", f"--graph={g}", "--param", "condition=AML"],
        ["trials_per_platform", "-g", g, "-p", "status=RECRUITNG"],  # exit 2, did you mean
        ["trials_per_platform", "-g", g, "-p", "foo"],
        ["trials_per_platform", "-g", g, "-p", "x=1"],
        ["trials_per_platform", "-g", g, "-e", "bogus"],
        ["trials_per_platform", "-g", g, "-e", "neo4j"],
        ["trials_per_platform", "-g", g, "--json", "--csv"],
        ["trials_per_platform", "-g", str(sample_graph_dir / "missing")],
        ["nosuch", "-g", g],
        [],
        ["--list"],
        ["--list", "--json"],
        # left to typer by the fast path
        ["a", "b"], ["-h"], ["trials_per_platform", "-pstatus=X"], ["trials_per_platform", "-g"],
        ["trials_per_platform", "--json=1"], ["--", "trials_per_platform"],
    ):
        _same(["query", *args])
    _same(["query", "trials_per_platform", "--json"], CELLTX_GRAPH=g)
    _same(["query", "trials_per_platform", "--json"], CELLTX_GRAPH="")


def test_what_the_fast_path_leaves_to_typer() -> None:
    parse = fast.query_args
    assert parse(["q", "-p", "a=1", "--param=b=2", "-e", "python", "--json", "-l"]) == {
        "name": "q", "param": ["a=1", "b=2"], "engine": "python", "endpoint": None,
        "graph": None, "as_json": True, "as_csv": False, "list_": True, "labels": False}
    assert parse([])["engine"] == "embedded"  # type: ignore[index]
    for args in (["a", "b"], ["-h"], ["--help"], ["q", "-g"], ["q", "-e", "x", "-e", "y"],
                 ["q", "-p", "-x"], ["q", "--graph", ""], ["q", "--json=1"], ["--", "q"],
                 ["q", "-pa=1"], ["q", "-lp", "a=1"], ["q", "--unknown"], ["-"]):
        assert parse(args) is None, args
    assert fast.run(["query", "--help"]) is None
    assert fast.run(["build"]) is None
    assert fast.run(["--version"]) is None
    assert fast.run([]) is None
