"""The project's vocabulary tables (``ontology/*.tsv``, shipped as package data) as terms.

Each table is read once (cached) and turned into ``Term``s whose IRIs come from
``celltx.ontology.identifiers`` (bioregistry prefixes), never from hand-built strings.
``lookup`` explains what a piece of text normalises to: which table, which row, which alias.
"""

from __future__ import annotations

import csv
import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from celltx.ontology import hgnc_genes
from celltx.ontology.identifiers import iri
from celltx.ontology.terms import TargetTerm, Term, from_table

TermT = TypeVar("TermT", bound=Term)

TABLES = (
    "targets.tsv", "product_codes.tsv", "conditions.tsv", "cell_types.tsv", "cell_sources.tsv",
    "agents.tsv", "organizations.tsv", "trial_phases.tsv", "trial_statuses.tsv",
    "study_types.tsv", "country_aliases.tsv",
)


@cache
def table(name: str) -> tuple[dict[str, str], ...]:
    """Rows of a shipped TSV table (``name`` as in ``TABLES``)."""
    text = resources.files("celltx.ontology").joinpath(name).read_text(encoding="utf-8")
    return tuple(csv.DictReader(text.splitlines(), delimiter="\t"))


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split("|") if v.strip())


# ---- targets ------------------------------------------------------------------------------

@dataclass(frozen=True)
class TargetEntry:
    term: TargetTerm
    aliases: tuple[str, ...]
    exact_case: tuple[str, ...]
    context_only: tuple[str, ...]


@cache
def targets() -> dict[str, TargetEntry]:
    out: dict[str, TargetEntry] = {}
    for r in table("targets.tsv"):
        curie = r["hgnc_id"] or r["ncit"] or None
        aliases, exact, ctx = _split(r["aliases"]), _split(r["exact_case_aliases"]), _split(
            r["context_aliases"])
        term = TargetTerm(
            key=r["key"], label=r["label"], symbol=r["symbol"], kind=r["kind"],
            hgnc_id=r["hgnc_id"] or None, curie=curie, iri=iri(curie),
            qualifier=r["qualifier"] or None, uniprot=r["uniprot"] or None,
            synonyms=tuple(dict.fromkeys(aliases + exact + ctx)),
        )
        out[r["key"]] = TargetEntry(term, aliases, exact, ctx)
    _noted("targets", {k: e.term for k, e in out.items()})
    return out


@cache
def target_term(key: str) -> TargetTerm | None:
    """The term of a target key: the curated table first, else the HGNC gene of that symbol
    (an antigen outside the table, named in a targeting context).

    >>> target_term("CLEC12A").label, target_term("STEAP1").iri
    ('CLL1 (CLEC12A)', 'https://identifiers.org/hgnc:11378')
    """
    if key in targets():
        return targets()[key].term
    g = hgnc_genes.gene(key)
    if g is None:
        return None
    return TargetTerm(key=g.symbol, label=g.symbol, symbol=g.symbol, kind="protein",
                      hgnc_id=g.hgnc_id, curie=g.hgnc_id, iri=iri(g.hgnc_id),
                      uniprot=g.uniprot or None, synonyms=())


@dataclass(frozen=True)
class CodeEntry:
    code: str
    aliases: tuple[str, ...]
    targets: tuple[str, ...]
    construct: str | None
    platform: str
    source: str | None


@cache
def product_codes() -> dict[str, CodeEntry]:
    out = {}
    for r in table("product_codes.tsv"):
        tkeys = tuple(t for t in r["targets"].split("/") if t and t != "-")
        out[r["code"]] = CodeEntry(r["code"], _split(r["aliases"]), tkeys,
                                   None if r["construct"] in ("", "-") else r["construct"],
                                   r["platform"], r["source"] or None)
    return out


# ---- conditions ---------------------------------------------------------------------------

