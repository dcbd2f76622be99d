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
from dataclasses import dataclass, field
from functools import cache

import pycountry
from celltx.ontology import matchers as mt
from celltx.ontology import vocab
from celltx.ontology.terms import (
    AgentUse,
    ConditionMatch,
    OrganizationTerm,
    Product,
    TrialAnnotation,
)

from celltx.models import TrialRecord

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
    text = re.sub(r"\s*\([^)]*\)\s*", " ", name)
    text = text.replace("&", " and ").replace("’", "'")
    for _ in range(3):
        text = _COMPANY_SUFFIX.sub("", text.strip().rstrip(",."))
    text = re.sub(r"(?i)^the\s+", "", text.strip())
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


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


def _org(name: str, ctgov_class: str | None, role: str) -> OrganizationTerm:
    key, canonical, curated = normalise_organization(name)
    org_class = curated or _CLASS_OF.get(ctgov_class or "")
    if org_class is None:
        org_class = "academic" if _ACADEMIC.search(name) else "other"
    return OrganizationTerm(as_written=name, key=key, name=canonical, org_class=org_class,
                            role=role, ctgov_class=ctgov_class)  # type: ignore[arg-type]


# ---- conditions ----------------------------------------------------------------------------

_COND_NOISE = re.compile(
    r"(?i:\b(?:relapsed|refractory|recurrent|r/r|rr|advanced|metastatic|adult|childhood"
    r"|pediatric|paediatric|progressive|unresectable|locally|stage\s+[iv]+[abc]?|newly"
    r"|diagnosed|high[- ]risk|persistent|resistant|in relapse|positive|negative|and|or|with"
    r"|the|of|nos|primary|secondary|active|severe|moderate|untreated|previously|treated)\b)")


@cache
def match_condition(text: str) -> tuple[str, str] | None:
    """(condition key, how) for a registry condition string, or None."""
    exact, rx, abbrev = mt.condition_index()
    stripped = text.strip()
    if stripped in abbrev:
        return abbrev[stripped], f"abbreviation {stripped!r}"
    key = vocab.condition_key(stripped)
    if key in exact:
        return exact[key], f"synonym {key!r}"
    if "," in stripped:  # MeSH-style inverted "Leukemia, Myeloid, Acute"
        inverted = vocab.condition_key(" ".join(reversed(stripped.split(","))))
        if inverted in exact:
            return exact[inverted], f"inverted form {inverted!r}"
    parenthesised = re.findall(r"\(([^)]{2,12})\)", stripped)
    for p in parenthesised:
        if p.strip() in abbrev:
            return abbrev[p.strip()], f"abbreviation {p.strip()!r} in parentheses"
    reduced = vocab.condition_key(_COND_NOISE.sub(" ", re.sub(r"\([^)]*\)", " ", stripped)))
    if reduced in exact:
        return exact[reduced], f"synonym {reduced!r} after dropping qualifiers"
    best = None
    for m in rx.finditer(key):
        if best is None or len(m.group(0)) > len(best):
            best = m.group(0)
    if best and len(best) >= 5:
        return exact[best], f"longest synonym {best!r} inside"
    for token in re.findall(r"[A-Za-z][A-Za-z0-9-]{1,6}", stripped):
        if token in abbrev and token not in {"ALL", "CLL", "MM", "LN", "MS", "MG", "RA", "DM",
                                             "PM", "MN", "FL", "HL"}:
            return abbrev[token], f"abbreviation {token!r} inside"
    return None


def _conditions(record: TrialRecord) -> tuple[ConditionMatch, ...]:
    out = []
    for c in record.conditions:
        hit = match_condition(c)
        out.append(ConditionMatch(as_written=c,
                                  term=vocab.conditions()[hit[0]] if hit else None))
    return tuple(out)


# ---- products ------------------------------------------------------------------------------

_SOURCE_RX: tuple[tuple[str, re.Pattern[str]], ...] = ()


@cache
def _source_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
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
        out.append((key, re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(parts) + ")")))
    return tuple(out)


def _source(texts: list[str]) -> str | None:
    for text in texts:
        for key, rx in _source_patterns():
            if rx.search(text):
                return key
    return None


