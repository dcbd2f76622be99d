"""Compiled text matchers over the vocabulary tables (built once, then reused for every record).

A matcher finds mentions with their span, so that the annotator can look at their context:
short or ambiguous aliases ("CEA", "CTX", "MICL") count only next to a therapy cue, and
registry phrases that look like a therapy but are not ("NK/T-cell lymphoma", "cART") are
masked before anything else is read.
"""

from __future__ import annotations

import dataclasses
import re
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from celltx.ontology import hgnc_genes, vocab
from celltx.ontology.required_words import GatedUnion, required_words, word_automaton


@dataclass(frozen=True)
class Mention:
    key: str
    start: int
    end: int
    alias: str
    context_only: bool = False
    source: str = "table"
    """How the antigen was named: ``table`` (curated alias), ``hgnc`` (any HGNC gene written in
    a targeting context) or ``ligand`` (the ligand of a ligand-based receptor)."""


@lru_cache(maxsize=1 << 12)
def ascii_lower(text: str) -> str | None:
    """``text`` lower-cased when it is ASCII (where that is exactly what case-insensitive
    matching does), else None; cached, as several prefilters read the same text."""
    return text.lower() if text.isascii() else None


_PREFILTERED: weakref.WeakSet[Prefiltered] = weakref.WeakSet()
"""Every prefiltered pattern made, for ``warm`` to prepare."""


class Prefiltered:
    """A compiled regex that first checks, on ASCII text, that one of the words every match
    must contain is there (read from the pattern by :func:`required_words`): the same matches,
    found without running the regex on most texts.

    >>> rx = Prefiltered(r"(?i:tandem|dual[- ]target)")
    >>> bool(rx.search("a Dual-Target CAR")), rx.search("a single CAR"), rx.sub("_", "x")
    (True, None, 'x')
    """

    def __init__(self, pattern: str, flags: int = 0, words: Iterable[str] | None = None) -> None:
        self.rx = re.compile(pattern, flags)
        self.pattern = pattern
        self._words: frozenset[str] | None = frozenset(words) if words else None
        self._parsed = words is not None
        self._automaton: Any = None
        self._gated = flags == 0  # (words given by hand gate the whole pattern first)
        self._alternatives: GatedUnion | None = None
        _PREFILTERED.add(self)

    def prepare(self) -> None:
        """Read the required words and build their automata now rather than on first use
        (before forking, so that worker processes share them)."""
        if self._gated:
            self._alternatives, self._gated = _alternatives_of(self.pattern, self.rx), False
            if self._alternatives is not None:
                self._alternatives.prepare()
        if not self._parsed:
            # with alternatives, their words rule a text out (the whole pattern's words are
            # theirs together), so only a pattern without them needs its own
            self._words = None if self._alternatives is not None else required_words(
                self.pattern)
            self._parsed = True
        if self._words is not None and self._automaton is None:
            self._automaton = word_automaton({w: w for w in self._words})

    def _regex(self, text: str) -> re.Pattern[str] | None:
        """The regex to run on ``text``: None when no match can be there, else the pattern,
        or only those of its alternatives whose words the text holds (``_alternatives_of``).
        Only ASCII text is ruled on, where case-insensitive matching is lower-casing."""
        if self._gated or not self._parsed or (self._words is not None
                                               and self._automaton is None):
            self.prepare()  # (on first use, when ``warm`` did not)
        low = ascii_lower(text)
        if low is None:
            return self.rx
        if self._automaton is not None and next(self._automaton.iter(low), None) is None:
            return None
        return self.rx if self._alternatives is None else self._alternatives.scan(low)

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        rx = self._regex(text)
        return None if rx is None else rx.search(text, pos)

    def match(self, text: str, pos: int = 0) -> re.Match[str] | None:
        rx = self._regex(text)
        return None if rx is None else rx.match(text, pos)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        rx = self._regex(text)
        return iter(()) if rx is None else rx.finditer(text)

    def sub(self, repl: Any, text: str) -> str:
        rx = self._regex(text)
        return text if rx is None else rx.sub(repl, text)

    def split(self, text: str) -> list[str]:
        rx = self._regex(text)
        return [text] if rx is None else rx.split(text)


def _alternatives_of(pattern: str, whole: re.Pattern[str]) -> GatedUnion | None:
    r"""A pattern as a ``GatedUnion`` of its top-level alternatives, so that a text is read
    with only the alternatives whose words it holds (an alternative none of whose words is in
    the text matches nowhere in it, so leaving it out changes no match). None for a pattern
    with capturing groups (a subset would number its groups differently) or fewer than two
    alternatives.

    >>> union = _alternatives_of(r"(?i:\bCAR-?T\b|natural killer)|\bTIL\b", re.compile("x"))
    >>> union.alternatives
    ('(?i:\\bCAR-?T\\b)', '(?i:natural killer)', '\\bTIL\\b')
    >>> union.scan("car-t cells").pattern, union.scan("none here")
    ('(?i:\\bCAR-?T\\b)', None)
    """
    if whole.groups:
        return None
    split = _top_alternatives(pattern)
    if split is None or len(split[1]) < 2:
        return None
    flags, parts = split
    try:
        for part in parts:
            re.compile(flags + part)
    except re.error:  # pragma: no cover - a part that is not a pattern alone
        return None
    return GatedUnion(flags, parts, "", words_prefix=flags)


_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_FLAG_GROUP = re.compile(r"\(\?(?:[aiLmsux]*(?:-[imsx]+)?)?:")


def _split_bars(pattern: str) -> list[str] | None:
    """``pattern`` cut at its top-level ``|`` (None if its brackets do not balance)."""
    parts, depth, start, i, n = [], 0, 0, 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a character class: up to its closing "]" ("]" first is literal)
            i += 1
            if pattern.startswith("^", i):
                i += 1
            if pattern.startswith("]", i):
                i += 1
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                return None
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    if depth:
        return None
    parts.append(pattern[start:])
    return parts


def _top_alternatives(pattern: str) -> tuple[str, tuple[str, ...]] | None:
    """A pattern's leading global flags and its alternatives, an alternative that is one
    ``(?i:…)`` or ``(?:…)`` group opened into the alternatives inside it."""
    prefix = ""
    if m := _GLOBAL_FLAGS.match(pattern):
        prefix, pattern = m.group(0), pattern[m.end():]
    top = _split_bars(pattern)
    if top is None:
        return None
    parts: list[str] = []
    for part in top:
        opening = _FLAG_GROUP.match(part)
        # the group opened at the start closes at the end when what lies between balances
        inner = (_split_bars(part[opening.end():-1]) if opening and part.endswith(")")
                 else None)
        if opening and inner is not None:
            parts.extend(f"{opening.group(0)}{alt})" for alt in inner)
        else:
            parts.append(part)
    return prefix, tuple(parts)


