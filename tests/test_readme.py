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
