"""The Python API: open or build a graph, filter trials, ask the stored landscape questions.

>>> import celltx
>>> kg = celltx.open("celltx-graph")            # a graph built by `celltx build` # doctest: +SKIP
>>> kg = celltx.build(["ctg-studies.json"])     # or built in memory from files # doctest: +SKIP

The examples in this module run on the six-trial hand-annotated test graph
(``tests/mini_graph.py``):

>>> from tests.mini_graph import build_mini_graph
>>> kg = KnowledgeGraph(build_mini_graph())
>>> kg
KnowledgeGraph(7 trials, 6 cell-therapy)
>>> [t.nct_id for t in kg.trials(target="CD33", condition="AML")]
['NCT02000002', 'NCT05008575']

Filters follow the matching conventions of ``queries/QUESTIONS.md``.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from pydantic import BaseModel, ConfigDict, create_model

from celltx.graph import store
from celltx.graph.trial_graph import TrialGraph
from celltx.models import OVERALL_STATUSES, Frozen
from celltx.ontology import vocab
from celltx.ontology.terms import PLATFORMS
from celltx.pipeline import build as run_build
from celltx.registries import REGISTRY_NAMES

if TYPE_CHECKING:
    import pandas

__all__ = [
    "Answer", "ConditionRef", "KnowledgeGraph", "Question", "Results", "SponsorRef",
    "TargetRef", "Trial", "TrialProduct", "build", "open",
]

PANDAS_HINT = "to_dataframe() needs pandas: pip install 'celltx[pandas]' (or pip install pandas)"


# ---- typed results --------------------------------------------------------------------------


class TargetRef(Frozen):
    id: str
    """The target's id: its HGNC symbol, or our key where there is none (``GD2``)."""
    symbol: str | None = None
    """HGNC symbol (or the key), e.g. ``CLEC12A``."""
    synonyms: tuple[str, ...] = ()
    """Names trials use, e.g. ``CLL1``, ``CLL-1``."""


class TrialProduct(Frozen):
    name: str | None = None
    platform: str | None = None
    receptor: str | None = None
    cell_source: str | None = None
    construct_kind: str | None = None
    """single or dual (one construct, two targets)."""
    targets: tuple[TargetRef, ...] = ()
    tested_in: tuple[str, ...] = ()
    """Ids of the trial's conditions the product is tested in: all of them, or in a trial of
    products of different lineages those of its targets' lineage (``TESTED_IN``)."""


class ConditionRef(Frozen):
    id: str
    name: str | None = None
    category: str | None = None
    synonyms: tuple[str, ...] = ()
    as_written: str | None = None
    broader: tuple[str, ...] = ()
    """The ids of its broader conditions, all the way up (lymphoma's for DLBCL)."""


class SponsorRef(Frozen):
    name: str | None = None
    role: str | None = None
    """lead or collaborator."""
    org_class: str | None = None


class Trial(Frozen):
    """One trial as the graph holds it, with its products, targets, conditions and sites."""

    nct_id: str
    title: str | None = None
    url: str | None = None
    status: str | None = None
    """ClinicalTrials.gov API v2 enum, e.g. ``RECRUITING``."""
    registries: tuple[str, ...] = ()
    """The registries the trial is registered in (``ClinicalTrials.gov``, ``ChiCTR`` …)."""
    phase: str | None = None
    """Phase name, e.g. ``Phase 1/Phase 2``."""
    phase_id: str | None = None
    """e.g. ``PHASE1|PHASE2``."""
    start_date: str | None = None
    start_year: int | None = None
    started: bool | None = None
    """Whether the start was made as of the record (an actual start date, else the status of a
    trial that enrols or enrolled); None when the record cannot say (also for a trial still
    enrolling whose start date lies years after its registration: a start moved forward)."""
    last_update: str | None = None
    enrollment: int | None = None
    is_cell_therapy: bool = False
    platforms: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    """Target ids of the trial's products, sorted."""
    products: tuple[TrialProduct, ...] = ()
    conditions: tuple[ConditionRef, ...] = ()
    sponsors: tuple[SponsorRef, ...] = ()
    countries: tuple[str, ...] = ()
    """ISO 3166 alpha-2 codes of the trial's sites."""

    @property
    def lead_sponsor(self) -> SponsorRef | None:
        return next((s for s in self.sponsors if s.role == "lead"), None)

    def flat(self) -> dict[str, Any]:
        """One row for a table: lists for the many-valued columns."""
        lead = self.lead_sponsor
        return {
            "nct_id": self.nct_id, "title": self.title, "status": self.status,
            "phase": self.phase, "start_date": self.start_date, "start_year": self.start_year,
            "started": self.started,
            "enrollment": self.enrollment, "is_cell_therapy": self.is_cell_therapy,
            "platforms": list(self.platforms), "targets": list(self.targets),
            "conditions": [c.name or c.id for c in self.conditions],
            "countries": list(self.countries),
            "lead_sponsor": lead.name if lead else None,
            "sponsor_class": lead.org_class if lead else None,
            "last_update": self.last_update, "url": self.url,
        }