_TARGETED_CELLS = re.compile(
    r"(?i:(?:targeted|targeting|specific|directed|redirected|anti-?[^\s]+)[\s-]+(?:human\s+)?"
    r"(?:(?P<nkt>i?NKT)[- ]?cells?|(?P<gd>γδ|gamma[- ]?delta)[- ]?T[- ]?cells?"
    r"|(?P<t>T)[- ]?(?:cells?|lymphocytes)|(?P<nk>NK)[- ]?cells?)"
    r"|[A-Za-z0-9]-(?:(?P<t2>T)[- ]cells?|(?P<nk2>NK)[- ]cells?)"
    r"|(?P<t3>T)[- ]?(?:cells?|lymphocytes)\s+genetically\s+(?:targeted|modified|engineered|"
    r"redirected))")


@cache
def _platform(text: str) -> str | None:
    """The platform a phrase names, if any (intervention names repeat across trials)."""
    masked = mt.MASKS.sub(" ", text)
    found = None
    for name, rx in mt.platform_cues(masked):
        if rx.search(masked):
            found = name
            break
    if found in (None, "T cell", "NK", "iNKT", "γδT"):
        # "CD19 targeted T cells", "anti-CD70 T-cell injection": an antigen-redirected product
        m = _TARGETED_CELLS.search(masked)
        if m and mt.find_targets(masked[max(0, m.start() - 40):m.end()]):
            if m.group("nkt"):
                return "CAR-NKT"
            if m.group("gd"):
                return "CAR-γδT"
            return "CAR-NK" if (m.group("nk") or m.group("nk2")) else "CAR-T"
    if found == "T cell" and any(t.key not in _TCR_ANTIGENS for t in mt.find_targets(masked)):
        # an antigen-redirected CTL product ("HER2/EBV-CTLs") carries a CAR
        return "CAR-T"
    return found


_TCR_ANTIGENS = {"WT1", "PRAME", "CTAG1B", "MAGEA4", "AFP"}


def _platforms(text: str) -> list[str]:
    """Every platform a phrase names ("CAR-T/TCR-T cells"), the most specific kept."""
    first = _platform(text)
    if first is None:
        return []
    masked = mt.MASKS.sub(" ", text)
    found = [first] + [n for n, rx in mt.platform_cues(masked)
                     if n != first and rx.search(masked)]
    engineered_other = [p for p in found if p in mt.ENGINEERED and p not in ("CAR-T", "TCR-T")]
    drop = {"T cell"}
    if engineered_other or first in mt.ENGINEERED:
        drop |= {"NK", "iNKT", "γδT"}
    if engineered_other:
        drop.add("CAR-T")
    if not re.search(r"/|\bor\b|,|\band\b", masked):
        return [first]
    return [p for p in dict.fromkeys(found) if p == first or p not in drop]


_CHAIN_SEP = re.compile(r"^\s*(?:/|-|\+|,|&|and|or|x|×|\\|plus|,\s*and)?\s*$", re.I)
_NEG_AFTER = re.compile(r"(?i)^[\s-]*(?:negative|neg\b|loss|escape|dim|low\b|-?)\s*(?:negative|loss"
                        r"|escape)")
_ANCHOR_BEFORE = re.compile(r"(?i:(?:anti|targeting|targeted(?: to| at)?|targets|against|directed (?:at|"  # noqa: E501
                            r"against|to)|specific (?:for|to)|recogni[sz]ing|CAR[- ]?T?|CART"
                            r"|CAR[- ]NK)[\s\-.]*(?:the\s+)?$)")
_ANCHOR_AFTER = re.compile(
    r"(?i:^[\s\-]*(?:\(\w+\)\s*)?(?:(?:dual|bi|tri)[- ]?(?:target\w*|specific)|tandem|bicistronic|"
    r"targeted|targeting|directed|specific|redirected|positive)?[\s\-]*"
    r"(?:CAR|TCR|chimeric|T[- ]cells?|NK[- ]cells?|\w*CAR|iNKT|γδ|engineered|modified|UCAR"
    r"|universal))|^[A-Za-z]?CAR")


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


def _chains(text: str, mentions: list[mt.Mention]) -> list[list[mt.Mention]]:
    chains: list[list[mt.Mention]] = []
    for m in mentions:
        if chains and _CHAIN_SEP.match(text[chains[-1][-1].end:m.start]):
            chains[-1].append(m)
        else:
            chains.append([m])
    return chains