@cache
def conditions() -> dict[str, Term]:
    out = {}
    rows = {r["key"]: r for r in table("conditions.tsv")}
    for key, r in rows.items():
        # MONDO where it has a class, else NCIt ("solid neoplasm" is NCIT:C9292; MONDO has none,
        # and borrowing its "neoplasm" merged solid tumours into one node with all neoplasms)
        curie = r["mondo"] or r["ncit"]
        out[key] = Term(
            key=key, label=r["label"], curie=curie, iri=iri(curie),
            category=r["category"], synonyms=_split(r["synonyms"]),
            xrefs=tuple(x for x in (r["ncit"], r["doid"]) if x and x != curie),
            broader=tuple(rows[b]["mondo"] or rows[b]["ncit"] for b in _broader(key, rows)),
        )
    return _noted("conditions", out)


def _broader(key: str, rows: dict[str, dict[str, str]]) -> list[str]:
    """The keys of a condition's broader conditions, nearest first, all the way up (the table's
    ``broader`` column names the nearest ones)."""
    out: list[str] = []
    level = list(_split(rows[key]["broader"]))
    while level:
        out += [k for k in level if k not in out]
        level = list(dict.fromkeys(b for k in level for b in _split(rows[k]["broader"])
                                   if b not in out))
    return out


@cache
def condition_by_curie() -> dict[str, Term]:
    """The conditions' terms by CURIE (a broader condition is named by its CURIE)."""
    return {t.curie: t for t in conditions().values() if t.curie}


def condition_key(text: str) -> str:
    """Spelling-insensitive form of a condition string (case, punctuation, apostrophes, HTML
    character references, British spellings written the American way, and an organ named by
    its noun as by its adjective), so that a synonym written one way matches a record written
    another: "Chronic Lymphocytic Leukemia" did not match CLL, whose table has "chronic
    lymphocytic leukaemia"; "Sjogren&#39;s Syndrome" matched nothing; "Pancreas Cancer" was
    only "cancer".

    >>> condition_key("Chronic Lymphocytic Leukaemia"), condition_key("Oesophageal tumours")
    ('chronic lymphocytic leukemia', 'esophageal tumor')
    >>> condition_key("Sjogren&#39;s Syndrome"), condition_key("Cancer of the Cervix")
    ('sjogren syndrome', 'cancer of the cervical')
    >>> condition_key("Pancreas Cancer"), condition_key("ovary carcinoma")
    ('pancreatic cancer', 'ovarian carcinoma')
    >>> condition_key("Relapsed B-cell Lymphomas"), condition_key("B-Cell Malignancies")
    ('relapsed b cell lymphoma', 'b cell malignancy')
    >>> condition_key("Leukaemias, Acute Myeloid")
    'leukemia acute myeloid'
    """
    if "&" in text:
        text = html.unescape(text)
    text = text.replace("’", "'").replace("'s ", " ").replace("'", "")
    key = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    if "ae" in key or "oe" in key or "our" in key:
        key = _STEMS.sub(lambda m: _AMERICAN[m.group(0)], _AEMIA.sub("emia", key))
    if "s" in key:
        key = _PLURAL.sub(_singular, key)
    return _ORGANS.sub(lambda m: _ORGAN_ADJECTIVE[m.group(0)], key)


_PLURAL = re.compile(r"\b([a-z]+oma|leukemia|tumor|neoplasm|cancer|disease|syndrome"
                     r"|malignancie)s\b")
"""Disease nouns in the plural ("B-cell lymphomas", "Leukemias, Acute Myeloid", "Solid
Tumors", "Glioblastomas"): a key has the singular, as the table's synonyms mostly do."""


def _singular(m: re.Match[str]) -> str:
    return "malignancy" if m.group(1) == "malignancie" else m.group(1)


_AEMIA = re.compile(r"aemia(?=s?\b)")
"""Leukaemia, anaemia, septicaemia: the American -emia."""
_AMERICAN = {"haem": "hem", "oesoph": "esoph", "paediatr": "pediatr", "oedem": "edem",
             "gynaec": "gynec", "orthopaed": "orthoped", "foet": "fet", "tumour": "tumor"}
