"""The shape of the API v2 study fields celltx reads, checked at the boundary before mapping.

A field that holds another type (a number where text is expected, a string where a list or an
object is, an integer where a date object is) makes the record a reject that names the field,
instead of an error deep in the mapping. Keys celltx does not read are not checked.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

Number = int | float


class _Date(TypedDict, total=False):
    date: str
    type: str


class _IdInfo(TypedDict, total=False):
    id: str


class _Identification(TypedDict, total=False):
    nctId: str
    briefTitle: str
    officialTitle: str
    acronym: str
    orgStudyIdInfo: _IdInfo
    secondaryIdInfos: list[_IdInfo]


class _Status(TypedDict, total=False):
    overallStatus: str
    startDateStruct: _Date
    primaryCompletionDateStruct: _Date
    completionDateStruct: _Date
    studyFirstPostDateStruct: _Date
    lastUpdatePostDateStruct: _Date


_SponsorClass = TypedDict("_SponsorClass", {"name": str, "class": str}, total=False)


class _Sponsors(TypedDict, total=False):
    leadSponsor: _SponsorClass
    collaborators: list[_SponsorClass]


class _Description(TypedDict, total=False):
    briefSummary: str
    detailedDescription: str


class _Conditions(TypedDict, total=False):
    conditions: list[str]
    keywords: list[str]


class _Masking(TypedDict, total=False):
    masking: str


class _DesignInfo(TypedDict, total=False):
    allocation: str
    interventionModel: str
    primaryPurpose: str
    maskingInfo: _Masking


class _Enrollment(TypedDict, total=False):
    count: Number | str
    type: str


class _Design(TypedDict, total=False):
    phases: list[str]
    studyType: str
    designInfo: _DesignInfo
    enrollmentInfo: _Enrollment


class _Intervention(TypedDict, total=False):
    type: str
    name: str
    otherNames: list[str]
    description: str
    armGroupLabels: list[str]


class _Arm(TypedDict, total=False):
    label: str
    type: str
    description: str
    interventionNames: list[str]


class _Arms(TypedDict, total=False):
    interventions: list[_Intervention]
    armGroups: list[_Arm]


class _Outcome(TypedDict, total=False):
    measure: str
    description: str
    timeFrame: str


class _Outcomes(TypedDict, total=False):
    primaryOutcomes: list[_Outcome]
    secondaryOutcomes: list[_Outcome]


class _Eligibility(TypedDict, total=False):
    eligibilityCriteria: str
    sex: str
    minimumAge: str
    maximumAge: str
    healthyVolunteers: bool
    stdAges: list[str]


class _Geo(TypedDict, total=False):
    lat: Number
    lon: Number


class _Location(TypedDict, total=False):
    facility: str
    city: str
    state: str
    zip: str
    country: str
    status: str
    geoPoint: _Geo


class _Locations(TypedDict, total=False):
    locations: list[_Location]


class _Protocol(TypedDict, total=False):
    identificationModule: _Identification
    statusModule: _Status
    sponsorCollaboratorsModule: _Sponsors
    descriptionModule: _Description
    conditionsModule: _Conditions
    designModule: _Design
    armsInterventionsModule: _Arms
    outcomesModule: _Outcomes
    eligibilityModule: _Eligibility
    contactsLocationsModule: _Locations


class _Mesh(TypedDict, total=False):
    term: str


class _Browse(TypedDict, total=False):
    meshes: list[_Mesh]


class _Derived(TypedDict, total=False):
    conditionBrowseModule: _Browse


class _Study(TypedDict, total=False):
    protocolSection: _Protocol
    derivedSection: _Derived


_ADAPTER: TypeAdapter[_Study] = TypeAdapter(_Study)


def shape_error(study: Any) -> tuple[str, str] | None:
    """(field path, problem) of the first field whose type is not what the API gives, or None.

    >>> shape_error({"protocolSection": {"conditionsModule": {"conditions": 5}}})
    ('protocolSection.conditionsModule.conditions', 'expected a list, got int 5')
    >>> shape_error({"protocolSection": {"identificationModule": {"nctId": "NCT01234567"}}})
    """
    try:
        _ADAPTER.validate_python(study, strict=True)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        path = ".".join(str(p) for p in err["loc"])
        got = err.get("input")
        shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
        kind = err["type"]
        expected = {"list_type": "a list", "string_type": "text", "dict_type": "an object",
                    "model_type": "an object", "bool_type": "true or false",
                    "int_type": "a number", "float_type": "a number"}.get(
            kind.split(".")[0].replace("_parsing", "_type"), err["msg"].lower())
        return path, f"expected {expected}, got {type(got).__name__} {shown[:40]}"
    return None
