"""The retired ct2 XML (``<clinical_study>``, public.xsd), one study per file or several under a
``<clinical_studies>`` wrapper; streamed with ``iterparse``, each study freed once read.

Display values (``Phase 1/Phase 2``, ``Unknown status``, ``Anticipated``, ``U.S. Fed``) become
API v2 enums; dates keep their precision (``March 2018`` -> ``2018-03``); text blocks lose the
XML's indentation, nothing else.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import IO, Any

from celltx.loaders.records import RecordError, build_record, field_reject, parse_field
from celltx.loaders.sources import SourceFile, open_utf8
from celltx.loaders.values import (
    design_value,
    enrollment_type,
    enum_name,
    parse_age,
    parse_count,
    parse_date,
    parse_phases,
    parse_sex,
    parse_status,
    parse_study_type,
    sponsor_class,
)
from celltx.loaders.xml_elements import read_elements
from pydantic import ValidationError

from celltx.models import (
    OVERALL_STATUSES,
    STUDY_TYPES,
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
)

FORMAT = SourceFormat.CTGOV_XML
STUDY = "clinical_study"
WRAPPER = "clinical_studies"
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=", re.IGNORECASE)


def read(source: SourceFile, head: bytes) -> Iterator[TrialRecord | Reject]:
    """Yield a record or a reject for every ``<clinical_study>`` in ``source``."""
    stream: IO[bytes]
    if _DECLARED_ENCODING.match(head.lstrip(b"\xef\xbb\xbf")):
        stream = source.open()  # the parser honours the declared encoding
    else:
        stream = open_utf8(source, head)
    yield from read_elements(source.path, stream, FORMAT, STUDY, study_to_record,
                             wrapper=WRAPPER)


def _text(elem: ET.Element | None, path: str | None = None) -> str | None:
    node = elem if path is None or elem is None else elem.find(path)
    if node is None:
        return None
    if len(node) and node.find("textblock") is not None:
        node = node.find("textblock")
    value = (node.text or "") if node is not None else ""
    value = textwrap.dedent(value).strip() if "\n" in value else value.strip()
    return value or None


def _texts(elem: ET.Element, path: str) -> tuple[str, ...]:
    return tuple(v for node in elem.findall(path) if (v := _text(node)))


def study_to_record(study: ET.Element, prov: Provenance) -> TrialRecord | Reject:
    """Map one ``<clinical_study>`` to a record; a field problem becomes a reject naming the
    element."""
    nct = _text(study, "id_info/nct_id")
    try:
        fields = _fields(study)
    except (RecordError, ValidationError) as exc:
        return field_reject(prov, exc, nct_id=nct)
    prov = prov.model_copy(update={"last_update": fields["last_update"]})
    return build_record(prov, fields)


def _date(study: ET.Element, *tags: str) -> str | None:
    for tag in tags:
        value = _text(study, tag)
        if value is not None:
            return parse_field(tag, parse_date, value)
    return None


def _fields(study: ET.Element) -> dict[str, Any]:
    status_text = _text(study, "overall_status")
    status = parse_field("overall_status", parse_status, status_text)
    if status is not None and status not in OVERALL_STATUSES:
        raise RecordError("overall_status", f"unknown overall status {status_text!r}")
    kind_text = _text(study, "study_type")
    kind = parse_field("study_type", parse_study_type, kind_text)
    if kind is not None and kind not in STUDY_TYPES:
        raise RecordError("study_type", f"unknown study type {kind_text!r}")
    start = study.find("start_date")
    enrollment = study.find("enrollment")
    design = study.find("study_design_info")
    interventions = tuple(_intervention(i) for i in study.findall("intervention")
                          if _text(i, "intervention_name"))
    return {
        "nct_id": _text(study, "id_info/nct_id"),
        "secondary_ids": _texts(study, "id_info/org_study_id")
        + _texts(study, "id_info/secondary_id") + _texts(study, "id_info/nct_alias"),
        "brief_title": _text(study, "brief_title"),
        "official_title": _text(study, "official_title"),
        "acronym": _text(study, "acronym"),
        "overall_status": status,
        "last_known_status": parse_field("last_known_status", parse_status,
                                         _text(study, "last_known_status")),
        "start_date": _date(study, "start_date"),
        "start_date_type": enrollment_type(start.get("type")) if start is not None else None,
        "primary_completion_date": _date(study, "primary_completion_date"),
        "completion_date": _date(study, "completion_date"),
        "first_posted": _date(study, "study_first_posted", "firstreceived_date"),
        "last_update": _date(study, "last_update_posted", "lastchanged_date"),
        "phases": parse_field("phase", parse_phases, _text(study, "phase")),
        "study_type": kind,
        "allocation": design_value(_text(design, "allocation")),
        "intervention_model": design_value(_text(design, "intervention_model")),
        "masking": design_value(_text(design, "masking")),
        "primary_purpose": design_value(_text(design, "primary_purpose")),
        "enrollment": parse_field("enrollment", parse_count, _text(enrollment)),
        "enrollment_type": enrollment_type(enrollment.get("type"))
        if enrollment is not None else None,
        "conditions": _texts(study, "condition"),
        "condition_mesh_terms": _texts(study, "condition_browse/mesh_term"),
        "keywords": _texts(study, "keyword"),
        "interventions": tuple(iv for iv, _ in interventions),
        "arms": tuple(_arm(a, interventions) for a in study.findall("arm_group")
                      if _text(a, "arm_group_label")),
        "lead_sponsor": _sponsor(study.find("sponsors/lead_sponsor")),
        "collaborators": tuple(s for c in study.findall("sponsors/collaborator")
                               if (s := _sponsor(c)) is not None),
        "eligibility": _eligibility(study.find("eligibility")),
        "primary_outcomes": _outcomes(study, "primary_outcome"),
        "secondary_outcomes": _outcomes(study, "secondary_outcome"),
        "locations": tuple(_location(loc) for loc in study.findall("location")),
        "brief_summary": _text(study, "brief_summary"),
        "detailed_description": _text(study, "detailed_description"),
    }


def _intervention(elem: ET.Element) -> tuple[Intervention, str]:
    """The intervention and its label as arms list it (``Biological: CART-19``)."""
    type_text = _text(elem, "intervention_type")
    name = _text(elem, "intervention_name") or ""
    iv = Intervention(
        type=enum_name(type_text), name=name, other_names=_texts(elem, "other_name"),
        description=_text(elem, "description"), arm_labels=_texts(elem, "arm_group_label"),
    )
    return iv, f"{type_text}: {name}" if type_text else name


def _arm(elem: ET.Element, interventions: tuple[tuple[Intervention, str], ...]) -> Arm:
    label = _text(elem, "arm_group_label") or ""
    return Arm(
        label=label, type=enum_name(_text(elem, "arm_group_type")),
        description=_text(elem, "description"),
        intervention_names=tuple(shown for iv, shown in interventions if label in iv.arm_labels),
    )


def _sponsor(elem: ET.Element | None) -> Sponsor | None:
    name = _text(elem, "agency") if elem is not None else None
    if not name:
        return None
    return Sponsor(name=name, sponsor_class=sponsor_class(_text(elem, "agency_class")))


def _age(elem: ET.Element | None, tag: str) -> str | None:
    value = _text(elem, tag) if elem is not None else None
    return None if value is None or value.upper() in {"N/A", "NA", "NONE"} else value


def _eligibility(elem: ET.Element | None) -> Eligibility:
    if elem is None:
        return Eligibility()
    min_age, max_age = _age(elem, "minimum_age"), _age(elem, "maximum_age")
    healthy = _text(elem, "healthy_volunteers")
    return Eligibility(
        criteria=_text(elem, "criteria"),
        sex=parse_sex(_text(elem, "gender")),
        min_age=min_age, max_age=max_age,
        min_age_years=parse_field("minimum_age", parse_age, min_age),
        max_age_years=parse_field("maximum_age", parse_age, max_age),
        healthy_volunteers=None if healthy is None else healthy.lower().startswith(
            ("yes", "accepts")),
    )


def _outcomes(study: ET.Element, tag: str) -> tuple[Outcome, ...]:
    return tuple(
        Outcome(measure=measure, description=_text(o, "description"),
                time_frame=_text(o, "time_frame"))
        for o in study.findall(tag) if (measure := _text(o, "measure"))
    )


def _location(elem: ET.Element) -> Location:
    return Location(
        facility=_text(elem, "facility/name"), city=_text(elem, "facility/address/city"),
        state=_text(elem, "facility/address/state"), zip=_text(elem, "facility/address/zip"),
        country=_text(elem, "facility/address/country"),
        status=enum_name(_text(elem, "status")),
    )
