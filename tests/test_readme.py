"""The README's example output is the real answer on the bundled sample (docs that cannot rot)."""

from __future__ import annotations

import re
from pathlib import Path

from celltx.queries.run import run_query

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_aml_example_is_the_sample_answer(sample_graph) -> None:  # type: ignore[no-untyped-def]
    text = README.read_text(encoding="utf-8")
    block = re.search(r"\$ celltx query targets_in_condition_by_platform -p condition=AML "
                      r"--csv \| head -(\d+)\n(.*?)```", text, re.S)
    assert block, "the README's AML example is missing"
    shown = block.group(2).strip().splitlines()
    assert len(shown) == int(block.group(1))
    result = run_query("targets_in_condition_by_platform", {"condition": "AML"},
                       engine="python", graph=sample_graph)
    lines = [",".join(result.columns)] + [",".join(map(str, row)) for row in result.rows]
    assert shown == lines[: len(shown)]


READ_ONLY = ("stats", "trial", "trials", "query", "explain", "vocab")
"""The README's commands that only read the graph: run as written on the bundled sample."""


def test_readme_commands_run_as_written(sample_graph_dir) -> None:  # type: ignore[no-untyped-def]
    """Every `$ celltx …` line of the README that reads the graph runs as written on the
    bundled sample (options, parameter names and ids that stay right as the tool changes),
    and the number of stored questions it states is the catalogue's."""
    import shlex

    from celltx.queries.catalogue import load_catalogue
    from typer.testing import CliRunner

    from celltx.cli import app

    text = README.read_text(encoding="utf-8")
    lines = re.findall(r"^\$ celltx (.+)$", text, re.M)
    ran = 0
    for line in lines:
        command = line.split(" #")[0].split(" | ")[0].strip()
        args = shlex.split(command)
        if args[0] not in READ_ONLY:
            continue
        result = CliRunner().invoke(app, args, env={"CELLTX_GRAPH": str(sample_graph_dir)})
        assert result.exit_code == 0, f"{command}: {result.output[-500:]}"
        assert result.output.strip(), command
        ran += 1
    assert ran >= 10
    stated = re.search(r"the (\d+) stored questions", text)
    assert stated and int(stated.group(1)) == len(load_catalogue())
