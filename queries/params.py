"""Checking a stored question's parameter values once, before any engine runs it.

Every engine (embedded Cypher, Python, SPARQL, Neo4j) and every caller (``celltx query``, the
Python API, ``celltx report``) goes through :func:`check_values` after the values are typed
(``catalogue.coerce_params``). A value that cannot match anything raises :class:`ParamError`
with what is accepted and, where one is close, "did you mean". Names of conditions and targets
are checked against the graph being asked (its ids, names, symbols and synonyms) and the
vocabulary: a real name absent from the graph asks a question whose answer is empty, a name
that is neither is an error.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celltx.graph.trial_graph import TrialGraph
    from celltx.ontology.terms import Term

# The platform, status and registry lists are imported where a value is checked against them:
# a question without such a parameter (``celltx query trials_per_platform``) needs none of the
# ontology or the record models.

CATEGORIES = ("solid", "haematological", "autoimmune", "other")
"""The condition categories of ``ontology/conditions.tsv``."""

NCT = re.compile(r"NCT\d{8}")
DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
YEAR = range(1900, 2101)


def cell_sources() -> tuple[str, ...]:
    """The cell sources of ``ontology/cell_sources.tsv`` (autologous, allogeneic, …)."""
    from celltx.ontology import vocab

    return tuple(vocab.cell_sources())


class ParamError(ValueError):
    """A parameter value no engine could match; the message says what is accepted."""


def _near(value: str, known: Iterable[str]) -> str:
    folded = {k.casefold(): k for k in known}
    near = difflib.get_close_matches(value.casefold(), list(folded), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(folded[n]) for n in near)}?)" if near else ""


def _names(graph: TrialGraph, label: str, *fields: str) -> set[str]:
    out: set[str] = set()
    for _, d in graph.nodes(label):
        for f in ("id", *fields):
            v = d.get(f)
            if isinstance(v, str):
                out.add(v)
            elif isinstance(v, list | tuple):
                out.update(x for x in v if isinstance(x, str))
    return out


def _vocabulary_value(key: str, value: str) -> str | None:
    """``value`` as the engines match it, when the vocabulary knows the condition or target
    (None otherwise). A condition: the id of the node the build gives its term, which the
    engines also find among the broader conditions of its narrower ones (asked for lymphoma,
    a trial of diffuse large B-cell lymphoma is in it; by name, only a trial that names
    lymphoma was). A target: as written when it is the term's id, symbol or a synonym, which
    every engine matches, else that node's id, as the annotator reads ``value`` ("refractory
    B-cell lymphoma", "anti-CD19": accepted, then matched by the engines word for word,
    which answered nothing). Several targets in one value ("CD19/CD22") leave it as written.

    >>> _vocabulary_value("condition", "AML"), _vocabulary_value("target", "anti-CLL-1 CAR")
    ('MONDO:0018874', 'CLEC12A')
    """
    from celltx.ontology import vocab

    term: Any
    if key == "condition":
        term = condition_term(value)
        return None if term is None else str(term.curie or term.key)
    else:
        from celltx.ontology import hgnc_genes
        from celltx.ontology import matchers as mt

        keys = list(dict.fromkeys(m.key for m in mt.find_targets(value)))
        if not keys:
            return value if hgnc_genes.gene(value.upper()) is not None else None
        term = vocab.target_term(keys[0]) if len(keys) == 1 else None
        if term is None:
            return value
        node = term.key
        names = {node, term.symbol, term.label, *term.synonyms}
    return value if value.casefold() in {n.casefold() for n in names} else node


def condition_term(value: str) -> Term | None:
    """The vocabulary's condition that ``value`` names: by its name, a synonym, or as the
    annotator reads a registry's string ("relapsed/refractory AML"); None when the vocabulary
    has none, or reads one from a part of ``value`` only (``names_as_a_whole``: "pancreas
    cancer" is "cancer" to it, as a registry's string naming a cancer is; the question is then
    asked for ``value``, and an error suggests names unless the graph has it)."""
    from celltx.ontology import vocab
    from celltx.ontology.annotate import match_condition, names_as_a_whole

    found = match_condition(value)
    if found is None or not names_as_a_whole(value, found):
        return None  # (read from a part: asked for ``value``, not for the broader term)
    return vocab.conditions().get(found.key)


LIMIT_MAX = 2**31 - 1
"""The largest ``limit``: the embedded engine's LIMIT takes a 32-bit count."""
ECOG = range(0, 6)
"""ECOG performance status grades, 0 (fully active) to 5 (dead)."""


