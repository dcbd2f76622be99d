"""A self-contained static HTML landscape report: inline SVG charts, no network needed.

Every chart is the answer of a stored question (``queries/NAME.cypher``), computed with the
Python engine and named under the chart. The report is filterable by condition: it holds one
section per *view* — all trials, each condition category (haematological, solid, autoimmune)
and the conditions with the most trials (or those asked for) — and each view's charts are the
stored questions answered on the subgraph of the trials in that view. A small inline script
switches views (the choice is kept in the URL fragment, e.g. ``report.html#category:solid``);
with scripts off the first view shows.
"""

from __future__ import annotations

import html
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

import networkx as nx

from celltx.graph.trial_graph import TrialGraph
from celltx.ontology.display import target_label
from celltx.outputs import CONTROL_CODES
from celltx.queries.coverage import FACTS, coverages
from celltx.queries.params import condition_term
from celltx.queries.python_answers import condition_matches
from celltx.queries.run import run_query
from celltx.registries import trial_url

PLATFORM_COLORS = {
    "CAR-T": "#0072B2", "CAR-NK": "#E69F00", "CAR-NKT": "#CC79A7", "CAR-γδT": "#009E73",
    "CAR-M": "#D55E00", "TCR-T": "#56B4E9", "NK": "#B8860B", "iNKT": "#882255", "γδT": "#44AA99",
    "TIL": "#999933", "CIK": "#AA4499", "T cell": "#332288", "other": "#888888",
}
CLASS_COLORS = {
    "industry": "#CC6677", "academic": "#117733", "government": "#88CCEE",
    "network": "#DDCC77", "individual": "#6699CC", "other": "#999999",
}
SOURCE_COLORS = {"autologous": "#1B9E77", "allogeneic": "#7570B3"}
"""Each family of categories has colours of its own (a CAR-NK bar, an industry sponsor and an
allogeneic product are never the same orange)."""
FALLBACK = ("#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB",
            "#117733", "#882255", "#DDCC77")
PHASE_ORDER = ("Early Phase 1", "Phase 1", "Phase 1/Phase 2", "Phase 2", "Phase 2/Phase 3",
               "Phase 3", "Phase 4", "Not Applicable")
FLAG_LABELS = {"placeholder_record": "placeholder record",
               "condition_is_outcome": "a condition that is an outcome name",
               "impossible_date": "impossible date",
               "targets_across_conditions": "targets tied to the trial's conditions, not each "
                                            "to its own"}
CATEGORY_LABELS = {"haematological": "Haematological conditions", "solid": "Solid tumours",
                   "autoimmune": "Autoimmune conditions"}
NONE_LABEL = "(unstated)"
UMBRELLA_CONDITIONS = frozenset({"MONDO:0005070", "MONDO:0004992", "MONDO:0007179"})
"""Conditions too broad to be a view of their own (neoplasm, cancer, autoimmune disease): a
trial that names only these is in "All trials" (and its category, if it has one)."""
UMBRELLA_NAMES = frozenset({"neoplasm", "neoplasms", "cancer", "malignant neoplasm", "tumor",
                            "tumour", "malignancy", "malignant tumor", "solid tumor",
                            "solid tumour", "autoimmune disease", "hematologic malignancy",
                            "haematological malignancy"})


# ---- views ----------------------------------------------------------------------------------


@dataclass
class View:
    """A selection of trials (by condition) and the subgraph the charts are answered on."""

    id: str
    label: str
    graph: TrialGraph
    trials: int = 0


def trial_subgraph(graph: TrialGraph, trial_ids: Iterable[str],
                   products: set[str] | None = None) -> TrialGraph:
    """The trials (node ids) and everything reachable from them: products, targets, sites…;
    with ``products``, only those of the trials' products (and what only they reach): a
    condition's view leaves out a basket trial's products tested in other conditions."""
    keep: set[str] = set()
    stack = list(trial_ids)
    while stack:
        nid = stack.pop()
        if nid in keep or (products is not None and nid not in products
                           and graph.g.nodes[nid].get("label") == "Product"):
            continue
        keep.add(nid)
        stack.extend(graph.g.successors(nid))
    return TrialGraph(nx.MultiDiGraph(graph.g.subgraph(keep)))


class _Tested(NamedTuple):
    data: dict[str, Any]
    trials: set[str]
    products: set[str]


