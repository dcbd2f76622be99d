"""celltx: a knowledge graph of immune-cell-therapy clinical trials."""

__version__ = "0.1.0"
