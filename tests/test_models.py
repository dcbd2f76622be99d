"""The record and annotation models survive pickling (how a build's workers hand them over)."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from celltx.loaders.ctgov_v2 import study_to_record
from celltx.ontology.annotate import annotate
from celltx.ontology.terms import TrialAnnotation
from pydantic import BaseModel, ValidationError

from celltx.models import Frozen, Provenance, SourceFormat, TrialRecord

LABELLED = Path(__file__).parent / "labelled" / "trials.jsonl"


def _records(n: int) -> list[TrialRecord]:
    out = []
    for i, line in enumerate(LABELLED.read_text(encoding="utf-8").splitlines()[:n]):
        rec = study_to_record(json.loads(line)["study"], Provenance(
            path=str(LABELLED), format=SourceFormat.CTGOV_V2_JSON, record=i))
        assert isinstance(rec, TrialRecord)
        out.append(rec)
    return out


def _walk(model: BaseModel):  # type: ignore[no-untyped-def]
    """The model and every model nested in it, depth first."""
    yield model
    for value in model.__dict__.values():
        for item in value if isinstance(value, tuple | list) else (value,):
            if isinstance(item, BaseModel):
                yield from _walk(item)


def test_a_pickled_copy_is_the_same_model_field_for_field() -> None:
    records = _records(40)
    annotations = [annotate(r) for r in records]
    assert sum(len(a.products) for a in annotations) > 20  # nested models to copy
    for original in [*records, *annotations]:
        copy = pickle.loads(pickle.dumps(original, protocol=pickle.HIGHEST_PROTOCOL))
        assert copy == original and type(copy) is type(original)
        assert copy.model_dump_json() == original.model_dump_json()
        assert (copy.model_dump_json(exclude_unset=True)
                == original.model_dump_json(exclude_unset=True))
        for a, b in zip(_walk(copy), _walk(original), strict=True):
            assert type(a) is type(b)
            assert a.__pydantic_fields_set__ == b.__pydantic_fields_set__
            assert a.__pydantic_extra__ is None and a.__pydantic_private__ is None


def test_a_pickled_copy_stays_frozen_and_validated_on_copy() -> None:
    ann = annotate(_records(1)[0])
    copy = pickle.loads(pickle.dumps(ann))
    with pytest.raises(ValidationError):
        copy.is_cell_therapy = not ann.is_cell_therapy  # type: ignore[misc]
    changed = copy.model_copy(update={"modality": "follow_up"})
    assert changed.modality == "follow_up" and copy.modality == ann.modality
    assert TrialAnnotation.model_validate(copy.model_dump()) == ann


def test_frozen_models_do_not_pickle_through_pydantic_state() -> None:
    # the lean form: class, values and set fields, with no per-model state dictionary
    ann = annotate(_records(1)[0])
    reduced = ann.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    assert reduced[1][0] is TrialAnnotation and reduced[1][1] is ann.__dict__
    assert issubclass(TrialAnnotation, Frozen)