def _conditions_of(graph: TrialGraph) -> dict[str, _Tested]:
    """Condition node id -> its data, and the products tested in it (``TESTED_IN``) with their
    trials."""
    out: dict[str, _Tested] = {}
    for tid, _ in graph.nodes("Trial"):
        for pid, _ in graph.out(tid, "HAS_PRODUCT"):
            for cid, _ in graph.out(pid, "TESTED_IN"):
                found = out.setdefault(cid, _Tested(graph.g.nodes[cid], set(), set()))
                found.trials.add(tid)
                found.products.add(pid)
    return out


def is_umbrella(data: dict[str, Any]) -> bool:
    """Whether a condition is an umbrella term that says nothing a category does not
    ("neoplasm", "cancer", "autoimmune disease")."""
    return (data.get("id") in UMBRELLA_CONDITIONS
            or str(data.get("name") or "").strip().casefold() in UMBRELLA_NAMES)


def umbrella_conditions(graph: TrialGraph) -> list[tuple[str, int]]:
    """The umbrella conditions studied by trials with a product, with their trials, most
    first: left out of the condition views (:func:`condition_views`)."""
    found = [(_condition_label(k.data), len(k.trials)) for k in _conditions_of(graph).values()
             if is_umbrella(k.data)]
    return sorted(found, key=lambda x: (-x[1], x[0]))


def _condition_label(data: dict[str, Any]) -> str:
    name = str(data.get("name") or data["id"])
    syn = [s for s in data.get("synonyms") or ()  # abbreviations only: AML, B-ALL, SLE
           if s.upper() == s and len(s) <= 8 and s.lower() != name.lower()]
    return f"{name} ({syn[0]})" if syn else name


def condition_views(graph: TrialGraph, conditions: Sequence[str] | None = None, *,
                    top: int = 12) -> list[View]:
    """The report's views: all trials, each condition category and the top conditions
    (umbrella terms such as "neoplasm" left out, see :func:`is_umbrella`); or, when
    ``conditions`` are given, the trials in any of them and each of them.

    >>> from tests.mini_graph import build_mini_graph  # the hand-annotated test graph
    >>> [v.label for v in condition_views(build_mini_graph())][:3]
    ['All trials', 'Haematological conditions', 'Solid tumours']
    >>> [(v.label, v.trials) for v in condition_views(build_mini_graph(), ["AML"])]
    [('acute myeloid leukemia (AML)', 3)]
    """
    conds = _conditions_of(graph)
    with_products = {t for t, _ in graph.nodes("Trial")
                     if any(True for _ in graph.out(t, "HAS_PRODUCT"))}
    views: list[View] = []

    def add(view_id: str, label: str, tested: Sequence[_Tested]) -> None:
        trials = set().union(*(t.trials for t in tested))
        products = set().union(*(t.products for t in tested))
        views.append(View(view_id, label, trial_subgraph(graph, trials, products),
                          len(trials)))

    if conditions:
        picked: list[tuple[str, str, list[_Tested]]] = []
        for wanted in conditions:
            # a name the vocabulary knows is asked for as its term, with the narrower
            # conditions ("lymphoma" takes the trials of diffuse large B-cell lymphoma)
            term = condition_term(wanted)
            asked = wanted if term is None else str(term.curie)
            hits = [cid for cid, found in conds.items() if condition_matches(found.data, asked)]
            if not hits:
                known = sorted(conds.values(), key=lambda v: -len(v.trials))[:8]
                raise ValueError(
                    f"no trial with a product studies condition {wanted!r}; conditions with "
                    f"the most trials: {', '.join(_condition_label(k.data) for k in known)}")
            first = (conds[hits[0]].data if term is None else
                     {"id": term.curie, "name": term.label, "synonyms": term.synonyms})
            label = _condition_label(first) if len(hits) == 1 or term else wanted
            picked.append((f"condition:{first['id']}", label, [conds[c] for c in hits]))
        if len(picked) > 1:
            add("all", "Any of: " + ", ".join(p[1] for p in picked),
                [t for p in picked for t in p[2]])
        for view_id, label, tested in picked:
            add(view_id, label, tested)
        return views

    views.append(View("all", "All trials", graph, len(with_products)))
    by_category: dict[str, list[_Tested]] = defaultdict(list)
    for found in conds.values():
        if found.data.get("category") in CATEGORY_LABELS:
            by_category[found.data["category"]].append(found)
    for cat, label in CATEGORY_LABELS.items():
        if by_category.get(cat):
            add(f"category:{cat}", label, by_category[cat])
    ranked = sorted(((cid, found) for cid, found in conds.items()
                     if not is_umbrella(found.data)
                     and (not cid.startswith("Condition:text:") or len(found.trials) > 1)),
                    key=lambda kv: (-len(kv[1].trials), _condition_label(kv[1].data)))
    for _cid, found in ranked[:top]:
        add(f"condition:{found.data['id']}", _condition_label(found.data), [found])
    return views


