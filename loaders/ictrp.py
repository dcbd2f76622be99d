"""WHO ICTRP fields mapped to a ``TrialRecord``: shared by the XML export (``ictrp_xml``), the CSV
and XLSX lists (``ictrp_table``) and the ChiCTR per-trial XML (``chictr_xml``), whose fields
are ICTRP's under other names.

Every registry feeds ICTRP its own conventions, so values are read leniently: dates as
``2020-02-17``, ``28/06/2004`` (day first), ``April 25, 2024``, ``17 February 2020``, Excel
dates and serial numbers; phases as ``Phase 2/Phase 3``, ``1-2``, ``Phase III`` or EudraCT's
yes/no block; HTML line breaks (``<br>``, escaped or raw) and carriage returns (``&#x0D;``,
``_x000D_``) become newlines, other HTML character references (ChiCTR's ``&#32;``) are
decoded once; padding is dropped. A value that fits no vocabulary becomes None, never a reject:
only a record without a usable trial id is rejected.
"""

from __future__ import annotations

import html
import html.entities
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from celltx.loaders.records import RecordError, build_record, field_reject, reject
from celltx.loaders.values import parse_age, parse_date, parse_phases, whole_number
from pydantic import ValidationError

from celltx.models import (
    Eligibility,
    Intervention,
    Location,
    Outcome,
    Provenance,
    Reject,
    Sponsor,
    TrialRecord,
)
from celltx.registries import canonical_id

_BR = re.compile(r"(?:<|&lt;)\s*br\s*/?\s*(?:>|&gt;)", re.IGNORECASE)
_CR = re.compile(r"_x000[dD]_|&#x0[dD];|\r\n?")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_NULLS = frozenset({"", "none", "null", "n/a", "na", "nil", "not applicable", "not available"})
_CANCELLED = re.compile(r"^(Cancelled (?:by the investigator|due to lack of patients?))\s+(.*)$",
                        re.IGNORECASE | re.DOTALL)
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{2}:\d{2}(:\d{2})?$")
_YMD8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_NUMBERS = 10**8
"""A number that is a date (``20200217``) or an age has fewer digits."""


def text(value: Any, *, paragraphs: bool = False) -> str | None:
    """A cell or element as clean text: line breaks as newlines, lines stripped, blank runs
    dropped (kept as one blank line with ``paragraphs``, where a blank line is a boundary:
    EU CTR's product blocks); None when empty.

    >>> text("&lt;br&gt;Female: yes&lt;br&gt;Male: yes&lt;br&gt;")
    'Female: yes\\nMale: yes'
    >>> text("\\n    Recruiting\\n    "), text("_x000D_<br>  Inclusion:_x000D_<br>_x000D_<br> - a")
    ('Recruiting', 'Inclusion:\\n- a')
    >>> text("Index test:specific&#32;serological&#32;detection;"), text("a &amp;#61603; 1")
    ('Index test:specific serological detection;', 'a &#61603; 1')
    """
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    raw = _ENTITY.sub(_entity, _BR.sub("\n", _CR.sub("\n", str(value))))
    lines = [" ".join(line.split()) for line in raw.split("\n")]
    if paragraphs:
        out = re.sub(r"\n{2,}", "\n\n", "\n".join(lines)).strip("\n")
    else:
        out = "\n".join(line for line in lines if line)
    return out or None


def _entity(m: re.Match[str]) -> str:
    """One HTML character reference decoded (``&#32;``, ``&gt;``, ``&#8805;``), once: a
    registry that escaped its own escapes (``&amp;#61603;``) keeps one level, as it showed its
    users. A name HTML does not define (``&Azithromycin;``, a lost space) stays as written, and
    a name without its ``;`` is never one (``R&D``, ``&not`` in ``&notes``)."""
    ref = m.group(0)
    return html.unescape(ref) if ref[1] == "#" or ref[1:] in html.entities.html5 else ref


def one_line(value: Any) -> str | None:
    """Text on one line, spaces collapsed (titles, names)."""
    t = text(value)
    return " ".join(t.split()) if t else None


def _null(value: str | None) -> str | None:
    return None if value is None or value.strip().casefold() in _NULLS else value


