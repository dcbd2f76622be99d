"""The trial graph: typed nodes and relationships on a networkx ``MultiDiGraph``.

Node ids are ``Label:key``; every node has ``label`` and ``id`` attributes, every relationship
a ``type`` (also its multigraph key) and ``sources`` (the records that state it).
"""

from __future__ import annotations

import hashlib
import sys
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import Any

import networkx as nx
from celltx.graph.merge import MergedTrial
from celltx.graph.schema import check_relationship, node_id
from celltx.ontology.eligibility import CriterionItem, structure_criteria, summarise
from celltx.ontology.terms import ConditionMatch, Term, TrialAnnotation
from celltx.ontology.vocab import condition_by_curie, text_key

from celltx.models import TrialRecord
from celltx.registries import registry_of, trial_iri, trial_url

TRIAL_IRI = "https://identifiers.org/clinicaltrials:{}"
"""The IRI of a ClinicalTrials.gov trial; other registries' in ``celltx.registries.trial_iri``."""




PLACEHOLDER = "placeholder"
"""The Trial ``modality`` of a record that says it is no real study (its products withheld)."""

_CONTAINERS = (str, tuple, list)
SHARED_LENGTH = 64
"""Property values of at most this many characters are kept as one string object per value:
codes, dates, statuses, labels, names and conditions as written recur in thousands of trials
(a registry's "RECRUITING", "PHASE2", "2023-01" …), where each record read holds its own copy.
Longer ones (titles, summaries, criteria, evidence excerpts) are mostly one trial's own."""


def _clean_into(out: dict[str, Any], props: dict[str, Any], *,
                missing_only: bool = False) -> None:
    """Put the values of ``props`` into ``out``, in their order, without the empty ones, so
    that every stored property is a primitive or a non-empty list (a tuple becomes a list);
    short strings (also in lists) are shared (``SHARED_LENGTH``). ``missing_only``: leave
    the properties ``out`` has. One loop: a build calls it two million times at 55,000
    trials."""
    intern = sys.intern
    for k, v in props.items():
        if v is None or (missing_only and k in out):
            continue
        t = type(v)
        if t is str:
            if v:
                out[k] = intern(v) if len(v) <= SHARED_LENGTH else v
        elif t is list or t is tuple:
            if v:
                out[k] = [intern(x) if type(x) is str and len(x) <= SHARED_LENGTH else x
                          for x in v]
        elif v or not isinstance(v, _CONTAINERS):
            out[k] = v  # a number, a bool, or a str/list/tuple subclass that is not empty


def _condition_key(cond: ConditionMatch) -> tuple[str, str | None]:
    return cond.as_written, cond.term.key if cond.term is not None else None


@cache
def _checked(rel_type: str, start_label: str, end_label: str) -> None:
    check_relationship(rel_type, start_label, end_label)


_FACTS: dict[str, Callable[[TrialRecord], Iterable[str]]] = {
    "conditions": lambda r: r.conditions,
    "sponsors": lambda r: [s.name for s in ((r.lead_sponsor,) if r.lead_sponsor else ())
                           + r.collaborators],
    "phase": lambda r: ["|".join(r.phases)],
    "interventions": lambda r: [i.name for i in r.interventions],
}
"""How to read each attributed fact from a record, to list the sources that state it."""

_EVIDENCE_PROPS = {fact: tuple((part, f"{fact}_{part}") for part in ("field", "text", "rule"))
                   for fact in ("platform", "cell_source", "construct", "tested_in")}
"""A product's evidence properties (``platform_field`` …): one key object each, not one per
product."""


