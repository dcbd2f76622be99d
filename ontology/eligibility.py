"""Eligibility criteria as data: the criteria text split into items, and the common ones given
structure (ECOG, LVEF, organ-function limits, blood counts, prior CAR-T, CNS, viruses, ...).

Every structured item states what a patient needs **to be eligible**, whichever list it was
written in: the exclusion "LVEF < 50%" becomes ``lvef >= 50 %`` with ``inclusion=False``.
Units are normalised (g/dL -> g/L, cells/µL -> 10^9/L, µmol/L -> mg/dL, months -> weeks).
Regular expressions only, compiled once: this runs on every record of a build.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any, Literal

from celltx.ontology.required_words import GatedUnion, word_automaton

from celltx.models import Frozen

Operator = Literal["<", "<=", ">", ">=", "between", "excluded", "allowed", "required"]
INVERSE = {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}


class CriteriaItem(Frozen):
    """One item of the criteria list, as written."""

    n: int
    """1-based position in the criteria text."""
    inclusion: bool
    text: str


class CriterionItem(Frozen):
    """A structured requirement read from one criteria item."""

    n: int
    """The position of the item it was read from (``CriteriaItem.n``)."""
    kind: str
    """age, ecog, life_expectancy, lvef, creatinine, creatinine_clearance, bilirubin,
    bilirubin_direct, ast_alt, spo2, hemoglobin, anc, platelets, prior_car_t,
    prior_gene_therapy, cns_involvement, hiv, hbv, hcv, pregnancy."""
    inclusion: bool
    """Written as an inclusion (True) or an exclusion (False) criterion."""
    text: str
    """The whole item's text."""
    matched: str
    """The part of the text the structure was read from."""
    operator: Operator
    """What eligibility requires: ``lvef >= 50``; ``excluded``/``allowed``/``required`` for a
    condition or prior therapy."""
    value: float | None = None
    value_max: float | None = None
    """Upper bound for ``between`` (age ranges)."""
    unit: str | None = None
    """%, x ULN, mL/min, mg/dL, g/L, 10^9/L, weeks, years; None for ECOG and conditions."""


class EligibilitySummary(Frozen):
    """Per-trial figures the stored eligibility questions use (``None`` when unstated)."""

    ecog_max: int | None = None
    lvef_min_pct: float | None = None
    creatinine_clearance_min_ml_min: float | None = None
    platelets_min_10e9_l: float | None = None
    hemoglobin_min_g_l: float | None = None
    bilirubin_max_uln: float | None = None
    excludes_prior_car_t: bool | None = None
    excludes_cns_involvement: bool | None = None


# ---- splitting ------------------------------------------------------------------------------

_HEADER = re.compile(
    r"^\W*(?:key\s+|main\s+|major\s+|general\s+|other\s+|additional\s+)?"
    r"(inclusion|exclusion|eligibility|ineligibility)\s+criteria\b[^:\n]{0,60}?:?\s*(.*)$",
    re.IGNORECASE)
_MD_ESCAPE = re.compile(r"\\([<>=^*_~\[\]()#+\-.!|])")
_MARKER = re.compile(r"^(?:[*•·▪◦‣\-–—]+|\(?\d{1,2}(?:\.\d{1,2})*[.)]|\(?[a-zA-Z][.)]|"
                     r"\(?(?:i{1,3}|iv|vi{0,3}|ix|x)[.)])\s*")