def ictrp_date(value: Any) -> str | None:
    """A date as any registry wrote it, as an ISO partial date; None when unreadable.

    >>> ictrp_date("28/06/2004"), ictrp_date("April 25, 2024"), ictrp_date("20 March 2020")
    ('2004-06-28', '2024-04-25', '2020-03-20')
    >>> ictrp_date(43900), ictrp_date("20200217"), ictrp_date("2020-06-07 17:53:51")
    ('2020-03-10', '2020-02-17', '2020-06-07')

    An Excel date passes the checks a written date does: ``datetime(2641, 6, 14)`` (a typing
    slip Excel kept) is no date. It stays a full date: the ICTRP workbook formats every cell of
    its date columns ``mm-dd-yy``, so a month-only ``February 2020`` that Excel made 1 February
    cannot be told from a true 1 February.

    >>> ictrp_date(datetime(2020, 4, 27)), ictrp_date(datetime(2641, 6, 14))
    ('2020-04-27', None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        value = value.isoformat()
    if isinstance(value, int | float):
        if 10000 <= value <= 80000:  # an Excel serial day number (1927 to 2119)
            return (_EXCEL_EPOCH + timedelta(days=int(value))).isoformat()
        if not -_DATE_NUMBERS < value < _DATE_NUMBERS:  # (nor is NaN, infinity or 10**400)
            return None
        value = str(int(value))
    t = _null(one_line(value))
    if t is None:
        return None
    try:
        if m := _DMY.match(t):
            return parse_date(f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}")
        if m := _ISO_TIME.match(t):
            return parse_date(m.group(1))
        if m := _YMD8.match(t):
            return parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")
        return parse_date(t)
    except ValueError:
        return None


_STATUS = {
    "recruiting": "RECRUITING", "not yet recruiting": "NOT_YET_RECRUITING",
    "pending": "NOT_YET_RECRUITING", "authorised, recruitment pending": "NOT_YET_RECRUITING",
    "authorised, recruiting": "RECRUITING", "ongoing, recruiting": "RECRUITING",
    "ongoing, recruitment ended": "ACTIVE_NOT_RECRUITING", "active, not recruiting":
    "ACTIVE_NOT_RECRUITING", "completed": "COMPLETED", "ended": "COMPLETED",
    "complete": "COMPLETED", "suspended": "SUSPENDED", "temporarily halted": "SUSPENDED",
    "terminated": "TERMINATED", "withdrawn": "WITHDRAWN", "cancelled": "WITHDRAWN",
    "enrolling by invitation": "ENROLLING_BY_INVITATION",
}
"""Statuses that name one API v2 status. ICTRP's ``Not recruiting`` (closed, finished or not
yet open) and EU CTR's ``Authorised`` say too little and become None."""


def status(value: Any) -> str | None:
    t = one_line(value)
    return _STATUS.get(t.casefold()) if t else None


def study_type(value: Any) -> str | None:
    """``Interventional clinical trial of medicinal product`` -> INTERVENTIONAL; ChiCTR's
    ``Observational study``, ``Epidemilogical research``, ``Prognosis study`` -> OBSERVATIONAL;
    what could be either (``Diagnostic test``, ``Basic Science``) -> None."""
    t = (one_line(value) or "").casefold()
    if "expanded access" in t:
        return "EXPANDED_ACCESS"
    if "interventional" in t or t.startswith(("treatment", "prevention")):
        return "INTERVENTIONAL"
    if any(w in t for w in ("observational", "epidemi", "prognosis", "health services",
                            "cohort", "case control", "cross-sectional")):
        return "OBSERVATIONAL"
    return None


_ROMAN = {"IV": "4", "III": "3", "II": "2", "I": "1"}
_EUDRACT_PHASE = re.compile(r"\(Phase (IV|III|II|I)\)\s*:\s*(yes|no)", re.IGNORECASE)


def phases(value: Any) -> tuple[str, ...]:
    """Phases as API v2 enums; what names no phase gives (). A combined phase gives both phases
    however it is spelt (``Phase II/III``, ``2-3``, ``Phase 1/ Phase 2``), as
    ``values.parse_phases`` reads ClinicalTrials.gov's.

    >>> phases("Human pharmacology (Phase I): no\\nTherapeutic exploratory (Phase II): yes")
    ('PHASE2',)
    >>> phases("1-2"), phases("Phase III"), phases("Phase1/Phase2"), phases("Retrospective study")
    (('PHASE1', 'PHASE2'), ('PHASE3',), ('PHASE1', 'PHASE2'), ())
    >>> phases("Phase II/III"), phases("Phase I/II")
    (('PHASE2', 'PHASE3'), ('PHASE1', 'PHASE2'))

    Excel turned a phase range typed into the workbook into a date of the year it was typed
    (``2-3`` into 2 March, ``1-2`` into 1 February: the cell's format is ``d-mmm``). Such a
    date is read back as the two phases when its day and month are two adjacent phases, 1 to
    4, either way round (a range names the same phases read day first or month first); any
    other date names no phase.

    >>> phases(datetime(2020, 3, 2)), phases(datetime(2020, 2, 1)), phases(datetime(2020, 3, 14))
    (('PHASE2', 'PHASE3'), ('PHASE1', 'PHASE2'), ())
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, date):
        low, high = sorted((value.day, value.month))
        return (f"PHASE{low}", f"PHASE{high}") if high - low == 1 and high <= 4 else ()
    if not isinstance(value, str):
        return ()
    t = one_line(value) or ""
    block = _EUDRACT_PHASE.findall(t)
    if block:
        return tuple(f"PHASE{_ROMAN[p.upper()]}" for p, yes in block if yes.lower() == "yes")
    if t in ("0", ""):
        return ()  # ChiCTR's "0" is its form's default, not phase 0
    t = re.sub(r"\b(IV|III|II|I)\b", lambda m: _ROMAN[m.group(1)], t)
    t = re.sub(r"(?i)phase\s*(\d)", r"Phase \1", t)
    if m := re.fullmatch(r"(?:Phase )?(\d)\s*[-/]\s*(?:Phase )?(\d)", t):
        t = f"Phase {m.group(1)}/Phase {m.group(2)}"
    elif re.fullmatch(r"\d", t):
        t = f"Phase {t}"
    t = re.sub(r"(?i)\s+and\s+", "/", re.sub(r"\((integrated|combined)\).*$", "", t)).strip()
    try:
        return parse_phases(t)
    except ValueError:  # a phase named inside words: CTIS "Therapeutic exploratory (Phase II)"
        return tuple(dict.fromkeys(f"PHASE{n}" for n in re.findall(r"(?i)phase (\d)", t)
                                   if n in "1234"))


def sex(value: Any) -> str | None:
    t = (one_line(value) or "").casefold()
    if not t:
        return None
    if "female: yes" in t or "male: yes" in t:
        female, male = "female: yes" in t, re.search(r"(?<!fe)male: yes", t) is not None
        return "ALL" if female and male else "FEMALE" if female else "MALE" if male else None
    if t in ("all", "both") or t.startswith("both") or ("female" in t and re.search(
            r"(?<!fe)male", t)):
        return "ALL"
    if t.startswith("female"):
        return "FEMALE"
    if t.startswith("male"):
        return "MALE"
    return None


def age(value: Any) -> tuple[str | None, float | None]:
    """An age as written and in years (``18`` is 18 years; ``>= 20age old`` is read too); a
    number that is no age (NaN, infinity, 10**400) is none."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not -_DATE_NUMBERS < value < _DATE_NUMBERS:
            return None, None
        value = str(int(value))
    t = _null(one_line(value))
    if t is None or t.casefold() in ("no limit", "no maximum age", "none"):
        return None, None
    m = re.search(r"(\d+(?:\.\d+)?)\s*(years?|yrs?|months?|weeks?|days?|age)?", t,
                  re.IGNORECASE)
    if not m:
        return t, None
    unit = m.group(2) or "years"
    try:
        years = parse_age(f"{m.group(1)} {'years' if unit.lower() == 'age' else unit}")
    except ValueError:
        years = None
    return t, years


