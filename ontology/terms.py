"""Normalised facts about one trial: what the normaliser hands the graph builder.

Every term keeps the registry's own words (``as_written``) beside its public identifier.
"""

from __future__ import annotations

from typing import Any, Literal

from celltx.models import Frozen

Platform = Literal[
    "CAR-T", "CAR-NK", "CAR-NKT", "CAR-γδT", "CAR-M", "TCR-T", "NK", "iNKT", "γδT", "TIL", "CIK",
    "T cell", "other",
]
"""Platforms: engineered (CAR-*, TCR-T) and unmodified effector cells; ``T cell`` covers
virus-specific and other unmodified T-cell products, ``other`` any remaining cell therapy."""

PLATFORMS: tuple[str, ...] = Platform.__args__  # type: ignore[attr-defined]


class Term(Frozen):
    """An entity of a public vocabulary (or of ours when none exists)."""

    key: str
    label: str
    iri: str | None = None
    curie: str | None = None
    synonyms: tuple[str, ...] = ()
    """Abbreviations and common spellings (e.g. ``AML``, ``SCLC``), for search."""
    category: str | None = None
    """Conditions only: haematological, solid, autoimmune or other."""
    xrefs: tuple[str, ...] = ()
    """Cross-references as CURIEs (e.g. a MONDO condition's ``NCIT:C3171``, ``DOID:9119``)."""
    broader: tuple[str, ...] = ()
    """Conditions only: the CURIEs of the table's broader conditions, nearest first and all the
    way up (diffuse large B-cell lymphoma: B-cell non-Hodgkin lymphoma … lymphoma …), from the
    table's ``broader`` column (``condition_hierarchy``)."""

    def __reduce__(self) -> tuple[Any, ...]:
        # a term of a vocabulary table pickles as the table and key that give it (a build's
        # workers send the parent a condition's or phase's term in each annotation; MONDO
        # terms carry their synonyms and cross-references); any other term, as its values
        found = _TABLE_TERMS.get(id(self))
        if found is not None and found[0] is self:
            return _table_term, found[1]
        return super().__reduce__()


_TABLE_TERMS: dict[int, tuple[Term, tuple[str, str]]] = {}
"""The terms of the vocabulary tables, by ``id``, with the (table, key) that gives each one
(``celltx.ontology.vocab.table_term``); the term itself is held, so that its ``id`` stays its
own."""


def from_table(term: Term, table: str, key: str) -> None:
    """Note that ``table_term(table, key)`` gives ``term`` (the first table and key noted)."""
    _TABLE_TERMS.setdefault(id(term), (term, (table, key)))


def _table_term(table: str, key: str) -> Term:
    from celltx.ontology.vocab import table_term  # (vocab builds terms: it imports this)

    return table_term(table, key)


class TargetTerm(Term):
    symbol: str
    kind: str
    """protein, glycolipid, ligand family or variant."""
    hgnc_id: str | None = None
    qualifier: str | None = None
    """Isoform or variant on the gene (Claudin 18.2 on CLDN18, EGFRvIII on EGFR)."""
    uniprot: str | None = None


class ConditionMatch(Frozen):
    as_written: str
    term: Term | None = None
    """None when the string maps to no vocabulary entry (the node then keeps the string)."""


class OrganizationTerm(Frozen):
    as_written: str
    key: str
    name: str
    org_class: str
    """industry, academic, government, network, individual or other."""
    role: Literal["lead", "collaborator"]
    ctgov_class: str | None = None


class Evidence(Frozen):
    """Why a fact is there: the field it was read from, the words as written, the rule."""

    field: str
    """title, official_title, acronym, intervention, other_name, intervention_description,
    arm_description, keyword, summary, detailed_description, conditions, product_code_table."""
    text: str
    """The verbatim words of the record that state the fact (trimmed to the phrase)."""
    rule: str
    """The named rule of ``ontology/annotate.py`` that decided it."""