"""British spellings of medical word stems, and the American ones the keys use."""
_STEMS = re.compile(r"\b(?:haem|oesoph|paediatr|oedem|gynaec|orthopaed|foet)|tumour")
_ORGAN_ADJECTIVE = {"pancreas": "pancreatic", "cervix": "cervical", "ovary": "ovarian",
                    "stomach": "gastric", "kidney": "renal", "esophagus": "esophageal"}
"""Organs named by their nouns, and the adjectives the table's conditions use."""
_ORGANS = re.compile(r"\b(?:" + "|".join(_ORGAN_ADJECTIVE) + r")\b")


def text_key(text: str) -> str:
    """The key of a text as written that names no vocabulary term (a sponsor, an intervention,
    a condition outside the tables): case- and punctuation-insensitive, so spellings of one
    name share a node, and in any script ("北京大学人民医院", "Société Générale" keep their
    letters; an ASCII-only key made every non-Latin name one node with the key ""). A text
    without a letter or digit ("?!.,;--") is keyed by its digest, so that two such texts stay
    two nodes.

    >>> text_key("Lymphoma, B-Cell"), text_key("北京大学 人民医院"), text_key("Ünïcode")
    ('lymphoma-b-cell', '北京大学-人民医院', 'ünïcode')
    >>> text_key("?!") != text_key("...") and text_key("?!").startswith("sha1-")
    True
    """
    key = _NOT_WORD.sub("-", text.casefold()).strip("-")
    return key or "sha1-" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


_NOT_WORD = re.compile(r"[\W_]+")


# ---- cell types, sources, agents, statuses, study types, phases ---------------------------

@cache
def cell_types() -> dict[str, Term]:
    """Platform name -> base cell type term (CL where a class exists, else NCIt)."""
    out = {}
    for r in table("cell_types.tsv"):
        curie = r["curie"] or r["ncit"]
        term = Term(key=r["key"], label=r["label"], curie=curie, iri=iri(curie),
                    xrefs=(r["ncit"],) if r["ncit"] and r["curie"] else ())
        for platform in _split(r["platforms"]):
            out[platform] = term
    return _noted("cell_types", out)


@cache
def cell_sources() -> dict[str, tuple[str, ...]]:
    return {r["key"]: _split(r["aliases"]) for r in table("cell_sources.tsv")}


@dataclass(frozen=True)
class AgentEntry:
    term: Term
    role: str
    aliases: tuple[str, ...]
    exact_case: tuple[str, ...]


@cache
def agents() -> dict[str, AgentEntry]:
    out = {}
    for r in table("agents.tsv"):
        curie = r["curie"] or None
        term = Term(key=r["key"], label=r["label"], curie=curie, iri=iri(curie),
                    synonyms=_split(r["aliases"]) + _split(r["exact_case_aliases"]))
        out[r["key"]] = AgentEntry(term, r["role"], _split(r["aliases"]),
                                   _split(r["exact_case_aliases"]))
    _noted("agents", {k: e.term for k, e in out.items()})
    return out


@cache
def phases() -> dict[str, Term]:
    return _noted("phases", {r["ctgov_phases"]: Term(
        key=r["ctgov_phases"], label=r["display"], curie=r["ncit_curie"],
        iri=iri(r["ncit_curie"]), synonyms=(r["ncit_label"],)) for r in table("trial_phases.tsv")})


@cache
def statuses() -> dict[str, Term]:
    return _noted("statuses", {r["ctgov_overall_status"]: Term(
        key=r["ctgov_overall_status"], label=r["display"], category=r["group"])
        for r in table("trial_statuses.tsv")})