def enrollment(value: Any) -> int | None:
    """``90`` -> 90; ChiCTR's per-group sizes ``Experimental group:30;Control group:30;`` ->
    their sum; anything else None."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _count(value)
    t = one_line(value)
    if not t:
        return None
    if t.isdigit():
        return _count(t)
    parts = [p for p in t.split(";") if p.strip()]
    sizes = [re.fullmatch(r".*:\s*(\d+)\s*", p) for p in parts]
    if parts and all(sizes):
        counts = [c for m in sizes if m and (c := _count(m.group(1))) is not None]
        return _count(sum(counts)) if len(counts) == len(sizes) else None
    return None


def _count(value: Any) -> int | None:
    """``values.whole_number``, None where it raises (a negative, NaN, 10**400, ``²``)."""
    try:
        return whole_number(value)
    except ValueError:
        return None


def split_list(value: Any) -> tuple[str, ...]:
    """A ``;``- or line-separated list, nulls and repeats dropped."""
    t = text(value)
    if not t:
        return ()
    out = (" ".join(p.split()) for p in re.split(r"[;\n]", t))
    return tuple(dict.fromkeys(p for p in out if p and _null(p)))


_CONDITION_NUMBER = re.compile(r"\s*(?:Health )?Condition \d+\s*:\s*", re.IGNORECASE)
_MEDDRA = re.compile(r"^(?:(?:MedDRA version|Level|System Organ Class|Therapeutic area)\s*:|"
                     r"Classification code\b)")
_MEDDRA_TERM = re.compile(r"(?:^|[^A-Za-z])Term:\s*(.+?)\s*(?:System Organ Class:.*)?$")
_CODE = re.compile(r"[A-Z]{1,2}\d{1,2}(?:\.[\dA-Z]+)+(?:x\d+)?\.?|[A-Z]\d{2}-[A-Z]\d{2}|"
                   r"[CD]\d{6,9}|\d+(?:\.\d+)*")
_CODE_PREFIX = re.compile(r"^[A-Z]\d{2}[\dA-Z.]*(?:-[A-Z]\d{2}[\dA-Z.]*)?[-:]\s+(?=\w)")


def conditions(value: Any) -> tuple[str, ...]:
    """The Condition field as condition names: a ``;``- or line-separated list, IRCT's and
    CTRI's ``Condition 1: … Condition 2: …`` split, the registry's codes and metadata dropped.

    EU CTR (and CTIS) follow the condition with its MedDRA coding, a line per key
    (``MedDRA version: 20.1``, ``Level: PT``, ``Classification code 10053983``, ``Term: Corona
    virus infection``, ``System Organ Class: …``; CTIS runs them on one line) and a
    ``Therapeutic area: …`` part: the MedDRA term is a condition name, the rest is not. Other
    registries list codes after the names (``U07.1``, ``B34.2``, ``RA01.0``, ``A00-B99``, MeSH
    ``D000073640``, MedDRA ``10034606``): a part that is only a code is dropped, and a code
    prefixed to a name (CTRI's ``J128- Other viral pneumonia``) is cut off. An undotted code
    (``G63``) is kept, as it reads like a name (``N95``, the mask).

    >>> conditions("Coronavirus infection <br>MedDRA version: 20.1\\nLevel: PT\\nClassification "
    ...            "code 10053983\\nTerm: Corona virus infection\\nSystem Organ Class: 10021881 - "
    ...            "Infections and infestations\\n;Therapeutic area: Diseases [C] - Virus Diseases")
    ('Coronavirus infection', 'Corona virus infection')
    >>> conditions("Condition 1: COVID-19 disease. Condition 2: Acute myeloid leukemia. <br>"
    ...            "Coronavirus infection, unspecified;B34.2")
    ('COVID-19 disease.', 'Acute myeloid leukemia.', 'Coronavirus infection, unspecified')
    """
    t = text(value)
    if not t:
        return ()
    out: list[str] = []
    for chunk in re.split(r"[;\n]", t):
        for part in _CONDITION_NUMBER.split(chunk):
            part = " ".join(part.split())
            if _MEDDRA.match(part) or part.startswith("Term:"):
                term = _MEDDRA_TERM.search(part)
                part = term.group(1) if term else ""
            part = _CODE_PREFIX.sub("", part)
            if part and _null(part) and not _CODE.fullmatch(part):
                out.append(part)
    return tuple(dict.fromkeys(out))


_TYPED = re.compile(
    r"^(Drug|Biological|Device|Procedure|Procedure/Surgery|Radiation|Behavioral|Genetic|"
    r"Dietary Supplement|Combination Product|Diagnostic Test|Other)\s*:\s*(.+)$", re.IGNORECASE)
_SECTION_TYPE = re.compile(
    r"^(Drug|Biological(?:/Vaccine)?|Device|Procedure(?:/Surgery)?|Radiation|Behavioral|Genetic|"
    r"Dietary Supplement|Combination Product|Diagnostic Test|Other)\s+:\s*(.*)$", re.IGNORECASE)
"""CRIS's intervention type before its free text, with a space before the colon (``Drug :
intervention 1: …``); it types every intervention after it, to the next such line."""
_ARM_HEADER = re.compile(r"(?:^|(?<=[\s;]))((?:Control\s+)?Intervention\s?\d+)\s*:",
                         re.IGNORECASE | re.MULTILINE)
"""A numbered arm (IRCT's and DRKS's ``Intervention 2:``, mid-line too; CTRI's ``Control
Intervention1:``), whose text runs to the next one."""
_GROUP_HEADER = re.compile(r"^(Group\s*\d+)\s*:", re.IGNORECASE | re.MULTILINE)
"""DRKS's ``Group 1:`` at the start of a line of a text on several lines (ChiCTR's one-line
``Group 1:a;Group 2:b;`` is ``group:treatment`` parts)."""
_NUMBER_ONLY = re.compile(r"Intervention \d+", re.IGNORECASE)
"""An arm header that is only a number (IRCT, DRKS), no arm label (CTRI's ``Intervention1``
is the label the registry shows)."""
_ARM_WORD = re.compile(r"(?i)\b(?:arms?|groups?|control|intervention|placebo|cohort|"
                       r"comparator|experimental)\b")
"""A label naming an arm, where a line of an arm's text starts another intervention rather than
going on with the description (``control: supportive care``, not ``Per patient: 3 days``)."""
_DETAIL_KEY = re.compile(
    r"(?i)(?:intervention\s+)?(?:(?:injection\s+)?route|dos(?:e|age|ing)s?(?:\s+form)?|"
    r"(?:dosage\s+)?frequency|number(?:\s+of\s+doses)?|volume|period|subject|duration|mode|"
    r"method|time|timing|schedule|composition|adherence|description|administration|"
    r"therapeutic\s+category\s+code|(?:dos(?:e|age)s?\s+and\s+administration)|"
    r"(?:[a-z]+\s+)?sampling)"
    r"(?:\s+(?:of|for)\s+.*)?")
"""Keys that say how an intervention is given (``Dosage:``, ``Route of Administration:``,
``number: 1``, ``Intervention Adherence:``) or what is done with it to the subject (JPRN's
``Blood sampling: 3 times`` after its ``Duration:``, ``Dose:``, ``Frequency:``, ``Number of
doses:``; any ``… sampling``): its description, never an intervention."""
_BULLET = re.compile(r"^\s*(?:[-*•·o]\s+|[-*•·])(?=\S)")
_ENUM = re.compile(r"^\d{1,2}[.)]\s+")
_NAME_KEY = re.compile(
    r"^(?:(?:Control\s+)?Intervention\s+name|Generic\s+name(?:\s+etc)?|INN\s+of\s+(?:the\s+"
    r"(?:control\s+)?intervention|investigational\s+material))\s*:", re.IGNORECASE | re.MULTILINE)
"""A field naming an intervention in a form of ``Key: value`` lines: ANZCTR's ``Intervention
Name:``, JPRN's ``Intervention name :``, ``Generic name etc :``, ``INN of … :``."""
_FORM_FIELD = re.compile(r"(?i)(?:control\s+)?(?:intervention\b.*|generic\s+name.*|inn\b.*|"
                         r"therapeutic\s+category.*|dos(?:e|age|ing)\b.*)")
