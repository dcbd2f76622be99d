"""celltx: a knowledge graph of immune-cell-therapy clinical trials."""

from pathlib import Path as _Path

__version__ = "0.1.0"

# In a source checkout the sibling folders graph/, loaders/, ontology/ and queries/ are the
# subpackages celltx.graph, … (installed, setuptools maps them there; see pyproject.toml).
_checkout = _Path(__file__).resolve().parent.parent
if (_checkout / "pyproject.toml").is_file() and (_checkout / "graph" / "__init__.py").is_file():
    __path__.append(str(_checkout))