def _anchored(text: str, chain: list[mt.Mention], strict: bool) -> bool:
    before = text[max(0, chain[0].start - 30):chain[0].start]
    after = text[chain[-1].end:chain[-1].end + 45]
    if _NEG_AFTER.match(after):
        return False
    if mt.CONTEXT_NOT_GIVEN.search(before):
        return False
    if _ANCHOR_BEFORE.search(before) or _ANCHOR_AFTER.match(after):
        return True
    if strict:
        return False
    # a looser tie: a therapy cue later in the same clause
    clause = re.split(r"[.;:]", text[chain[-1].end:chain[-1].end + 60])[0]
    return bool(re.search(r"\bCAR|CAR\b|\bTCR|chimeric antigen", clause)) and not re.search(
        r"(?i)\b(?:after|following|failed|prior)\b", clause)


def _anchored_targets(text: str, strict: bool = False) -> list[list[str]]:
    """Groups of antigen keys tied to a therapy cue in ``text`` (one group per chain)."""
    masked = mt.MASKS.sub(lambda m: " " * len(m.group(0)), text)
    mentions = mt.find_targets(masked)
    groups = []
    for chain in _chains(masked, mentions):
        if any(m.context_only for m in chain) and not _anchored(masked, chain, True):
            chain = [m for m in chain if not m.context_only]
            if not chain:
                continue
        if _anchored(masked, chain, strict):
            keys = list(dict.fromkeys(m.key for m in chain))
            if "EGFRvIII" in keys and "EGFR" in keys:
                keys.remove("EGFR")
            groups.append(keys)
    return groups


def _phrase_targets(text: str) -> list[str]:
    """All antigens written in a product phrase (an intervention name), in order."""
    masked = mt.MASKS.sub(lambda m: " " * len(m.group(0)), text)
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
    return keys


_CODE_TOKEN = re.compile(r"(?<![A-Za-z0-9.])([A-Za-z0-9][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*)")
_NOT_CODE = re.compile(
    r"(?i)^(?:CAR[-.]?T?\d*|CART|IL-?\d+|CD\d+|4-1BB|COVID-19|SARS-CoV-2|HLA-\w+|NK-?92\w*"
    r"|phase\w*|type\w*|grade\w*|stage\w*|day\w*|T\d|N\d|M\d|V\d|X\d|\w+-\d+-\w+-\d+"
    r"|HIV-\d|HPV-?\d+|EBV|CMV|GD-?2|B7-?H\d|CTX|TAE|TACE|IL\d+|ICAM-\d)$")


def _code(name: str) -> str | None:
    """A product code in an intervention name (``EB-DART-NK01``, ``C-CAR088``), if any."""
    for m in _CODE_TOKEN.finditer(name):
        token = m.group(1).rstrip(".-")
        if not (re.search(r"\d", token) and re.search(r"[A-Za-z]", token)) or len(token) < 4:
            continue
        if _NOT_CODE.match(token):
            continue
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
    masked = mt.MASKS.sub(lambda m: " " * len(m.group(0)), text)
    if mt.DUAL_CUE.search(masked):
        return [keys]
    if mt.SEPARATE_CUE.search(masked):
        return [[k] for k in keys]
    mentions = [m for m in mt.find_targets(masked) if m.key in keys]
    joined_by_slash = all(
        re.match(r"^\s*[/\-x×]\s*$", masked[a.end:b.start]) for a, b in zip(
            mentions, mentions[1:], strict=False)) if len(mentions) > 1 else False
    if joined_by_slash:
        return [keys]
    # "CD19 CAR-T and CD22 CAR-T": every antigen carries its own cue
    cued = [m for m in mentions if _ANCHOR_AFTER.match(masked[m.end:m.end + 25])]
    if len(cued) == len(mentions):
        return [[k] for k in keys]
    return [keys]


_CANDIDATES = re.compile(
    r"(?i)\b(two|three|four|five|several|multiple|\d)\s+(?:candidate|different|alternative)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:constructs?|products?|CARs?|CAR-\w+(?:\s+cells?)?)\s*\(([^)]*)\)")


def _candidates(text: str) -> list[list[str]]:
    out = []
    for m in _CANDIDATES.finditer(text):
        for item in re.split(r",|;|\band\b", m.group(2)):
            keys = list(dict.fromkeys(x.key for x in mt.find_targets(item)))
            if keys:
                out.append(keys)
    return out


