"""The shipped vocabulary tables: sizes, identifiers checked against the reference files."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest
from celltx.ontology import vocab
from celltx.ontology.annotate import match_condition
from celltx.ontology.identifiers import iri


def test_tables_are_large_enough() -> None:
    assert len(vocab.targets()) >= 40
    full = [t for t in vocab.conditions().values() if len(t.xrefs) == 2]
    assert len(full) >= 60  # MONDO with both NCIt and DOID cross-references


def test_every_condition_has_a_category() -> None:
    cats = {t.category for t in vocab.conditions().values()}
    assert cats <= {"haematological", "solid", "autoimmune", "other"}
    assert None not in cats


@pytest.mark.parametrize("text,key", [
    ("AML", "AML"), ("Leukemia, Myeloid, Acute", "AML"), ("Relapsed/Refractory SCLC", "SCLC"),
    ("Systemic Lupus Erythematosus", "SLE"), ("Extranodal NK/T-cell lymphoma, nasal type", "NKTCL"),
    ("Hepatocellular Carcinoma", "HCC")])
def test_registry_condition_strings_map(text: str, key: str) -> None:
    hit = match_condition(text)
    assert hit is not None and hit[0] == key


def test_product_code_targets_exist() -> None:
    for entry in vocab.product_codes().values():
        assert set(entry.targets) <= set(vocab.targets())


def test_every_product_iri_resolves_to_a_table_entry() -> None:
    known = vocab.vocabulary_iris()
    for t in vocab.targets().values():
        assert t.term.iri is None or t.term.iri in known
    assert iri("HGNC:1659") in known and iri("MONDO:0018874") in known


def test_target_identifiers_match_hgnc(shared_corpus: Path) -> None:
    path = shared_corpus.parent / "reference" / "vocab" / "hgnc" / "hgnc_complete_set.tsv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        hgnc = {r["hgnc_id"]: r for r in csv.DictReader(fh, delimiter="\t")}
    for e in vocab.targets().values():
        if e.term.hgnc_id:
            row = hgnc[e.term.hgnc_id]
            assert row["symbol"] == e.term.symbol
            assert e.term.uniprot in row["uniprot_ids"].split("|")


def test_condition_identifiers_match_mondo(shared_corpus: Path) -> None:
    ref = shared_corpus.parent / "reference" / "vocab" / "mondo"
    labels = {r["curie"]: r["label"] for r in csv.DictReader(
        (ref / "mondo_labels.tsv").open(encoding="utf-8"), delimiter="\t")}
    pairs = set()
    for name in ("ncit", "doid"):
        for line in (ref / f"mondo_exactmatch_{name}.sssom.tsv").open(encoding="utf-8"):
            f = line.split("\t")
            if len(f) > 3:
                pairs.add((f[0], f[3]))
    ncit_labels = {r["curie"]: r["label"] for r in csv.DictReader(
        (ref.parent / "ncit" / "ncit_disease_terms_2018.tsv").open(encoding="utf-8"),
        delimiter="\t")}
    mapped_ncit = {x for _, x in pairs if x.startswith("NCIT:")}
    for t in vocab.conditions().values():
        if not (t.curie or "").startswith("MONDO:"):
            # an NCIt class that MONDO has no class for ("solid neoplasm", "B-cell leukemia"):
            # the row's label is NCIt's
            assert (t.curie or "").startswith("NCIT:") and t.curie not in mapped_ncit, t.key
            assert ncit_labels[t.curie or ""].casefold() in t.label.casefold(), t.key
            continue
        assert labels[t.curie or ""] in t.label
        for x in t.xrefs:
            assert (t.curie, x) in pairs


def test_shipped_prefix_map_equals_bioregistry() -> None:
    """prefixes.json spares every build the bioregistry import; it must not drift from it."""
    from celltx.ontology.identifiers import converter, converter_from_bioregistry

    shipped, live = converter(), converter_from_bioregistry()
    assert shipped.prefix_map == live.prefix_map and len(shipped.prefix_map) >= 5
    assert shipped.expand("HGNC:1659") == "https://identifiers.org/hgnc:1659"