_FORM_HEADER = re.compile(r"(?i)(?:control\s+)?intervention(?:\s*\d+)?|(?:investigational|"
                          r"control)\s+materials?(?:\(s\))?|(?:arm|group)\s*\d+")
"""A line heading one intervention's fields (ANZCTR's ``Intervention 2``, JPRN's ``control
material(s)``)."""
_KINDS = ((r"drug|medicin", "DRUG"), (r"biolog|vaccin", "BIOLOGICAL"), (r"device", "DEVICE"),
          (r"procedure|surg", "PROCEDURE"), (r"radiat", "RADIATION"),
          (r"behavio|lifestyle", "BEHAVIORAL"), (r"genetic", "GENETIC"),
          (r"dietary|supplement", "DIETARY_SUPPLEMENT"), (r"diagnos", "DIAGNOSTIC_TEST"),
          (r"combination", "COMBINATION_PRODUCT"), (r"^other", "OTHER"))
"""A registry's intervention type as ClinicalTrials.gov's (ANZCTR's ``Treatment: Drugs``,
CRIS's ``Biological/Vaccine``); a type it has none for (``Rehabilitation``) is none."""
_STATED_TYPE = re.compile(
    r"(?i)Drugs?|Biologicals?(?:/Vaccines?)?|Vaccines?|Devices?|Procedures?(?:/Surgery)?|Surgery|"
    r"Radiation|Behaviou?ral|Genetic|Dietary Supplements?|Combination Products?|"
    r"Diagnostic(?: Tests?)?|Other")