def split_criteria(text: str | None) -> list[CriteriaItem]:
    """Split CT.gov-shaped criteria into items, each knowing its list.

    >>> [(i.inclusion, i.text) for i in split_criteria(
    ...     "Inclusion Criteria:\\n\\n* ECOG 0-1\\n\\nExclusion Criteria:\\n\\n1. LVEF < 50%")]
    [(True, 'ECOG 0-1'), (False, 'LVEF < 50%')]
    """
    if not text:
        return []
    items: list[CriteriaItem] = []
    inclusion = True
    for raw in _MD_ESCAPE.sub(r"\1", text).splitlines():
        line = raw.strip()
        if not line:
            continue
        if m := _HEADER.match(line):
            inclusion = m.group(1).lower() in ("inclusion", "eligibility")
            line = m.group(2).strip()
            if not line:
                continue
        body = _MARKER.sub("", line, count=1).strip()
        if not body:
            continue
        if items and not _MARKER.match(line) and body[:1].islower() and items[-1].inclusion \
                == inclusion:
            prev = items[-1]
            items[-1] = prev.model_copy(update={"text": f"{prev.text} {body}"})
            continue
        items.append(CriteriaItem(n=len(items) + 1, inclusion=inclusion, text=body))
    return items


# ---- values and units -------------------------------------------------------------------------

_NUM = r"(\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,·]\d+)?)"
_CMP_WORDS = [
    (r"≥|≧|>=|=>|⩾|greater than or equal to|more than or equal to|equal to or greater than|"
     r"equal to or more than|at least|no less than|not less than|not lower than|minimum(?: of)?|"
     r"min\.?", ">="),
    (r"≤|≦|<=|=<|⩽|less than or equal to|equal to or less than|no more than|not more than|"
     r"not greater than|not higher than|not exceeding|maximum(?: of)?|at most|up to", "<="),
    (r">|greater than|more than|higher than|above|over|exceeding|exceeds", ">"),
    (r"<|less than|lower than|below|under", "<"),
]
_CMP_RE = re.compile(
    "(" + "|".join(f"(?:{w})" for w, _ in _CMP_WORDS) + ")", re.IGNORECASE)
_CMP_OF = [(re.compile(rf"^(?:{w})$", re.IGNORECASE), op) for w, op in _CMP_WORDS]
_TRAIL = re.compile(r"^\s*(?:or|and)\s+(?:more|greater|higher|above|over)", re.IGNORECASE)
_TRAIL_LESS = re.compile(r"^\s*(?:or|and)\s+(?:less|lower|below|under|fewer)", re.IGNORECASE)

_VALUE = re.compile(
    r"(?P<cmp>" + _CMP_RE.pattern[1:-1] + r")?\s*(?:to\s+|than\s+|of\s+|:\s*|=\s*|is\s+)?"
    + _NUM.replace("(", "(?P<num>", 1)
    + r"(?:\s*(?:-|–|~|to)\s*(?P<num2>\d+(?:\.\d+)?))?"
    r"(?P<unit>\s*(?:%|percent"
    r"|(?:×|x|X|\*|times|fold|-fold)?\s*(?:the\s+)?(?:institutional\s+)?"
    r"(?:ULN|UNL|IULN|upper\s+limits?\s+of\s+(?:the\s+)?(?:institutional\s+)?normal"
    r"(?:\s+(?:value|range|limit))?)"
    r"|(?:×|x|X|\*)?\s*10\s*(?:\^|\*\*|e)?\s*(?:9|⁹)\s*/\s*L|G/L|×\s*10\s*\^?\s*(?:3|³)\s*/\s*"
    r"(?:µL|μL|uL|mm3|mm³|mcL)|/\s*(?:µL|μL|uL|mm3|mm³|mcL|cumm|cmm)|cells?\s*/\s*(?:µL|μL|uL|"
    r"mm3|mm³|mcL)"
    r"|g\s*/\s*dL|g\s*/\s*L|mg\s*/\s*dL|mg\s*/\s*L|µmol\s*/\s*L|μmol\s*/\s*L|umol\s*/\s*L|"
    r"mmol\s*/\s*L"
    r"|mL\s*/\s*min(?:ute)?(?:\s*/\s*1[.,]73\s*m(?:2|²|\^2))?|ml/min"
    r"|weeks?|months?|days?|years?|yrs?)?)",
    re.IGNORECASE)


def _op(word: str | None) -> str | None:
    if not word:
        return None
    w = word.strip()
    for rx, op in _CMP_OF:
        if rx.match(w):
            return op
    return None


