"""From a ``TrialRecord`` to its normalised facts (``TrialAnnotation``).

Fields are read in order of trust: title, official title, intervention names, other names and
descriptions, arm descriptions, keywords, summary. A product is found where a therapy cue
("CAR-NK cells", "iNKT cells", a known product code) names it; its targets are the antigens
written with it ("anti-CD33", "CLL1 and CD38 dual-target CAR-T"), and only then, for a product
with none, antigens anchored to a therapy cue elsewhere in the record. An antigen that is not
in the tables stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from typing import NamedTuple

import pycountry
from celltx.ontology import hgnc_genes, vocab
from celltx.ontology import matchers as mt
from celltx.ontology import required_words as rw
from celltx.ontology.product_conditions import with_conditions
from celltx.ontology.registration import month_of, registration_month, registration_year
from celltx.ontology.terms import (
    AgentUse,
    ConditionMatch,
    Evidence,
    OrganizationTerm,
    Product,
    TrialAnnotation,
)

from celltx.models import STUDY_TYPE_WORD, Intervention, TrialRecord

# ---- countries ------------------------------------------------------------------------------


@cache
def _country_aliases() -> dict[str, str]:
    return {r["ctgov_name"].lower(): r["iso3166_alpha2"]
            for r in vocab.table("country_aliases.tsv")}


@cache
def country_code(name: str) -> str | None:
    """ISO 3166 alpha-2 code of a registry country name.

    >>> country_code("United States"), country_code("Turkey"), country_code("Korea, Republic of")
    ('US', 'TR', 'KR')
    """
    key = name.strip().lower()
    if key in _country_aliases():
        return _country_aliases()[key]
    try:
        return str(pycountry.countries.lookup(name.strip()).alpha_2)
    except LookupError:
        pass
    try:
        return str(pycountry.countries.search_fuzzy(name.strip())[0].alpha_2)
    except LookupError:
        return None


# ---- organisations ----------------------------------------------------------------------------

_CLASS_OF = {
    "INDUSTRY": "industry", "NIH": "government", "FED": "government", "OTHER_GOV": "government",
    "NETWORK": "network", "INDIV": "individual",
}
_ACADEMIC = re.compile(r"(?i:universit|hospital|institut|college|cent(?:er|re)|school|clinic"
                       r"|medical|academy|infirmary|children|cancer|faculty|klinik|hôpital"
                       r"|hospital|ospedale|chu\b|health)")
_COMPANY_SUFFIX = re.compile(
    r"(?i:[,\s]+(?:inc\.?|incorporated|ltd\.?|limited|llc|l\.l\.c\.|gmbh|ag|s\.?a\.?|"
    r"corp\.?|corporation|co\.?|company|plc|pty|b\.v\.|bv|co\.?,?\s*ltd\.?)\s*$)")


def _org_text_key(name: str) -> str:
    """The key of a sponsor's name: without its parenthesised parts, company suffix, case,
    punctuation and spaces, so that names written with their words run together or apart
    are one ("su haichuan" and "suhaichuan", "Beijing Chao-yang Hospital" and "Beijing
    Chaoyang Hospital", "C.H.U. de RENNES" and "CHU De Rennes": over the corpus' and the
    registries' 5,822 sponsor names this joins 14 pairs, each one sponsor by reading).

    >>> _org_text_key("Wuhan Jin Yin-tan hospital") == _org_text_key("Wuhan Jinyintan Hospital")
    True
    """
    text = re.sub(r"\s*\([^)]*\)\s*", " ", name)
    text = text.replace("&", " and ").replace("’", "'")
    for _ in range(3):
        text = _COMPANY_SUFFIX.sub("", text.strip().rstrip(",."))
    text = re.sub(r"(?i)^the\s+", "", text.strip())
    return vocab.text_key(text if text.strip(" -_.,;:!?'\"") else name).replace("-", "")


@cache
def _org_aliases() -> dict[str, tuple[str, str, str]]:
    out = {}
    for r in vocab.table("organizations.tsv"):
        canonical = (_org_text_key(r["name"]), r["name"], r["org_class"])
        for alias in (r["name"], *vocab._split(r["aliases"])):
            out[_org_text_key(alias)] = canonical
            out[alias.strip().lower()] = canonical
    return out


def organization_key(name: str) -> str:
    """One key per organisation however spelled.

    >>> organization_key("National Cancer Institute (NCI)") == organization_key(
    ...     "National Cancer Institute")
    True
    """
    return normalise_organization(name)[0]


@cache
def normalise_organization(name: str) -> tuple[str, str, str | None]:
    """(key, canonical name, curated class or None) of a sponsor as written."""
    aliases = _org_aliases()
    hit = aliases.get(name.strip().lower()) or aliases.get(_org_text_key(name))
    if hit:
        return hit
    return _org_text_key(name), name.strip(), None


_COMPANY_WORDS = re.compile(
    r"(?i:\b(?:biotech\w*|therapeutics|pharma\w*|biosciences?|biologics|biopharma\w*"
    r"|biomedic\w*|bio-?technology|medicine co|cell(?:ular)? (?:technology|therapy) co)\b)")
_DEGREES = (r"(?:[,，;\s]+(?:M\.?D\.?|Ph\.?D\.?|MBBS|M\.?Sc\.?|MPH|D\.?O\.?|FRCPC?|FACP"
            r"|Prof\.?|Professor))+[,，.\s]*")
_CARE_OR_TEACHING = re.compile(r"(?i:hospital|universit|college|school|faculty|klinik|hôpital"
                               r"|ospedale|hospice)")
"""Words of a hospital's or a university's name, which a company word or suffix in it does not
make a company."""
_PERSON = re.compile(
    r"^(?:(?:Dr|Prof)\.?\s+)?[A-Z][a-z]+(?:[- ][A-Z][a-z]+)?(?:\s+[A-Z]\.)?\s+[A-Z][a-z]+"
    r"(?:,?\s*(?:MD|M\.D\.|PhD|Ph\.D\.|MD,? PhD))?$"
    # a name followed by degrees, however written ("Marcela V. Maus, M.D.,Ph.D.", "Aibin
    # Liang，MD，Ph.D.", "Matthew Lunning, DO")
    rf"|^(?:(?:Dr|Prof)\.?\s+)?[A-Za-z][A-Za-z'-]*(?:\s+[A-Za-z][A-Za-z'.-]*){{1,3}}{_DEGREES}$"
    # a romanised name written in lower case ("jiuwei cui", "Qi deng")
    r"|^[A-Za-z][a-z]+\s+[a-z]{2,}$"
    # a name after a title, however cased ("Prof. Dr. med. Andreas Hochhaus", "Dr N Babu",
    # "Dr Christophe LENCLUD", "Prof. Dr. L.G. Visser")
    r"|^(?:(?:Dr|Prof|Professor|med|phil)\.?,?\s+)+[A-Za-z][\w'.-]*(?:\s+[A-Za-z][\w'.-]*){0,3}$")


_ORGANIZATION_WORDS = re.compile(
    r"(?i:\b(?:foundation|fund|trust|network|group|consortium|alliance|society|association"
    r"|council|cent(?:er|re|rum)|research|sciences?|laborator\w*|labs?|technolog\w*|solutions"
    r"|systems|services|diagnostics|devices|international|medic(?:al|ine|isch)|bio|biomet"
    r"|\w*therapeutics|regenerative|charitable|oy|ab|as|kk|govern\w*|ministr\w*|department"
    r"|agency|authority|oncology|cells?|union|immun\w*|genetics?|vaccines?|pharm\w*)\b)")
"""Words of an organisation's name that two capitalised words ("Cabaletta Bio", "Genentech
Foundation", "Forest Laboratories") do not make a person's."""
_NOT_PEOPLE_CLASSES = frozenset({"INDUSTRY", "NETWORK", "NIH", "FED"})
"""Registry classes that a name of two capitalised words does not overrule ("Gilead Sciences",
"Daiichi Sankyo", "Boehringer Ingelheim" are INDUSTRY); a person's sponsor class is OTHER,
OTHER_GOV, INDIV or none."""


def _org_class(name: str, ctgov_class: str | None, curated: str | None) -> str:
    """A curated class wins; a plain company name is industry and a person an individual,
    whatever the registry's class says; then the registry's class, then the name's words."""
    if curated:
        return curated
    if ((_COMPANY_SUFFIX.search(name) or _COMPANY_WORDS.search(name))
            and not _CARE_OR_TEACHING.search(name)):  # ("… Hospital of Guangdong
        return "industry"                              # Pharmaceutical University")
    if (_PERSON.match(name.strip()) and not _ACADEMIC.search(name)
            and not _ORGANIZATION_WORDS.search(name)
            and ctgov_class not in _NOT_PEOPLE_CLASSES):
        return "individual"
    org_class = _CLASS_OF.get(ctgov_class or "")
    if org_class is None:
        org_class = "academic" if _ACADEMIC.search(name) else "other"
    return org_class


def _org(name: str, ctgov_class: str | None, role: str) -> OrganizationTerm:
    key, canonical, curated = normalise_organization(name)
    org_class = _org_class(name, ctgov_class, curated)
    return OrganizationTerm(as_written=name, key=key, name=canonical, org_class=org_class,
                            role=role, ctgov_class=ctgov_class)  # type: ignore[arg-type]


# ---- conditions ----------------------------------------------------------------------------

_COND_NOISE = re.compile(
    r"(?i:\b(?:relapsed|refractory|recurrent|r/r|rr|advanced|metastatic|adult|childhood"
    r"|pediatric|paediatric|progressive|unresectable|locally|stage\s+[iv]+[abc]?|newly"
    r"|diagnosed|high[- ]risk|persistent|resistant|in relapse|positive|negative|and|or|with"
    r"|the|of|nos|primary|secondary|active|severe|moderate|untreated|previously|treated"
    r"|(?-i:CD\d{1,3}[a-z]?))\b)")
"""Qualifiers of a disease's name, and the CD antigen its cells carry ("CD19-positive ALL")."""


_EXCEPT = re.compile(r"(?i)\((?:except|excluding|other than|not)\b[^)]*\)"
                     r"|\b(?:except|excluding|other than)\b.*$")
"""What a condition string leaves out ("AML (Except Acute Promyelocytic Leukemia)"): no
condition is read from it."""


class ConditionHit(NamedTuple):
    """How ``match_condition`` read a registry's condition string."""

    key: str
    """The condition's row in ``conditions.tsv``."""
    how: str
    """The rule, for people (``synonym 'aml'``, ``longest synonym 'lymphoma' inside`` …)."""
    part: str | None = None
    """The words read when the condition was read from a part of the string (a synonym or an
    abbreviation inside it, or the abbreviation in its parentheses); None when the string
    names it as a whole."""
    parenthesised: bool = False
    """Read from the abbreviation in parentheses ("Acute Myeloid Leukemia (AML)")."""


@cache
def match_condition(text: str) -> ConditionHit | None:
    """The condition a registry's condition string names, and how it was read; or None."""
    exact, rx, abbrev = mt.condition_index()
    stripped = text.strip()
    if stripped in abbrev:
        return ConditionHit(abbrev[stripped], f"abbreviation {stripped!r}")
    key = vocab.condition_key(stripped)
    if key in exact:
        return ConditionHit(exact[key], f"synonym {key!r}")
    if "," in stripped:  # MeSH-style inverted "Leukemia, Myeloid, Acute"
        inverted = vocab.condition_key(" ".join(reversed(stripped.split(","))))
        if inverted in exact:
            return ConditionHit(exact[inverted], f"inverted form {inverted!r}")
    parenthesised = re.findall(r"\(([^)]{2,12})\)", stripped)
    reduced = vocab.condition_key(_COND_NOISE.sub(" ", re.sub(r"\([^)]*\)", " ", stripped)))
    for p in parenthesised:
        if p.strip() in abbrev:
            key = abbrev[p.strip()]
            # "B Cell Acute Lymphoblastic Leukemia (ALL)": the words name a narrower one
            if reduced in exact and vocab.conditions()[key].curie in vocab.conditions()[
                    exact[reduced]].broader:
                return ConditionHit(exact[reduced],
                                    f"synonym {reduced!r} after dropping qualifiers")
            return ConditionHit(key, f"abbreviation {p.strip()!r} in parentheses", p.strip(),
                                parenthesised=True)
    if reduced in exact:
        return ConditionHit(exact[reduced], f"synonym {reduced!r} after dropping qualifiers")
    best = None
    kept = _EXCEPT.sub(" ", stripped)
    for m in rx.finditer(key if kept == stripped else vocab.condition_key(kept)):
        if m.string[max(0, m.start() - 4):m.start()] == "non ":
            continue  # ("Non-Melanoma Skin Cancer" is no melanoma)
        if best is None or len(m.group(0)) > len(best):
            best = m.group(0)
    if best and len(best) >= 5:
        return ConditionHit(exact[best], f"longest synonym {best!r} inside", best)
    for token in re.findall(r"[A-Za-z][A-Za-z0-9-]{1,6}", stripped):
        if token in abbrev and token not in {"ALL", "CLL", "MM", "LN", "MS", "MG", "RA", "DM",
                                             "PM", "MN", "FL", "HL"}:
            return ConditionHit(abbrev[token], f"abbreviation {token!r} inside", token)
    return None


def names_as_a_whole(text: str, hit: ConditionHit) -> bool:
    """Whether ``text`` names ``hit``'s condition as a whole: read as a whole (a synonym, an
    abbreviation, an inverted form, after dropping qualifiers), or from a part that leaves only
    qualifiers ("relapsed/refractory AML"), or from its abbreviation in parentheses when it
    lists nothing ("Acute Myeloid Leukemia (AML)"). "Pancreas cancer" read as "cancer" names
    more than cancer: a title does not narrow it, and a question is not asked for cancer. (The
    annotator and the question parameters disagreed: an abbreviation alone, "ALL", was a part
    to one.)

    >>> names_as_a_whole("ALL", match_condition("ALL"))
    True
    >>> text = "High Grade B-Cell Lymphoma"
    >>> names_as_a_whole(text, match_condition(text))
    False
    """
    if hit.part is None:
        return True
    if hit.parenthesised:  # unless the string lists diseases ("Myeloma (MM), Lymphoma")
        return len(_LISTING.split(re.sub(r"\([^)]*\)", " ", text).strip())) < 2
    rest = vocab.condition_key(text).replace(vocab.condition_key(hit.part), " ")
    return not _COND_NOISE.sub(" ", rest).split()


_QUANTITY_BEFORE = re.compile(r"(?<![A-Za-z0-9])\d+(?:[.,/]\d+)?\s*$")
"""A number just before an abbreviation makes it a unit ("300 MG"), not a name ending in a
digit ("CART19 CLL", "CD7 T-ALL")."""


@cache
def _written_words(key: str) -> re.Pattern[str]:
    """A condition key's words as a lower-cased title writes them, whatever stands between
    them ("B-cell Lymphoma" for "b cell lymphoma"; looking for the first word alone found the
    "b" of "Decitabine"), the last one singular or plural. One pattern per key, compiled once
    (keys recur in thousands of titles)."""
    *first, last = key.split(" ")
    words = r"[^a-z0-9]+".join([*map(re.escape, first), re.escape(last[:-1]) + "(?:y|ies)"
                                if last.endswith("y") else re.escape(last) + "(?:e?s)?"])
    return re.compile(rf"(?<![a-z0-9]){words}(?![a-z0-9])")


_SHARED_HEAD_BEFORE = re.compile(
    r"(?<![\w-])((?:[A-Za-z]{3,}\s+)?)([A-Za-z]{4,})(?:\s+(?:and|or|&)\s+|\s+/\s+|/)$")
"""One or two words joined to the disease name after it, whose last word they share ("Gastric
and Pancreatic Cancer", "Acute Myeloid or B-Cell Acute Lymphoblastic Leukemia")."""


def _shared_head(words: str, disease: str) -> str | None:
    """The condition that ``words`` name with ``disease``'s last word ("Gastric" with
    "Pancreatic Cancer": gastric cancer), when the words name none alone and the joined name
    is one disease read whole and not a broad group ("Relapsed Malignancies")."""
    if match_condition(words) is not None:
        return None
    joined = f"{words.strip()} {disease.split()[-1]}"
    hit = match_condition(joined)
    return (hit.key if hit is not None and names_as_a_whole(joined, hit)
            and hit.key not in BROAD_CONDITIONS else None)


def _title_conditions(title: str) -> list[ConditionMatch]:
    """Conditions named in a title, for a record with no conditions field (longest synonyms,
    as written in the title)."""
    exact, rx, abbrev = mt.condition_index()
    low = title.lower()
    out: list[ConditionMatch] = []
    seen: set[str] = set()
    for m in rx.finditer(vocab.condition_key(title)):
        if len(m.group(0)) < 5:
            continue
        key = exact[m.group(0)]
        at = _written_words(m.group(0)).search(low)
        written = title[at.start():at.end()] if at else m.group(0)
        if key not in seen:
            seen.add(key)
            out.append(ConditionMatch(as_written=written, term=vocab.conditions()[key]))
        before = _SHARED_HEAD_BEFORE.search(title, 0, at.start()) if at else None
        if at and before:  # "Gastric / Esophagogastric Junction Adenocarcinoma": gastric too
            for start in (before.start(1), before.start(2)):  # two words, else one
                shared = _shared_head(title[start:before.end(2)], m.group(0))
                if shared is not None:
                    if shared not in seen:
                        seen.add(shared)
                        out.append(ConditionMatch(as_written=title[start:at.end()],
                                                  term=vocab.conditions()[shared]))
                    break
    # (an abbreviation after a number is a unit: "300 MG"; "HCL" a drug's hydrochloride)
    for found in re.finditer(r"(?<![A-Za-z0-9])[A-Z][A-Za-z0-9-]{1,6}(?![A-Za-z0-9])", title):
        token = found.group(0)
        abbreviated = abbrev.get(token)
        if (abbreviated and abbreviated not in seen
                and token not in {"ALL", "MM", "MS", "RA", "CAR", "HCL"}
                and not _QUANTITY_BEFORE.search(title, 0, found.start())):
            seen.add(abbreviated)
            out.append(ConditionMatch(as_written=token, term=vocab.conditions()[abbreviated]))
    return out


def _conditions(record: TrialRecord) -> tuple[ConditionMatch, ...]:
    """The conditions field's, matched; from the title when the field is empty, or names only
    outcomes ("Safety and Efficacy" for "... CART-19/BCMA for High Risk Multiple Myeloma",
    which then dropped out of every myeloma answer)."""
    if all(_OUTCOME_NAME.match(c.strip()) for c in record.conditions):
        from_title = _title_conditions(record.brief_title or record.official_title or "")
        if from_title or not record.conditions:
            return tuple(from_title)
    out: list[tuple[ConditionMatch, bool]] = []  # each with whether its string names it whole
    for c in record.conditions:
        keys, whole = _named(c)
        out += [(ConditionMatch(as_written=c, term=vocab.conditions()[k]), whole)
                for k in keys] or [(ConditionMatch(as_written=c), False)]
    title = record.brief_title or record.official_title or ""
    if not any(m.term for m, _ in out):  # ("Leukemia, B-cell", "Refractory Leukemia"): the
        return tuple(m for m, _ in out) + tuple(_title_conditions(title))  # title's, beside
    return tuple(_refined_by_title(out, title))


_LISTING = re.compile(r"(\s*(?:[;,/&]|\bor\b|\band\b)\s*)", re.IGNORECASE)
"""What separates the diseases of one condition string ("Multiple Myeloma, Plasma Cell
Leukemia", "Melanoma, Lung Cancer, or Colorectal Cancer"); a group, so that ``split`` keeps
each separator between its two parts ("/", "and" join a leukaemia to its lymphoma)."""


def conditions_named(text: str) -> list[str]:
    """The keys of the conditions a registry's condition string names: the one it names as a
    whole (a synonym, an inverted form, after dropping qualifiers); else, when its parts name
    several ("Relapsed or Refractory Large B Cell Lymphoma, ... Chronic Lymphocytic Leukemia"
    was CLL only), each, leaving out one that is broader than another; else the longest
    synonym inside it, or none. "X leukemia/lymphoma" names the leukemia and the lymphoma.

    >>> conditions_named("Multiple Myeloma, Plasma Cell Leukemia")
    ['MM', 'PCL']
    >>> conditions_named("Leukemia, Myeloid, Acute")
    ['AML']
    >>> conditions_named("T-lymphoblastic leukemia/lymphoma")
    ['T_ALL', 'T_LBL']
    """
    return _named(text)[0]


def _named(text: str) -> tuple[list[str], bool]:
    """:func:`conditions_named`, and whether ``text`` names its one condition as a whole."""
    hit = match_condition(text)
    if hit is not None and names_as_a_whole(text, hit):
        return [hit.key], True
    if ";" in text:  # (before the commas of inverted headings: "Lymphoma, B-Cell; Leukemia…")
        keys = list(dict.fromkeys(k for p in text.split(";") if p.strip() for k in _named(p)[0]))
        if len(keys) > 1:
            return _narrowest(keys), False
    split = _LISTING.split(text)  # (the parts, each separator between two of them)
    parts = split[::2]
    for i in range(1, len(parts)):  # "leukemia/lymphoma": the second takes the first's words
        first, second = parts[i - 1].split(), parts[i].split()
        joined = split[2 * i - 1].strip().lower() in ("/", "&", "and", "or")
        if joined and len(second) == 1 and len(first) > 1:
            # (not after a comma: "Acute Lymphoblastic Leukemia, Lymphomas" lists two)
            parts[i] = " ".join([*first[:-1], parts[i]])
        elif (len(_COND_NOISE.sub(" ", parts[i - 1]).split()) == 1 < len(second)
              and (split[2 * i - 1].strip().lower() in ("&", "and", "or")
                   or split[2 * i - 1].strip() != split[2 * i - 1] == " / ")
              and _shared_head(parts[i - 1], parts[i]) is not None):
            # "(Advanced) Breast and Ovarian Cancer": the first, a word that names no disease
            # alone, takes the second's last word (it read as ovarian cancer only); an
            # unspaced slash binds a name ("T-Cell/Histiocyte")
            parts[i - 1] = f"{parts[i - 1].strip()} {second[-1]}"
    parts = [p for p in parts if p.strip()]
    keys = list(dict.fromkeys(k for p in parts if (found := match_condition(p)) is not None
                              for k in [found[0]]))
    if len(keys) < 2 or (hit is not None and hit.key not in keys):
        # (a name read across the separators is the string's one condition: "Recurrent Adult
        # T-Cell Leukemia/Lymphoma" is ATLL, not a T-cell leukaemia and a T-cell lymphoma)
        return ([hit.key] if hit else []), False
    return _narrowest(keys), False


def _narrowest(keys: list[str]) -> list[str]:
    """``keys`` without those broader than another of them (implied by it)."""
    terms = vocab.conditions()
    return [k for k in keys if not any(terms[k].curie in terms[other].broader
                                       for other in keys if other != k)]


BROAD_CONDITIONS = frozenset({
    "NEOPLASM", "CANCER", "SOLID_TUMOR", "HEME_MALIG", "B_NEOPLASM", "T_NEOPLASM",
    "MYELOID_NEO", "LEUKEMIA", "ACUTE_LEUK", "B_LEUK", "T_LEUK", "LYMPHOMA", "NHL", "CNS_NEO",
    "BRAIN_NEO", "SARCOMA", "AUTOIMMUNE"})
"""The table's conditions that name a group of diseases, not one (neoplasm, leukaemia, T-cell
leukaemia, lymphoma, CNS neoplasm …): a field naming only such names the trial's diseases
broadly. Chosen by hand: counting the rows under each made B-cell NHL, glioma or lung cancer
groups, and a title's Hodgkin lymphoma joined a field of B-cell NHL."""


@cache
def _umbrellas() -> frozenset[str]:
    """The CURIEs of ``BROAD_CONDITIONS``."""
    terms = vocab.conditions()
    return frozenset(c for k in BROAD_CONDITIONS if (c := terms[k].curie))


@cache
def _broader_ones() -> frozenset[str | None]:
    """The conditions that are broader than another (CURIEs)."""
    return frozenset(c for t in vocab.conditions().values() for c in t.broader)


def _refined_by_title(found: list[tuple[ConditionMatch, bool]],
                      title: str) -> list[ConditionMatch]:
    """The conditions field's matches (each with whether its string names it as a whole),
    each of a string that names a broader condition as a
    whole, which the title names more narrowly, taken as the title names it ("Acute
    Lymphoblastic Leukemia" in a trial titled "... for B-cell Precursor Acute Lymphoblastic
    Leukemia" is B-cell ALL). Kept as they are: a string read from a part ("High Grade B-Cell
    Lymphoma" as B-cell lymphoma), which names something else than its part, and a broad
    condition beside a narrower one of the field ("Liver Cancer" beside "Hepatocellular
    Carcinoma": the field says it means more than the narrower one).

    When the title names every condition of the field, more narrowly or as it is ("Leukaemia"
    in a trial titled "... for AML, ALL and MDS", "Lymphoid Leukemia" in one titled "... for
    B-ALL", "Leukemia" in one titled "... for Leukemia and Lymphoma"), or the field names only
    broad conditions ("Leukemia, T Cell" in a trial titled "... for CD7 Positive AML"), the
    field says broadly or in part what the title says: the title's other conditions of the
    field's categories are added too, as for a field that names none (MDS, which is no
    leukaemia, was lost), unless one had already implies them. (Of other categories, a title's
    words name the product or the setting: "CMV-specific CAR-T cells" for leukaemia.)"""
    matches = [m for m, _ in found]
    field_terms = [m.term for m in matches if m.term is not None]
    if not title or not any(t.curie in _broader_ones() or t.curie in _umbrellas()
                            for t in field_terms):
        return matches  # (no field condition has a narrower one: no need to read the title)
    titled = _title_conditions(title)
    in_title = [t for t in titled if t.term is not None and t.term.broader]
    covered = all(any(t.term and (f.curie in t.term.broader or f.key == t.term.key)
                      for t in titled) for f in field_terms)
    broadly = all(f.curie in _umbrellas() for f in field_terms)
    if not (covered or broadly) and not {c for t in in_title if t.term for c in t.term.broader} & {
            t.curie for t in field_terms}:
        return matches  # (most records: the title names nothing narrower than the field)
    out: dict[tuple[str, str | None], ConditionMatch] = {}  # (each (words, term) once)
    for m, whole in found:
        narrower = [t for t in in_title if t.term and m.term.curie in t.term.broader] if (
            m.term is not None and whole
            and not any(m.term.curie in t.broader for t in field_terms)) else []
        for n in narrower or [m]:
            out.setdefault((n.as_written, n.term.key if n.term else None), n)
    if covered or broadly:  # the title's others, of the field's kinds, not implied already
        kinds = {t.category for t in field_terms}
        if "other" in kinds:  # ("neoplasm", "cancer": every cancer, not an infection's)
            kinds |= {"solid", "haematological"}
        had = [m.term for m in out.values() if m.term is not None]
        for n in titled:
            if n.term is not None and n.term.category in kinds - {"other"} and not any(
                    n.term.key == t.key or n.term.curie in t.broader for t in had):
                out.setdefault((n.as_written, n.term.key), n)
                had.append(n.term)
    return list(out.values())


# ---- products ------------------------------------------------------------------------------

@cache
def _source_patterns() -> tuple[tuple[str, mt.Prefiltered], ...]:
    order = ("iPSC", "cord blood", "cell line", "allogeneic", "autologous")
    table = vocab.cell_sources()
    out = []
    for key in order:
        aliases = table[key]
        exact = [a for a in aliases if a.isupper() or a.endswith("-")]
        ci = [a for a in aliases if a not in exact]
        parts = []
        if ci:
            parts.append("(?i:" + "|".join(re.escape(a) for a in ci) + ")")
        if exact:
            parts.append("|".join(re.escape(a) for a in exact))
        out.append((key, mt.Prefiltered(r"(?<![A-Za-z0-9])(?:" + "|".join(parts) + ")")))
    return tuple(out)


_TARGETED_CELLS = mt.Prefiltered(
    r"(?i:(?:targeted|targeting|specific|directed|redirected|anti-?[^\s]+(?:\s+[A-Z0-9][\w.-]*)?)"
    r"[\s-]+"
    r"(?:(?:human|autologous|allogeneic|donor)\s+)?"
    r"(?:(?P<nkt>i?NKT)[- ]?cells?|(?P<gd>γδ|gamma[- ]?delta)[- ]?T[- ]?cells?"
    r"|(?P<t>T)[- ]?(?:cells?|lymphocytes)|(?P<nk>NK)[- ]?cells?)"
    r"|[A-Za-z0-9]-(?:(?P<t2>T)[- ]cells?|(?P<nk2>NK)[- ]cells?)"
    r"|(?P<t3>T)[- ]?(?:cells?|lymphocytes)\s+(?:genetically\s+(?:targeted|modified|engineered|"
    r"redirected)|(?:targeted|directed|redirected)\s+(?:to|against|at)\b)"
    r"|genetically (?:modified|engineered) (?P<t4>T)[- ]?(?:cells?|lymphocytes)"
    r"[^.;]{0,20}(?:directed|targeted|redirected|specific)\s+(?:against|to|at|for))")


@cache
def _platform(text: str) -> str | None:
    """The platform a phrase names, if any (intervention names repeat across trials)."""
    masked = _CAR_DOT.sub(" ", mt.MASKS.sub(" ", text)).replace("_", " ")  # "CD19-CAR_Lenti"
    found = None
    for name, rx in mt.platform_cues(masked):
        if rx.search(masked):
            found = name
            break
    if found is None and _CONSTRUCT_WORDS.search(masked):
        # a chimeric construct on named cells ("HER2(EQ)BBζ/CD19t+ T cells") is a CAR product
        cells = _CONSTRUCT_CELLS.search(masked)
        if cells:
            return "CAR-NK" if cells.group("nk") else "CAR-T"
    if found in (None, "T cell", "NK", "iNKT", "γδT"):
        # "CD19 targeted T cells", "anti-CD70 T-cell injection": an antigen-redirected product
        m = _TARGETED_CELLS.search(masked)
        if m and mt.find_targets(masked[max(0, m.start() - 40):m.end() + (
                30 if m.group("t4") else 80 if m.group("t3") else 0)]):
            if m.group("nkt"):
                return "CAR-NKT"
            if m.group("gd"):
                return "CAR-γδT"
            return "CAR-NK" if (m.group("nk") or m.group("nk2")) else "CAR-T"
    if found == "T cell" and _TCR_EXPRESSED.search(masked):
        return "TCR-T"  # "Memory T-cells-expressing HA1-Specific TCR"
    if found == "T cell" and any(t.key not in _TCR_ANTIGENS and masked[t.end:t.end + 1] != "+"
                                 for t in mt.find_targets(masked)):
        # an antigen-redirected CTL product ("HER2/EBV-CTLs") carries a CAR; a subset marker
        # ("CD4+ and CD8+ T cells") redirects nothing
        return "CAR-T"
    return found


_CAR_DOT = re.compile(r"(?<=CAR)\.(?=\w)|(?<=CAR\))\.(?=\w)")
_ENGINEERED_CELLS = re.compile(
    r"(?i)\b(?:T[- ]?cells?|T[- ]lymphocytes?|NK[- ]cells?|natural killer cells?)\s+"
    r"(?:will be |are |is |were |being )?(?:genetically )?"
    r"(?:engineered|modified|transduced|redirected)\s+(?:to express|"
    r"with|expressing)\s+(?:an? |the )?(?:\w+[- ]generation |novel |second |third )*"
    r"(?:chimeric antigen receptors?|CARs?\b)"
    r"|\b(?:T[- ]?cells?|NK[- ]cells?|γδ ?T[- ]cells?)\s+(?:genetically )?(?:transduced|engineered|"
    r"modified)\s+with\s+(?:an? |the )?(?:anti-\S+\s+)?(?:lentivir|retrovir|gamma-?retrovir)\w*"
    r"\s+vectors?")
"""Cells the summary says are given engineered with a CAR (or an antigen-directed vector)."""
_CELL_INN = re.compile(r"(?i)\b[a-z]{2,8}-cel\b|\b[a-z]+(?:leucel|temcel)\b")
"""The short INN form of a cell product ("firi-cel") or its cell stem ("…autoleucel")."""
_LEUKOCYTE_INN = re.compile(r"(?i)\b[a-z]{4,}leucel\b")
"""An INN with the stem -leucel, a product of white blood cells ("rivogenlecleucel")."""
_CONSTRUCT_CELLS = re.compile(r"(?i)\bT[- ]?(?:cells?|lymphocytes?)\b|(?P<nk>\bNK[- ]?cells?\b"
                              r"|natural killer cells?)")
_TCR_ANTIGENS = {"WT1", "PRAME", "CTAG1B", "MAGEA4", "AFP"}
_TCR_EXPRESSED = re.compile(r"(?i)express\w*[^.;]{0,40}\bTCRs?\b|\bTCR[- ](?:transduced|"
                            r"engineered|modified|expressing)|T[- ]cell receptor[- ](?:transduced"
                            r"|engineered|modified)")


_CAR_T_WORD = re.compile(r"(?i)CAR[- ]?T\b|CAR-?Ts\b|\bCART\b")


def _platforms(text: str) -> list[str]:
    """Every platform a phrase names ("CAR-T/TCR-T cells"), the most specific kept."""
    return list(_platforms_named(text))


@lru_cache(maxsize=1 << 14)
def _platforms_named(text: str) -> tuple[str, ...]:
    """``_platforms``, kept per phrase: a record reads its intervention and title phrases more
    than once, and intervention names repeat across trials."""
    first = _platform(text)
    if first is None:
        return ()
    masked = mt.MASKS.sub(" ", text).replace("_", " ")
    if not _SEVERAL.search(masked):
        return (first,)  # (one phrase names one platform unless it joins several)
    found = [first] + [n for n, rx in mt.platform_cues(masked)
                     if n != first and rx.search(masked)]
    engineered_other = [p for p in found if p in mt.ENGINEERED and p not in ("CAR-T", "TCR-T")]
    drop = {"T cell"}
    if engineered_other or first in mt.ENGINEERED:
        drop |= {"NK", "iNKT", "γδT"}
    if engineered_other and not _CAR_T_WORD.search(masked):
        drop.add("CAR-T")  # a generic CAR cue inside "CAR-NK", unless T cells are named too
    return tuple(p for p in dict.fromkeys(found) if p == first or p not in drop)


_SEVERAL = re.compile(r"(?i)/|\bor\b|,|\band\b|\bfollowed by\b|\bthen\b|\bplus\b|\+")
"""What joins several products in one phrase ("CAR-T/TCR-T cells", "NK and CIK cells")."""


# ---- evidence -------------------------------------------------------------------------------

Fielded = list[tuple[str, str]]
"""(field, text) pairs of a record, in order of trust."""


def _snippet(text: str, start: int, end: int, width: int = 70) -> str:
    """The verbatim words around ``text[start:end]``, cut at sentence ends and spaces."""
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    left = text[lo:start]
    cut = max(left.rfind(". "), left.rfind("; "), left.rfind("\n"))
    if cut >= 0:
        lo += cut + 2
    elif lo > 0 and " " in left:
        lo += left.index(" ") + 1
    right = text[end:hi]
    stops = [i for i in (right.find(". "), right.find("; "), right.find("\n")) if i >= 0]
    if stops:
        hi = end + min(stops) + (1 if right[min(stops)] == "." else 0)
    elif hi < len(text) and " " in right:
        hi = end + right.rindex(" ")
    return text[lo:hi].strip()


def _target_evidence(key: str, fielded: Fielded, rule: str) -> Evidence:
    """Where ``key`` is written among ``fielded`` texts (the first mention), as evidence."""
    for fld, text in fielded:
        for m in mt.find_targets(_mask(text)):
            if m.key == key:
                return Evidence(field=fld, text=_snippet(text, m.start, m.end), rule=rule)
    fld, text = fielded[0] if fielded else ("record", "")
    return Evidence(field=fld, text=text[:160], rule=rule)


def _cue_evidence(platform: str, fielded: Fielded, rule: str) -> Evidence:
    """The words that name ``platform`` among ``fielded`` texts."""
    for fld, text in fielded:
        masked = mt.MASKS.sub(lambda m: " " * len(m.group(0)), text)
        for name, rx in mt.platform_cues(masked):
            if name == platform:
                m = rx.search(masked)
                if m:
                    return Evidence(field=fld, text=_snippet(text, m.start(), m.end()), rule=rule)
    fld, text = fielded[0] if fielded else ("record", "")
    return Evidence(field=fld, text=text[:160], rule=rule)


# ---- payloads: what a product carries rather than aims at ----------------------------------

_PAYLOADS: tuple[tuple[str, mt.Prefiltered], ...] = tuple(
    (kind, mt.Prefiltered(rx)) for kind, rx in (
    ("marker", r"(?:\b(?i:trunc(?:ated)?)[\s-]*(?:human\s+)?|(?<![A-Za-z0-9])t|(?<![A-Za-z0-9])Δ)"
               r"(?:EGFR|CD19|HER2|Her2|CD20|CD34|NGFR|LNGFR)(?![A-Za-z0-9])"
               r"|(?<![A-Za-z0-9])(?:EGFR|CD19|HER2|Her2|CD20|NGFR)t(?:G)?(?![A-Za-z0-9])"
               r"|(?<![A-Za-z0-9])(?:EGFR|CD19|HER2|CD20)[\s-]?(?:tag|truncated|safety switch)\b"
               r"|\bRQR8\b|\bHer2tG\b"
               r"|(?<=[A-Za-z0-9]-)CD34(?=[\s-]*CAR)"),  # "CD19-CD34 CAR": a selection epitope
    ("secretes", r"(?i:(?:secret\w*|releas\w*|expressing and secreting|armou?red with|"
                 r"producing|carrying|encoding)\s+(?:an?\s+|the\s+)?(?:soluble\s+|bispecific\s+)?"
                 r"(?:anti[\s-]?)?(?:PD-?L1|PD-?1|CTLA-?4|CD47|TIGIT|LAG-?3|TGF-?β|TGF-?beta|"
                 r"IL-?\d+|CD19|EGFR|HER2|BCMA)(?:[\s-]*(?:scFv|antibod\w*|nanobod\w*|blocker|"
                 r"blocking|minibod\w*|engager|BiTE))?"
                 r"|(?:anti[\s-]?)?(?:PD-?L1|PD-?1|CTLA-?4|CD47|TIGIT)[\s-]*(?:scFv|antibod\w*|"
                 r"nanobod\w*|blocker|blocking (?:antibody|scFv)|minibod\w*)[\s-]*(?:secret\w*)?"
                 r"|(?:PD-?L1|PD-?1|CD47)[\s-]*(?:scFv|nanobody)?[\s-]*secreting"
                 r"|(?:CD19|EGFR|HER2|CD3)[\s-]*(?:BiTE|T[- ]cell engager)s?\b"
                 r"|\bCAR\.?BiTE|α(?:PD-?L?1|CTLA-?4)(?:/(?:PD-?L?1|CTLA-?4))*)"),
    ("switch", r"(?i:\bi?Casp(?:ase)?[- ]?9\b|inducible caspase|suicide (?:gene|switch)"
               r"|\bHSV-?TK\b)"),
    ("armour", r"(?i:(?:armou?red|co-?express\w*|secret\w*|expressing|with)\s+"
               r"(?:membrane[- ]bound\s+)?(?:IL-?(?:7|12|15|18|21|23)|CCL-?19|CCL-?21)\b"
               r"|\b(?:IL-?(?:7|12|15|18|21|23)|CCL-?19|CCL-?21)[\s-]*(?:armou?red|secret\w*|"
               r"expressing|/CCL-?\d+)\b"
               r"|\b(?:dominant[- ]negative|dn)[\s-]*(?:TGF-?β|TGF-?beta|TGFBR2?|PD-?1)\w*"
               r"|\bPD-?1[\s-]*(?:knock[- ]?out|KO|disrupted|silenced|switch)\b"
               r"|\bPD-?1[\s/]*CD28\b)"),
))
"""Payload phrases: a truncated marker (tEGFR, CD19t), a secreted antibody (anti-PD-L1 scFv),
a safety switch (iCasp9) or an armour (IL-15, dnTGFβRII, PD-1 knock-out)."""


@lru_cache(maxsize=1 << 16)
def _payloads(text: str) -> tuple[tuple[str, int, int], ...]:
    if not _PAYLOAD_WORDS.search(text):
        return ()
    out: list[tuple[str, int, int]] = []
    for kind, rx in _PAYLOADS:
        out.extend((kind, m.start(), m.end()) for m in rx.finditer(text))
    return tuple(out)


_PAYLOAD_WORDS = re.compile(r"(?i)trunc|EGFR|CD19|CD20|HER2|NGFR|RQR8|secret|releas|armou?r|produc"
                            r"|carry|encod|PD-?L?1|CTLA|CD47|TIGIT|BiTE|engager|casp|suicide|HSV"
                            r"|IL-?\d|CCL|dominant|\bdn|knock|α")


_CLUSTER_OF_DIFFERENTIATION = re.compile(
    r"(?i)\bcluster of differentiation\s*(?:\(CD\)\s*|-\s*)?(?:CD[\s-]?)?(\d{1,3}[a-z]?)\b")


@lru_cache(maxsize=1 << 16)
def _mask(text: str) -> str:
    """``text`` with non-therapy phrases and payloads blanked and "cluster of differentiation
    (CD)19" or "cluster of differentiation (CD) CD20" written "CD19", "CD20" (offsets kept)."""
    text = _CLUSTER_OF_DIFFERENTIATION.sub(
        lambda m: f"CD{m.group(1)}".ljust(len(m.group(0))), text)
    masked = mt.MASKS.sub(lambda m: " " * len(m.group(0)), text)
    for _kind, a, b in _payloads(masked):
        masked = masked[:a] + " " * (b - a) + masked[b:]
    return masked


_CHAIN_SEP = re.compile(r"^(?:\.|\s*\+?\s*(?:-\s*(?=and\b|or\b))?"  # "TM4SF1- and EpCAM-positive"
                        r"(?:/|-|\+|,|&|and|or|and\s*/\s*or|x|×|\\|plus|,\s*and)?\s*)$",
                        re.I)  # ("CAR20.19.22": a dot with no space joins too)
_NEG_AFTER = re.compile(r"(?i)^[\s-]*(?:negative|neg\b|loss|escape|dim|low\b|-?)\s*(?:negative|loss"
                        r"|escape)")
_DRUG_AFTER = re.compile(
    r"(?i)^[\s-]*\)?[\s-]*(?:(?:monoclonal|bis+pecific|tris+pecific|humani[sz]ed|naked|IgG\d?)"
    r"[\s-]+)*(?:antibod(?:y|ies)|mAbs?\b|ADCs?\b|BiTEs?\b|T[- ]cell engagers?)"
    r"(?![\s-]*(?:-?derived|fragments?|scFv|single[- ]chain|binding|domain|sequence"
    r"|(?:-?based[\s-]+)?(?:CAR|chimeric|T[- ]cells?|NK\b)))")
"""An antigen named as a drug's, not a cell product's: "refractory to … Anti-CD38 Antibody",
"CD3-CD20 Bispecific Antibody" (but "anti-CD19 antibody-derived scFv" is a CAR's)."""
_ANCHOR_BEFORE_FAR = re.compile(r"(?i:(?:(?:targeted|directed) (?:to|at|against)|to target"
                                r"|targeting) (?:the )?"
                                r"(?:[\w-]+ ){0,3}(?:antigen|protein|molecule)\s+$)")
"""A targeting phrase that names the antigen's kind before it ("Genetically Targeted to the
B-Cell Specific Antigen CD19", "Engineered to Target the Cancer-Cell Surface Antigen
Mesothelin")."""
_ANCHOR_BEFORE = re.compile(r"(?i:(?:anti|targeting|targeted(?: to| at)?|targets|(?:that|which|to) target|against|directed (?:at|"  # noqa: E501
                            r"against|to)|specific (?:for|to)"
                            r"|(?:targeting|targets) (?:both|each of)"
                            r"|recogni[sz](?:e|es|ing)(?: the)?(?: tumou?r)?(?: antigen| protein)?"
                            r"|binds?"
                            r"|binding|CAR[- ]?T?|CART"
                            r"|CAR[- ]NK)[\s\-.]*(?:the\s+)?"
                            r"(?:(?:(?:cleaved|truncated|mutant|mutated|extracellular|soluble)\s+)?"
                            r"(?:form|domain|epitope|isoform)s?\s+of\s+(?:the\s+)?)?$)")
"""A targeting word before an antigen, also through "targeting cleaved form of MUC1"."""
_ANCHOR_AFTER = re.compile(
    r"(?i:^\)?[\s\-]*(?:\(\w+\)\s*)?(?:(?:protein|antigen)[\s-]+(?=target|direct|specific))?"
    r"(?:(?:dual|bi|tri|multi)[- ]?(?:target\w*|specific)|tandem|"
    r"bicistronic|"
    r"targeted|targeting|target|directed|specific|redirected|positive)?[\s\-]*"
    r"(?:(?:autologous|allogeneic|fully human|humani[sz]ed|human|universal|off-the-shelf)[\s\-]+)?"
    r"(?:[.\s-]*(?:CD28|4-?1BB|BB|28)[zζ]?(?=[.\s-]))*[\s\-.]*"
    r"(?:(?:m?RNA|DNA|gene|genetically)[\s-]+(?=engineered|modified))?"
    r"(?:(?-i:[A-Z][A-Za-z]{1,5}-?\d{1,4}[A-Za-z]?)[\s-]+(?=chimeric|CAR))?"
    r"(?:CAR|TCR|chimeric|T[- ]cells?|NK[- ]cells?|\w*CAR|iNKT|γδ|engineered|modified|UCAR"
    r"|universal|STAR[- ]?T))|^[A-Za-z]?CAR"
    r"|(?i:^\)?[\s\-]*(?:\(\w+\)\s*)?(?:(?:protein|antigen)[\s-]+)?"
    r"(?:targeted|targeting|directed|specific)[\s-]+(?:immune[- ]cell|cell[- ]therap))")
"""A therapy cue after an antigen ("MUC1-targeted CAR T", "(MUC16) Protein Targeting Immune Cell
Therapy")."""


@dataclass
class _Cand:
    platform: str
    targets: list[str] = field(default_factory=list)
    construct: str | None = None
    code: str | None = None
    name: str | None = None
    as_written: str | None = None
    source: str | None = None
    from_code: bool = False
    phrase: Fielded = field(default_factory=list)
    """The intervention's own texts (name, other names, description) when it names the product."""
    platform_from: tuple[str, str] = ("title", "platform cue in title")
    """(where, rule): where is phrase, code, title, descriptions or summary."""
    target_from: dict[str, tuple[str, str]] = field(default_factory=dict)
    apart: tuple[str, str] | None = None
    """(field, sentence) that gives the antigens of a written construct apart (_given_apart)."""


def _chains(text: str, mentions: list[mt.Mention]) -> list[list[mt.Mention]]:
    chains: list[list[mt.Mention]] = []
    for m in mentions:
        if (chains and _CHAIN_SEP.match(text[chains[-1][-1].end:m.start])
                and not _SELF_ANCHORED.search(m.alias)):  # "CARTmeso CART19": two CARs
            chains[-1].append(m)
        else:
            chains.append([m])
    return chains


_POSITIVE_AFTER = re.compile(r"(?i)^\)?(?:(?:,?\s+or\s+other\s+(?:\w+\s+)?"
                             r"(?:markers|antigens|targets))?[\s-]*(?:positive|expressing|overexpressing)\b|\+)")
_DISEASE = mt.DISEASE
_POSITIVE_DISEASE = re.compile(rf"(?i)^\)?(?:\+|[\s-]*positive\b)[\s-]*"
                               rf"(?:(?!(?:in|with|of|for|and|from|to)\b)[\w/-]+\s+){{0,3}}?"
                               rf"{_DISEASE}\b")
"""An ambiguous alias ("CD4") is still an antigen in "CD4+ T-cell lymphoma"."""
_POSITIVE_BEFORE = re.compile(rf"(?i){_DISEASE}\s+(?:that|which)\s+(?:over)?express(?:es)?\s+"
                              rf"(?:the\s+)?$|{_DISEASE}\s+(?:over)?expressing\s+(?:the\s+)?$")
"""For an engineered product, "tumours that express X" names its target, as "X-positive"."""


_SELF_ANCHORED = re.compile(r"(?i)^\w{0,3}?(?:CAR|CART)[-.]?(?=\w)")
"""A CAR named by its antigen: "CAR19", "CART-138", and with a short prefix of its maker's,
"4SCAR19", "huCART19" (each a product of its own when joined by "and" or "+")."""
_CUE_BEFORE = re.compile(r"(?i)\bCAR-?T[\s-]+$")
"""A CAR-T named before its antigen: "CART BCMA + huCART19" (two products)."""


def _anchored(text: str, chain: list[mt.Mention], strict: bool, positive: bool = False) -> bool:
    before = text[max(0, chain[0].start - 30):chain[0].start]
    after = text[chain[-1].end:chain[-1].end + 45]
    if _NEG_AFTER.match(after) or _DRUG_AFTER.match(after):
        return False
    if mt.CONTEXT_NOT_GIVEN.search(before):
        return False
    if (_ANCHOR_BEFORE.search(before) or _ANCHOR_AFTER.match(after)
            or _ANCHOR_BEFORE_FAR.search(text[max(0, chain[0].start - 70):chain[0].start])):
        return True
    if _SELF_ANCHORED.search(chain[0].alias):
        return True  # the alias is itself a CAR name ("CART-BCMA/CS1", "CAR.GD2")
    if positive and (_POSITIVE_AFTER.match(after) or _POSITIVE_BEFORE.search(before)
                     or (re.search(r"(?i)\bpositive\s+$", before)
                         and re.match(r"(?i)\s*expression\b", after))
                     or (mt.WITH_BEFORE.search(before) and mt.EXPRESSION_AFTER.match(after))):
        return True  # for an engineered product, "X-positive disease" names its target
    if strict:
        return False
    if (before.rstrip().endswith("(") and after.lstrip().startswith(")")
            and re.search(r"\bCAR|CAR-?(?:T|NK)\b|chimeric antigen",
                          text[max(0, chain[0].start - 80):chain[0].start])):
        return True  # "Dual-Targeting CAR-NK Cells for Ovarian Cancer (MSLN, FRα, MUC16)"
    # a looser tie: a therapy cue later in the same clause
    clause = re.split(r"[.;:]", text[chain[-1].end:chain[-1].end + 60])[0]
    return bool(re.search(r"\bCAR|CAR\b|\bTCR|chimeric antigen", clause)) and not re.search(
        r"(?i)\b(?:after|following|failed|prior)\b", clause)


def _anchored_targets(text: str, strict: bool = False,
                      positive: bool = False) -> list[list[str]]:
    """Groups of antigen keys tied to a therapy cue in ``text`` (one group per chain)."""
    return [list(g) for g in _anchored_groups(text, strict, positive)]


@lru_cache(maxsize=1 << 16)
def _anchored_groups(text: str, strict: bool, positive: bool) -> tuple[tuple[str, ...], ...]:
    masked = _mask(text)
    mentions = mt.find_targets(masked)
    groups = []
    for chain in _chains(masked, mentions):
        if (any(m.context_only for m in chain) and not _anchored(masked, chain, True)
                and not (positive and _POSITIVE_DISEASE.match(text[chain[-1].end:]))):
            chain = [m for m in chain if not m.context_only]
            if not chain:
                continue
        if _anchored(masked, chain, strict, positive):
            keys = list(dict.fromkeys(m.key for m in chain))
            if "EGFRvIII" in keys and "EGFR" in keys:
                keys.remove("EGFR")
            groups.append(tuple(keys))
    return tuple(groups)


def _phrase_targets(text: str) -> list[str]:
    return list(_phrase_keys(text))


@lru_cache(maxsize=1 << 16)
def _phrase_keys(text: str) -> tuple[str, ...]:
    """All antigens written in a product phrase (an intervention name), in order."""
    masked = _mask(text)
    keys = []
    for chain in _chains(masked, mt.find_targets(masked)):
        after = masked[chain[-1].end:chain[-1].end + 20]
        before = masked[max(0, chain[0].start - 30):chain[0].start]
        if _NEG_AFTER.match(after) or mt.CONTEXT_NOT_GIVEN.search(before):
            continue
        for m in chain:
            if m.context_only and not _anchored(masked, chain, True):
                continue
            keys.append(m.key)
    keys = list(dict.fromkeys(keys))
    if "EGFRvIII" in keys and "EGFR" in keys:
        keys.remove("EGFR")
    return tuple(keys)


_CODE_TOKEN = re.compile(r"(?<![A-Za-z0-9.])([A-Za-z0-9][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)")
_NOT_CODE = re.compile(
    r"(?i)^(?:CAR[-.]?T?\d*|CART|IL-?\d+|CD\d+(?:[-/]CD\d+)*|4-1BB|COVID-19|SARS-CoV-2|HLA-\w+|NK-?92\w*"
    r"|phase\w*|type\w*|grade\w*|stage\w*|day\w*|T\d|N\d|M\d|V\d|X\d|\w+-\d+-\w+-\d+"
    r"|HIV-\d|HPV-?\d+|EBV|CMV|GD-?2|B7-?H\d|CTX|TAE|TACE|IL\d+|ICAM-\d"
    r"|\d*-?(?:BB|28)[-.]?(?:z|ζ|zeta)[\w-]*|[\w-]*costimulatory|\d*-?1BB[\w-]*"
    r"|(?:bi-?)?\d?S?CAR\d*|anti-?[\w-]+|PD-?L?1|TGFBR\d[\w-]*|CTLA-?4|CD\d+[A-Za-z]?"
    r"|\w*CAR-?T|\w*CART-?\d+|IL-?\d+[\w-]*|\d+(?:\.\d+)?[x×]\d+\w*"
    r"|interleukin-?\d+\w*|interferon-?\w*|\w+-?\d+-?valent|\d+-(?-i:[A-Za-z][a-z]*)"
    r"|\d+(?:\.\d+)?-?(?:[mµu]?g|mcg|kg|m?l|mA|min|h|hrs?|hours?|days?|weeks?|months?)"
    r"|\d+(?:\.\d+)?[x×]?10\^?[eE]?\d+\w*|\d+[eE]\d+"
    r"|CD\d+(?:low|lo|high|hi|neg|pos|dim|bright)\w*)$")


def _code(name: str) -> str | None:
    """A product code in an intervention name (``EB-DART-NK01``, ``C-CAR088``), if any."""
    for m in _CODE_TOKEN.finditer(name):
        token = m.group(1).rstrip(".-")
        if not (re.search(r"\d", token) and re.search(r"[A-Za-z]", token)) or len(token) < 4:
            continue
        if _NOT_CODE.match(token) or hgnc_genes.gene(token.upper()) is not None:
            continue  # (a gene the product carries, "CXCR4 CCR9 CAR-T", is not its code)
        rest = mt.target_regex().sub("", token)
        rest = re.sub(r"(?i)CAR|CART|TCR|NK|anti|cells?|[-./]", "", rest)
        if not (re.search(r"\d", rest) and re.search(r"[A-Za-z]", rest)):
            continue
        return token
    return None


def _construct(text: str, keys: list[str]) -> str | None:
    if not keys:
        return None
    if len(keys) == 1:
        return "single"
    return "dual" if len(keys) == 2 else "multi"


def _split_phrase(text: str, keys: list[str]) -> list[list[str]]:
    """Target groups of one phrase: one group (a dual construct) or one per product."""
    if len(keys) < 2:
        return [keys]
    masked = _mask(text)
    if mt.DUAL_CUE.search(masked):
        return [keys]
    if re.search(r"(?i)\bmixed\b|cocktail", masked):
        return [[k] for k in keys]
    parts = [p for p in _ALTERNATIVES.split(masked) if p.strip()]
    if len(parts) > 1:
        # "CD19 or CD22 CAR-T", "CD19 then CD22", "CD19 or CD19-CD22": one product per part,
        # each part read as a phrase of its own ("CART BCMA or CART BCMA + huCART19": the
        # second part is two products, not a BCMA/CD19 construct), each group once
        groups = [g for g in (_phrase_targets(p) for p in parts) if g]
        if len(groups) > 1:
            out: list[list[str]] = []
            for part in parts:
                for g in _split_phrase(part, list(_phrase_targets(part))):
                    if g and g not in out:
                        out.append(g)
            return out
    if mt.SEPARATE_CUE.search(masked):
        return [[k] for k in keys]
    mentions = list({(m.start, m.end): m for m in mt.find_targets(masked)
                     if m.key in keys}.values())  # a ligand naming two receptors is one
    if len(mentions) == 1:
        return [keys]
    joined_by_slash = all(  # (or run together: "CD19CD22 CAR-T")
        re.match(r"^\s*[/\-x×]\s*$|^$", masked[a.end:b.start]) for a, b in zip(
            mentions, mentions[1:], strict=False)) if len(mentions) > 1 else False
    if joined_by_slash:
        return [keys]
    # "CD19 CAR-T and CD22 CAR-T", "CARTmeso CART19": every antigen carries its own cue
    cued = [m for m in mentions if _ANCHOR_AFTER.match(masked[m.end:m.end + 25])
            or (_SELF_ANCHORED.search(m.alias) and not re.match(r"\s*[/+&]", masked[m.end:]))
            or _CUE_BEFORE.search(masked[max(0, m.start - 8):m.start])]
    if len(cued) == len(mentions):
        return [[k] for k in keys]
    return [keys]


_ALTERNATIVES = re.compile(r"(?i)\s(?:or|then|followed by|and\s?/\s?or|versus|vs\.?|and an?)\s|;"
                           r"|\bsequential\w*")

_CANDIDATES = mt.Prefiltered(
    r"(?i)\b(two|three|four|five|several|multiple|\d)\s+(?:candidate|different|alternative)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:constructs?|products?|CARs?|CAR-\w+(?:\s+cells?)?)\s*\(([^)]*)\)")


_ENUMERATED = re.compile(r"\(\d\)\s*([A-Za-z0-9-]+\s*[+/]\s*[A-Za-z0-9-]+)")
_ANTIGEN_LIST = mt.Prefiltered(r"(?i)\bantigens?\s*\(([^)]{6,200})\)")


def _candidates(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    # a match in a sentence is one in the whole text (sentences end where a word cannot go on),
    # so a text with neither pattern need not be split
    listed, enumerated = _ANTIGEN_LIST.search(text), _ENUMERATED.search(text)
    sentences = _SENTENCE.split(text) if listed or enumerated else []
    for sent in sentences if listed else ():
        m = _ANTIGEN_LIST.search(sent)
        if m and re.search(r"(?i)\bCAR\b|chimeric antigen receptor", sent) and re.search(
                r"(?i)personali[sz]ed|based on (?:the )?expression|according to", sent):
            # a personalised CAR chosen by the tumour's antigens: one product per antigen
            out.extend([k] for k in dict.fromkeys(x.key for x in mt.find_targets(m.group(1))))
    for sent in sentences if enumerated else ():
        items = _ENUMERATED.findall(sent)
        if len(items) >= 2 and mt.DUAL_CUE.search(sent):
            # "dual-target arms: (1) CEA+GUCY2C, (2) CEA+HER2, or (3) GUCY2C+HER2"
            for item in items:
                keys = list(dict.fromkeys(x.key for x in mt.find_targets(item)))
                if keys:
                    out.append(keys)
    for m in _CANDIDATES.finditer(text):
        for item in re.split(r",|;|\band\b", m.group(2)):
            keys = list(dict.fromkeys(x.key for x in mt.find_targets(item)))
            if keys:
                out.append(keys)
    return out


def _fielded(record: TrialRecord) -> dict[str, Fielded]:
    """The record's texts by level of trust, each with its field name."""
    ivs = [i for i in record.interventions
           if (i.type or "").upper() not in {"BEHAVIORAL", "DIAGNOSTIC_TEST", "DEVICE"}]
    return {
        "title": [(f, t) for f, t in (("title", record.brief_title),
                                      ("official_title", record.official_title),
                                      ("acronym", record.acronym)) if t],
        "interventions": [("intervention", i.name) for i in ivs],
        "descriptions": [("intervention_description", i.description) for i in ivs
                         if i.description]
        + [("arm_description", a.description) for a in record.arms if a.description]
        + [("arm_label", a.label) for a in record.arms if a.label]
        + [("keyword", k) for k in record.keywords],
        "summary": [(f, t) for f, t in (("summary", record.brief_summary),
                                        ("detailed_description", record.detailed_description))
                    if t],
    }


def _phrase_fielded(iv: Intervention) -> Fielded:
    return ([("intervention", iv.name)] + [("other_name", n) for n in iv.other_names]
            + ([("intervention_description", iv.description)] if iv.description else []))


_CODE_CELLS = re.compile(r"(?i)[A-Za-z]*\d+[A-Za-z0-9-]*\s+(?:\w+\s+)?cells?\s+"
                         r"(?:injection|infusion|"
                         r"therapy|product|suspension|treatment|preparation)")
_SENTENCE = re.compile(r"(?<=[.;])\s+|(?<=[a-z][.;])(?=[A-Z])|\n+")
_CODED_T_CELLS = re.compile(r"^(?!CD\d)(?:[A-Za-z]*\d[A-Za-z0-9-]*(?:\s+[A-Z][\w™®-]*)?"
                            r"|[A-Z]{2,6}-?)[\s-]T[- ]?(?:cells?|lymphocytes)$", re.IGNORECASE)
"""A product code (a digit in it, or capitals joined to "-T") with a brand word, then "T cells"."""
_NOT_IMMUNE_CELLS = re.compile(
    r"(?i)\bstromal|mesenchymal|\bMSCs?\b|fibroblasts?|chondrocytes?|keratinocytes?"
    r"|\bislets?\b|hepatocytes?|myoblasts?|cardiomyocytes?|neural (?:stem|progenitor)"
    r"|retinal pigment|platelet[- ]rich|adipose[- ]derived|(?:hematopoietic|haematopoietic)"
    r" stem")
"""Cells that are not immune effector cells (``GUIDE.md``: mesenchymal stromal cells and a
stem-cell transplant are not cell therapy here)."""
_CELL_DOSE = re.compile(r"(?i)(?:\d|10\^?\d|10⁶|10⁷|10⁸)[^.;]{0,25}?\b"
                        r"(?:CAR[- ]?T|CAR[- ]?NK|NK|CIK|"
                        r"TIL|γδ ?T|iNKT)[- ]?cells?\s*(?:/|per)\s*(?:kg|m2|m²)")
_CONSTRUCT_WORDS = re.compile(r"(?i)4-?1BB|\bBB[zζ]|CD28[zζ]|(?<![A-Za-z])28[zζ]\b|[zζ]eta\b|ζ"
                              r"|\bscFv\b|"
                              r"(?:second|third|2nd|3rd) generation")
_ENGINEERED_OF = {"NK": "CAR-NK", "T cell": "CAR-T", "γδT": "CAR-γδT", "iNKT": "CAR-NKT"}
_EXPLICIT_T = re.compile(r"(?i)CAR[- ]?T\b|CAR-?Ts\b|\bCART|\bT[- ]cells?\b|\bT[- ]lymphocytes?"
                         r"|\bCTLs?\b|UCAR-?T|γδ|gamma[- ]delta")
_NK_SOURCE = re.compile(r"(?i)\b(?:NK|natural killer)[- ]?(?:92\b|cells?\b)|\bNK-92|CAR[- ]?NK")


def _naming_windows(tries: list[set[str]], texts: dict[str, list[str]]
                    ) -> Iterator[tuple[str, str]]:
    """(level, words after a name) for each set of names in turn, title first, that tie an
    antigen to a therapy cue."""
    for names in tries:
        for level in ("title", "descriptions", "summary"):
            for text in texts[level]:
                for n in names:
                    for window in _after_name(text, n):
                        if _anchored_targets(window, strict=True):
                            yield level, window


_PLACEHOLDER_ARM = re.compile(r"(?i)(?:dose|dosage)?\s*(?:level|cohort|group|arm|part)\s*"
                              r"[A-Z]?\d+[A-Z]?(?:\s+(?:group|cohort|arm|dose))?$"
                              r"|^(?:biological|genetic|drug|intervention|treatment"
                              r"|experimental(?: arm| group)?)$")
"""An intervention named only as a dose level or cohort ("Dose level 1 group"), or only by
its type ("Biological")."""
_ANTIBODY_ENGAGER = re.compile(r"(?i)\bengag(?:er|ing)\b|bispecific antibod\w*|\bBiTE\b")
"""An antibody that engages cells (a "bispecific CAR-T" is still cells)."""
_STUDY_AIM = re.compile(r"(?i)\b(?:stud(?:y|ies)|trial|evaluat\w*|assess\w*|investigat\w*"
                        r"|purpose|objective|aims?\b|research)")
_NOT_PRODUCT = re.compile(r"(?i)imaging|\bMRI\b|\bPET\b|\bscans?\b|biopsy|\btests?\b|withdrawal"
                          r"|collection|questionnaire|contrast|tomography|echocardiogra\w*"
                          r"|fludeoxyglucose|\bFDG\b|(?:radio)?tracer|aspiration|leukapheresis"
                          r"|monitoring|quantitative|\bcell subsets\b|\banalys[ie]s\b"
                          r"|flow cytometry|immunophenotyp\w*|\bassays?\b")
"""Intervention names that are procedures, never the cell product."""
_PROCEDURE = re.compile(r"(?i)^(?:[\w,]+\s+){0,4}(?:samples?|specimens?|biospecimens?|blood|tissue"
                        r"|marrow|data)\s+(?:collection|sampling|draws?)$|^questionnaires?$"
                        r"|^surveys?$"
                        r"|^(?:leuk|leuc)?a?pheresis$|^non-?interventional(?: study)?$"
                        r"|^(?:peripheral )?blood(?: samples?)?$"
                        r"|^no intervention$")
"""An intervention that only collects samples or data."""


def _opening_statement(summary: str) -> tuple[str, str] | None:
    """(sentence, engineered platform) when one of the summary's first three sentences names
    an engineered product as what is given (not as context: "after CAR-T")."""
    for sent in _SENTENCE.split(summary)[:3]:
        platform = _platform(sent)
        if platform is None:
            continue
        if not _STUDY_AIM.search(sent):
            return None  # background ("… has been revolutionized by CAR-T cells")
        if (platform in mt.ENGINEERED and not _title_context_only(sent)
                and not _ANTIBODY_ENGAGER.search(sent)):
            return sent, platform
        return None
    return None


_DOSAGE_FORM = re.compile(r"(?i)\s+(?:pills?|tablets?|capsules?|oral(?: solution)?)$")
"""A dosage form after a drug's name ("Tazemetostat Pill")."""
_DRUG_CLASS = re.compile(r"(?i)\b(?:inhibitors?|antibod(?:y|ies)|agonists?|antagonists?"
                         r"|blockers?)\b")
_COMBINED = re.compile(r"(?i)\bcombin\w+|\bplus\b|\bwith\b|\+")


_NOT_CELL_TYPES = frozenset({"DRUG", "DEVICE", "PROCEDURE", "RADIATION", "DIAGNOSTIC_TEST",
                             "BEHAVIORAL", "DIETARY_SUPPLEMENT"})
"""Intervention types that a cell product is not given as (ClinicalTrials.gov's; a cell
product is BIOLOGICAL, GENETIC, COMBINATION_PRODUCT or OTHER)."""


def _cells_measured(ivs: list[Intervention], title_platform: str | None) -> bool:
    """Unmodified cells in a title ("Rapamycin and Regulatory T Cells in Kidney
    Transplantation", "Hemodialysis on … CD4+ T and Treg Cells") of a trial whose every
    intervention is a drug, device or procedure by its type, none a cell by its name, none a
    product code (a cell product typed DRUG: "SAR445419") and none a lymphodepleting agent or
    cytokine, which come with cells given ("PD-1 Knockout EBV-CTLs" with fludarabine,
    cyclophosphamide and IL-2): the cells are what is measured, not a product given."""
    return (title_platform in _ENGINEERED_OF and bool(ivs)
            and all((i.type or "").upper().replace(" ", "_") in _NOT_CELL_TYPES
                    and not _CELL_WORD.search(i.name) and not _code(i.name)
                    and not any(vocab.agents()[m.key].role in ("lymphodepletion", "cytokine")
                                for m in mt.find_agents(i.name))
                    for i in ivs))


def _drugs_combined(ivs: list[Intervention], title: str) -> bool:
    """Whether the title combines a cell therapy with drugs that are the only interventions
    listed, none of them a lymphodepleting agent ("A Combination Study of CAR-T Therapy" with
    "BTK inhibitor" and "PD-1 inhibitor"): the drugs are studied, the cells are the setting."""
    return (bool(ivs) and bool(_COMBINED.search(title))
            and all((_is_drug_only(i.name) or _DRUG_CLASS.search(i.name))
                    and _platform(i.name) is None
                    and not any(vocab.agents()[m.key].role == "lymphodepletion"
                                for m in mt.find_agents(i.name)) for i in ivs))


def _coded_engineered(ivs: list[Intervention], texts: list[str]) -> bool:
    """Whether a code-named intervention is called an engineered product in a sentence of
    ``texts`` that names its code."""
    codes = [c for c in (_code(i.name) for i in ivs if not _is_drug_only(i.name)) if c]
    return any(code in sent and _platform(sent) in mt.ENGINEERED
               for code in codes for text in texts for sent in _SENTENCE.split(text))


def _texts(fielded: dict[str, Fielded]) -> dict[str, list[str]]:
    """The texts of ``_fielded`` without their field names."""
    return {level: [text for _field, text in pairs] for level, pairs in fielded.items()}


def _code_near(iv: Intervention, summary: str) -> tuple[str | None, str | None]:
    """The product code (or cell INN) of a code-named intervention, and the summary's words
    about it: a sentence naming the code with a platform cue, else the text around it."""
    inn = _CELL_INN.search(iv.name)
    code = _code(iv.name) or (inn.group(0) if inn else None)
    if not code:
        return None, None
    at = summary.find(code)
    if at < 0 and inn is not None:  # an INN is often capitalised only in the name
        at = summary.lower().find(code.lower())
    near = summary[max(0, at - 120):at + 160] if at >= 0 else None
    if near is not None and _platform(near) is None:
        # any sentence that names the code ("a HER2 CAR-NK therapy such as AB-201"), or the
        # one after it that speaks of its cells ("QEL-005 is made from a participant's own
        # white blood cells. These cells are ... changed ... to create ... CAR-T regulatory
        # cells")
        sents = _SENTENCE.split(summary)
        near = next((sent for sent in sents
                     if code.lower() in sent.lower() and _platform(sent)), None) or next(
            (nxt for sent, nxt in zip(sents, sents[1:], strict=False)
             if code.lower() in sent.lower() and _ITS_CELLS.match(nxt) and _platform(nxt)),
            near)
    return code, near


_ITS_CELLS = re.compile(r"(?i)(?:these|the|its|such)\s+(?:\w+\s+)?cells\b")
"""A sentence that goes on about the cells the sentence before it named."""


@lru_cache(maxsize=4096)
def _combined_with(name: str) -> re.Pattern[str]:
    """A drug's name written in combination ("X plus", "with X", "+ X"): compiled once per name
    (the same drugs recur in thousands of records; per record, the compiles pushed the
    module's other patterns out of the ``re`` cache)."""
    return re.compile(rf"(?i){re.escape(name)}\s*(?:\+|plus\b|with\b|combined with\b)"
                      rf"|(?:\+|plus\b|with\b|combined with\b)\s*{re.escape(name)}")


def _products(record: TrialRecord, fielded: dict[str, Fielded]) -> tuple[list[_Cand], bool]:
    texts = _texts(fielded)
    title = " | ".join(texts["title"])
    # an acronym alone never names the platform ("BOSICART" is bosentan in giant cell arteritis)
    titles_only = " | ".join(t for f, t in fielded["title"] if f != "acronym")
    cands: list[_Cand] = []
    ivs = [i for i in record.interventions
           if (i.type or "").upper() not in {"BEHAVIORAL", "DIAGNOSTIC_TEST", "DEVICE"}]
    transplant = any(_TRANSPLANT.search(i.name) for i in record.interventions)
    early_title_platform = _platform(titles_only)
    for iv in ivs:
        if _NOT_PRODUCT.search(iv.name) and not mt.find_codes(iv.name):
            continue  # "CAR-T cells monitoring", "PET imaging": a procedure about the cells
        phrase = " ; ".join((iv.name, *iv.other_names))
        codes = mt.find_codes(phrase)
        platforms = _platforms(phrase)
        construct_only = False
        if codes and not platforms:
            platforms = [vocab.product_codes()[codes[0].key].platform]
        if (not platforms and early_title_platform in mt.ENGINEERED
                and _CONSTRUCT_WORDS.search(phrase) and _phrase_targets(phrase)):
            # "second generation 4-1BBζ EGFR806-EGFRt": a construct of the title's platform
            platforms, construct_only = [str(early_title_platform)], True
        if (not platforms and _CODED_T_CELLS.match(iv.name.strip())
                and not _phrase_targets(iv.name)):  # ("CD4 T cells" is a subset)
            # "ET190L1 ARTEMIS™ T cells": a T-cell product named by its code; in a trial of
            # "CD19+ lymphoma" the code names cells redirected to that antigen
            platforms = ["T cell"]
            if any(k not in _TCR_ANTIGENS for g in _anchored_targets(
                    titles_only, strict=True, positive=True) for k in g):
                platforms = ["CAR-T"]
        if platforms == ["T cell"] and transplant and _DLI.search(phrase):
            continue  # donor lymphocytes given as part of a transplant protocol
        if not platforms:
            continue
        keys = _phrase_targets(phrase)
        code = codes[0].key if codes else _code(iv.name)
        from_code = False
        if not keys and codes:
            keys = list(vocab.product_codes()[codes[0].key].targets)
            from_code = True
        groups = _split_phrase(phrase, keys) if not from_code else [keys]
        pfrom = (("code", "product code table") if codes and not _platforms(phrase)
                 else ("title", "a CAR construct named in the intervention, platform from the "
                                "title") if construct_only
                 else ("phrase", "platform cue in intervention name"))
        tfrom = (("code", "product code table") if from_code
                 else ("phrase", "antigen written in intervention name"))
        for platform in platforms:
            if len(platforms) > 1 and platform not in mt.ENGINEERED:
                cands.append(_Cand(platform=platform, name=iv.name, as_written=iv.name,
                                   phrase=_phrase_fielded(iv), platform_from=pfrom))
                continue
            for g, part in ((g, _part_of(phrase, g)) for g in groups) if len(groups) > 1 else (
                    (groups[0], alt) for alt in _coded_alternatives(iv.name)):
                cands.append(_Cand(platform=platform, targets=list(g),
                                   code=(_code(part) if part else code),
                                   name=part or iv.name,
                                   as_written=iv.name, from_code=from_code,
                                   construct=(vocab.product_codes()[codes[0].key].construct
                                              if from_code else None),
                                   phrase=_phrase_fielded(iv), platform_from=pfrom,
                                   target_from={k: tfrom for k in g}))
    title_platform = _platform(titles_only)
    title_given = title_platform is not None and not _title_context_only(titles_only)
    drug_in_title = bool(ivs) and any(
        _combined_with(name).search(title)
        for name in (_DOSAGE_FORM.sub("", i.name) for i in ivs)
        if len(name) >= 4 and _platform(name) is None and _is_drug_only(name))
    # what is studied is done around the cells, not the cells: sampling, a transplant or
    # radiotherapy ("Allogeneic hematological stem cell transplantation" in "CAR-T Therapy
    # Bridging to HSCT"), or the lymphodepletion regimen itself
    around_cells = bool(ivs) and all(_PROCEDURE.search(i.name) or (
        (_TRANSPLANT.search(i.name) or _RADIOTHERAPY.search(i.name))
        and not _CELL_WORD.search(i.name)) for i in ivs) or _lymphodepletion_studied(
            ivs, titles_only)
    if (not cands and title_given and title_platform is not None and not drug_in_title
            and not around_cells and not _drugs_combined(ivs, titles_only)
            and not _cells_measured(list(record.interventions), title_platform)
            and not (title_platform in _ENGINEERED_OF
                     and _coded_engineered(ivs, texts["descriptions"] + texts["summary"]))):
        # (a generic "NK Cell Therapy" title defers to a coded intervention that the summary
        # calls engineered: "QN-023a (allogeneic CAR-NK cells targeting CD33)")
        keys = [k for g in _anchored_targets(title) for k in g]
        codes = mt.find_codes(title)
        if not keys and codes:
            keys = list(vocab.product_codes()[codes[0].key].targets)
        code = codes[0].key if codes else next(
            (c for c in (_code(i.name) for i in ivs if not _NOT_PRODUCT.search(i.name)) if c),
            None)
        tfrom = ("title", "antigen tied to a therapy cue in the title")
        if not [k for g in _anchored_targets(title) for k in g] and keys:
            tfrom = ("code", "product code table")
        for g in _split_phrase(title, keys):
            cands.append(_Cand(platform=title_platform, targets=list(g), code=code,
                               as_written=texts["title"][0] if texts["title"] else None,
                               platform_from=("title", "platform cue in title"),
                               target_from={k: tfrom for k in g}))
    if not cands and not drug_in_title and ivs:
        # a product of the code table named in the title ("ARI-0001 Cells in CD19+ Leukemia")
        # while the interventions name none ("autologous T-cells")
        for m in mt.find_codes(title):
            if (mt.CONTEXT_NOT_GIVEN.search(title[max(0, m.start - 40):m.start])
                    or mt.RELATED_AFTER.match(title[m.end:])):
                continue
            entry = vocab.product_codes()[m.key]
            cands.append(_Cand(platform=entry.platform, targets=list(entry.targets),
                               code=entry.code, name=m.alias, as_written=m.alias,
                               from_code=True, construct=entry.construct,
                               platform_from=("code", "product code in the title, from the "
                                                      "product code table"),
                               target_from={k: ("code", "product code table")
                                            for k in entry.targets}))
            break
    if not cands and ivs:
        # code-named interventions ("KIV-318") described as a cell therapy in the summary
        coded = [i for i in ivs if not _is_drug_only(i.name) and not _NOT_PRODUCT.search(
            i.name) and (
            _code(i.name) or _CELL_INN.search(i.name)
            or re.search(r"(?i)injection|cells?\b|infusion", i.name))]
        summary = " ".join(texts["descriptions"] + texts["summary"])
        # of several code-named interventions, the one the summary calls cells ("FT538 is …
        # natural killer (NK)-cell immunotherapy" beside "Daratumumab/rHuPH20")
        nears = sorted(((i, *_code_near(i, summary)) for i in coded),
                       key=lambda n: _platform(n[2] or "") is None)
        coded = [i for i, _code_of, _near in nears]
        code, near = (nears[0][1], nears[0][2]) if nears else (None, None)
        near_from = ("summary", "platform cue beside the product code")
        if near is None and coded and re.search(r"(?i)cells?\b", coded[0].name):
            name = re.sub(r"(?i)\s*(?:injection|infusion)$", "", coded[0].name).lower()
            near = next((sent for sent in _SENTENCE.split(summary)
                         if name in sent.lower() and _platform(sent)), None)
        near_platform = _platform(near) if coded and near else None
        if near and _ANTIBODY_ENGAGER.search(near):
            near_platform = None  # "XB628, a bispecific antibody NK cell engager": no cells
        if (near is None or near_platform is None) and len(coded) == 1 and code:
            # the one code-named product, and the summary gives cells as the dose
            dose = _CELL_DOSE.search(summary)
            if dose and _platform(dose.group(0)):
                near, near_platform = dose.group(0), _platform(dose.group(0))
        if near_platform is None and len(coded) == 1 and not around_cells:
            # the summary opens by saying what is studied ("… the safety of CD7 Chimeric
            # Antigen Receptor-T(CAR-T) therapy …") while the intervention is only a code
            opening = _opening_statement(" ".join(texts["summary"]))
            if opening is not None:
                near, near_platform = opening
        if (near_platform is None and code and not _title_context_only(title) and any(
                _CODE_CELLS.search(t) for t in [title, coded[0].name, *texts["summary"]])
                and not _NOT_IMMUNE_CELLS.search(" ".join(
                    (coded[0].name, coded[0].description or "")))):
            # "LY011 cell injection": a code-named cell product whose kind is not stated (not
            # "NG01 - Autologous bone marrow derived human stromal cells": no immune cells)
            near, near_platform = coded[0].name, "other"
            near_from = ("phrase", "a code-named cell product whose kind is not stated")
        if near_platform is None and len(coded) == 1 and _LEUKOCYTE_INN.search(coded[0].name):
            # "rivogenlecleucel": the INN stem -leucel names a product of white blood cells
            near, near_platform = coded[0].name, "other"
            near_from = ("phrase", "the INN stem -leucel names a product of white blood cells")
        if near and near_platform and not _title_context_only(near):
            cands.append(_Cand(platform=near_platform, code=code,
                               name=coded[0].name, as_written=coded[0].name,
                               phrase=_phrase_fielded(coded[0]), platform_from=near_from))
    if not cands and ivs and all(_PLACEHOLDER_ARM.match(i.name.strip()) for i in ivs):
        # interventions named only as dose levels or cohorts ("Dose level 1 group"), and a
        # summary that opens with what is studied ("… the safety … of BCMA CAR-T（S103）")
        opening = _opening_statement(" ".join(texts["summary"]))
        if opening is not None:
            sent, platform = opening
            groups = _anchored_targets(sent)
            keys = groups[0] if groups else []
            named = [c for c in (_code(w) for w in re.split(r"[\s（()）,]+", sent)) if c]
            cands.append(_Cand(platform=platform, targets=list(keys),
                               code=named[0] if named else None, name=named[0] if named else None,
                               as_written=sent,
                               platform_from=("summary", "the summary opens with the product; "
                                                         "the interventions are dose levels"),
                               target_from={k: ("summary", "antigen tied to a therapy cue in the "
                                                           "summary's opening") for k in keys}))
    if not cands and ivs and not drug_in_title:
        # a generic intervention ("T4 immunotherapy") whose cells the summary says are engineered
        # ("T-cells will be engineered to express a ... chimeric antigen receptor")
        generic = [i for i in ivs if not _is_drug_only(i.name) and _platform(i.name) is None]
        for sent in _SENTENCE.split(" ".join(texts["summary"])) if generic else ():
            cells = _ENGINEERED_CELLS.search(sent)
            if (cells and not mt.CONTEXT_NOT_GIVEN.search(sent[:cells.start()])
                    and not _title_context_only(sent) and _platform(cells.group(0))):
                platform = str(_platform(cells.group(0)))
                cands.append(_Cand(platform=_ENGINEERED_OF.get(platform, platform),
                                   name=generic[0].name,
                                   as_written=generic[0].name, phrase=_phrase_fielded(generic[0]),
                                   platform_from=("summary", "the summary says the given cells "
                                                             "are engineered with a CAR")))
                break
    if not cands:
        return [], False
    # refine generic CAR platform from the title or summary ("CAR cells" + NK elsewhere)
    if (title_platform is not None and title_platform in mt.ENGINEERED - {"CAR-T", "TCR-T"}
            and "CAR-T" not in _platforms(titles_only)):  # (not "CAR-T/CAR-NK Cells")
        for c in cands:
            if c.platform == "CAR-T":
                c.platform = title_platform
                c.platform_from = ("title", "the title names the CAR's cell type")
    # the title names several engineered platforms ("CAR-T/TCR-T Cell Immunotherapy") and the
    # interventions only one: the others are products too
    if title_given and cands:
        named = [p for p in _platforms(title) if p in mt.ENGINEERED]
        have = {c.platform for c in cands}
        if len(named) > 1 and have & set(named):
            for p in named:
                if p not in have:
                    cands.append(_Cand(platform=p, as_written=texts["title"][0],
                                       platform_from=("title", "one of several platforms "
                                                               "the title names")))
    # a generic "NK Cells" intervention in a trial whose title gives a CAR-NK (same cell);
    # not when another intervention names the engineered cells itself: the generic one is then
    # an arm of unmodified cells ("NK cells" beside "NKG2D CAR-NK cells")
    if (title_given and title_platform in _ENGINEERED_OF.values()
            and not any(c.platform == title_platform and c.platform_from[0] == "phrase"
                        for c in cands)):
        for c in cands:
            if _ENGINEERED_OF.get(c.platform) == title_platform and not c.targets:
                c.platform = str(title_platform)
                c.platform_from = ("title", "the title names the engineered form of the cells")
    # a generic "iPSC-NK cells" intervention in a trial whose summary opens with the engineered
    # form of the same cells ("… of CLL1 or CD33 target Chimeric antigen receptor (CAR)-induced
    # pluripotent stem cells derived NK cells")
    opening = (_opening_statement(" ".join(texts["summary"]))
               if any(c.platform in _ENGINEERED_OF and not c.targets for c in cands) else None)
    if opening is not None:
        sent, engineered = opening
        for c in cands:
            if _ENGINEERED_OF.get(c.platform) == engineered and not c.targets:
                c.platform = engineered
                c.platform_from = ("summary", "the summary opens with the engineered form of "
                                              "the cells")
                keys = [k for g in _anchored_targets(sent) for k in g]
                c.targets = keys
                c.target_from = {k: ("summary", "antigen tied to a therapy cue in the "
                                                "summary's opening") for k in keys}
    # a CAR named without its cell ("CAR.70", "UCAR cells") on NK cells named elsewhere
    everything = " ".join(texts["title"] + texts["descriptions"] + texts["summary"]
                          + [i.name for i in ivs])
    if (any(c.platform == "CAR-T" for c in cands) and ("NK" in everything or "atural killer"
                                                         in everything)
            and not _EXPLICIT_T.search(mt.MASKS.sub(" ", everything))
            and _NK_SOURCE.search(mt.MASKS.sub(" ", everything))):
        for c in cands:
            if c.platform == "CAR-T":
                c.platform = "CAR-NK"
                c.platform_from = ("summary", "a CAR on NK cells named elsewhere in the record")
    # fill missing targets from anchored mentions in the title, then descriptions, then summary
    unknown = [m.group(1) for t in texts["title"]
               for m in _UNKNOWN_ANTIGEN.finditer(t)
               if m.group(1) not in _NOT_ANTIGEN and not mt.find_targets(m.group(1))
               and len(re.findall(r"[A-Z0-9]", m.group(1))) >= 2
               and not mt.find_codes(m.group(1)) and not re.search(r"\d", m.group(1))]
    for c in cands:
        if c.targets or c.platform not in mt.ENGINEERED or not c.name:
            continue
        # the sentence that names the product says what it targets ("ronde-cel, a
        # dual-targeting CD19/CD20 CAR T-cell therapy")
        names = {c.name, *(n for n in re.findall(r"\(([^()]{3,20})\)", c.name))}
        short = _short_name(c.name)
        if short:
            names.add(short)
        # the product's code alone ("firi-cel") only when no fuller name is written anywhere
        tries = [names] + ([{c.code}] if c.code and len(c.code) >= 4 and c.code not in names
                           else [])
        for level, window in _naming_windows(tries, texts):
            # every antigen of the first sentence that says what the product is ("a 1:1
            # mixture of HER2-CAR-NK and CEACAM5-CAR-NK cells")
            c.targets = list(dict.fromkeys(
                k for g in _anchored_targets(window, strict=True) for k in g))
            c.target_from = {k: (level, "antigen in the sentence naming the product")
                             for k in c.targets}
            if (len(c.targets) > 1 and _LISTED_APART.search(window)
                    and not any(_one_product(t) for t in texts[level])):
                c.construct = "several"  # "cells that target CD19 and CD22": no dual cue
            break
    named_codes = list(dict.fromkeys(
        m.key for t in texts["title"] + texts["summary"]
        if any(not c.targets for c in cands) for m in mt.find_codes(t)
        if vocab.product_codes()[m.key].targets))
    entries = [vocab.product_codes()[c] for c in named_codes]
    if len(named_codes) == 1 or (entries and len({(e.platform, tuple(sorted(e.targets)))
                                                  for e in entries}) == 1):
        # (one product, or several of the same platform and antigens: "either
        # axicabtagene-ciloleucel or lisocabtagene maraleucel")
        entry = entries[0]
        for c in cands:
            if not c.targets and c.platform == entry.platform:
                c.targets = list(entry.targets)
                c.code = c.code or entry.code
                c.target_from = {k: ("code", "product code table") for k in c.targets}
    # antigens that name a sibling product of the trial are that product's, not a fill
    taken = {k for c in cands for k in c.targets
             if c.target_from.get(k, ("",))[0] in ("phrase", "code")}
    if not unknown and any(not c.targets and c.platform in mt.ENGINEERED for c in cands):
        for level in ("title", "interventions", "descriptions", "summary"):
            # (another group's trial in the summary names its antigens, not this trial's)
            here = ([_without_others_trials(t) for t in texts[level]] if level == "summary"
                    else texts[level])
            anchored = [g for text in here
                        for g in _anchored_targets(text, strict=level == "summary") if g]
            anchored = [[k for k in g if k not in taken] for g in anchored]
            anchored = [g for g in anchored if g]
            rule = f"antigen tied to a therapy cue in the {level}"
            if not anchored and level in ("title", "summary"):
                anchored = [g for text in here
                            for g in _anchored_targets(text, strict=True, positive=True) if g]
                rule = f"'antigen-positive' disease in the {level} of an engineered product"
            if anchored:
                fill = _fill_groups(anchored, " ".join(here))
                for c in cands:
                    if not c.targets and c.platform in mt.ENGINEERED:
                        c.targets = list(fill[0]) if len(fill) == 1 else []
                        if len(fill) > 1:
                            c.targets = [k for g in fill for k in g]
                            c.construct = "several"
                        c.target_from = {k: (level, rule) for k in c.targets}
                break
    several = False
    cand_groups = []
    for text in texts["summary"] + texts["descriptions"] + texts["title"]:
        cand_groups.extend(_candidates(text))
    if len(cand_groups) >= 2:
        several = True
        base = cands[0]
        new = []
        for g in cand_groups:
            match = next((c for c in cands if set(c.targets) == set(g)), None)
            new.append(_Cand(platform=base.platform, targets=g,
                             code=match.code if match else None,
                             name=match.name if match else None,
                             as_written=match.as_written if match else None,
                             phrase=match.phrase if match else base.phrase,
                             platform_from=base.platform_from,
                             target_from={k: ("summary", "candidate constructs listed")
                                          for k in g}))
        others = [c for c in cands if c.platform != base.platform]
        cands = new + others
    # "Donor Natural Killer Cell Infusion" given as "therapeutic allogeneic lymphocytes": the
    # title names which lymphocytes the generic term means
    if title_platform in ("NK", "γδT", "iNKT", "CIK"):
        for c in cands:
            if c.platform == "T cell" and _LYMPHOCYTE_TERM.search(c.name or ""):
                c.platform = str(title_platform)
                c.platform_from = ("title", "the title names the lymphocytes given")
    # "MOv-gamma chimeric receptor gene" with "therapeutic allogeneic lymphocytes": the
    # lymphocytes are the cells the receptor gene goes into, not a second product
    if any(c.platform in mt.ENGINEERED and _RECEPTOR_GENE.search(c.name or "") for c in cands):
        cands = [c for c in cands if not (c.platform == "T cell" and not c.targets
                                          and _LYMPHOCYTE_TERM.search(c.name or ""))]
    # expand "several" fills into separate products
    expanded = []
    for c in cands:
        if c.construct == "several":
            for k in c.targets:
                own = _code_for_antigen(k, [i.name for i in ivs],
                                        texts["summary"] + texts["descriptions"])
                expanded.append(_Cand(platform=c.platform, targets=[k], name=own or c.name,
                                      as_written=own or c.as_written, code=own or c.code,
                                      phrase=c.phrase,
                                      platform_from=c.platform_from,
                                      target_from={k: c.target_from.get(k, (
                                          "summary", "several antigens, one product each"))}))
        else:
            expanded.append(c)
    return _dedupe(expanded), several


_OR = re.compile(r"(?i)\s+or\s+")


def _coded_alternatives(name: str) -> list[str | None]:
    """The alternatives of an intervention name "X or Y" where each names a product by a code
    of its own ("huMNC2-CAR44 CAR T cells or huMNC2-CAR22 CAR T cells", "LUCAR-E9D or LUCAR-E9K
    cells"): one product each (issue 10: "X or Y" are separate products); else ``[None]``, the
    name as one product.

    >>> _coded_alternatives("LUCAR-E9D or LUCAR-E9K cells product")
    ['LUCAR-E9D', 'LUCAR-E9K cells product']
    >>> _coded_alternatives("CAR-T cells or placebo"), _coded_alternatives("KYV-101")
    ([None], [None])
    """
    sides = _OR.split(name)
    codes = [_code(side) for side in sides]
    if len(sides) < 2 or None in codes or len(set(codes)) < len(codes):
        return [None]
    return list(sides)


_RECEPTOR_GENE = re.compile(r"(?i)\b(?:receptor|CAR|TCR)\b[^|;]{0,20}\bgenes?\b")
"""A receptor gene given as an intervention ("MOv-gamma chimeric receptor gene")."""
_LYMPHOCYTE_TERM = re.compile(r"(?i)^therapeutic (?:allogeneic|autologous) lymphocytes$")
"""The NCI thesaurus term for lymphocytes given as an intervention."""
_LISTED_APART = re.compile(r"(?i)\b(?:and|or)\b")
"""A list of antigens joined by words, not written as one construct ("CD19/CD22")."""
_ONE_PRODUCT = re.compile(r"(?i)\bmixture\b|composed of|consist\w* of|\bboth\b|\bdual")
"""Words before an "and" that joins the antigens of one product, not two products."""
def _one_product(before: str) -> bool:
    """Whether an "and" after ``before`` joins one product's antigens ("a bispecific CAR
    targeting CD19 and CD20")."""
    return bool(_ONE_PRODUCT.search(before) or mt.DUAL_CUE.search(before))


_COMPARATOR = re.compile(r"(?i)\b(?:versus|vs\.?|compared|or|and|with|then|followed)\b"
                         r"|\.(?=\s|$)|;")


def _after_name(text: str, name: str) -> list[str]:
    """The words right after each mention of a product's name, up to the clause's end or a
    comparator ("ronde-cel, a dual-targeting CD19/CD20 CAR T-cell therapy, with ...")."""
    out = []
    low, key = text.lower(), name.lower()
    at = low.find(key)
    while at >= 0:
        rest = text[at + len(key):at + len(key) + 150]
        m = next((c for c in _COMPARATOR.finditer(rest)
                  if not (c.group(0).lower() in ("and", "or")
                          and (_one_product(rest[:c.start()])
                               or _antigen_list_goes_on(rest, c.start(), c.end())))), None)
        out.append(rest[:m.start()] if m else rest)
        at = low.find(key, at + 1)
    return out


def _antigen_list_goes_on(text: str, start: int, end: int) -> bool:
    """Whether the "and"/"or" at ``text[start:end]`` joins two antigens of one list ("CAR-T
    cells that target TM4SF1 or EpCAM"), not the product and something else."""
    masked = _mask(text)
    mentions = mt.find_targets(masked)
    return (any(m.end <= start and not masked[m.end:start].strip(" -") for m in mentions)
            and any(m.start >= end and not masked[end:m.start].strip() for m in mentions))


def _code_for_antigen(key: str, names: list[str], texts: list[str]) -> str | None:
    """The code-named intervention that a sentence ties to antigen ``key`` ("subjects with
    ROR2 positive biopsy will receive CCT301-59"), when exactly one is."""
    coded = [n for n in names if _code(n)]
    if len(coded) < 2:
        return None
    for text in texts:
        for sent in _SENTENCE.split(text):
            if key not in {m.key for m in mt.find_targets(_mask(sent))}:
                continue
            named = [n for n in coded if n in sent or (_code(n) or "") in sent]
            if len(named) == 1:
                return named[0]
    return None


def _part_of(phrase: str, group: list[str]) -> str | None:
    """The words of a split phrase that name one product ("... EGFR806-EGFRt and a second
    generation 4-1BBζ CD19-Her2tG" -> "second generation 4-1BBζ CD19-Her2tG")."""
    masked = _mask(phrase)
    at = 0
    for m in [*_ALTERNATIVES.finditer(masked), None]:
        end = m.start() if m else len(masked)
        if _phrase_targets(masked[at:end]) == group:
            return phrase[at:end].strip(" ;,") or None
        at = m.end() if m else at
    return None


def _short_name(name: str) -> str | None:
    """The short form of an INN ("rondecabtagene autoleucel" -> "ronde-cel")."""
    m = re.match(r"(?i)^([a-z]+?)(?:cabtagene|leucel|temcel)\w*\s+\w*leucel", name.strip())
    return f"{m.group(1).lower()}-cel" if m else None


def _fill_groups(groups: list[list[str]], text: str) -> list[list[str]]:
    uniq: list[list[str]] = []
    for g in groups:
        if g not in uniq:
            uniq.append(g)
    # a single antigen also written inside a dual group is the same product
    dual = [g for g in uniq if len(g) > 1]
    if dual:
        return [dual[0]]
    keys = list(dict.fromkeys(k for g in uniq for k in g))
    if len(keys) == 1:
        return [keys]
    if mt.DUAL_CUE.search(text):
        return [keys[:2]] if len(keys) >= 2 else [keys]
    return [[k] for k in keys]


def _dedupe(cands: list[_Cand]) -> list[_Cand]:
    out: list[_Cand] = []
    for c in cands:
        same = next((o for o in out if o.platform == c.platform and (
            set(o.targets) == set(c.targets) or not c.targets
            or (not o.targets and not o.code))
            and not (o.code and c.code and o.code != c.code)
            and not (o.name and c.name and o.name != c.name and (o.code or c.code))), None)
        if same is None:
            out.append(c)
            continue
        if not same.targets and c.targets:
            same.targets = c.targets
            same.target_from = c.target_from
        same.code = same.code or c.code
        same.name = same.name or c.name
        same.as_written = same.as_written or c.as_written
    return out


_OTHERS_TRIAL = re.compile(r"(?i)\b(?:conducted|performed|reported|published) by\b|\bet al\b"
                           r"|\b(?:team|group) (?:at|from|of) the\b")
"""A sentence about another group's trial ("trial of NY-ESO-1-specific TCR-T … conducted by the
Rosenberg team … showed"): its antigens are not this trial's."""


def _without_others_trials(text: str) -> str:
    """``text`` without the sentences that report another group's trial."""
    return " ".join(s for s in _SENTENCE.split(text) if not _OTHERS_TRIAL.search(s))


_RADIOTHERAPY = re.compile(r"(?i)radiotherapy|radiation|irradiation|\bRT\b")
_LYMPHODEPLETION_TITLE = re.compile(r"(?i)\b(?:for|as|of) lymphodepletion|lymphodeplet\w* "
                                    r"(?:regimens?|chemotherapy|strateg\w*)\b")


def _lymphodepletion_studied(ivs: list[Intervention], title: str) -> bool:
    """Whether the trial compares lymphodepletion ("Bendamustine Versus Fludarabine/
    Cyclophosphamide for Lymphodepletion in … CAR-T"): only lymphodepleting agents are listed
    and the title names lymphodepletion as its subject, so the CAR-T is the setting."""
    return (bool(ivs) and bool(_LYMPHODEPLETION_TITLE.search(title)) and all(
        any(vocab.agents()[m.key].role == "lymphodepletion" for m in mt.find_agents(i.name))
        for i in ivs))


_CELL_WORD = re.compile(r"(?i)T[- ]cells?|lymphocyte|\bNK\b|natural killer|\bCAR|\bDLI\b|immun")
_TRANSPLANT = re.compile(r"(?i)transplant|\bHSCT\b|\bBMT\b|\bHCT\b|stem cell")
_DLI = re.compile(r"(?i)donor lymphocyte|\bDLI\b")
_UNKNOWN_ANTIGEN = re.compile(r"(?<![A-Za-z0-9(])([A-Z][A-Za-z0-9]{1,9})[- ]CAR\b")
_NOT_ANTIGEN = {"CD19CAR", "Anti", "The", "A", "Novel", "Universal", "Allogeneic", "Autologous",
                "Allogenic", "Dual", "Tandem", "Bispecific", "Armored", "Specific", "Targeted"}
_DRUGLIKE = re.compile(r"(?i)(?:mab|nib|platin|rubicin|taxel|mide|stine|abine|phamide|cillin"
                       r"|zole|sone|lone|relin|ulin|stat|parib|lisib|ciclib|zomib|limus|mycin"
                       r"|degib|tecan|[dr]nase(?:\s+(?:I|alfa|alpha))?|teplase)\b"
                       r"|(?-i:\brh(?:[A-Z][a-z]*|[A-Z]{2,})\b)")
"""Stems of drug INNs (-mab antibodies, -nib kinase inhibitors, -stat enzyme inhibitors…)."""


def _is_drug_only(name: str) -> bool:
    return bool(_DRUGLIKE.search(name)) and _code(name) is None


@lru_cache(maxsize=1 << 16)
def _title_context_only(title: str) -> bool:
    masked = mt.MASKS.sub(" ", title)
    if mt.NOT_THERAPY_TITLE.search(masked):
        return True
    for _name, rx in mt.platform_cues(masked):
        m = rx.search(masked)
        if m:
            start = m.start()
            lead = _CUE_LEAD.search(masked[max(0, start - 80):start])
            if lead:  # "following CD19-directed chimeric antigen (CAR)-T": from "CD19-directed"
                start -= len(lead.group(0))
            before = masked[max(0, start - 40):start]
            after = masked[m.end():m.end() + 30]
            return bool(mt.CONTEXT_NOT_GIVEN.search(before) or mt.RELATED_AFTER.match(after))
    return False


_CUE_LEAD = re.compile(r"(?i:(?:(?:[\w.+/-]+-(?:directed|targeted|targeting|specific|redirected)"
                       r"|anti-[\w.+/-]+|chimeric antigen(?: receptor)?|autologous|allogeneic"
                       r"|commercial|approved|standard[- ]of[- ]care|(?-i:CD\d+\w*))[\s(-]*)+$)")
"""Words that belong to a platform cue's name and stand before it ("CD19-directed chimeric
antigen (CAR)-T"): a context word before them still governs the cue."""


def _evidence(where: str, rule: str, c: _Cand, fielded: dict[str, Fielded],
              key: str | None = None) -> Evidence:
    if where == "code" and c.code:
        written = next((m.alias for f, t in c.phrase + fielded["title"]
                        for m in mt.find_codes(t)), c.code)
        return Evidence(field="product_code_table", text=written, rule=rule)
    texts = c.phrase if where == "phrase" else fielded.get(where, [])
    texts = texts or c.phrase or fielded["title"]
    if key is not None:
        return _target_evidence(key, texts, rule)
    return _cue_evidence(c.platform, texts, rule)


def _source_evidence(record: TrialRecord, c: _Cand, fielded: dict[str, Fielded]
                     ) -> tuple[str | None, Evidence | None]:
    """The product's cell source and where it is written (its own name first)."""
    if c.from_code and c.code and vocab.product_codes()[c.code].source:
        return vocab.product_codes()[c.code].source, Evidence(
            field="product_code_table", text=c.code, rule="product code table")
    ordered = (c.phrase + fielded["title"] + [("intervention", i.name)
                                              for i in record.interventions]
               + fielded["descriptions"] + fielded["summary"])
    for fld, text in ordered:
        for key, rx in _source_patterns():
            m = next((m for m in rx.finditer(text) if key == "iPSC"  # (stem cells by name)
                      or not _about_something_else(key, text, m.start(), m.end())), None)
            if m:
                rule = ("cell source in the product's name" if (fld, text) in c.phrase
                        else "cell source written in the record")
                return key, Evidence(field=fld, text=_snippet(text, m.start(), m.end()),
                                     rule=rule)
    return None, None


def _about_something_else(key: str, text: str, start: int, end: int) -> bool:
    """Whether the cell-source word at ``text[start:end]`` describes something other than the
    product: a transplant, one to come, cell therapies in general, or a tumour's cell line."""
    if _NOT_THE_PRODUCT.match(text, end) or _IN_GENERAL_BEFORE.search(text, 0, start):
        return True
    if _TO_COME_BEFORE.search(text, 0, start) and not _CELLS_AFTER.match(text, end):
        return True
    if key in ("allogeneic", "autologous") and (
            _OTHER_SOURCE_AFTER.match(text, end) or _OTHER_SOURCE_BEFORE.search(text, 0, start)):
        return True  # (offered one or the other: neither is the product's one source)
    if key == "allogeneic" and "third" in text[start:end].lower() and (
            _NOT_DONOR_AFTER.match(text, end) or _BY_BEFORE.search(text, 0, start)):
        return True
    return key == "cell line" and (
        text[end:end + 1].isalpha()  # (a product is one line; "B-cell lineage" is none)
        or bool(_TUMOUR_LINE_BEFORE.search(text, 0, start)
                and not _EFFECTOR_BEFORE.search(text, 0, start)))


_SOURCE_WORDS = (r"(?:autologous|allogeneic|allogenic|allo|auto|donor[- ]derived|patient[- ]derived"
                 r"|(?:healthy )?donors?'?|patient'?s own)")
_OTHER_SOURCE_AFTER = re.compile(rf"(?i)\w*\s*(?:or|and/or|/)\s*{_SOURCE_WORDS}\b")
_OTHER_SOURCE_BEFORE = re.compile(
    rf"(?i)\b{_SOURCE_WORDS}\s*(?:or|and/or|/)\s*(?:{_SOURCE_WORDS}\s+)?$")
"""Sources offered one or the other ("Patient autologous or donor-derived T cells",
"Autologous or allogeneic NK cells", "autologous or donor-derived allogeneic T cells")."""
_NOT_DONOR_AFTER = re.compile(r"(?i)[\s-]*(?:laborator|vendor|compan|contract|CRO\b|manufactur"
                              r"|assess|review|audit|adjudicat|monitor|payer|insur|pharmac)")
_BY_BEFORE = re.compile(r"(?i)\bby (?:an? |the )?$")
"""A third party that tests, reviews or pays ("tested by a third party", "a third-party
laboratory"), not a third-party donor."""


_TO_COME_BEFORE = re.compile(r"(?i)\b(?:bridg\w*|proceed\w*|go(?:ing)? on) to\s+$")
"""A transplant to come ("bridging to allogeneic"), unless a cell product follows the word
("proceed to autologous CD19 CAR-T cells", ``_CELLS_AFTER``)."""
_IN_GENERAL_BEFORE = re.compile(
    r"(?i)(?:\b(?:is|are) (?:mostly|usually|typically|generally|commonly|often|mainly)"
    r"(?: \w+){0,2}|\bmost (?:CAR-?T )?(?:products|therapies)(?: \w+){0,3})\s+$")
"""A sentence about cell therapies in general ("CAR-T is mostly based on autologous T cell
preparation")."""
_CELLS_AFTER = re.compile(r"(?i)[\s-]*(?:[\w/.-]+[\s-]+){0,3}?(?:CAR|T[- ]?cells?|NK|CIK|TIL"
                          r"|γδ|iNKT)")
"""A cell product right after the source word ("proceed to autologous CD19 CAR-T cells"): the
source is the product's after all."""
_EFFECTOR_BEFORE = re.compile(r"(?i)(?:\bNK|NK-92|KHYG|\bT)[\w-]*\s+(?:[\w-]+\s+){0,2}$")
"""An effector cell's line ("the KHYG-1 NK leukemia cell line") is the product's."""
_TUMOUR_LINE_BEFORE = re.compile(r"(?i)\b(?:tumou?r|cancer|leuka?emia|lymphoma|myeloid|target"
                                 r"|K562|Raji|Nalm-?6)\s+$")
"""A tumour's cell line, not the product's ("cytotoxicity against multiple tumor cell lines")."""
_NOT_THE_PRODUCT = re.compile(
    r"(?i)(?:\s+(?:or|and|and/or|/)\s+(?:allogeneic|autologous|allo|auto)\w*)?[\s-]*"
    r"(?:(?:HLA-)?(?:matched|mismatched|related|unrelated|sibling|donor)[\s-]+){0,3}(?:"
    r"(?:stem[\s-]cells?|progenitor cells?|HS[P]?Cs?)\b"
    r"|(?:ha?ematopoietic|peripheral blood|bone marrow|cord blood)?[\s-]*"
    r"(?:stem[\s-]cells?|progenitor cells?|cells?)?[\s-]*(?:transplant\w*|graft\w*)"
    r"|(?:ha?ematopoietic\s+)?(?:stem[\s-]cells?|progenitor cells?|bone marrow)[\s-]*"
    r"(?:infusion|rescue|support)|ha?ematopoietic\b"
    r"|(?:allo-?|auto-?)?(?:HSCT|HCT|SCT|BMT|PBSCT|ASCT)\b|(?:-?derived\s+)?xenograft)")
"""What a cell-source word describes when it is not the product: a transplant ("Ineligible for
Allogeneic HSCT", "allogeneic hematopoietic stem cell transplantation is rarely used"), or a
model ("cell line-derived xenograft models"): the source is read from another mention."""


def _product_payloads(c: _Cand, fielded: dict[str, Fielded]) -> tuple[str, ...]:
    out: list[str] = []
    for _f, text in c.phrase + fielded["title"] + fielded["descriptions"]:
        out.extend(f"{kind}:{text[a:b].strip()}" for kind, a, b in _payloads(text))
    return tuple(dict.fromkeys(out))


_APART = mt.Prefiltered(r"(?i:\bsequential\w*|\bseparate(?:ly)?\b|\bor both\b"
                        r"|\bone after the other\b)")
"""Words that give a trial's CARs one after the other or apart: not one construct."""
_OR_BETWEEN = re.compile(r"(?i)^[^.;:]{0,40}?(?:\band/or\b|\bor/and\b|\bor\b)")
"""The words between two antigens that offer one or the other ("CLL1 or CD33 target CAR",
"Anti-BCMA or/and Anti-CD19 CART Cells", "CLL-1, CD33 and/or CD123-specific CAR")."""
_JOINER = re.compile(r"^\s*(?:/|\+|x|×|-)?\s*$")
"""What joins two antigens of one construct: "CD20/CD30", "CD19xCD22", "CD19-BCMA"."""
_PRODUCT_AFTER = re.compile(r"(?i)^[^.;:]{0,30}?(?:\bCAR|CAR-?(?:T|NK)\b|\bTCR|chimeric"
                            r"|\bT[- ]cells?\b|\bNK[- ]cells?\b)")
"""A cell product named after a list of antigens ("… or CD33 target Chimeric antigen receptor
…", "… or AXL targeting CAR-NK cells")."""
_LIST_GAP = re.compile(r"(?i)^[\s,-]*(?:,|&|\band/or\b|\bor/and\b|\bor\b|\band\b)?[\s,]*"
                       r"(?:anti-?\s*)?$")
"""What stands between two antigens of one list ("CLL-1, CD33 and/or CD123")."""
_EXPRESSED_AFTER = re.compile(r"(?i)^[\s-]*(?:\+|positive|express\w*|bright)\b")
_JOINED = mt.Prefiltered(rf"{mt.DUAL_CUE.pattern}|(?i:\bco-?express\w*)")
"""Words of one construct: a dual cue, or antigens co-expressed ("BCMA alone or co-expressed
with CD19")."""


def _offered_apart(sentence: str, wanted: set[str]) -> bool:
    """Whether a sentence offers the antigens ``wanted`` one or the other: each named, "or"
    between two of them, and not as the disease's markers ("CD19- or CD22-positive")."""
    found = mt.find_targets(sentence)
    mentions = [m for m in found if m.key in wanted]
    if {m.key for m in mentions} != wanted or _EXPRESSED_AFTER.match(
            sentence[mentions[-1].end:]):
        return False
    pairs = list(zip(found, found[1:], strict=False))
    if any(a.key in wanted and b.key in wanted and a.key != b.key
           and _JOINER.match(sentence[a.end:b.start]) for a, b in pairs):
        return False  # also joined as one construct ("anti-CD20/CD30-CAR T-cells")
    runs: list[list[tuple[mt.Mention, str]]] = [[]]  # lists of antigens, each with the gap
    for i, m in enumerate(found):                     # before it
        gap = sentence[found[i - 1].end:m.start] if i else ""
        if i and not _LIST_GAP.match(gap):
            runs.append([])
        runs[-1].append((m, gap))
    return any(wanted <= {m.key for m, _ in run} and any(_OR_BETWEEN.match(g) for _, g in run[1:])
               and not mt.CONTEXT_NOT_GIVEN.search(sentence[:run[0][0].start])  # (relapsed
               and (_PRODUCT_AFTER.match(sentence[run[-1][0].end:])  # after …) of products, not of
                    or _ANCHOR_BEFORE.search(sentence[max(0, run[0][0].start - 30):  # markers
                                                      run[0][0].start]))
               for run in runs)


def _given_apart(c: _Cand, fielded: dict[str, Fielded]) -> list[_Cand]:
    """``c``, or one product per antigen when ``c`` joins antigens as one construct ("CD146/HER2
    CAR-T cells") that a sentence of the record gives apart, with no word of a dual construct
    ("sequential infusion of autologous CD146-specific and HER2-specific CAR-T cells",
    "targeting CD33 or CD123 or both sequentially"). A product of the code table is as the
    table has it."""
    if len(c.targets) < 2 or c.from_code or c.construct == "single":
        return [c]
    wanted = set(c.targets)
    own = {where for where, _rule in c.target_from.values()}  # where its antigens were read
    for level, pairs in (("phrase", c.phrase), *fielded.items()):
        for _field, text in pairs:
            low = text.lower()
            if not (_APART.search(text) or " or" in low or "/or" in low):
                continue  # ("CLL-1, CD33 and/or CD123-specific CAR": one or the other too)
            for sentence in _SENTENCE.split(text):
                if not _JOINED.search(sentence) and (
                        (_APART.search(sentence)
                         and wanted <= {m.key for m in mt.find_targets(sentence)})
                        or (level in own and _offered_apart(sentence, wanted))):
                    return [replace(c, targets=[k], construct="single",
                                    target_from={k: c.target_from[k]} if k in c.target_from
                                    else {}, apart=(_field, sentence.strip()))
                            for k in c.targets]
    return [c]


def _to_product(c: _Cand, record: TrialRecord, fielded: dict[str, Fielded]) -> Product:
    keys = [k for k in dict.fromkeys(c.targets) if vocab.target_term(k) is not None]
    targets = tuple(t for t in (vocab.target_term(k) for k in keys) if t is not None)
    target_ev = tuple(_evidence(*c.target_from.get(k, ("title", "antigen in the record")), c,
                                fielded, key=k) for k in keys)
    source, source_ev = _source_evidence(record, c, fielded)
    construct = c.construct if c.construct in ("single", "dual", "multi") else _construct(
        "", keys)  # (one antigen named twice, "NexCAR19 … (NexCAR19)", is a single target)
    construct_ev = None
    if c.apart is not None:
        construct_ev = Evidence(field=c.apart[0], text=c.apart[1][:300],
                                rule="antigens of a written construct given apart")
    elif construct in ("dual", "multi") and target_ev:
        construct_ev = Evidence(field=target_ev[0].field, text=target_ev[0].text,
                                rule="antigens written as one construct")
    elif construct == "single" and target_ev:
        construct_ev = Evidence(field=target_ev[0].field, text=target_ev[0].text,
                                rule="one antigen per product")
    receptor = "CAR" if c.platform.startswith("CAR") else "TCR" if c.platform == "TCR-T" else (
        "none")
    label_targets = "/".join(t.label.split(" (")[0] for t in targets)
    name = c.code or c.name or (f"{label_targets} {c.platform}".strip())
    return Product(
        name=name, platform=c.platform, receptor=receptor,  # type: ignore[arg-type]
        cell_type=vocab.cell_types().get(c.platform), source=source,
        construct_kind=construct, targets=targets, as_written=c.as_written, code=c.code,
        payloads=_product_payloads(c, fielded),
        platform_evidence=_evidence(*c.platform_from, c, fielded),
        source_evidence=source_ev, construct_evidence=construct_ev, target_evidence=target_ev,
    )


_PRODUCT_FACTS = ("name", "platform", "receptor", "cell_type", "source", "construct_kind",
                  "targets", "code", "payloads")
"""What a product is, as the graph holds it (not the words or evidence it was read from)."""


def _distinct(products: tuple[Product, ...]) -> tuple[Product, ...]:
    """The products, each once: candidates read from several interventions (one product's dose
    levels or schedules, "JCAR017" in two arms) that come to the same facts are one product,
    with the first one's evidence. Products that differ in any fact (an autologous and an
    allogeneic arm of one code) stay apart.

    >>> one = Product(name="JCAR017", platform="CAR-T", receptor="CAR", as_written="JCAR017")
    >>> [p.as_written for p in _distinct((one, one.model_copy(update={"as_written": "x"})))]
    ['JCAR017']
    >>> len(_distinct((one, one.model_copy(update={"source": "allogeneic"}))))
    2
    """
    seen: set[tuple[object, ...]] = set()
    out = []
    for p in products:
        facts = tuple(getattr(p, f) for f in _PRODUCT_FACTS)
        if facts not in seen:
            seen.add(facts)
            out.append(p)
    return tuple(out)


# ---- agents --------------------------------------------------------------------------------

def _agents(record: TrialRecord) -> tuple[AgentUse, ...]:
    texts = ([i.name for i in record.interventions]
             + [n for i in record.interventions for n in i.other_names]
             + [record.brief_title or "", record.official_title or ""]
             + [a.description or "" for a in record.arms]
             + [i.description or "" for i in record.interventions]
             + [record.brief_summary or ""])
    seen: dict[str, AgentUse] = {}
    for text in texts:
        for m in mt.find_agents(text):
            if m.key in seen:
                continue
            entry = vocab.agents()[m.key]
            if m.alias in ("Cy", "CTX", "Flu") and not re.search(
                    r"(?i)flu|cy\b|lymphodeplet|conditioning", text):
                continue
            seen[m.key] = AgentUse(term=entry.term, role=entry.role,  # type: ignore[arg-type]
                                   as_written=m.alias)
    return tuple(seen.values())


@cache
def _product_rules() -> rw.WordRules | None:
    rules = product_rules()
    return None if rules is None else rw.WordRules(rules)


@cache
def product_rules() -> tuple[tuple[frozenset[str], ...], ...] | None:
    """What a record that names a product holds, as word rules (``rw.WordRules``): the required
    words of each alternative of every pattern by which a product gets its platform, with the
    word boundaries (``rw.BOUNDARY``, ``rw.EDGE``) and case (``rw.CASED``) the pattern asks for,
    and those of the product-code matcher (None: cannot tell)."""
    rules: list[tuple[frozenset[str], ...]] = []
    # every route by which a product gets a platform: the cues; an antigen-redirected cell
    # ("MSLN STAR-T cells", _TARGETED_CELLS); a CAR construct on named cells (which needs
    # _CONSTRUCT_CELLS); a code-named cell product; a leukocyte INN; a product code
    routes: tuple[mt.Prefiltered | re.Pattern[str], ...] = (
        *(rx for _name, rx in mt.PLATFORM_CUES), _TARGETED_CELLS, _CONSTRUCT_CELLS, _CODE_CELLS,
        _LEUKOCYTE_INN)
    for rx in routes:
        required = rw.required_rules(rx.pattern, boundaries=True)
        if required is None:
            return None
        rules += required
    codes = rw.required_rules(mt.code_regex()[0].pattern, boundaries=True)
    if codes is None:
        return None
    rules += codes
    return tuple(rules)


def may_name_a_product(record: TrialRecord) -> bool:
    """False when no text of the record holds a word that every product cue needs, so that the
    product rules need not run (most registry records are not cell therapy).

    >>> from celltx.models import Provenance, SourceFormat
    >>> prov = Provenance(path="x", format=SourceFormat.CTGOV_V2_JSON, record=0)
    >>> may_name_a_product(TrialRecord(nct_id="NCT00000001", brief_title="Aspirin in stroke",
    ...                                provenance=prov))
    False
    """
    rules = _product_rules()
    return rules is None or rules.holds(record_text(record))


def record_text(record: TrialRecord) -> str:
    """Every free text of a record that a rule may read, joined (what the product prefilter
    and the scope prefilter look at)."""
    parts = [record.brief_title, record.official_title, record.acronym, record.brief_summary,
             record.detailed_description, *record.keywords, *record.conditions]
    for iv in record.interventions:
        parts += [iv.name, iv.description, *iv.other_names]
    parts += [a.description for a in record.arms]
    parts += [a.label for a in record.arms]
    if record.study_type:
        parts.append(f"{STUDY_TYPE_WORD} {record.study_type}")
    return "\n".join(p for p in parts if p)




@cache
def related_study_rules() -> tuple[tuple[frozenset[str], ...], ...] | None:
    """What the text of a study of a cell therapy that gives none holds (in-vivo CAR,
    follow-up, observational, engager, a drug around CAR-T), as word rules: the required words
    of each alternative of every pattern by which ``_modality`` finds such a study, and the
    observational study type (None: cannot tell)."""
    rules: list[tuple[frozenset[str], ...]] = [
        (frozenset({f"{STUDY_TYPE_WORD} observational"}),)]
    for rx in (*(rx for _name, rx in _MODALITY_CUES), _ENGAGER, _AROUND_CT):
        required = rw.required_rules(rx.pattern, boundaries=True)
        if required is None:
            return None
        rules += required
    return tuple(rules)


# ---- modality and data quality ----------------------------------------------------------------

_CUE_WORDS = {"in_vivo_car": ("vivo", "lnp", "particle", "inside the", "within the",
                               "gene therapy", "vector drug", "vector injection",
                               "vector product")}
"""Words a cue needs, where the regex parser's own choice is too weak ("car"): one of them is
in every match of each alternative ("… CAR inside the body", "lentiviral vector drug"); they
are found inside words ("particle" in "nanoparticles")."""
_MODALITY_CUES: tuple[tuple[str, mt.Prefiltered], ...] = tuple(
    (name, mt.Prefiltered(rx, words=_CUE_WORDS.get(name))) for name, rx in (
        ("in_vivo_car", r"(?i:\bin[- ]?vivo(?:[\s-]+(?:cluster of differentiation"
                        r"|(?-i:[A-Z0-9][\w/+-]*)|generated|engineered"
                        r"|produced|reprogrammed|transduced|delivered|manufactured|targeted"
                        r"|tandem|dual|bispecific|dual-target|anti-\S+"
                        r"|\([^()]{1,15}\)[\w-]*)){0,6}[\s-]*"
                        r"(?:\bCAR\b|CAR-?T|chimeric antigen)"
                        r"|(?:\bCAR\b|CAR-?T)[^.;]{0,30}(?:generated|engineered|produced|made)\s+in"
                        r"[- ]vivo|in[- ]vivo (?:generation|engineering|reprogramming) of"
                        r"|\bLNPs?\b[^.;]{0,30}CAR|lipid nanoparticle[^.;]{0,40}CAR"
                        r"|(?:lipid nanoparticles?|\bLNPs?\b)[^.;]{0,100}"
                        r"\b(?:encod|deliver|carr)\w*[^.;]{0,40}(?:\bCAR\b|chimeric antigen)"
                        r"|CAR[^.;]{0,30}(?:lipid nanoparticle|\bLNP\b)"
                        # "Particle-delivered CAR1920 mRNA", "Nanoparticle-Mediated Delivery
                        # of CD19/CD20 Dual-Targeting InViVoCAR1920 mRNA"
                        r"|\b(?:nano)?particles?[- ](?:mediated|delivered)\b[^.;]{0,80}"
                        r"(?:CAR|chimeric antigen)[^.;]{0,40}?\bmRNA\b"
                        r"|(?:generat|produc|creat|mak|engineer|reprogram)\w*[^.;]{0,60}"
                        r"(?:\bCAR|chimeric antigen receptor)[^.;]{0,60}\b(?:inside|within) the "
                        r"(?:patient'?s?\s+)?body"
                        r"|gene therapy (?:delivering|encoding|that delivers)[^.;]{0,40}"
                        r"(?:\bCAR\b|chimeric antigen)"
                        r"|(?:\bCAR\b|CAR-?T|chimeric antigen receptor)[^.;]{0,20}(?:lentiviral"
                        r"|lentivirus|retroviral|viral|AAV)[- ]vector (?:drug|injection|product))"),
        ("observational_summary", r"(?i:\b(?:this|the) (?:study )?is an? (?:\w+,?\s+){0,3}"
                                  r"observational\b|\b(?:this|the) non-?interventional "
                                  r"(?:study|registry)\b"
                                  r"|\bthis (?:will be|is) an? (?:\w+,?\s+){0,2}cohort study\b"
                                  r"|\b(?:goal|aim|purpose|objective)s? of (?:this|the) "
                                  r"(?:\w+,?\s+){0,2}observational (?:study|cohort|registry)\b"
                                  r"|\bdata (?:will be|are|were|is) (?:extracted|collected"
                                  r"|retrieved|obtained) (?:retrospectively )?from (?:the )?"
                                  r"(?:patients'? |participants'? )?"
                                  r"(?:medical|health|clinical|hospital) records\b"
                                  r"|\b(?:evaluat|assess|investigat|describ|collect)\w*[^.;]{0,120}"
                                  r"\bin (?:the |a )?real[- ](?:world|life)\b"
                                  r"|\bin (?:the )?real[- ](?:world|life) (?:clinical )?"
                                  r"(?:practice|settings?)\b)"),
        ("observational_intervention", r"(?i:^(?:non-?interventional|observational)"
                                       r"(?: study| cohort)?$|^no intervention)"),
        ("follow_up", r"(?i:long[- ]?term follow[- ]?up|\bLTFU\b|follow[- ]?up$"
                      r"|long[- ]?term (?:study|safety|evaluation)[^.;|]{0,60}"
                      r"(?:participants|patients|subjects)[^.;|]{0,30}"
                      r"(?:previously|already) (?:treated|administered|dosed)"
                      r"|follow[- ]?up (?:study|protocol)"
                      r" (?:of|for) (?:patients|subjects|participants))"),
        ("observational", r"(?i:\b(?:collection of (?:\w+ )?samples|biobank\w*|sample collection"
                          r"|predictab\w+|predictive (?:value|factors?|markers?)|correlat\w+"
                          r"|registry|real[- ](?:world|life)|retrospective\w*|observational"
                          r"|natural history"
                          r"|survey|questionnaire|biomarker study|immune monitoring study"
                          r"|data collection|database|(?:side|delayed|late|long[- ]term) effects of"
                          r" (?:\w+[ -]){0,3}(?:CAR|cell therap)"
                          r"|chart review|non-?interventional)\b)"),
    ))
_ENGAGER = mt.Prefiltered(r"(?i:engager|bispecific antibod\w*|\bBiTE\b|bi-?specific T[- ]cell"
                      r"|\bTCE\b|bispecific)")
_AROUND_CT = mt.Prefiltered(r"(?i:(?:priming|bridging|lymphodeplet\w*) (?:for|before|in|prior to)"
                            r"[^.;]{0,60}(?:CAR[- ]?T|CART|chimeric antigen|cell therap)"
                            r"|(?:after|following|post|receiving|received|prior|before"
                            r"|treated with"
                        r"|undergoing|eligible for|planned)[^.;]{0,40}"
                        r"(?:CAR[- ]?T|CART|cell therap)"
                        r"|CAR[- ]?T[^.;]{0,30}(?:recipients|treated patients|related|associated|"
                        r"induced|toxicit\w*|CRS|ICANS)|(?:\+|\bplus|\bwith)\s+"
                        r"(?:standard[- ]of[- ]care\s+|anti-?[\w-]+\s+|[\w-]+-(?:directed|targeted)"
                        r"\s+)?CAR[- ]?T\b|\bCAR[- ]?T\s*\+)")


def _modality(record: TrialRecord, fielded: dict[str, Fielded],
              has_products: bool) -> tuple[str, Evidence | None]:
    """What the trial is: a cell therapy, or which related kind of study when it gives none."""
    heads = fielded["title"] + [("intervention", i.name) for i in record.interventions]
    if (record.study_type or "").upper() == "OBSERVATIONAL":
        return "observational", Evidence(field="study_type", text=record.study_type or "",
                                         rule="observational study type")
    for name, rx in _MODALITY_CUES:
        where = {"in_vivo_car": heads + fielded["summary"],
                 "observational_summary": fielded["summary"],
                 "observational_intervention": [("intervention", i.name.strip())
                                                for i in record.interventions],
                 "observational": fielded["title"]}.get(name, heads)
        for fld, text in where:
            m = rx.search(text)
            if m:
                if name == "in_vivo_car" and re.search(r"(?i)ex[- ]vivo", text[
                        max(0, m.start() - 60):m.end() + 60]):
                    continue
                kind = name.removesuffix("_summary").removesuffix("_intervention")
                return kind, Evidence(field=fld, text=_snippet(text, m.start(), m.end()),
                                      rule=f"{name.replace('_', ' ')} cue")
    if (record.interventions and all(_ASSESSMENT.search(i.name) and _platform(i.name) is None
                                     for i in record.interventions)
            and any(_CONTEXT_WORDS.search(t) or mt.find_codes(t)
                    for _f, t in fielded["title"] + fielded["summary"])):
        # (patients given a cell therapy elsewhere, measured here)
        first = record.interventions[0].name
        return "observational", Evidence(field="intervention", text=first,
                                         rule="every intervention is an assessment")
    if has_products:
        return "cell_therapy", None
    around = [(f, t) for f, t in heads + fielded["summary"] if _CONTEXT_WORDS.search(t)]
    for fld, text in around:
        m = _ENGAGER.search(text)
        if m:
            return "engager", Evidence(field=fld, text=_snippet(text, m.start(), m.end()),
                                       rule="cell-engager cue")
    for fld, text in around:
        m = _AROUND_CT.search(text)
        if m:
            return "drug_after_cell_therapy", Evidence(
                field=fld, text=_snippet(text, m.start(), m.end()),
                rule="cell therapy named as context, not given")
    return "other", None


_ASSESSMENT = re.compile(r"(?i)questionnaire|assessment|\bsurveys?\b|\btest(?:s|ing)?\b(?! product)"
                         r"|\bmeasures?\b|\bscores?\b|\bscales?\b|\binventory\b|\binterviews?\b|\bPROMIS\b"
                         r"|\bEQ-5D|quality of life")
"""An intervention that only measures the participant (questionnaires, neuropsychological
tests): a trial whose interventions are all such gives nothing."""
_CONTEXT_WORDS = mt.Prefiltered(r"(?i:engager|bispecific|cell therap)|\bBiTE\b|\bTCE\b|\bCAR"
                                r"|CAR-?T\b")
_PLACEHOLDER = mt.Prefiltered(
    r"(?i:\bthis (?:is an? )?(?:draft,? )?(?:[\w.-]+-style )?"
    r"(?:example|hypothetical|illustrative|fictional|fictitious)\s+(?:[\w/,-]+\s+){0,4}?"
    r"(?:study|trial|protocol|record|registration)\b"
    r"|\bexample (?:study|record|trial|protocol)\b"
    r"|lorem ipsum|\btest (?:record|study) (?:only|for)|\bplaceholder\b"
    r"|(?<!double-)(?<!double )\bdummy (?:study|record)|\bdo not use\b"
    r"|\b(?:this is an? |this |an? )(?:draft|illustrative)\b)",
    words=("example", "hypothetical", "illustrative", "fictional", "fictitious", "lorem",
           "test record", "test study", "placeholder", "dummy", "do not use", "draft"))
"""Words by which a record says it is no real study: "This example …", "This hypothetical …",
"This is a draft, ClinicalTrials.gov-style example record" (not a double-dummy design)."""
_OUTCOME = (r"(?:safety|efficacy|tolerability|toxicity|overall survival"
            r"|progression[- ]free survival|adverse events?|response rate"
            r"|pharmacokinetics|feasibility|dose|quality of life|"
            r"objective response(?: rate)?|maximum tolerated dose)")
_OUTCOME_NAME = re.compile(rf"(?i:^{_OUTCOME}(?:\s*(?:,|&|/|\band\b)\s*{_OUTCOME})*$)")
"""A condition field that names what is measured ("Safety", "Safety and Efficacy")."""


def placeholder_evidence(record: TrialRecord) -> Evidence | None:
    """The words by which a record says it is no real study, or None.

    >>> from celltx.models import Provenance, SourceFormat
    >>> at = Provenance(path="x", format=SourceFormat.CTGOV_V2_JSON, record=0)
    >>> placeholder_evidence(TrialRecord(nct_id="NCT00000001", brief_title="CAR-NK cells",
    ...     brief_summary="This hypothetical first-in-human study is designed to evaluate",
    ...     provenance=at)).text
    'This hypothetical first-in-human study'
    >>> placeholder_evidence(TrialRecord(nct_id="NCT00000001", provenance=at,
    ...     brief_title="A Randomized, Double-Dummy Study of Drug X"))
    """
    for where, text in (("title", record.brief_title), ("official_title", record.official_title),
                        ("summary", record.brief_summary)):
        if text and (words := _placeholder_words(text)):
            return Evidence(field=where, text=words, rule="placeholder_record")
    return None


@lru_cache(maxsize=1 << 14)
def _placeholder_words(text: str) -> str | None:
    m = _PLACEHOLDER.search(text)
    return m.group(0) if m else None


def quality_flags(record: TrialRecord) -> tuple[str, ...]:
    """Data-quality flags of a record: placeholder text, conditions that are outcome names,
    impossible dates.

    >>> from celltx.models import Provenance, SourceFormat
    >>> rec = TrialRecord(nct_id="NCT00000001", brief_title="This example study of CAR-T",
    ...                   conditions=("Safety",), start_date="2030-01", completion_date="2020",
    ...                   provenance=Provenance(path="x", format=SourceFormat.CTGOV_V2_JSON,
    ...                                         record=0))
    >>> quality_flags(rec)
    ('placeholder_record', 'condition_is_outcome', 'impossible_date')
    """
    flags = []
    if placeholder_evidence(record) is not None:
        flags.append("placeholder_record")
    if any(_OUTCOME_NAME.match(c.strip()) for c in record.conditions):
        flags.append("condition_is_outcome")
    start, end = record.start_date, record.completion_date
    if (start and end and start[:4] > end[:4]) or any(
            d and not ("1980" <= d[:4] <= "2045") for d in (start, end)):
        flags.append("impossible_date")
    return tuple(flags)


def _targets_across_conditions(products: tuple[Product, ...],
                               conditions: tuple[ConditionMatch, ...]) -> bool:
    """Whether a trial tests products of different targets in conditions of which none holds
    another (CD19 CAR-T cells in lymphoma and BCMA CAR-T cells in myeloma): the graph ties its
    conditions to the trial, not to one product, so an answer that pairs a target with a
    condition credits each target to each of them (the trial is flagged, and no fact is
    guessed)."""
    if len({frozenset(t.key for t in p.targets) for p in products if p.targets}) < 2:
        return False
    terms = {m.term.curie: m.term for m in conditions if m.term is not None}
    unrelated = [c for c, t in terms.items()
                 if not any(c in other.broader for other in terms.values())]  # the narrowest
    return len(unrelated) >= 2


# ---- entry point ---------------------------------------------------------------------------

def warm() -> None:
    """Build now what the annotator otherwise builds on first use (the vocabulary tables, the
    combined regexes, each prefiltered pattern's automaton): called before forking worker
    processes, so that they share these rather than each building its own. The HGNC automaton
    (about 30 MiB) is left to the workers: built in the parent it would stay in the parent's
    memory beside the graph."""
    for table in (vocab.targets, vocab.product_codes, vocab.conditions, vocab.cell_types,
                  vocab.cell_sources, vocab.agents, vocab.phases, vocab.statuses,
                  vocab.study_types):
        table()
    _country_aliases()
    _org_aliases()
    _source_patterns()
    product_rules()
    related_study_rules()
    mt.warm()  # last: it also prepares the patterns made above


STARTED_STATUSES = frozenset({"RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
                              "SUSPENDED", "TERMINATED", "COMPLETED"})
"""Overall statuses of a trial that enrols or has enrolled: its start was made."""
NOT_STARTED_STATUSES = frozenset({"NOT_YET_RECRUITING", "WITHDRAWN"})
"""Overall statuses of a trial whose start was not made (withdrawn: stopped before its first
participant)."""


ENROLLING_STATUSES = frozenset({"RECRUITING", "ENROLLING_BY_INVITATION"})
MOVED_FORWARD_YEARS = 3
"""A trial still enrolling whose record gives no start date type and a start date this many
years or more after its registration (counted in months: the first-posted month, else the
month its NCT number was issued) may have had its start date moved forward at each update
(Shenzhen Geno-Immune's trials registered in 2017–2019 are recruiting with starts in 2025 and
2026): it started, but its record cannot say when, so its start is not counted in its start
date's year. A trial that no longer enrols keeps its start date as history."""


def start_made(record: TrialRecord) -> tuple[bool | None, str | None]:
    """Whether the trial's start was made as of its record, and how that was read: from the
    type of its start date where the registry gives one (ClinicalTrials.gov's ``ACTUAL`` or
    ``ESTIMATED``, the XML's ``Actual`` or ``Anticipated``), else from its overall status (a
    trial recruiting, active, suspended, terminated or completed has started, unless its
    start date lies after the record's last update, a planned start, or, while it enrols,
    :data:`MOVED_FORWARD_YEARS` or more after its registration, a start whose year the record
    cannot tell; one not yet recruiting or withdrawn has not; an unknown status says what the
    status last verified says, or nothing). A start date that passed without a start (a trial
    not yet recruiting, dated last year) is no start.

    >>> from celltx.models import Provenance, SourceFormat
    >>> prov = Provenance(path="t.json", format=SourceFormat.CTGOV_V2_JSON, record=0)
    >>> start_made(TrialRecord(nct_id="NCT09000001", provenance=prov,
    ...                        start_date_type="ESTIMATED", overall_status="RECRUITING"))
    (False, 'start date anticipated')
    >>> start_made(TrialRecord(nct_id="NCT09000001", provenance=prov,
    ...                        overall_status="NOT_YET_RECRUITING"))
    (False, 'status not started')
    >>> start_made(TrialRecord(nct_id="NCT03271632", provenance=prov,  # issued in 2017
    ...                        overall_status="RECRUITING", start_date="2026-06-01"))
    (None, 'start date years after registration')
    """
    kind = (record.start_date_type or "").upper()
    if kind == "ACTUAL":
        return True, "start date actual"
    if kind in ("ESTIMATED", "ANTICIPATED"):
        return False, "start date anticipated"
    if (record.start_date and record.last_update
            and record.start_date[:len(record.last_update)] > record.last_update):
        return False, "start date after record"
    status, read = ((record.last_known_status, "last known status")
                    if record.overall_status == "UNKNOWN" else (record.overall_status, "status"))
    if status in STARTED_STATUSES:
        registered = registration_month(record) if status in ENROLLING_STATUSES else None
        start = month_of(record.start_date)
        if (registered is not None and start is not None
                and start - registered >= 12 * MOVED_FORWARD_YEARS):
            return None, "start date years after registration"
        return True, f"{read} started"
    if status in NOT_STARTED_STATUSES:
        return False, f"{read} not started"
    return None, None


def annotate(record: TrialRecord) -> TrialAnnotation:
    """The normalised facts of one record."""
    phase_key = "|".join(record.phases) if record.phases else None
    orgs = []
    if record.lead_sponsor:
        orgs.append(_org(record.lead_sponsor.name, record.lead_sponsor.sponsor_class, "lead"))
    for c in record.collaborators:
        orgs.append(_org(c.name, c.sponsor_class, "collaborator"))
    fielded = _fielded(record)
    cands, several = (_products(record, fielded) if may_name_a_product(record)
                      else ([], False))
    cands = [part for c in cands for part in _given_apart(c, fielded)]
    products = _distinct(tuple(_to_product(c, record, fielded) for c in cands))
    modality, modality_ev = _modality(record, fielded, bool(products))
    if modality != "cell_therapy":
        products, several = (), False
    is_ct = bool(products)
    conditions = _conditions(record)
    products = with_conditions(products, conditions)
    started, started_rule = start_made(record)
    registered = registration_year(record)
    return TrialAnnotation(
        is_cell_therapy=is_ct,
        modality=modality,
        modality_evidence=modality_ev,
        placeholder_evidence=placeholder_evidence(record),
        quality_flags=quality_flags(record) + (
            ("targets_across_conditions",) if any(p.targets and not p.tested_in
                                                   for p in products)
            and _targets_across_conditions(products, conditions) else ()),
        products=products,
        several_candidates=several,
        conditions=conditions,
        organizations=tuple(orgs),
        phase=vocab.phases().get(phase_key) if phase_key else None,
        status=vocab.statuses().get(record.overall_status or ""),
        study_type=vocab.study_types().get(record.study_type or ""),
        location_countries=tuple(
            country_code(loc.country) if loc.country else None for loc in record.locations
        ),
        agents=_agents(record) if is_ct else (),
        started=started, started_rule=started_rule,
        registered_year=registered[0] if registered else None,
        registered_year_rule=registered[1] if registered else None,
    )
