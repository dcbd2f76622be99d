"""ClinicalTrials.gov API v2 JSON: one study, a JSON array (the website's "Download JSON"),
an API page (``{"studies": [...], "nextPageToken": ...}``) or JSON Lines; streamed with ijson."""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import sys
from array import array
from collections.abc import Callable, Container, Iterator
from contextlib import contextmanager
from functools import partial
from itertools import accumulate
from typing import Any, BinaryIO

import ijson
import orjson
from celltx.loaders.ctgov_v2_shape import shape_error
from celltx.loaders.records import RecordError, build_record, field_reject, parse_field, reject
from celltx.loaders.sources import SNIFF_BYTES, SourceFile, open_utf8, read_head
from celltx.loaders.values import (
    bounded_number,
    parse_age,
    parse_date,
    shown,
    whole_number,
)
from pydantic import ValidationError

from celltx.models import (
    STUDY_TYPE_WORD,
    Arm,
    Eligibility,
    Intervention,
    Location,
    Outcome,
    Provenance,
    Reject,
    Screened,
    SourceFormat,
    Sponsor,
    TrialRecord,
    UnreadableFileError,
)

FORMAT = SourceFormat.CTGOV_V2_JSON
MAX_RECORD_ENV = "CELLTX_MAX_RECORD_MB"
DEFAULT_MAX_RECORD_MB = 64
"""A real study is at most a few MiB; one over the cap is a reject and reading that file stops,
so a runaway value (a 10 GB string, an endless array) never fills memory."""


def max_record_bytes() -> int:
    """The cap on one record's bytes: ``$CELLTX_MAX_RECORD_MB`` MiB (default 64)."""
    try:
        return max(1, int(os.environ.get(MAX_RECORD_ENV, DEFAULT_MAX_RECORD_MB))) << 20
    except ValueError:
        return DEFAULT_MAX_RECORD_MB << 20


class RecordTooLargeError(Exception):
    """More bytes than the cap were read without a record ending."""


class LongNumberError(Exception):
    """A number too long for the C parser is coming (it crashes the process on one)."""


class NestingTooDeepError(Exception):
    """Arrays and objects nested more than ``MAX_DEPTH`` levels deep."""


MAX_DEPTH = 64
"""How deep arrays and objects may nest in a streamed file (``STUDY_DEPTH`` in a real one).
ijson keeps the path to every open level as a string (``item.item.…``), so its memory grows
with the square of the depth: a file of 100,000 ``[`` took 24 GB. A deeper record is a reject
and reading that file stops there. (A small file read whole is parsed by orjson, which refuses
more than 1,024 levels: such a file is then streamed, and refused here.)"""
STUDY_DEPTH = 12
"""The deepest a ClinicalTrials.gov study nests (its results included)."""

_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'"[]{}')
_STEPS = bytes(1 if b in b"[{" else 255 if b in b"]}" else 0 for b in range(256))
"""A translation table: an opening bracket to 1, a closing one to -1 (as a signed byte)."""