def _num(text: str) -> float:
    """``1.5``, ``1,5`` (decimal comma) or ``25,000`` (thousands)."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", text):
        return float(text.replace(",", ""))
    return float(text.replace(",", ".").replace("·", "."))


def _unit_key(unit: str) -> str:
    u = re.sub(r"\s+", "", unit.lower()).replace("μ", "µ")
    if not u:
        return ""
    if u in ("%", "percent"):
        return "%"
    if "uln" in u or "unl" in u or "upperlimit" in u:
        return "uln"
    if "10^9/l" in u or re.search(r"10(?:\^|\*\*|e)?(?:9|⁹)/l", u):
        return "10^9/l"
    if re.search(r"10\^?(?:3|³)/", u):
        return "10^3/ul"
    if re.search(r"/(?:µl|ul|mm3|mm³|mcl|cumm|cmm)$", u):
        return "/ul"
    if u.startswith("ml/min"):
        return "ml/min"
    if u.startswith("week"):
        return "weeks"
    if u.startswith("month"):
        return "months"
    if u.startswith("day"):
        return "days"
    if u.startswith(("year", "yr")):
        return "years"
    return u


# ---- kinds: (name pattern, value rule) --------------------------------------------------------

_NAMES: dict[str, str] = {
    "ecog": r"\bECOG\b|Eastern Cooperative Oncology Group|\bWHO performance status|"
            r"\bZubrod\b",
    "life_expectancy": r"life[\s-]expectancy|expected (?:survival|life)|estimated (?:survival|"
                       r"life)|survival (?:time )?(?:expectancy|expected)|expected to survive",
    "lvef": r"\bLVEF\b|left[\s-]ventricular ejection fraction|\bLV\s*EF\b|ejection fraction|"
            r"\bEF\b|\bLV\b(?=\s*\(?\s*[<>≤≥])",
    "creatinine_clearance": r"creatinine clearance|\bCr\s*Cl\b|\bCCr\b|\bCLcr\b|\be?GFR\b|"
                            r"glomerular filtration rate|\bClCr\b",
    "creatinine": r"(?:serum |blood )?creatinine(?!\s*clearance)|\bs?Cr\b(?!\s*Cl)|\bCre\b",
    "bilirubin_direct": r"(?:direct|conjugated) bilirubin",
    "bilirubin": r"(?:total |serum |blood )*bilirubin|\bT\.?\s?BIL\b|\bTBIL\b",
    "ast_alt": r"\bAST\b|\bALT\b|\bSGOT\b|\bSGPT\b|aminotransferases?|transaminases?|"
               r"\bGOT\b|\bGPT\b",
    "spo2": r"oxygen saturation|\bSp\s?O2\b|\bSaO2\b|\bO2 saturation|blood oxygen|"
            r"pulse oximetry|oxygen saturation",
    "hemoglobin": r"ha?emoglobin|\bHgb\b|\bHb\b|\bHGB\b",
    "anc": r"absolute neutrophil(?:s)?(?: count)?|\bANC\b|\bneutrophils?(?: count)?\b|\bNEUT?\b",
    "platelets": r"platelets?(?: count)?|\bPLTs?\b|\bPLT\b",
}
_NAME_RE = {k: re.compile(v, re.IGNORECASE) for k, v in _NAMES.items()}
_ANY_NAME = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _NAMES.items()), re.IGNORECASE)
_STOP_WINDOW = re.compile(r";|\.\s|,\s*(?:and\s+)?(?=[A-Za-z]{3,}\s)(?!\s*(?:or|and|if|unless|"
                          r"except|in|with|as|for|using)\b)")


@cache
def _names() -> GatedUnion:
    """``_ANY_NAME`` as a ``GatedUnion`` of the kinds, one named group each."""
    return GatedUnion("", [f"(?P<{k}>{v})" for k, v in _NAMES.items()], "", re.IGNORECASE,
                      words_prefix="(?i)")


def _name_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of ``_ANY_NAME`` in ``text``, found with only the kinds whose words the
    text holds: a kind that cannot match anywhere changes no match, and the full alternation
    tried at every character was 40 % of structuring the criteria. (On ASCII text, where
    case-insensitive matching is lower-casing; other text is read with all the kinds.)"""
    if not text.isascii():
        return _ANY_NAME.finditer(text)
    scan = _names().scan(text.lower())
    return scan.finditer(text) if scan is not None else iter(())