def _longest_first(aliases: Iterable[str]) -> list[str]:
    """The distinct aliases, longest first (so that an alternation prefers the longest)."""
    return sorted(set(aliases), key=len, reverse=True)


def _alternation(aliases: list[str]) -> str:
    return "|".join(re.escape(a) for a in _longest_first(aliases))


# A target alias may be glued to "anti" or "CAR" on its left ("antiCD19", "CAR-GPC3" is
# hyphenated anyway) and to "CAR"/"CART"/"TCR"/"NK" on its right ("CD19CAR-T").
_LEFT = r"(?:(?<![A-Za-z0-9])|(?<=anti)|(?<=Anti)|(?<=CAR)|(?<=CART)|(?<=(?<![A-Za-z])hu))"
_RIGHT = r"(?:(?![A-Za-z0-9])|(?=CAR|CART|Car|TCR|NK|T\b|-?T[- ]cell))"




def _alias_forms(alias: str) -> tuple[str, ...]:
    """An alias and, for a CAR name written with a hyphen ("CART-meso"), the same run together
    ("CARTmeso"), as product names often are."""
    if re.match(r"(?i)CART?-[A-Za-z]", alias):
        return alias, alias.replace("-", "", 1)
    return (alias,)


@cache
def _target_parts() -> tuple[tuple[str, str, str], ...]:
    """(group name, target key, alternation of its aliases) for every target."""
    parts: list[tuple[str, str, str]] = []
    for key, entry in vocab.targets().items():
        gid = f"t_{len(parts)}"
        ci = _alternation([v for a in entry.aliases for v in _alias_forms(a)])
        cs = _alternation(list(entry.exact_case) + list(entry.context_only))
        alts = []
        if ci:
            alts.append(f"(?i:{ci})")
        if cs:
            alts.append(f"(?:{cs})")
        parts.append((gid, key, "|".join(alts)))
    return tuple(parts)


@cache
def _target_matcher() -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex over every target alias, and its group names mapped to target keys."""
    parts = _target_parts()
    body = "|".join(f"(?P<{gid}>{alt})" for gid, _, alt in parts)
    return re.compile(f"{_LEFT}(?:{body}){_RIGHT}"), {gid: key for gid, key, _ in parts}


def target_regex() -> re.Pattern[str]:
    return _target_matcher()[0]


@cache
def _ascii_target_regex() -> re.Pattern[str]:
    """The target regex for ASCII text: the same matches, found faster.

    A lookahead for the first characters of the aliases (case-insensitive, so a superset)
    rejects most positions before the alternation is tried, and ASCII case-folding is cheaper
    than Unicode's (which on ASCII text gives the same result).
    """
    return re.compile(f"{_first_characters()}{target_regex().pattern}", re.ASCII)


@cache
def _first_characters() -> str:
    """A lookahead for the first characters of the target aliases (case-insensitive)."""
    entries = vocab.targets().values()
    firsts = {a[0] for e in entries for a in (*e.aliases, *e.exact_case, *e.context_only) if a}
    return "(?=(?i:[{}]))".format("".join(re.escape(c) for c in sorted(firsts)))


@cache
def _target_union() -> GatedUnion:
    """The ASCII target regex as a ``GatedUnion`` of the targets (one named group each)."""
    return GatedUnion(f"{_first_characters()}{_LEFT}(?:",
                      [f"(?P<{gid}>{aliases})" for gid, _key, aliases in _target_parts()],
                      f"){_RIGHT}", re.ASCII)


def _ascii_target_scan(low: str) -> re.Pattern[str] | None:
    """The ASCII target regex with only the targets whose words ``low`` (an ASCII text,
    lower-cased) holds, or None when it holds none (the 87-target alternation tried at every
    character was the better part of reading a text's targets)."""
    return _target_union().scan(low)


def find_targets(text: str) -> list[Mention]:
    return list(_find_targets(text))


@lru_cache(maxsize=1 << 16)
def _find_targets(text: str) -> tuple[Mention, ...]:
    """The target mentions of ``text`` (cached: a phrase is read several times per record):
    curated aliases, ligands of ligand-based receptors, and any other HGNC gene written in a
    targeting context, in text order."""
    full, groups = _target_matcher()
    low = ascii_lower(text)
    rx = full if low is None else _ascii_target_scan(low)
    out = []
    for m in rx.finditer(text) if rx is not None else ():
        gid = m.lastgroup or ""
        key = groups[gid]
        alias = m.group(0)
        entry = vocab.targets()[key]
        if (len(alias) <= 3 and re.search(r"\d", alias)
                and _CODE_PREFIX.search(text[max(0, m.start() - 5):m.start()])):
            continue  # letters inside a product code ("CS1" in CM-CS1)
        out.append(Mention(key, m.start(), m.end(), alias,
                           context_only=alias in entry.context_only))
    ligands = _ligand_mentions(text)  # "BAFF CAR": the receptor, not the ligand's own entry
    out = [m for m in out if not _overlaps(m, ligands)]
    out.extend(m for m in _sibling_mentions(text, out) if not _overlaps(m, out))
    out.extend(m for m in _car_number_mentions(text) if not _overlaps(m, out))
    out.extend(m for m in _clone_mentions(text) if not _overlaps(m, out))
    out.extend(m for m in _cd_pair_mentions(text) if not _overlaps(m, out))
    out.extend(m for m in _run_together_mentions(text) if not _overlaps(m, out))
    out.extend(m for m in _suffixed_mentions(text) if not _overlaps(m, out))
    out.extend(m for m in _domain_named_mentions(text) if not _overlaps(m, out))
    out.extend(m for m in _car_alias_mentions(text) if not _overlaps(m, out))
    # (a ligand can name two receptors at one span, "APRIL": both stay)
    out.extend([m for m in ligands if not _overlaps(m, out)])
    out.extend(m for m in _gene_mentions(text, out) if not _overlaps(m, out))
    return tuple(sorted(out, key=lambda m: (m.start, -m.end)))


_CODE_PREFIX = re.compile(r"(?<![A-Za-z0-9])(?!CAR|TCR|NK|UCAR)[A-Z]{1,3}-$")
_SIBLING = re.compile(r"\s?/\s?(\d{1,3}(?:\.\d)?[A-Za-z]?)(?![A-Za-z0-9])")


def _sibling_mentions(text: str, found: list[Mention]) -> list[Mention]:
    """Shorthand for a second antigen of the same family: "CD19/79b" (CD79b),
    "Claudin18.2/6" (Claudin 6), "CD79b-19 CAR T" (CD19)."""
    out = []
    for m in found:
        prefix = re.match(r"^(.*?[A-Za-z])[- ]?\d", m.alias)
        tail = _SIBLING.match(text, m.end) or _SIBLING_BEFORE_CAR.match(text, m.end)
        if not prefix or not tail:
            continue
        hit = _find_targets(prefix.group(1) + tail.group(1))
        if len(hit) == 1 and hit[0].end - hit[0].start == len(prefix.group(1) + tail.group(1)):
            out.append(Mention(hit[0].key, tail.start(1), tail.end(1), tail.group(1)))
    return out


_SIBLING_BEFORE_CAR = re.compile(r"-(\d{1,3})(?=[\s-]*(?:CAR|T[- ]cells?\b))")
"""A hyphenated sibling right before the CAR: "CD79b-19 CAR T" (CD19); not a domain, "CD19-28z"."""


def _table_key(alias: str, *, whole: bool = True) -> str | None:
    """The curated antigen that ``alias`` names: one table hit, spanning all of it when
    ``whole``."""
    hit = _find_targets(alias)
    if len(hit) == 1 and hit[0].source == "table" and (
            not whole or hit[0].end - hit[0].start == len(alias)):
        return hit[0].key
    return None


def _cd_key(number: str) -> str | None:
    """The curated antigen of a CD number ("19" -> CD19)."""
    return _table_key(f"CD{number}", whole=False)


def _group_mentions(rx: re.Pattern[str], text: str, *, cd: bool = False) -> list[Mention]:
    """Group 1 of each match of ``rx`` where it names a curated antigen in full (``cd``: as a
    CD number)."""
    out = []
    for m in rx.finditer(text):
        key = _cd_key(m.group(1)) if cd else _table_key(m.group(1))
        if key is not None:
            out.append(Mention(key, m.start(1), m.end(1), m.group(1)))
    return out


_CAR_PREFIX = r"(?:[A-Z]{0,4}|\d[A-Z]{1,3}|[a-z]{1,3}|[A-Z][a-z]{1,3})"
"""The short prefix a CAR's own name may carry ("UCART", "ssCART", "4SCAR", "DuoCAR")."""
_CAR_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9]){_CAR_PREFIX}CAR(?:T(?=[-.]?[1-9]\d))?"
    r"(?:[-.]?|\s(?=\d{1,3}-[A-Za-z]))([1-9]\d{0,2})"
    r"(?=v\d|[A-Z]?(?:[^0-9A-Za-z]|$))(?![-.]?1?BB|-1)")