class _Nesting:
    """The nesting depth of JSON read chunk by chunk, outside strings, followed at C speed (by
    ``re``, ``bytes.translate`` and ``itertools.accumulate``: about a third of what the C
    parser spends on the same bytes); byte by byte only within a chunk that passes the limit,
    to find where."""

    def __init__(self, limit: int = MAX_DEPTH) -> None:
        self.limit = limit
        self.depth = 0
        self.in_string = False
        self.escaped = False
        """The previous chunk ended with the backslash of an escape."""

    def feed(self, chunk: bytes) -> int | None:
        """Follow ``chunk``: None while the depth stays within the limit, else the length of
        the part of the chunk before the bracket that passes it."""
        start = (self.depth, self.in_string, self.escaped)
        data = chunk[1:] if self.escaped else chunk
        self.escaped = False
        if b"\\" in data:
            data = _ESCAPE.sub(b"", data)  # (a quote left is a string's start or end)
            self.escaped = data.endswith(b"\\")
        parts = data.translate(None, _NOT_STRUCTURE).split(b'"')
        outside = b"".join(parts[1::2] if self.in_string else parts[0::2])
        self.in_string ^= len(parts) % 2 == 0
        steps = array("b", outside.translate(_STEPS))
        if (self.depth + len(steps) > self.limit
                and max(accumulate(steps, initial=self.depth)) > self.limit):
            return self._passed_at(chunk, *start)
        self.depth += sum(steps)
        return None

    def _passed_at(self, chunk: bytes, depth: int, in_string: bool, escaped: bool) -> int:
        """Where in ``chunk``, read from that state, the depth passes the limit."""
        for at, byte in enumerate(chunk):
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = not in_string
            elif not in_string and byte in b"[{":
                depth += 1
                if depth > self.limit:
                    return at
            elif not in_string and byte in b"]}":
                depth -= 1
        return len(chunk)  # (not reached: the fast path saw the limit passed)


_DIGITS_AS_ONES = bytes(0x31 if 0x30 <= b <= 0x39 else 0x30 for b in range(256))
"""A translation table: each ASCII digit to ``1``, any other byte to ``0``."""


def _has_digit_run(data: bytes, run: bytes) -> bool:
    """Whether ``data`` holds ``len(run)`` ASCII digits in a row (``run`` is that many ``1``),
    as the regex ``rb"[0-9]{n}"`` would find, by a translation and a substring search: over
    ten times faster than the regex, which took longer to scan a study than orjson to parse
    it."""
    return run in data.translate(_DIGITS_AS_ONES)


_LONG_NUMBER = b"1" * 4000
"""A run of digits longer than Python converts by default (4,300): yajl2_c, asked to convert
one inside an API page, kills the process with a segmentation fault (``_has_digit_run``)."""


class _Budget:
    """A byte stream that raises :class:`RecordTooLargeError` once more than ``limit`` bytes
    are read since the last :meth:`spent` (called as each record ends), and, for the C parser,
    :class:`LongNumberError` before handing it a run of thousands of digits. Arrays and objects
    nested more than ``MAX_DEPTH`` deep are never handed to the parser: it is given the bytes
    before the bracket that nests too deep (so that it yields the records before it), and the
    next read raises :class:`NestingTooDeepError`."""

    def __init__(self, raw: BinaryIO, limit: int, guard_numbers: bool) -> None:
        self._raw = raw
        self.limit = limit
        self._used = 0
        self._guard = guard_numbers
        self._tail = b""
        self._nesting = _Nesting()
        self._too_deep = False

    def read(self, size: int = -1) -> bytes:
        if self._too_deep:
            raise NestingTooDeepError
        chunk = self._raw.read(size if size is not None and size >= 0 else 1 << 16)
        self._used += len(chunk)
        if self._used > self.limit:
            raise RecordTooLargeError
        if self._guard:
            window = self._tail + chunk  # (a run may begin in the previous chunk)
            if _has_digit_run(window, _LONG_NUMBER):
                raise LongNumberError
            self._tail = window[-4000:]
        cut = self._nesting.feed(chunk)
        if cut is not None:
            self._too_deep = True
            if not cut:
                raise NestingTooDeepError
            return chunk[:cut]
        return chunk

    def spent(self) -> None:
        self._used = 0


