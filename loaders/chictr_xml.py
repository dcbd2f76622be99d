"""ChiCTR's own per-trial XML (``<trials><Triall><main>…</main><criteria>…``), as the registry
serves it: the WHO trial registration data set under ChiCTR's element names, mapped onto
ICTRP's field keys and read by ``ictrp.to_record``."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator

from celltx.loaders.ictrp_xml import read_elements
from celltx.loaders.sources import SourceFile

from celltx.models import Reject, SourceFormat, TrialRecord

FORMAT = SourceFormat.CHICTR_XML
TRIAL = "Triall"

_MAIN = {
    "trial_id": "trialid", "public_title": "public_title", "scientific_title":
    "scientific_title", "acronym": "acronym", "primary_sponsor": "primary_sponsor",
    "date_registration": "date_registration", "date_enrolment": "date_enrollement",
    "target_size": "target_size", "recruitment_status": "recruitment_status",
    "study_type": "study_type", "phase": "phase", "hc_freetext": "condition",
    "i_freetext": "intervention",
}
_LISTS = {
    "countries/country2": "countries", "primary_outcome/prim_outcome": "primary_outcome",
    "secondary_outcome/sec_outcome": "secondary_outcome",
    "secondary_sponsor/sponsor_name": "secondary_sponsor",
    "secondary_ids/secondary_id/sec_id": "secondary_id",
}
_CRITERIA = {"inclusion_criteria": "inclusion_criteria", "exclusion_criteria":
             "exclusion_criteria", "agemin": "inclusion_agemin", "agemax": "inclusion_agemax",
             "gender": "inclusion_gender"}


def read(source: SourceFile, head: bytes) -> Iterator[TrialRecord | Reject]:
    """Yield a record or a reject for every ``<Triall>`` of a ChiCTR XML file."""
    yield from read_elements(source, head, FORMAT, TRIAL, _values)


def _values(trial: ET.Element) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    main = trial.find("main")
    if main is not None:
        for tag, k in _MAIN.items():
            out[k] = main.findtext(tag)
    criteria = trial.find("criteria")
    if criteria is not None:
        for tag, k in _CRITERIA.items():
            out[k] = criteria.findtext(tag)
    for path, k in _LISTS.items():
        out[k] = ";".join(e.text.strip() for e in trial.findall(path) if e.text and e.text.strip())
    return out