# ---- chart data from the stored questions -----------------------------------------------------


@dataclass
class Chart:
    id: str
    title: str
    queries: list[tuple[str, dict[str, Any]]]
    """The stored questions behind the chart, with their parameters."""
    body: str = ""
    marks: int = 0
    legend: dict[str, str] = field(default_factory=dict)
    note: str = ""


def _ask(graph: TrialGraph, name: str, **params: Any) -> list[list[Any]]:
    return run_query(name, params, engine="python", graph=graph).rows


def _color(series: str | None, palette: dict[str, str], seen: dict[str, str]) -> str:
    key = series if series is not None else NONE_LABEL
    if key in palette:
        return palette[key]
    if key not in seen:
        seen[key] = FALLBACK[len(seen) % len(FALLBACK)]
    return seen[key]


def _name(value: Any) -> str:
    return NONE_LABEL if value is None else str(value)


def _target(value: Any) -> str:
    """A target as the field names it, its identifier beside it ("BCMA (TNFRSF17)")."""
    return NONE_LABEL if value is None else target_label(str(value))


def starts_note(graph: TrialGraph, years: set[int]) -> str | None:
    """What the start-year counts of ``years`` hold: the records are as of their latest update
    (the registry snapshot, not the day the report is made), so that year is partial; and of
    the trials counted, how many had started as of their records (the Trial's ``started``:
    ``annotate.start_made``), how many had not (a planned start, a start date after the
    record's last update; a trial not yet recruiting or withdrawn whose date passed) and of
    how many the record cannot say (no status, or unknown and never verified, or a start
    moved forward years past the trial's registration while it enrols; the analyst
    probe: 77 of the sample's 330 "started in 2025" had not started). The question's
    ``started`` column counts the first."""
    trials = [d for _, d in graph.nodes("Trial") if d.get("is_cell_therapy")]
    updated = max((str(d["last_update"]) for d in trials if d.get("last_update")), default=None)
    if updated is None or not years:
        return None
    shown = [d for d in trials if d.get("start_year") in years]
    made = sum(1 for d in shown if d.get("started") is True)
    not_made = sum(1 for d in shown if d.get("started") is False)
    unknown = len(shown) - made - not_made
    year = int(updated[:4])
    parts = []
    if year in years or any(str(d.get("start_date") or "") > updated for d in shown):
        parts.append(f"{year} is partial: the records were last updated on {updated}")
    if not_made or unknown:
        parts.append(f"of the {len(shown)} trials whose starts are shown, {made} had started as "
                     f"of their records, {not_made} had not (a planned start, or a trial not "
                     "yet recruiting or withdrawn whose date passed)"
                     + (f" and {unknown} cannot say (no status, unknown and never "
                        "verified, or a start date moved years past the trial's registration)"
                        if unknown else ""))
    return ("; ".join(parts) + ".") if parts else None