def read(source: SourceFile, head: bytes | None = None,
         screen: Callable[[str], bool] | None = None,
         only: Container[int] | None = None) -> Iterator[TrialRecord | Reject | Screened]:
    """Yield a record or a reject for every study in ``source`` (or, with ``screen``, a
    ``Screened`` for a study whose free text ``screen`` rules out, before validating it; with
    ``only``, for every study whose index is not in it, however it is written: what ends the
    file early is still a reject)."""
    head = read_head(source) if head is None else head

    def record(study: Any, index: int) -> TrialRecord | Reject | Screened:
        if (only is not None and index not in only) or (
                screen is not None and _screened_out(study, screen)):
            nct = _get(study, "protocolSection", "identificationModule", "nctId")
            return Screened(path=source.path, record=index,
                            nct_id=nct if isinstance(nct, str) else None)
        return study_to_record(study, Provenance(path=source.path, format=FORMAT, record=index))

    whole = _whole_file_values(head)
    if whole is not None:  # a small, clean file: parsed at once, as most bulk-download members
        for index, study in enumerate(whole):
            yield record(study, index)
        return
    index = 0
    done = 0
    backend: Any = ijson
    limit = max_record_bytes()
    while True:
        with open_utf8(source, head) as raw, _long_integers(backend is not ijson):
            text = _Budget(raw, limit, guard_numbers=backend is ijson)
            try:
                for index, study in enumerate(_iter_values(text, head, backend)):
                    text.spent()
                    if index < done:
                        continue  # yielded before the fast parser gave up
                    yield record(study, index)
                    done = index + 1
                return
            except LongNumberError:
                backend = ijson.get_backend("python")  # reads on from the record after `done`
                continue
            except NestingTooDeepError:
                failed_at = done
                reason = (f"arrays and objects nested more than {MAX_DEPTH} levels deep (a "
                          f"study nests {STUDY_DEPTH} at most); {done} complete records before "
                          "it were kept and the rest of the file was not read")
                break
            except RecordTooLargeError:
                failed_at = done
                reason = (f"record {done} is larger than {limit >> 20} MiB "
                          f"(${MAX_RECORD_ENV}); {done} complete records before it were kept "
                          "and the rest of the file was not read")
                break
            except (ijson.JSONError, UnicodeDecodeError, ValueError) as exc:
                if backend is ijson and ("integer overflow" in str(exc)
                                         or "Exceeds the limit" in str(exc)):
                    # an integer over 64 bits: the C parser cannot hold it, Python's can
                    backend = ijson.get_backend("python")
                    continue
                failed_at = index + 1 if index or _seen_any(exc) else 0
                # the C parser's message carries a caret drawing over several lines
                detail = str(exc).strip().splitlines()[0].strip() if str(exc).strip() else ""
                reason = (f"malformed or truncated JSON after {done} complete "
                          f"record{'s' if done != 1 else ''} (kept): {detail or type(exc).__name__}"
                          "; the rest of the file is lost")
                break
    if failed_at == 0 and not head.strip():
        raise UnreadableFileError(source.path, "empty file")
    yield Reject(path=source.path, format=FORMAT, record=failed_at, reason=reason)


def _whole_file_values(head: bytes) -> list[Any] | None:
    """The studies of a file that ``head`` holds whole, when it is clean UTF-8 JSON (one study,
    an array of studies or an API page) that the standard parser reads at once; None sends the
    file down the streaming path, which also explains whatever is wrong with it."""
    if len(head) >= SNIFF_BYTES:
        return None  # maybe more than the head
    try:
        value = _parse_whole(head)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and "protocolSection" in value:
        return [value]
    if isinstance(value, dict) and isinstance(value.get("studies"), list):
        return list(value["studies"])
    return None


def _parse_whole(head: bytes) -> Any:
    """``json.loads`` of a whole file, by orjson (a bulk-download member is parsed in half the
    time) where it gives the same value: not when an integer may pass 64 bits, which orjson
    reads as a float, nor for what it refuses (NaN, 1e400, lone surrogates, deep nesting),
    which Python's parser reads or refuses as before. Python's parser refuses, and never
    crashes on, an integer of 5,000 digits."""
    body = head.removeprefix(codecs.BOM_UTF8)
    if not _has_digit_run(body, _LONG_DIGITS):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    return json.loads(head.decode("utf-8-sig"), parse_constant=_no_constant)


