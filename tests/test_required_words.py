"""The words a regex needs: sound (a text a pattern matches always holds its words), and sharp
enough to rule out most texts that do not name a cell therapy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from celltx.loaders import iter_sources, read_source
from celltx.loaders.ctgov_v2 import study_text, study_to_record
from celltx.ontology import annotate as an
from celltx.ontology import matchers as mt
from celltx.ontology import required_words as rw
from celltx.ontology.annotate import record_text
from celltx.ontology.scope import CELL_THERAPY_CONTEXT, may_be_in_scope, may_be_in_scope_text

from celltx.models import Provenance, SourceFormat, TrialRecord
from celltx.pipeline import sample_paths

B, E, C = rw.BOUNDARY, rw.EDGE, rw.CASED


def test_required_words_expand_small_runs() -> None:
    assert rw.required_words(r"(?i:\bCAR[- ]?T\b|chimeric antigen)") == {
        "car t", "car-t", "cart", "chimeric antigen"}
    # a word that holds another of the set adds nothing
    assert rw.required_words(r"\bTILs?\b") == {"til"}
    # an alternative that requires nothing makes the whole pattern unknown
    assert rw.required_words(r"CAR|\w+") is None


def test_rules_keep_boundaries_edges_case_and_conjunctions() -> None:
    assert rw.required_rules(r"(?i:\bCAR\b)") == [(frozenset({B + "car" + B}),)]
    assert rw.required_rules(r"(?<![A-Za-z0-9])(?i:CT041)(?![A-Za-z0-9])") == [
        (frozenset({E + "ct041" + E}),)]  # literal digits stay
    # where the pattern says \d, any digit will do: the word is matched on folded digits
    assert rw.required_rules(r"(?i:\bCAR\d\b)") == [(frozenset({rw.DIGITS + B + "car0" + B}),)]
    [(cased,)] = rw.required_rules(r"[A-Z]CAR-T")  # a small class expands: "ACAR-T" …
    assert len(cased) == 26 and all(w.startswith(C) and w.endswith("CAR-T") for w in cased)
    # each alternative is its own rule; a sequence needs every part that needs words
    assert rw.required_rules(r"(?i:CAR\w*NK|natural killer)", boundaries=False) == [
        (frozenset({"car"}), frozenset({"nk"})), (frozenset({"natural killer"}),)]
    # white space folds to one space, so "cell\s+injection" is one word
    assert rw.required_rules(r"(?i)\d+\s+cells?\s+injection", boundaries=False) == [
        (frozenset({" cell injection", " cells injection"}),)]


def test_word_rules_check_boundaries_case_and_digits() -> None:
    rules = rw.WordRules(rw.required_rules(
        r"(?i:\bCAR\b|\bCAR\d{1,3}\b)|(?<![A-Za-z0-9])(?i:CT041)(?![A-Za-z0-9])|[A-Z]CAR-T"))
    assert rules.holds("a CAR product") and rules.holds("CAR19 cells")
    assert not rules.holds("carcinoma of the cardia, with care")
    assert rules.holds("CT-041".replace("-", "")) and rules.holds("given CT041.")
    assert not rules.holds("see NCT04100000")  # "ct041" inside an NCT number
    assert not rules.holds("AZD0120 is not CT042")
    assert rules.holds("XCAR-T") and not rules.holds("xcar-t")
    assert rules.holds("CAR١٩ cells")  # any decimal digit is a digit, as for \d


def _patterns() -> list[str]:
    return [rx.pattern for _n, rx in mt.PLATFORM_CUES] + [
        an._TARGETED_CELLS.pattern, an._CONSTRUCT_CELLS.pattern, an._CODE_CELLS.pattern,
        mt.code_regex()[0].pattern, CELL_THERAPY_CONTEXT.pattern]


TRICKY = [
    "CD19 CAR\u2003T cells", "CD19-CAR_T", "Vγ9Vδ2 T cells", "NK-92MI", "CAR١٩ cells",
    "anti-CD19\nCAR  T", "CT 041 injection", "iC9/CAR19/IL15 CB-NK", "UCART123", "BCMA-CART",
    "CAR.70 NK cells", "MSLN STAR-T cells", "HER2(EQ)BBζ/CD19t+ T cells", "LY011 cell injection",
    "cilta-cel", "GC012F", "TILs", "a DLI", "CARv3-TEAM-E", "γδ T-cells", "KYV-101",
]


def test_every_match_holds_its_words(shared_corpus: Path) -> None:
    """Soundness on real and tricky texts: wherever a pattern matches, its rules hold."""
    texts = list(TRICKY)
    for source in iter_sources([*sample_paths(), shared_corpus / "ctgov-csv"]):
        for rec in read_source(source)[1]:
            if isinstance(rec, TrialRecord):
                texts.append(record_text(rec))
    checked = 0
    for pattern in _patterns():
        rx = mt.re.compile(pattern)
        rules = rw.WordRules(rw.required_rules(pattern) or [])
        for text in texts:
            if rx.search(text):
                checked += 1
                assert rules.holds(text), (pattern[:60], text[:200])
    assert checked > 10_000


@pytest.fixture
def corpus_studies(shared_corpus: Path) -> list[dict]:  # type: ignore[type-arg]
    studies = []
    for path in sorted((shared_corpus / "ctgov-v2").rglob("*.json")):
        data = json.loads(path.read_bytes())
        items = data.get("studies", [data]) if isinstance(data, dict) else data
        studies += [s for s in items if isinstance(s, dict)]
    return studies


def test_raw_screen_is_never_stricter_than_the_record_prefilter(corpus_studies: list) -> None:
    """Loaders screen a raw study's text before validating it: the same verdict or a kinder one
    than the prefilter on the record built from it."""
    screened_out = 0
    for i, study in enumerate(corpus_studies):
        rec = study_to_record(study, Provenance(path="c", format=SourceFormat.CTGOV_V2_JSON,
                                                record=i))
        if isinstance(rec, TrialRecord):
            raw = may_be_in_scope_text(study_text(study))
            assert raw or not may_be_in_scope(rec), rec.nct_id
            screened_out += not raw
    assert screened_out > 50


def test_screen_rules_out_most_texts_without_a_cell_therapy(shared_corpus: Path) -> None:
    """Sharpness: of the corpus' CSV rows that name no cell therapy (no cue, code or context
    at all), the screen passes few."""
    passed = total = 0
    for source in iter_sources([shared_corpus / "ctgov-csv"]):
        for rec in read_source(source)[1]:
            if isinstance(rec, TrialRecord) and not an.annotate(rec).is_cell_therapy:
                total += 1
                passed += may_be_in_scope(rec)
    assert total > 3000 and passed / total < 0.25


def test_alternatives_are_cut_at_the_top_level_only() -> None:
    split = mt._top_alternatives
    assert split(r"(?i)\bantigens?\s*\(x\)|CAR[|)]") == ("(?i)", (r"\bantigens?\s*\(x\)",
                                                                     "CAR[|)]"))
    assert split(r"(?i:a\|b|c(?:d|e))|(?-i:F|G)") == ("", (r"(?i:a\|b)", "(?i:c(?:d|e))",
                                                           "(?-i:F)", "(?-i:G)"))
    # a group followed by more is one alternative; a lookbehind group is not opened
    assert split(r"(?:a|b)c|(?<=x)(?:y|z)") == ("", ("(?:a|b)c", "(?<=x)(?:y|z)"))
    assert split(r"[]|]x|[^]|]y") == ("", ("[]|]x", "[^]|]y"))
    assert mt._alternatives_of(r"(a)|b", mt.re.compile(r"(a)|b")) is None  # groups renumber


def test_prefiltered_patterns_read_with_the_alternatives_a_text_holds_match_as_whole() -> None:
    """Every prefiltered pattern of the annotator, read with only the alternatives whose words
    a text holds, finds exactly the matches (and substitutions) of the whole pattern."""
    assert an.annotate  # (the annotator's patterns registered)
    texts = list(TRICKY)
    records = [rec for source in iter_sources(sample_paths()) for rec in read_source(source)[1]
               if isinstance(rec, TrialRecord)]
    for i, rec in enumerate(records):  # every title and intervention; a fifth of the records
        texts += [rec.title or "", *(i.name for i in rec.interventions)]
        if i % 5 == 0:
            texts.append(record_text(rec))
    texts = list(dict.fromkeys(texts))
    patterns = list(mt._PREFILTERED)
    for p in patterns:
        p.prepare()
    gated = [p for p in patterns if p._alternatives is not None]
    assert len(gated) >= 10
    matches = 0
    for p in gated:
        for text in texts:
            whole = [(m.span(), m.group(0)) for m in p.rx.finditer(text)]
            assert [(m.span(), m.group(0)) for m in p.finditer(text)] == whole, (
                p.pattern[:60], text[:200])
            assert p.sub("#", text) == p.rx.sub("#", text)
            matches += len(whole)
    assert len(texts) > 3000 and matches > 500


def test_minimal_words_keep_exactly_those_that_hold_no_other_of_their_kind() -> None:
    import random

    def reference(words: set[str]) -> frozenset[str]:  # the definition, pair by pair
        def kind(w: str) -> str:
            return w[:1] if w[:1] in rw.CASED + rw.DIGITS else ""
        return frozenset(w for w in words if not any(
            v != w and kind(v) == kind(w) and v[len(kind(v)):] in w[len(kind(w)):]
            for v in words))

    rng = random.Random(7)
    for size in (3, 20, 40, 200):  # both the pairwise loop and the automaton (> 32 words)
        for _ in range(20):
            words = {rng.choice(["", rw.CASED, rw.DIGITS]) + "".join(
                rng.choice("abc ") for _ in range(rng.randint(1, 6))) for _ in range(size)}
            assert rw._minimal(words) == reference(words)
    assert rw._minimal({"t cell", "t cells", rw.CASED + "t cells"}) == {
        "t cell", rw.CASED + "t cells"}
