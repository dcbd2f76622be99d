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


def test_vocabulary_terms_pickle_as_their_table_and_key(tmp_path: Path) -> None:
    """A term of a vocabulary table pickles as the table and key that give it (a build's
    workers send one in nearly every annotation): it comes back as that table's term, in this
    process and in a fresh one that has not read the table yet; an equal term made elsewhere
    pickles as its values."""
    import subprocess
    import sys

    from celltx.ontology import vocab
    from celltx.ontology.terms import Term

    tables = {"targets": [e.term for e in vocab.targets().values()],
              "conditions": list(vocab.conditions().values()),
              "cell_types": list(vocab.cell_types().values()),
              "agents": [e.term for e in vocab.agents().values()],
              "phases": list(vocab.phases().values()),
              "statuses": list(vocab.statuses().values()),
              "study_types": list(vocab.study_types().values())}
    for name, terms in tables.items():
        assert terms, name
        for term in terms:
            assert pickle.loads(pickle.dumps(term)) is term, (name, term.key)
    mondo = max(tables["conditions"], key=lambda t: len(t.synonyms) + len(t.xrefs))
    by_value = Term(**mondo.model_dump())  # equal, but not the table's
    assert len(pickle.dumps(mondo)) < 120 < len(pickle.dumps(by_value))
    back = pickle.loads(pickle.dumps(by_value))
    assert back == mondo and back is not mondo

    anns = [annotate(r) for r in _records(40)]
    assert any(a.phase for a in anns) and any(a.conditions for a in anns)
    assert any(p.cell_type for a in anns for p in a.products)
    (tmp_path / "ann.pickle").write_bytes(pickle.dumps(anns))
    fresh = subprocess.run(
        [sys.executable, "-c", "import pickle, sys\nfor a in pickle.loads(open(sys.argv[1], "
         "'rb').read()): print(a.model_dump_json())", str(tmp_path / "ann.pickle")],
        capture_output=True, text=True, check=True).stdout.splitlines()
    assert fresh == [a.model_dump_json() for a in anns]