@cache
def study_types() -> dict[str, Term]:
    return _noted("study_types", {r["ctgov_study_type"]: Term(
        key=r["ctgov_study_type"], label=r["display"], curie=r["ncit_curie"],
        iri=iri(r["ncit_curie"]), synonyms=(r["ncit_label"],)) for r in table("study_types.tsv")})


def _noted(name: str, terms: dict[str, TermT]) -> dict[str, TermT]:
    """``terms`` (a table's terms by key), each noted as the term of ``table_term(name, key)``
    (the first key of a term several keys give)."""
    for key, term in terms.items():
        from_table(term, name, key)
    return terms


_TABLES_OF_TERMS: dict[str, Callable[[], dict[str, Any]]] = {
    "targets": targets, "conditions": conditions, "cell_types": cell_types, "agents": agents,
    "phases": phases, "statuses": statuses, "study_types": study_types}
"""Each table whose terms ``_noted`` notes (its rows: a term, or an entry holding one)."""


def table_term(table: str, key: str) -> Term:
    """The term of ``key`` in the vocabulary table ``table`` (``targets``, ``conditions``,
    ``cell_types``, ``agents``, ``phases``, ``statuses`` or ``study_types``): how a table's
    term is pickled (``Term.__reduce__``).

    >>> table_term("phases", "PHASE1|PHASE2").label
    'Phase 1/Phase 2'
    """
    row = _TABLES_OF_TERMS[table]()[key]  # (each table is read once per process: cached)
    return row if isinstance(row, Term) else row.term


@cache
def vocabulary_iris() -> dict[str, str]:
    """Every IRI the tables define, with the table it comes from (for the resolution test)."""
    out: dict[str, str] = {}
    for e in targets().values():
        if e.term.iri:
            out[e.term.iri] = "targets.tsv"
    for t in conditions().values():
        out[t.iri or ""] = "conditions.tsv"
    for t in cell_types().values():
        out[t.iri or ""] = "cell_types.tsv"
    for a in agents().values():
        if a.term.iri:
            out[a.term.iri] = "agents.tsv"
    for t in list(phases().values()) + list(study_types().values()):
        out[t.iri or ""] = "trial_phases.tsv/study_types.tsv"
    out.pop("", None)
    return out


def lookup(text: str) -> dict[str, Any]:
    """What ``text`` normalises to, and why: the table, the row and the alias or rule used."""
    from celltx.ontology import matchers as mt
    from celltx.ontology.annotate import _platform, match_condition, normalise_organization

    out: dict[str, Any] = {"text": text}
    out["targets"] = [
        {"key": m.key, "symbol": targets()[m.key].term.symbol, "iri": targets()[m.key].term.iri,
         "kind": targets()[m.key].term.kind, "table": "targets.tsv", "alias": m.alias,
         "rule": "context-only alias (needs a therapy cue next to it)" if m.context_only
         else "alias"}
        for m in mt.find_targets(mt.MASKS.sub(lambda x: " " * len(x.group(0)), text))]
    out["product_codes"] = [
        {"code": m.key, "alias": m.alias, "table": "product_codes.tsv",
         "targets": list(product_codes()[m.key].targets),
         "platform": product_codes()[m.key].platform} for m in mt.find_codes(text)]
    hit = match_condition(text)
    out["condition"] = None if hit is None else {
        "key": hit[0], "label": conditions()[hit[0]].label, "iri": conditions()[hit[0]].iri,
        "category": conditions()[hit[0]].category, "table": "conditions.tsv", "rule": hit[1]}
    masked = mt.MASKS.search(text)
    out["platform"] = _platform(text)
    out["masked"] = masked.group(0) if masked else None
    out["agents"] = [{"key": m.key, "alias": m.alias, "iri": agents()[m.key].term.iri,
                      "role": agents()[m.key].role, "table": "agents.tsv"}
                     for m in mt.find_agents(text)]
    key, name, org_class = normalise_organization(text)
    out["organization"] = {"key": key, "name": name, "curated_class": org_class}
    return out