def _texts(record: TrialRecord) -> dict[str, list[str]]:
    ivs = [i for i in record.interventions
           if (i.type or "").upper() not in {"BEHAVIORAL", "DIAGNOSTIC_TEST", "DEVICE"}]
    return {
        "title": [t for t in (record.brief_title, record.official_title, record.acronym) if t],
        "descriptions": [d for i in ivs for d in ((i.description or ""),) if d]
        + [a.description or "" for a in record.arms if a.description]
        + list(record.keywords),
        "summary": [t for t in (record.brief_summary, record.detailed_description) if t],
    }


def _products(record: TrialRecord) -> tuple[list[_Cand], bool]:
    texts = _texts(record)
    title = " | ".join(texts["title"])
    cands: list[_Cand] = []
    ivs = [i for i in record.interventions
           if (i.type or "").upper() not in {"BEHAVIORAL", "DIAGNOSTIC_TEST", "DEVICE"}]
    transplant = any(_TRANSPLANT.search(i.name) for i in record.interventions)
    for iv in ivs:
        phrase = " ; ".join((iv.name, *iv.other_names))
        codes = mt.find_codes(phrase)
        platforms = _platforms(phrase)
        if codes and not platforms:
            platforms = [vocab.product_codes()[codes[0].key].platform]
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
        for platform in platforms:
            if len(platforms) > 1 and platform not in mt.ENGINEERED:
                cands.append(_Cand(platform=platform, name=iv.name, as_written=iv.name))
                continue
            for g in groups:
                cands.append(_Cand(platform=platform, targets=list(g), code=code, name=iv.name,
                                   as_written=iv.name, from_code=from_code,
                                   construct=(vocab.product_codes()[codes[0].key].construct
                                              if from_code else None)))
    title_platform = _platform(title)
    title_given = title_platform is not None and not _title_context_only(title)
    if not cands and title_given and title_platform is not None:
        keys = [k for g in _anchored_targets(title) for k in g]
        codes = mt.find_codes(title)
        if not keys and codes:
            keys = list(vocab.product_codes()[codes[0].key].targets)
        code = codes[0].key if codes else next(
            (c for c in (_code(i.name) for i in ivs) if c), None)
        for g in _split_phrase(title, keys):
            cands.append(_Cand(platform=title_platform, targets=list(g), code=code,
                               as_written=texts["title"][0] if texts["title"] else None))
    if not cands and ivs:
        # code-named interventions ("KIV-318") described as a cell therapy in the summary
        coded = [i for i in ivs if not _is_drug_only(i.name) and (
            _code(i.name) or re.search(r"(?i)injection|cells?\b|infusion", i.name))]
        summary = " ".join(texts["descriptions"] + texts["summary"])
        code = _code(coded[0].name) if coded else None
        near = None
        if code:
            at = summary.find(code)
            near = summary[max(0, at - 120):at + 160] if at >= 0 else None
        near_platform = _platform(near) if coded and near else None
        if near and near_platform and not _title_context_only(near):
            cands.append(_Cand(platform=near_platform, code=code,
                               name=coded[0].name, as_written=coded[0].name))
    if not cands:
        return [], False
    # refine generic CAR platform from the title or summary ("CAR cells" + NK elsewhere)
    if title_platform is not None and title_platform in mt.ENGINEERED - {"CAR-T", "TCR-T"}:
        for c in cands:
            if c.platform == "CAR-T":
                c.platform = title_platform
    # fill missing targets from anchored mentions in the title, then descriptions, then summary
    unknown = [m.group(1) for t in texts["title"]
               for m in _UNKNOWN_ANTIGEN.finditer(t)
               if m.group(1) not in _NOT_ANTIGEN and not mt.find_targets(m.group(1))
               and not mt.find_codes(m.group(1)) and not re.search(r"\d", m.group(1))]
    if not unknown and any(not c.targets and c.platform in mt.ENGINEERED for c in cands):
        for level in ("title", "descriptions", "summary"):
            anchored = [g for text in texts[level]
                        for g in _anchored_targets(text, strict=level == "summary") if g]
            if anchored:
                fill = _fill_groups(anchored, " ".join(texts[level]))
                for c in cands:
                    if not c.targets and c.platform in mt.ENGINEERED:
                        c.targets = list(fill[0]) if len(fill) == 1 else []
                        if len(fill) > 1:
                            c.targets = [k for g in fill for k in g]
                            c.construct = "several"
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
                             as_written=match.as_written if match else None))
        others = [c for c in cands if c.platform != base.platform]
        cands = new + others
    # expand "several" fills into separate products
    expanded = []
    for c in cands:
        if c.construct == "several":
            for k in c.targets:
                expanded.append(_Cand(platform=c.platform, targets=[k], name=c.name,
                                      as_written=c.as_written, code=c.code))
        else:
            expanded.append(c)
    return _dedupe(expanded), several


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
            or (not o.targets and not o.code))), None)
        if same is None:
            out.append(c)
            continue
        if not same.targets and c.targets:
            same.targets = c.targets
        same.code = same.code or c.code
        same.name = same.name or c.name
        same.as_written = same.as_written or c.as_written
    return out


