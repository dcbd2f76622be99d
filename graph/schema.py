"""The graph's node labels and relationship types: the allow-list every writer checks against.

Each relationship type lists the (start label, end label) pairs it may join.
"""

from __future__ import annotations

from functools import cache

NODE_LABELS: tuple[str, ...] = (
    "Trial", "Organization", "Condition", "Intervention", "Phase", "Country", "Site",
    "Target", "CellType", "Product", "Agent",
    "Criterion",  # a structured eligibility requirement (ontology/eligibility.py)
)

RELATIONSHIPS: dict[str, tuple[tuple[str, str], ...]] = {
    "SPONSORED_BY": (("Trial", "Organization"),),  # {role: lead | collaborator}
    "STUDIES": (("Trial", "Condition"),),  # {as_written}
    "HAS_PHASE": (("Trial", "Phase"),),
    "TESTS": (("Trial", "Intervention"),),
    "HAS_SITE": (("Trial", "Site"),),  # {status}
    "LOCATED_IN": (("Site", "Country"),),
    "HAS_PRODUCT": (("Trial", "Product"),),
    "TARGETS": (("Product", "Target"),),
    "BASE_CELL_TYPE": (("Product", "CellType"),),
    # the trial's conditions the product is tested in: all of them, or in a trial of products
    # of different lineages those of its targets' lineage (ontology/product_conditions.py)
    "TESTED_IN": (("Product", "Condition"),),
    # {role: lymphodepletion | cytokine | combination | procedure}
    "USES_AGENT": (("Trial", "Agent"),),
    "HAS_CRITERION": (("Trial", "Criterion"),),
}

KEY_PROPERTY: dict[str, str] = {label: "id" for label in NODE_LABELS}
"""Every node has a unique ``id`` property (``NCT…`` for a trial, a CURIE or slug otherwise)."""


def node_id(label: str, key: str) -> str:
    """The networkx node id of an entity: ``Label:key``."""
    if label not in NODE_LABELS:
        raise ValueError(f"unknown node label {label!r}; known: {', '.join(NODE_LABELS)}")
    return f"{label}:{key}"


def check_relationship(rel_type: str, start_label: str, end_label: str) -> None:
    allowed = RELATIONSHIPS.get(rel_type)
    if allowed is None:
        raise ValueError(f"unknown relationship type {rel_type!r}")
    if (start_label, end_label) not in allowed:
        raise ValueError(f"{rel_type} cannot join {start_label} to {end_label}")


@cache
def vocabulary_bytes() -> bytes:
    """The RDF vocabulary, ``ontology/celltx.ttl`` (package data): the RDF export carries it and
    the SPARQL engine's cache stamps hash it."""
    from importlib import resources

    return resources.files("celltx.ontology").joinpath("celltx.ttl").read_bytes()
