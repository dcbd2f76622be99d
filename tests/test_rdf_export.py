"""The RDF export: formats that parse back, public IRIs, labels, provenance, named graphs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
import rdflib
from celltx.graph.rdf_validate import parse_with_pyoxigraph, parse_with_rdflib
from celltx.graph.rdf_writer import (
    CLASS_OF_LABEL,
    DEFAULT_BASE,
    DIRECT_PROPERTY,
    NODE_PROPERTIES,
    VOCAB,
    ExportOptions,
    iter_quads,
    source_iri,
    write_rdf,
)
from celltx.graph.schema import NODE_LABELS, RELATIONSHIPS
from rdflib.namespace import DCTERMS, RDF, RDFS

CTX = rdflib.Namespace(VOCAB)
TTL = Path(__file__).parents[1] / "ontology" / "celltx.ttl"


def _export(graph: Any, tmp_path: Path, fmt: str, **options: Any) -> Path:
    path = tmp_path / f"export.{fmt}"
    write_rdf(graph, path, fmt, ExportOptions(**options))
    return path


@pytest.fixture(scope="module")
def mini_ttl(mini_graph: Any, tmp_path_factory: pytest.TempPathFactory) -> rdflib.Graph:
    path = _export(mini_graph, tmp_path_factory.mktemp("rdf"), "ttl")
    return rdflib.Graph().parse(path, format="turtle")


def _trial(nct: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"https://identifiers.org/clinicaltrials:{nct}")


@pytest.mark.parametrize("fmt", ["ttl", "nt", "jsonld", "trig"])
def test_every_format_parses_back_with_both_parsers(mini_graph: Any, tmp_path: Path,
                                                    fmt: str) -> None:
    path = _export(mini_graph, tmp_path, fmt)
    graph = parse_with_rdflib(path, fmt)
    statements = parse_with_pyoxigraph(path, fmt)
    assert len(graph) > 10 * mini_graph.g.number_of_nodes()
    if fmt == "trig":  # the same triple may sit in several source graphs
        assert statements >= len(graph)
    else:
        assert statements == len(graph)


def test_formats_hold_the_same_triples(mini_graph: Any, tmp_path: Path) -> None:
    when = __import__("datetime").datetime(2026, 1, 2, 3, 4, 5)
    sets = {}
    for fmt in ("ttl", "nt", "jsonld"):
        path = _export(mini_graph, tmp_path, fmt, generated_at=when)
        sets[fmt] = {(t.subject, t.predicate, t.object)
                     for t in (q.triple for q in ox.parse(path=path,
                                                          format=ox.RdfFormat.from_extension(fmt)
                                                          if fmt != "jsonld"
                                                          else ox.RdfFormat.JSON_LD))}
    assert sets["ttl"] == sets["nt"] == sets["jsonld"]


def test_seed_entities_have_their_public_iris(mini_ttl: rdflib.Graph) -> None:
    trial = _trial("NCT05008575")
    products = list(mini_ttl.objects(trial, CTX.hasProduct))
    assert len(products) == 1
    assert rdflib.URIRef("https://identifiers.org/hgnc:1659") in set(
        mini_ttl.objects(products[0], CTX.targets))
    assert (products[0], CTX.baseCellType,
            rdflib.URIRef("http://purl.obolibrary.org/obo/CL_0000623")) in mini_ttl
    assert (trial, CTX.studiesCondition,
            rdflib.URIRef("http://purl.obolibrary.org/obo/MONDO_0018874")) in mini_ttl
    assert str(products[0]).startswith("https://w3id.org/celltx/product/")


def test_seed_entities_in_the_sample_export(sample_graph: Any, tmp_path: Path) -> None:
    if not any(True for _ in sample_graph.nodes("Product")):
        pytest.skip("the sample has no products yet (normaliser not merged)")
    store = ox.Store()
    store.bulk_extend(iter_quads(sample_graph))
    for iri, cls in (("https://identifiers.org/hgnc:1659", "Target"),
                     ("http://purl.obolibrary.org/obo/MONDO_0018874", "Condition"),
                     ("http://purl.obolibrary.org/obo/CL_0000623", "CellType")):
        assert store.query(f"ASK {{ <{iri}> a <{VOCAB}{cls}> ; "
                           "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")


def test_every_typed_resource_has_a_label(mini_ttl: rdflib.Graph) -> None:
    typed = set(mini_ttl.subjects(RDF.type, None))
    unlabelled = [s for s in typed if (s, RDFS.label, None) not in mini_ttl]
    assert len(typed) > 50
    assert unlabelled == []


def test_registry_strings_are_kept_beside_the_iris(mini_ttl: rdflib.Graph) -> None:
    written = {str(o) for q in mini_ttl.objects(_trial("NCT05008575"),
                                                 CTX.hasQualifiedRelation)
               for o in mini_ttl.objects(q, CTX.asWritten)}
    assert {"Leukemia, Myeloid, Acute", "Xinqiao Hospital of Chongqing", "Cytoxan"} <= written


def test_lead_sponsor_and_role_are_both_stated(mini_ttl: rdflib.Graph) -> None:
    trial = _trial("NCT02000001")
    leads = set(mini_ttl.objects(trial, CTX.leadSponsor))
    collaborators = set(mini_ttl.objects(trial, CTX.collaborator))
    assert len(leads) == 1 and len(collaborators) == 1
    assert set(mini_ttl.objects(trial, CTX.sponsoredBy)) == leads | collaborators


def test_every_vocabulary_term_used_is_declared(mini_ttl: rdflib.Graph) -> None:
    vocab = rdflib.Graph().parse(TTL, format="turtle")
    declared = {s for s in vocab.subjects() if str(s).startswith(VOCAB)}
    used = {t for triple in mini_ttl for t in triple
            if isinstance(t, rdflib.URIRef) and str(t).startswith(VOCAB)}
    assert used and used <= declared, sorted(used - declared)
    for term in declared:
        assert (term, RDFS.label, None) in vocab and (term, RDFS.comment, None) in vocab


def test_every_schema_label_and_relationship_has_a_mapping() -> None:
    assert set(NODE_LABELS) == set(CLASS_OF_LABEL) == set(NODE_PROPERTIES)
    assert set(RELATIONSHIPS) == set(DIRECT_PROPERTY)


def test_vocabulary_and_dataset_description_are_included(mini_ttl: rdflib.Graph) -> None:
    void = rdflib.Namespace("http://rdfs.org/ns/void#")
    prov = rdflib.Namespace("http://www.w3.org/ns/prov#")
    ds = rdflib.URIRef("https://w3id.org/celltx/dataset")
    assert (CTX.Trial, RDF.type, rdflib.OWL.Class) in mini_ttl
    assert int(mini_ttl.value(ds, void.triples)) == len(mini_ttl)
    activity = mini_ttl.value(ds, prov.wasGeneratedBy)
    software = mini_ttl.value(activity, prov.wasAssociatedWith)
    from celltx import __version__
    assert str(mini_ttl.value(software, rdflib.URIRef("http://schema.org/softwareVersion"))) \
        == __version__
    sources = {str(mini_ttl.value(s, DCTERMS.title)) for s in mini_ttl.objects(ds, prov.used)} \
        | {str(mini_ttl.value(s, DCTERMS.title)) for s in mini_ttl.objects(activity, prov.used)}
    assert "mini.json" in sources
    trials = sum(1 for _ in mini_ttl.subjects(RDF.type, CTX.Trial))
    part = rdflib.URIRef("https://w3id.org/celltx/dataset/class/Trial")
    assert int(mini_ttl.value(part, void.entities)) == trials


def test_trig_puts_each_source_in_its_own_graph(sample_graph: Any, sample_graph_dir: Path,
                                               tmp_path: Path) -> None:
    from celltx.graph import store

    stats = store.load_stats(sample_graph_dir)
    path = tmp_path / "sample.trig"
    write_rdf(sample_graph, path, "trig", ExportOptions(stats=stats))
    ds = ox.Dataset(ox.parse(path=path, format=ox.RdfFormat.TRIG))
    graphs = {q.graph_name.value for q in ds if isinstance(q.graph_name, ox.NamedNode)}
    source_graphs = {g for g in graphs if "/source/" in g}
    assert len(source_graphs) == len(stats["sources"])
    # every trial record ref sits in the graph of its own file
    refs = [q for q in ds if q.predicate.value == VOCAB + "sourceRecord"]
    assert len(refs) >= sum(1 for _ in sample_graph.nodes("Trial"))
    for q in refs:
        assert q.graph_name.value == source_iri(DEFAULT_BASE, q.object.value.rsplit("#", 1)[0])


def test_base_iri_moves_our_resources_only(mini_graph: Any, tmp_path: Path) -> None:
    path = _export(mini_graph, tmp_path, "nt", base="https://example.org/ct/")
    text = path.read_text(encoding="utf-8")
    assert "<https://example.org/ct/product/NCT05008575-P1>" in text
    assert "https://w3id.org/celltx/product/" not in text
    assert "<https://identifiers.org/hgnc:1659>" in text
    assert "<https://w3id.org/celltx/vocab#Trial>" in text


def test_variant_target_gets_its_own_iri_linked_to_the_gene(mini_graph: Any,
                                                            tmp_path: Path) -> None:
    graph = copy.deepcopy(mini_graph)
    node = graph.g.nodes["Target:CD38"]
    node.update(kind="variant", qualifier="made-up isoform")
    path = _export(graph, tmp_path, "ttl")
    g = rdflib.Graph().parse(path, format="turtle")
    own = rdflib.URIRef("https://w3id.org/celltx/target/CD38")
    assert (own, RDF.type, CTX.VariantTarget) in g
    assert (own, CTX.variantOf, rdflib.URIRef("https://identifiers.org/hgnc:1667")) in g


def test_a_bad_iri_names_the_node(mini_graph: Any, tmp_path: Path) -> None:
    from celltx.graph.rdf_writer import RdfExportError

    graph = copy.deepcopy(mini_graph)
    graph.g.nodes["Target:CD33"]["iri"] = "not an iri"
    with pytest.raises(RdfExportError, match="Target:CD33"):
        _export(graph, tmp_path, "nt")


def test_cli_export_writes_the_chosen_format(sample_graph_dir: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from celltx.cli import app

    out = tmp_path / "g.nt"
    result = CliRunner().invoke(app, ["export", "rdf", str(out), "--graph",
                                      str(sample_graph_dir), "--json"])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").count("\n")
    assert f'"statements": {lines}' in result.output