class TrialGraph:
    """All trials and their entities. Build with ``add_trial``; read with the accessors."""

    def __init__(self, graph: nx.MultiDiGraph | None = None) -> None:
        self.g: nx.MultiDiGraph = graph if graph is not None else nx.MultiDiGraph()
        self._lists: dict[tuple[str, ...], list[str]] = {}
        """The edges' lists of sources of the trial being added (``_sources``)."""
        self._owned: dict[int, list[str]] = {}
        """The lists of sources that one edge owns (``_edge`` inserts into these in place), by
        id; held here too, so that no other list can take the id of one."""

    def __getstate__(self) -> dict[str, Any]:
        # a copy (pickled, deep-copied) has lists of its own under other ids: it owns none
        # until it copies one, so that a stale id never lets a shared list be changed
        return {**self.__dict__, "_lists": {}, "_owned": {}}

    # ---- building -------------------------------------------------------------------------

    def _node(self, label: str, key: str, **props: Any) -> str:
        # one string object per node id, however many edges name it (a site's id is held by
        # every edge to it, in both adjacency maps)
        nid = sys.intern(node_id(label, key))
        g = self.g
        attrs = g._node.get(nid)
        if attrs is None:  # what add_node does, without its checks (the id is a str)
            attrs = g._node[nid] = {"label": label, "id": key}
            _clean_into(attrs, props)
            g._succ[nid] = {}
            g._pred[nid] = {}
        else:  # a node seen before keeps its values and gains the ones it lacked
            _clean_into(attrs, props, missing_only=True)
        return nid

    def _edge(self, start: str, rel_type: str, end: str, sources: list[str],
              **props: Any) -> None:
        g = self.g
        key = rel_type
        if props:
            extra = "|".join([str(v) for _, v in sorted(props.items()) if v is not None])
            if extra:
                key = sys.intern(f"{rel_type}|{extra}")  # one object per key, as for ids
        succ = g._succ[start]
        adj = succ.get(end)
        if adj is not None and key in adj:
            # kept sorted: a site's LOCATED_IN edge gathers the sources of many trials. A list
            # that other edges may share (_sources) is copied before its first insertion; the
            # copy is this edge's own, and takes the next ones in place (each copy was O(n):
            # quadratic in the trials at a site)
            data = adj[key]
            stated = data["sources"]
            for ref in sources:
                i = bisect_left(stated, ref)
                if i == len(stated) or stated[i] != ref:
                    if id(stated) not in self._owned:
                        stated = data["sources"] = list(stated)
                        self._owned[id(stated)] = stated
                    stated.insert(i, ref)
            return
        _checked(rel_type, g._node[start]["label"], g._node[end]["label"])
        data = {"type": rel_type, "sources": self._sources(sources)}
        if props:
            _clean_into(data, props)
        if adj is None:  # what add_edge does with a key, without its checks
            adj = succ[end] = g._pred[end][start] = {}
        adj[key] = data

    def _sources(self, refs: list[str]) -> list[str]:
        """The sorted, distinct ``refs``: one list object for all the edges of the trial being
        added that have the same sources (most have only the trial's own record)."""
        key = (refs[0],) if len(refs) == 1 else tuple(sorted(set(refs)))
        kept = self._lists.get(key)
        if kept is None:
            kept = self._lists[key] = list(key)
        return kept

    def _term_node(self, label: str, term: Term, **props: Any) -> str:
        return self._node(label, term.curie or term.key, name=term.label, iri=term.iri,
                          curie=term.curie, category=term.category, synonyms=term.synonyms,
                          xrefs=term.xrefs,  # normalisation (issue 3)
                          broader=term.broader, **props)

    def add_trial(self, merged: MergedTrial, ann: TrialAnnotation,
                  records: list[TrialRecord] | None = None,
                  criteria: Sequence[CriterionItem] | None = None) -> str:
        """Add one (merged) trial and its facts. ``records`` (all sources) attribute facts;
        ``criteria``: the record's criteria structured already (``structure_criteria``)."""
        try:
            return self._add_trial(merged, ann, records, criteria)
        finally:  # as add_node and add_edge would (nodes and edges are written directly)
            if cache := getattr(self.g, "__networkx_cache__", None):
                cache.clear()

    def _add_trial(self, merged: MergedTrial, ann: TrialAnnotation,
                   records: list[TrialRecord] | None,
                   criteria: Sequence[CriterionItem] | None) -> str:
        rec = merged.record
        records = records or [rec]
        self._lists = {}
        sources = [p.ref for p in merged.sources]
        own = rec.provenance.ref
        primary = [next((ref for ref in sources if ref == own), own)]  # one string per ref

        stated: dict[str, list[tuple[str, set[str]]]] = {}

        def stating(fact: str, value: str) -> list[str]:
            """The records that state ``value`` for ``fact`` (all of them, if none does)."""
            if len(records) == 1:
                return primary
            if fact not in stated:
                stated[fact] = [(r.provenance.ref, {v.casefold() for v in _FACTS[fact](r) if v})
                                for r in records]
            want = value.casefold()
            return [ref for ref, values in stated[fact] if want in values] or primary

        elig = rec.eligibility
        ids = merged.registry_ids or [merged.nct_id]
        # a record that says it is no real study ("This example study …") is kept, with its
        # words, but its products are withheld: landscape answers count products
        placeholder = ann.placeholder_evidence
        modality_ev = placeholder or ann.modality_evidence
        products = () if placeholder else ann.products
        trial = self._node(
            "Trial", merged.nct_id,
            iri=trial_iri(merged.nct_id),
            url=trial_url(merged.nct_id),
            registry=registry_of(merged.nct_id),
            registries=list(dict.fromkeys(r for i in ids if (r := registry_of(i)))),
            registry_ids=ids,
            title=rec.title, brief_title=rec.brief_title, official_title=rec.official_title,
            acronym=rec.acronym, status=rec.overall_status,
            status_label=ann.status.label if ann.status else None,
            study_type=rec.study_type, phases=rec.phases,
            start_date=rec.start_date,
            start_year=int(rec.start_date[:4]) if rec.start_date else None,
            start_date_type=rec.start_date_type,
            started=ann.started, started_rule=ann.started_rule,
            registered_year=ann.registered_year, registered_year_rule=ann.registered_year_rule,
            primary_completion_date=rec.primary_completion_date,
            completion_date=rec.completion_date, first_posted=rec.first_posted,
            last_update=rec.last_update,
            enrollment=rec.enrollment, enrollment_type=rec.enrollment_type,
            allocation=rec.allocation, intervention_model=rec.intervention_model,
            masking=rec.masking, primary_purpose=rec.primary_purpose,
            sex=elig.sex, min_age_years=elig.min_age_years, max_age_years=elig.max_age_years,
            healthy_volunteers=elig.healthy_volunteers,
            secondary_ids=rec.secondary_ids, keywords=rec.keywords,
            conditions_as_written=rec.conditions,
            brief_summary=rec.brief_summary,
            eligibility_criteria=elig.criteria,
            is_cell_therapy=ann.is_cell_therapy and not placeholder,
            modality=PLACEHOLDER if placeholder else ann.modality,
            modality_rule=modality_ev.rule if modality_ev else None,
            modality_text=modality_ev.text if modality_ev else None,
            products_withheld=len(ann.products) if placeholder else None,
            quality_flags=list(ann.quality_flags) or None,
            several_candidates=(ann.several_candidates and not placeholder) or None,
            sources=sources,
            source_formats=[str(p.format) for p in merged.sources],
        )

        condition_nodes: dict[tuple[str, str | None], str] = {}  # by words and term
        for cond in ann.conditions:
            if cond.term is not None:
                cnode = self._term_node("Condition", cond.term)
                for curie in cond.term.broader:  # a node for each, as a question may ask
                    if node_id("Condition", curie) not in self.g._node:  # (once: 55,000 trials)
                        self._term_node("Condition", condition_by_curie()[curie])
            else:
                cnode = self._node("Condition", f"text:{text_key(cond.as_written)}",
                                   name=cond.as_written)
            condition_nodes[_condition_key(cond)] = cnode
            self._edge(trial, "STUDIES", cnode,
                       stating("conditions", cond.as_written),
                       as_written=cond.as_written)

        for org in ann.organizations:
            onode = self._node("Organization", org.key, name=org.name, org_class=org.org_class,
                               ctgov_class=org.ctgov_class)
            self._edge(trial, "SPONSORED_BY", onode,
                       stating("sponsors", org.as_written),
                       role=org.role, as_written=org.as_written)

        if ann.phase is not None:
            pnode = self._node("Phase", ann.phase.key, name=ann.phase.label, iri=ann.phase.iri,
                               curie=ann.phase.curie)
            self._edge(trial, "HAS_PHASE", pnode,
                       stating("phase", ann.phase.key))

        for iv in rec.interventions:
            inode = self._node("Intervention",
                               f"{(iv.type or 'unknown').lower()}:{text_key(iv.name)}",
                               name=iv.name, type=iv.type)
            self._edge(trial, "TESTS", inode, stating("interventions", iv.name))

        for loc, code in zip(rec.locations, ann.location_countries, strict=False):
            site_key = hashlib.sha1(
                "|".join((loc.facility or "", loc.city or "", loc.country or "")).lower()
                .encode()).hexdigest()[:16]
            snode = self._node("Site", site_key, name=loc.facility, city=loc.city,
                               state=loc.state, country=loc.country, lat=loc.lat, lon=loc.lon)
            self._edge(trial, "HAS_SITE", snode, primary, status=loc.status)
            if code:
                cnode = self._node("Country", code, name=_country_name(code))
                self._edge(snode, "LOCATED_IN", cnode, primary)

        for i, product in enumerate(products, start=1):
            evidence = {name: getattr(ev, part)
                        for fact, ev in (("platform", product.platform_evidence),
                                         ("cell_source", product.source_evidence),
                                         ("construct", product.construct_evidence),
                                         ("tested_in", product.tested_in_evidence))
                        if ev is not None for part, name in _EVIDENCE_PROPS[fact]}
            pnode = self._node(
                "Product", f"{merged.nct_id}-P{i}", name=product.name, platform=product.platform,
                receptor=product.receptor, cell_source=product.source,
                construct=product.construct_kind, as_written=product.as_written, code=product.code,
                target_symbols=[t.symbol for t in product.targets],
                payloads=list(product.payloads), **evidence,
            )
            self._edge(trial, "HAS_PRODUCT", pnode, primary)
            for cond in product.tested_in or ann.conditions:  # (some of the trial's)
                self._edge(pnode, "TESTED_IN", condition_nodes[_condition_key(cond)],
                           stating("conditions", cond.as_written))
            if product.cell_type is not None:
                ct = self._term_node("CellType", product.cell_type)
                self._edge(pnode, "BASE_CELL_TYPE", ct, primary)
            for j, target in enumerate(product.targets):
                tnode = self._node("Target", target.key, symbol=target.symbol, name=target.label,
                                   iri=target.iri, curie=target.curie, kind=target.kind,
                                   hgnc_id=target.hgnc_id, qualifier=target.qualifier,
                                   uniprot=target.uniprot, synonyms=target.synonyms)
                ev = product.target_evidence[j] if j < len(product.target_evidence) else None
                self._edge(pnode, "TARGETS", tnode, primary,
                           **({"evidence_field": ev.field, "evidence_text": ev.text,
                               "evidence_rule": ev.rule} if ev else {}))

        for agent in ann.agents:
            anode = self._term_node("Agent", agent.term)
            self._edge(trial, "USES_AGENT", anode, primary, role=agent.role,
                       as_written=agent.as_written)

        self._add_eligibility(trial, merged.nct_id, rec, records, criteria)
        return trial

    # ---- eligibility as data (owned by the registry-pages/eligibility work) -------------------

    def _add_eligibility(self, trial: str, nct_id: str, rec: TrialRecord,
                         records: list[TrialRecord],
                         structured: Sequence[CriterionItem] | None = None) -> None:
        """A ``Criterion`` node per structured requirement and the Trial's summary figures."""
        criteria = rec.eligibility.criteria
        if not criteria:
            return
        stating = [r.provenance.ref for r in records if r.eligibility.criteria == criteria] or [
            rec.provenance.ref]
        items = list(structure_criteria(criteria) if structured is None else structured)
        for i, item in enumerate(items, start=1):
            cnode = self._node(
                "Criterion", f"{nct_id}-C{i}", kind=item.kind, inclusion=item.inclusion,
                text=item.text, matched=item.matched, operator=item.operator, value=item.value,
                value_max=item.value_max, unit=item.unit, item=item.n,
            )
            self._edge(trial, "HAS_CRITERION", cnode, stating)
        summary = summarise(items).model_dump(exclude_none=True)
        self.g.nodes[trial].update(summary)

    # ---- reading --------------------------------------------------------------------------

    def nodes(self, label: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for nid, data in self.g._node.items():  # (the node view's iterator, without its layers)
            if data["label"] == label:
                yield nid, data

    def out(self, nid: str, rel_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Neighbours reached from ``nid`` over ``rel_type`` relationships, with edge data."""
        for end, data in self.out_all(nid):
            if data["type"] == rel_type:
                yield end, data

    def out_all(self, nid: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Neighbours reached from ``nid`` over any relationship, with edge data, in the order
        of ``out_edges(nid, data=True)``."""
        for end, edges in self.g._succ.get(nid, {}).items():  # (none for an unknown node)
            for data in edges.values():
                yield end, data

    def node_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(d["label"] for d in self.g._node.values()).items()))

    def edge_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(d["type"] for ends in self.g._succ.values()
                                   for edges in ends.values() for d in edges.values()).items()))

    def trial(self, nct_id: str) -> dict[str, Any] | None:
        nid = node_id("Trial", nct_id)
        return dict(self.g.nodes[nid]) if nid in self.g else None


