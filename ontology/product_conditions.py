"""Which of a trial's conditions each of its products is tested in.

A record lists the trial's conditions, not each product's. When a trial tests products aimed
at antigens of different lineages (a basket: BCMA CAR-T cells in myeloma, CD19 ones in B-cell
lymphoma, CD33 ones in AML), an answer that pairs a target with a condition would credit every
target to every condition: BCMA would be an AML target. In such a trial each product is tested
in the conditions of its targets' lineage (``target_lineages.tsv``: B cell, plasma cell, T
cell, myeloid, solid tumour) and in every condition of no known lineage (an umbrella
"haematological malignancy", an autoimmune disease, a condition the vocabulary does not know).
Everywhere else, and for a product whose targets' lineage is unknown, a product is tested in
every condition of its trial.

A product's lineages are those its targets share (BCMA/CD38: plasma cell), or all of theirs
when they share none (BCMA/CD19: plasma cell and B cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from celltx.ontology import vocab
from celltx.ontology.terms import ConditionMatch, Evidence, Product, Term

LINEAGE_ROOTS = (("plasma", "PC_NEOPLASM"), ("B", "B_NEOPLASM"), ("T", "T_NEOPLASM"),
                 ("myeloid", "MYELOID_NEO"))
"""A haematological condition's lineage: the first of these conditions that is it or holds it
(plasma-cell neoplasms are B-cell neoplasms too, so they are asked first). A solid tumour's
lineage is ``solid``."""

RULE = "target_lineage"


@cache
def target_lineages() -> dict[str, frozenset[str]]:
    """Target key -> the lineages of the cancers its products are given in."""
    return {row["key"]: frozenset(v for v in row["lineages"].split("|") if v)
            for row in vocab.table("target_lineages.tsv")}


@cache
def _root_curies() -> tuple[tuple[str, str], ...]:
    return tuple((lineage, str(vocab.conditions()[key].curie)) for lineage, key in LINEAGE_ROOTS)


def condition_lineage(term: Term | None) -> str | None:
    """The lineage of a condition: ``plasma``, ``B``, ``T``, ``myeloid``, ``solid``, or None.

    >>> from celltx.ontology.vocab import conditions
    >>> [condition_lineage(conditions()[k]) for k in ("MM", "DLBCL", "AML", "HCC", "SLE")]
    ['plasma', 'B', 'myeloid', 'solid', None]
    """
    if term is None:
        return None
    held = {term.curie, *term.broader}
    for lineage, curie in _root_curies():
        if curie in held:
            return lineage
    return "solid" if term.category == "solid" else None


def product_lineages(product: Product) -> frozenset[str] | None:
    """The lineages a product's targets share, else all of theirs; None when it has no
    target or a target of unknown lineage."""
    table = target_lineages()
    if not product.targets or any(t.key not in table for t in product.targets):
        return None
    sets = [table[t.key] for t in product.targets]
    return frozenset.intersection(*sets) or frozenset().union(*sets)


def with_conditions(products: Sequence[Product],
                    conditions: Sequence[ConditionMatch]) -> tuple[Product, ...]:
    """``products``, each with ``tested_in`` (and its evidence) set to the conditions of its
    lineage when the trial tests products of different lineages, some of its conditions are of
    the product's lineage and others of another; the others unchanged (tested in all of the
    trial's conditions: a CD19 product given beside a B7-H3 one in solid tumours is tested in
    them)."""
    lineages = [product_lineages(p) for p in products]
    if len({found for found in lineages if found}) < 2:
        return tuple(products)
    out = []
    for product, found in zip(products, lineages, strict=True):
        if found and any(condition_lineage(c.term) in found for c in conditions):
            kept = tuple(c for c in conditions
                         if (lineage := condition_lineage(c.term)) is None or lineage in found)
            if kept and len(kept) < len(conditions):
                written = "; ".join(dict.fromkeys(c.as_written for c in kept))
                product = product.model_copy(update={
                    "tested_in": kept,
                    "tested_in_evidence": Evidence(field="conditions", text=written, rule=RULE)})
        out.append(product)
    return tuple(out)