_LONG_DIGITS = b"1" * 19
"""A run of digits that, as a number, may not fit 64 bits (``_has_digit_run``)."""


def _no_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")  # NaN and Infinity, which ijson refuses too


def _screened_out(study: Any, screen: Callable[[str], bool]) -> bool:
    """Whether ``screen`` rules out the study's text. What is not a study (not an object, or
    without a ``protocolSection`` object) or cannot be one (text nested deeper than
    ``MAX_DEPTH``) is not screened: it is validated, and rejected naming the field."""
    if not (isinstance(study, dict) and isinstance(study.get("protocolSection"), dict)):
        return False
    try:
        return not screen(study_text(study))
    except NestingTooDeepError:
        return False


def study_text(study: Any) -> str:
    """Every free text of a raw study that ``annotate.record_text`` reads of its record (and a
    little more: any value, whatever its type), joined; what a screen looks at."""
    ps = study.get("protocolSection") if isinstance(study, dict) else None
    if not isinstance(ps, dict):
        return ""
    parts: list[Any] = [
        _get(ps, "identificationModule", "briefTitle"),
        _get(ps, "identificationModule", "officialTitle"),
        _get(ps, "identificationModule", "acronym"),
        _get(ps, "descriptionModule", "briefSummary"),
        _get(ps, "descriptionModule", "detailedDescription"),
        _get(ps, "conditionsModule", "keywords"),
        _get(ps, "conditionsModule", "conditions"),
    ]
    for key, fields in (("interventions", ("name", "description", "otherNames")),
                        ("armGroups", ("label", "description"))):
        items = _get(ps, "armsInterventionsModule", key)
        for item in items if isinstance(items, list) else [items]:
            parts += [item.get(f) for f in fields] if isinstance(item, dict) else [item]
    out: list[str] = []
    _add_texts(parts, out)
    study_type = _get(ps, "designModule", "studyType")
    if study_type:
        out.append(f"{STUDY_TYPE_WORD} {study_type}")  # as annotate.record_text writes it
    return "\n".join(out)


def _add_texts(value: Any, out: list[str], depth: int = 0) -> None:
    """Every string in ``value`` (and any other value, as a string), into ``out``; raises
    ``NestingTooDeepError`` deeper than ``MAX_DEPTH`` levels (orjson reads up to 1,024, where
    the recursion would end in a ``RecursionError``)."""
    if depth > MAX_DEPTH:
        raise NestingTooDeepError
    if type(value) is str:
        out.append(value)
    elif isinstance(value, list):
        for v in value:
            if type(v) is str:
                out.append(v)
            elif v is not None:
                _add_texts(v, out, depth + 1)
    elif isinstance(value, dict):
        _add_texts(list(value.values()), out, depth + 1)
    elif value is not None:
        out.append(str(value))


@contextmanager
def _long_integers(allowed: bool) -> Iterator[None]:
    """Let Python's parser read integers of any length (the fallback after the C parser stopped
    at one): the limit on digits would otherwise end the file there."""
    if not allowed:
        yield
        return
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(before)


def _seen_any(exc: Exception) -> bool:
    return bool(getattr(exc, "_celltx_seen", False))


def _iter_values(text: Any, head: bytes, backend: Any = ijson) -> Iterator[Any]:
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"["):
        yield from backend.items(text, "item", use_float=True)
    elif _is_api_page(stripped):
        yield from backend.items(text, "studies.item", use_float=True)
    else:
        yield from backend.items(text, "", multiple_values=True, use_float=True)


