"""celltx: a knowledge graph of immune-cell-therapy clinical trials.

>>> import celltx
>>> kg = celltx.open("celltx-graph")        # a graph kept by `celltx build` # doctest: +SKIP
>>> kg = celltx.build(["ctg-studies.json"]) # or built in memory # doctest: +SKIP
>>> kg.trials(target="CD33", platform="CAR-NK", condition="AML")  # doctest: +SKIP

See ``celltx.api`` for the helpers.
"""

from __future__ import annotations

import types
from pathlib import Path as _Path
from typing import Any

__version__ = "0.1.0"

# In a source checkout the sibling folders graph/, loaders/, ontology/ and queries/ are the
# subpackages celltx.graph, … (installed, setuptools maps them there; see pyproject.toml).
_checkout = _Path(__file__).resolve().parent.parent
if (_checkout / "pyproject.toml").is_file() and (_checkout / "graph" / "__init__.py").is_file():
    __path__.append(str(_checkout))

from celltx import build as _build_module  # noqa: E402 - the pipeline module, see below
from celltx.api import (  # noqa: E402
    Answer,
    KnowledgeGraph,
    Question,
    Results,
    Trial,
    open,
)


class _CallableModule(types.ModuleType):
    """``celltx.build`` is both the pipeline module and, called, ``celltx.api.build``.

    The module has to stay importable as ``celltx.build`` (``from celltx.build import
    BuildResult``) while ``celltx.build(paths)`` returns a ``KnowledgeGraph``.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> KnowledgeGraph:
        from celltx.api import build

        return build(*args, **kwargs)


_build_module.__class__ = _CallableModule
build: _CallableModule = _build_module  # type: ignore[assignment]

__all__ = ["Answer", "KnowledgeGraph", "Question", "Results", "Trial", "build", "open",
           "__version__"]
