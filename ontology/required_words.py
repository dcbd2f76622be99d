"""What a regular expression needs: the words that every match of it holds, read from the
pattern's parse tree, and word rules that rule texts out in one pass of an automaton.

This is how the annotator's cheap prefilters stay sound by construction: a text that lacks
the words a pattern needs cannot match it, so the pattern need not run, and a record that
satisfies none of the product rules' word rules cannot name a product.

- :func:`required_words`: one set of lower-cased words; every match holds one of them.
- :func:`required_rules`: for each alternative of a pattern, the sets of words it needs all
  of (one word of each set), with the word boundaries it demands (:data:`BOUNDARY`) and, for
  case-sensitive parts, the exact case (:data:`CASED`).
- :class:`WordRules`: whether a text satisfies any of a list of such rules.

A run of a pattern whose every item can match only a few strings (literals, small character
classes such as ``[- ]`` or ``[A-Z]``, optional parts, small alternations) is expanded into all
the strings it can match, so ``CAR[- ]?T`` needs one of "car-t", "car t", "cart" rather than
"car".
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import ahocorasick

# The regex parser's own tree (Python >= 3.11); private modules without type stubs.
sre: Any = importlib.import_module("re._constants")
sre_parser: Any = importlib.import_module("re._parser")

BOUNDARY = "\x00"
"""Marks a word boundary (``\\b``) at an end of a required word."""
CASED = "\x01"
"""Starts a required word that a case-sensitive part of the pattern needs in this exact case."""
EDGE = "\x02"
"""Marks, at an end of a required word, that no ASCII letter or digit may touch it there (the
pattern's ``(?<![A-Za-z0-9])`` or ``(?![A-Za-z0-9])``). Checked on ASCII texts only, where
folding keeps what the pattern sees; on others it always holds."""
_MARKS = BOUNDARY + EDGE
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
DIGIT = "0"
"""Every decimal digit, in a text and in a word that a pattern's ``\\d`` is part of, once folded
by :func:`fold_digits`."""
_DIGIT_CLASS = "\x04"
"""Where a pattern's ``\\d`` stands in a language string (literal digits stay as they are)."""
DIGITS = "\x05"
"""Starts a required word that holds a ``\\d``: matched on the text with its digits folded."""
_KINDS = CASED + DIGITS
_MAX_LANGUAGE = 256
"""The most strings a run of a pattern may expand to before it is cut (a run may keep a larger
alternation whole, as long as nothing multiplies it)."""
_MAX_UNION = 1 << 14
"""The most strings an alternation of small languages (a table of names) may expand to."""
_MAX_CLASS = 64
"""The largest character class that is expanded (``[A-Z0-9]`` is 36)."""

@dataclass(frozen=True)
class _Mode:
    boundaries: bool
    """Keep the word boundaries a pattern demands (:data:`BOUNDARY`)."""
    folded: bool
    """Read ``\\d`` as :data:`DIGIT` and white space as one space, for texts so folded
    (:func:`fold`)."""


_Lang = set[tuple[str, bool]]
"""Strings an item can match, each with whether every character came from a case-sensitive
part of the pattern (boundary markers count as either)."""


def required_words(pattern: str, boundaries: bool = False) -> frozenset[str] | None:
    """Lower-cased words of which every match of ``pattern`` contains at least one, or None
    when the pattern's structure does not say. With ``boundaries``, a word boundary the pattern
    demands at an end of a word is kept there as :data:`BOUNDARY`.

    >>> sorted(required_words(r"(?i:\\bCAR[- ]?T\\b|chimeric antigen receptor)"))
    ['car t', 'car-t', 'cart', 'chimeric antigen receptor']
    """
    mode = _Mode(boundaries=boundaries, folded=False)
    lang = _required_in_sequence(sre_parser.parse(pattern), _icase(pattern), mode)
    return _words(lang, cased=False, folded=False) if lang else None


def required_rules(pattern: str, boundaries: bool = True,
                   cased: bool = True) -> list[tuple[frozenset[str], ...]] | None:
    """For each alternative of ``pattern``, the sets of words that a match of it holds one of
    each (None: cannot tell). Where an alternative is a sequence, each part that needs words
    gives a set; nested alternations are flattened. Words from case-sensitive parts start
    with :data:`CASED` when ``cased``.

    >>> [[sorted(s) for s in r] for r in required_rules(
    ...     r"(?i:CAR\\w*NK|natural killer)", boundaries=False)]
    [[['car'], ['nk']], [['natural killer']]]
    """
    mode = _Mode(boundaries=boundaries, folded=True)
    rules = []
    for alternative, icase in _alternatives(list(sre_parser.parse(pattern)), _icase(pattern)):
        sets = _sets_of_sequence(alternative, icase, mode)
        if not sets:
            return None
        words = [_words(s, cased, folded=True) for s in sets]
        # a set of single characters (a space, a digit, a capital) tells almost nothing
        wide = [ws for ws in words if max(len(w.strip(_MARKS + _KINDS)) for w in ws) > 1]
        rules.append(tuple(wide or words))
    return rules


def _icase(pattern: str) -> bool:
    return bool(sre_parser.parse(pattern).state.flags & sre.SRE_FLAG_IGNORECASE)


def _alternatives(items: list[Any], icase: bool) -> Iterator[tuple[list[Any], bool]]:
    """The alternatives of a sequence that is one alternation (through groups), else itself."""
    if len(items) == 1 and items[0][0] is sre.SUBPATTERN:
        _group, add, remove, inner = items[0][1]
        yield from _alternatives(list(inner), _flagged(icase, add, remove))
    elif len(items) == 1 and items[0][0] is sre.BRANCH:
        for alternative in items[0][1][1]:
            yield from _alternatives(list(alternative), icase)
    else:
        yield items, icase


def _flagged(icase: bool, add: int, remove: int) -> bool:
    if add & sre.SRE_FLAG_IGNORECASE:
        return True
    if remove & sre.SRE_FLAG_IGNORECASE:
        return False
    return icase


def _words(lang: _Lang, cased: bool, folded: bool) -> frozenset[str]:
    """Language strings as words: boundaries only at the ends, case-insensitive ones lower-cased
    (case-sensitive ones too unless ``cased``), folded as texts are when ``folded``, and none that
    holds another of the set."""
    out = set()
    for text, exact in lang:
        core = text.strip(_MARKS).replace(BOUNDARY, "").replace(EDGE, "")
        if folded:
            core = _fold_word(core)
        if _DIGIT_CLASS in core:  # matched on folded digits, whatever the case
            core = fold_digits(core).replace(_DIGIT_CLASS, DIGIT)
            out.add(DIGITS + (_lead(text) + core + _lead(text[::-1])).lower())
            continue
        word = _lead(text) + core + _lead(text[::-1])
        has_letters = any(c.isalpha() for c in core)
        out.add(CASED + word if cased and exact and has_letters else word.lower())
    return _minimal(out)


def _minimal(words: set[str]) -> frozenset[str]:
    """Without a word that holds another of the set read the same way ("t cells" beside "t
    cell"): either is enough. (Words of one kind are told apart by their bodies; the bodies a
    body holds are found by an automaton over them when there are many.)"""
    by_kind: dict[str, list[str]] = {}
    for w in words:
        kind = w[:1] if w[:1] in _KINDS else ""
        by_kind.setdefault(kind, []).append(w[len(kind):])
    out = []
    for kind, bodies in by_kind.items():
        if "" in bodies:  # (every body holds the empty one)
            out.append(kind)
        elif len(bodies) > 32:
            automaton = word_automaton({b: b for b in bodies})
            out += [kind + b for b in bodies
                    if not any(found != b for _end, found in automaton.iter(b))]
        else:
            out += [kind + b for b in bodies if not any(v != b and v in b for v in bodies)]
    return frozenset(out)


def _lead(text: str) -> str:
    """The mark at the start of a language string (a boundary wins over an edge)."""
    marks = text[:len(text) - len(text.lstrip(_MARKS))]
    return BOUNDARY if BOUNDARY in marks else EDGE if marks else ""


def _is_alnum_class(items: Any) -> bool:
    """Whether a lookaround's pattern is exactly one character of ``[A-Za-z0-9]``."""
    items = list(items)
    if len(items) != 1 or items[0][0] is not sre.IN:
        return False
    chars: set[str] = set()
    for o, a in items[0][1]:
        if o is sre.RANGE:
            chars |= {chr(c) for c in range(a[0], a[1] + 1)}
        elif o is sre.LITERAL:
            chars.add(chr(a))
        else:
            return False
    return chars == _ALNUM


def _weight(lang: _Lang) -> int:
    """How selective a set is: its shortest word's length, a boundary counting as two."""
    return min(len(t.strip(_MARKS)) + 2 * (t[:1] in _MARKS) + 2 * (t[-1:] in _MARKS)
               + (2 if exact else 0) for t, exact in lang)


def _useful(lang: _Lang | None) -> bool:
    return bool(lang) and all(t.strip(_MARKS) for t, _ in lang)  # type: ignore[union-attr]


def _runs(items: Iterable[Any], icase: bool, mode: _Mode) -> Iterator[_Lang | None]:
    """The sets a sequence needs: one per maximal run of small-language items (cut where it
    would grow too large), and one per other item that needs words."""
    run: _Lang | None = None
    for op, av in items:
        lang = _language(op, av, icase, mode)
        if lang is not None:
            grown = _concat(run or {("", True)}, lang)
            if len(grown) <= max(_MAX_LANGUAGE, len(run or ()), len(lang)):  # x 1 grows nothing
                run = grown
                continue
            yield run
            run = lang
            continue
        yield run
        run = None
        yield _required_in_item(op, av, icase, mode)
    yield run


def _sets_of_sequence(items: Iterable[Any], icase: bool, mode: _Mode) -> list[_Lang]:
    return [lang for lang in _runs(items, icase, mode) if lang and _useful(lang)]


def _required_in_sequence(items: Iterable[Any], icase: bool, mode: _Mode) -> _Lang | None:
    """The most selective single set a sequence needs."""
    sets = _sets_of_sequence(items, icase, mode)
    return max(sets, key=_weight) if sets else None


def _required_in_item(op: Any, av: Any, icase: bool, mode: _Mode) -> _Lang | None:
    if op is sre.SUBPATTERN:
        return _required_in_sequence(av[-1], _flagged(icase, av[1], av[2]), mode)
    if op is sre.BRANCH:
        return _union(_required_in_sequence(alt, icase, mode) for alt in av[1])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[0] >= 1:
        return _required_in_sequence(av[2], icase, mode)
    return None


@cache
def _spaces() -> frozenset[str]:
    """What ``\\s`` matches in a str pattern (Unicode white space; none lies above U+3000)."""
    return frozenset(chr(c) for c in range(0x3001) if re.match(r"\s", chr(c)))


def _concat(left: _Lang, right: _Lang) -> _Lang:
    """Every string of ``left`` followed by every string of ``right``."""
    return {(a + b, fa and fb) for a, fa in left for b, fb in right}


def _union(parts: Iterable[_Lang | None], cap: int | None = None) -> _Lang | None:
    """The union of the alternatives' sets, or None when one is unknown (or it outgrows
    ``cap``)."""
    out: _Lang = set()
    for part in parts:
        if part is None:
            return None
        out |= part
        if cap is not None and len(out) > cap:
            return None
    return out


def _chars(av: Any, folded: bool) -> list[str] | None:
    """The characters a class matches, when it is a small set of literals, ranges, ``\\s``
    and (``folded``) ``\\d``, each digit read as :data:`DIGIT` and each space as " "."""
    chars: set[str] = set()
    for o, a in av:
        if o is sre.LITERAL:
            chars.add(chr(a))
        elif o is sre.RANGE and a[1] - a[0] < _MAX_CLASS:
            chars |= {chr(c) for c in range(a[0], a[1] + 1)}
        elif o is sre.CATEGORY and a is sre.CATEGORY_SPACE:
            chars |= _spaces()
        elif o is sre.CATEGORY and a is sre.CATEGORY_DIGIT and folded:
            chars.add(_DIGIT_CLASS)
        else:
            return None
    if folded:
        chars = {_fold_word(c) for c in chars}
    return sorted(chars) if len(chars) <= _MAX_CLASS else None


def _language(op: Any, av: Any, icase: bool, mode: _Mode) -> _Lang | None:
    """Every string item ``(op, av)`` can match, when they are few (None otherwise)."""
    if op is sre.LITERAL:
        return {(chr(av).lower() if icase else chr(av), not icase)}
    if op is sre.AT:
        return {(BOUNDARY if mode.boundaries and av is sre.AT_BOUNDARY else "", True)}
    if op is sre.ASSERT_NOT and mode.boundaries and _is_alnum_class(av[1]):
        return {(EDGE, True)}
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        return {("", True)}  # zero-width: the match holds the rest of the text all the same
    if op is sre.IN:
        chars = _chars(av, mode.folded)
        if chars is None:
            return None
        return {(c.lower() if icase else c, not icase) for c in chars}
    if op is sre.SUBPATTERN:
        return _sequence_language(av[-1], _flagged(icase, av[1], av[2]), mode)
    if op is sre.BRANCH:
        return _union((_sequence_language(alt, icase, mode) for alt in av[1]), _MAX_UNION)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and mode.folded and {
            t for t, _ in _sequence_language(av[2], icase, mode) or {("", True)}} == {" "}:
        return {(" ", True)} if av[0] >= 1 else {("", True), (" ", True)}  # folded white space
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[1] is not sre.MAXREPEAT and av[1] <= 4:
        inner = _sequence_language(av[2], icase, mode)
        if inner is None:
            return None
        out, power = set(), {("", True)}
        for k in range(av[1] + 1):
            if k >= av[0]:
                out |= power
            if k < av[1]:
                power = _concat(power, inner)
            if len(power) > _MAX_LANGUAGE or len(out) > _MAX_LANGUAGE:
                return None
        return out
    return None


def _sequence_language(items: Iterable[Any], icase: bool, mode: _Mode) -> _Lang | None:
    out: _Lang = {("", True)}
    for op, av in items:
        lang = _language(op, av, icase, mode)
        if lang is None:
            return None
        grown = _concat(out, lang)
        if len(grown) > max(_MAX_LANGUAGE, len(out), len(lang)):
            return None
        out = grown
    return out


# ---- matching ------------------------------------------------------------------------------

def _fold_word(word: str) -> str:
    """A word's white space folded as :func:`fold` folds texts, without the padding."""
    return re.sub(r"\s+", " ", word)


@cache
def _digit_table() -> dict[int, str]:
    """``\\d`` in a str pattern is exactly the characters ``str.isdecimal`` accepts (built on
    first use: it scans every code point)."""
    return str.maketrans({c: DIGIT for c in map(chr, range(0x110000)) if c.isdecimal()})


def fold(text: str) -> str:
    """``text`` with every run of white space (what ``\\s`` matches) made one space, as
    :class:`WordRules` reads texts; padded with a space at each end, which ends words as the
    text's ends do.

    >>> fold("CD19  CAR\\n\\tT 2nd")
    ' CD19 CAR T 2nd '
    """
    return " " + " ".join(text.split()) + " "  # str.split: exactly what \\s matches


def fold_digits(text: str) -> str:
    """``text`` with every decimal digit (what ``\\d`` matches) made :data:`DIGIT`.

    >>> fold_digits("CAR19 ١٩")
    'CAR00 00'
    """
    return text.translate(_digit_table())


def word_automaton(words: dict[str, Any]) -> Any:
    """An Aho-Corasick automaton over ``words``, each carrying its value."""
    automaton = ahocorasick.Automaton()
    for w, value in words.items():
        automaton.add_word(w, value)
    automaton.make_automaton()
    return automaton


class GatedUnion:
    """The regex ``prefix(?:alt_1|...|alt_n)suffix`` that reads a lower-cased ASCII text with
    only the alternatives whose required words (``required_words``) the text holds, found in
    one automaton pass: an alternative none of whose words is there matches nowhere, so no
    match changes (at each position the first alternative that matches is still the first),
    and a table of hundreds of names is not tried at every character. ``prefix`` and
    ``suffix`` must be zero-width (lookarounds, global flags), so that a match is one
    alternative's. Used for the annotator's name tables and prefiltered patterns
    (``ontology/matchers.py``) and the eligibility criteria's names.

    >>> union = GatedUnion("(?<![a-z])(?:", ["(?i:CAR-?T)", "(?i:NK)"], ")(?![a-z])")
    >>> union.scan("a car-t product").pattern, union.scan("none")
    ('(?<![a-z])(?:(?i:CAR-?T))(?![a-z])', None)
    """

    MAX_SUBSETS = 1 << 12
    """Compiled subsets kept; beyond that, texts are read with every alternative."""

    def __init__(self, prefix: str, alternatives: Iterable[str], suffix: str,
                 flags: int = 0, words_prefix: str = "") -> None:
        self.prefix, self.alternatives, self.suffix = prefix, tuple(alternatives), suffix
        self.flags = flags
        self.words_prefix = words_prefix
        """Put before each alternative to read its words (a pattern's global flags)."""
        self._gate: tuple[Any, frozenset[int]] | None = None
        self._compiled: dict[frozenset[int], re.Pattern[str]] = {}

    def _regex(self, ids: Iterable[int]) -> re.Pattern[str]:
        body = "|".join(self.alternatives[i] for i in sorted(ids))
        return re.compile(f"{self.prefix}{body}{self.suffix}", self.flags)

    def prepare(self) -> None:
        if self._gate is None:
            ids: dict[str, set[int]] = {}
            unknown = set()
            for i, alternative in enumerate(self.alternatives):
                needed = required_words(self.words_prefix + alternative)
                if not needed:
                    unknown.add(i)
                for w in needed or ():
                    ids.setdefault(w, set()).add(i)
            self._gate = (word_automaton({w: frozenset(v) for w, v in ids.items()}),
                          frozenset(unknown))

    def scan(self, low: str) -> re.Pattern[str] | None:
        """The regex to read ``low`` (ASCII, lower-cased) with; None when nothing can match."""
        if self._gate is None:
            self.prepare()
        assert self._gate is not None
        automaton, unknown = self._gate
        present = unknown.union(*(ids for _end, ids in automaton.iter(low)))
        if not present:
            return None
        rx = self._compiled.get(present)
        if rx is None:
            if len(self._compiled) >= self.MAX_SUBSETS:
                present = frozenset(range(len(self.alternatives)))  # (kept under this key)
                if present in self._compiled:
                    return self._compiled[present]
            rx = self._compiled[present] = self._regex(present)
        return rx


class WordRules:
    """Rules, each a list of word sets of which a text must hold one word of each (words as
    :func:`required_rules` gives them); :meth:`holds` says whether any rule holds, reading the
    folded text (:func:`fold`) case-folded and, for case-sensitive words, as it is.

    >>> rules = WordRules([[frozenset({"cell"}), frozenset({"injection"})],
    ...                    [frozenset({BOUNDARY + "car" + BOUNDARY})],
    ...                    [frozenset({CASED + "NKX"})], [frozenset({EDGE + "ct041" + EDGE})]])
    >>> rules.holds("LY011 Cell Injection"), rules.holds("Cell biology"), rules.holds("a CAR")
    (True, False, True)
    >>> rules.holds("carcinoma"), rules.holds("NKX019"), rules.holds("nkx019")
    (False, True, False)
    >>> rules.holds("CT041 cells"), rules.holds("see NCT04123456")
    (True, False)
    """

    def __init__(self, rules: Iterable[Iterable[frozenset[str]]]) -> None:
        self.rules = [tuple(r) for r in rules]
        words = {w for rule in self.rules for group in rule for w in group}
        cased = {w[1:] for w in words if w.startswith(CASED)}
        digits = {w[1:] for w in words if w.startswith(DIGITS)}
        # a case-sensitive word, and a word with a folded digit, is first looked for in the
        # case-folded pass as a probe (its longest part without a digit, no boundaries): only
        # a text that holds one is read again, with its case or with its digits folded
        probes = {_PROBE + w.strip(_MARKS).casefold() for w in cased}
        digit_probes = {_DIGIT_PROBE + max(w.strip(_MARKS).split(DIGIT), key=len)
                        for w in digits}
        self._always_digits = any(len(p) < 3 for p in digit_probes)
        self._folded = _bounded_automaton(
            [w for w in words if w[:1] not in (CASED, DIGITS)] + sorted(probes | digit_probes))
        self._cased = _bounded_automaton(cased, CASED)
        self._digits = _bounded_automaton(digits, DIGITS)
        self._single = {w for rule in self.rules if len(rule) == 1 for w in rule[0]}
        self._rules_of: dict[str, list[tuple[frozenset[str], ...]]] = {}
        for rule in self.rules:
            if len(rule) > 1:
                for w in rule[0]:
                    self._rules_of.setdefault(w, []).append(rule)

    def holds(self, text: str) -> bool:
        folded = fold(text)
        low = folded.casefold()
        ascii_text = folded.isascii()
        found: set[str] = set()  # the rules' words in the text, with the probes seen
        if _collect(self._folded, low, ascii_text, found, self._single):
            return True
        if _PROBE in found and _collect(self._cased, folded, ascii_text, found, self._single):
            return True
        if ((self._always_digits or _DIGIT_PROBE in found)
                and _collect(self._digits, fold_digits(low), ascii_text, found, self._single)):
            return True
        return any(all(group & found for group in rule)
                   for w in found for rule in self._rules_of.get(w, ()))


_PROBE = "\x03"
_DIGIT_PROBE = "\x06"
_PROBES = _PROBE + _DIGIT_PROBE


def _bounded_automaton(words: Iterable[str], prefix: str = "") -> Any:
    """An automaton over the words' cores, each carrying its marks and the word as the rules
    spell it (``prefix`` + word)."""
    variants: dict[str, list[tuple[str, str, str]]] = {}
    for w in words:
        core = w.strip(_MARKS + _PROBES)
        variants.setdefault(core, []).append((_lead(w), _lead(w[::-1]), prefix + w))
    if not variants:
        return None
    return word_automaton({core: (len(core), tuple(v)) for core, v in variants.items()})


def _collect(automaton: Any, text: str, ascii_text: bool, found: set[str],
             single: set[str]) -> bool:
    """Add to ``found`` the words of ``automaton`` that ``text`` holds within their marks (and
    the mark of each probe seen); True as soon as one is in ``single``, a rule on its own.
    A word once found is not checked again: a text says "in" many times."""
    if automaton is None:
        return False
    for end, (size, variants) in automaton.iter(text):
        for left, right, word in variants:
            if word in found:
                continue
            start = end - size + 1
            if left and not _edge_holds(left, text, start, start - 1, ascii_text):
                continue
            if right and not _edge_holds(right, text, end + 1, end + 1, ascii_text):
                continue
            if word in single:
                return True
            found.add(word)
            if word[0] in _PROBES:
                found.add(word[0])
    return False


def _edge_holds(mark: str, text: str, at: int, outside: int, ascii_text: bool) -> bool:
    """Whether the mark at a word's end holds: ``at`` is the boundary's position and
    ``outside`` the character just beyond the word."""
    if mark == BOUNDARY:
        return _boundary_at(text, at)
    if mark == EDGE and ascii_text:
        return not (0 <= outside < len(text) and text[outside] in _ALNUM)
    return True


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _boundary_at(text: str, i: int) -> bool:
    before = i > 0 and _is_word_char(text[i - 1])
    after = i < len(text) and _is_word_char(text[i])
    return before != after