"""A list part that is only an intervention type (REBEC ends its text with its types,
``…;Drug;Chloroquine;Hydroxychloroquine``, then its MeSH descriptors): it states the type of
the record's interventions and names none."""
_GROUP = re.compile(r"^([^:]{1,80}):(.+)$", re.DOTALL)
_NAME_COMMA = re.compile(r",(?=\S)(?!(?<=\d,)\d)(?![^()]*\))")
"""A bare comma between ClinicalTrials.gov names: not one inside a number (``200,000 IU``,
``day 0,28``) or inside brackets."""
_DOSE = re.compile(r"(?i)\d[\d.,]*\s*(?:mg|g|µg|ug|mcg|ml|iu|units?)(?:/\w+)?"
                   r"|qd|od|bid|bd|tid|qid|q\d+h")
"""A dose or a frequency, which says how a named product is given and names none."""
_PLACEHOLDER = re.compile(r"(?i)^(?:not (?:yet )?(?:available|applicable|known|assigned)|n/?a|"
                          r"none|nil|null|no|blank|nothing|unknown|[-_/?]+)?\.?$")
def _kind(value: str) -> str | None:
    t = value.strip().casefold()
    return next((kind for pattern, kind in _KINDS if re.search(pattern, t)), None)


class _Part:
    """One intervention while its text is read: later lines add to its description."""

    def __init__(self, name: str, kind: str | None, label: tuple[str, ...],
                 detail: list[str] | None = None, others: tuple[str, ...] = (),
                 states_type: bool = False) -> None:
        self.name, self.kind, self.label, self.detail = name, kind, label, detail or []
        self.others, self.states_type = others, states_type


def interventions(value: Any) -> tuple[Intervention, ...]:
    """ICTRP's one free-text Intervention field as interventions.

    Parts are split on ``;`` and line breaks; a ClinicalTrials.gov ``Drug: a,b`` part gives a
    typed intervention per name (ICTRP joins the names with a bare comma; a dose or frequency
    after such a comma stays with the name before it: ``arbidol,200mg,tid`` is one); ChiCTR's
    ``group:treatment`` keeps the group as the arm label. A value that is only a placeholder
    (``no``, ``Blank``, ``-``, CTRI's ``Nil: Nil``) is no intervention.

    Registries that write arms or forms rather than lists are read as such, so that a key is
    never an intervention (a line per part made ANZCTR's ``Intervention Type: Drug`` an
    intervention ``Drug`` of arm ``Intervention Type``, and CRIS's ``number: 1`` one named ``1``):

    - numbered arms (IRCT's and DRKS's ``Intervention 1: … Intervention 2: …``, DRKS's ``Group
      1:`` lines, CTRI's ``Intervention1: name: description``) are one intervention each, named
      by the arm's first line; the arm's further lines are its description, unless they start
      with another arm's label (``control: supportive care``);
    - forms of ``Key: value`` lines (ANZCTR's ``Intervention Name:``, ``Intervention Type:``;
      JPRN's ``Intervention name :``, ``INN of investigational material :``) give one
      intervention per form, named by its INN, else its name, typed by its type field;
    - CRIS's leading type (``Radiation : …``) types the interventions after it;
    - a line whose key says how an intervention is given (``Dosage:``, ``Route:``, ``volume:``)
      describes the intervention before it, as do bullets in CRIS text and arms;
    - a list part that is only a type (REBEC's ``…;Drug;Chloroquine``, ``;Biological/vaccine;``)
      is no intervention: it types the record's untyped interventions where the record states
      one type only (``;Drug;Procedure/surgery;Other;`` types none).

    >>> [(i.type, i.name) for i in interventions("Biological: NK cells,ACE2 CAR-NK cells")]
    [('BIOLOGICAL', 'NK cells'), ('BIOLOGICAL', 'ACE2 CAR-NK cells')]
    >>> [(i.name, i.arm_labels) for i in interventions("Case series:Nil;High dose:NK cells;")]
    [('NK cells', ('High dose',))]
    >>> [i.name for i in interventions("Drug: arbidol,200mg,tid;Drug: cholecalciferol 50,000 IU"
    ...                                ";Control group:Blank;Control Intervention1: Nil: Nil")]
    ['arbidol,200mg,tid', 'cholecalciferol 50,000 IU']
    >>> [(i.type, i.name, i.description) for i in interventions(
    ...     "Radiation : radiopharmaceutical: F-18 tracer<br>volume: 5~10CC<br>number: 1")]
    [('RADIATION', 'F-18 tracer', 'volume: 5~10CC\\nnumber: 1')]
    >>> [(i.type, i.name) for i in interventions("Plasma of donors;Biological/vaccine;"
    ...                                          "Immunization, Passive")]
    [('BIOLOGICAL', 'Plasma of donors'), ('BIOLOGICAL', 'Immunization, Passive')]
    """
    t = text(value, paragraphs=True)
    if not t:
        return ()
    if _EUDRACT_KEY.search(t):
        return _eudract_products(t)
    parts = _form_parts(t) if _NAME_KEY.search(t) else _text_parts(t)
    stated = {p.kind for p in parts if p.states_type}
    parts = [p for p in parts if not p.states_type]
    if len(stated) == 1 and (kind := stated.pop()) is not None:
        for p in parts:
            p.kind = p.kind or kind
    out: dict[tuple[str | None, str], Intervention] = {}
    for p in parts:
        name = " ".join(p.name.split())
        if _placeholder(name):
            continue
        key = (p.kind, name.casefold())
        if prev := out.get(key):
            out[key] = prev.model_copy(update={"arm_labels": prev.arm_labels + p.label})
        else:
            out[key] = Intervention(type=p.kind, name=name, other_names=p.others,
                                    arm_labels=p.label, description="\n".join(p.detail) or None)
    return tuple(out.values())