class Product(Frozen):
    """An engineered (or unmodified) cell product given in a trial."""

    name: str
    platform: str
    receptor: Literal["CAR", "TCR", "none"]
    cell_type: Term | None = None
    source: str | None = None
    """autologous, allogeneic, cord blood, iPSC, cell line, or None when unstated."""
    construct_kind: str | None = None
    """single, dual (one construct with two targets: tandem or bicistronic), or None."""
    targets: tuple[TargetTerm, ...] = ()
    as_written: str | None = None
    code: str | None = None
    """The product's code or name when the record gives one (``EB-DART-NK01``, ``KYV-101``)."""
    payloads: tuple[str, ...] = ()
    """What the product carries rather than aims at, as ``kind:what`` (``marker:EGFRt``,
    ``armour:IL-15``, ``secretes:anti-PD-L1``, ``switch:iCasp9``)."""
    platform_evidence: Evidence | None = None
    source_evidence: Evidence | None = None
    construct_evidence: Evidence | None = None
    target_evidence: tuple[Evidence, ...] = ()
    """One per target, in the order of ``targets``."""
    tested_in: tuple[ConditionMatch, ...] = ()
    """The trial's conditions this product is tested in, when not all of them: in a trial of
    products of different lineages, those of its targets' lineage
    (``ontology/product_conditions.py``). Empty: every condition of the trial."""
    tested_in_evidence: Evidence | None = None


class AgentUse(Frozen):
    """A drug or procedure given with the cells (lymphodepletion, cytokine, combination)."""

    term: Term
    role: Literal["lymphodepletion", "cytokine", "combination", "procedure"]
    as_written: str


MODALITIES = ("cell_therapy", "in_vivo_car", "follow_up", "observational", "engager",
              "drug_after_cell_therapy", "other")
"""What the annotator says a trial is. The graph writes one more on a Trial node,
``placeholder`` (``graph.trial_graph.PLACEHOLDER``): a record that says it is no real study,
whose products it withholds."""


class TrialAnnotation(Frozen):
    is_cell_therapy: bool
    modality: str = "other"
    """One of ``MODALITIES``: what the trial is when it is not a cell therapy."""
    modality_evidence: Evidence | None = None
    quality_flags: tuple[str, ...] = ()
    """Data-quality flags: ``placeholder_record``, ``condition_is_outcome``, ``impossible_date``,
    ``targets_across_conditions`` (products of different targets in unrelated conditions that
    their targets' lineages do not tell apart: an answer pairing a target with a condition
    credits each target to each)."""
    placeholder_evidence: Evidence | None = None
    """The words by which the record says it is no real study ("This example study …", "This
    hypothetical … study"): its products are extracted as written, and the graph withholds them
    (``modality`` ``placeholder`` on the Trial node), so that landscape answers do not count
    them."""
    products: tuple[Product, ...] = ()
    several_candidates: bool = False
    """The trial tests several candidate products (one to be selected), not a combination."""
    conditions: tuple[ConditionMatch, ...] = ()
    organizations: tuple[OrganizationTerm, ...] = ()
    phase: Term | None = None
    status: Term | None = None
    study_type: Term | None = None
    location_countries: tuple[str | None, ...] = ()
    """ISO 3166 alpha-2 code of each of the record's locations, in order (None if unknown)."""
    agents: tuple[AgentUse, ...] = ()
    started: bool | None = None
    """Whether the trial's start was made, as of its record (``annotate.start_made``); None
    when the record cannot say."""
    started_rule: str | None = None
    """How ``started`` was read: ``start date actual``, ``start date anticipated``, ``start date
    after record`` (after the record's last update), ``start date years after registration``
    (a trial still enrolling: started, but in a year the record cannot tell), ``status
    started``, ``status not started``, ``last known status started`` or ``last known status not
    started`` (a status unknown, read by the status last verified)."""
    registered_year: int | None = None
    """The year the trial was registered (``registration.registration_year``)."""
    registered_year_rule: str | None = None
    """How ``registered_year`` was read: ``first posted`` or ``NCT number``."""
