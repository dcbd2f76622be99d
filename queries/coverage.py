"""How much of an answer's scope lacks the facts it counts ("cell source unknown for 1,163 of
2,080 products"): stated with every answer in ``celltx query`` (footer and JSON ``coverage``)
and under each report chart, computed on the graph the same way whatever engine answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
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


def _products(graph: TrialGraph, keep: Keep = _everything
              ) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(trial node, product node, product data) of every product in scope."""
    for t, tdata in graph.nodes("Trial"):
        for p, _edge in graph.out(t, "HAS_PRODUCT"):
            if keep(tdata, graph.g.nodes[p]):
                yield t, p, graph.g.nodes[p]


def _with_products(graph: TrialGraph, keep: Keep = _everything
                   ) -> list[tuple[str, dict[str, Any]]]:
    """The trials with a product in scope."""
    return [(t, d) for t, d in graph.nodes("Trial") if any(
        keep(d, graph.g.nodes[p]) for p, _ in graph.out(t, "HAS_PRODUCT"))]


def _targets(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    engineered = [p for _, p, d in _products(graph, keep) if d.get("platform") in ENGINEERED]
    missing = sum(1 for p in engineered if not any(True for _ in graph.out(p, "TARGETS")))
    return Coverage("target", "engineered products", missing, len(engineered))


def _platform(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    products = [d for _, _, d in _products(graph, keep)]
    return Coverage("specific platform", "products",
                    sum(1 for p in products if p.get("platform") in (None, "other")),
                    len(products))


def _cell_source(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    products = [d for _, _, d in _products(graph, keep)]
    return Coverage("cell source", "products",
                    sum(1 for p in products if not p.get("cell_source")), len(products))


def _construct(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    engineered = [d for _, _, d in _products(graph, keep) if d.get("platform") in ENGINEERED]
    return Coverage("construct", "engineered products",
                    sum(1 for d in engineered if not d.get("construct")), len(engineered))


def _country(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    trials = _with_products(graph, keep)
    missing = sum(1 for t, _ in trials if not any(
        True for s, _ in graph.out(t, "HAS_SITE") for _ in graph.out(s, "LOCATED_IN")))
    return Coverage("site country", "trials with a product", missing, len(trials))


def _phase(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    trials = _with_products(graph, keep)
    return Coverage("phase", "trials with a product", sum(
        1 for t, _ in trials if not any(True for _ in graph.out(t, "HAS_PHASE"))), len(trials))


def _start(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    trials = _with_products(graph, keep)
    return Coverage("start year", "trials with a product",
                    sum(1 for _, d in trials if d.get("start_year") is None), len(trials))


def _status(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    trials = _with_products(graph, keep)
    return Coverage("status", "trials with a product",
                    sum(1 for _, d in trials if not d.get("status")), len(trials))


def _eligibility(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    trials = _with_products(graph, keep)
    return Coverage("structured eligibility", "trials with a product", sum(
        1 for t, _ in trials if not any(True for _ in graph.out(t, "HAS_CRITERION"))),
        len(trials))


def _sponsor(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    trials = _with_products(graph, keep)
    missing = sum(1 for t, _ in trials if not any(
        e.get("role") == "lead" for _, e in graph.out(t, "SPONSORED_BY")))
    return Coverage("lead sponsor", "trials with a product", missing, len(trials))


def _enrollment(graph: TrialGraph, keep: Keep = _everything) -> Coverage:
    trials = _with_products(graph, keep)
    return Coverage("planned enrollment", "trials with a product",
                    sum(1 for _, d in trials if d.get("enrollment") is None), len(trials))


FACTS: dict[str, Callable[[TrialGraph, Keep], Coverage]] = {
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
    return fact(graph, slice_filter(params)) if fact is not None else None


def coverages(graph: TrialGraph, names: Iterable[str] | None = None) -> dict[str, Coverage]:
    """The coverage of each stored question in ``names`` (default: all that have one), each
    fact counted once."""
    done: dict[Callable[[TrialGraph, Keep], Coverage], Coverage] = {}
    out = {}
    for name in sorted(FACTS if names is None else set(names) & set(FACTS)):
        fact = FACTS[name]
        if fact not in done:
            done[fact] = fact(graph, _everything)
        out[name] = done[fact]
    return out


def all_coverage(graph: TrialGraph) -> dict[str, dict[str, Any]]:
    """Every stored question's coverage on ``graph``, as JSON (kept in ``stats.json``)."""
    return {name: {**c.to_json(), "text": c.text()} for name, c in coverages(graph).items()}