class Question(Frozen):
    """A stored landscape question (``queries/NAME.cypher``, ``.rq`` and a Python helper)."""

    name: str
    title: str
    description: str = ""
    params: dict[str, Any] = {}
    """Parameter names and their defaults (``None``: no filter)."""
    columns: tuple[str, ...] = ()


T = TypeVar("T", bound=BaseModel)


class Results(Sequence[T], Generic[T]):
    """An immutable list of typed results, with ``to_dicts()`` and ``to_dataframe()``."""

    def __init__(self, items: Iterable[T]) -> None:
        self._items = tuple(items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Results[T]: ...
    def __getitem__(self, index: int | slice) -> T | Results[T]:
        if isinstance(index, slice):
            return Results(self._items[index])
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Results) and self._items == other._items

    def __hash__(self) -> int:
        return hash(self._items)

    def __repr__(self) -> str:
        kind = type(self._items[0]).__name__ if self._items else "item"
        return f"<{len(self)} {kind}{'' if len(self) == 1 else 's'}>"

    def to_dicts(self) -> list[dict[str, Any]]:
        return [_row_dict(item) for item in self._items]

    def to_dataframe(self) -> pandas.DataFrame:
        """A pandas DataFrame, one row per result (needs pandas)."""
        pd = _pandas()
        return pd.DataFrame(self.to_dicts())


def _row_dict(item: BaseModel) -> dict[str, Any]:
    flat = getattr(item, "flat", None)
    return flat() if callable(flat) else item.model_dump()


class Answer(Results[BaseModel]):
    """The rows of a stored question, each a frozen model with one field per column.

    ``answer.columns`` and ``answer.rows`` (plain lists) are there for scripts;
    ``to_json()`` is the same document as ``celltx query NAME --json``.
    """

    def __init__(self, question: Question, params: dict[str, Any], engine: str,
                 rows: list[list[Any]]) -> None:
        model = _row_model(question.name, question.columns)
        super().__init__(model(**dict(zip(question.columns, row, strict=True))) for row in rows)
        self.question = question
        self.params = params
        self.engine = engine
        self.rows = [list(r) for r in rows]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.question.columns

    def __repr__(self) -> str:
        return f"<Answer {self.question.name}: {len(self)} rows>"

    def to_json(self) -> dict[str, Any]:
        return {"query": self.question.name, "engine": self.engine,
                "columns": list(self.columns), "rows": self.rows}

    def to_dataframe(self) -> pandas.DataFrame:
        pd = _pandas()
        return pd.DataFrame(self.rows, columns=list(self.columns))


@cache
def _row_model(name: str, columns: tuple[str, ...]) -> type[BaseModel]:
    class_name = "".join(part.title() for part in name.split("_")) + "Row"
    fields: dict[str, Any] = {c: (Any, ...) for c in columns}
    return create_model(class_name, __config__=ConfigDict(frozen=True), **fields)


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(PANDAS_HINT) from None
    return pd


# ---- the graph ------------------------------------------------------------------------------


Many = str | Iterable[str] | None


