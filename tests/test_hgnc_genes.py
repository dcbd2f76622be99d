"""The HGNC gene matcher: trial phrases, ordinary text, the shipped table and its generator."""

from __future__ import annotations

import gzip
import hashlib
import random
import string
from pathlib import Path

import pytest
from celltx.ontology import hgnc_genes
from celltx.ontology.hgnc_genes import GeneMention, find_gene_mentions, gene, resolve

SOURCE = (Path(__file__).resolve().parents[1].parent
          / "shared" / "reference" / "vocab" / "hgnc" / "hgnc_complete_set.tsv.gz")


def symbols(text: str) -> list[str]:
    return [m.symbol for m in find_gene_mentions(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("anti-STEAP1 CAR-T", ["STEAP1"]),
    ("CAIX-targeted CAR T cells", ["CA9"]),
    ("CSPG4-specific CAR", ["CSPG4"]),
    ("ALK CAR T", ["ALK"]),
    ("PHOX2B", ["PHOX2B"]),
    ("PHOX2B TCR", ["PHOX2B"]),
    ("carbonic anhydrase IX", ["CA9"]),
    ("Carbonic Anhydrase 9", ["CA9"]),
    ("CD19-CAR", ["CD19"]),
    ("antiCD19", ["CD19"]),
    ("CD-19", ["CD19"]),
    ("CD19CAR-T cells", ["CD19"]),
    ("EphA2", ["EPHA2"]),
    ("Her2", ["ERBB2"]),
    ("HER2", ["ERBB2"]),
    ("HER-2 positive", ["ERBB2"]),
    ("BCMA", ["TNFRSF17"]),
    ("GPRC5D", ["GPRC5D"]),
    ("glypican-3 CAR", ["GPC3"]),
    ("mesothelin-targeted CAR T cells", ["MSLN"]),
    ("Claudin 18.2 CAR-T", ["CLDN18"]),
    ("dual CD20/CD19 CAR", ["MS4A1", "CD19"]),
    ("B7-H3 and B7H3", ["CD276", "CD276"]),
    ("survivin-specific TCR", ["BIRC5"]),
    ("anti-MET CAR", ["MET"]),
])
def test_trial_phrases(text: str, expected: list[str]) -> None:
    assert symbols(text) == expected


@pytest.mark.parametrize("text", [
    "Phase I study of safety in ALL and AML patients with CRS",
    "The impact of large doses",
    "THE IMPACT OF LARGE DOSES",
    "patients with MS",
    "T cells",
    "NK cells",
    "CAR T",
    "IL-2",
    "at day 28",
    "a single dose",
    "CAR.GD2",
    "MOv19",
    "Functional Assessment of Cancer Therapy (FACIT) and CNS1 status in CR2",
    "MB-CART20.1 and TH-CART-027",
    "the SET and CAT scores",
    "Glucagon-like peptide 1",
    "human epidermal growth factor receptor 2",
    "University Hospital, Manchester, M20 4BX, United Kingdom",
])
def test_ordinary_text_has_no_genes(text: str) -> None:
    assert find_gene_mentions(text) == []


def test_mention_fields_and_spans() -> None:
    text = "A trial of anti-CD-19 and CAIX-targeted CAR T cells"
    mentions = find_gene_mentions(text)
    assert mentions == [
        GeneMention("CD19", "HGNC:1633", 16, 21, "CD-19", "symbol"),
        GeneMention("CA9", "HGNC:1383", 26, 30, "CAIX", "alias"),
    ]
    for m in mentions:
        assert text[m.start:m.end] == m.alias


def test_kinds() -> None:
    assert [m.kind for m in find_gene_mentions("BCMA")] == ["previous"]
    assert [m.kind for m in find_gene_mentions("carbonic anhydrase IX")] == ["name"]
    assert [m.kind for m in find_gene_mentions("PD-1")] == []  # "PD1" is shared by three genes


