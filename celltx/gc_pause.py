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
            if gc.get_freeze_count() == 0:
                # every tracked object the job allocated is still in the youngest generation,
                # so the first collection after it would scan all of it (1.4 s after a
                # 55,000-trial build); freezing and unfreezing moves every tracked object to
                # the oldest generation without a scan: the job's objects are scanned with the
                # process' other long-lived ones when a full collection next comes (not when a
                # process froze objects on purpose, which unfreezing would release)
                gc.freeze()
                gc.unfreeze()
            gc.enable()
