"""The platform-cue prefilter skips only cues that cannot match."""

from __future__ import annotations

import re

from celltx.loaders import iter_sources, read_source
from celltx.ontology import matchers as mt

from celltx.models import TrialRecord
from celltx.pipeline import sample_paths


def _sample_texts() -> list[str]:
    texts: list[str] = []
    for source in iter_sources(sample_paths()):
        for rec in read_source(source)[1]:
            if isinstance(rec, TrialRecord):
                texts += [t for t in (rec.brief_title, rec.official_title, rec.acronym) if t]
                texts += [i.name for i in rec.interventions]
    return texts


def test_every_cue_that_matches_is_offered() -> None:
    texts = _sample_texts() + [
        "Anti-CD19 Chimeric Antigen Receptor T Cells", "CAR-NK92 cells", "γδ T-cell therapy",
        "Autologous TILs (LN-145)", "Cytokine-Induced Killer cells", "EBV-specific CTLs",
        "iNKT cells", "CD19CAR-T", "tisa-cel", "HPV-Specific T Cells", "Treg infusion",
    ]
    matched = 0
    for text in texts:
        offered = {name for name, _ in mt.platform_cues(text)}
        for name, rx in mt.PLATFORM_CUES:
            if rx.search(text):
                matched += 1
                assert name in offered, (name, text)
    assert matched >= 11  # the hand-written phrases each match a cue


def test_plain_titles_skip_cues_and_non_ascii_text_keeps_all() -> None:
    plain = "Aspirin for Headache in Adults"
    assert not any(rx.search(plain) for _, rx in mt.PLATFORM_CUES)
    assert len(list(mt.platform_cues(plain))) < len(mt.PLATFORM_CUES)
    accented = "Étude de l'aspirine"
    assert [n for n, _ in mt.platform_cues(accented)] == [n for n, _ in mt.PLATFORM_CUES]
    assert re.search(r"[^\x00-\x7f]", accented)
