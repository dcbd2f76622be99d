"""The stored landscape questions: `queries/NAME.cypher` (and `NAME.rq`) with their headers.

Each file starts with comment lines ``// key: value`` (``#`` in SPARQL files) giving ``name``,
``title``, ``description``, one ``param: NAME = JSON-literal-default`` line per parameter and
``columns``; the query text follows. The text is kept whole (header included, comments are
valid Cypher and SPARQL) so that what runs is exactly what a user drags into Neo4j Browser.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from celltx.queries.params import ParamError


@dataclass(frozen=True)
class StoredQuery:
    """One stored question: its header and its Cypher (and SPARQL, when written) text.

    A plain frozen dataclass, not a pydantic model: its fields come from ``parse_header``
    already typed, and ``celltx query`` need not import pydantic (about 0.1 s) to answer."""

    name: str
    title: str
    description: str
    params: dict[str, Any]
    """Parameter names and their defaults (``None``: no filter)."""
    columns: tuple[str, ...]
    cypher: str
    sparql: str | None = None


class QueryFileError(ValueError):
    """A stored query file whose header is missing or malformed."""


def parse_header(text: str, *, comment: str, source: str) -> dict[str, Any]:
    """The header of a stored query file: ``name, title, description, params, columns``."""
    fields: dict[str, Any] = {"params": {}}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith(comment):
            break
        body = line[len(comment):].strip()
        key, sep, value = body.partition(":")
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key == "param":
            pname, eq, default = value.partition("=")
            if not eq:
                raise QueryFileError(f"{source}:{lineno}: param line needs NAME = DEFAULT")
            try:
                fields["params"][pname.strip()] = json.loads(default.strip())
            except json.JSONDecodeError as exc:
                raise QueryFileError(f"{source}:{lineno}: default of {pname.strip()!r} is not "
                                     f"a JSON literal: {default.strip()!r}") from exc
        elif key == "columns":
            fields["columns"] = tuple(c.strip() for c in value.split(",") if c.strip())
        elif key in ("name", "title", "description"):
            fields[key] = value
    missing = [k for k in ("name", "title", "description", "columns") if k not in fields]
    if missing:
        raise QueryFileError(f"{source}: header lacks {', '.join(missing)}")
    return fields


@cache
def _load() -> tuple[StoredQuery, ...]:
    folder = resources.files("celltx.queries")
    found: list[StoredQuery] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".cypher"):
            continue
        stem = entry.name[: -len(".cypher")]
        text = entry.read_text(encoding="utf-8")
        header = parse_header(text, comment="//", source=entry.name)
        if header["name"] != stem:
            raise QueryFileError(f"{entry.name}: header name {header['name']!r} differs from "
                                 "the file name")
        sparql = None
        rq = folder / f"{stem}.rq"
        if rq.is_file():
            sparql = rq.read_text(encoding="utf-8")
        found.append(StoredQuery(cypher=text, sparql=sparql, **header))
    return tuple(found)


def load_catalogue() -> dict[str, StoredQuery]:
    """Every stored question by name (sorted by name)."""
    return {q.name: q for q in _load()}


def get_query(name: str) -> StoredQuery:
    """One stored question; an unknown name raises ``KeyError`` listing the known ones."""
    catalogue = load_catalogue()
    if name not in catalogue:
        raise KeyError(f"no stored query {name!r}; known: {', '.join(catalogue)}")
    return catalogue[name]


NEEDED = frozenset({"nct_id", "date"})
"""Parameters a question cannot be asked without (as are those whose default is a number):
null is refused, not taken as "no filter"."""


def _convert(query: StoredQuery, key: str, value: Any) -> Any:
    default = query.params[key]
    if isinstance(value, str) and value.strip().lower() in ("null", "none", ""):
        value = None
    if value is None:
        if key in NEEDED or (isinstance(default, int | float) and not isinstance(default, bool)):
            raise ParamError(f"parameter {key!r} of {query.name} needs a value "
                             f"(default {json.dumps(default, ensure_ascii=False)})")
        return None
    if not isinstance(value, str):
        if default is not None and (isinstance(default, bool) != isinstance(value, bool)
                                    or not isinstance(value, type(default))):
            raise ParamError(f"parameter {key!r} of {query.name} takes "
                             f"{type(default).__name__} values, not {value!r}")
        return value
    text = value.strip()
    if isinstance(default, bool):
        if text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise ParamError(f"parameter {key!r} of {query.name} takes true or false, not {value!r}")
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ParamError(f"parameter {key!r} of {query.name} takes an integer, "
                             f"not {value!r}") from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise ParamError(f"parameter {key!r} of {query.name} takes a number, "
                             f"not {value!r}") from None
    if default is None:
        # No default type to go by: integers (e.g. since=2020) become ints, the rest text.
        try:
            return int(text)
        except ValueError:
            return text
    return text


def coerce_params(query: StoredQuery, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """All of a query's parameters: defaults overridden by ``raw`` (text from the CLI, or
    values from Python), converted to the type of each default.

    Unknown names and values that do not fit raise ``ValueError`` saying what is accepted.
    """
    params = dict(query.params)
    for key, value in (raw or {}).items():
        if key not in query.params:
            known = ", ".join(query.params) or "none"
            raise ParamError(f"unknown parameter {key!r} for {query.name}; "
                             f"its parameters: {known}")
        params[key] = _convert(query, key, value)
    return params