def test_a_previous_symbol_outranks_another_genes_alias() -> None:
    # GARP: previous symbol of LRRC32, alias of CNGB1; "anti-GARP CAR" aims at LRRC32
    assert [(m.symbol, m.kind) for m in find_gene_mentions("anti-GARP CAR T cells")] == [
        ("LRRC32", "previous")]
    # two genes' aliases and nobody's previous symbol: still dropped
    assert find_gene_mentions("anti-PD1 CAR") == []


def test_cue_only_symbols_need_a_targeting_cue() -> None:
    assert find_gene_mentions("the SET score") == []
    (mention,) = find_gene_mentions("IL-2 CAR")
    assert (mention.symbol, mention.kind, mention.ambiguous) == ("IL2", "symbol", True)
    assert [m.symbol for m in find_gene_mentions("anti-TNF therapy")] == ["TNF"]
    assert find_gene_mentions("EGFR")[0].ambiguous is False


def test_longest_match_wins() -> None:
    # "interleukin 3 receptor subunit alpha" contains the name of IL3.
    assert symbols("Interleukin-3 Receptor Subunit Alpha Positive") == ["IL3RA"]
    assert symbols("CD190") == []


def test_gene_lookup() -> None:
    record = gene("CA9")
    assert record is not None
    assert (record.hgnc_id, record.symbol, record.name, record.uniprot) == (
        "HGNC:1383", "CA9", "carbonic anhydrase 9", "Q16790")
    assert "CAIX" in record.aliases
    assert gene("CAIX") is None
    assert gene("NOT-A-GENE") is None


def test_resolve() -> None:
    assert resolve("CAIX") == ["CA9"]
    assert resolve("BCMA") == ["TNFRSF17"]
    assert resolve("CD19") == ["CD19"]
    assert resolve("CD-19") == ["CD19"]
    assert resolve("EphA2") == ["EPHA2"]
    assert resolve("carbonic anhydrase IX") == ["CA9"]
    assert resolve("mesothelin") == ["MSLN"]
    assert resolve("PD-1") == ["PDCD1"]
    assert sorted(resolve("PD1")) == ["PDCD1", "SNCA", "SPATA2"]
    assert resolve("no such gene") == []