def view_charts(graph: TrialGraph) -> list[Chart]:
    """Every chart of one view, answered on ``graph`` with the stored questions."""
    charts: list[Chart] = []
    platforms_rows = _ask(graph, "trials_per_platform")
    platform_order = [_name(r[0]) for r in platforms_rows]
    extra: dict[str, str] = {}

    def pcolor(p: str) -> str:
        return _color(p, PLATFORM_COLORS, extra)

    # trials per platform
    c = Chart("platforms", "Trials per platform", [("trials_per_platform", {})])
    c.body, c.marks = hbars([(_name(p), [(_name(p), n)]) for p, n in platforms_rows], pcolor)
    charts.append(c)

    # target x platform heatmap
    rows = _ask(graph, "target_platform_matrix")
    c = Chart("heatmap", "Targets × platforms (trials)", [("target_platform_matrix", {})])
    totals: dict[str, int] = defaultdict(int)
    cells: dict[tuple[str, str], int] = {}
    for target, platform, n in rows:
        totals[_target(target)] += n
        cells[_target(target), _name(platform)] = n
    targets = sorted(totals, key=lambda t: (-totals[t], t))[:30]
    cols = [p for p in platform_order if any((t, p) in cells for t in targets)]
    c.body, c.marks = heatmap(targets, cols, cells)
    if len(totals) > len(targets):
        c.note = f"The {len(targets)} targets with the most trials of {len(totals)}."
    charts.append(c)

    # starts per year by platform
    rows = _ask(graph, "starts_per_year_by_platform")
    c = Chart("starts", "Trial starts per year (as registered, planned ones too), by platform",
              [("starts_per_year_by_platform", {})])
    c.body, c.marks = columns([(r[0], _name(r[1]), r[2]) for r in rows], pcolor)
    c.legend = {p: pcolor(p) for p in platform_order if any(_name(r[1]) == p for r in rows)}
    c.note = starts_note(graph, {r[0] for r in rows if r[0] is not None}) or ""
    charts.append(c)

    # phase distribution
    rows = _ask(graph, "phase_by_platform")
    c = Chart("phases", "Phase distribution, by platform", [("phase_by_platform", {})])
    phases: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for platform, phase, n in rows:
        phases[_name(phase)].append((_name(platform), n))
    ordered = sorted(phases, key=lambda p: (PHASE_ORDER.index(p) if p in PHASE_ORDER
                                            else len(PHASE_ORDER), p))
    c.body, c.marks = hbars([(p, _by_order(phases[p], platform_order)) for p in ordered], pcolor)
    c.legend = {p: pcolor(p) for p in platform_order if any(p == s for v in phases.values()
                                                            for s, _ in v)}
    charts.append(c)

    # top sponsors by class, for the leading platforms
    top_platforms = [p for p in platform_order if p != NONE_LABEL][:3]
    c = Chart("sponsors", "Top lead sponsors, by sponsor class",
              [("top_sponsors_for_platform", {"platform": p, "limit": 8}) for p in top_platforms])
    parts: list[str] = []
    marks = 0
    classes: set[str] = set()
    for p in top_platforms:
        rows = _ask(graph, "top_sponsors_for_platform", platform=p, limit=8)
        body, n = hbars([(_name(s), [(_name(k), t)]) for s, k, t in rows],
                        lambda k: _color(k, CLASS_COLORS, extra), label_width=260)
        classes.update(_name(r[1]) for r in rows)
        parts.append(f'<h4>{html.escape(p)}</h4>{body}')
        marks += n
    c.body, c.marks = "".join(parts), marks
    c.legend = {k: _color(k, CLASS_COLORS, extra) for k in sorted(classes)}
    charts.append(c)

    # lead-sponsor class per start year
    rows = _ask(graph, "sponsor_class_by_year")
    c = Chart("sponsor_classes", "Lead-sponsor class of cell-therapy trials, per start year",
              [("sponsor_class_by_year", {})])
    c.body, c.marks = columns([(r[0], _name(r[1]), r[2]) for r in rows],
                              lambda k: _color(k, CLASS_COLORS, extra))
    c.legend = {k: _color(k, CLASS_COLORS, extra) for k in sorted({_name(r[1]) for r in rows})}
    charts.append(c)

    # countries
    rows = _ask(graph, "countries_per_platform")
    c = Chart("countries", "Site countries, by platform", [("countries_per_platform", {})])
    per_country: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for platform, country, n in rows:
        per_country[_name(country)].append((_name(platform), n))
    names = {d["id"]: d.get("name") or d["id"] for _, d in graph.nodes("Country")}
    ranked = sorted(per_country, key=lambda k: (-sum(n for _, n in per_country[k]), k))
    shown = ranked[:15]
    c.body, c.marks = hbars([(names.get(k, k), _by_order(per_country[k], platform_order))
                             for k in shown], pcolor)
    c.legend = {p: pcolor(p) for p in platform_order
                if any(p == s for k in shown for s, _ in per_country[k])}
    if len(ranked) > len(shown):
        c.note = (f"The {len(shown)} countries with the most trials of {len(ranked)}; a trial "
                  "counts once per platform.")
    charts.append(c)

    # dual-target constructs
    pairs = _ask(graph, "construct_target_pairs")
    duals = _ask(graph, "dual_target_constructs")
    c = Chart("dual", "Dual-target constructs",
              [("construct_target_pairs", {}), ("dual_target_constructs", {})])
    bars, n_bars = hbars([(f"{_target(a)} + {_target(b)}", [("pair", n)])
                          for a, b, n in pairs[:15]],
                         lambda _: "#6a51a3")
    c.body = bars + construct_table(duals)
    c.marks = n_bars + len(duals)
    charts.append(c)

    # autologous vs allogeneic
    rows = _ask(graph, "cell_source_by_platform_year")
    c = Chart("cell_source", "Autologous vs allogeneic, by platform",
              [("cell_source_by_platform_year", {})])
    per_platform: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for platform, source, _year, n in rows:
        per_platform[_name(platform)][_name(source)] += n
    sources = sorted({s for v in per_platform.values() for s in v},
                     key=lambda s: (s not in SOURCE_COLORS, s))
    c.body, c.marks = hbars(
        [(p, [(s, per_platform[p][s]) for s in sources if per_platform[p].get(s)])
         for p in platform_order if p in per_platform],
        lambda s: _color(s, SOURCE_COLORS, extra))
    c.legend = {s: _color(s, SOURCE_COLORS, extra) for s in sources}
    c.note = "Products whose cell source is stated, and trials with a start year."
    charts.append(c)
    _add_coverage(charts, graph)
    return charts


