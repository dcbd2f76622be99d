"""The trial graph as RDF: one self-contained dataset (data, vocabulary, VoID/DCAT/PROV).

Public entities keep their public IRIs (trials on identifiers.org, targets on HGNC, cell types
on the Cell Ontology, conditions on MONDO, phases and agents on NCIt); what only this project
names (products, sponsors, sites, unmapped conditions) lives under a configurable base IRI.
The vocabulary namespace (``ctx:``) is fixed, so that stored SPARQL queries run on any export.

Quads are generated one entity at a time and serialised by pyoxigraph as they come: N-Triples,
Turtle and JSON-LD stream straight to the file; TriG (one named graph per source file) is
spooled to one temporary N-Quads file per graph and then streamed out graph by graph.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import quote

import pyoxigraph as ox
from celltx.graph.schema import NODE_LABELS, vocabulary_bytes

from celltx.registries import trial_iri

if TYPE_CHECKING:
    from celltx.graph.trial_graph import TrialGraph

DEFAULT_BASE = "https://w3id.org/celltx/"
VOCAB = "https://w3id.org/celltx/vocab#"
ONTOLOGY_IRI = "https://w3id.org/celltx/vocab"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
SCHEMA = "http://schema.org/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
PROV = "http://www.w3.org/ns/prov#"
PAV = "http://purl.org/pav/"

PREFIXES: dict[str, str] = {
    "ctx": VOCAB, "rdf": RDF, "rdfs": RDFS, "xsd": XSD, "owl": OWL, "skos": SKOS,
    "dcterms": DCTERMS, "schema": SCHEMA, "void": VOID, "dcat": DCAT, "prov": PROV, "pav": PAV,
    "obo": "http://purl.obolibrary.org/obo/", "hgnc": "https://identifiers.org/hgnc:",
    "nct": "https://identifiers.org/clinicaltrials:",
    "eudract": "https://identifiers.org/euclinicaltrials:",
    "bioregistry": "https://bioregistry.io/",
    "ctxreg": "https://w3id.org/celltx/registry/",
}

FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
    "trig": ox.RdfFormat.TRIG,
}
DATASET_FORMATS = frozenset({"trig"})


def format_of(path: Path) -> str:
    """The export format of a file name (.ttl, .nt, .jsonld/.json, .trig)."""
    ext = path.suffix.lstrip(".").lower()
    ext = {"json": "jsonld", "turtle": "ttl", "ntriples": "nt"}.get(ext, ext)
    if ext not in FORMATS:
        raise ValueError(f"{path}: cannot tell the RDF format from the extension; "
                         f"use one of .{', .'.join(FORMATS)}")
    return ext


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


A = _n(RDF + "type")
LABEL = _n(RDFS + "label")
IDENTIFIER = _n(DCTERMS + "identifier")
NOTATION = _n(SKOS + "notation")
ALT_LABEL = _n(SKOS + "altLabel")
EXACT_MATCH = _n(SKOS + "exactMatch")
CLOSE_MATCH = _n(SKOS + "closeMatch")
BROADER_TRANSITIVE = _n(SKOS + "broaderTransitive")


def ctx(name: str) -> ox.NamedNode:
    return _n(VOCAB + name)


CLASS_OF_LABEL: dict[str, str] = {
    "Trial": "Trial", "Product": "EngineeredCellProduct", "Target": "Target",
    "CellType": "CellType", "Condition": "Condition", "Organization": "Organization",
    "Phase": "Phase", "Country": "Country", "Site": "Site", "Intervention": "Intervention",
    "Agent": "Agent", "Criterion": "Criterion",
}
"""Graph label -> class of the vocabulary (every label of graph/schema.py has one)."""

TARGET_KIND_CLASS: dict[str, str] = {
    "protein": "ProteinTarget", "glycolipid": "GlycolipidTarget",
    "ligand family": "LigandFamilyTarget",
    "variant": "VariantTarget", "carbohydrate": "CarbohydrateTarget",
}

PUBLIC_IRI_LABELS = frozenset({"Trial", "Target", "CellType", "Condition", "Phase", "Agent"})
"""Labels whose nodes are named by their public IRI (the node's ``iri``) when they have one."""

SEGMENT: dict[str, str] = {
    "Product": "product", "Target": "target", "CellType": "celltype", "Condition": "condition",
    "Organization": "org", "Phase": "phase", "Country": "country", "Site": "site",
    "Intervention": "intervention", "Agent": "agent", "Trial": "trial",
    "Criterion": "criterion",
}

# (node attribute, predicate, kind); kind: str, int, bool, decimal, double, iri, multi (a list
# of text), curies (a list of CURIEs, written as IRIs)
_Prop = tuple[str, ox.NamedNode, str]
NODE_PROPERTIES: dict[str, tuple[_Prop, ...]] = {
    "Trial": (
        ("title", _n(DCTERMS + "title"), "str"),
        ("official_title", ctx("officialTitle"), "str"),
        ("acronym", ctx("acronym"), "str"),
        ("status", ctx("status"), "str"),
        ("study_type", ctx("studyType"), "str"),
        ("modality", ctx("modality"), "str"),
        ("modality_text", ctx("modalityEvidence"), "str"),
        ("products_withheld", ctx("productsWithheld"), "int"),
        ("modality_rule", ctx("modalityRule"), "str"),
        ("quality_flags", ctx("qualityFlag"), "multi"),
        ("phases", ctx("phaseAsWritten"), "multi"),
        ("start_date", ctx("startDate"), "str"),
        ("start_year", ctx("startYear"), "int"),
        ("start_date_type", ctx("startDateType"), "str"),
        ("started", ctx("started"), "bool"),
        ("started_rule", ctx("startedRule"), "str"),
        ("registered_year", ctx("registeredYear"), "int"),
        ("registered_year_rule", ctx("registeredYearRule"), "str"),
        ("primary_completion_date", ctx("primaryCompletionDate"), "str"),
        ("completion_date", ctx("completionDate"), "str"),
        ("first_posted", ctx("firstPosted"), "str"),
        ("last_update", ctx("lastUpdate"), "str"),
        ("enrollment", ctx("enrollment"), "int"),
        ("enrollment_type", ctx("enrollmentType"), "str"),
        ("allocation", ctx("allocation"), "str"),
        ("intervention_model", ctx("interventionModel"), "str"),
        ("masking", ctx("masking"), "str"),
        ("primary_purpose", ctx("primaryPurpose"), "str"),
        ("sex", ctx("sex"), "str"),
        ("min_age_years", ctx("minAgeYears"), "decimal"),
        ("max_age_years", ctx("maxAgeYears"), "decimal"),
        ("healthy_volunteers", ctx("healthyVolunteers"), "bool"),
        ("secondary_ids", ctx("secondaryId"), "multi"),
        ("registry", ctx("registry"), "str"),
        ("registries", ctx("inRegistry"), "multi"),
        ("registry_ids", ctx("registryId"), "multi"),
        ("keywords", ctx("keyword"), "multi"),
        ("brief_summary", _n(DCTERMS + "description"), "str"),
        ("eligibility_criteria", ctx("eligibilityCriteria"), "str"),
        ("is_cell_therapy", ctx("isCellTherapy"), "bool"),
        ("several_candidates", ctx("severalCandidates"), "bool"),
        ("ecog_max", ctx("ecogMax"), "int"),
        ("lvef_min_pct", ctx("lvefMinPct"), "decimal"),
        ("excludes_prior_car_t", ctx("excludesPriorCarT"), "bool"),
        ("creatinine_clearance_min_ml_min", ctx("creatinineClearanceMinMlMin"), "decimal"),
        ("platelets_min_10e9_l", ctx("plateletsMin10e9PerL"), "decimal"),
        ("hemoglobin_min_g_l", ctx("hemoglobinMinGPerL"), "decimal"),
        ("bilirubin_max_uln", ctx("bilirubinMaxUln"), "decimal"),
        ("excludes_cns_involvement", ctx("excludesCnsInvolvement"), "bool"),
        ("url", _n(SCHEMA + "url"), "iri"),
        ("sources", ctx("sourceRecord"), "multi"),
    ),
    "Product": (
        ("platform", ctx("platform"), "str"),
        ("receptor", ctx("receptorKind"), "str"),
        ("cell_source", ctx("cellSource"), "str"),
        ("construct", ctx("constructKind"), "str"),
        ("as_written", ctx("asWritten"), "str"),
        ("code", ctx("productCode"), "str"),
        ("payloads", ctx("payload"), "multi"),
        *((f"{fact}_{part}", ctx(f"{camel}Evidence{suffix}"), "str")
          for fact, camel in (("platform", "platform"), ("cell_source", "cellSource"),
                              ("construct", "construct"), ("tested_in", "testedIn"))
          for part, suffix in (("text", ""), ("field", "Field"), ("rule", "Rule"))),
    ),
    "Target": (
        ("symbol", ctx("symbol"), "str"),
        ("kind", ctx("targetKind"), "str"),
        ("qualifier", ctx("qualifier"), "str"),
        ("uniprot", ctx("uniprot"), "str"),
        ("curie", NOTATION, "str"),
        ("synonyms", ALT_LABEL, "multi"),
    ),
    "Condition": (
        ("category", ctx("category"), "str"),
        ("curie", NOTATION, "str"),
        ("synonyms", ALT_LABEL, "multi"),
        ("xrefs", EXACT_MATCH, "curies"),
        ("broader", BROADER_TRANSITIVE, "curies"),  # each one a Condition of the graph too
    ),
    "CellType": (
        ("curie", NOTATION, "str"),
        ("synonyms", ALT_LABEL, "multi"),
        ("xrefs", EXACT_MATCH, "curies"),
    ),
    "Agent": (("curie", NOTATION, "str"), ("synonyms", ALT_LABEL, "multi")),
    "Phase": (("curie", NOTATION, "str"),),
    "Organization": (
        ("org_class", ctx("orgClass"), "str"),
        ("ctgov_class", ctx("ctgovClass"), "str"),
    ),
    "Country": (),
    "Site": (
        ("city", ctx("city"), "str"),
        ("state", ctx("state"), "str"),
        ("country", ctx("countryAsWritten"), "str"),
        ("lat", _n(SCHEMA + "latitude"), "double"),
        ("lon", _n(SCHEMA + "longitude"), "double"),
    ),
    "Intervention": (("type", ctx("interventionType"), "str"),),
    "Criterion": (
        ("kind", ctx("criterionKind"), "str"),
        ("inclusion", ctx("inclusion"), "bool"),
        ("operator", ctx("operator"), "str"),
        ("value", ctx("value"), "decimal"),
        ("value_max", ctx("valueMax"), "decimal"),
        ("unit", ctx("unit"), "str"),
        ("text", ctx("criterionText"), "str"),
        ("matched", ctx("matchedText"), "str"),
        ("item", ctx("itemNumber"), "int"),
    ),
}
HANDLED_ATTRIBUTES = frozenset({
    "label", "id", "iri", "name",
    # kept elsewhere or derived: the brief title is the label, the condition strings are on
    # the ConditionStatements, formats on the source descriptions, symbols on the targets
    "brief_title", "status_label", "conditions_as_written", "source_formats", "target_symbols",
    "hgnc_id",
})

DIRECT_PROPERTY: dict[str, str] = {
    "SPONSORED_BY": "sponsoredBy", "STUDIES": "studiesCondition", "HAS_PHASE": "hasPhase",
    "TESTS": "testsIntervention", "HAS_SITE": "hasSite", "LOCATED_IN": "locatedIn",
    "HAS_PRODUCT": "hasProduct", "TARGETS": "targets", "BASE_CELL_TYPE": "baseCellType",
    "TESTED_IN": "testedIn",
    "USES_AGENT": "usesAgent", "HAS_CRITERION": "hasCriterion",
}
"""Relationship type -> object property (every type of graph/schema.py has one)."""

QUALIFIED: dict[str, tuple[str, str]] = {
    "TARGETS": ("TargetStatement", "target"),
    "STUDIES": ("ConditionStatement", "condition"),
    "SPONSORED_BY": ("Sponsorship", "sponsorship"),
    "USES_AGENT": ("AgentUse", "agent-use"),
    "HAS_SITE": ("SiteParticipation", "site"),
}
"""Relationship types whose properties are kept on a qualified-relation node: class, segment."""

EDGE_PROPERTIES: dict[str, ox.NamedNode] = {
    "as_written": ctx("asWritten"), "role": ctx("role"), "status": ctx("siteStatus"),
    "evidence_text": ctx("evidenceText"), "evidence_field": ctx("evidenceField"),
    "evidence_rule": ctx("evidenceRule"),
}
ROLE_PROPERTY = {"lead": ctx("leadSponsor"), "collaborator": ctx("collaborator")}

_DATE_TYPES = {4: "gYear", 7: "gYearMonth", 10: "date"}
_FILE_DATE = re.compile(r"(20\d\d|19\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")


class RdfExportError(ValueError):
    """A node that cannot be written as RDF (names the node and the attribute)."""


@dataclass(frozen=True)
class ExportOptions:
    base: str = DEFAULT_BASE
    stats: Mapping[str, Any] | None = None
    """The graph's stats.json (sources, record counts); derived from the graph when absent."""
    generated_at: datetime | None = None
    """Generation time recorded in the provenance (default: now)."""
    include_vocabulary: bool = True


@dataclass
class ExportReport:
    path: Path
    format: str
    statements: int
    seconds: float
    graphs: int
    skipped_attributes: dict[str, int] = field(default_factory=dict)

    @property
    def statements_per_second(self) -> float:
        return self.statements / self.seconds if self.seconds else float("inf")


# ---- terms -------------------------------------------------------------------------------


def _lit(value: Any, kind: str, where: str) -> ox.Literal | ox.NamedNode:
    if kind == "iri":
        return _iri(str(value), where)
    if kind == "bool":
        return ox.Literal(bool(value))
    if kind == "int":
        return ox.Literal(int(value))
    if kind == "decimal":
        text = format(Decimal(str(value)).normalize(), "f")
        return ox.Literal(text if "." in text else text + ".0", datatype=_n(XSD + "decimal"))
    if kind == "double":
        return ox.Literal(float(value))
    return ox.Literal(str(value))


def _iri(value: str, where: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as exc:
        raise RdfExportError(f"{where}: not a valid IRI {value!r} ({exc})") from None


def _expand(curie: str, where: str) -> str:
    from celltx.ontology.identifiers import iri

    try:
        expanded = iri(curie)
    except ValueError as exc:
        raise RdfExportError(f"{where}: {exc}") from None
    if expanded is None:
        raise RdfExportError(f"{where}: empty CURIE")
    return expanded


def typed_date(value: str) -> ox.Literal | None:
    """An ISO partial date as a typed literal (xsd:gYear, xsd:gYearMonth or xsd:date).

    >>> typed_date("2023-12").datatype.value
    'http://www.w3.org/2001/XMLSchema#gYearMonth'
    """
    kind = _DATE_TYPES.get(len(value))
    return ox.Literal(value, datatype=_n(XSD + kind)) if kind else None


def _key_segment(key: str) -> str:
    if key.startswith("text:"):
        key = key[5:]
    return quote(key, safe="-._~:")


def mint(base: str, label: str, key: str) -> str:
    """Our own IRI for an entity: ``{base}{segment}/{key}``.

    >>> mint("https://w3id.org/celltx/", "Product", "NCT05008575-P1")
    'https://w3id.org/celltx/product/NCT05008575-P1'
    """
    return f"{base}{SEGMENT[label]}/{_key_segment(key)}"


def source_iri(base: str, path: str) -> str:
    """The IRI of a source file, also the name of its graph in TriG."""
    return f"{base}source/{quote(path.lstrip('/'), safe='/-._~')}"


def assign_iris(graph: TrialGraph, base: str) -> dict[str, str]:
    """The IRI of every node. Public IRIs go to at most one node each: a variant target (or a
    second node claiming an IRI already taken) gets our own IRI, linked to the public one."""
    iris: dict[str, str] = {}
    taken: dict[str, str] = {}
    for nid, data in sorted(graph.g.nodes(data=True)):
        label = data["label"]
        public = data.get("iri")
        if label == "Trial":
            iri = public or trial_iri(str(data["id"]))
        elif (label in PUBLIC_IRI_LABELS and public and public not in taken
              and data.get("kind") != "variant"):
            iri = public
        else:
            iri = mint(base, label, str(data["id"]))
        _iri(iri, f"node {nid} attribute iri")
        if iri in taken:
            raise RdfExportError(f"nodes {taken[iri]} and {nid} would share the IRI {iri}")
        taken[iri] = nid
        iris[nid] = iri
    return iris


def _fallback_label(data: Mapping[str, Any]) -> str:
    label = data["label"]
    if label == "Site":
        place = ", ".join(str(data[k]) for k in ("city", "country") if data.get(k))
        return f"site in {place}" if place else f"site {data['id']}"
    if label == "Target":
        return str(data.get("symbol") or data["id"])
    if label == "Product":
        return f"{data.get('platform') or 'cell'} product {data['id']}"
    if label == "Criterion":
        kind = "inclusion" if data.get("inclusion", True) else "exclusion"
        return f"{kind} criterion: {data.get('matched') or data.get('text') or data['id']}"
    return str(data["id"])


def node_label(data: Mapping[str, Any]) -> str:
    if data["label"] == "Target":  # the field's name with the symbol: "BCMA (TNFRSF17)"
        from celltx.ontology.display import target_label

        return target_label(str(data["id"]))
    return str(data.get("title") or data.get("name") or _fallback_label(data))


# ---- quads -------------------------------------------------------------------------------

Graphs = tuple[ox.NamedNode | ox.DefaultGraph, ...]


class _Emitter:
    """Turns (s, p, o, graphs) into quads: one per graph (datasets) or one triple (graphs)."""

    def __init__(self, dataset: bool) -> None:
        self.dataset = dataset
        self.count = 0

    def __call__(self, s: ox.NamedNode, p: ox.NamedNode, o: Any, graphs: Graphs
                 ) -> Iterator[ox.Quad]:
        if self.dataset:
            for g in graphs:
                self.count += 1
                yield ox.Quad(s, p, o, g)
        else:
            self.count += 1
            yield ox.Quad(s, p, o, ox.DefaultGraph())


def _source_path(ref: str) -> str:
    return ref.rsplit("#", 1)[0]


def sources_of(graph: TrialGraph, stats: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The source files of the graph: from stats.json, or from the refs in the graph."""
    if stats and stats.get("sources"):
        return [dict(s) for s in stats["sources"]]
    counts: Counter[str] = Counter()
    for _, data in graph.nodes("Trial"):
        for ref in data.get("sources", []):
            counts[_source_path(ref)] += 1
    fmts: dict[str, str] = {}
    for _, data in graph.nodes("Trial"):
        for ref, fmt in zip(data.get("sources", []), data.get("source_formats", []),
                            strict=False):
            fmts.setdefault(_source_path(ref), fmt)
    return [{"path": p, "format": fmts.get(p), "records": n} for p, n in sorted(counts.items())]


def vocabulary_triples() -> list[ox.Triple]:
    """The triples of ontology/celltx.ttl (shipped as package data)."""
    return [q.triple for q in ox.parse(vocabulary_bytes(), format=ox.RdfFormat.TURTLE)]


def iter_quads(graph: TrialGraph, options: ExportOptions = ExportOptions(), *,
               dataset: bool = False, skipped: Counter[str] | None = None
               ) -> Iterator[ox.Quad]:
    """Every statement of the export, entity by entity, then the dataset description.

    With ``dataset`` each fact goes to the named graph of every source file that states it
    (entity descriptions to ``{base}graph/entities``, the vocabulary to its own graph, the
    dataset description to the default graph); without, all go to the default graph once.
    """
    base = options.base
    if not base.endswith(("/", "#")):
        raise RdfExportError(f"base IRI must end with / or #: {base!r}")
    emit = _Emitter(dataset)
    skipped = skipped if skipped is not None else Counter()
    iris = assign_iris(graph, base)
    entities: Graphs = (_n(base + "graph/entities"),)
    source_graph: dict[str, ox.NamedNode] = {}

    def graphs_for(refs: Iterable[str]) -> Graphs:
        out: dict[str, ox.NamedNode] = {}
        for ref in refs:
            path = _source_path(ref)
            if path not in source_graph:
                source_graph[path] = _n(source_iri(base, path))
            out[path] = source_graph[path]
        return tuple(out[p] for p in sorted(out)) or entities

    if options.include_vocabulary:
        vocab_graph: Graphs = (_n(ONTOLOGY_IRI),)
        for t in vocabulary_triples():
            yield from emit(t.subject, t.predicate, t.object, vocab_graph)  # type: ignore[arg-type]

    for nid, data in sorted(graph.g.nodes(data=True)):
        label = data["label"]
        s = _n(iris[nid])
        where = f"node {nid}"
        if label == "Trial":
            refs = data.get("sources") or []
            home = graphs_for(refs[:1]) if refs else entities
            every = graphs_for(refs) if refs else entities
        else:
            home = every = entities
        yield from emit(s, A, ctx(CLASS_OF_LABEL[label]), every)
        if label == "Target" and data.get("kind") in TARGET_KIND_CLASS:
            yield from emit(s, A, ctx(TARGET_KIND_CLASS[data["kind"]]), home)
        yield from emit(s, IDENTIFIER, ox.Literal(str(data["id"])), every)
        yield from emit(s, LABEL, ox.Literal(node_label(data)), home)
        if label == "Country":
            yield from emit(s, NOTATION, ox.Literal(str(data["id"])), home)
        if label == "Trial" and data.get("start_date"):
            typed = typed_date(str(data["start_date"]))
            if typed is not None:
                yield from emit(s, _n(SCHEMA + "startDate"), typed, home)
        props = NODE_PROPERTIES[label]
        for attr, pred, kind in props:
            value = data.get(attr)
            if value is None:
                continue
            if label == "Trial" and attr == "sources":
                for ref in value:
                    yield from emit(s, pred, ox.Literal(ref), graphs_for([ref]))
                continue
            values = value if isinstance(value, list | tuple) else [value]
            if kind == "curies":
                for curie in values:
                    yield from emit(s, pred, _iri(_expand(curie, where), where), home)
                continue
            for v in values:
                lit_kind = "str" if kind == "multi" else kind
                yield from emit(s, pred, _lit(v, lit_kind, f"{where} attribute {attr}"), home)
        public = data.get("iri")
        if public and public != iris[nid] and label != "Trial":
            link = ctx("variantOf") if data.get("kind") == "variant" else (
                EXACT_MATCH if label not in PUBLIC_IRI_LABELS else CLOSE_MATCH)
            yield from emit(s, link, _iri(public, f"{where} attribute iri"), home)
        known = {a for a, _, _ in props} | HANDLED_ATTRIBUTES
        for attr in data:
            if attr not in known:
                skipped[f"{label}.{attr}"] += 1
        yield from _edges(graph, nid, s, iris, base, emit, graphs_for)

    yield from _description(graph, options, iris, emit, source_graph, dataset)


def _edges(graph: TrialGraph, nid: str, s: ox.NamedNode, iris: dict[str, str], base: str,
           emit: _Emitter, graphs_for: Any) -> Iterator[ox.Quad]:
    edges = sorted(graph.g.out_edges(nid, keys=True, data=True), key=lambda e: (e[1], e[2]))
    stated: set[tuple[str, str]] = set()
    pending: list[tuple[ox.NamedNode, ox.NamedNode, Any, Graphs]] = []
    subject_key = str(graph.g.nodes[nid]["id"])
    for _, end, key, data in edges:
        rel = data["type"]
        o = _n(iris[end])
        graphs = graphs_for(data.get("sources") or [])
        preds = [ctx(DIRECT_PROPERTY[rel])]
        if rel == "SPONSORED_BY" and data.get("role") in ROLE_PROPERTY:
            preds.append(ROLE_PROPERTY[data["role"]])
        for p in preds:
            if (p.value, o.value) not in stated:
                stated.add((p.value, o.value))
                yield from emit(s, p, o, graphs)
        extra = {k: v for k, v in data.items() if k in EDGE_PROPERTIES and v is not None}
        if rel not in QUALIFIED or not extra:
            continue
        cls, segment = QUALIFIED[rel]
        digest = hashlib.sha1(f"{end}|{key}".encode()).hexdigest()[:12]
        q = _n(f"{base}{SEGMENT[graph.g.nodes[nid]['label']]}/{_key_segment(subject_key)}"
               f"/{segment}/{digest}")
        end_label = node_label(graph.g.nodes[end])
        yield from emit(s, ctx("hasQualifiedRelation"), q, graphs)
        pending.append((q, A, ctx(cls), graphs))
        pending.append((q, LABEL, ox.Literal(_qualified_label(rel, subject_key, end_label,
                                                              extra)), graphs))
        pending.append((q, ctx("relatedTo"), o, graphs))
        for k in sorted(extra):
            pending.append((q, EDGE_PROPERTIES[k], ox.Literal(str(extra[k])), graphs))
    for q, p, o, graphs in pending:
        yield from emit(q, p, o, graphs)


def _qualified_label(rel: str, subject: str, end: str, props: Mapping[str, Any]) -> str:
    written = props.get("as_written")
    if rel == "STUDIES":
        return f"{subject} studies “{written or end}”"
    if rel == "SPONSORED_BY":
        return f"{subject} {props.get('role') or 'sponsor'}: {written or end}"
    if rel == "TARGETS":
        return f"{subject} targets {end}"
    if rel == "USES_AGENT":
        return f"{subject} uses {end} ({props.get('role') or 'agent'})"
    return f"{subject} at {end}" + (f" ({props['status']})" if props.get("status") else "")


def _description(graph: TrialGraph, options: ExportOptions, iris: dict[str, str],
                 emit: _Emitter, source_graph: dict[str, ox.NamedNode], dataset: bool
                 ) -> Iterator[ox.Quad]:
    """VoID/DCAT description of the dataset with its PROV-O provenance (in the default graph)."""
    from celltx import __version__

    base = options.base
    default: Graphs = (ox.DefaultGraph(),)
    when = (options.generated_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    stamp = ox.Literal(when.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=_n(XSD + "dateTime"))
    ds = _n(base + "dataset")
    activity = _n(base + "dataset/generation")
    software = _n(f"{base}software/celltx/{__version__}")
    out: list[tuple[ox.NamedNode, ox.NamedNode, Any]] = []

    def add(s: ox.NamedNode, p: str, o: Any) -> None:
        out.append((s, _n(p), o))

    add(ds, RDF + "type", _n(VOID + "Dataset"))
    add(ds, RDF + "type", _n(DCAT + "Dataset"))
    add(ds, RDF + "type", _n(PROV + "Entity"))
    add(ds, RDFS + "label", ox.Literal("celltx knowledge graph of immune-cell-therapy trials"))
    add(ds, DCTERMS + "title", ox.Literal("celltx knowledge graph"))
    add(ds, DCTERMS + "description", ox.Literal(
        "Immune-cell-therapy clinical trials (CAR-T, CAR-NK, iNKT, TCR-T, TIL, γδ T, CIK, "
        "CAR-M) with their cell products, antigen targets, conditions, sponsors, phases and "
        "sites, read from ClinicalTrials.gov records."))
    add(ds, DCTERMS + "created", stamp)
    add(ds, VOID + "uriSpace", ox.Literal(base))
    add(ds, VOID + "vocabulary", _n(ONTOLOGY_IRI))
    add(ds, DCTERMS + "conformsTo", _n(ONTOLOGY_IRI))
    for prefix in ("https://identifiers.org/", "http://purl.obolibrary.org/obo/"):
        add(ds, VOID + "vocabulary", _n(prefix))
    add(ds, VOID + "entities", ox.Literal(graph.g.number_of_nodes()))
    add(ds, VOID + "distinctSubjects", ox.Literal(graph.g.number_of_nodes()))
    add(ds, PROV + "wasGeneratedBy", activity)
    counts = graph.node_counts()
    for label in NODE_LABELS:
        n = counts.get(label, 0)
        if not n:
            continue
        part = _n(f"{base}dataset/class/{CLASS_OF_LABEL[label]}")
        add(ds, VOID + "classPartition", part)
        add(part, RDFS + "label", ox.Literal(f"{label} partition"))
        add(part, VOID + "class", ctx(CLASS_OF_LABEL[label]))
        add(part, VOID + "entities", ox.Literal(n))

    add(activity, RDF + "type", _n(PROV + "Activity"))
    add(activity, RDFS + "label", ox.Literal(f"celltx {__version__} RDF export"))
    add(activity, PROV + "endedAtTime", stamp)
    add(activity, PROV + "wasAssociatedWith", software)
    add(software, RDF + "type", _n(PROV + "SoftwareAgent"))
    add(software, RDF + "type", _n(SCHEMA + "SoftwareApplication"))
    add(software, RDFS + "label", ox.Literal(f"celltx {__version__}"))
    add(software, SCHEMA + "softwareVersion", ox.Literal(__version__))
    add(software, SCHEMA + "name", ox.Literal("celltx"))

    for src in sources_of(graph, options.stats):
        path = str(src["path"])
        node = source_graph.get(path) or _n(source_iri(base, path))
        add(ds, PROV + "wasDerivedFrom", node)
        add(ds, DCTERMS + "source", node)
        add(activity, PROV + "used", node)
        add(node, RDF + "type", _n(PROV + "Entity"))
        add(node, RDF + "type", _n(DCAT + "Distribution"))
        add(node, RDFS + "label", ox.Literal(path))
        add(node, DCTERMS + "title", ox.Literal(path))
        if src.get("format"):
            add(node, DCTERMS + "format", ox.Literal(str(src["format"])))
        if src.get("records") is not None:
            add(node, VOCAB + "recordCount", ox.Literal(int(src["records"])))
        if src.get("rejects") is not None:
            add(node, VOCAB + "rejectCount", ox.Literal(int(src["rejects"])))
        retrieved = src.get("retrieved") or _file_date(path)
        if retrieved:
            add(node, PAV + "retrievedOn", typed_date(str(retrieved)[:10])
                or ox.Literal(str(retrieved)))
        if dataset:
            add(node, RDF + "type", _n(VOID + "Dataset"))
            add(ds, VOID + "subset", node)
    if dataset:
        for name, title in ((base + "graph/entities", "entity descriptions"),
                            (ONTOLOGY_IRI, "celltx vocabulary")):
            node = _n(name)
            add(ds, VOID + "subset", node)
            add(node, RDF + "type", _n(VOID + "Dataset"))
            if name != ONTOLOGY_IRI:
                add(node, RDFS + "label", ox.Literal(title))

    total = emit.count + len(out) + 1
    add(ds, VOID + "triples", ox.Literal(total))
    out.sort(key=lambda t: t[0].value)  # stable: one block per subject
    for s, p, o in out:
        yield from emit(s, p, o, default)


def _file_date(path: str) -> str | None:
    m = _FILE_DATE.search(path.rsplit("/", 1)[-1])
    return m.group(0) if m else None


# ---- writing -----------------------------------------------------------------------------


def write_rdf(graph: TrialGraph, out: Path | BinaryIO, fmt: str = "ttl",
              options: ExportOptions = ExportOptions()) -> ExportReport:
    """Serialise the graph to ``out`` in ``fmt`` (ttl, nt, jsonld or trig), streaming."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r}; known: {', '.join(FORMATS)}")
    started = time.perf_counter()
    skipped: Counter[str] = Counter()
    dataset = fmt in DATASET_FORMATS
    quads = iter_quads(graph, options, dataset=dataset, skipped=skipped)
    graphs = 1
    if dataset:
        counted = _Counting(quads)
        graphs = _write_dataset(counted, out, FORMATS[fmt])
    else:
        counted = _Counting(q.triple for q in quads)
        _serialize(counted, out, FORMATS[fmt])
    statements = counted.n
    return ExportReport(path=Path(getattr(out, "name", str(out))), format=fmt,
                        statements=statements, seconds=time.perf_counter() - started,
                        graphs=graphs, skipped_attributes=dict(sorted(skipped.items())))


class _Counting:
    def __init__(self, items: Iterable[Any]) -> None:
        self._it = iter(items)
        self.n = 0

    def __iter__(self) -> _Counting:
        return self

    def __next__(self) -> Any:
        item = next(self._it)
        self.n += 1
        return item


def _serialize(items: Iterable[Any], out: Path | BinaryIO, fmt: ox.RdfFormat) -> None:
    prefixes = None if fmt in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS) else PREFIXES
    target: Any = str(out) if isinstance(out, Path) else out
    ox.serialize(items, target, fmt, prefixes=prefixes)


def _write_dataset(quads: Iterable[ox.Quad], out: Path | BinaryIO, fmt: ox.RdfFormat) -> int:
    """Spool quads to one N-Quads file per graph, then stream them out graph by graph."""
    with tempfile.TemporaryDirectory(prefix="celltx-trig-") as tmp:
        files: dict[str, tuple[Path, Any]] = {}
        try:
            for q in quads:
                g = q.graph_name
                key = "" if isinstance(g, ox.DefaultGraph) else g.value
                if key not in files:
                    path = Path(tmp) / f"{len(files):05d}.nq"
                    files[key] = (path, open(path, "w", encoding="utf-8"))  # noqa: SIM115
                files[key][1].write(f"{q} .\n")
        finally:
            for _, fh in files.values():
                fh.close()
        order = sorted(files, key=lambda k: (k != "", k))
        chained = itertools.chain.from_iterable(
            ox.parse(path=files[k][0], format=ox.RdfFormat.N_QUADS) for k in order)
        _serialize(chained, out, fmt)
        return len(files)
