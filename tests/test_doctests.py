"""The docstring examples of the Python API, the fetch client and the report run as tests.

Examples that need a graph use ``kg``: the hand-annotated test graph (tests/mini_graph.py).
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

from tests.mini_graph import build_mini_graph

MODULES = ["celltx", "celltx.api", "celltx.loaders.ctgov_api", "celltx.report"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    from celltx.api import KnowledgeGraph

    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"kg": KnowledgeGraph(build_mini_graph())},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False, report=True)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_python_api_doc_examples_run() -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"
    result = doctest.testfile(str(doc), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10
    assert result.failed == 0, f"{result.failed} examples failed in {doc}"
