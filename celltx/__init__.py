"""celltx: a knowledge graph of immune-cell-therapy clinical trials.

>>> import celltx
>>> kg = celltx.open("celltx-graph")        # a graph kept by `celltx build` # doctest: +SKIP
>>> kg = celltx.build(["ctg-studies.json"]) # or built in memory # doctest: +SKIP
>>> kg.trials(target="CD33", platform="CAR-NK", condition="AML")  # doctest: +SKIP

See ``celltx.api`` for the helpers.
"""

from __future__ import annotations

from pathlib import Path as _Path

__version__ = "0.1.0"

# In a source checkout the sibling folders graph/, loaders/, ontology/ and queries/ are the
# subpackages celltx.graph, … (installed, setuptools maps them there; see pyproject.toml).
_checkout = _Path(__file__).resolve().parent.parent
if (_checkout / "pyproject.toml").is_file() and (_checkout / "graph" / "__init__.py").is_file():
    __path__.append(str(_checkout))

from celltx.api import (  # noqa: E402
    Answer,
    KnowledgeGraph,
    Question,
    Results,
    Trial,
    build,
    open,
)

__all__ = ["Answer", "KnowledgeGraph", "Question", "Results", "Trial", "build", "open",
           "__version__"]
