"""The fast path for ASCII text finds exactly what the plain target regex finds."""

from celltx.ontology import matchers as mt

TEXTS = [
    "Anti-CD19 CAR-T cells in relapsed B-ALL",
    "CD19CAR-T and antiCD22 CART for lymphoma",
    "BCMA/GPRC5D dual-target CAR-T; CEA CAR-T cells; cd7 car",
    "A study of HER2-specific T cells and GD2-CAR NK cells",
]


def _plain(text: str) -> list[tuple[int, int, str | None]]:
    return [(m.start(), m.end(), m.lastgroup) for m in mt.target_regex().finditer(text)]


def test_ascii_regex_finds_the_same_spans_and_targets_as_the_plain_regex() -> None:
    for text in TEXTS:
        expected = _plain(text)
        assert expected, text  # the texts do name targets
        fast = [(m.start(), m.end(), m.lastgroup)
                for m in mt._ascii_target_regex().finditer(text)]
        assert fast == expected


def test_find_targets_returns_fresh_lists_of_the_plain_mentions() -> None:
    text = TEXTS[2]
    first = mt.find_targets(text)
    first.clear()
    again = mt.find_targets(text)
    assert [(m.start, m.end) for m in again] == [(s, e) for s, e, _ in _plain(text)]


def test_the_scan_of_the_targets_a_text_holds_finds_what_the_plain_regex_finds() -> None:
    from celltx.loaders import iter_sources, read_source
    from celltx.ontology.annotate import record_text

    from celltx.models import TrialRecord
    from celltx.pipeline import sample_paths

    texts = list(TEXTS) + ["no antigen here", "cd19 CAR", "CD-19 and Her2 and HER-2",
                           "ANTI-BCMA CART-19 meso CARTmeso"]
    for source in iter_sources(sample_paths()):
        texts += [record_text(r) for r in read_source(source)[1] if isinstance(r, TrialRecord)]
    found = empty = 0
    for text in texts[::3]:
        low = mt.ascii_lower(text)
        if low is None:
            continue
        scan = mt._ascii_target_scan(low)
        spans = [] if scan is None else [(m.start(), m.end(), m.lastgroup)
                                         for m in scan.finditer(text)]
        assert spans == _plain(text), text[:200]
        found += len(spans)
        empty += scan is None
    assert found > 500 and empty > 20  # texts with targets, and texts skipped outright


def test_the_code_and_agent_scans_find_what_their_plain_regexes_find() -> None:
    from celltx.loaders import iter_sources, read_source
    from celltx.ontology.annotate import record_text

    from celltx.models import TrialRecord
    from celltx.pipeline import sample_paths

    texts = ["KYV-101 and CNCT 19 after Flu/Cy", "cilta-cel, BCMA CAR-T (CT053)", "none"]
    for source in iter_sources(sample_paths()):
        for r in read_source(source)[1]:
            if isinstance(r, TrialRecord):
                texts += [record_text(r), *(i.name for i in r.interventions)]
    for union, plain in ((mt._code_union(), mt.code_regex()[0]),
                         (mt._agent_union(), mt.agent_regex()[0])):
        found = 0
        for text in texts[::3]:
            low = mt.ascii_lower(text)
            if low is None:
                continue
            scan = union.scan(low)
            spans = [] if scan is None else [m.span() for m in scan.finditer(text)]
            assert spans == [m.span() for m in plain.finditer(text)], text[:200]
            found += len(spans)
        assert found > 300