def _windows(text: str) -> list[tuple[str, int, int, int]]:
    """(kind, name start, value window start, window end) for every name in ``text``."""
    matches = [(m.lastgroup or "", m.start(), m.end()) for m in _name_matches(text)]
    out = []
    for i, (kind, start, end) in enumerate(matches):
        stop = min(len(text), end + 90)
        for kind2, s2, _ in matches[i + 1:]:
            if kind2 != kind and s2 >= end:
                stop = min(stop, s2)
                break
        if cut := _STOP_WINDOW.search(text, end, stop):
            stop = cut.start()
        out.append((kind, start, end, stop))
    return out


def _numeric(kind: str, item: CriteriaItem,
             windows: list[tuple[str, int, int, int]]) -> list[CriterionItem]:
    """Requirements on ``kind`` read from the item's name ``windows`` (see ``_windows``)."""
    out: list[CriterionItem] = []
    text = item.text
    for k, start, end, stop in windows:
        if k != kind:
            continue
        window = text[end:stop]
        got = _read_value(kind, window)
        if got is None:
            continue
        op, value, value_max, unit, span = got
        if not item.inclusion:
            if op not in INVERSE:
                continue
            op = INVERSE[op]
        out.append(CriterionItem(
            n=item.n, kind=kind, inclusion=item.inclusion, text=text,
            matched=(text[start:end] + window[:span]).strip(), operator=op,  # type: ignore[arg-type]
            value=value, value_max=value_max, unit=unit))
    return out


_UNITS_OK: dict[str, tuple[str, ...]] = {
    "ecog": ("",),
    "life_expectancy": ("weeks", "months", "days", "years"),
    "lvef": ("%",),
    "spo2": ("%",),
    "creatinine": ("uln", "mg/dl", "µmol/l", "umol/l", "mg/l"),
    "creatinine_clearance": ("ml/min",),
    "bilirubin": ("uln", "mg/dl", "µmol/l", "umol/l"),
    "bilirubin_direct": ("uln", "mg/dl", "µmol/l", "umol/l"),
    "ast_alt": ("uln",),
    "hemoglobin": ("g/dl", "g/l", "mmol/l", ""),
    "anc": ("10^9/l", "10^3/ul", "/ul", "g/l", ""),
    "platelets": ("10^9/l", "10^3/ul", "/ul", "g/l", ""),
}


def _read_value(kind: str, window: str
                ) -> tuple[str, float, float | None, str | None, int] | None:
    for m in _VALUE.finditer(window):
        if m.start() > 45:
            return None
        if not m.group("num"):
            continue
        unit = _unit_key(m.group("unit") or "")
        cmp = _op(m.group("cmp"))
        if unit.startswith("ml/min"):
            unit = "ml/min"
        if unit not in _UNITS_OK[kind]:
            continue
        value = _num(m.group("num"))
        num2 = _num(m.group("num2")) if m.group("num2") else None
        rest = window[m.end():]
        if cmp is None:
            if _TRAIL.match(rest):
                cmp = ">="
            elif _TRAIL_LESS.match(rest):
                cmp = "<="
        if kind == "ecog":
            return _ecog(cmp, value, num2, window[m.start("num"):], m.end())
        if cmp is None:
            continue
        conv = _normalise(kind, value, unit)
        if conv is None:
            continue
        value, out_unit = conv
        return cmp, value, None, out_unit, m.end()
    return None