def _is_api_page(head: bytes) -> bool:
    """Whether the first top-level object has a ``studies`` key (in any position, e.g. after
    ``totalCount``), as an API page does; a single study has ``protocolSection`` instead."""
    # the C parser converts every number of the head it is given: a run of thousands of digits
    # would crash it, so such a head is read by the Python backend
    backend: Any = (ijson.get_backend("python") if _has_digit_run(head, _LONG_NUMBER)
                    else ijson)
    cut = _Nesting().feed(head)  # (nor is it given what nests too deep: see ``MAX_DEPTH``)
    if cut is not None:
        head = head[:cut]
    try:
        for prefix, event, value in backend.parse(io.BytesIO(head), multiple_values=True):
            if prefix == "" and event == "map_key":
                if value == "studies":
                    return True
                if value == "protocolSection":
                    return False
            elif prefix == "" and event == "end_map":
                return False
    except (ijson.JSONError, ValueError):
        return False  # the head ends inside the first value: read it as whole values
    return False


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _strs(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value if v is not None and str(v).strip())


def study_to_record(study: Any, prov: Provenance) -> TrialRecord | Reject:
    """Map one API v2 study object to a record; any field problem becomes a reject."""
    if not isinstance(study, dict):
        return reject(prov, f"not a ClinicalTrials.gov API v2 study: {_kind(study)} where a "
                            "study object (with a protocolSection) is expected")
    if not isinstance(study.get("protocolSection"), dict):
        found = ("missing" if "protocolSection" not in study
                 else f"is {_kind(study['protocolSection'])}, not an object")
        return reject(prov, f"not a ClinicalTrials.gov API v2 study: protocolSection {found}",
                      field="protocolSection")
    ps = study["protocolSection"]
    nct = _get(ps, "identificationModule", "nctId")
    wrong = shape_error(study)
    if wrong is not None:
        return reject(prov, wrong[1], field=wrong[0], nct_id=nct if isinstance(nct, str) else None)
    last_update = None
    try:
        last_update = parse_field("lastUpdatePostDate", parse_date,
                                  _get(ps, "statusModule", "lastUpdatePostDateStruct", "date"))
        fields = _fields(ps, study)
    except (RecordError, ValidationError) as exc:
        return field_reject(prov, exc, nct_id=nct)
    prov = prov.model_copy(update={"last_update": last_update})
    return build_record(prov, fields)


