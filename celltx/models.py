"""Records as read from the registries, and the rejects report.

A ``TrialRecord`` holds what one source said about one trial, with the registry's own strings
kept as written (enums are ClinicalTrials.gov's own API v2 names). Loaders produce records;
they never normalise to ontology terms (that is ``celltx.ontology``'s job).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from celltx.registries import canonical_id, registry_of

NCT_RE = re.compile(r"^NCT\d{8}$")
PARTIAL_DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")

OVERALL_STATUSES = frozenset(
    {
        "NOT_YET_RECRUITING", "RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
        "SUSPENDED", "TERMINATED", "COMPLETED", "WITHDRAWN", "UNKNOWN", "AVAILABLE",
        "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD",
    }
)
PHASES = frozenset({"EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"})
STUDY_TYPES = frozenset({"INTERVENTIONAL", "OBSERVATIONAL", "EXPANDED_ACCESS"})
SPONSOR_CLASSES = frozenset(
    {"NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "AMBIG", "OTHER", "UNKNOWN"}
)
INTERVENTION_TYPES = frozenset(
    {
        "BEHAVIORAL", "BIOLOGICAL", "COMBINATION_PRODUCT", "DEVICE", "DIAGNOSTIC_TEST",
        "DIETARY_SUPPLEMENT", "DRUG", "GENETIC", "PROCEDURE", "RADIATION", "OTHER",
    }
)


def _check_date(value: str | None) -> str | None:
    if value is not None and not PARTIAL_DATE_RE.fullmatch(value):
        raise ValueError(f"not an ISO partial date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    return value


def _check_trial_id(value: str | None) -> str | None:
    """A canonical trial id of a known registry (``celltx.registries``); NCT numbers as before."""
    if value is None:
        return value
    if value[:3].upper() == "NCT" and not NCT_RE.fullmatch(value):
        raise ValueError(f"not an NCT number: {value!r}")
    if canonical_id(value) != value:
        raise ValueError(f"not a trial id of a known registry: {value!r}")
    return value


PartialDate = Annotated[str | None, AfterValidator(_check_date)]
"""An ISO date keeping the registry's precision: ``2023``, ``2023-12`` or ``2023-12-01``."""

TrialId = Annotated[str | None, AfterValidator(_check_trial_id)]
"""A trial's id in its registry, canonical (``NCT04324996``, ``ChiCTR2000029817``, …)."""
NctId = TrialId  # the name the field had when every trial was a ClinicalTrials.gov one


class SourceFormat(StrEnum):
    CTGOV_V2_JSON = "ctgov-v2-json"
    CTGOV_CSV = "ctgov-csv"
    CTGOV_LEGACY_CSV = "ctgov-legacy-csv"
    CTGOV_XML = "ctgov-xml"
    REGISTRY_PAGE = "registry-page"
    ICTRP_XML = "ictrp-xml"
    ICTRP_CSV = "ictrp-csv"
    ICTRP_XLSX = "ictrp-xlsx"
    CTIS_CSV = "ctis-csv"
    CHICTR_XML = "chictr-xml"


class Frozen(BaseModel):
    """An immutable model. It pickles as its class, field values and set fields, and unpickles
    without going through pydantic's ``__setstate__``: a build's workers send the parent tens of
    thousands of annotations, each a tree of these (with the collector paused, as in a build,
    pickling one took about half the time and unpickling a tenth less; ``tests/test_models.py``
    checks that the copy is equal, field for field)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __reduce__(self) -> tuple[Any, ...]:
        # no private attributes and no extras (extra="forbid"): these three are the state
        return _unpickle_frozen, (type(self), self.__dict__, self.__pydantic_fields_set__)


MAX_TEXT = 100_000
"""The longest text a field of a trial record may hold, in characters. The longest in the
corpus, the registries and the samples is 12,737 (an eligibility criteria text), and
ClinicalTrials.gov caps its longest field at 32,000; a record with a longer one is a reject
naming the field. Annotation takes time and memory in proportion to a text (a 50 MB
interventions cell took 2.9 GB and ended in a MemoryError)."""


MAX_ITEMS = 10_000
"""The most items a list of a trial record may hold (sites, conditions, interventions …): the
most in the corpus is 674 sites. A 5 MB interventions cell of 291,000 items took 6.6 s and
416 MB (50 MB: 2.9 GB and a MemoryError)."""
Many = Field(max_length=MAX_ITEMS)
"""The bound of a record's lists, for ``Annotated[tuple[…], Many]``."""


class RecordPart(Frozen):
    """A trial record or a part of one (``Frozen``, with texts of at most :data:`MAX_TEXT`
    characters, checked by pydantic's core)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=MAX_TEXT)


def _unpickle_frozen(cls: type[Frozen], values: dict[str, Any], fields_set: set[str]) -> Frozen:
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", fields_set)
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


class Provenance(Frozen):
    """Where a record came from: the file, the record's position in it, and its format."""

    path: str
    format: SourceFormat
    record: int
    """0-based index of the record in its file (the data row for CSV, the study for JSON)."""
    line: int | None = None
    last_update: PartialDate = None

    @property
    def ref(self) -> str:
        return f"{self.path}#{self.record}"


class Sponsor(RecordPart):
    name: str
    sponsor_class: str | None = None
    """ClinicalTrials.gov agency class: INDUSTRY, NIH, FED, OTHER_GOV, NETWORK, INDIV, OTHER."""


class Intervention(RecordPart):
    type: str | None = None
    name: str
    other_names: Annotated[tuple[str, ...], Many] = ()
    description: str | None = None
    arm_labels: Annotated[tuple[str, ...], Many] = ()