def _ecog(cmp: str | None, value: float, num2: float | None, tail: str, span: int
          ) -> tuple[str, float, float | None, str | None, int] | None:
    """ECOG as ``<= max`` (``0-2``, ``0, 1 or 2``, ``≤ 2``), or ``between`` when the range
    does not start at 0 (``3 or 4``)."""
    listed = re.match(r"^(\d)(?:\s*(?:,|or|and|/|-|–|~|to)\s*(\d))+", tail)
    if num2 is not None or (cmp is None and listed):
        digits = ([int(value), int(num2)] if num2 is not None
                  else [int(d) for d in re.findall(r"\d", listed.group(0))])  # type: ignore[union-attr]
        lo, hi = min(digits), max(digits)
        if hi > 5:
            return None
        end = span if num2 is not None else span + len(listed.group(0)) - 1  # type: ignore[union-attr]
        if lo == 0:
            return "<=", float(hi), None, None, end
        return "between", float(lo), float(hi), None, end
    if value > 5:
        return None
    if cmp in ("<=", ">=", "<", ">"):
        return cmp, value, None, None, span
    if cmp is None:
        return "<=", value, None, None, span
    return None


def _normalise(kind: str, value: float, unit: str) -> tuple[float, str] | None:
    if kind in ("lvef", "spo2"):
        return (value, "%") if 0 < value <= 100 else None
    if kind == "life_expectancy":
        per_week = {"weeks": 1.0, "months": 52 / 12, "days": 1 / 7, "years": 52.0}[unit]
        return round(value * per_week, 1), "weeks"
    if kind == "creatinine_clearance":
        return value, "mL/min"
    if kind in ("creatinine", "bilirubin", "bilirubin_direct", "ast_alt"):
        if unit == "uln":
            return value, "x ULN"
        if unit in ("µmol/l", "umol/l"):
            factor = 88.4 if kind == "creatinine" else 17.1
            return round(value / factor, 2), "mg/dL"
        if unit == "mg/l":
            return round(value / 10, 2), "mg/dL"
        return value, "mg/dL"
    if kind == "hemoglobin":
        if unit == "g/dl" or (unit == "" and value < 25):
            return round(value * 10, 1), "g/L"
        if unit == "mmol/l":
            return round(value * 16.11, 1), "g/L"
        return value, "g/L"
    if kind in ("anc", "platelets"):
        if unit in ("10^9/l", "10^3/ul", "g/l"):
            # "75,000 x 10^9/L" is a per-µL count written with the wrong unit
            return (round(value / 1000, 3) if value >= 1000 else value), "10^9/L"
        if unit == "/ul":
            return round(value / 1000, 3), "10^9/L"
        if unit == "":
            if kind == "platelets" and value >= 1000:
                return round(value / 1000, 3), "10^9/L"
            if kind == "anc" and value >= 100:
                return round(value / 1000, 3), "10^9/L"
            return None
    return None


# ---- age ---------------------------------------------------------------------------------------

_AGE_RANGE = re.compile(
    r"(?:\bage[ds]?\b|\bbetween\b|\bfrom\b)[^.;\d]{0,30}?(\d{1,2})\s*(?:years?)?\s*(?:-|–|~|to|and)"
    r"\s*(\d{1,3})\s*(?:years?|yrs?)|(\d{1,2})\s*(?:-|–|~|to)\s*(\d{1,3})\s*(?:years?|yrs?)\s*"
    r"(?:old|of age)", re.IGNORECASE)
_AGE_MIN = re.compile(
    r"\bage[ds]?\b[^.;\d]{0,20}?(" + _CMP_RE.pattern[1:-1] + r")\s*(\d{1,2})\s*(?:years?|yrs?)?|"
    r"(" + _CMP_RE.pattern[1:-1] + r")\s*(\d{1,2})\s*(?:years?|yrs?)\s*(?:old|of age)|"
    r"(\d{1,2})\s*(?:years?|yrs?)\s*(?:old|of age)?\s*(?:or|and)\s*(?:older|above|over)",
    re.IGNORECASE)


