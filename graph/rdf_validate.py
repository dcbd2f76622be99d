"""Checking an RDF export: it parses with rdflib and pyoxigraph, and conforms to shapes.ttl.

pyshacl runs without inference on one rdflib graph (the union of a TriG file's graphs, since
entity descriptions and trial facts sit in different named graphs); the vocabulary is part of
every export, so SHACL's rdfs:subClassOf rule lets a ctx:Target shape reach a ProteinTarget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import rdflib
from celltx.graph.rdf_writer import FORMATS, PREFIXES, format_of

RDFLIB_FORMAT = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "trig": "trig"}
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


class RdfParseError(ValueError):
    """An export that a parser rejects (names the file and the parser)."""


@dataclass(frozen=True)
class Violation:
    focus: str
    path: str | None
    message: str
    severity: str
    value: str | None = None
    shape: str | None = None

    def line(self) -> str:
        where = f" {compact(self.path)}" if self.path else ""
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{compact(self.focus)}{where}: {self.message}{value}"


def compact(iri: str) -> str:
    """An IRI as prefix:local when one of the export's prefixes covers it.

    >>> compact("https://w3id.org/celltx/vocab#platform")
    'ctx:platform'
    """
    best = max((ns for ns in PREFIXES.values() if iri.startswith(ns)), key=len, default=None)
    if best is None:
        return iri
    prefix = next(p for p, ns in PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


@dataclass
class ValidationReport:
    path: Path
    format: str
    triples: int
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path), "format": self.format, "triples": self.triples,
            "conforms": self.conforms, "seconds": {k: round(v, 3) for k, v in
                                                   self.seconds.items()},
            "violations": [v.__dict__ for v in self.violations],
        }


def load_shapes() -> rdflib.Graph:
    text = resources.files("celltx.ontology").joinpath("shapes.ttl").read_text(encoding="utf-8")
    return rdflib.Graph().parse(data=text, format="turtle")


def parse_with_rdflib(path: Path, fmt: str) -> rdflib.Graph:
    """The file as one rdflib graph (a TriG file's graphs merged)."""
    try:
        if fmt == "trig":
            ds = rdflib.Dataset()
            ds.parse(path, format="trig")
            merged = rdflib.Graph()
            for s, p, o, _ in ds.quads((None, None, None, None)):
                merged.add((s, p, o))
            return merged
        return rdflib.Graph().parse(path, format=RDFLIB_FORMAT[fmt])
    except Exception as exc:  # rdflib raises many kinds of parser errors
        raise RdfParseError(f"{path}: rdflib cannot parse it as {fmt}: {exc}") from None


def parse_with_pyoxigraph(path: Path, fmt: str) -> int:
    """Number of statements pyoxigraph reads from the file (raises on a syntax error)."""
    try:
        return sum(1 for _ in ox.parse(path=path, format=FORMATS[fmt]))
    except SyntaxError as exc:
        raise RdfParseError(f"{path}: pyoxigraph cannot parse it as {fmt}: {exc}") from None


def shacl_violations(data: rdflib.Graph, shapes: rdflib.Graph | None = None
                     ) -> list[Violation]:
    """Every SHACL result of ``data`` against shapes.ttl, sorted by focus node and path."""
    import pyshacl

    _, results, _ = pyshacl.validate(data, shacl_graph=shapes or load_shapes(),
                                     inference="none", advanced=False, allow_warnings=True)
    out = []
    for r in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        def one(pred: rdflib.URIRef, r: rdflib.term.Node = r) -> str | None:
            v = results.value(r, pred)
            return None if v is None else str(v)

        path = results.value(r, SH.resultPath)
        if isinstance(path, rdflib.BNode):
            inverse = results.value(path, SH.inversePath)
            path_text: str | None = f"^{inverse}" if inverse is not None else "(complex path)"
        else:
            path_text = None if path is None else str(path)
        severity = one(SH.resultSeverity) or str(SH.Violation)
        out.append(Violation(
            focus=one(SH.focusNode) or "?", path=path_text,
            message=one(SH.resultMessage) or "constraint not met",
            severity=severity.rsplit("#", 1)[-1], value=one(SH.value),
            shape=one(SH.sourceShape) if not isinstance(results.value(r, SH.sourceShape),
                                                        rdflib.BNode) else None,
        ))
    return sorted(out, key=lambda v: (v.focus, v.path or "", v.message))


def validate_file(path: Path, fmt: str | None = None) -> ValidationReport:
    """Parse the export with both parsers and check it against the shapes."""
    fmt = fmt or format_of(path)
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    n_ox = parse_with_pyoxigraph(path, fmt)
    seconds["pyoxigraph_parse"] = time.perf_counter() - t
    t = time.perf_counter()
    data = parse_with_rdflib(path, fmt)
    seconds["rdflib_parse"] = time.perf_counter() - t
    if fmt != "trig" and len(data) != n_ox:
        raise RdfParseError(f"{path}: rdflib read {len(data)} triples, pyoxigraph {n_ox}")
    t = time.perf_counter()
    violations = shacl_violations(data)
    seconds["shacl"] = time.perf_counter() - t
    errors = [v for v in violations if v.severity == "Violation"]
    return ValidationReport(path=path, format=fmt, triples=len(data), conforms=not errors,
                            violations=violations, seconds=seconds)