def _one_of(where: str, what: str, plural: str, value: Any, known: Iterable[str],
            fold: Callable[[str], str] = str.strip) -> str:
    """``value`` as spelt in ``known``, matched whatever its case and outer spaces (and what
    ``fold`` evens out); else :class:`ParamError` listing ``known``."""
    known = tuple(known)
    if value in known:
        return value  # type: ignore[no-any-return]
    by_fold = {fold(k).casefold(): k for k in known}
    text = fold(str(value))
    if text.casefold() in by_fold:
        return by_fold[text.casefold()]
    raise ParamError(f"{where}: unknown {what} {value!r}{_near(text, known)}; {plural}: "
                     f"{', '.join(known)}")


def _date(where: str, value: Any) -> str:
    """``value`` without outer spaces if it is a real date (YYYY, YYYY-MM or YYYY-MM-DD)."""
    text = value.strip() if isinstance(value, str) else ""
    if DATE.fullmatch(text):
        try:
            date.fromisoformat({4: f"{text}-01-01", 7: f"{text}-01"}.get(len(text), text))
        except ValueError:
            pass
        else:
            return text
    raise ParamError(f"{where}: {value!r} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")


def check_values(query: str, values: dict[str, Any],
                 graph: Callable[[], TrialGraph | None] | None = None) -> dict[str, Any]:
    """``values`` (typed parameters of stored question ``query``) in the form the engines
    match: names of platforms, registries, statuses, cell sources and categories as the graph
    spells them (``car-t`` is ``CAR-T``, ``recruiting`` is ``RECRUITING``), NCT numbers and
    country codes in capitals, other text without outer spaces. A value that cannot match
    raises :class:`ParamError`; ``graph`` gives the graph to check names against (called only
    when a condition or target is given; may return None)."""
    out = dict(values)
    for key, value in values.items():
        if value is None:
            continue
        where = f"parameter {key!r} of {query}"
        if key == "platform":
            from celltx.ontology.terms import PLATFORMS

            out[key] = _one_of(where, "platform", "platforms", value, PLATFORMS)
        elif key == "registry":
            from celltx.registries import REGISTRY_NAMES

            out[key] = _one_of(where, "registry", "registries", value, REGISTRY_NAMES)
        elif key == "status":
            from celltx.loaders.values import parse_status

            from celltx.models import OVERALL_STATUSES

            out[key] = _one_of(where, "overall status", "statuses", value,
                               sorted(OVERALL_STATUSES), lambda t: parse_status(t) or "")
        elif key == "cell_source":
            out[key] = _one_of(where, "cell source", "cell sources", value, cell_sources())
        elif key == "category":
            out[key] = _one_of(where, "condition category", "categories", value, CATEGORIES)
        elif key == "nct_id":
            if not isinstance(value, str) or not NCT.fullmatch(value.strip().upper()):
                raise ParamError(f"{where}: {value!r} is not an NCT number (NCT followed by "
                                 "8 digits)")
            out[key] = value.strip().upper()
        elif key == "country":
            if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2}", value.strip()):
                raise ParamError(f"{where}: {value!r} is not a two-letter ISO country code "
                                 "(CN, US, DE …)")
            out[key] = value.strip().upper()
        elif key in ("since", "until"):
            if isinstance(value, bool) or not isinstance(value, int) or value not in YEAR:
                raise ParamError(f"{where}: {value!r} is not a year (e.g. 2020)")
            since, until = values.get("since"), values.get("until")
            if (key == "until" and isinstance(since, int) and isinstance(until, int)
                    and since in YEAR and since > until):
                raise ParamError(f"parameters of {query}: since={since} is after "
                                 f"until={until}; the start-year range is empty")
        elif key == "date":
            out[key] = _date(where, value)
        elif key in ("limit", "ecog"):
            allowed = ECOG if key == "ecog" else range(LIMIT_MAX + 1)
            if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
                raise ParamError(f"{where}: {value!r} is not a whole number from "
                                 f"{allowed.start} to {allowed.stop - 1}")
        elif key in ("condition", "target"):
            if not isinstance(value, str) or not value.strip():
                raise ParamError(f"{where}: {value!r} is not a name or id")
            out[key] = name = value.strip()
            # The vocabulary first: it answers for most names without loading the graph.
            known_as = _vocabulary_value(key, name)
            if known_as is not None:
                out[key] = known_as
                continue
            g = None if graph is None else graph()
            if g is None:
                continue
            label, fields = (("Condition", ("name", "synonyms")) if key == "condition"
                             else ("Target", ("symbol", "label", "synonyms")))
            known = _names(g, label, *fields)
            if name.casefold() not in {k.casefold() for k in known}:
                raise ParamError(f"{where}: no {key} {value!r} in this graph or the vocabulary"
                                 f"{_near(name, known)}")
    return out
