"""Annotate many records on several cores: forked worker processes annotate while the parent
builds the graph from their results, in the records' order (so builds stay byte-identical).

Used for large builds on machines with more than one core where ``fork`` exists; otherwise,
or with ``CELLTX_WORKERS=1``, records are annotated in the calling process. The matchers are
warmed before the fork, so the workers share the parent's tables, automata and compiled
patterns rather than each building its own (``annotate.warm``).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from celltx.models import TrialRecord
from celltx.ontology.annotate import warm

MIN_RECORDS = 1500
"""Below this, starting workers costs more than it saves."""

T = TypeVar("T")

_RECORDS: Sequence[TrialRecord] = ()
_ANNOTATE: Callable[[TrialRecord], Any] | None = None


MAX_WORKERS = 32
"""The most worker processes ``$CELLTX_WORKERS`` may ask for (``CELLTX_WORKERS=100000``
forked until the machine ran out of processes)."""


def workers() -> int:
    """Worker processes to use: ``$CELLTX_WORKERS`` (1 to :data:`MAX_WORKERS`; more is
    taken as the most), else the usable cores (at most 4)."""
    env = os.environ.get("CELLTX_WORKERS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return min(int(env), MAX_WORKERS)
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))


def forked_pool(n: int) -> multiprocessing.pool.Pool:
    """``n`` forked worker processes that ignore Ctrl-C (SIGINT, which a terminal sends to
    every process of the command): the parent alone stops on it, and terminates them as it
    leaves the pool's ``with``. A worker that stopped on it printed its own traceback, and one
    stopped while sending a result left the pool's result thread waiting for the rest of that
    result, so that the interrupted build never ended. SIGTERM, with which the pool terminates
    them, ends them at once whatever handler the parent has set."""
    return multiprocessing.get_context("fork").Pool(n, initializer=_worker_signals)


def _worker_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _annotate_at(i: int) -> Any:
    assert _ANNOTATE is not None
    return _ANNOTATE(_RECORDS[i])


def annotate_all(records: Sequence[TrialRecord],
                 annotate: Callable[[TrialRecord], T]) -> Iterator[T]:
    """``annotate`` of each record, in order (``annotate`` may return more than the
    annotation: the build's ``prepare`` also decides scope and structures criteria)."""
    n = workers()
    if (n < 2 or len(records) < MIN_RECORDS
            or "fork" not in multiprocessing.get_all_start_methods()):
        yield from map(annotate, records)
        return
    global _RECORDS, _ANNOTATE
    warm()  # the matchers' tables and automata, built before forking: the workers share them
    annotate(records[0])  # and what a record compiles on first use (re's pattern cache)
    _RECORDS, _ANNOTATE = records, annotate
    try:
        with forked_pool(n) as pool:
            yield from pool.imap(_annotate_at, range(len(records)), chunksize=32)
    finally:
        _RECORDS, _ANNOTATE = (), None