"""A CAR or CART named by a CD number, after a short prefix ("UCART123", "ssCART-19",
"ThisCART19A", "EB-CAR30-NK", "4SCAR123"); the number is not a version ("CAR2 Anti-CEA",
"CAR-41BB")."""


def _car_number_mentions(text: str) -> list[Mention]:
    """A CAR named by the CD number of its antigen: "CAR.70" (CD70), "EB-CAR30-NK" (CD30),
    "CAR138" (CD138), "UCART123" (CD123)."""
    out = []
    for m in _CAR_NUMBER.finditer(text):
        if re.match(r"(?i)\s+anti\b", text[m.end():]):
            continue  # "CAR2 Anti-CEA": a version of the CAR, the antigen follows
        if re.search(r"[A-Za-z]*\d[A-Za-z0-9]*-$", text[max(0, m.start() - 12):m.start()]):
            continue  # "huMNC2-CAR44": a version of the CAR built on the clone MNC2
        key = _cd_key(m.group(1))
        if key is not None:
            out.append(Mention(key, m.start(1), m.end(1), m.group(0)))
    return out


_CLONE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{3,}[A-Za-z])(\d{2,4})(?=[-\s,;/)])")


_DOMAIN_NAMED = re.compile(r"(?<![A-Za-z0-9.\-/])(\d{2,3})-?(?:28|BB|41BB)[zζ](?![A-Za-z0-9])")


def _domain_named_mentions(text: str) -> list[Mention]:
    """A CAR named by its antigen's CD number and its costimulatory domain: "19-28z", "1928z",
    "19-BBz" (CD19)."""
    return _group_mentions(_DOMAIN_NAMED, text, cd=True)


_CAR_ALIAS = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{1,4}-)?CAR-?([A-Z][A-Za-z0-9]{2,9}?)"
                        r"(?=-(?:NK|T)\b|[\s-](?:cells?|T[- ]cells?)\b)")


def _car_alias_mentions(text: str) -> list[Mention]:
    """An antigen glued to "CAR" in a product name: "EB-CARMSLN-NK" (mesothelin)."""
    return _group_mentions(_CAR_ALIAS, text)


_SUFFIXED = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9]{1,8}\d)[A-Z](?=[\s-]?CAR)")


def _suffixed_mentions(text: str) -> list[Mention]:
    """An antigen with a one-letter version suffix right before "CAR": "CD19X CAR-T",
    "ROR1R-CAR-T"."""
    return _group_mentions(_SUFFIXED, text)


_CD_PAIR = re.compile(r"(?<![A-Za-z0-9.])(?:(?:[A-Z]{1,3}|CAR[\s-]?)(\d{1,3})[./+](\d{1,3})"
                      r"(?:[./+](\d{1,3}))?"
                      r"(?=[\s-]*(?:CAR|T\b|-T\b))"
                      rf"|{_CAR_PREFIX}CAR-?T?[\s-]?(\d{{2,3}})[./]"
                      r"(\d{2,3})(?:[./](\d{2,3}))?(?![\dA-Za-z]))")
"""Two or three CD numbers after a letter code and before "CAR"/"T" ("LV20.19 CAR", "CD19+22
CAR-T", "CD19.20.22 CAR T-cells"), or two or three after "CAR" or "CART" itself, with the
prefixes of ``_CAR_NUMBER`` ("CAR19/20 engineered T cells", "CART 19/20", "CAR20.19.22",
"tanCART19/20", "DuoCAR20.19.22")."""


def _cd_numbers(text: str, m: re.Match[str], groups: Iterable[int], lead: int = 0
                ) -> list[Mention]:
    """The CD numbers of ``m``'s ``groups`` that matched, each as its curated antigen, when
    every one is curated; each mention also spans the ``lead`` characters before its number
    ("CD")."""
    found = [g for g in groups if m.group(g)]
    keys = [_cd_key(m.group(g)) for g in found]
    if not all(keys):
        return []
    return [Mention(str(k), m.start(g) - lead, m.end(g), text[m.start(g) - lead:m.end(g)])
            for g, k in zip(found, keys, strict=True)]