def _add_coverage(charts: list[Chart], graph: TrialGraph) -> None:
    """Under each chart, how many of its view's trials or products lack the fact it counts."""
    first = {c.id: next((n for n, _ in c.queries if n in FACTS), None) for c in charts}
    found = coverages(graph, [n for n in first.values() if n])
    for chart in charts:
        name = first[chart.id]
        if name is not None:
            text = f"Coverage: {found[name].text()}."
            chart.note = " ".join(x for x in (chart.note, text) if x)


def _by_order(items: list[tuple[str, int]], order: list[str]) -> list[tuple[str, int]]:
    rank = {p: i for i, p in enumerate(order)}
    return sorted(items, key=lambda kv: (rank.get(kv[0], len(rank)), kv[0]))


# ---- SVG --------------------------------------------------------------------------------------


def nice_max(value: float) -> int:
    """A round axis maximum at or above ``value``.

    >>> nice_max(87), nice_max(3), nice_max(1200)
    (100, 3, 1500)
    """
    if value <= 5:
        return max(1, math.ceil(value))
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * magnitude >= value:
            return int(step * magnitude)
    return int(10 * magnitude)  # pragma: no cover


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def hbars(rows: list[tuple[str, list[tuple[str, int]]]], color: Any, *,
          label_width: int = 170, width: int = 620, bar: int = 18) -> tuple[str, int]:
    """Horizontal (stacked) bars: (label, [(series, value), …]) per row -> (svg, marks)."""
    rows = [(label, [(s, v) for s, v in segs if v]) for label, segs in rows]
    rows = [r for r in rows if r[1]]
    if not rows:
        return _empty(), 0
    top = nice_max(max(sum(v for _, v in segs) for _, segs in rows))
    plot = width - label_width - 50
    height = len(rows) * (bar + 6) + 24
    out = [f'<svg class="plot" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for tick in _ticks(top):
        x = label_width + plot * tick / top
        out.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height - 18}"/>'
                   f'<text class="tick" x="{x:.1f}" y="{height - 4}">{tick}</text>')
    marks = 0
    for i, (label, segs) in enumerate(rows):
        y = i * (bar + 6) + 2
        out.append(f'<text class="label" x="{label_width - 6}" y="{y + bar - 5}">'
                   f'<title>{_esc(label)}</title>{_esc(_clip(label, label_width // 7))}</text>')
        x = float(label_width)
        for series, value in segs:
            w = plot * value / top
            out.append(f'<rect class="mark" x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" '
                       f'height="{bar}" fill="{color(series)}"><title>{_esc(label)} · '
                       f'{_esc(series)}: {value}</title></rect>')
            x += w
            marks += 1
        out.append(f'<text class="value" x="{x + 4:.1f}" y="{y + bar - 5}">'
                   f'{sum(v for _, v in segs)}</text>')
    out.append("</svg>")
    return "".join(out), marks


