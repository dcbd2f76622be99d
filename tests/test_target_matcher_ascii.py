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