def _cd_pair_mentions(text: str) -> list[Mention]:
    """A tandem CAR named by the CD numbers of its antigens: "LV20.19 CAR" (CD20, CD19),
    "CAR20.19.22" (CD20, CD19, CD22)."""
    return [mention for m in _CD_PAIR.finditer(text)
            for mention in _cd_numbers(text, m, (1, 2, 3) if m.group(1) else (4, 5, 6))]


_RUN_TOGETHER = re.compile(r"CD(?<![A-Za-z0-9]CD)(\d{1,3}[a-z]?)CD(\d{1,3}[a-z]?)"
                           r"(?:CD(\d{1,3}[a-z]?))?(?![A-Za-z0-9])")
"""CD antigens written run together: "CD19CD22 CAR-T", "P-CD19CD20-ALLO1" (the look-behind
after the literal "CD", so that a text is scanned for "CD" rather than tried at each
character)."""


def _run_together_mentions(text: str) -> list[Mention]:
    """Each antigen of CD names run together ("CD19CD22"), each mention from its "CD"."""
    return [mention for m in _RUN_TOGETHER.finditer(text)
            for mention in _cd_numbers(text, m, (1, 2, 3), lead=2)]


def _clone_mentions(text: str) -> list[Mention]:
    """An antigen glued to the number of its antibody clone: "EGFR806-EGFRt" (EGFR)."""
    return _group_mentions(_CLONE, text)


def _overlaps(m: Mention, others: list[Mention]) -> bool:
    return any(m.start < o.end and o.start < m.end for o in others)


# ---- ligand-based receptors and HGNC genes in a targeting context ---------------------------

_RECEPTOR_AFTER = r"(?=(?:-(?:APRIL|BAFF|[A-Z][a-z]{3,}))*[\s-]*(?:\([^)]{0,20}\)[\s-]*)?(?:(?i:targeted|targeting|directed)[\s-]+)?(?:based\b|zetakine|mutein|CAR\b|CAR-?T|CAR[- ]NK|chimeric|\w*CAR\b))"  # noqa: E501
LIGAND_RECEPTORS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (re.compile(rx + _RECEPTOR_AFTER), keys) for rx, keys in (
        (r"(?<![A-Za-z0-9])IL-?13(?:\s?\(?E12Y\)?|\s?\(?E13Y\)?)?(?![0-9Rr])", ("IL13RA2",)),
        (r"(?<![A-Za-z0-9])IL-?3(?![0-9Rr])", ("IL3RA",)),
        (r"(?<![A-Za-z0-9])IL-?5(?![0-9Rr])", ("IL5RA",)),
        (r"(?<![A-Za-z0-9])IL-?11(?![0-9Rr])", ("IL11RA",)),
        (r"(?<![A-Za-z0-9])APRIL(?![A-Za-z0-9])", ("TNFRSF17", "TNFRSF13B")),
        (r"(?<![A-Za-z0-9])BAFF(?:[- ]?ligand)?(?![A-Za-z0-9]|-(?![A-Z][a-z]{3,}))",
         ("TNFRSF13C",)),
        (r"(?<![A-Za-z0-9])NKp30(?![A-Za-z0-9])", ("NCR3LG1",)),
        (r"(?<![A-Za-z0-9])CD27(?![A-Za-z0-9])", ("CD70",)),
    ))
"""A ligand written as the binder of a receptor ("IL-13 zetakine", "APRIL-based CAR",
"APRIL-BAFF-Bicephali CAR-T") names the antigens it binds (NKG2D-based receptors are in the
target table as NKG2D ligands)."""


def _ligand_mentions(text: str) -> list[Mention]:
    out: list[Mention] = []
    for rx, keys in LIGAND_RECEPTORS:
        for m in rx.finditer(text):
            out.extend(Mention(k, m.start(), m.end(), m.group(0), source="ligand") for k in keys)
    return out


_GENE_BEFORE = re.compile(r"(?i:(?:\banti|\bCAR|\bCART|targeting|targets?|targeted|against"
                          r"|recogni[sz]\w*)[\s\-.]*(?:the\s+)?(?:human\s+)?$)")
_GENE_AFTER = re.compile(
    r"(?i:^(?:[\s\-]*(?:targeted|targeting|specific|directed|redirected|positive"
    r"|expressing)\b"
    r"|[\s\-.]*(?:[A-Z]{1,4}[\s\-])?(?:CAR\b|CAR-?T|CAR-?NK|CARs\b|chimeric|TCR\b|TCR-?T)))")
DISEASE = (r"(?:lymphomas?|leuka?emias?|tumou?rs?|cancers?|malignanc(?:y|ies)|carcinomas?"
           r"|myelomas?|neoplasms?|solid tumou?rs?|gliomas?|glioblastomas?|\w*blastomas?"
           r"|sarcomas?|mesotheliomas?|melanomas?)")
"""Words that name a disease, for "X-positive disease" rules."""
WITH_BEFORE = re.compile(r"(?i)\bwith\s+(?:(?:high|positive|strong)\s+)?$")
EXPRESSION_AFTER = re.compile(
    r"(?i)\s*(?:(?:cell[- ])?surface\s+|protein\s+)?(?:over)?expression\b")
"""Around an antigen of a disease "with GPNMB surface expression"."""
_PLUS_DISEASE = re.compile(rf"(?i)\+[\s-]+(?:(?!cells?\b)[\w/-]+\s+){{0,3}}?{DISEASE}\b")
_TARGETING_WORDS = re.compile(r"(?i:anti|target|specific|directed|against|recogni|positive"
                              r"|express)|CAR|TCR")
_HUMANISED = re.compile(r"(?<![A-Za-z0-9])(?:h|hu)(?=[A-Z][A-Z0-9]{2,}(?![A-Za-z0-9]))")
NOT_ANTIGEN_GENES = re.compile(
    r"^(?:IL\d+[AB]?|CCL\d+|CXCL\d+|IFN\w+|TNF|TGFB\w*|CASP\d+|CD3[DEGZ]|CD247|CD28"
    r"|CD8[AB]|TNFRSF9|TNFSF9|TNFRSF4|TNFRSF18|CD27|ICOS|MYD88|CD40|CD40LG|PDCD1|CTLA4|HLA-\w+|B2M"
    r"|TRAC|TRBC2|CIITA|FCGR[23]\w*|KLRK1|NCR\d|CD16|TK\d?|PTPN\w+|CISH|DGK\w|TET2|REG1"
    r"|NR4A\w+|SPPL3|CD2AP|GZM\w+|PRF1|MKI67|ALB|INS|GAST|CAR\w*|TCR\w*|NK\w*)$")