def _text_parts(t: str) -> list[_Part]:
    """Free text as parts: a list (``;``, lines), numbered arms, CRIS's typed text."""
    if "\n" in t:
        t = _GROUP_HEADER.sub(lambda m: f"\n{m.group(0)}", t)
    t = _ARM_HEADER.sub(lambda m: f"\n{m.group(0).strip()}", t)
    out: list[_Part] = []
    kind: str | None = None
    typed = in_arm = listed = False
    waiting: tuple[str, ...] | None = None  # an arm's label on a line of its own
    loose: list[str] = []  # details before any intervention

    def take(line: str, own: tuple[str, ...] | None) -> None:
        """One line, or the rest of an arm's header line (``own``: the arm's label)."""
        nonlocal waiting
        if own is not None:
            waiting = None
            if not line:
                waiting = own
            elif (part := _arm_first_line(line, own, kind)) is None:
                waiting = own + _arm_label(line[:-1])
            else:
                out.append(part)
            return
        if not line:
            return
        if in_arm and waiting is not None:
            out.append(_Part(line, kind, waiting))
            waiting = None
        elif _is_detail(line) or ((typed or in_arm) and bool(_BULLET.match(line))) or (
                in_arm and out and not _arm_line(line)):
            (out[-1].detail if out else loose).append(line)
        elif in_arm:
            if (part := _arm_first_line(line, (), kind)) is not None:
                out.append(part)
        else:
            for piece in (" ".join(p.split()) for p in line.split(";")):
                out.extend(_list_part(piece, kind, typed))

    for line in (ln.strip() for ln in t.split("\n")):
        if m := _SECTION_TYPE.match(line):
            kind, typed, line = _kind(m.group(1)), True, m.group(2).strip()
        own: tuple[str, ...] | None = None
        if header := _ARM_HEADER.match(line) or ("\n" in t and _GROUP_HEADER.match(line)):
            label = " ".join(header.group(1).split())
            in_arm, listed = True, header.re is _GROUP_HEADER
            own = () if _NUMBER_ONLY.fullmatch(label) else (label,)
            line = line[header.end():].strip()
        # REBEC ends its arms with ";"-separated terms (";Drug;Chloroquine"): list parts
        line, *rest = line.split(";") if listed else (line,)
        take(line.strip(), own)
        for piece in (" ".join(p.split()) for p in rest):
            out.extend(_list_part(piece, kind, typed))
    if loose:
        if out:
            out[0].detail[:0] = loose
        else:  # only how something is given (JPRN's "Duration: 1 hour<br>Dose: …"): one, whole
            out.append(_Part("; ".join(loose), kind, ()))
    return out


def _is_detail(line: str) -> bool:
    key, sep, value = _BULLET.sub("", line).partition(":")
    return bool(sep and value.strip()) and _DETAIL_KEY.fullmatch(key.strip()) is not None


def _arm_line(line: str) -> bool:
    """Whether a line of an arm's text starts another intervention: ``label: treatment`` with a
    label naming an arm."""
    g = _GROUP.match(line)
    return bool(g and _ARM_WORD.search(g.group(1)) and not re.search(r"https?$", g.group(1)))


def _arm_label(label: str) -> tuple[str, ...]:
    label = _ENUM.sub("", " ".join(label.split())).strip()
    return (label,) if label else ()


def _arm_first_line(line: str, own: tuple[str, ...], kind: str | None) -> _Part | None:
    """An arm's first line. Under a label of its own (CTRI's ``Intervention1:``) it is the
    registry's ``name: description``; under a number it is IRCT's ``label: treatment``
    (``Intervention group: …``) or a treatment, and None where it is only a label
    (``Observation group:``) whose treatment is on the next line."""
    g = _GROUP.match(line)
    if g and re.search(r"https?$", g.group(1)):
        g = None
    if own:
        if g:
            return _Part(g.group(1).strip(), kind, own, [g.group(2).strip()])
        return _Part(line.rstrip(":").strip() or line, kind, own)
    if line.endswith(":") and line.count(":") == 1 and len(line) <= 81:
        return None
    if not g:
        return _Part(line, kind, own)
    return _Part(g.group(2).strip(), kind, _arm_label(g.group(1)))


def _list_part(part: str, kind: str | None, typed: bool) -> list[_Part]:
    """One part of a list: a typed ClinicalTrials.gov part, ``group:treatment`` or a name;
    in CRIS's typed text a label's number is dropped (``1. Control group``)."""
    if _placeholder(part):
        return []
    if _STATED_TYPE.fullmatch(part):
        return [_Part(part, _kind(part), (), states_type=True)]
    if m := _TYPED.match(part):
        ct_kind = re.sub(r"[^A-Z]+", "_", m.group(1).upper().split("/")[0]).strip("_")
        names: list[str] = []
        for name in (n.strip() for n in _NAME_COMMA.split(m.group(2))):
            if names and _DOSE.fullmatch(name):
                names[-1] += f",{name}"
            else:
                names.append(name)
        return [_Part(n, ct_kind, ()) for n in names]
    label: tuple[str, ...] = ()
    if (g := _GROUP.match(part)) and not re.search(r"https?$", g.group(1)):
        label = _arm_label(g.group(1)) if typed else (g.group(1).strip(),)
        part = g.group(2).strip()
    return [_Part(part, kind, label)]


