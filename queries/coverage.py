"""How much of an answer's scope lacks the facts it counts ("cell source unknown for 1,163 of
2,080 products"): stated with every answer in ``celltx query`` (footer and JSON ``coverage``)
and under each report chart, computed on the graph the same way whatever engine answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from celltx.graph.trial_graph import TrialGraph
from celltx.ontology.matchers import ENGINEERED
from celltx.queries.names import SLICE_PARAMS


@dataclass(frozen=True)
class Coverage:
    """``missing`` of ``total`` items in the answer's scope lack the fact it counts."""

    fact: str
    unit: str
    missing: int
    total: int

    def text(self) -> str:
        return f"{self.fact} unknown for {self.missing:,} of {self.total:,} {self.unit}"

    def to_json(self) -> dict[str, Any]:
        return {"fact": self.fact, "unit": self.unit, "missing": self.missing,
                "total": self.total}


Keep = Callable[[dict[str, Any], dict[str, Any]], bool]
"""Whether a (trial data, product data) pair is in the answer's scope."""


def _everything(_trial: dict[str, Any], _product: dict[str, Any]) -> bool:
    return True


def slice_filter(params: Mapping[str, Any] | None) -> Keep:
    """The scope of a landscape slice (``registry``, ``status``, ``since``, ``until``,
    ``cell_source``; other parameters do not narrow it)."""
    from celltx.queries.python_answers import in_slice

    given = {k: v for k, v in (params or {}).items() if k in SLICE_PARAMS and v is not None}
    if not given:
        return _everything
    for year in ("since", "until"):
        if year in given:
            given[year] = int(given[year])
    return lambda t, p: in_slice(t, p, **given)


@dataclass
class _Scope:
    """What the facts count, gathered in one pass over the graph: the trials with a product in
    scope (data and which linked facts they have) and those products (data and whether they
    have a target)."""

    trials: list[tuple[dict[str, Any], frozenset[str]]] = field(default_factory=list)
    """(trial data, the linked facts it has: ``country``, ``phase``, ``criterion``,
    ``lead_sponsor``)."""
    products: list[tuple[dict[str, Any], bool]] = field(default_factory=list)
    """(product data, whether it has a target)."""


def _scope(graph: TrialGraph, keep: Keep) -> _Scope:
    scope = _Scope()
    nodes = graph.g.nodes
    for t, tdata in graph.nodes("Trial"):
        products, facts = [], set()
        for end, data in graph.out_all(t):  # each edge once, any type
            rel = data["type"]
            if rel == "HAS_PRODUCT":
                if keep(tdata, nodes[end]):
                    products.append(end)
            elif rel == "HAS_SITE":
                if "country" not in facts and any(True for _ in graph.out(end, "LOCATED_IN")):
                    facts.add("country")
            elif rel == "HAS_PHASE":
                facts.add("phase")
            elif rel == "HAS_CRITERION":
                facts.add("criterion")
            elif rel == "SPONSORED_BY" and data.get("role") == "lead":
                facts.add("lead_sponsor")
        if products:
            scope.trials.append((tdata, frozenset(facts)))
            scope.products += [(nodes[p], any(True for _ in graph.out(p, "TARGETS")))
                               for p in products]
    return scope


def _targets(scope: _Scope) -> Coverage:
    engineered = [has for d, has in scope.products if d.get("platform") in ENGINEERED]
    return Coverage("target", "engineered products", engineered.count(False), len(engineered))


def _platform(scope: _Scope) -> Coverage:
    return Coverage("specific platform", "products",
                    sum(1 for d, _ in scope.products if d.get("platform") in (None, "other")),
                    len(scope.products))


def _cell_source(scope: _Scope) -> Coverage:
    return Coverage("cell source", "products",
                    sum(1 for d, _ in scope.products if not d.get("cell_source")),
                    len(scope.products))


def _construct(scope: _Scope) -> Coverage:
    engineered = [d for d, _ in scope.products if d.get("platform") in ENGINEERED]
    return Coverage("construct", "engineered products",
                    sum(1 for d in engineered if not d.get("construct")), len(engineered))


def _linked(fact: str, name: str) -> Callable[[_Scope], Coverage]:
    """The coverage of a fact linked to the trial (a node it points to)."""
    def count(scope: _Scope) -> Coverage:
        return Coverage(name, "trials with a product",
                        sum(1 for _, has in scope.trials if fact not in has), len(scope.trials))
    count.__name__ = f"_{fact}"
    return count


def _property(prop: str, name: str, *, none_only: bool) -> Callable[[_Scope], Coverage]:
    """The coverage of a property of the trial node (``none_only``: 0 and "" are known)."""
    def count(scope: _Scope) -> Coverage:
        missing = sum(1 for d, _ in scope.trials
                      if (d.get(prop) is None if none_only else not d.get(prop)))
        return Coverage(name, "trials with a product", missing, len(scope.trials))
    count.__name__ = f"_{prop}"
    return count


_country = _linked("country", "site country")
_phase = _linked("phase", "phase")
_eligibility = _linked("criterion", "structured eligibility")
_sponsor = _linked("lead_sponsor", "lead sponsor")
_start = _property("start_year", "start year", none_only=True)
_status = _property("status", "status", none_only=False)
_enrollment = _property("enrollment", "planned enrollment", none_only=True)


FACTS: dict[str, Callable[[_Scope], Coverage]] = {
    "trials_per_target": _targets, "target_platform_matrix": _targets,
    "targets_in_condition_by_platform": _targets, "heme_only_targets": _targets,
    "targets_first_seen_after": _targets, "targets_shared_car_t_car_nk": _targets,
    "construct_target_pairs": _construct, "dual_target_constructs": _construct,
    "sponsors_for_target_in_condition": _targets, "planned_enrollment_per_target": _enrollment,
    "cell_source_by_platform_year": _cell_source, "allogeneic_by_country": _cell_source,
    "countries_per_platform": _country, "recruiting_in_country": _country,
    "phase_by_platform": _phase, "starts_per_year_by_platform": _start,
    "sponsor_class_by_year": _start, "status_per_platform": _status,
    "target_momentum": _start,
    "trials_admitting_ecog": _eligibility, "trials_excluding_prior_car_t": _eligibility,
    "top_sponsors_for_platform": _sponsor, "trials_per_platform": _platform,
}
"""For each stored question, the fact whose absence leaves trials or products out of it."""


def coverage(name: str, graph: TrialGraph,
             params: Mapping[str, Any] | None = None) -> Coverage | None:
    """What stored question ``name`` cannot count on ``graph`` (None: it counts no such fact),
    within the landscape slice that ``params`` choose, if any."""
    fact = FACTS.get(name)
    return fact(_scope(graph, slice_filter(params))) if fact is not None else None


def coverages(graph: TrialGraph, names: Iterable[str] | None = None) -> dict[str, Coverage]:
    """The coverage of each stored question in ``names`` (default: all that have one), each
    fact counted once."""
    wanted = sorted(FACTS if names is None else set(names) & set(FACTS))
    if not wanted:
        return {}
    scope = _scope(graph, _everything)
    done: dict[Callable[[_Scope], Coverage], Coverage] = {}
    out = {}
    for name in wanted:
        fact = FACTS[name]
        if fact not in done:
            done[fact] = fact(scope)
        out[name] = done[fact]
    return out


def all_coverage(graph: TrialGraph) -> dict[str, dict[str, Any]]:
    """Every stored question's coverage on ``graph``, as JSON (kept in ``stats.json``)."""
    return {name: {**c.to_json(), "text": c.text()} for name, c in coverages(graph).items()}