"""Genes a product carries or edits rather than aims at (cytokines, costimulatory and signalling
domains, knock-outs, safety switches)."""
CARRIED_RECEPTOR_GENES = re.compile(r"^(?:IL\d+R\w*|CCR\d+|CXCR\d+|FCGR1\w*)$")
"""Receptors that a product often carries (a homing chemokine receptor, "CXCR4-enabled"; a
cytokine receptor, "IL-7Rα") but that are also antigens ("anti-CCR4 CAR", "CD64 CAR T",
"targets IL-1RAP"): taken only where the targeting word is written right beside them."""
_DIRECT_BEFORE = re.compile(r"(?i:(?:\banti|targeting|targets?|against)[\s\-]*$)")
_DIRECT_AFTER = re.compile(
    r"(?i:^(?:[\s\-]*(?:targeted|targeting|specific|directed|redirected)\b"
    r"|[\s\-.]*(?:CAR\b|CAR-?T|CAR-?NK|CARs\b|chimeric)))")
_LIST_CLOSER = re.compile(r"(?i)[\s\-]*(?:(?:dual|bi|tri|multi)[- ]?(?:target\w*|specific)"
                          r"|targeted|targeting|directed|positive)\b"
                          r"|[\s\-]*(?:CAR\b|CAR-?T|CAR-?NK|chimeric)")
_AND = re.compile(r"-?\s?(?:,\s?|\s(?:and|&)\s)(?:and\s)?")
_NEAR = 16
"""The longest join between a gene and a known antigen that ``_gene_mentions`` reads: an
``_AND`` (11 characters), a pair's ``/`` or ``+`` with spaces (3), an armour's hyphen (2)."""


def _windowed(text: str, spans: list[tuple[int, int]], reach: int = 90) -> list[Any]:
    """HGNC gene mentions of ``text`` within ``reach`` characters of ``spans`` (a mention
    farther from every targeting word and known antigen could not be taken), each window
    widened to whole words; found by scanning the windows only."""
    windows: list[list[int]] = []
    for a, b in sorted(spans):
        lo, hi = max(0, a - reach), min(len(text), b + reach)
        while lo > 0 and not text[lo - 1].isspace():
            lo -= 1
        while hi < len(text) and not text[hi].isspace():
            hi += 1
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    out = []
    for lo, hi in windows:
        for g in hgnc_genes.find_gene_mentions(text[lo:hi]):
            out.append(dataclasses.replace(g, start=g.start + lo, end=g.end + lo))
    return out


def _gene_mentions(text: str, found: list[Mention]) -> list[Mention]:
    """Any HGNC gene (symbol, alias, previous symbol or name) written in a targeting context:
    "anti-STEAP1", "CSPG4-specific", "CAIX-targeted", "hALK.CAR", "PHOX2B PC-CAR", or paired
    with a known antigen ("CSPG4/GD2")."""

    out: list[Mention] = []
    if not found and not _TARGETING_WORDS.search(text):
        return out  # no targeting context anywhere, and no known antigen to pair with
    scan = _HUMANISED.sub(lambda m: " " * len(m.group(0)), text)
    by_end = sorted(found, key=lambda m: m.end)
    ends = [m.end for m in by_end]
    by_start = sorted(found, key=lambda m: m.start)
    starts = [m.start for m in by_start]
    for g in _windowed(scan, [(m.start(), m.end()) for m in _TARGETING_WORDS.finditer(text)]
                       + [(m.start, m.end) for m in found]):
        if NOT_ANTIGEN_GENES.match(g.symbol) or len(g.alias) < 3:
            continue
        before = text[max(0, g.start - 30):g.start]
        after = text[g.end:g.end + 25]
        # The known antigens that end just before the gene or start just after it: the only
        # ones the joins below (at most _NEAR characters) can reach. Looking at every one
        # made a text of n antigens cost n² ("CD19 " * 2000: 15 s).
        near = (by_end[bisect_left(ends, g.start - _NEAR):bisect_right(ends, g.start)]
                + by_start[bisect_left(starts, g.end):bisect_right(starts, g.end + _NEAR)])
        if CARRIED_RECEPTOR_GENES.match(g.symbol):
            # (after an antigen, "B7H3 IL-7Ra CAR T", the receptor is what the CAR carries)
            armour = any(re.fullmatch(r"[\s\-]{1,2}", text[m.end:g.start]) for m in near)
            if not armour and (_DIRECT_BEFORE.search(before) or _DIRECT_AFTER.match(after)):
                out.append(Mention(g.symbol, g.start, g.end, text[g.start:g.end], source="hgnc"))
            continue
        paired = any(re.fullmatch(r"\s?[/+]\s?", text[g.end:m.start]) or re.fullmatch(
            r"\s?[/+]\s?", text[m.end:g.start]) for m in near)
        # "targeting AXL and CD73": a list that a targeting word opens
        listed = any(_AND.fullmatch(text[m.end:g.start]) and _GENE_BEFORE.search(
            text[max(0, m.start - 30):m.start]) for m in near) or any(
            # "TRAIL-R2 and HER2 Bi-Specific CAR": a list that a targeting word closes
            _AND.fullmatch(text[g.end:m.start]) and _LIST_CLOSER.match(text[m.end:m.end + 30])
            for m in near)
        # "sarcoma with GPNMB surface expression": the antigen-positive disease (an engineered
        # product's annotation decides whether it names the target)
        expressed = bool(WITH_BEFORE.search(before) and EXPRESSION_AFTER.match(after))
        # "MMP2+ Recurrent or Progressive Glioblastoma": an antigen-positive disease (not "CD4+
        # CAR+ Foxp3+ cells", the product's own phenotype)
        plus_disease = bool(_PLUS_DISEASE.match(text[g.end:g.end + 60]))
        if (_GENE_BEFORE.search(before) or _GENE_AFTER.match(after) or paired or listed
                or expressed or plus_disease):
            out.append(Mention(g.symbol, g.start, g.end, text[g.start:g.end], source="hgnc"))
    return out


def _loose(alias: str) -> str:
    """A regex for a product code that tolerates hyphens/spaces ("CNCT19" = "CNCT-19")."""
    parts = re.findall(r"[A-Za-z]+|\d+|[^A-Za-z\d\s-]+", alias)
    return r"[- ]?".join(re.escape(p) for p in parts)


def _compact(text: str) -> str:
    return re.sub(r"[\s-]+", "", text.lower())


def _code_aliases() -> list[str]:
    return _longest_first(a for e in vocab.product_codes().values() for a in (e.code, *e.aliases))