def _form_parts(t: str) -> list[_Part]:
    """A form of ``Key: value`` lines (ANZCTR, JPRN) as one part per form: a form starts at a
    heading line (``Intervention 2``, ``control material(s)``), where a key comes again, and
    where control keys follow the intervention's; a line that is no field goes on with the
    field before it."""
    forms: list[list[list[str]]] = [[]]
    for line in (ln.strip() for ln in t.split("\n")):
        if not line:
            continue
        key, sep, value = line.partition(":")
        key = " ".join(key.split())
        if sep and len(key) <= 80 and (_FORM_FIELD.fullmatch(key) or _DETAIL_KEY.fullmatch(key)):
            form = forms[-1]
            seen = {k.casefold() for k, _ in form}
            control = key.casefold().startswith("control") or " control " in key.casefold()
            if key.casefold() in seen or (control and form and not any(
                    "control" in k.casefold() for k, _ in form)):
                forms.append(form := [])
            form.append([key, value.strip()])
        elif _FORM_HEADER.fullmatch(line.rstrip(":").strip()):
            if forms[-1]:
                forms.append([])
        elif forms[-1]:
            forms[-1][-1][1] = f"{forms[-1][-1][1]}\n{line}".strip()
        else:
            forms[-1].append(["", line])
    out: list[_Part] = []
    for form in forms:
        names = [v for k, v in form if re.match(r"(?i)inn\b", k) and not _placeholder(v)]
        names += [v for k, v in form if re.search(r"(?i)\bname\b", k) and not _placeholder(v)]
        names = list(dict.fromkeys(names))
        if not names:
            continue
        kind = next((_kind(v) for k, v in form if re.search(r"(?i)\btype$", k)), None)
        detail = [f"{k}: {v}" if k else v for k, v in form
                  if v and not _placeholder(v) and v not in names
                  and not re.search(r"(?i)\btype$", k)]
        out.append(_Part(names[0], kind, (), detail, tuple(
            n for n in names[1:] if n.casefold() != names[0].casefold())))
    return out


def _placeholder(name: str) -> bool:
    """Whether a name only holds the place of one: empty, ``no``, ``N/A``, ``-``, or such
    words on both sides of a colon (CTRI's ``Nil: Nil``, ``NIL:``)."""
    return all(_PLACEHOLDER.match(piece.strip()) for piece in name.split(":"))


_EUDRACT_NAMES = ("INN or Proposed INN", "Product Name", "Trade Name", "Current Sponsor code",
                  "Product Code", "Other descriptive name")
"""The fields of an EU CTR product block that name it, the best first."""
_EUDRACT_FIELDS = "|".join((*_EUDRACT_NAMES, "Pharmaceutical Form", "CAS Number", "Strength",
                            r"Concentration (?:unit|type|number)",
                            "Pharmaceutical form of the placebo",
                            "Route of administration of the placebo"))
_EUDRACT_KEY = re.compile(rf"^(?:{_EUDRACT_FIELDS})\s*:", re.MULTILINE)
_EUDRACT_COMMA = re.compile(rf",\s*(?=(?:{_EUDRACT_FIELDS})\s*:)")
"""CTIS's records in ICTRP put a product's fields on one line, joined by commas."""


def _eudract_products(t: str) -> tuple[Intervention, ...]:
    r"""EU CTR's Intervention field: one ``Key: value`` block per product ("Trade Name: Sutent",
    "Pharmaceutical Form: …", "INN or Proposed INN: Sunitinib", …), blocks parted by a blank
    line (a block also starts again where a key repeats, as where one product has two INNs);
    each product is named by its INN, else its product or trade name or code, and a block that
    names none (only a ``Pharmaceutical Form``) is no product. A product listed again (another
    strength, ``Tamiflu 75 mg Hard Capsules`` then ``Tamiflu 6 mg/ml powder…``) is one, with
    the names of both. CTIS joins the fields of a block
    with commas on one line (``Product Name: NTLA-2001,Product Code: PRD8425756,…``).

    >>> [(i.name, i.other_names) for i in _eudract_products(
    ...     "Trade Name: Sutent\nPharmaceutical Form: Capsule, hard\nINN or Proposed INN: "
    ...     "Sunitinib\nTrade Name: Endoxan\nINN or Proposed INN: CYCLOPHOSPHAMIDE\n"
    ...     "Trade Name: Sutent\nINN or Proposed INN: Sunitinib")]
    [('Sunitinib', ('Sutent',)), ('CYCLOPHOSPHAMIDE', ('Endoxan',))]
    >>> [(i.name, i.other_names) for i in _eudract_products(
    ...     "Product Name: FTY720\nPharmaceutical Form: Capsule\n\nTrade Name: CellCept\n"
    ...     "Product Name: Mycophenolate Mofetil\n\nPharmaceutical Form: Tablet")]
    [('FTY720', ()), ('Mycophenolate Mofetil', ('CellCept',))]
    """
    blocks: list[dict[str, str]] = []
    for paragraph in t.split("\n\n"):
        blocks.append({})
        for line in (f for ln in paragraph.splitlines() for f in _EUDRACT_COMMA.split(ln)):
            key, sep, val = line.partition(":")
            key, val = key.strip(), val.strip()
            if not sep or not val:
                continue
            if key in blocks[-1]:
                blocks.append({})
            blocks[-1][key] = val
    out: dict[str, Intervention] = {}
    for b in blocks:
        names = list(dict.fromkeys(b[k] for k in _EUDRACT_NAMES
                                   if k in b and not _placeholder(b[k])))
        if not names:
            continue
        if prev := out.get(names[0].casefold()):  # the product again, in another strength
            known = {n.casefold() for n in (prev.name, *prev.other_names)}
            more = tuple(n for n in dict.fromkeys(names[1:]) if n.casefold() not in known)
            out[names[0].casefold()] = prev.model_copy(
                update={"other_names": prev.other_names + more})
            continue
        detail = "; ".join(f"{k}: {v}" for k, v in b.items() if k not in _EUDRACT_NAMES)
        out[names[0].casefold()] = Intervention(
            name=names[0], other_names=tuple(n for n in names[1:]
                                             if n.casefold() != names[0].casefold()),
            description=detail or None)
    return tuple(out.values())