def _age(item: CriteriaItem) -> list[CriterionItem]:
    text = item.text
    if m := _AGE_RANGE.search(text):
        lo, hi = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if int(lo) < int(hi) <= 120 and item.inclusion:
            return [CriterionItem(n=item.n, kind="age", inclusion=True, text=text,
                                  matched=m.group(0), operator="between", value=float(lo),
                                  value_max=float(hi), unit="years")]
    if m := _AGE_MIN.search(text):
        if m.group(1):
            op, v = _op(m.group(1)), m.group(2)
        elif m.group(3):
            op, v = _op(m.group(3)), m.group(4)
        else:
            op, v = ">=", m.group(5)
        if op is None:
            return []
        if not item.inclusion:
            op = INVERSE[op]
        return [CriterionItem(n=item.n, kind="age", inclusion=item.inclusion, text=text,
                              matched=m.group(0), operator=op,  # type: ignore[arg-type]
                              value=float(v), unit="years")]
    return []


# ---- conditions and prior therapies -----------------------------------------------------------

_CAR = r"(?:CAR[\s-]?(?:T|NK|M)\b|CAR[\s-]?T[\s-]?cells?|CART\b|CAR[\s-]+(?:cell|based)|" \
       r"chimeric antigen receptor|anti-CD\d+ CAR\b|\bCAR\b(?= (?:therapy|product|cells?)))"
_GENE = r"(?:gene[\s-]?(?:modified|therapy|therapies|edited|engineered)|genetically[\s-]" \
        r"(?:modified|engineered)|gene[\s-]transfer)"
_PRIOR = r"(?:prior(?!\s+to)|previous(?:ly)?|received|receipt of|history of|treated with|" \
         r"treatment with|exposure to|exposed to|had|underwent|undergone|failed)"
_BOOL: dict[str, re.Pattern[str]] = {
    "prior_car_t": re.compile(
        rf"{_PRIOR}\b[^.;]{{0,80}}?{_CAR}|{_CAR}[^.;]{{0,40}}?\b(?:prior|previous(?:ly)?|"
        r"before|earlier)\b", re.IGNORECASE),
    "prior_gene_therapy": re.compile(
        rf"{_PRIOR}\b[^.;]{{0,80}}?{_GENE}|{_GENE}[^.;]{{0,40}}?\b(?:prior|previous(?:ly)?)\b",
        re.IGNORECASE),
    "cns_involvement": re.compile(
        r"\bCNS\b[^.;]{0,25}?(?:involvement|disease|leuka?emia|lymphoma|metastas[ie]s|"
        r"infiltration|relapse|chloromas?|status|\d)|central nervous system[^.;]{0,30}?"
        r"(?:involvement|disease|leuka?emia|lymphoma|metastas[ie]s|infiltration|tumou?r)|"
        r"brain metastas[ie]s|leptomeningeal|meningeal (?:involvement|leuka?emia)|"
        r"(?:active|known|symptomatic|untreated) (?:brain|CNS) (?:metastas[ie]s|lesions?)",
        re.IGNORECASE),
    "hiv": re.compile(r"\bHIV\b|human immunodeficiency virus|\bAIDS\b", re.IGNORECASE),
    "hbv": re.compile(r"\bHBV\b|hepatitis B|\bHBsAg\b|\bHBcAb\b", re.IGNORECASE),
    "hcv": re.compile(r"\bHCV\b|hepatitis C|hepatitis B\s*(?:or|and|/|,)\s*C\b",
                      re.IGNORECASE),
    "pregnancy": re.compile(r"pregnan\w*|lactat\w*|breast[\s-]?feeding|nursing (?:women|mothers|"
                            r"female)|\bHCG\b", re.IGNORECASE),
}
_CAR_AS_STUDY_TREATMENT = re.compile(
    rf"\b(?:before|prior to|after|following|until|for)\s+(?:the\s+)?(?:start of\s+|infusion of\s+|"
    rf"study\s+)?{_CAR}", re.IGNORECASE)
_NEG_BEFORE = re.compile(r"\b(?:no|not|never|without|absence of|free of|none|negative|non|"
                         r"excluding|except)\b"
                         r"[^.;]{0,40}$", re.IGNORECASE)
