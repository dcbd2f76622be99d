"""Display names: an entity as the field names it, with its identifier beside it.

``BCMA (TNFRSF17)``, ``CLL1 (CLEC12A)``, ``Claudin 18.2 (CLDN18)``: the identifiers stay the keys
of every answer (JSON, CSV, the graph); people read these in tables and charts.
"""

from __future__ import annotations

import re
from functools import cache

from celltx.ontology import vocab

_SYMBOL_IN_LABEL = re.compile(r"\(([^()]+)\)\s*$")


@cache
def target_label(key: str) -> str:
    """The usual name of target ``key`` with its HGNC symbol (or key) beside it.

    >>> target_label("TNFRSF17"), target_label("CLEC12A"), target_label("CD19")
    ('BCMA (TNFRSF17)', 'CLL1 (CLEC12A)', 'CD19')
    >>> target_label("CLDN18.2"), target_label("STEAP1"), target_label("EGFRvIII")
    ('Claudin 18.2 (CLDN18)', 'STEAP1', 'EGFRvIII')
    """
    term = vocab.target_term(key)
    if term is None:
        return key
    label = term.label.strip()
    symbol = term.symbol or key
    inner = _SYMBOL_IN_LABEL.search(label)
    if inner:  # "CD123 (IL3RA)", "Claudin 18.2 (CLDN18 isoform 2)": one identifier, the symbol
        label = label[:inner.start()].strip()
    if label.casefold() == key.casefold():
        return key  # (a variant keyed by its own name: "EGFRvIII", not its gene's "EGFR")
    if label.casefold() == symbol.casefold():
        return symbol
    return f"{label} ({symbol})"