def outcomes(value: Any) -> tuple[Outcome, ...]:
    return tuple(Outcome(measure=m) for m in split_list(value))


def title(value: Any) -> tuple[str | None, bool]:
    """A public title less ChiCTR's padded ``Cancelled by the investigator`` prefix, and whether
    the prefix was there (the trial was withdrawn)."""
    t = one_line(value)
    if not t:
        return None, False
    if m := _CANCELLED.match(t):
        return (m.group(2).strip() or None), True
    if _CANCELLED.match(t + " "):
        return None, True
    return t, False


Fields = Mapping[str, Any]
"""An ICTRP record's values by field key: the XML element name or CSV column lower-cased with
spaces as underscores (``public_title``, ``date_enrollement``, ``secondary_id``)."""


def key(name: str) -> str:
    """``Public title`` / ``Public_title`` -> ``public_title``."""
    return re.sub(r"[\s_]+", "_", name.strip().casefold())


def to_record(values: Fields, prov: Provenance) -> TrialRecord | Reject:
    """One ICTRP record as a ``TrialRecord``; a record without a known registry id is a reject
    naming the ``TrialID`` field."""
    raw_id = one_line(values.get("trialid"))
    trial_id = canonical_id(raw_id)
    if trial_id is None:
        reason = ("record has no trial id" if not raw_id
                  else f"not a trial id of a known registry: {raw_id!r}")
        return reject(prov, reason, field="TrialID")
    try:
        fields = _fields(values, trial_id, raw_id or trial_id)
    except (RecordError, ValidationError) as exc:
        return field_reject(prov, exc, nct_id=trial_id)
    prov = prov.model_copy(update={"last_update": fields["last_update"]})
    return build_record(prov, fields)


def _fields(v: Fields, trial_id: str, raw_id: str) -> dict[str, Any]:
    brief, cancelled = title(v.get("public_title"))
    official = one_line(v.get("scientific_title"))
    secondary = [raw_id] if raw_id != trial_id else []
    secondary += split_list(v.get("secondary_id")) + split_list(v.get("secondaryids"))
    min_age, min_years = age(v.get("inclusion_agemin"))
    max_age, max_years = age(v.get("inclusion_agemax"))
    if max_age and max_age.endswith("+"):
        max_age, max_years = None, None  # CTIS's oldest age band, "65+": open, no maximum
    criteria = "\n".join(t for t in (text(v.get("inclusion_criteria")),
                                     text(v.get("exclusion_criteria"))) if t) or None
    sponsor = one_line(v.get("primary_sponsor"))
    countries = split_list(v.get("countries"))
    return {
        "nct_id": trial_id,
        "secondary_ids": tuple(dict.fromkeys(s for s in secondary if s != trial_id)),
        "brief_title": brief or official,
        "official_title": official,
        "acronym": _null(one_line(v.get("acronym"))),
        "overall_status": "WITHDRAWN" if cancelled else status(v.get("recruitment_status")),
        "start_date": ictrp_date(v.get("date_enrollement") or v.get("date_enrolment")),
        "first_posted": ictrp_date(v.get("date_registration"))
        or ictrp_date(v.get("date_registration3")),
        "last_update": ictrp_date(v.get("last_refreshed_on")),
        "phases": phases(v.get("phase")),
        "study_type": study_type(v.get("study_type")),
        "enrollment": enrollment(v.get("target_size")),
        "conditions": conditions(v.get("condition")),
        "interventions": interventions(v.get("intervention")),
        "lead_sponsor": Sponsor(name=sponsor) if sponsor and _null(sponsor) else None,
        "collaborators": tuple(Sponsor(name=s) for s in split_list(v.get("secondary_sponsor"))),
        "eligibility": Eligibility(criteria=criteria, sex=sex(v.get("inclusion_gender")),
                                   min_age=min_age, max_age=max_age, min_age_years=min_years,
                                   max_age_years=max_years),
        "primary_outcomes": outcomes(v.get("primary_outcome")),
        "secondary_outcomes": outcomes(v.get("secondary_outcome")),
        "locations": tuple(Location(country=c) for c in countries),
    }
