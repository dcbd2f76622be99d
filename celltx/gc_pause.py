"""Pausing the cyclic garbage collector around bulk jobs (building and saving a graph)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk job that allocates millions of small,
    long-lived, acyclic objects: its repeated scans of them took a quarter of a build."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