def _kind(value: Any) -> str:
    """What a JSON value is, for a message: ``text 'CAR-T'``, ``a list``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, list | dict):
        return "a list" if isinstance(value, list) else "an object"
    if isinstance(value, str):
        return f"text {shown(value)}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"a number {shown(value)}"


def _fields(ps: dict[str, Any], study: dict[str, Any]) -> dict[str, Any]:
    ident = ps.get("identificationModule") or {}
    status = ps.get("statusModule") or {}
    sponsors = ps.get("sponsorCollaboratorsModule") or {}
    desc = ps.get("descriptionModule") or {}
    conds = ps.get("conditionsModule") or {}
    design = ps.get("designModule") or {}
    arms_mod = ps.get("armsInterventionsModule") or {}
    outcomes = ps.get("outcomesModule") or {}
    elig = ps.get("eligibilityModule") or {}
    locs = ps.get("contactsLocationsModule") or {}
    derived = study.get("derivedSection") or {}

    def date_of(name: str, struct: str) -> str | None:
        return parse_field(name, parse_date, _get(status, struct, "date"))

    lead = sponsors.get("leadSponsor")
    info = design.get("designInfo") or {}
    enrollment = design.get("enrollmentInfo") or {}
    secondary = tuple(
        s["id"] for s in (ident.get("secondaryIdInfos") or [])
        if isinstance(s, dict) and s.get("id")
    )
    org_study_id = _get(ident, "orgStudyIdInfo", "id")
    return {
        "nct_id": ident.get("nctId"),
        "secondary_ids": ((org_study_id,) if org_study_id else ()) + secondary,
        "brief_title": ident.get("briefTitle"),
        "official_title": ident.get("officialTitle"),
        "acronym": ident.get("acronym"),
        "overall_status": status.get("overallStatus"),
        "last_known_status": status.get("lastKnownStatus"),
        "start_date": date_of("startDate", "startDateStruct"),
        "start_date_type": _get(status, "startDateStruct", "type"),
        "primary_completion_date": date_of("primaryCompletionDate", "primaryCompletionDateStruct"),
        "completion_date": date_of("completionDate", "completionDateStruct"),
        "first_posted": date_of("studyFirstPostDate", "studyFirstPostDateStruct"),
        "last_update": date_of("lastUpdatePostDate", "lastUpdatePostDateStruct"),
        "phases": _strs(design.get("phases")),
        "study_type": design.get("studyType"),
        "allocation": info.get("allocation"),
        "intervention_model": info.get("interventionModel"),
        "masking": _get(info, "maskingInfo", "masking"),
        "primary_purpose": info.get("primaryPurpose"),
        "enrollment": parse_field("enrollmentInfo.count", whole_number,
                                  enrollment.get("count")),
        "enrollment_type": enrollment.get("type"),
        "conditions": _strs(conds.get("conditions")),
        "condition_mesh_terms": tuple(
            m["term"] for m in (_get(derived, "conditionBrowseModule", "meshes") or [])
            if isinstance(m, dict) and m.get("term")
        ),
        "keywords": _strs(conds.get("keywords")),
        "interventions": tuple(
            Intervention(
                type=i.get("type"), name=i["name"], other_names=_strs(i.get("otherNames")),
                description=i.get("description"), arm_labels=_strs(i.get("armGroupLabels")),
            )
            for i in (arms_mod.get("interventions") or []) if isinstance(i, dict) and i.get("name")
        ),
        "arms": tuple(
            Arm(label=a["label"], type=a.get("type"), description=a.get("description"),
                intervention_names=_strs(a.get("interventionNames")))
            for a in (arms_mod.get("armGroups") or []) if isinstance(a, dict) and a.get("label")
        ),
        "lead_sponsor": Sponsor(name=lead["name"], sponsor_class=lead.get("class"))
        if isinstance(lead, dict) and lead.get("name") else None,
        "collaborators": tuple(
            Sponsor(name=c["name"], sponsor_class=c.get("class"))
            for c in (sponsors.get("collaborators") or []) if isinstance(c, dict) and c.get("name")
        ),
        "eligibility": Eligibility(
            criteria=elig.get("eligibilityCriteria"),
            sex=elig.get("sex"),
            min_age=elig.get("minimumAge"),
            max_age=elig.get("maximumAge"),
            min_age_years=parse_field("minimumAge", parse_age, elig.get("minimumAge")),
            max_age_years=parse_field("maximumAge", parse_age, elig.get("maximumAge")),
            healthy_volunteers=elig.get("healthyVolunteers"),
            std_ages=_strs(elig.get("stdAges")),
        ),
        "primary_outcomes": _outcomes(outcomes.get("primaryOutcomes")),
        "secondary_outcomes": _outcomes(outcomes.get("secondaryOutcomes")),
        "locations": tuple(_location(loc) for loc in (locs.get("locations") or [])
                           if isinstance(loc, dict)),
        "brief_summary": desc.get("briefSummary"),
        "detailed_description": desc.get("detailedDescription"),
    }


def _outcomes(items: Any) -> tuple[Outcome, ...]:
    return tuple(
        Outcome(measure=o["measure"], description=o.get("description"),
                time_frame=o.get("timeFrame"))
        for o in (items or []) if isinstance(o, dict) and o.get("measure")
    )


def _location(loc: dict[str, Any]) -> Location:
    geo = loc.get("geoPoint") or {}
    return Location(
        facility=loc.get("facility"), city=loc.get("city"), state=loc.get("state"),
        zip=loc.get("zip"), country=loc.get("country"), status=loc.get("status"),
        lat=parse_field("geoPoint.lat", partial(bounded_number, limit=90), geo.get("lat")),
        lon=parse_field("geoPoint.lon", partial(bounded_number, limit=180), geo.get("lon")),
    )