_NEG_AFTER = re.compile(r"^[^.;]{0,40}?\b(?:negative|excluded|not allowed|not permitted|"
                        r"not eligible|ineligible)\b", re.IGNORECASE)
_AFTER_FAILURE = re.compile(r"\b(?:failed|relaps\w*|refractory|progress\w*|after|following|"
                            r"must have (?:received|had))\b", re.IGNORECASE)
_ALLOWED = re.compile(r"\b(?:allowed|permitted|eligible|may be included|may participate|"
                      r"are acceptable|is acceptable)\b", re.IGNORECASE)


def _boolean(kind: str, item: CriteriaItem) -> list[CriterionItem]:
    m = _BOOL[kind].search(item.text)
    if not m:
        return []
    if kind == "prior_gene_therapy" and _BOOL["prior_car_t"].search(item.text) and not \
            re.search(r"\bother\b|\bany\b", item.text, re.IGNORECASE):
        return []
    if kind == "prior_car_t" and _CAR_AS_STUDY_TREATMENT.search(m.group(0)):
        return []
    before = item.text[max(0, m.start() - 60):m.start()]
    after = item.text[m.end():m.end() + 60]
    if item.inclusion:
        if _NEG_BEFORE.search(before) or _NEG_AFTER.search(after) or kind == "pregnancy":
            op = "excluded"
        elif kind in ("prior_car_t", "prior_gene_therapy"):
            op = "required" if _AFTER_FAILURE.search(item.text) and not _ALLOWED.search(
                item.text) else "allowed"
        elif kind == "cns_involvement" or _ALLOWED.search(item.text):
            op = "allowed"
        else:
            op = "required"
    else:
        op = "excluded"
    return [CriterionItem(n=item.n, kind=kind, inclusion=item.inclusion, text=item.text,
                          matched=m.group(0), operator=op)]  # type: ignore[arg-type]


# ---- entry points -----------------------------------------------------------------------------

NUMERIC_KINDS = ("ecog", "life_expectancy", "lvef", "creatinine_clearance", "creatinine",
                 "bilirubin_direct", "bilirubin", "ast_alt", "spo2", "hemoglobin", "anc",
                 "platelets")
BOOLEAN_KINDS = tuple(_BOOL)
_KEYWORDS: dict[str, tuple[str, ...]] = {
    # cheap lower-case substring tests run before any regular expression of a kind
    "ecog": ("ecog", "eastern cooperative", "who performance", "zubrod"),
    "life_expectancy": ("life", "survival", "survive"),
    "lvef": ("ef", "lv", "ejection"),
    "creatinine_clearance": ("clearance", "crcl", "ccr", "clcr", "gfr", "glomerular"),
    "creatinine": ("creatinine", "cr"),
    "bilirubin_direct": ("bilirubin",),
    "bilirubin": ("bilirubin", "bil"),
    "ast_alt": ("ast", "alt", "sgot", "sgpt", "aminotransferase", "transaminase", "got", "gpt"),
    "spo2": ("oxygen", "o2", "oximetry"),
    "hemoglobin": ("hemoglobin", "haemoglobin", "hgb", "hb"),
    "anc": ("neutrophil", "anc", "neu"),
    "platelets": ("platelet", "plt"),
    "age": ("age", "year", "yr"),
    "prior_car_t": ("car", "chimeric"),
    "prior_gene_therapy": ("gene",),
    "cns_involvement": ("cns", "central nervous", "brain", "mening"),
    "hiv": ("hiv", "immunodeficiency", "aids"),
    "hbv": ("hbv", "hepatitis b", "hbsag", "hbcab"),
    "hcv": ("hcv", "hepatitis c", "hepatitis b"),
    "pregnancy": ("pregnan", "lactat", "breast", "nursing", "hcg"),
}


