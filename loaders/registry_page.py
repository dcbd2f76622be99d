"""Registry and recruitment web pages saved as text: one page, one trial (or one reject).

Four page styles are recognised by their landmarks (a recruitment site with a "Clinical Study
Identifier" line, an AI-summary page with a "Study details" block, Clinical Trial Compass and
ClinicalTrials.Veeva), plus a ClinicalTrials.gov record pasted as lines (title, summary,
conditions, ``TYPE: name`` interventions, ``|``-joined outcomes). Only what the page states is
taken; navigation, sign-up boxes, cookie banners and placeholder text are dropped. A page with
no NCT number gives a record with ``nct_id=None`` (identified later by title or secondary id);
a page that names no trial at all is a reject.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from celltx.loaders.records import RecordError, field_reject, parse_field, reject
from celltx.loaders.sources import SourceFile, read_head
from celltx.loaders.values import enum_name, parse_age, parse_date, whole_number
from pydantic import ValidationError

from celltx.models import (
    INTERVENTION_TYPES,
    Arm,
    Eligibility,
    Intervention,
    Location,
    Outcome,
    Provenance,
    Reject,
    SourceFormat,
    Sponsor,
    TrialRecord,
    UnreadableFileError,
)

FORMAT = SourceFormat.REGISTRY_PAGE
MAX_PAGE_BYTES = 4 << 20

_NCT = re.compile(r"\bNCT\d{8}\b")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^=~|])")
_BULLET = re.compile(r"^(?:[*•·▪◦‣\-–]\s+|\d{1,2}[.)]\s+|[a-z][.)]\s+|[ivx]{1,4}[.)]\s+)")
_NOISE = re.compile(
    r"lorem ipsum|dolor sit amet|\bcookies?\b|accept all|privacy (?:policy|settings)|"
    r"sign up|sign in|log ?in\b|subscribe|newsletter|notify me|get notified|"
    r"add a private note|passcode|select a piece of text|notes visible only to you|"
    r"no annotations made|investigator avatar|primary contact|^menu$|^image$|^loading\.*$|"
    r"^(?:home|search|about us|contact us|faqs?|back to top|share|print|skip to (?:main )?content|"
    r"yes no not sure|clear my responses|learn more|send a message|sign up as volunteer)$|"
    r"\{\{[A-Z_]+\}\}|^©|copyright \d{4}|all rights reserved|powered by ai|^data sourced from",
    re.IGNORECASE,
)
_STATUS_WORDS = {
    "recruiting": "RECRUITING", "not yet recruiting": "NOT_YET_RECRUITING",
    "enrolling by invitation": "ENROLLING_BY_INVITATION",
    "active, not recruiting": "ACTIVE_NOT_RECRUITING", "active not recruiting":
    "ACTIVE_NOT_RECRUITING", "suspended": "SUSPENDED", "terminated": "TERMINATED",
    "completed": "COMPLETED", "withdrawn": "WITHDRAWN", "unknown status": "UNKNOWN",
    "unknown": "UNKNOWN",
}
_STATUS_RE = re.compile(
    r"^(" + "|".join(sorted((re.escape(s) for s in _STATUS_WORDS), key=len, reverse=True))
    + r")\s*(.*)$", re.IGNORECASE)
_PHASE_RE = re.compile(
    r"^(?:early\s+phase\s*1|phase\s*[0-4](?:\s*/\s*(?:phase\s*)?[0-4])?|"
    r"phase\s*(?:i{1,3}|iv)(?:\s*/\s*(?:phase\s*)?(?:i{1,3}|iv))?|not applicable|n/a)$",
    re.IGNORECASE)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_AGE_RANGE = re.compile(
    r"(\d{1,3})\s*(?:years?|yrs?)?\s*(?:-|–|—|to)\s*(\d{1,3})\s*(years?|yrs?)?", re.IGNORECASE)
_AGE_MIN = re.compile(r"(\d{1,3})\s*(?:years?|yrs?)?\s*(?:\+|and (?:over|older)|or older)",
                      re.IGNORECASE)
_COUNT = re.compile(r"(\d[\d,]*)\s*(?:participants?|patients?|subjects?|people|volunteers)",
                    re.IGNORECASE)
_SEX = {"all": "ALL", "both": "ALL", "male": "MALE", "female": "FEMALE", "men": "MALE",
        "women": "FEMALE"}
_IV_TYPED = re.compile(r"^\s*([A-Za-z][A-Za-z _]{1,30}?)\s*:\s*(\S.*)$")
_DESIGN = {
    "allocation": {"RANDOMIZED": "RANDOMIZED", "NON_RANDOMIZED": "NON_RANDOMIZED", "N_A": "NA",
                   "NA": "NA"},
    "intervention_model": {"PARALLEL_ASSIGNMENT": "PARALLEL", "SINGLE_GROUP_ASSIGNMENT":
                           "SINGLE_GROUP", "CROSSOVER_ASSIGNMENT": "CROSSOVER",
                           "FACTORIAL_ASSIGNMENT": "FACTORIAL", "SEQUENTIAL_ASSIGNMENT":
                           "SEQUENTIAL"},
}
_ARM_TYPES = ("EXPERIMENTAL", "ACTIVE_COMPARATOR", "PLACEBO_COMPARATOR", "SHAM_COMPARATOR",
              "NO_INTERVENTION", "OTHER")
_FUNDER = {"OTHER": "OTHER", "INDUSTRY": "INDUSTRY", "NIH": "NIH", "U_S_FED": "FED",
           "FED": "FED", "OTHER_GOV": "OTHER_GOV", "NETWORK": "NETWORK", "INDIV": "INDIV"}


# ---- reading ---------------------------------------------------------------------------------


def read(source: SourceFile, head: bytes | None = None) -> Iterator[TrialRecord | Reject]:
    """Yield one record (or one reject) for the page in ``source``."""
    head = read_head(source) if head is None else head
    with source.open() as fh:
        data = fh.read(MAX_PAGE_BYTES + 1)
    if not data.strip():
        raise UnreadableFileError(source.path, "empty file")
    prov = Provenance(path=source.path, format=FORMAT, record=0)
    if len(data) > MAX_PAGE_BYTES:
        yield reject(prov, f"page larger than {MAX_PAGE_BYTES >> 20} MiB: not a saved web page")
        return
    yield page_to_record(decode(data), prov)


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def page_to_record(text: str, prov: Provenance) -> TrialRecord | Reject:
    """Read one page's text into a record; a page naming no trial becomes a reject."""
    lines = clean_lines(text)
    style = detect_style(lines)
    parse = _STYLES[style]
    try:
        fields = parse(lines)
    except (RecordError, ValidationError) as exc:
        return field_reject(prov, exc)
    fields = {k: v for k, v in fields.items() if v not in (None, (), "")}
    nct = fields.get("nct_id")
    if not nct and not fields.get("brief_title"):
        return reject(prov, "not a trial page: no NCT number and no trial title found", field=None)
    if not _has_trial_facts(fields):
        # a note or an e-mail that mentions a trial is no record of it: a page must state
        # something of the trial besides its number and a line that could be its title
        named = f"names {nct} but states" if nct else "no NCT number and"
        return reject(prov, f"not a trial page: {named} nothing a trial record states "
                            "(status, phase, conditions, interventions, criteria)", nct_id=nct)
    if fields.get("last_update"):
        prov = prov.model_copy(update={"last_update": fields["last_update"]})
    fields.setdefault("nct_id", None)
    try:
        return TrialRecord(provenance=prov, **fields)
    except ValidationError as exc:
        return field_reject(prov, exc, nct_id=nct)