def _evidence_of(props: dict[str, Any], fact: str) -> dict[str, Any] | None:
    """``{field, text, rule}`` of one fact from its flat ``{fact}_field``… properties."""
    if not props.get(f"{fact}_rule"):
        return None
    return {k: props.get(f"{fact}_{k}") for k in ("field", "text", "rule")}


@cache
def _country_name(code: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    return str(country.name) if country else code


def describe_trial(graph: TrialGraph, nct_id: str) -> dict[str, Any] | None:
    """The public JSON view of one trial (``celltx trial NCT… --json``)."""
    nid = node_id("Trial", nct_id)
    if nid not in graph.g:
        return None
    t = graph.g.nodes[nid]
    conditions = [
        {"label": c.get("name"), "iri": c.get("iri"), "as_written": e.get("as_written")}
        for c_id, e in graph.out(nid, "STUDIES") for c in [graph.g.nodes[c_id]]
    ]
    sponsors = [
        {"name": o.get("name"), "role": e.get("role"), "class": o.get("org_class"),
         "ctgov_class": o.get("ctgov_class"), "as_written": e.get("as_written")}
        for o_id, e in graph.out(nid, "SPONSORED_BY") for o in [graph.g.nodes[o_id]]
    ]
    sponsors.sort(key=lambda s: (s["role"] != "lead", s["name"] or ""))
    interventions = [{"type": graph.g.nodes[i].get("type"), "name": graph.g.nodes[i].get("name")}
                     for i, _ in graph.out(nid, "TESTS")]
    countries = sorted({c for s, _ in graph.out(nid, "HAS_SITE")
                        for c, _ in graph.out(s, "LOCATED_IN")})
    products = []
    targets: dict[str, dict[str, Any]] = {}
    for p_id, _ in graph.out(nid, "HAS_PRODUCT"):
        p = graph.g.nodes[p_id]
        cell = next((graph.g.nodes[c] for c, _ in graph.out(p_id, "BASE_CELL_TYPE")), None)
        p_edges = [(graph.g.nodes[t], e) for t, e in graph.out(p_id, "TARGETS")]
        p_targets = [tg for tg, _ in p_edges]
        target_evidence = []
        for tg, e in sorted(p_edges, key=lambda te: te[0].get("symbol") or ""):
            ev = _evidence_of(e, "evidence")
            entry = targets.setdefault(tg["id"], {"symbol": tg.get("symbol"), "iri": tg.get("iri"),
                                                  "kind": tg.get("kind"), "evidence": []})
            if ev and ev not in entry["evidence"]:
                entry["evidence"].append(ev)
            target_evidence.append({"symbol": tg.get("symbol"), "label": tg.get("name"),
                                    "evidence": ev})
        products.append({
            "name": p.get("name"), "platform": p.get("platform"),
            "cell_type": cell.get("name") if cell else None,
            "cell_type_iri": cell.get("iri") if cell else None, "receptor": p.get("receptor"),
            "targets": sorted(tg.get("symbol") for tg in p_targets), "source": p.get("cell_source"),
            "construct": p.get("construct"), "payloads": p.get("payloads") or [],
            "evidence": {fact: ev for fact in ("platform", "cell_source", "construct",
                                               "tested_in")
                         if (ev := _evidence_of(p, fact)) is not None},
            "tested_in": sorted(str(graph.g.nodes[c].get("name") or graph.g.nodes[c]["id"])
                                for c, _ in graph.out(p_id, "TESTED_IN")),
            "target_evidence": target_evidence,
        })
    products.sort(key=lambda p: (p["name"] or "", p["platform"] or "", p["targets"]))
    agents = [{"name": graph.g.nodes[a].get("name"), "iri": graph.g.nodes[a].get("iri"),
               "role": e.get("role"), "as_written": e.get("as_written")}
              for a, e in graph.out(nid, "USES_AGENT")]
    phase = next((graph.g.nodes[p] for p, _ in graph.out(nid, "HAS_PHASE")), None)
    return {
        "nct_id": nct_id,
        "iri": t.get("iri"),
        "url": t.get("url"),
        "registry": t.get("registry"),
        "registry_ids": t.get("registry_ids") or [nct_id],
        "title": t.get("title"),
        "official_title": t.get("official_title"),
        "status": t.get("status"),
        "phases": t.get("phases", []),
        "phase": {"label": phase.get("name"), "iri": phase.get("iri")} if phase else None,
        "study_type": t.get("study_type"),
        "enrollment": t.get("enrollment"),
        "enrollment_type": t.get("enrollment_type"),
        "start_date": t.get("start_date"),
        "start_date_type": t.get("start_date_type"),
        "started": t.get("started"),
        "started_rule": t.get("started_rule"),
        "registered_year": t.get("registered_year"),
        "registered_year_rule": t.get("registered_year_rule"),
        "completion_date": t.get("completion_date"),
        "last_update": t.get("last_update"),
        "conditions": sorted(conditions, key=lambda c: c["as_written"] or ""),
        "sponsors": sponsors,
        "interventions": sorted(interventions, key=lambda i: (i["name"] or "", i["type"] or "")),
        "countries": [c.split(":", 1)[1] for c in countries],
        "min_age_years": t.get("min_age_years"),
        "max_age_years": t.get("max_age_years"),
        "sex": t.get("sex"),
        "is_cell_therapy": bool(t.get("is_cell_therapy")),
        "modality": t.get("modality"),
        "products_withheld": t.get("products_withheld"),
        "modality_evidence": ({"text": t.get("modality_text"), "rule": t.get("modality_rule")}
                              if t.get("modality_rule") else None),
        "quality_flags": t.get("quality_flags") or [],
        "targets": sorted(targets.values(), key=lambda x: x["symbol"] or ""),
        "products": products,
        "agents": sorted(agents, key=lambda a: (a["role"] or "", a["name"] or "")),
        "sources": [{"path": ref.rsplit("#", 1)[0], "record": int(ref.rsplit("#", 1)[1]),
                     "format": fmt}
                    for ref, fmt in zip(t.get("sources", []), t.get("source_formats", []),
                                        strict=True)],
    }