class KnowledgeGraph:
    """A built trial graph with keyword-filter helpers and the stored questions.

    Make one with ``celltx.open(DIR)`` (a graph kept by ``celltx build``),
    ``celltx.build(paths)`` (in memory), or ``KnowledgeGraph(trial_graph)``.
    """

    def __init__(self, graph: TrialGraph, *, stats: dict[str, Any] | None = None,
                 directory: Path | None = None) -> None:
        self.graph = graph
        self.directory = directory
        self._stats = stats
        self._ids: set[str] | None = None

    def _named(self, key: str, value: Many) -> list[str] | None:
        """Condition or target names as the stored questions read them
        (``queries.params.check_values``): a name the vocabulary reads in full is its term
        ("refractory B-cell lymphoma", "anti-CD19"), which matched nothing word for word; a
        name neither the vocabulary nor this graph knows is a ``ValueError`` that suggests
        names."""
        from celltx.queries.params import check_values

        items = _many(value)
        if items is None:
            return None
        return [check_values("trials", {key: v}, lambda: self.graph)[key] for v in items]

    def _target_ids(self) -> set[str]:
        if self._ids is None:
            self._ids = {x.id.casefold() for t in self._trials.values() for p in t.products
                         for x in p.targets}
        return self._ids

    def __repr__(self) -> str:
        ct = sum(1 for t in self._trials.values() if t.is_cell_therapy)
        return f"KnowledgeGraph({len(self._trials)} trials, {ct} cell-therapy)"

    @property
    def stats(self) -> dict[str, Any]:
        """Build statistics (records read, rejects, …) when known, and node/edge counts."""
        base = dict(self._stats or {})
        base.setdefault("trials", len(self._trials))
        base.setdefault("nodes", self.graph.node_counts())
        base.setdefault("edges", self.graph.edge_counts())
        return base

    @cached_property
    def _trials(self) -> dict[str, Trial]:
        return {t.nct_id: t for t in (_trial_view(self.graph, nid, data)
                                      for nid, data in self.graph.nodes("Trial"))}

    def trial(self, nct_id: str) -> Trial | None:
        """One trial by NCT number (``None`` if the graph does not hold it).

        >>> from tests.mini_graph import build_mini_graph  # the hand-annotated test graph
        >>> kg = KnowledgeGraph(build_mini_graph())
        >>> t = kg.trial("NCT06880354")
        >>> t.targets, t.platforms, t.phase, t.lead_sponsor.org_class
        (('CD38', 'CLL1'), ('CAR-T',), 'Phase 1', 'academic')
        >>> t.products[0].construct_kind, [x.symbol for x in t.products[0].targets]
        ('dual', ['CLEC12A', 'CD38'])
        """
        return self._trials.get(nct_id.strip().upper())

    def trials(
        self,
        *,
        target: Many = None,
        platform: Many = None,
        condition: Many = None,
        phase: Many = None,
        country: Many = None,
        status: Many = None,
        registry: Many = None,
        started_after: str | int | date | None = None,
        started_before: str | int | date | None = None,
        cell_therapy: bool | None = None,
        cell_source: Many = None,
        construct: Many = None,
        condition_category: Many = None,
        sponsor: Many = None,
        sponsor_class: Many = None,
    ) -> Results[Trial]:
        """Trials matching every given filter, sorted by NCT number.

        Each filter takes one value or a list (any of them matches). ``target`` matches a
        target id, HGNC symbol or synonym (``CLL1``, ``BCMA``), case-insensitively;
        ``platform`` a product platform exactly (``CAR-T``, ``CAR-NK``, …); when both are
        given they must hold for the same product.
        ``condition`` matches a condition id (``MONDO:0018874``), name or synonym (``AML``),
        case-insensitively, and its narrower conditions (``lymphoma`` takes the trials of
        diffuse large B-cell lymphoma); ``phase`` a phase id (``PHASE1|PHASE2``) or name
        (``Phase 1``);
        ``country`` a site's ISO alpha-2 code (or country name); ``status`` the registry's
        status (``RECRUITING``; case and spaces forgiven); ``registry`` a registry the trial is
        registered in (``ClinicalTrials.gov``, ``ChiCTR``, ``EU CTR``, ``CTIS`` …).
        ``started_after`` keeps trials that started on or after a date (``2021``, ``2021-06``,
        ``2021-06-01``, a ``date``),
        ``started_before`` those that started strictly before one. ``cell_source``
        (``autologous``, ``allogeneic``, …; ``allogeneic`` includes the cord-blood, iPSC and
        cell-line products, as in the stored questions) and ``construct`` (``single``,
        ``dual``, ``multi``) hold for the same product as ``platform`` and ``target``;
        ``condition_category`` (``haematological``, ``solid``, ``autoimmune``, ``other``)
        matches a condition's category. A trial with products is in a condition when one of
        them is tested in it (``TESTED_IN``, as in the stored questions), the same product as
        ``target``, ``platform``, ``cell_source`` and ``construct`` when they are given: a
        basket trial's BCMA product is not an AML one. ``sponsor`` a lead or collaborating
        sponsor's name (case-insensitive, part of the name will do) and ``sponsor_class`` the
        lead sponsor's class (``industry``, ``academic``, …).

        >>> from tests.mini_graph import build_mini_graph  # the hand-annotated test graph
        >>> kg = KnowledgeGraph(build_mini_graph())
        >>> [t.nct_id for t in kg.trials(platform="CAR-NK")]
        ['NCT05008575', 'NCT07480213']
        >>> [t.nct_id for t in kg.trials(target="CLEC12A")]
        ['NCT06880354']
        >>> [t.nct_id for t in kg.trials(platform="CAR-NK", target="CD33", condition="aml")]
        ['NCT05008575']
        >>> [t.nct_id for t in kg.trials(country="US")]
        ['NCT02000001']
        >>> [t.nct_id for t in kg.trials(status="recruiting", started_after=2025)]
        ['NCT06880354', 'NCT07480213']
        >>> [t.nct_id for t in kg.trials(phase=["Phase 2", "PHASE1|PHASE2"], cell_therapy=True)]
        ['NCT02000001', 'NCT04011033', 'NCT07480213']
        >>> kg.trials(condition="SCLC").to_dicts()[0]["targets"]
        ['CD56', 'DLL3', 'GD2']
        """
        from celltx.queries.python_answers import of_source

        targets = _folded(self._named("target", target))
        # a target's id is that target (EGFR is not also EGFRvIII, whose gene symbol it is),
        # as in the stored questions; other names by symbol or synonym (BCMA, CLL1)
        by_name = set(targets or ()) - self._target_ids()
        platforms = _checked(platform, PLATFORMS, "platform")
        sources = _checked(cell_source, tuple(vocab.cell_sources()), "cell source")
        constructs = _checked(construct, CONSTRUCTS, "construct")
        categories = _checked(condition_category, CONDITION_CATEGORIES, "condition category")
        sponsors = _folded(sponsor)
        classes = _checked(sponsor_class, SPONSOR_CLASSES, "sponsor class")
        conditions = _folded(self._named("condition", condition))
        phases = _folded(phase)
        countries = _countries(country)
        statuses = _statuses(status)
        registries = _checked(registry, REGISTRY_NAMES, "registry")
        after = _date_text(started_after, "started_after")
        before = _date_text(started_before, "started_before")

        def in_conditions(of: Iterable[ConditionRef]) -> bool:
            of = tuple(of)
            return (not conditions or any(
                c.id.casefold() in conditions or (c.name or "").casefold() in conditions
                or any(s.casefold() in conditions for s in (*c.synonyms, *c.broader))
                for c in of)) and (not categories or any(c.category in categories for c in of))

        def product_matches(t: Trial, p: TrialProduct) -> bool:
            return ((platforms is None or p.platform in platforms)
                    and (sources is None or any(of_source(p.cell_source, w) for w in sources))
                    and (constructs is None or p.construct_kind in constructs)
                    and (targets is None or any(
                        x.id.casefold() in targets or (x.symbol or "").casefold() in by_name
                        or any(s.casefold() in by_name for s in x.synonyms)
                        for x in p.targets))
                    and (not (conditions or categories) or in_conditions(
                        c for c in t.conditions if not p.tested_in or c.id in p.tested_in)))

        out = []
        for nct in sorted(self._trials):
            t = self._trials[nct]
            if cell_therapy is not None and t.is_cell_therapy != cell_therapy:
                continue
            if targets or platforms or sources or constructs or (
                    (conditions or categories) and t.products):
                if not any(product_matches(t, p) for p in t.products):
                    continue
            elif (conditions or categories) and not in_conditions(t.conditions):
                continue
            if sponsors and not any(w in (sp.name or "").casefold()
                                    for sp in t.sponsors for w in sponsors):
                continue
            if classes and (t.lead_sponsor is None or t.lead_sponsor.org_class not in classes):
                continue
            if phases and not ((t.phase_id or "").casefold() in phases
                               or (t.phase or "").casefold() in phases):
                continue
            if countries and not countries.intersection(t.countries):
                continue
            if statuses and t.status not in statuses:
                continue
            if registries and not registries.intersection(t.registries):
                continue
            if after and not (t.start_date and t.start_date >= after):
                continue
            if before and not (t.start_date and t.start_date < before):
                continue
            out.append(t)
        return Results(out)

    # ---- stored questions -------------------------------------------------------------------

    def questions(self) -> Results[Question]:
        """Every stored question with its parameters and columns, sorted by name.

        >>> from tests.mini_graph import build_mini_graph  # the hand-annotated test graph
        >>> kg = KnowledgeGraph(build_mini_graph())
        >>> qs = kg.questions()
        >>> "dual_target_constructs" in [q.name for q in qs]
        True
        >>> list(next(q for q in qs if q.name == "trials_per_target").params)
        ['condition', 'category', 'platform', 'registry', 'status', 'since', 'until', 'cell_source']
        """
        return Results(sorted(_questions().values(), key=lambda q: q.name))

    def ask(self, name: str, **params: Any) -> Answer:
        """Answer a stored question on this graph (parameters as keywords).

        >>> from tests.mini_graph import build_mini_graph  # the hand-annotated test graph
        >>> kg = KnowledgeGraph(build_mini_graph())
        >>> kg.ask("dual_target_constructs").rows[0]
        ['NCT06880354', 'CLL1/CD38 dual-target CAR-T', 'CAR-T', ['CD38', 'CLL1']]
        >>> [(r.target, r.trials) for r in kg.ask("trials_per_target", condition="AML")]
        [('CD33', 2), ('CD38', 1), ('CLL1', 1)]
        >>> [(r.target, r.trials) for r in kg.ask("trials_per_target", condition="AML",
        ...                                        status="RECRUITING", since=2021)]
        [('CD33', 1), ('CD38', 1), ('CLL1', 1)]
        >>> kg.ask("trials_per_target", disease="AML")
        Traceback (most recent call last):
        ...
        ValueError: trials_per_target takes no parameter 'disease'; its parameters: condition, category, platform, registry, status, since, until, cell_source
        """  # noqa: E501
        questions = _questions()
        if name not in questions:
            near = difflib.get_close_matches(name, list(questions), n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise ValueError(f"no stored question {name!r}{hint} (kg.questions() lists them)")
        question = questions[name]
        unknown = [p for p in params if p not in question.params]
        if unknown:
            known = ", ".join(question.params) or "none"
            raise ValueError(f"{name} takes no parameter {unknown[0]!r}; its parameters: {known}")
        from celltx.queries.run import run_query

        merged = {**question.params, **params}
        result = run_query(name, merged, engine="python", graph=self.graph)
        return Answer(question, merged, "python", [list(r) for r in result.rows])

    def report(self, path: str | Path = "celltx-report.html", *,
               conditions: Sequence[str] | None = None,
               title: str = "Cell-therapy trial landscape") -> Path:
        """Write the HTML landscape report (``celltx report``) to ``path`` (checked first, then
        written beside it and renamed into place) and return the path; ``report_html`` gives
        the page itself.

        >>> import tempfile
        >>> from tests.mini_graph import build_mini_graph  # the hand-annotated test graph
        >>> kg = KnowledgeGraph(build_mini_graph())
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     written = kg.report(Path(tmp) / "landscape.html", conditions=["AML"])
        ...     written.name, written.stat().st_size > 1000
        ('landscape.html', True)
        """
        from celltx.outputs import atomic_file

        target = Path(path)
        page = self.report_html(conditions=conditions, title=title)
        with atomic_file(target) as tmp:
            tmp.write_text(page, encoding="utf-8")
        return target

    def report_html(self, *, conditions: Sequence[str] | None = None,
                    title: str = "Cell-therapy trial landscape") -> str:
        """The HTML landscape report as text (for a notebook or a web app).

        >>> from tests.mini_graph import build_mini_graph
        >>> page = KnowledgeGraph(build_mini_graph()).report_html(conditions=["AML", "SCLC"])
        >>> page.count('<section class="view"'), 'data-query="target_platform_matrix"' in page
        (3, True)
        """
        from celltx.report import render_report

        return render_report(self.graph, conditions=conditions, title=title,
                             source=str(self.directory) if self.directory else None)


@cache
def _questions() -> dict[str, Question]:
    from celltx.queries.catalogue import load_catalogue

    return {
        name: Question(name=q.name, title=q.title, description=q.description,
                       params=dict(q.params), columns=tuple(q.columns))
        for name, q in load_catalogue().items()
    }


CONSTRUCTS = ("single", "dual", "multi")
CONDITION_CATEGORIES = ("haematological", "solid", "autoimmune", "other")
SPONSOR_CLASSES = ("industry", "academic", "government", "network", "individual", "other")


def _many(value: Many) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _folded(value: Many) -> set[str] | None:
    items = _many(value)
    return {v.strip().casefold() for v in items} if items is not None else None


def _checked(value: Many, known: Iterable[str], what: str) -> set[str] | None:
    items = _many(value)
    if items is None:
        return None
    known = tuple(known)
    for v in items:
        if v not in known:
            near = difflib.get_close_matches(v, known, n=2, cutoff=0.5)
            hint = f" (did you mean {' or '.join(near)}?)" if near else ""
            raise ValueError(f"unknown {what} {v!r}{hint}; known: {', '.join(known)}")
    return set(items)


def _statuses(value: Many) -> set[str] | None:
    items = _many(value)
    if items is None:
        return None
    return _checked([v.strip().upper().replace(" ", "_").replace(",", "") for v in items],
                    sorted(OVERALL_STATUSES), "status")


def _countries(value: Many) -> set[str] | None:
    items = _many(value)
    if items is None:
        return None
    from celltx.ontology.annotate import country_code

    codes = set()
    for v in items:
        code = v.strip().upper() if len(v.strip()) == 2 else country_code(v)
        if code is None:
            raise ValueError(f"unknown country {v!r}; give an ISO 3166 alpha-2 code such as CN")
        codes.add(code)
    return codes


def _date_text(value: str | int | date | None, what: str) -> str | None:
    if value is None:
        return None
    text = value.isoformat() if isinstance(value, date) else str(value).strip()
    from celltx.models import PARTIAL_DATE_RE

    if not PARTIAL_DATE_RE.fullmatch(text):
        raise ValueError(f"{what} must be a year or ISO date (2021, 2021-06, 2021-06-01), "
                         f"not {value!r}")
    return text


def _trial_view(graph: TrialGraph, nid: str, t: dict[str, Any]) -> Trial:
    nodes = graph.g.nodes
    products = []
    for p_id, _ in graph.out(nid, "HAS_PRODUCT"):
        p = nodes[p_id]
        targets = sorted((TargetRef(id=nodes[x]["id"], symbol=nodes[x].get("symbol"),
                                    synonyms=tuple(nodes[x].get("synonyms") or ()))
                          for x, _ in graph.out(p_id, "TARGETS")),
                         key=lambda x: _target_order(p, x))
        products.append(TrialProduct(
            name=p.get("name"), platform=p.get("platform"), receptor=p.get("receptor"),
            cell_source=p.get("cell_source"), construct_kind=p.get("construct"),
            targets=tuple(targets),
            tested_in=tuple(sorted(nodes[c]["id"] for c, _ in graph.out(p_id, "TESTED_IN")))))
    products.sort(key=lambda p: (p.name or "", p.platform or ""))
    conditions = sorted(
        (ConditionRef(id=nodes[c]["id"], name=nodes[c].get("name"),
                      category=nodes[c].get("category"),
                      synonyms=tuple(nodes[c].get("synonyms") or ()),
                      as_written=e.get("as_written"),
                      broader=tuple(nodes[c].get("broader") or ()))
         for c, e in graph.out(nid, "STUDIES")), key=lambda c: (c.name or "", c.id))
    sponsors = sorted(
        (SponsorRef(name=nodes[o].get("name"), role=e.get("role"),
                    org_class=nodes[o].get("org_class"))
         for o, e in graph.out(nid, "SPONSORED_BY")),
        key=lambda s: (s.role != "lead", s.name or ""))
    countries = sorted({nodes[c]["id"] for s, _ in graph.out(nid, "HAS_SITE")
                        for c, _ in graph.out(s, "LOCATED_IN")})
    phase = next((nodes[p] for p, _ in graph.out(nid, "HAS_PHASE")), None)
    return Trial(
        nct_id=t["id"], title=t.get("title"), url=t.get("url"), status=t.get("status"),
        registries=tuple(t.get("registries") or ()),
        phase=phase.get("name") if phase else None, phase_id=phase["id"] if phase else None,
        start_date=t.get("start_date"), start_year=t.get("start_year"),
        started=t.get("started"),
        last_update=t.get("last_update"), enrollment=t.get("enrollment"),
        is_cell_therapy=bool(t.get("is_cell_therapy")),
        platforms=tuple(sorted({p.platform for p in products if p.platform})),
        targets=tuple(sorted({x.id for p in products for x in p.targets})),
        products=tuple(products), conditions=tuple(conditions), sponsors=tuple(sponsors),
        countries=tuple(countries),
    )


def _target_order(product: dict[str, Any], target: TargetRef) -> tuple[int, str]:
    """Targets in the order the product names them (``target_symbols``), else by id."""
    symbols = list(product.get("target_symbols") or [])
    if target.symbol in symbols:
        return (symbols.index(target.symbol), target.id)
    return (len(symbols), target.id)


# ---- entry points ---------------------------------------------------------------------------


def open(directory: str | Path | None = None) -> KnowledgeGraph:  # noqa: A001
    """Open a graph kept by ``celltx build`` (default: ``$CELLTX_GRAPH`` or ./celltx-graph).
    A graph built by an earlier graph format or other vocabulary tables opens with a
    ``UserWarning`` that says to build it again (:func:`celltx.graph.store.stale_note`)."""
    path = Path(directory) if directory is not None else store.default_dir()
    graph = store.load(path)
    if note := store.stale_note(path):
        warnings.warn(note, UserWarning, stacklevel=2)
    try:
        stats = store.load_stats(path)
    except store.GraphNotFoundError:
        stats = None
    return KnowledgeGraph(graph, stats=stats, directory=path)


def build(paths: str | Path | Iterable[str | Path] | None = None, *,
          keep_going: bool = False, scope: str | None = None) -> KnowledgeGraph:
    """Build a graph in memory from files, folders or archives (default: the bundled sample).

    The same pipeline as ``celltx build`` (nothing is written); ``kg.stats`` holds its counts.
    ``scope``: ``"cell-therapy"`` (the default for files: other trials are only counted, as
    ``out_of_scope``) or ``"all"`` (the default for the bundled sample).
    """
    if paths is None:
        items: list[Path] | None = None
    elif isinstance(paths, (str, Path)):
        items = [Path(paths)]
    else:
        items = [Path(p) for p in paths]
    result = run_build(items, keep_going=keep_going, scope=scope)
    return KnowledgeGraph(result.graph, stats=result.stats)
