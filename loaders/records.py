"""Turning a loader's parsed fields into a ``TrialRecord``, or a ``Reject`` naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from celltx.models import Provenance, Reject, TrialRecord

T = TypeVar("T")


class RecordError(ValueError):
    """A record-level problem: names the field; the loader turns it into a reject."""

    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def parse_field(field: str, parse: Callable[[Any], T], value: Any) -> T:
    """Run ``parse(value)``, re-raising a ``ValueError`` as a ``RecordError`` for ``field``."""
    try:
        return parse(value)
    except RecordError:
        raise
    except (ValueError, TypeError) as exc:
        raise RecordError(field, str(exc)) from None


def reject(prov: Provenance, reason: str, *, field: str | None = None,
           nct_id: str | None = None) -> Reject:
    return Reject(path=prov.path, format=prov.format, record=prov.record, line=prov.line,
                  nct_id=nct_id, field=field, reason=reason)


def field_reject(prov: Provenance, exc: RecordError | ValidationError, *,
                 nct_id: str | None = None) -> Reject:
    """The reject for a record's field problem: a ``RecordError``, or pydantic's error for a
    record (``brief_title``) or a part of one a loader built (``eligibility.criteria``, as
    over ``models.MAX_TEXT``)."""
    if isinstance(exc, RecordError):
        return reject(prov, exc.reason, field=exc.field, nct_id=nct_id)
    err = exc.errors()[0]
    part = [] if exc.title == TrialRecord.__name__ else [exc.title.lower()]
    field = ".".join([*part, *(str(p) for p in err["loc"])]) or None
    return reject(prov, err["msg"].removeprefix("Value error, "), field=field, nct_id=nct_id)


def build_record(prov: Provenance, fields: dict[str, Any]) -> TrialRecord | Reject:
    """Validate ``fields`` into a record; a missing NCT id or invalid field becomes a reject."""
    nct = fields.get("nct_id")
    if not nct:
        return reject(prov, "record has no NCT number", field="nct_id")
    try:
        return TrialRecord(provenance=prov, **fields)
    except ValidationError as exc:
        return field_reject(prov, exc, nct_id=str(nct))
