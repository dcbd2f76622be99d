"""The documentation's examples run as tests.

The modules' own docstring examples are collected by pytest (``--doctest-modules`` over the
package folders, see pyproject.toml); this file runs docs/python-api.md, and checks that the
API modules do carry examples.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", ["celltx", "celltx.api", "celltx.loaders.ctgov_api",
                                  "celltx.report"])
def test_module_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=OPTIONS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_python_api_doc_examples_run() -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"
    result = doctest.testfile(str(doc), module_relative=False, optionflags=OPTIONS)
    assert result.attempted >= 10
    assert result.failed == 0, f"{result.failed} examples failed in {doc}"