@cache
def _keyword_automaton() -> Any:
    """One automaton over every kind's keywords, each carrying the kinds it is a keyword of."""
    kinds: dict[str, set[str]] = {}
    for kind, keywords in _KEYWORDS.items():
        for k in keywords:
            kinds.setdefault(k, set()).add(kind)
    return word_automaton({k: frozenset(v) for k, v in kinds.items()})


def _mentioned(low: str) -> frozenset[str]:
    """The kinds one of whose keywords ``low`` holds (one pass, where each kind's keywords
    were searched for one by one)."""
    return frozenset().union(*(kinds for _end, kinds in _keyword_automaton().iter(low)))


def structure_items(items: Iterable[CriteriaItem]) -> list[CriterionItem]:
    out: list[CriterionItem] = []
    for item in items:
        low = item.text.lower()
        has_digit = any(map(str.isdigit, low))
        mentioned = _mentioned(low)
        if has_digit and "age" in mentioned:
            out.extend(_age(item))
        numeric = [k for k in NUMERIC_KINDS if has_digit and k in mentioned]
        if numeric:
            windows = _windows(item.text)
            present = {w[0] for w in windows}
            for kind in numeric:
                if kind not in present:
                    continue
                seen = set()
                for c in _numeric(kind, item, windows):
                    key = (c.operator, c.value, c.unit)
                    if key not in seen:
                        seen.add(key)
                        out.append(c)
        for kind in BOOLEAN_KINDS:
            if kind in mentioned:
                out.extend(_boolean(kind, item))
    return out


def structure_criteria(text: str | None) -> list[CriterionItem]:
    """Split criteria text into items and give structure to the common ones.

    >>> [(c.kind, c.operator, c.value, c.unit) for c in structure_criteria(
    ...     "Exclusion Criteria:\\n* impaired cardiac function (LVEF<50%)")]
    [('lvef', '>=', 50.0, '%')]
    """
    return structure_items(split_criteria(text))


def _best(items: list[CriterionItem], kind: str, ops: tuple[str, ...], *, low: bool,
          unit: str | None = None) -> float | None:
    """The figure for ``kind``: inclusion items first (they are what the page asks), then
    exclusion items; the strictest value among them."""
    for inclusion in (True, False):
        vals = [c.value for c in items if c.kind == kind and c.operator in ops
                and c.inclusion is inclusion and c.value is not None
                and (unit is None or c.unit == unit)]
        if vals:
            return max(vals) if low else min(vals)
    return None


def summarise(items: list[CriterionItem]) -> EligibilitySummary:
    """The per-trial figures: ECOG maximum, LVEF minimum, ... (``None`` when not stated)."""
    ecog: int | None = None
    for inclusion in (True, False):
        vals = [int(c.value_max if c.operator == "between" else c.value)  # type: ignore[arg-type]
                - (1 if c.operator == "<" else 0) for c in items
                if c.kind == "ecog" and c.operator in ("<=", "<", "between")
                and c.inclusion is inclusion and c.value is not None]
        if vals:
            ecog = min(vals)
            break
    prior = [c for c in items if c.kind == "prior_car_t"
             or (c.kind == "prior_gene_therapy" and re.search(r"cell", c.text, re.IGNORECASE))]
    cns = [c for c in items if c.kind == "cns_involvement"]
    return EligibilitySummary(
        ecog_max=ecog,
        lvef_min_pct=_best(items, "lvef", (">=", ">"), low=True),
        creatinine_clearance_min_ml_min=_best(items, "creatinine_clearance", (">=", ">"),
                                              low=True),
        platelets_min_10e9_l=_best(items, "platelets", (">=", ">"), low=True),
        hemoglobin_min_g_l=_best(items, "hemoglobin", (">=", ">"), low=True),
        bilirubin_max_uln=_best(items, "bilirubin", ("<=", "<"), low=False, unit="x ULN"),
        excludes_prior_car_t=any(c.operator == "excluded" for c in prior) if prior else None,
        excludes_cns_involvement=any(c.operator == "excluded" for c in cns) if cns else None,
    )


def summarise_criteria(text: str | None) -> EligibilitySummary:
    return summarise(structure_criteria(text))