def _has_trial_facts(fields: dict[str, Any]) -> bool:
    keys = ("overall_status", "phases", "conditions", "interventions", "eligibility",
            "primary_outcomes")
    return any(k in fields for k in keys)


# ---- text --------------------------------------------------------------------------------------


def clean_lines(text: str) -> list[str]:
    """The page's lines: markdown escapes undone, whitespace tidied, noise lines dropped.

    Indentation is kept (nested criteria use it); blank lines become ``""`` (they separate
    blocks) but runs of them collapse to one.
    """
    text = _MD_ESCAPE.sub(r"\1", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    out: list[str] = []
    for raw in text.split("\n"):
        line = raw.rstrip()
        if _NOISE.search(line.strip()):
            continue
        if not line.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(line)
    return out


def _plain(lines: list[str]) -> list[str]:
    return [ln.strip() for ln in lines if ln.strip()]


def detect_style(lines: list[str]) -> str:
    joined = "\n".join(lines[:400])
    if "ClinicalTrials.Veeva" in joined or ("Status and phase" in joined
                                            and "Treatments" in joined):
        return "veeva"
    if "Clinical Trial Compass" in joined or ("Who can participate" in joined
                                              and "Age range" in joined):
        return "compass"
    if re.search(r"Clinical Study Identifier", joined):
        return "recruitment"
    if re.search(r"^Study details$", joined, re.MULTILINE) and re.search(
            r"^(?:Overview|Eligibility)$", joined, re.MULTILINE):
        return "summary_site"
    if _ctgov_paste_shape(_plain(lines)):
        return "ctgov_paste"
    return "generic"


def _ctgov_paste_shape(plain: list[str]) -> bool:
    """A ClinicalTrials.gov row pasted as lines: a ``TYPE: name`` line among the first few."""
    return any(_typed_interventions(ln) for ln in plain[1:6])


# ---- shared field parsers ----------------------------------------------------------------------


def status_of(text: str) -> tuple[str | None, str]:
    """Status at the start of ``text`` and what follows it (``RecruitingPhase 1/2``)."""
    m = _STATUS_RE.match(text.strip())
    if not m:
        return None, text
    return _STATUS_WORDS[m.group(1).lower()], m.group(2).strip()


def phases_of(text: str) -> tuple[str, ...]:
    t = text.strip()
    if not _PHASE_RE.match(t):
        return ()
    if t.lower() in ("not applicable", "n/a"):
        return ("NA",)
    t = re.sub(r"\b(i{1,3}|iv)\b", lambda m: _ROMAN[m.group(1).lower()], t, flags=re.IGNORECASE)
    if re.match(r"(?i)early", t):
        return ("EARLY_PHASE1",)
    return tuple(f"PHASE{d}" if d != "0" else "EARLY_PHASE1" for d in re.findall(r"[0-4]", t))


def ages_of(text: str) -> dict[str, Any]:
    """``18-70 years``, ``18 Years – 75 Years``, ``18 to 80 years old``, ``18+``."""
    if m := _AGE_RANGE.search(text):
        lo, hi = m.group(1), m.group(2)
        return {"min_age": f"{lo} Years", "max_age": f"{hi} Years",
                "min_age_years": parse_age(f"{lo} Years"),
                "max_age_years": parse_age(f"{hi} Years")}
    if m := _AGE_MIN.search(text):
        return {"min_age": f"{m.group(1)} Years", "min_age_years": parse_age(m.group(1))}
    return {}


def sex_of(text: str) -> str | None:
    return _SEX.get(text.strip().lower().rstrip("."))


def count_of(text: str) -> int | None:
    m = _COUNT.search(text)
    return enrollment_of(m.group(1)) if m else None


def enrollment_of(digits: str) -> int | None:
    """A count of participants the page writes in digits (``1,200``): one too large to be a
    count (``values.MAX_COUNT``) is a ``RecordError`` for the field, not a ``ValueError``."""
    return parse_field("enrollment", whole_number, digits)


def date_of(field: str, text: str) -> str | None:
    return parse_field(field, parse_date, text.strip().rstrip("."))


def _typed_interventions(text: str) -> tuple[Intervention, ...]:
    """``DRUG: x|BIOLOGICAL: y`` (CT.gov) or a single ``Biological: iNKT cells`` line."""
    out = []
    for part in text.split("|"):
        m = _IV_TYPED.match(part)
        if not m:
            return ()
        kind = enum_name(m.group(1))
        if kind == "GENETIC_BIOLOGICAL":
            kind = "GENETIC"
        if kind not in INTERVENTION_TYPES:
            return ()
        out.append(Intervention(type=kind, name=m.group(2).strip()))
    return tuple(out)


_MESH_MODIFIER = re.compile(r"^[A-Z][a-z][A-Za-z\-]+$")


def split_conditions(text: str) -> tuple[str, ...]:
    """Split a condition line; a MeSH-style inverted term (``Leukemia, Myeloid, Acute``) is one."""
    parts = [p.strip() for p in re.split(r"[|;]", text) if p.strip()]
    out: list[str] = []
    for part in parts:
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        inverted = len(pieces) > 1 and " " not in pieces[0] and all(
            _MESH_MODIFIER.match(p) for p in pieces[1:])
        out.extend([part] if inverted or len(pieces) <= 1 else pieces)
    return tuple(out)


# ---- blocks ------------------------------------------------------------------------------------


def _index(lines: list[str], pattern: str, start: int = 0) -> int | None:
    rx = re.compile(pattern, re.IGNORECASE)
    for i in range(start, len(lines)):
        if rx.match(lines[i].strip()):
            return i
    return None


def _block(lines: list[str], start: int, stop: Callable[[str], bool]) -> list[str]:
    """Lines after ``start`` up to the first one for which ``stop`` holds (blank lines kept)."""
    out = []
    for line in lines[start + 1:]:
        if line.strip() and stop(line.strip()):
            break
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    while out and not out[0].strip():
        out.pop(0)
    return out


def _paragraphs(lines: list[str]) -> str | None:
    text = "\n".join(ln.strip() for ln in lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text or None


def _labelled(lines: list[str], label: str, *, glued: bool = True) -> str | None:
    """The value after ``label``: on the same line (``SponsorX``, ``Sponsor: X``) or the next.

    ``label`` is a regular expression; ``glued`` allows the value to follow with no space.
    """
    sep = r"\s*:?\s*" if glued else r"(?:\s*:\s*|\s+|$)"
    rx = re.compile(rf"^(?:{label}){sep}(.*)$", re.IGNORECASE)
    for i, line in enumerate(lines):
        m = rx.match(_unbullet(line))
        if not m:
            continue
        rest = m.group(1).strip()
        if rest:
            return rest
        for nxt in lines[i + 1:]:
            if nxt.strip():
                return _unbullet(nxt)
    return None


def _unbullet(line: str) -> str:
    return line.strip().lstrip("•*·▪- ").strip()


_CRIT_END = re.compile(
    r"^(?:study details|how to participate\??|trial design|trial documents|trial contacts|"
    r"similar trials|contacts? and locations|locations?|outcome measures|study design|"
    r"sponsors?(?: and collaborators)?|more information|faqs?|references|step \d\b.*|"
    r"arms and interventions|participation requirements|collaborators and investigators)$",
    re.IGNORECASE,
)
_INCL = re.compile(r"^(?:key\s+)?inclusion criteria\s*:?\s*(.*)$", re.IGNORECASE)
_EXCL = re.compile(r"^(?:key\s+)?exclusion criteria\s*:?\s*(.*)$", re.IGNORECASE)


def criteria_text(lines: list[str]) -> str | None:
    """The inclusion and exclusion criteria in the ClinicalTrials.gov shape.

    ``Inclusion Criteria:`` then one ``* item`` a line (nested items indented), then
    ``Exclusion Criteria:`` likewise; a wrapped line joins the item it continues.
    """
    i_inc = next((i for i, ln in enumerate(lines) if _INCL.match(ln.strip())), None)
    i_exc = next((i for i, ln in enumerate(lines) if _EXCL.match(ln.strip())), None)
    if i_inc is None and i_exc is None:
        return None
    parts = []
    for idx, header, other in ((i_inc, "Inclusion Criteria:", i_exc),
                               (i_exc, "Exclusion Criteria:", i_inc)):
        if idx is None:
            continue
        first = (_INCL if header.startswith("Incl") else _EXCL).match(lines[idx].strip())
        end = len(lines)
        if other is not None and other > idx:
            end = other
        body = ([first.group(1)] if first and first.group(1) else []) + lines[idx + 1:end]
        items = _items(body)
        if items:
            parts.append(header + "\n\n" + "\n".join(items))
    return "\n\n".join(parts) or None


def _items(body: list[str]) -> list[str]:
    rows: list[tuple[int, str, bool]] = []  # (indent, text, had a marker)
    for line in body:
        s = line.strip()
        if not s:
            continue
        if _CRIT_END.match(s):
            break
        indent = len(line) - len(line.lstrip())
        m = _BULLET.match(s)
        text = s[m.end():].strip() if m else s
        if m and m.group(0)[0].isdigit():
            text = s  # keep the page's numbering ("7. ...")
        rows.append((indent, text, bool(m)))
    if not rows:
        return []
    marked = any(has for _, _, has in rows)
    out: list[list[Any]] = []
    base = min(ind for ind, _, has in rows if has or not marked)
    for indent, text, has in rows:
        if marked and not has and out:
            out[-1][1] += " " + text
            continue
        out.append([indent, text])
    result = []
    for indent, text in out:
        nested = indent > base
        if re.match(r"^\d{1,2}[.)]\s", text):
            result.append(("   " if nested else "") + text)
        else:
            result.append(("  " if nested else "") + "* " + text)
    return result


# ---- styles ------------------------------------------------------------------------------------


def _nct(lines: list[str], preferred: list[str]) -> str | None:
    """The page's NCT number: a labelled one first, else the only one the page names."""
    for text in preferred:
        if m := _NCT.search(text or ""):
            return m.group(0)
    found = list(dict.fromkeys(m.group(0) for ln in lines for m in _NCT.finditer(ln)))
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise RecordError("nct_id", "trial cannot be identified: the page names several NCT "
                                    f"numbers ({', '.join(found[:4])}) and labels none")
    return None


def _title_line(plain: list[str]) -> str | None:
    for line in plain:
        t = re.sub(r"\s*\|\s*[^|]{2,40}$", "", line)  # "... | Site name"
        t = re.sub(r"\s*\(NCT\d{8}\)\s*$", "", t).strip()
        if len(t.split()) >= 4 and not _NOISE.search(t):
            if t.endswith("…") or t.endswith("..."):
                prefix = t.rstrip("….").strip()
                full = next((ln for ln in plain if ln.startswith(prefix) and ln != line
                             and not ln.endswith("…")), None)
                t = full or t
            return t
    return None


def _recruitment(lines: list[str]) -> dict[str, Any]:
    """Recruitment site: title, bullet box (end date, sponsor), tags, summary, labelled lines."""
    plain = _plain(lines)
    f: dict[str, Any] = {"brief_title": _title_line(plain)}
    ident = _labelled(plain, "Clinical Study Identifier")
    f["nct_id"] = _nct(plain, [ident or ""])
    if end := _labelled(plain, "End date"):
        f["completion_date"] = date_of("End date", end)
    sponsor = _labelled(plain, "Sponsor")
    if sponsor:
        f["lead_sponsor"] = Sponsor(name=sponsor)
    upd = _labelled(plain, "Last Modified on") or _labelled(plain, "Updated on")
    if upd:
        f["last_update"] = date_of("Last Modified on", upd)
    if cond := _labelled(plain, "Conditions?", glued=False):
        f["conditions"] = split_conditions(cond)
    if treat := _labelled(plain, "Treatments?", glued=False):
        f["interventions"] = tuple(Intervention(name=t.strip()) for t in treat.split(",")
                                   if t.strip())
    for line in plain:
        if m := re.match(r"^\W*(\d[\d,]*)\s+participants needed", line, re.IGNORECASE):
            f["enrollment"] = enrollment_of(m.group(1))
    # tags and summary: between the "Updated on" line and the "Condition" line
    i_upd = _index(lines, r"updated on")
    i_cond = _index(lines, r"conditions?\s")
    if i_upd is not None and i_cond is not None and i_cond > i_upd:
        seg = lines[i_upd + 1:i_cond]
        text = _paragraphs(seg)
        paras = text.split("\n\n") if text else []
        tags = [p for p in paras if "\n" in p or len(p.split()) <= 6]
        summary = [p for p in paras if p not in tags]
        f["keywords"] = tuple(t for p in tags for t in p.split("\n") if t.strip())
        f["brief_summary"] = "\n\n".join(summary) or None
    f["eligibility"] = _eligibility(lines, {})
    return f


def _summary_site(lines: list[str]) -> dict[str, Any]:
    """AI-summary page: title, a status/ages/sex/phase box, Overview, Eligibility, Study details."""
    plain = _plain(lines)
    f: dict[str, Any] = {"brief_title": _title_line(plain)}
    box: dict[str, Any] = {}
    i_over = _index(lines, r"overview$") or len(lines)
    for line in plain[: max(1, len(_plain(lines[:i_over])))]:
        status, rest = status_of(line)
        if status and not rest:
            f["overall_status"] = status
        elif phases_of(line):
            f["phases"] = phases_of(line)
        elif sex_of(line):
            box["sex"] = sex_of(line)
        elif len(line) < 30 and (ages := ages_of(line)):
            box.update(ages)
    heads = r"(?:overview|description|eligibility|study details|inclusion criteria:?)$"
    if (i := _index(lines, r"overview$")) is not None:
        f["brief_summary"] = _paragraphs(_block(lines, i, lambda s: bool(re.match(heads, s, re.I))))
    if (i := _index(lines, r"description$")) is not None:
        f["detailed_description"] = _paragraphs(
            _block(lines, i, lambda s: bool(re.match(heads, s, re.I))))
    preferred: list[str] = []
    if (i := _index(lines, r"study details$")) is not None:
        details = _plain(lines[i + 1:])
        conds: list[str] = []
        j = 0
        while j < len(details) and not _NCT.fullmatch(details[j]):
            if _NCT.search(details[j]) or parse_date_or_none(details[j]):
                break
            conds.extend(split_conditions(details[j]))
            j += 1
        f["conditions"] = tuple(conds)
        if j < len(details) and _NCT.fullmatch(details[j]):
            preferred.append(details[j])
            after_nct = details[j + 1:j + 3]
            if after_nct and not parse_date_or_none(after_nct[0]) and not after_nct[
                    0].lower().startswith("step "):
                f["lead_sponsor"] = Sponsor(name=after_nct[0])
    f["nct_id"] = _nct(plain, preferred)
    f["eligibility"] = _eligibility(lines, box)
    return f


def parse_date_or_none(text: str) -> str | None:
    try:
        return parse_date(text)
    except ValueError:
        return None


def _compass(lines: list[str]) -> dict[str, Any]:
    """Clinical Trial Compass: ``Title (NCT…) | Clinical Trial Compass``, status+phase line,
    ``Country60 participantsStarted date``, summary, ``Who can participate``."""
    plain = _plain(lines)
    f: dict[str, Any] = {"brief_title": _title_line(plain)}
    f["nct_id"] = _nct(plain, [plain[0] if plain else ""])
    for line in plain[:8]:
        status, rest = status_of(line)
        if status and (not rest or phases_of(rest)):
            f["overall_status"] = status
            f["phases"] = phases_of(rest)
            break
        if phases_of(line):
            f["phases"] = phases_of(line)
    for line in plain[:10]:
        if m := re.search(r"^(.*?)(\d[\d,]*) participants?(?:Started (\S+))?", line):
            country = m.group(1).strip()
            if country:
                f["locations"] = tuple(Location(country=c.strip()) for c in country.split(",")
                                       if c.strip())
            f["enrollment"] = enrollment_of(m.group(2))
            if m.group(3):
                f["start_date"] = date_of("Started", m.group(3))
            break
    if (i := _index(lines, r"plain-language summary$")) is not None:
        f["brief_summary"] = _paragraphs(_block(
            lines, i, lambda s: bool(re.match(r"who can participate|inclusion criteria", s, re.I))))
    box: dict[str, Any] = {}
    if ages := _labelled(plain, "Age range"):
        box.update(ages_of(ages))
    if sex := _labelled(plain, "Sex"):
        box["sex"] = sex_of(sex)
    f["eligibility"] = _eligibility(lines, box)
    return f


_VEEVA_HEADS = (
    "Status and phase", "Conditions", "Treatments", "Study type", "Funder types", "Identifiers",
    "Details and patient eligibility", "About", "Full description", "Enrollment", "Sex", "Ages",
    "Volunteers", "Inclusion criteria", "Exclusion criteria", "Trial design", "Primary purpose",
    "Allocation", "Interventional model", "Masking", "Trial documents",
    "Trial contacts and locations", "Central trial contact", "Clinical trials", "Sponsor",
)
_VEEVA_HEAD_RE = re.compile("^(?:" + "|".join(re.escape(h) for h in _VEEVA_HEADS) + ")$",
                            re.IGNORECASE)


def _veeva_section(lines: list[str], head: str) -> list[str]:
    i = _index(lines, re.escape(head) + "$")
    if i is None:
        return []
    return _block(lines, i, lambda s: bool(_VEEVA_HEAD_RE.match(s)) or
                  bool(re.match(r"^\d+ participants in \d+ patient groups?$", s)))


def _veeva(lines: list[str]) -> dict[str, Any]:
    """ClinicalTrials.Veeva: headed sections (``Status and phase``, ``Treatments``, ...)."""
    plain = _plain(lines)
    f: dict[str, Any] = {}
    body = [ln for ln in plain if ln not in ("ClinicalTrials.Veeva",)]
    f["brief_title"] = _title_line(body)
    # the sponsor is named right under the title (after its logo's alt text)
    if f["brief_title"] and f["brief_title"] in plain:
        after = plain[plain.index(f["brief_title"]) + 1:plain.index(f["brief_title"]) + 4]
        names = [a for a in after if not a.lower().endswith(" logo")
                 and not _VEEVA_HEAD_RE.match(a)]
        if names and not _VEEVA_HEAD_RE.match(names[0]):
            f["lead_sponsor_name"] = names[0]
    for line in _plain(_veeva_section(lines, "Status and phase")):
        status, rest = status_of(line)
        if status and not rest:
            f["overall_status"] = status
        elif phases_of(line):
            f["phases"] = f.get("phases", ()) + phases_of(line)
    f["conditions"] = tuple(c for ln in _plain(_veeva_section(lines, "Conditions"))
                            for c in split_conditions(ln))
    ivs = [iv for ln in _plain(_veeva_section(lines, "Treatments"))
           for iv in (_typed_interventions(ln) or (Intervention(name=ln),))]
    st = _plain(_veeva_section(lines, "Study type"))
    if st:
        f["study_type"] = enum_name(st[0])
    funder = _plain(_veeva_section(lines, "Funder types"))
    ids = _plain(_veeva_section(lines, "Identifiers"))
    f["nct_id"] = _nct(plain, ids)
    f["secondary_ids"] = tuple(i for i in ids if not _NCT.fullmatch(i))
    if name := f.pop("lead_sponsor_name", None):
        cls = _FUNDER.get(enum_name(funder[0]) or "") if funder else None
        f["lead_sponsor"] = Sponsor(name=name, sponsor_class=cls)
    f["brief_summary"] = _paragraphs(_veeva_section(lines, "About"))
    f["detailed_description"] = _paragraphs(_veeva_section(lines, "Full description"))
    if enr := _plain(_veeva_section(lines, "Enrollment")):
        f["enrollment"] = count_of(enr[0])
    box: dict[str, Any] = {}
    if sex := _plain(_veeva_section(lines, "Sex")):
        box["sex"] = sex_of(sex[0])
    if ages := _plain(_veeva_section(lines, "Ages")):
        box.update(ages_of(ages[0]))
    if vol := _plain(_veeva_section(lines, "Volunteers")):
        box["healthy_volunteers"] = not vol[0].lower().startswith("no")
    for head, key in (("Primary purpose", "primary_purpose"), ("Allocation", "allocation"),
                      ("Interventional model", "intervention_model"), ("Masking", "masking")):
        val = _plain(_veeva_section(lines, head))
        if val:
            name = enum_name(re.sub(r"\(.*\)", "", val[0])) or ""
            f[key] = _DESIGN.get(key, {}).get(name, name)
    arms = _veeva_arms(lines)
    f["arms"] = arms
    labels: dict[str, list[str]] = {}
    for arm in arms:
        for n in arm.intervention_names:
            labels.setdefault(n, []).append(arm.label)
    f["interventions"] = tuple(
        iv.model_copy(update={"arm_labels": tuple(labels.get(iv.name, ()))}) for iv in ivs)
    if m := next((re.match(r"^(\d+) participants in", ln) for ln in plain
                  if re.match(r"^\d+ participants in", ln)), None):
        f.setdefault("enrollment", enrollment_of(m.group(1)))
    f["eligibility"] = _eligibility(lines, box)
    return f


def _veeva_arms(lines: list[str]) -> tuple[Arm, ...]:
    i = _index(lines, r"\d+ participants in \d+ patient groups?$")
    if i is None:
        return ()
    body = _plain(_block(lines, i, lambda s: bool(_VEEVA_HEAD_RE.match(s))))
    arms: list[Arm] = []
    j = 0
    while j < len(body):
        label = body[j]
        if j + 1 >= len(body) or not body[j + 1].lower().endswith("group"):
            j += 1
            continue
        kind = enum_name(body[j + 1][: -len("group")]) or "OTHER"
        j += 2
        desc: list[str] = []
        names: list[str] = []
        mode = None
        while j < len(body):
            ln = body[j]
            if j + 1 < len(body) and body[j + 1].lower().endswith(" group") and mode == "treat" \
                    and not _typed_interventions(ln):
                break
            if ln.lower() == "description:":
                mode = "desc"
            elif ln.lower() == "treatment:":
                mode = "treat"
            elif mode == "treat" and (ivs := _typed_interventions(ln)):
                names.extend(iv.name for iv in ivs)
            elif mode == "desc":
                desc.append(ln)
            else:
                break
            j += 1
        arms.append(Arm(label=label, type=kind if kind in _ARM_TYPES else "OTHER",
                        description=" ".join(desc) or None, intervention_names=tuple(names)))
    return tuple(arms)


def _ctgov_paste(lines: list[str]) -> dict[str, Any]:
    """A ClinicalTrials.gov CSV row pasted one column a line, no headers and no NCT number:
    title, brief summary, conditions, interventions, primary and secondary outcomes, then the
    detailed description."""
    plain = _plain(lines)
    f: dict[str, Any] = {"nct_id": _nct(plain, [])}
    i_iv = next(i for i, ln in enumerate(plain) if _typed_interventions(ln))
    f["brief_title"] = plain[0] if i_iv >= 1 else None
    if i_iv >= 3:
        f["brief_summary"] = plain[1]
    if i_iv >= 2:
        f["conditions"] = split_conditions(plain[i_iv - 1])
    f["interventions"] = _typed_interventions(plain[i_iv])
    rest = plain[i_iv + 1:]
    outcome_lines = []
    for ln in rest:
        outs = outcomes_of(ln)
        if not outs:
            break
        outcome_lines.append(outs)
    if outcome_lines:
        f["primary_outcomes"] = outcome_lines[0]
    if len(outcome_lines) > 1:
        f["secondary_outcomes"] = outcome_lines[1]
    at = [i for i, ln in enumerate(lines) if ln.strip()]  # plain index -> line index
    first_desc = i_iv + 1 + len(outcome_lines)
    if first_desc < len(plain):
        f["detailed_description"] = _paragraphs(lines[at[first_desc]:])
    f["eligibility"] = _eligibility(lines, {})
    return f


_TIME_FRAME = re.compile(
    r"^(?:up to |within |through |at |from |baseline|day|week|month|year|\d|"
    r"approximately |about |end of |until |after |[\w\s-]*\d+\s*(?:days?|weeks?|months?|years?))",
    re.IGNORECASE)


def outcomes_of(text: str) -> tuple[Outcome, ...]:
    """``measure, description, time frame|...``; every part must end with a time frame."""
    out = []
    for part in text.split("|"):
        pieces = [p.strip() for p in part.split(",")]
        if len(pieces) < 2 or not _TIME_FRAME.match(pieces[-1]) or len(pieces[-1]) > 80:
            return ()
        measure = pieces[0]
        desc = ", ".join(pieces[1:-1]) or None
        out.append(Outcome(measure=measure, description=desc, time_frame=pieces[-1]))
    return tuple(out)


def _generic(lines: list[str]) -> dict[str, Any]:
    """Any other page: labelled lines only (``Status:``, ``Phase:``, ``Sponsor:``, ...)."""
    plain = _plain(lines)
    labelled_id = (_labelled(plain, "NCT Number", glued=False)
                   or _labelled(plain, "ClinicalTrials.gov ID", glued=False)
                   or _labelled(plain, "Identifier", glued=False) or "")
    f: dict[str, Any] = {"nct_id": _nct(plain, [labelled_id])}
    f["brief_title"] = _labelled(plain, "(?:Study |Brief |Official )?Title", glued=False) or (
        _title_line(plain) if f["nct_id"] else None)
    if s := _labelled(plain, "(?:Overall |Recruitment )?Status", glued=False):
        f["overall_status"] = status_of(s)[0]
    if p := _labelled(plain, "Phases?", glued=False):
        f["phases"] = phases_of(p)
    if s := _labelled(plain, "(?:Lead )?Sponsor", glued=False):
        f["lead_sponsor"] = Sponsor(name=s)
    if c := _labelled(plain, "Conditions?", glued=False):
        f["conditions"] = split_conditions(c)
    if iv := _labelled(plain, "(?:Interventions?|Treatments?)", glued=False):
        f["interventions"] = _typed_interventions(iv) or tuple(
            Intervention(name=x.strip()) for x in iv.split("|") if x.strip())
    if e := _labelled(plain, "(?:Enrollment|Participants)", glued=False):
        f["enrollment"] = count_of(e) or (enrollment_of(e) if e.isdecimal() else None)
    box: dict[str, Any] = {}
    if a := _labelled(plain, "Ages?(?: range)?", glued=False):
        box.update(ages_of(a))
    if s := _labelled(plain, "(?:Sex|Gender)", glued=False):
        box["sex"] = sex_of(s)
    f["eligibility"] = _eligibility(lines, box)
    return f


def _eligibility(lines: list[str], box: dict[str, Any]) -> Eligibility | None:
    criteria = criteria_text(lines)
    box = {k: v for k, v in box.items() if v is not None}
    if not criteria and not box:
        return None
    return Eligibility(criteria=criteria, **box)


_STYLES: dict[str, Callable[[list[str]], dict[str, Any]]] = {
    "recruitment": _recruitment, "summary_site": _summary_site, "compass": _compass,
    "veeva": _veeva, "ctgov_paste": _ctgov_paste, "generic": _generic,
}

__all__ = ["FORMAT", "read", "page_to_record", "clean_lines", "criteria_text", "outcomes_of",
           "split_conditions"]
