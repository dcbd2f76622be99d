"""Comparing answers from different engines: rows as multisets, lists inside a cell sorted.

Engines differ in row order and in the order of values they collect into lists; neither is
part of an answer. Integers stay integers (``2`` and ``2.0`` are not silently equal), so an
engine that turns counts into floats is caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any


def _order_key(value: Any) -> tuple[int, str, Any]:
    """A total order over mixed cell values: None first, then by type name, then value."""
    if value is None:
        return (0, "", "")
    if isinstance(value, list | tuple):
        return (1, "list", tuple(_order_key(v) for v in value))
    return (1, type(value).__name__, value)


def sort_cell(value: Any) -> Any:
    """A cell with any list inside it sorted (recursively); other values unchanged."""
    if isinstance(value, list | tuple):
        return sorted((sort_cell(v) for v in value), key=_order_key)
    if isinstance(value, dict):
        return {k: sort_cell(v) for k, v in value.items()}
    return value


def sort_cells(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rows in their order, with lists inside cells sorted (for display and comparison)."""
    return [[sort_cell(v) for v in row] for row in rows]


def _frozen(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ("list", tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    # bool is an int in Python; keep it apart so True never equals 1.
    return (type(value).__name__ if isinstance(value, bool) else "v", value)


def normalise_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rows in a canonical order with lists inside cells sorted: equal lists mean equal
    multisets of rows.

    >>> normalise_rows([["b", [2, 1]], ["a", []]])
    [['a', []], ['b', [1, 2]]]
    """
    return sorted(sort_cells(rows), key=lambda r: tuple(_order_key(v) for v in r))


def row_multiset(rows: Iterable[Sequence[Any]]) -> Counter[Any]:
    """The rows as a multiset of hashable, type-aware tuples."""
    return Counter(tuple(_frozen(v) for v in row) for row in sort_cells(rows))


def same_answer(a: Iterable[Sequence[Any]], b: Iterable[Sequence[Any]]) -> bool:
    """Whether two answers hold the same rows the same number of times (types included)."""
    return row_multiset(a) == row_multiset(b)


def answer_diff(a: Iterable[Sequence[Any]], b: Iterable[Sequence[Any]]
                ) -> tuple[list[Any], list[Any]]:
    """Rows only in ``a`` and rows only in ``b`` (with multiplicity), for error messages."""
    ma, mb = row_multiset(a), row_multiset(b)
    return sorted((ma - mb).elements(), key=repr), sorted((mb - ma).elements(), key=repr)
