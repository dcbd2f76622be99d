"""Wrong-typed fields in a real API v2 study are rejects naming the field, never a crash, and
the good records of the same file are kept (issue 12, class 1)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celltx.loaders.ctgov_v2 import study_to_record

from celltx.models import Provenance, Reject, SourceFormat, TrialRecord
from celltx.pipeline import build
from tests.loader_helpers import REAL_STUDY as STUDY
from tests.loader_helpers import numbered_studies

SWAPS = (5, True, [1], "x", {"a": 1}, 2**64)


def _paths(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield (*path, k)
            yield from _paths(v, (*path, k))
    elif isinstance(obj, list) and obj:
        yield (*path, 0)
        yield from _paths(obj[0], (*path, 0))


def _swapped(study: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(study)
    node = out
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return out


def test_every_single_field_type_swap_is_a_record_or_a_reject_naming_a_field() -> None:
    study = json.loads(STUDY.read_text(encoding="utf-8"))
    prov = Provenance(path=str(STUDY), format=SourceFormat.CTGOV_V2_JSON, record=0)
    rejects = 0
    for path in _paths(study):
        for value in SWAPS:
            result = study_to_record(_swapped(study, path, value), prov)
            assert isinstance(result, TrialRecord | Reject), (path, value)
            if isinstance(result, Reject):
                rejects += 1
                assert result.field, (path, value, result)
    assert rejects > 300


@pytest.mark.parametrize(("path", "value", "field"), [
    (("protocolSection", "conditionsModule", "conditions"), 5, "conditions"),
    (("protocolSection", "statusModule", "startDateStruct"), 20230101, "startDateStruct"),
    (("protocolSection", "eligibilityModule", "minimumAge"), 18, "minimumAge"),
    (("protocolSection", "contactsLocationsModule", "locations"), "Houston", "locations"),
])
def test_the_reject_names_the_field(path: tuple[str, ...], value: Any, field: str) -> None:
    study = json.loads(STUDY.read_text(encoding="utf-8"))
    prov = Provenance(path=str(STUDY), format=SourceFormat.CTGOV_V2_JSON, record=0)
    result = study_to_record(_swapped(study, path, value), prov)
    assert isinstance(result, Reject)
    assert field in (result.field or "") and result.nct_id == "NCT03198052"


def test_good_records_beside_a_wrong_typed_one_are_kept(tmp_path: Path) -> None:
    study = json.loads(STUDY.read_text(encoding="utf-8"))
    good = numbered_studies(6)
    bad = _swapped(study, ("protocolSection", "sponsorCollaboratorsModule", "leadSponsor"), 7)
    path = tmp_path / "studies.json"
    path.write_text(json.dumps(good[:3] + [bad] + good[3:]), encoding="utf-8")
    stats = build([path]).stats
    assert stats["records_read"] == 7 and stats["trials"] == 6 and stats["rejects"] == 1
