"""celltx: a knowledge graph of immune-cell-therapy clinical trials.

>>> import celltx
>>> kg = celltx.open("celltx-graph")        # a graph kept by `celltx build` # doctest: +SKIP
>>> kg = celltx.build(["ctg-studies.json"]) # or built in memory # doctest: +SKIP
>>> kg.trials(target="CD33", platform="CAR-NK", condition="AML")  # doctest: +SKIP

See ``celltx.api`` for the helpers.
"""

from __future__ import annotations

from pathlib import Path as _Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# In a source checkout the sibling folders graph/, loaders/, ontology/ and queries/ are the
# subpackages celltx.graph, … (installed, setuptools maps them there; see pyproject.toml).
_checkout = _Path(__file__).resolve().parent.parent
if (_checkout / "pyproject.toml").is_file() and (_checkout / "graph" / "__init__.py").is_file():
    __path__.append(str(_checkout))

if TYPE_CHECKING:
    from celltx.api import Answer, KnowledgeGraph, Question, Results, Trial, build, open

_API = frozenset({"Answer", "KnowledgeGraph", "Question", "Results", "Trial", "build", "open"})


def __getattr__(name: str) -> Any:
    """The API's names, imported on first use (``celltx --help`` needs none of it)."""
    if name in _API:
        from celltx import api

        return getattr(api, name)
    raise AttributeError(f"module 'celltx' has no attribute {name!r}")


__all__ = ["Answer", "KnowledgeGraph", "Question", "Results", "Trial", "build", "open",
           "__version__"]
