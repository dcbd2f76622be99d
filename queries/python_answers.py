"""The stored questions answered in Python over the networkx graph, one function per question.

Each function has the stored query's name, takes the TrialGraph and the query's parameters
as keywords (same defaults as the ``.cypher`` header) and returns rows (lists) with the
query's columns, in the same reading order. They are the reference the Cypher and SPARQL
versions are tested against, and what ``celltx query NAME --engine python`` runs.

>>> from celltx.graph.trial_graph import TrialGraph
>>> trials_per_platform(TrialGraph())
[]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Any

from celltx.graph.trial_graph import TrialGraph

Row = list[Any]
RECRUITING = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION")


# ---- reading the graph ------------------------------------------------------------------------

def _trials(graph: TrialGraph) -> Iterator[tuple[str, dict[str, Any]]]:
    return graph.nodes("Trial")


def _linked(graph: TrialGraph, nid: str, rel_type: str,
            where: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
    """Distinct end nodes (attribute dicts) of ``rel_type`` from ``nid``, edge filter optional."""
    seen: dict[str, dict[str, Any]] = {}
    for end, edge in graph.out(nid, rel_type):
        if where is None or where(edge):
            seen[end] = graph.g.nodes[end]
    return list(seen.values())


def _products(graph: TrialGraph, trial: str) -> list[tuple[str, dict[str, Any]]]:
    return sorted({end: graph.g.nodes[end] for end, _ in graph.out(trial, "HAS_PRODUCT")}.items())


def _targets(graph: TrialGraph, product: str) -> list[dict[str, Any]]:
    return _linked(graph, product, "TARGETS")


def _trial_targets(graph: TrialGraph, trial: str) -> list[dict[str, Any]]:
    found = {x["id"]: x for p, _ in _products(graph, trial) for x in _targets(graph, p)}
    return list(found.values())


def _lead_sponsors(graph: TrialGraph, trial: str) -> list[dict[str, Any]]:
    return _linked(graph, trial, "SPONSORED_BY", lambda e: e.get("role") == "lead")


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else None


def condition_matches(condition: dict[str, Any], wanted: str) -> bool:
    """The matching rule for ``condition``: its id or the id of a broader condition exactly
    (asked for lymphoma, diffuse large B-cell lymphoma is in it), or its name or a synonym
    ignoring case."""
    want = wanted.lower()
    return (condition.get("id") == wanted or wanted in (condition.get("broader") or ())
            or _lower(condition.get("name")) == want
            or any(_lower(s) == want for s in condition.get("synonyms") or ()))


def target_matches(target: dict[str, Any], wanted: str) -> bool:
    """The matching rule for ``target``: id, symbol or a synonym (BCMA, CLL1), ignoring case."""
    want = wanted.lower()
    return (_lower(target.get("id")) == want or _lower(target.get("symbol")) == want
            or any(_lower(s) == want for s in target.get("synonyms") or ()))


def in_condition(graph: TrialGraph, trial: str, wanted: str | None) -> bool:
    """Whether a trial studies the condition (always true for ``None``: no filter)."""
    return wanted is None or any(condition_matches(c, wanted)
                                 for c in _linked(graph, trial, "STUDIES"))


def tested_in(graph: TrialGraph, product: str, wanted: str | None,
              category: str | None = None) -> bool:
    """Whether a product is tested in a condition that matches ``wanted`` and is of
    ``category`` (``TESTED_IN``: its trial's conditions, or in a trial of products of
    different lineages those of its targets' lineage); true when both are None: no filter."""
    if wanted is None and category is None:
        return True
    return any((wanted is None or condition_matches(c, wanted))
               and (category is None or c.get("category") == category)
               for c in _linked(graph, product, "TESTED_IN"))


def in_slice(tdata: dict[str, Any], pdata: dict[str, Any] | None = None, *,
             registry: str | None = None, status: str | None = None, since: int | None = None,
             until: int | None = None, cell_source: str | None = None) -> bool:
    """Whether a trial (and its product ``pdata``) is in a landscape slice: registered in
    ``registry``, of overall ``status``, started in ``since`` … ``until`` (inclusive; a trial
    without a start year is outside any year range) and, for the product, of ``cell_source``.
    ``None`` is no filter."""
    year = tdata.get("start_year")
    return ((registry is None or registry in (tdata.get("registries") or ()))
            and (status is None or tdata.get("status") == status)
            and (since is None or (year is not None and year >= since))
            and (until is None or (year is not None and year <= until))
            and (cell_source is None or of_source((pdata or {}).get("cell_source"), cell_source)))


OFF_THE_SHELF = ("cord blood", "iPSC", "cell line")
"""Cell sources that are allogeneic too: asked for ``allogeneic``, a slice keeps them (the
stored Cypher and SPARQL questions write the same list)."""


def of_source(value: str | None, wanted: str) -> bool:
    """Whether a product's cell source ``value`` answers ``wanted`` (``allogeneic`` also takes
    cord-blood, iPSC and cell-line products: none is the patient's own cells)."""
    return value == wanted or (wanted == "allogeneic" and value in OFF_THE_SHELF)


def _count_trials(pairs: Iterable[tuple[Hashable, str]]) -> dict[Any, int]:
    """Distinct trials per key from (key, trial) pairs."""
    groups: dict[Any, set[str]] = defaultdict(set)
    for key, trial in pairs:
        groups[key].add(trial)
    return {key: len(trials) for key, trials in groups.items()}


def _nulls_last(value: Any) -> tuple[bool, Any]:
    """Sort key that puts ``None`` last, as Cypher's ORDER BY does."""
    return (value is None, value if value is not None else 0)


def _rows(counts: dict[Any, int]) -> list[Row]:
    return [[*(key if isinstance(key, tuple) else (key,)), n] for key, n in counts.items()]


def _trial_product_pairs(graph: TrialGraph) -> Iterator[tuple[str, dict[str, Any], str,
                                                             dict[str, Any]]]:
    for t, tdata in _trials(graph):
        for p, pdata in _products(graph, t):
            yield t, tdata, p, pdata


# ---- the questions ----------------------------------------------------------------------------

def trials_per_target(graph: TrialGraph, *, condition: str | None = None,
                      category: str | None = None,
                      platform: str | None = None, registry: str | None = None,
                      status: str | None = None, since: int | None = None,
                      until: int | None = None, cell_source: str | None = None) -> list[Row]:
    """Distinct trials per target, optionally in a condition (that matches ``condition``
    and/or is of ``category``) and/or for one platform;
    ``registry``, ``status``, ``since`` … ``until`` (start years) and ``cell_source`` (of the
    product) slice the landscape (:func:`in_slice`).

    Columns: target, symbol, trials.
    """
    counts: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for t, tdata, p, pdata in _trial_product_pairs(graph):
        if platform is not None and pdata.get("platform") != platform:
            continue
        if not in_slice(tdata, pdata, registry=registry, status=status, since=since,
                        until=until, cell_source=cell_source):
            continue
        if not tested_in(graph, p, condition, category):
            continue
        for x in _targets(graph, p):
            counts[(x["id"], x.get("symbol"))].add(t)
    rows = [[target, symbol, len(ts)] for (target, symbol), ts in counts.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def target_platform_matrix(graph: TrialGraph) -> list[Row]:
    """Distinct trials per (target, platform), target and platform of the same product.

    Columns: target, platform, trials.
    """
    counts = _count_trials(((x["id"], pdata.get("platform")), t)
                           for t, _, p, pdata in _trial_product_pairs(graph)
                           for x in _targets(graph, p))
    return sorted(_rows(counts), key=lambda r: (-r[2], r[0], _nulls_last(r[1])))


def targets_in_condition_by_platform(graph: TrialGraph, *, condition: str | None = "AML",
                                     registry: str | None = None, status: str | None = None,
                                     since: int | None = None, until: int | None = None,
                                     cell_source: str | None = None) -> list[Row]:
    """Targets pursued in a condition, with distinct trials per platform and target; sliced
    as :func:`trials_per_target`.

    Columns: platform, target, trials.
    """
    counts = _count_trials(((pdata.get("platform"), x["id"]), t)
                           for t, tdata, p, pdata in _trial_product_pairs(graph)
                           if in_slice(tdata, pdata, registry=registry, status=status,
                                       since=since, until=until, cell_source=cell_source)
                           and tested_in(graph, p, condition)
                           for x in _targets(graph, p))
    return sorted(_rows(counts), key=lambda r: (_nulls_last(r[0]), -r[2], r[1]))


def dual_target_constructs(graph: TrialGraph, *, condition: str | None = None,
                           category: str | None = None) -> list[Row]:
    """Products with a dual construct: their trial, name, platform and sorted target ids;
    optionally only trials with a condition that matches ``condition`` and/or is of
    ``category``.

    Columns: nct_id, product, platform, targets.
    """
    rows = [[tdata["id"], pdata.get("name"), pdata.get("platform"),
             sorted(x["id"] for x in _targets(graph, p))]
            for t, tdata, p, pdata in _trial_product_pairs(graph)
            if pdata.get("construct") == "dual" and tested_in(graph, p, condition, category)]
    return sorted(rows, key=lambda r: (r[0], _nulls_last(r[1])))


def construct_target_pairs(graph: TrialGraph, *, condition: str | None = None,
                           category: str | None = None) -> list[Row]:
    """Pairs of targets (``target_a < target_b``) combined in one dual construct, with trials;
    optionally only trials with a condition that matches ``condition`` and/or is of
    ``category``.

    Columns: target_a, target_b, trials.
    """
    def pairs() -> Iterator[tuple[tuple[str, str], str]]:
        for t, _, p, pdata in _trial_product_pairs(graph):
            if pdata.get("construct") != "dual" or not tested_in(graph, p, condition, category):
                continue
            ids = sorted(x["id"] for x in _targets(graph, p))
            for i, a in enumerate(ids):
                for b in ids[i + 1:]:
                    yield (a, b), t

    return sorted(_rows(_count_trials(pairs())), key=lambda r: (-r[2], r[0], r[1]))


def multi_candidate_trials(graph: TrialGraph) -> list[Row]:
    """Trials testing two or more products: product count and sorted distinct platforms.

    Columns: nct_id, title, products, platforms.
    """
    rows = []
    for t, tdata in _trials(graph):
        products = _products(graph, t)
        if len(products) >= 2:
            platforms = {p["platform"] for _, p in products if p.get("platform") is not None}
            rows.append([tdata["id"], tdata.get("title"), len(products), sorted(platforms)])
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def trials_per_platform(graph: TrialGraph, *, registry: str | None = None,
                        status: str | None = None, since: int | None = None,
                        until: int | None = None, cell_source: str | None = None) -> list[Row]:
    """Distinct trials per platform; optionally only trials registered in ``registry``, of
    ``status``, started ``since`` … ``until``, counting products of ``cell_source``.

    Columns: platform, trials.
    """
    counts = _count_trials((pdata.get("platform"), t)
                           for t, tdata, _, pdata in _trial_product_pairs(graph)
                           if in_slice(tdata, pdata, registry=registry, status=status,
                                       since=since, until=until, cell_source=cell_source))
    return sorted(_rows(counts), key=lambda r: (-r[1], _nulls_last(r[0])))


def cell_source_by_platform_year(graph: TrialGraph) -> list[Row]:
    """Distinct trials per platform, cell source and start year (both known).

    Columns: platform, cell_source, start_year, trials.
    """
    counts = _count_trials(((pdata.get("platform"), pdata["cell_source"], tdata["start_year"]), t)
                           for t, tdata, _, pdata in _trial_product_pairs(graph)
                           if pdata.get("cell_source") is not None
                           and tdata.get("start_year") is not None)
    return sorted(_rows(counts), key=lambda r: (_nulls_last(r[0]), r[2], r[1]))


def phase_by_platform(graph: TrialGraph, *, registry: str | None = None,
                      status: str | None = None, since: int | None = None,
                      until: int | None = None, cell_source: str | None = None) -> list[Row]:
    """Distinct trials per platform and phase name; sliced as :func:`trials_per_platform`.

    Columns: platform, phase, trials.
    """
    counts = _count_trials(((pdata.get("platform"), ph.get("name")), t)
                           for t, tdata, _, pdata in _trial_product_pairs(graph)
                           if in_slice(tdata, pdata, registry=registry, status=status,
                                       since=since, until=until, cell_source=cell_source)
                           for ph in _linked(graph, t, "HAS_PHASE"))
    return sorted(_rows(counts), key=lambda r: (_nulls_last(r[0]), _nulls_last(r[1])))


def countries_per_platform(graph: TrialGraph, *, platform: str | None = None,
                           registry: str | None = None, status: str | None = None,
                           since: int | None = None, until: int | None = None,
                           cell_source: str | None = None) -> list[Row]:
    """Distinct trials per platform and site country (ISO alpha-2), optionally one platform;
    sliced as :func:`trials_per_platform`.

    Columns: platform, country, trials.
    """
    def pairs() -> Iterator[tuple[tuple[Any, str], str]]:
        for t, tdata, _, pdata in _trial_product_pairs(graph):
            if platform is not None and pdata.get("platform") != platform:
                continue
            if not in_slice(tdata, pdata, registry=registry, status=status, since=since,
                            until=until, cell_source=cell_source):
                continue
            for site, _ in graph.out(t, "HAS_SITE"):
                for country in _linked(graph, site, "LOCATED_IN"):
                    yield (pdata.get("platform"), country["id"]), t

    return sorted(_rows(_count_trials(pairs())), key=lambda r: (_nulls_last(r[0]), -r[2], r[1]))


def allogeneic_by_country(graph: TrialGraph, *, since: int | None = None,
                          until: int | None = None, registry: str | None = None,
                          status: str | None = None) -> list[Row]:
    """Distinct trials with an allogeneic product, per platform and site country (ISO
    alpha-2); ``since`` … ``until`` keeps trials that started in those years; ``registry``
    and ``status`` as in :func:`trials_per_platform`.

    Columns: platform, country, trials.
    """
    def pairs() -> Iterator[tuple[tuple[Any, str], str]]:
        for t, tdata, _, pdata in _trial_product_pairs(graph):
            if not in_slice(tdata, pdata, registry=registry, status=status, since=since,
                            until=until, cell_source="allogeneic"):
                continue
            for site, _ in graph.out(t, "HAS_SITE"):
                for country in _linked(graph, site, "LOCATED_IN"):
                    yield (pdata.get("platform"), country["id"]), t

    return sorted(_rows(_count_trials(pairs())), key=lambda r: (_nulls_last(r[0]), -r[2], r[1]))


def sponsors_for_target_in_condition(graph: TrialGraph, *, target: str | None = "CD33",
                                     condition: str | None = "AML",
                                     platform: str | None = None) -> list[Row]:
    """Sponsors (any role) of trials with a product targeting the target that is tested in
    the condition, optionally a product of one platform.

    Columns: sponsor, sponsor_class, trials.
    """
    trials = {t for t, _, p, pdata in _trial_product_pairs(graph)
              if target is not None
              and (platform is None or pdata.get("platform") == platform)
              and any(target_matches(x, target) for x in _targets(graph, p))
              and tested_in(graph, p, condition)}
    counts = _count_trials(((o.get("name"), o.get("org_class")), t)
                           for t in trials
                           for o in _linked(graph, t, "SPONSORED_BY"))
    return sorted(_rows(counts), key=lambda r: (-r[2], _nulls_last(r[0]), _nulls_last(r[1])))


def top_sponsors_for_platform(graph: TrialGraph, *, platform: str | None = "CAR-T",
                              limit: int = 10, registry: str | None = None,
                              status: str | None = None, since: int | None = None,
                              until: int | None = None,
                              cell_source: str | None = None) -> list[Row]:
    """Lead sponsors with the most distinct trials of a platform; ties by name; first ``limit``;
    sliced as :func:`trials_per_platform` (``cell_source`` of the platform's product).

    Columns: sponsor, sponsor_class, trials.
    """
    counts = _count_trials(((o.get("name"), o.get("org_class")), t)
                           for t, tdata in _trials(graph)
                           if platform is not None
                           and any(p.get("platform") == platform
                                   and in_slice(tdata, p, registry=registry, status=status,
                                                since=since, until=until,
                                                cell_source=cell_source)
                                   for _, p in _products(graph, t))
                           for o in _lead_sponsors(graph, t))
    rows = sorted(_rows(counts), key=lambda r: (-r[2], _nulls_last(r[0]), _nulls_last(r[1])))
    return rows[:limit]


def sponsor_class_by_year(graph: TrialGraph) -> list[Row]:
    """Distinct cell-therapy trials with a start year, per start year and lead-sponsor class.

    Columns: start_year, sponsor_class, trials.
    """
    counts = _count_trials(((tdata["start_year"], o.get("org_class")), t)
                           for t, tdata in _trials(graph)
                           if tdata.get("is_cell_therapy") is True
                           and tdata.get("start_year") is not None
                           for o in _lead_sponsors(graph, t))
    return sorted(_rows(counts), key=lambda r: (r[0], _nulls_last(r[1])))


def new_entrants_by_year(graph: TrialGraph, *, platform: str | None = None) -> list[Row]:
    """Lead sponsor × target pairs by the start year of the pair's first trial, optionally for
    one platform, with the number of distinct sponsors among them.

    Columns: start_year, entrants, sponsors.
    """
    first: dict[tuple[str, str], int] = {}
    for t, tdata, p, pdata in _trial_product_pairs(graph):
        year = tdata.get("start_year")
        if year is None or (platform is not None and pdata.get("platform") != platform):
            continue
        for o in _lead_sponsors(graph, t):
            for x in _linked(graph, p, "TARGETS"):
                key = (o["id"], x["id"])
                first[key] = min(first.get(key, year), year)
    years: dict[int, list[str]] = defaultdict(list)
    for (org, _target), year in first.items():
        years[year].append(org)
    return [[y, len(orgs), len(set(orgs))] for y, orgs in sorted(years.items())]


def target_momentum(graph: TrialGraph, *, until: int = 2025) -> list[Row]:
    """Distinct trials of each target that started in ``until``-2 … ``until`` (recent) and in
    ``until``-5 … ``until``-3 (earlier), for targets with a recent trial, by growth.

    Columns: target, symbol, recent, earlier, growth.
    """
    recent: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    earlier: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for t, tdata, p, _ in _trial_product_pairs(graph):
        year = tdata.get("start_year")
        if year is None or not until - 5 <= year <= until:
            continue
        for x in _targets(graph, p):
            (recent if year >= until - 2 else earlier)[(x["id"], x.get("symbol"))].add(t)
    rows = [[target, symbol, len(ts), len(earlier.get((target, symbol), ())),
             len(ts) - len(earlier.get((target, symbol), ()))]
            for (target, symbol), ts in recent.items()]
    return sorted(rows, key=lambda r: (-r[4], -r[2], r[0]))


def starts_per_year_by_platform(graph: TrialGraph, *, since: int | None = None,
                                until: int | None = None, registry: str | None = None,
                                status: str | None = None,
                                cell_source: str | None = None) -> list[Row]:
    """Distinct trials started per year per platform, optionally in years ``since`` …
    ``until``, and how many of them started (``started``: the start was made as of the
    record); ``registry``, ``status`` and ``cell_source`` as in :func:`trials_per_platform`.

    Columns: start_year, platform, trials, started.
    """
    pairs = [((tdata["start_year"], pdata.get("platform")), t, tdata.get("started") is True)
             for t, tdata, _, pdata in _trial_product_pairs(graph)
             if tdata.get("start_year") is not None
             and in_slice(tdata, pdata, registry=registry, status=status, since=since,
                          until=until, cell_source=cell_source)]
    started = _count_trials((key, t) for key, t, made in pairs if made)
    rows = [[*row, started.get((row[0], row[1]), 0)]
            for row in _rows(_count_trials((key, t) for key, t, _ in pairs))]
    return sorted(rows, key=lambda r: (r[0], _nulls_last(r[1])))


def targets_first_seen_after(graph: TrialGraph, *, date: str | None = "2024-01-01") -> list[Row]:
    """Targets whose earliest trial start date (compared as text) is on or after ``date``.

    Columns: target, first_start, trials (all the target's trials).
    """
    trials: dict[str, set[str]] = defaultdict(set)
    starts: dict[str, list[str]] = defaultdict(list)
    for t, tdata in _trials(graph):
        for x in _trial_targets(graph, t):
            trials[x["id"]].add(t)
            if tdata.get("start_date") is not None:
                starts[x["id"]].append(tdata["start_date"])
    rows = [[target, min(starts[target]), len(ts)] for target, ts in trials.items()
            if date is not None and starts[target] and min(starts[target]) >= date]
    return sorted(rows, key=lambda r: (r[1], r[0]))


def targets_shared_car_t_car_nk(graph: TrialGraph) -> list[Row]:
    """Targets of both CAR-T and CAR-NK products, with distinct trials of each platform.

    Columns: target, car_t_trials, car_nk_trials.
    """
    by_platform: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for t, _, p, pdata in _trial_product_pairs(graph):
        if pdata.get("platform") in ("CAR-T", "CAR-NK"):
            for x in _targets(graph, p):
                by_platform[x["id"]][pdata["platform"]].add(t)
    rows = [[target, len(pl["CAR-T"]), len(pl["CAR-NK"])] for target, pl in by_platform.items()
            if pl["CAR-T"] and pl["CAR-NK"]]
    return sorted(rows, key=lambda r: (-(r[1] + r[2]), r[0]))


def heme_only_targets(graph: TrialGraph) -> list[Row]:
    """Targets of products tested in haematological conditions and never in a solid tumour.

    Columns: target, trials (the haematological trials).
    """
    heme: dict[str, set[str]] = defaultdict(set)
    solid: set[str] = set()
    for t, _, p, _ in _trial_product_pairs(graph):
        categories = {c.get("category") for c in _linked(graph, p, "TESTED_IN")}
        for x in _targets(graph, p):
            if "haematological" in categories:
                heme[x["id"]].add(t)
            if "solid" in categories:
                solid.add(x["id"])
    rows = [[target, len(ts)] for target, ts in heme.items() if target not in solid]
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def status_per_platform(graph: TrialGraph, *, registry: str | None = None,
                        since: int | None = None, until: int | None = None,
                        cell_source: str | None = None) -> list[Row]:
    """Distinct trials per platform and overall status; sliced as :func:`trials_per_platform`
    (no status filter: status is what it counts).

    Columns: platform, status, trials.
    """
    counts = _count_trials(((pdata.get("platform"), tdata.get("status")), t)
                           for t, tdata, _, pdata in _trial_product_pairs(graph)
                           if in_slice(tdata, pdata, registry=registry, since=since,
                                       until=until, cell_source=cell_source))
    return sorted(_rows(counts), key=lambda r: (_nulls_last(r[0]), -r[2], _nulls_last(r[1])))


def planned_enrollment_per_target(graph: TrialGraph) -> list[Row]:
    """Planned enrollment summed over each target's distinct trials (missing counts as 0).

    Columns: target, trials, enrollment.
    """
    trials: dict[str, dict[str, int]] = defaultdict(dict)
    for t, tdata in _trials(graph):
        for x in _trial_targets(graph, t):
            trials[x["id"]][t] = int(tdata.get("enrollment") or 0)
    rows = [[target, len(ts), sum(ts.values())] for target, ts in trials.items()]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def trials_in_condition(graph: TrialGraph, *, condition: str | None = "AML") -> list[Row]:
    """Every trial with a product tested in a condition: the targets and platforms of those
    products, phase, lead sponsor, status.

    Columns: nct_id, title, targets, platforms, phase, sponsor, status. ``phase`` and
    ``sponsor`` are the (alphabetically first) phase name and lead sponsor, or ``None``.
    """
    rows = []
    for t, tdata in _trials(graph):
        products = [(p, pdata) for p, pdata in _products(graph, t)
                    if tested_in(graph, p, condition)]
        if not products:
            continue
        phases = [ph["name"] for ph in _linked(graph, t, "HAS_PHASE") if ph.get("name")]
        leads = [o["name"] for o in _lead_sponsors(graph, t) if o.get("name")]
        rows.append([tdata["id"], tdata.get("title"),
                     sorted({x["id"] for p, _ in products for x in _targets(graph, p)}),
                     sorted({p["platform"] for _, p in products if p.get("platform") is not None}),
                     min(phases, default=None), min(leads, default=None), tdata.get("status")])
    return sorted(rows, key=lambda r: r[0])


def lymphodepletion_by_platform(graph: TrialGraph) -> list[Row]:
    """Agents used for lymphodepletion, with distinct trials per platform and agent name.

    Columns: platform, agent, trials.
    """
    counts = _count_trials(((pdata.get("platform"), a.get("name")), t)
                           for t, _, _, pdata in _trial_product_pairs(graph)
                           for a in _linked(graph, t, "USES_AGENT",
                                            lambda e: e.get("role") == "lymphodepletion"))
    return sorted(_rows(counts), key=lambda r: (_nulls_last(r[0]), -r[2], _nulls_last(r[1])))


def recruiting_in_country(graph: TrialGraph, *, country: str | None = "CN",
                          condition: str | None = None) -> list[Row]:
    """Open trials (recruiting, not yet, by invitation) with a product and a site in a country.

    Columns: nct_id, title, platforms, status.
    """
    rows = []
    for t, tdata in _trials(graph):
        if tdata.get("status") not in RECRUITING:
            continue
        countries = {c["id"] for s, _ in graph.out(t, "HAS_SITE")
                     for c in _linked(graph, s, "LOCATED_IN")}
        products = _products(graph, t)
        if country in countries and products and in_condition(graph, t, condition):
            platforms = {p["platform"] for _, p in products if p.get("platform") is not None}
            rows.append([tdata["id"], tdata.get("title"), sorted(platforms),
                         tdata.get("status")])
    return sorted(rows, key=lambda r: r[0])


def similar_trials(graph: TrialGraph, *, nct_id: str | None = "NCT05008575",
                   limit: int = 10) -> list[Row]:
    """Other trials sharing targets or conditions with a trial, by ``2*targets + conditions``.

    Columns: nct_id, title, shared_targets, shared_conditions, score; the first ``limit``.
    """
    given = f"Trial:{nct_id}"
    if nct_id is None or given not in graph.g:
        return []
    targets = {x["id"] for x in _trial_targets(graph, given)}
    conditions = {c["id"] for c in _linked(graph, given, "STUDIES")}
    rows = []
    for t, tdata in _trials(graph):
        if t == given:
            continue
        st = len(targets & {x["id"] for x in _trial_targets(graph, t)})
        sc = len(conditions & {c["id"] for c in _linked(graph, t, "STUDIES")})
        if st + sc > 0:
            rows.append([tdata["id"], tdata.get("title"), st, sc, 2 * st + sc])
    return sorted(rows, key=lambda r: (-r[4], r[0]))[:limit]


def trials_admitting_ecog(graph: TrialGraph, *, condition: str | None = "AML",
                          ecog: int | None = 2) -> list[Row]:
    """Cell-therapy trials in a condition whose eligibility admits ECOG ``ecog`` or worse.

    Columns: nct_id, title, ecog_max (trials with ``ecog_max >= ecog``).
    """
    rows = [[tdata["id"], tdata.get("title"), tdata["ecog_max"]]
            for t, tdata in _trials(graph)
            if tdata.get("is_cell_therapy") is True and ecog is not None
            and tdata.get("ecog_max") is not None and tdata["ecog_max"] >= ecog
            and in_condition(graph, t, condition)]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def trials_excluding_prior_car_t(graph: TrialGraph, *,
                                 condition: str | None = None) -> list[Row]:
    """Cell-therapy trials (optionally in a condition) that exclude patients with prior CAR-T.

    Columns: nct_id, title.
    """
    rows = [[tdata["id"], tdata.get("title")] for t, tdata in _trials(graph)
            if tdata.get("is_cell_therapy") is True
            and tdata.get("excludes_prior_car_t") is True
            and in_condition(graph, t, condition)]
    return sorted(rows, key=lambda r: r[0])


ANSWERS: dict[str, Callable[..., list[Row]]] = {
    f.__name__: f for f in (
        trials_per_target, target_platform_matrix, targets_in_condition_by_platform,
        dual_target_constructs, construct_target_pairs, multi_candidate_trials,
        trials_per_platform, cell_source_by_platform_year, phase_by_platform,
        countries_per_platform, allogeneic_by_country, sponsors_for_target_in_condition,
        top_sponsors_for_platform,
        sponsor_class_by_year, new_entrants_by_year, starts_per_year_by_platform,
        targets_first_seen_after, target_momentum,
        targets_shared_car_t_car_nk, heme_only_targets, status_per_platform,
        planned_enrollment_per_target, trials_in_condition, lymphodepletion_by_platform,
        recruiting_in_country, similar_trials, trials_admitting_ecog,
        trials_excluding_prior_car_t,
    )
}
"""Every Python answer by question name."""