class Arm(RecordPart):
    label: str
    type: str | None = None
    description: str | None = None
    intervention_names: Annotated[tuple[str, ...], Many] = ()


class Outcome(RecordPart):
    measure: str
    description: str | None = None
    time_frame: str | None = None


class Location(RecordPart):
    facility: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    status: str | None = None
    lat: float | None = None
    lon: float | None = None


class Eligibility(RecordPart):
    criteria: str | None = None
    sex: str | None = None
    """ALL, FEMALE or MALE."""
    min_age: str | None = None
    """As written, e.g. ``18 Years``."""
    max_age: str | None = None
    min_age_years: float | None = None
    max_age_years: float | None = None
    healthy_volunteers: bool | None = None
    std_ages: Annotated[tuple[str, ...], Many] = ()


class TrialRecord(RecordPart):
    """One source's account of one trial.

    ``nct_id`` holds the trial's id in the registry the record comes from: an NCT number for
    ClinicalTrials.gov, else the other registry's canonical id (``ChiCTR2000029817``,
    ``EUCTR2004-001298-24``, ``2023-507820-22-00`` …; see ``celltx.registries``). The field
    kept its historical name; ``trial_id`` is its alias (also accepted when constructing), and
    ``registry`` is derived from it.
    """

    nct_id: TrialId
    provenance: Provenance
    secondary_ids: Annotated[tuple[str, ...], Many] = ()
    brief_title: str | None = None
    official_title: str | None = None
    acronym: str | None = None
    overall_status: str | None = None
    last_known_status: str | None = None
    """The status last verified, for a trial whose status is UNKNOWN (not verified for two
    years): ClinicalTrials.gov's ``lastKnownStatus``."""
    start_date: PartialDate = None
    start_date_type: str | None = None
    primary_completion_date: PartialDate = None
    completion_date: PartialDate = None
    first_posted: PartialDate = None
    last_update: PartialDate = None
    phases: Annotated[tuple[str, ...], Many] = ()
    study_type: str | None = None
    allocation: str | None = None
    intervention_model: str | None = None
    masking: str | None = None
    primary_purpose: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    """ACTUAL or ESTIMATED (anticipated)."""
    conditions: Annotated[tuple[str, ...], Many] = ()
    condition_mesh_terms: Annotated[tuple[str, ...], Many] = ()
    keywords: Annotated[tuple[str, ...], Many] = ()
    interventions: Annotated[tuple[Intervention, ...], Many] = ()
    arms: Annotated[tuple[Arm, ...], Many] = ()
    lead_sponsor: Sponsor | None = None
    collaborators: Annotated[tuple[Sponsor, ...], Many] = ()
    eligibility: Eligibility = Eligibility()
    primary_outcomes: Annotated[tuple[Outcome, ...], Many] = ()
    secondary_outcomes: Annotated[tuple[Outcome, ...], Many] = ()
    locations: Annotated[tuple[Location, ...], Many] = ()
    brief_summary: str | None = None
    detailed_description: str | None = None

    @field_validator("overall_status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is not None and value not in OVERALL_STATUSES:
            raise ValueError(f"unknown overall status {value!r}")
        return value

    @field_validator("phases")
    @classmethod
    def _known_phases(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [p for p in value if p not in PHASES]
        if unknown:
            raise ValueError(f"unknown phase {unknown[0]!r}")
        return value

    @field_validator("study_type")
    @classmethod
    def _known_study_type(cls, value: str | None) -> str | None:
        if value is not None and value not in STUDY_TYPES:
            raise ValueError(f"unknown study type {value!r}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _trial_id_alias(cls, data: object) -> object:
        if isinstance(data, dict) and "trial_id" in data:
            data = dict(data)
            data.setdefault("nct_id", data.pop("trial_id"))
            data.pop("trial_id", None)
        return data

    @property
    def title(self) -> str | None:
        return self.brief_title or self.official_title

    @property
    def trial_id(self) -> str | None:
        """The trial's id in this record's registry (the same value as ``nct_id``)."""
        return self.nct_id

    @property
    def registry(self) -> str | None:
        """The registry of the trial id (``ClinicalTrials.gov``, ``ChiCTR``, ``EU CTR``, …)."""
        return registry_of(self.nct_id)


STUDY_TYPE_WORD = "study type:"
"""Heads the study type in a record's screened text (``annotate.record_text`` and the API v2
loader's ``study_text``), so that word rules can require it."""


@dataclass(frozen=True, slots=True)
class Screened:
    """A record that its loader's screen ruled out before validating it: its text holds none of
    the words a kept record needs (``celltx.ontology.scope``), so it counts as out of scope."""

    path: str
    record: int
    nct_id: str | None = None


class Reject(Frozen):
    """A record that could not become a trial, with the reason: one line of the rejects report."""

    path: str
    format: SourceFormat | None
    record: int | None
    line: int | None = None
    nct_id: str | None = None
    field: str | None = None
    reason: str

    @field_validator("reason")
    @classmethod
    def _one_line(cls, value: str) -> str:
        """A reason is one line of the report, whatever a parser's message held."""
        return " ".join(part.strip() for part in value.splitlines() if part.strip())

    def message(self) -> str:
        where = self.path
        if self.record is not None:
            where += f", record {self.record}"
        if self.line is not None:
            where += f" (line {self.line})"
        if self.nct_id:
            where += f" [{self.nct_id}]"
        field = f" field {self.field!r}:" if self.field else ""
        return f"{where}:{field} {self.reason}"


class UnreadableFileError(Exception):
    """A whole file could not be read (not a record-level problem)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