@cache
def code_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    lookup: dict[str, str] = {}
    for code, entry in vocab.product_codes().items():
        for alias in (code, *entry.aliases):
            lookup[_compact(alias)] = code
    body = "|".join(_loose(a) for a in _code_aliases())
    return re.compile(f"(?<![A-Za-z0-9])(?i:{body})(?![A-Za-z0-9])"), lookup


@cache
def _code_union() -> GatedUnion:
    """``code_regex`` as a ``GatedUnion`` of its codes, for ASCII text."""
    return GatedUnion("(?<![A-Za-z0-9])(?:", [f"(?i:{_loose(a)})" for a in _code_aliases()],
                      ")(?![A-Za-z0-9])")


def find_codes(text: str) -> list[Mention]:
    rx, lookup = code_regex()
    low = ascii_lower(text)
    scan = rx if low is None else _code_union().scan(low)
    if scan is None:
        return []
    return [Mention(lookup[_compact(m.group(0))], m.start(), m.end(), m.group(0))
            for m in scan.finditer(text) if _compact(m.group(0)) in lookup]


def _agent_aliases() -> tuple[list[str], list[str]]:
    """The agents' case-insensitive and exact-case aliases."""
    ci: list[str] = []
    cs: list[str] = []
    for entry in vocab.agents().values():
        ci += entry.aliases
        cs += entry.exact_case
    return ci, cs


@cache
def agent_regex() -> tuple[re.Pattern[str], dict[str, str]]:
    lookup: dict[str, str] = {}
    for key, entry in vocab.agents().items():
        for a in entry.aliases:
            lookup[a.lower()] = key
        for a in entry.exact_case:
            lookup[a] = key
    ci, cs = _agent_aliases()
    body = f"(?i:{_alternation(ci)})|(?:{_alternation(cs)})"
    return re.compile(f"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z0-9])"), lookup


@cache
def _agent_union() -> GatedUnion:
    """``agent_regex`` as a ``GatedUnion`` of its aliases, in the same order, for ASCII text."""
    ci, cs = _agent_aliases()
    return GatedUnion("(?<![A-Za-z0-9])(?:",
                      [f"(?i:{re.escape(a)})" for a in _longest_first(ci)]
                      + [re.escape(a) for a in _longest_first(cs)], ")(?![A-Za-z0-9])")


def find_agents(text: str) -> list[Mention]:
    rx, lookup = agent_regex()
    low = ascii_lower(text)
    scan = rx if low is None else _agent_union().scan(low)
    out = []
    for m in scan.finditer(text) if scan is not None else ():
        alias = m.group(0)
        key = lookup.get(alias) or lookup.get(alias.lower())
        if key:
            out.append(Mention(key, m.start(), m.end(), alias))
    return out


@cache
def condition_index() -> tuple[dict[str, str], re.Pattern[str], dict[str, str]]:
    """Exact keys (normalised spelling -> condition key) and a longest-match regex."""
    exact: dict[str, str] = {}
    abbrev: dict[str, str] = {}
    for key, term in vocab.conditions().items():
        for s in (term.label, *term.synonyms):
            if len(s) <= 5 and (s.isupper() or re.fullmatch(r"[A-Za-z]{1,3}[A-Z][A-Za-z]*", s)):
                abbrev.setdefault(s, key)
            exact.setdefault(vocab.condition_key(s), key)
    words = sorted(exact, key=len, reverse=True)
    rx = re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words)
                    + r")(?![a-z0-9])")
    return exact, rx, abbrev


# ---- masks and cues -------------------------------------------------------------------------

MASKS = Prefiltered(
    r"(?i:\bTCR[- ](?:genes?[- ]?)?(?:knock(?:ed)?[- ]?out|KO\b|deleted|disrupted)|"
    r"NK\s*/\s*T[- ]?cells?[- ]lymphomas?|NK\s*/\s*T[- ]?cell|natural killer\s*/\s*T[- ]?cell"
    r"|NK-T[- ]cell lymphoma|extranodal NK|(?:T\s*/\s*)?NK[- ]cells?\s+(?:(?:haema|hema)tolog\w*"
    r"\s+)?(?:malignanc\w+|neoplasm\w*|tumou?rs?|lymphoproliferative)"
    r"|NK[- ]cell (?:engager|activity|function|counts?|"
    r"numbers?|reconstitution|recovery|depletion|leukemia|lymphoma)|NK[- ]cell[- ]engaging"
    r"|natural killer\s*(?:\(NK\)\s*)?cells?[- ]engag\w*"
    r"|large granular lymphocyt\w*|T[- ]cell (?:lymphomas?|leuka?emias?|malignanc\w+|"
    r"lymphoblastic)|combination antiretroviral|antiretroviral therapy"
    r"|(?:effects?\s+of[^.;]{0,60}\s+on|density of|levels? of)\s+tumou?r[- ]infiltrating"
    r" lymphocytes?|tumou?r[- ]infiltrating lymphocytes? (?:density|infiltration|scores?|counts?|levels?"  # noqa: E501
    r"|as (?:a )?biomarkers?)|TILs? (?:density|score|count|levels?|infiltration))"
    r"|\bcART\b|\bCART\s+regimen"
    r"|(?:natural killer|NK|T|lymphocyte)[- ]cells?[- ](?:stimulatory|growth|maturation"
    r"|activating|differentiation)[- ]factors?|lymphocyte maturation factor"
    r"|anti-?[\w-]+\s+(?:monoclonal\s+)?(?:antibod(?:y|ies)|mAbs?)\b(?![- ](?:derived|fragment"
    r"|based|domain|sequence))(?!\s+(?:single|scFv|\(scFv|fragment|variable|binding|domain))"
)
"""Phrases that look like a cell therapy or its target and are not (diseases, biomarkers, HIV
therapy, a monoclonal antibody given beside the cells: "anti-CD38 monoclonal antibody", a
cytokine's other name: "natural killer cell stimulatory factor" is IL-12)."""