def columns(points: list[tuple[int, str, int]], color: Any, *, width: int = 620,
            height: int = 240) -> tuple[str, int]:
    """Stacked columns per year: (year, series, value) -> (svg, marks); gap years stay empty."""
    points = [p for p in points if p[2]]
    if not points:
        return _empty(), 0
    years = list(range(min(p[0] for p in points), max(p[0] for p in points) + 1))
    stacks: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for year, series, value in points:
        stacks[year].append((series, value))
    top = nice_max(max(sum(v for _, v in s) for s in stacks.values()))
    left, bottom = 36, 22
    plot_w, plot_h = width - left - 8, height - bottom - 8
    step = plot_w / len(years)
    out = [f'<svg class="plot" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for tick in _ticks(top):
        y = 8 + plot_h - plot_h * tick / top
        out.append(f'<line class="grid" x1="{left}" x2="{width - 8}" y1="{y:.1f}" '
                   f'y2="{y:.1f}"/><text class="tick" x="{left - 4}" y="{y + 4:.1f}" '
                   f'text-anchor="end">{tick}</text>')
    every = max(1, math.ceil(len(years) / 12))
    marks = 0
    for i, year in enumerate(years):
        x = left + i * step
        if i % every == 0 or year == years[-1]:
            out.append(f'<text class="tick" x="{x + step / 2:.1f}" y="{height - 6}">{year}</text>')
        y = 8 + plot_h
        for series, value in stacks.get(year, []):
            h = plot_h * value / top
            y -= h
            out.append(f'<rect class="mark" x="{x + step * 0.1:.1f}" y="{y:.1f}" '
                       f'width="{max(step * 0.8, 1):.1f}" height="{max(h, 1):.1f}" '
                       f'fill="{color(series)}"><title>{year} · {_esc(series)}: {value}'
                       f'</title></rect>')
            marks += 1
    out.append("</svg>")
    return "".join(out), marks


def heatmap(rows: list[str], cols: list[str], cells: dict[tuple[str, str], int], *,
            cell_w: int = 64, cell_h: int = 20, label_width: int = 120) -> tuple[str, int]:
    """A rows × columns grid shaded by count -> (svg, marks)."""
    if not rows or not cols:
        return _empty(), 0
    top = max(cells.values())
    width, height = label_width + cell_w * len(cols) + 4, 28 + cell_h * len(rows)
    out = [f'<svg class="plot" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" role="img" xmlns="http://www.w3.org/2000/svg">']
    for j, col in enumerate(cols):
        out.append(f'<text class="colhead" x="{label_width + j * cell_w + cell_w / 2:.1f}" '
                   f'y="16">{_esc(_clip(col, 9))}<title>{_esc(col)}</title></text>')
    marks = 0
    for i, row in enumerate(rows):
        y = 24 + i * cell_h
        out.append(f'<text class="label" x="{label_width - 6}" y="{y + cell_h - 6}">'
                   f'{_esc(_clip(row, 16))}<title>{_esc(row)}</title></text>')
        for j, col in enumerate(cols):
            x = label_width + j * cell_w
            n = cells.get((row, col), 0)
            if not n:
                out.append(f'<rect class="cell0" x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" '
                           f'height="{cell_h - 2}"/>')
                continue
            shade = math.sqrt(n / top)
            out.append(f'<rect class="mark" x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" '
                       f'height="{cell_h - 2}" fill="{_blue(shade)}"><title>{_esc(row)} · '
                       f'{_esc(col)}: {n}</title></rect><text class="count'
                       f'{" light" if shade > 0.55 else ""}" x="{x + cell_w / 2:.1f}" '
                       f'y="{y + cell_h - 6}">{n}</text>')
            marks += 1
    out.append("</svg>")
    return "".join(out), marks


def _blue(t: float) -> str:
    lo, hi = (222, 235, 247), (8, 48, 107)
    r, g, b = (round(a + (z - a) * t) for a, z in zip(lo, hi, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def _ticks(top: int) -> list[int]:
    step = max(1, nice_max(top / 5) if top > 5 else 1)
    return list(range(0, top + 1, step))


def construct_table(rows: list[list[Any]], limit: int = 25) -> str:
    """Every dual-target product: the first ``limit`` shown, the rest behind "show all"."""
    if not rows:
        return ""

    def table(part: list[list[Any]]) -> str:
        body = "".join(
            f'<tr class="mark-row"><td><a href="{_esc(trial_url(nct))}">'
            f'{_esc(nct)}</a></td><td>{_esc(product or "")}</td><td>{_esc(_name(platform))}'
            f'</td><td>{_esc(" + ".join(_target(t) for t in targets))}</td></tr>'
            for nct, product, platform, targets in part)
        return ('<table class="constructs"><thead><tr><th>Trial</th><th>Product</th>'
                f'<th>Platform</th><th>Targets</th></tr></thead><tbody>{body}</tbody></table>')

    more = (f'<details class="more"><summary>Show all {len(rows)} dual-target products '
            f'({len(rows) - limit} more)</summary>{table(rows[limit:])}</details>'
            if len(rows) > limit else "")
    return table(rows[:limit]) + more


def _empty() -> str:
    return '<p class="empty">No data in this selection.</p>'


# ---- the page ---------------------------------------------------------------------------------


def _figure(chart: Chart) -> str:
    queries = "; ".join(
        f"<code>{_esc(name)}</code>" + (
            "(" + ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in params.items())
            + ")" if params else "")
        for name, params in chart.queries)
    legend = "".join(f'<li><span class="swatch" style="background:{c}"></span>{_esc(k)}</li>'
                     for k, c in chart.legend.items())
    names = " ".join(dict.fromkeys(name for name, _ in chart.queries))
    return (f'<figure class="chart" data-chart="{chart.id}" data-query="{_esc(names)}" '
            f'data-marks="{chart.marks}"><figcaption><h3>{_esc(chart.title)}</h3>'
            f'<p class="query">Stored query: {queries}</p></figcaption>'
            f'{"<ul class=legend>" + legend + "</ul>" if legend else ""}'
            f'<div class="body">{chart.body}</div>'
            f'{"<p class=note>" + _esc(chart.note) + "</p>" if chart.note else ""}</figure>')


def registry_counts(graph: TrialGraph) -> list[tuple[str, int]]:
    """Trials with a product per registry they are registered in, most first (a trial in
    several registries counts in each)."""
    counts: dict[str, int] = defaultdict(int)
    for t, d in graph.nodes("Trial"):
        if any(True for _ in graph.out(t, "HAS_PRODUCT")):
            for r in d.get("registries") or (d.get("registry") or "unknown",):
                counts[r] += 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _counts(view: View) -> str:
    g = view.graph
    n = {label: sum(1 for _ in g.nodes(label))
         for label in ("Product", "Target", "Organization", "Country")}
    registries = " · ".join(f"{_esc(r)} <b>{k:,}</b>" for r, k in registry_counts(g))
    return (f'<p class="counts"><b>{view.trials}</b> trials with a cell product · '
            f'<b>{n["Product"]}</b> products · <b>{n["Target"]}</b> targets · '
            f'<b>{n["Organization"]}</b> sponsors · <b>{n["Country"]}</b> countries</p>'
            f'<p class="counts registries">Trials per registry: {registries or "none"}</p>')


STYLE = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2733}
body{margin:0;background:#f6f7f9}
header{background:#14324f;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:0;opacity:.85;font-size:13px}
.filter{margin-top:12px;font-size:14px;display:flex;flex-wrap:wrap;align-items:center;gap:4px 6px}
.filter select{font-size:14px;padding:3px 6px;max-width:min(420px,100%)}
main{padding:8px 28px 28px}
section.view h2{font-size:19px;margin:16px 0 2px}
.counts{margin:0 0 12px;color:#42505f;font-size:14px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(600px,100%),1fr));gap:16px}
figure.chart{background:#fff;border:1px solid #dde2e8;border-radius:6px;margin:0;
  padding:12px 16px;overflow-x:auto}
figcaption h3{margin:0;font-size:15px}
.query{margin:2px 0 8px;font-size:12px;color:#5b6776}
.query code{background:#eef1f5;padding:0 3px;border-radius:3px}
h4{margin:8px 0 2px;font-size:13px;color:#42505f}
svg.plot{display:block;max-width:100%;height:auto;font-size:11px}
svg .label{text-anchor:end;fill:#1d2733}
svg .tick{text-anchor:middle;fill:#6b7785;font-size:10px}
svg .value{fill:#42505f;font-size:10px}
svg .grid{stroke:#e6e9ee}
svg .colhead{text-anchor:middle;fill:#1d2733;font-size:11px}
svg .cell0{fill:#f3f5f8}
svg .count{text-anchor:middle;font-size:10px;fill:#1d2733}
svg .count.light{fill:#fff}
svg rect.mark:hover{opacity:.8}
.legend{list-style:none;padding:0;margin:0 0 6px;display:flex;flex-wrap:wrap;gap:4px 12px;
  font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.empty{color:#8a94a0;font-style:italic}
.note{color:#6b7785;font-size:12px;margin:6px 0 0}
table.constructs{border-collapse:collapse;font-size:12px;margin-top:10px;width:100%}
table.constructs th,table.constructs td{text-align:left;padding:3px 6px;
  border-bottom:1px solid #eef1f5}
footer{padding:12px 28px 24px;color:#6b7785;font-size:12px}
@media (max-width:600px){header{padding:14px 12px}main{padding:6px 10px 20px}
  footer{padding:10px 12px 20px}figure.chart{padding:10px 8px}.grid{gap:10px}}
"""

SCRIPT = """
(function () {
  var select = document.getElementById('view');
  var sections = document.querySelectorAll('section.view');
  function show(id) {
    var found = false;
    sections.forEach(function (s) { var on = s.getAttribute('data-view') === id;
      s.hidden = !on; found = found || on; });
    if (!found && sections.length) { sections[0].hidden = false;
      select.value = sections[0].getAttribute('data-view'); }
  }
  select.addEventListener('change', function () {
    show(select.value); location.replace('#' + encodeURIComponent(select.value)); });
  var wanted = decodeURIComponent(location.hash.slice(1));
  if (wanted) { select.value = wanted; }
  show(wanted || select.value);
})();
"""


def render_report(graph: TrialGraph, *, conditions: Sequence[str] | None = None,
                  title: str = "Cell-therapy trial landscape", source: str | None = None,
                  generated: datetime | None = None, top_conditions: int = 12) -> str:
    """The whole report as one HTML page (no external resources).

    >>> from tests.mini_graph import build_mini_graph
    >>> page = render_report(build_mini_graph(), generated=datetime(2026, 8, 22, tzinfo=UTC))
    >>> page.startswith("<!doctype html>"), "src=" in page, "http-equiv" in page
    (True, False, False)
    >>> views = page.count('<section class="view"')
    >>> views, page.count('<figure class="chart"') // views
    (7, 9)
    """
    views = condition_views(graph, conditions, top=top_conditions)
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    options = "".join(f'<option value="{_esc(v.id)}">{_esc(v.label)} ({v.trials})</option>'
                      for v in views)
    sections = []
    for i, view in enumerate(views):
        figures = "".join(_figure(c) for c in view_charts(view.graph))
        sections.append(
            f'<section class="view" data-view="{_esc(view.id)}"{" hidden" if i else ""}>'
            f'<h2>{_esc(view.label)}</h2>{_counts(view)}<div class="grid">{figures}</div>'
            '</section>')
    trials = sum(1 for _ in graph.nodes("Trial"))
    flags: dict[str, int] = defaultdict(int)
    for _, d in graph.nodes("Trial"):
        for flag in d.get("quality_flags") or ():
            flags[flag] += 1
    flagged = sum(1 for _, d in graph.nodes("Trial") if d.get("quality_flags"))
    flag_text = (f"{flagged} trial{'s' if flagged != 1 else ''} carry a data-quality flag ("
                 + ", ".join(f"{_esc(FLAG_LABELS.get(f, f))} {n}"
                             for f, n in sorted(flags.items(), key=lambda kv: (-kv[1], kv[0])))
                 + "; <code>celltx stats</code> lists them)." if flagged
                 else "No trial carries a data-quality flag.")
    umbrellas = umbrella_conditions(graph) if not conditions else []
    umbrella_text = ("<p class=note>Not offered as condition views, being umbrella terms: "
                     + ", ".join(f"{_esc(name)} ({n})" for name, n in umbrellas)
                     + "; their trials are in All trials, and in a category or condition "
                     "view when they name a more specific condition too.</p>"
                     if umbrellas else "")
    registries = [r for r, _ in registry_counts(graph)]
    data_text = ", ".join(_esc(r) for r in registries) or "ClinicalTrials.gov"
    from_text = f" from {_esc(source)}" if source else ""
    return CONTROL_CODES.sub("", (  # record text's control codes are no part of a page
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_esc(title)}</title><link rel="icon" href="data:,">'
        f'<style>{STYLE}</style></head><body>'
        f'<header><h1>{_esc(title)}</h1><p>{trials} trials in the graph{from_text}; '
        f'generated {when} by celltx. Each chart names the stored question behind it '
        '(<code>celltx query NAME</code>). '
        f'<span class="flags">{flag_text}</span></p>'
        f'<label class="filter">Condition<select id="view">{options}</select></label></header>'
        f'<main>{umbrella_text}{"".join(sections)}</main>'
        f'<footer>Data: {data_text} (ClinicalTrials.gov records are a US-government work in '
        'the public domain; other registries under their own terms). '
        'A trial counts once per bar; a trial with products of several platforms counts once '
        'for each platform.</footer>'
        f'<script>{SCRIPT}</script></body></html>\n'))