_TRANSPLANT = re.compile(r"(?i)transplant|\bHSCT\b|\bBMT\b|\bHCT\b|stem cell")
_DLI = re.compile(r"(?i)donor lymphocyte|\bDLI\b")
_UNKNOWN_ANTIGEN = re.compile(r"\b([A-Z][A-Za-z0-9]{1,9})[- ]?CAR\b")
_NOT_ANTIGEN = {"CD19CAR", "Anti", "The", "A", "Novel", "Universal", "Allogeneic", "Autologous",
                "Allogenic", "Dual", "Tandem", "Bispecific", "Armored", "Specific", "Targeted"}
_DRUGLIKE = re.compile(r"(?i)(?:mab|nib|platin|rubicin|taxel|mide|stine|abine|phamide|cillin"
                       r"|zole|sone|lone|relin|ulin)\b")


def _is_drug_only(name: str) -> bool:
    return bool(_DRUGLIKE.search(name)) and _code(name) is None


def _title_context_only(title: str) -> bool:
    masked = mt.MASKS.sub(" ", title)
    if mt.NOT_THERAPY_TITLE.search(masked):
        return True
    for _name, rx in mt.platform_cues(masked):
        m = rx.search(masked)
        if m:
            before = masked[max(0, m.start() - 40):m.start()]
            after = masked[m.end():m.end() + 30]
            return bool(mt.CONTEXT_NOT_GIVEN.search(before) or mt.RELATED_AFTER.match(after))
    return False


def _to_product(c: _Cand, record: TrialRecord) -> Product:
    entries = vocab.targets()
    targets = tuple(entries[k].term for k in c.targets if k in entries)
    texts = _texts(record)
    source = None
    if c.as_written:
        source = _source([c.as_written])
    if source is None and c.from_code and c.code:
        source = vocab.product_codes()[c.code].source
    if source is None:
        source = _source(texts["title"] + [i.name for i in record.interventions]
                         + texts["descriptions"] + texts["summary"])
    construct = c.construct if c.construct in ("single", "dual", "multi") else _construct(
        "", c.targets)
    receptor = "CAR" if c.platform.startswith("CAR") else "TCR" if c.platform == "TCR-T" else (
        "none")
    label_targets = "/".join(t.label.split(" (")[0] for t in targets)
    name = c.code or c.name or (f"{label_targets} {c.platform}".strip())
    return Product(
        name=name, platform=c.platform, receptor=receptor,  # type: ignore[arg-type]
        cell_type=vocab.cell_types().get(c.platform), source=source,
        construct_kind=construct, targets=targets, as_written=c.as_written, code=c.code,
    )


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


# ---- entry point ---------------------------------------------------------------------------

def annotate(record: TrialRecord) -> TrialAnnotation:
    """The normalised facts of one record."""
    phase_key = "|".join(record.phases) if record.phases else None
    orgs = []
    if record.lead_sponsor:
        orgs.append(_org(record.lead_sponsor.name, record.lead_sponsor.sponsor_class, "lead"))
    for c in record.collaborators:
        orgs.append(_org(c.name, c.sponsor_class, "collaborator"))
    cands, several = _products(record)
    products = tuple(_to_product(c, record) for c in cands)
    is_ct = bool(products)
    return TrialAnnotation(
        is_cell_therapy=is_ct,
        products=products,
        several_candidates=several,
        conditions=_conditions(record),
        organizations=tuple(orgs),
        phase=vocab.phases().get(phase_key) if phase_key else None,
        status=vocab.statuses().get(record.overall_status or ""),
        study_type=vocab.study_types().get(record.study_type or ""),
        location_countries=tuple(
            country_code(loc.country) if loc.country else None for loc in record.locations
        ),
        agents=_agents(record) if is_ct else (),
    )