_P = r"(?:[- ]?(?:T|NK|NKT|M|macrophages?|γδ ?T|cells?|therapy|engineered|modified))?"
PLATFORM_CUES: tuple[tuple[str, Prefiltered], ...] = tuple(
    (name, Prefiltered(rx)) for name, rx in (
        ("CAR-M", r"(?i:\bCAR[- ]?M(?:acrophages?)?\b|CAR[- ]macrophage|CAR[- ]monocytes?|chimeric antigen receptor"  # noqa: E501
                  r"[- ](?:engineered |modified )?macrophage|CAR-engineered macrophage)"),
        ("CAR-NKT", r"(?i:\bCAR[- ]?i?NKT\b|\bCAR[- ]?NK[- ]?T[- ]?cells?"
                    r"|(?:CAR|chimeric antigen receptor)[^.;]{0,60}\bi?NKT\b"
                    r"|\bi?NK[- ]?T[- ]cells?[^.;]{0,40}(?:\bCAR\b|chimeric antigen)"
                    r"|(?:\bCAR\b|chimeric antigen receptor)[^.;]{0,60}natural killer T[- ]cells?"
                    r"|natural killer T[- ]cells?[^.;]{0,40}(?:\bCAR\b|chimeric antigen))"),
        ("CAR-γδT", r"(?i:\bCAR[- ]?(?:γ ?δ|gamma[- ]?delta|gd)[- ]?T"
                    r"|(?:γ ?δ|gamma[- ]?delta)[- ]?(?:T[- ]?cells? )?CAR\b"
                    r"|(?:CAR|chimeric antigen receptor)[^.;]{0,40}"
                    r"(?:γ ?δ|gamma[- ]?delta|\bgd)[- ]?T\b"
                    r"|(?:γ ?δ|gamma[- ]?delta|(?-i:\bgd))[- ]?T[- ]?cells?\b[^.;]{0,60}"
                    r"(?:\bCAR\b|chimeric antigen)"
                    r"|(?:γ ?δ|gamma[- ]?delta)[- ]chimeric (?:antigen )?receptor[^.;]{0,20}"
                    r"\bV[δd][12][- ]?T\b)"),
        ("CAR-NK", r"(?i:\bCAR[- ]?(?:p|i|ML|IT|(?-i:[a-z]{1,3}))?NK\b"
                   r"|\bCAR[- ]?NK[- ]?(?:92|cells?)"
                   r"|\bNK[- ]?CAR\b"
                   r"|(?:\bCAR\b|chimeric antigen receptor)[^.;]{0,70}?\b(?:NK|natural killer)"
                   r"(?:[- ]?92)?[- ]cells?"
                   r"|\b(?:NK|natural killer)[- ]cells?[^.;]{0,60}(?:\bCAR\b|chimeric antigen)"
                   r"|\bNK-?92[^.;]{0,20}\bCAR\b|(?-i:CAR[A-Z0-9]{1,8})-NK\b)"),
        ("other", r"(?i:\bCAR[- ]?DCs?\b|CAR[- ](?:engineered )?dendritic)"),
        ("CAR-T", r"(?i:\bCAR[- ]?T\b|\bCAR[- ]?T[- ]?cells?|\bCAR\s?-?T(?:s)?\b|\bCART\b|\bCAR\b"
                  r"|CAR-?T(?![a-z])|(?-i:CAR-?T)|chimeric antigen receptor"
                  r"|\bCAR[- ](?:modified|engineered|transduced)"
                  r"|\bCARs\b|\bc?CAR[- ]?T(?![a-z])|(?-i:\bc?CAR[- ]?T)"
                  r"|\bCAR[a-z]{1,4}[- ]T[- ]?cells?|\b(?-i:[a-z]{1,3})CAR[- ]?T[- ]?cells?"
                  r"|cabtagene"
                  r"|\b(?:azer|ronde|anito|cilta|ide|axi|tisa|liso|brexu|obe|zamto|satri|eque"
                  r"|relma|rese|arlo)-cel\b|chimeric (?:T[- ]cell )?receptors?|\bCAR-?CIK"
                  r"|chimeric T[- ]cells?"
                  r"|\bCARv\d+\b|\bCIR[- ]?T[- ]cells?|chimeric immune receptor"
                  r"|(?<!TCR)(?<!TCR[- ])\bre-?directed T[- ]cells?"
                  r"|\bCAR\d{1,3}(?:v\d)?\b|[A-Za-z]CAR\d{0,3}-T\b)|\b[A-Z]{2,5}CAR\b"
                  r"|CART[-‐ ]?\d|\bCART[A-Z0-9]|[A-Z0-9]CAR[- ]?T\b|[0-9]CAR\b"
                  r"|[A-Z0-9]CAR[A-Z]?-?\d|\b\d?[A-Za-z]{0,4}CAR-[A-Z0-9]"
                  r"|\b(?-i:[A-Z][a-z]{1,3}|[a-z]{1,3})CAR-?T?\d{2,3}(?![a-z])"),
        ("TCR-T", r"(?i:\bTCR[- ]?T\b|\bTCR[- ]?T[- ]?cells?|\bTCR[- ](?:engineered|transduced|"
                  r"modified|redirected|gene)|T[- ]cell receptor[- ](?:engineered|transduced|"
                  r"modified|gene|T)|engineered (?:T[- ]cell receptor|TCR)|\bTCR\b[^.;]{0,30}"
                  r"T[- ]?cells?|TCR-?T|afamitresgene|afami-cel)"),
        ("iNKT", r"(?i:\bi?NKT[- ]?cells?\b|\biNKT\b|invariant natural killer T|natural killer T"
                 r"[- ]cells?|\bNK[- ]T[- ]cells?)"),
        ("γδT", r"(?i:(?:γ ?δ|gamma[- ]?delta|gammadelta|Vγ9Vδ2|V[gγ]9V[dδ]2|Vδ[12])[- ]?T\b"
                r"|(?-i:\bgdT\b)"
                r"|(?:γ ?δ|gamma[- ]?delta|gammadelta|Vγ9Vδ2|Vδ[12])[- ]T[- ]?cells?)"),
        ("TIL", r"(?i:(?-i:\bTILs?\b)|tumou?r[- ]infiltrating lymphocytes?|lifileucel|\bLN-14[45]\b"
                r"|Amtagvi)"),
        ("CIK", r"(?i:\bCIKs?\b|cytokine[- ]induced killer|\bDC-?CIK\b)"),
        ("NK", r"(?i:\bNK[- ]?cells?\b|natural killer[- ]cells?|\bNK-?92(?:MI)?\b|\bhaNK\b"
               r"|memory[- ]like NK|\bCIML[- ]?NK"
               r"|\bNK\b(?=[- ](?:cell|infusion|therapy|immunotherapy|product))"
               r"|natural killer\s*\(NK\)[\s-]*cells?)"),
        ("T cell", r"(?i:virus[- ]specific T|(?:EBV|CMV|BKV?|adenovirus|HPV|HBV|multi-?virus|viral"
                   r"|pathogen|antigen|tumou?r|leukemia|WT1|peptide|SARS-CoV-?\s?2|COVID-19)"
                   r"[- ]specific"
                   r" (?:T[- ]cells?|T[- ]lymphocytes?|CTLs?)|\bCTLs?\b|cytotoxic T[- ]lymphocytes?"
                   r"|\bDLI\b|activated T[- ]cells?"
                   r"|(?:therapeutic|haploidentical|irradiated)(?: haploidentical)?"
                   r" (?:allogeneic|autologous) lymphocytes"
                   r"|peripheral blood lymphocyte therapy|(?:donor|allogeneic) white blood cell"
                   r" infusions?|\blymphocyte infusions?"  # (donor lymphocyte infusions too)
                   r"|expanded T[- ]cells?|T[- ]cell infusion|adoptive T[- ]cell|\bVSTs?\b"
                   r"|marrow infiltrating lymphocytes|\bMILs\b|posoleucel|tabelecleucel"
                   r"|T[- ]cell therapy|memory T[- ]cells"
                   r"|(?:knock-?out|knocked[- ]out|gene[- ]edited)[^.;]{0,25}?T[- ]cells?"
                   r"|\bT[- ]cell (?:\([A-Z]{2,5}\) )?products?\b"
                   r"|\b(?:donor|allodepleted)\s+(?:donor\s+)?T[- ]cells?"
                   r"|\bTregs?\b|regulatory T[- ]cells?|T[- ]regulatory cells?)"),
        ("other", r"(?i:dendritic cells? vaccines?|\bDC[- ]?vaccines?"
                  r"|(?:peptide|antigen|tumou?r|lysate|neoantigen)[- ](?:specific|pulsed|loaded)"
                  r"[- ]dendritic cells?|dendritic cells? (?:pulsed|loaded)"
                  r"|(?:activated|matured?|targeted)\s+dendritic cells?"
                  r"|(?:loaded|pulsed|autologous|allogeneic|tolerogenic|monocyte[- ]derived)\s+"
                  r"(?:\w+\s+)?dendritic cells?"
                  r"|dendritic cells?[- ](?:therapy|injection|infusion|immunotherapy)"
                  r"|\bCAR[- ]?DC\b|\bCAR-?Treg|lymphokine[- ]activated killer|\bLAK\b"
                  r"|\bDCVAC)"),
    )
)
"""Platform cues in priority order (the first that matches a phrase names its platform); each
reads a text with only the alternatives whose words it holds (over the 6,199 phrases of the
corpus records whose cues were searched, every possible cue: 0.94 -> 0.44 s)."""



