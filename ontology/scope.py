"""Which trials a build keeps, and a cheap prefilter that rules out records that cannot be kept.

A trial is **in scope** when the annotator finds a cell-therapy product in it, or when it is a
related kind of study (in-vivo CAR, long-term follow-up, a drug given around CAR-T, an engager
or an observational study) whose own text names a cell therapy. Everything else is counted as
``out_of_scope`` by ``celltx build`` and not built, unless ``--scope all``.

The prefilter looks for words on the record's lower-cased text before anything is merged or
annotated. Its words are derived from the rules themselves, so it cannot drop a record the
annotator would keep: every product rule needs what ``annotate.product_rules()`` asks for (the
annotator skips its product rules without it), and every related study needs a match of
``CELL_THERAPY_CONTEXT``, whose required words are added. ``tests/test_scope.py`` checks this on
the whole corpus and the labelled sets as well.
"""

from __future__ import annotations

from functools import cache

from celltx.ontology import matchers as mt
from celltx.ontology import required_words as rw
from celltx.ontology.annotate import product_rules, record_text, related_study_rules
from celltx.ontology.terms import TrialAnnotation

from celltx.models import TrialRecord

SCOPES = ("cell-therapy", "all")
RELATED_MODALITIES = frozenset({"in_vivo_car", "follow_up", "drug_after_cell_therapy",
                                "engager", "observational"})
_THERAPY_WORDS = (r"\bCAR\b|CAR-?Ts?(?![a-z])|CAR-?NK|\bCARs\b|chimeric antigen"
                  r"|cell(?:ular)? therap|\w+-cel\b|leucel\b|cabtagene|adoptive")
"""Words that name a cell therapy itself."""
CELL_THERAPY_CONTEXT = mt.Prefiltered(
    rf"(?i:{_THERAPY_WORDS}|(?:T|NK|killer|immune|effector)[- ]cells?|lymphocytes?"
    r"|\bTILs?\b|\bTCR\b)")
"""Words by which a related study names a cell therapy (a bispecific trial that never mentions
one, or an unrelated observational study, is out of scope)."""
OBSERVED_THERAPY_CONTEXT = mt.Prefiltered(rf"(?i:{_THERAPY_WORDS})")
"""The words of ``CELL_THERAPY_CONTEXT`` that name a therapy, for an observational study: not
immune cells alone ("T lymphocytes level and clinical severity in COVID-19", "TIGIT in
patients with CML", a TCR repertoire), which such studies measure as often as not. Each of its
matches is one of ``CELL_THERAPY_CONTEXT``'s (its words are a part of that pattern), so the
prefilter, built from that, still passes every record kept."""


@cache
def prefilter_rules() -> rw.WordRules | None:
    """Word rules of which every in-scope record holds one (None: cannot tell): the product
    rules, and for a related study both the words of ``CELL_THERAPY_CONTEXT`` and those of
    its kind (``annotate.related_study_rules``)."""
    products = product_rules()
    context = rw.required_rules(CELL_THERAPY_CONTEXT.pattern, boundaries=True)
    related = related_study_rules()
    if products is None or context is None or related is None:
        return None
    # a related study needs both a cell-therapy word and one of its kind's words
    return rw.WordRules([*products, *(c + r for c in context for r in related)])


def may_be_in_scope(record: TrialRecord) -> bool:
    """False only when the record holds none of the prefilter's words, so that it cannot be in
    scope (it is then counted out of scope without being merged, annotated or built).

    >>> from celltx.models import Provenance, SourceFormat
    >>> prov = Provenance(path="x", format=SourceFormat.CTGOV_V2_JSON, record=0)
    >>> may_be_in_scope(TrialRecord(nct_id="NCT00000001", brief_title="Aspirin in stroke",
    ...                             provenance=prov))
    False
    """
    return may_be_in_scope_text(record_text(record))


def may_be_in_scope_text(text: str) -> bool:
    """:func:`may_be_in_scope` of a record's free text (``annotate.record_text``, or more), as
    loaders screen raw records before validating them."""
    rules = prefilter_rules()
    return rules is None or rules.holds(text)


def in_scope(record: TrialRecord, annotation: TrialAnnotation) -> bool:
    """A cell therapy, or a related study whose text names one."""
    if annotation.is_cell_therapy:
        return True
    if annotation.modality not in RELATED_MODALITIES:
        return False
    context = (OBSERVED_THERAPY_CONTEXT if annotation.modality == "observational"
               else CELL_THERAPY_CONTEXT)
    return context.search(record_text(record)) is not None