def test_table_is_small_and_protein_coding() -> None:
    assert hgnc_genes.TABLE.stat().st_size < 1_000_000
    genes = hgnc_genes.records()
    assert len(genes) > 19_000
    assert len({g.symbol for g in genes}) == len(genes)
    with gzip.open(hgnc_genes.TABLE, "rt", encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n").split("\t") == list(hgnc_genes.COLUMNS)


def test_index_stats() -> None:
    stats = hgnc_genes.index_stats()
    assert stats["genes"] == len(hgnc_genes.records())
    assert stats["forms"] > stats["genes"]


def test_generator_is_deterministic(tmp_path: Path) -> None:
    source = tmp_path / "hgnc.tsv"
    source.write_text(
        "hgnc_id\tsymbol\tname\tlocus_group\tstatus\talias_symbol\tprev_symbol\t"
        "ensembl_gene_id\tuniprot_ids\tentrez_id\trefseq_accession\n"
        "HGNC:1383\tCA9\tcarbonic anhydrase 9\tprotein-coding gene\tApproved\tMN|CAIX\t\t"
        "ENSG00000107159\tQ16790\t768\tNM_001216\n"
        "HGNC:5\tA1BG\talpha-1-B glycoprotein\tprotein-coding gene\tApproved\t\t\t"
        "ENSG00000121410\tP04217|P00000\t1\tNM_130786\n"
        "HGNC:37133\tA1BG-AS1\tA1BG antisense RNA 1\tnon-coding RNA\tApproved\t\t\t\t\t\t\n",
        encoding="utf-8")
    first, second = hgnc_genes.build_table(source), hgnc_genes.build_table(source)
    assert first == second
    assert gzip.decompress(first).decode() == (
        "hgnc_id\tsymbol\tname\talias_symbol\tprev_symbol\tuniprot\n"
        "HGNC:5\tA1BG\talpha-1-B glycoprotein\t\t\tP04217\n"
        "HGNC:1383\tCA9\tcarbonic anhydrase 9\tMN|CAIX\t\tQ16790\n")


def test_command_line_build(tmp_path: Path) -> None:
    if not SOURCE.exists():
        pytest.skip("../shared/reference/vocab/hgnc is not present")
    output = tmp_path / "genes.tsv.gz"
    assert hgnc_genes.main(["build", str(SOURCE), "--output", str(output)]) == 0
    assert output.read_bytes() == hgnc_genes.build_table(SOURCE)


def test_shipped_table_matches_a_fresh_build() -> None:
    if not SOURCE.exists():
        pytest.skip("../shared/reference/vocab/hgnc is not present")
    fresh = hgnc_genes.build_table(SOURCE)
    shipped = hgnc_genes.TABLE.read_bytes()
    # Compare the content: another zlib build may compress the same text differently.
    assert gzip.decompress(shipped) == gzip.decompress(fresh)


def test_many_short_strings() -> None:
    rng = random.Random(20260620)
    alphabet = string.ascii_letters + string.digits + " -./()" + "αζβ"
    pieces = ["CD19", "anti-", "CAR", "HER2", "CD-", "IX", "T cells", "IL-2", "x"]
    for _ in range(10_000):
        text = "".join(rng.choice(pieces) if rng.random() < 0.3 else rng.choice(alphabet)
                       for _ in range(rng.randint(0, 30)))
        for m in find_gene_mentions(text):
            assert 0 <= m.start < m.end <= len(text)
            assert text[m.start:m.end] == m.alias
            assert m.kind in hgnc_genes.KINDS


def test_shipped_index_is_the_spellings_of_the_shipped_table() -> None:
    from celltx.ontology import hgnc_genes

    assert hgnc_genes._stored_lines() is not None, (
        "run: python -m celltx.ontology.hgnc_genes build")
    assert gzip.decompress(hgnc_genes.INDEX.read_bytes()) == gzip.decompress(
        hgnc_genes.build_index())


def test_index_read_from_the_table_when_the_stored_one_is_stale(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without a stored index for the shipped table (missing, or stamped for another table),
    the spellings are made from the table: the same automaton keys and the same mentions, whose
    entries are read from a key's line only when a text holds it."""
    from celltx.ontology import hgnc_genes

    texts = ["anti-CD-19 and CAIX-targeted CAR", "EphA2- and Her2-specific CAR T cells",
             "carbonic anhydrase IX and glypican-3 CAR-T", "anti-BCMA/GPRC5D", "IL13Ra2 CAR"]
    stored = [hgnc_genes.find_gene_mentions(t) for t in texts]
    keys = len(hgnc_genes._index().automaton)
    assert any(stored) and keys > 100_000
    stale = tmp_path / "index.tsv.gz"
    stale.write_bytes(gzip.compress(b"# sha256 0000\nCD19\tCD19\tCD19\tHGNC:1633\tsymbol\t\n"))
    # the first layout (an entry a line), stamped for the shipped table: read as it is, its
    # lines would give the wrong fields
    first_layout = tmp_path / "first-layout.tsv.gz"
    digest = hashlib.sha256(hgnc_genes.TABLE.read_bytes()).hexdigest()
    first_layout.write_bytes(gzip.compress(
        f"# sha256 {digest}\nCD19\tCD19\tHGNC:1633\tsymbol\t\n".encode()))
    for index in (stale, first_layout, tmp_path / "missing.tsv.gz"):
        monkeypatch.setattr(hgnc_genes, "INDEX", index)
        hgnc_genes._index.cache_clear()
        try:
            assert hgnc_genes._stored_lines() is None
            assert [hgnc_genes.find_gene_mentions(t) for t in texts] == stored
            assert len(hgnc_genes._index().automaton) == keys
        finally:
            hgnc_genes._index.cache_clear()