@cache
def _cue_words() -> tuple[frozenset[str] | None, ...]:
    """Each platform cue's required words (parsed on first use, not at import)."""
    return tuple(required_words(rx.pattern) for _, rx in PLATFORM_CUES)


def platform_cues(text: str) -> Iterator[tuple[str, Prefiltered]]:
    """The platform cues that may match ``text``, in priority order.

    In ASCII text, case-insensitive matching is plain lower-casing, so a cue whose required
    words are all absent from the lower-cased text cannot match and is skipped (most titles
    name no cell therapy, and the 13 cue regexes were a third of the normaliser's time).
    """
    possible = _possible_cues(text)
    for i, (name, rx) in enumerate(PLATFORM_CUES):
        if i in possible:
            yield name, rx


@lru_cache(maxsize=1 << 14)
def _possible_cues(text: str) -> frozenset[int]:
    """Indices of the cues whose required words occur in ``text`` (all of them for non-ASCII
    text or a cue whose words are unknown), found in one pass of an automaton."""
    low = ascii_lower(text)
    automaton, unknown = _cue_automaton()
    if low is None:
        return frozenset(range(len(PLATFORM_CUES)))
    return unknown | frozenset(i for _end, ids in automaton.iter(low) for i in ids)


@cache
def _cue_automaton() -> tuple[Any, frozenset[int]]:
    owners: dict[str, set[int]] = {}
    unknown = set()
    for i, words in enumerate(_cue_words()):
        if words is None:
            unknown.add(i)
            continue
        for w in words:
            owners.setdefault(w, set()).add(i)
    return word_automaton({w: frozenset(ids) for w, ids in owners.items()}), frozenset(unknown)


ENGINEERED = {"CAR-T", "CAR-NK", "CAR-NKT", "CAR-γδT", "CAR-M", "TCR-T"}

DUAL_CUE = Prefiltered(r"(?i:dual[- ]?(?:target|specific|antigen|CAR)\w*|\bdual\b|bi-?specific"
                       r"|logic[- ]gated?"
                      r"|tandem|bicistronic|bi-?valent|\bTanCAR|\bOR[- ]gate|two[- ]target"
                      r"|double[- ]target\w*|tri-?specific|tri-?valent|triple[- ]target\w*"
                      r"|multi-?target\w*)")
SEPARATE_CUE = Prefiltered(r"(?i:sequential\w*|cocktail|mixed|co-?administ\w*|co-?infus\w*"
                          r"|combination of|combined infusion|two CAR-?T)")

CONTEXT_NOT_GIVEN = Prefiltered(
    r"(?i:\b(?:after|following|post|prior(?: to)?|receiving|received|recipients?"
    r"|treated (?:with|by)"
    r"|undergoing|underwent|before|bridging|previous(?:ly)?|failed|failure|relapsed? after"
    r"|(?:side|delayed|late|long[- ]term) effects of|complications (?:of|after)"
    r"|refractory to|resistant to|exposed|eligible for)\b[^.;:]{0,25}$)")
RELATED_AFTER = re.compile(
    r"(?i:^[^.;:]{0,12}\b(?:related|associated|induced|mediated|toxicit\w*|recipients?"
    r"|treated patients|CRS|cytokine release|ICANS|neurotox\w*|failure|relapse)\b)")
NOT_THERAPY_TITLE = Prefiltered(
    r"(?i:cytokine release syndrome|\bCRS\b|\bICANS\b|neurotoxicity|real[- ]world|registry"
    r"|retrospective|long[- ]?term follow[- ]?up|survey|questionnaire|quality of life"
    r"|biomarker|imaging|diagnostic|prophyla\w+ (?:of|for|against)|vaccin\w+ response"
    r"|observational|immuno-?monitoring|immune monitoring|prognostic markers?)")


def warm() -> None:
    """Build the combined regexes, indexes and automata now rather than on first use, and
    prepare every prefiltered pattern made so far (see ``annotate.warm``)."""
    _target_matcher()
    _ascii_target_regex()
    _target_union().prepare()
    _code_union().prepare()
    _agent_union().prepare()
    code_regex()
    agent_regex()
    condition_index()
    _cue_words()
    _cue_automaton()
    for pattern in list(_PREFILTERED):
        pattern.prepare()
