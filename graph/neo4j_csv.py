"""Files for ``neo4j-admin database import full``: the bulk load for graphs too large to push.

One nodes file per label (``nodes_Trial.csv``: ``id:ID(Trial)`` and typed properties) and one
relationships file per (type, start label, end label) (``rels_TARGETS_Product_Target.csv``:
``:START_ID(Product)``, ``:END_ID(Target)``, ``:TYPE`` and properties), each label its own ID
space, arrays joined with the array delimiter (``;`` by default), and ``import.sh`` with the
exact command. Referential integrity is checked before anything is written: every relationship
end exists, ids are unique per label, no array element contains the array delimiter.

Property values are those the Bolt push writes (``graph/cypher_statements.properties``), so
both ways give the same graph.
"""

from __future__ import annotations

import csv
import io
import shlex
from collections import defaultdict
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celltx.graph.cypher_statements import EDGE_SKIP, NODE_SKIP, properties
from celltx.graph.schema import KEY_PROPERTY, NODE_LABELS, RELATIONSHIPS, check_relationship
from celltx.graph.trial_graph import TrialGraph

DEFAULT_ARRAY_DELIMITER = ";"
SCRIPT = "import.sh"
_SPARE_DELIMITERS = (";", "|", "¦", "\x1f")


class IntegrityError(ValueError):
    """The graph cannot be written as import files (the message lists what is wrong)."""


@dataclass
class CsvTable:
    """One import file: its name, header and rows (already formatted as strings)."""

    name: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    label: str | None = None
    """The node label (nodes files) or relationship type (relationships files)."""

    def text(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buf.getvalue()


def _scalar_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    return "string"


def column_types(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Neo4j import type of each property over all rows (``long``, ``string[]``, …).

    Mixed int/float becomes ``double``; any other mix becomes ``string``.

    >>> column_types([{"a": 1, "b": ["x"]}, {"a": 2.5, "c": True}])
    {'a': 'double', 'b': 'string[]', 'c': 'boolean'}
    """
    kinds: dict[str, set[str]] = defaultdict(set)
    arrays: dict[str, bool] = {}
    for row in rows:
        for k, v in row.items():
            is_list = isinstance(v, list)
            arrays[k] = arrays.get(k, False) or is_list
            for item in (v if is_list else [v]):
                kinds[k].add(_scalar_type(item))
    out = {}
    for k in kinds:
        ks = kinds[k]
        base = ks.pop() if len(ks) == 1 else ("double" if ks <= {"long", "double"} else "string")
        out[k] = base + ("[]" if arrays[k] else "")
    return dict(sorted(out.items()))


def _format(value: Any, kind: str, delimiter: str) -> str:
    if value is None:
        return ""
    if kind.endswith("[]"):
        items = value if isinstance(value, list) else [value]
        return delimiter.join(_format(v, kind[:-2], delimiter) for v in items)
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "double" and isinstance(value, int):
        return repr(float(value))
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _header(types: dict[str, str], skip: AbstractSet[str]) -> list[str]:
    return [f"{k}:{t}" for k, t in types.items() if k not in skip]


def check_integrity(graph: TrialGraph, delimiter: str = DEFAULT_ARRAY_DELIMITER) -> list[str]:
    """Every problem that would make the import fail or change data (empty: none)."""
    problems: list[str] = []
    seen: dict[tuple[str, str], str] = {}
    nodes = graph.g.nodes
    for nid, data in graph.g.nodes(data=True):
        label = data.get("label")
        if label not in NODE_LABELS:
            problems.append(f"node {nid}: label {label!r} is not in graph/schema.py")
            continue
        key = data.get(KEY_PROPERTY[label])
        if key is None or key == "":
            problems.append(f"node {nid}: no {KEY_PROPERTY[label]}")
            continue
        if (label, str(key)) in seen:
            problems.append(f"{label} id {key!r} is not unique ({seen[(label, str(key))]}, {nid})")
        seen[(label, str(key))] = nid
        for k, v in properties(data, NODE_SKIP).items():
            bad = [item for item in v if delimiter in str(item)] if isinstance(v, list) else []
            if bad:
                problems.append(f"{label} {key}: property {k} has an element containing the "
                                f"array delimiter {delimiter!r}: {bad[0]!r}")
    for s, e, k, data in graph.g.edges(keys=True, data=True):
        for end in (s, e):
            if end not in nodes or "label" not in nodes[end]:
                problems.append(f"relationship {data.get('type')} {s} -> {e}: node {end} "
                                "does not exist")
        if s not in nodes or e not in nodes:
            continue
        try:
            check_relationship(data.get("type", ""), nodes[s].get("label", ""),
                               nodes[e].get("label", ""))
        except ValueError as exc:
            problems.append(f"relationship {s} -> {e} ({k}): {exc}")
        for pk, v in properties(data, EDGE_SKIP).items():
            if isinstance(v, list) and any(delimiter in str(item) for item in v):
                problems.append(f"relationship {s} -> {e} ({k}): property {pk} has an element "
                                f"containing the array delimiter {delimiter!r}")
    return problems


def suggest_delimiter(graph: TrialGraph) -> str | None:
    """An array delimiter no array element of the graph contains."""
    for candidate in _SPARE_DELIMITERS:
        if not any("array delimiter" in p for p in check_integrity(graph, candidate)):
            return candidate
    return None


def tables(graph: TrialGraph, delimiter: str = DEFAULT_ARRAY_DELIMITER) -> list[CsvTable]:
    """The import files' contents; raises :class:`IntegrityError` if the graph is unfit."""
    if len(delimiter) != 1 or delimiter in (",", '"', "\n"):
        raise IntegrityError(f"array delimiter must be one character other than , \" and "
                             f"newline, not {delimiter!r}")
    problems = check_integrity(graph, delimiter)
    if problems:
        hint = ""
        if any("array delimiter" in p for p in problems):
            spare = suggest_delimiter(graph)
            hint = (f"; choose another with --array-delimiter (e.g. {spare!r})" if spare
                    else f"; every usual delimiter ({' '.join(map(repr, _SPARE_DELIMITERS))})"
                         " occurs in an element: choose a character none holds with "
                         "--array-delimiter")
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        count = "1 problem stops" if len(problems) == 1 else f"{len(problems)} problems stop"
        raise IntegrityError(f"{count} the export{hint}:\n  {shown}{more}")
    nodes = graph.g.nodes
    out: list[CsvTable] = []
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, data in sorted(graph.g.nodes(data=True), key=lambda nd: nd[0]):
        by_label[data["label"]].append(properties(data, NODE_SKIP))
    for label in NODE_LABELS:
        rows = by_label.get(label)
        if not rows:
            continue
        key = KEY_PROPERTY[label]
        types = column_types(rows)
        cols = [k for k in types if k != key]
        table = CsvTable(f"nodes_{label}.csv", [f"{key}:ID({label})", *_header(types, {key})],
                         label=label)
        for row in rows:
            table.rows.append([str(row[key]), *(_format(row.get(c), types[c], delimiter)
                                                for c in cols)])
        out.append(table)
    by_rel: dict[tuple[str, str, str], list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for s, e, k, data in sorted(graph.g.edges(keys=True, data=True),
                                key=lambda x: (x[0], x[1], x[2])):
        props = {"key": str(k), **properties(data, EDGE_SKIP)}
        sl, el = nodes[s]["label"], nodes[e]["label"]
        by_rel[(data["type"], sl, el)].append(
            (str(nodes[s][KEY_PROPERTY[sl]]), str(nodes[e][KEY_PROPERTY[el]]), props))
    for rel_type, pairs in RELATIONSHIPS.items():
        for sl, el in pairs:
            rels = by_rel.get((rel_type, sl, el))
            if not rels:
                continue
            types = column_types([p for _, _, p in rels])
            table = CsvTable(f"rels_{rel_type}_{sl}_{el}.csv",
                             [f":START_ID({sl})", f":END_ID({el})", ":TYPE", *_header(types,
                                                                                    frozenset())],
                             label=rel_type)
            for start, end, props in rels:
                table.rows.append([start, end, rel_type,
                                   *(_format(props.get(c), types[c], delimiter) for c in types)])
            out.append(table)
    return out


def import_command(tables_: list[CsvTable], delimiter: str = DEFAULT_ARRAY_DELIMITER,
                   database: str = "neo4j") -> list[str]:
    """The ``neo4j-admin database import full`` argv for the files (paths relative)."""
    argv = ["neo4j-admin", "database", "import", "full", database,
            f"--array-delimiter={delimiter}", "--multiline-fields=true", "--id-type=string"]
    for t in tables_:
        if t.name.startswith("nodes_"):
            argv.append(f"--nodes={t.label}={t.name}")
        else:
            argv.append(f"--relationships={t.name}")
    return argv


def import_script(tables_: list[CsvTable], delimiter: str = DEFAULT_ARRAY_DELIMITER) -> str:
    argv = import_command(tables_, delimiter, database="DB")
    quoted = " ".join(argv[:4]) + ' "$DB" \\\n  ' + " \\\n  ".join(
        shlex.quote(a) for a in argv[5:]) + ' \\\n  "$@"'
    return (
        "#!/usr/bin/env sh\n"
        "# Bulk-load the celltx graph into a Neo4j 5 database (written by\n"
        "# `celltx export neo4j-csv`). Run where neo4j-admin is, with the database stopped\n"
        "# or absent; then start it (or `CREATE DATABASE name`).\n"
        "# Usage: ./import.sh [database] [more neo4j-admin options, e.g.\n"
        "#        --overwrite-destination=true to replace an existing database]\n"
        "set -eu\n"
        'cd "$(dirname "$0")"\n'
        'DB="${1:-neo4j}"\n'
        "[ $# -gt 0 ] && shift\n"
        f"{quoted}\n"
    )


def choose_delimiter(graph: TrialGraph, delimiter: str | None) -> str:
    """``delimiter`` as given, or (``None``) ``;`` unless an array element holds one, then the
    first spare delimiter no element holds."""
    if delimiter is not None:
        return delimiter
    return suggest_delimiter(graph) or DEFAULT_ARRAY_DELIMITER


def check_import_dir(directory: Path) -> None:
    """Raise ``OutputPathError`` unless ``directory`` is new, empty or a former import folder
    (CSV files and the script only: it is replaced as a whole)."""
    from celltx.outputs import OutputPathError, check_dir

    check_dir(directory)
    if directory.is_dir():
        other = sorted(p.name for p in directory.iterdir()
                       if p.name != SCRIPT and not p.name.endswith(".csv"))
        if other:
            raise OutputPathError(f"{directory} holds files that are not a Neo4j import "
                                  f"({', '.join(other[:3])}); give a new or empty folder")


def write_import_dir(graph: TrialGraph, directory: Path,
                     delimiter: str | None = None) -> tuple[list[Path], str]:
    """Check, then write the files and ``import.sh``; the paths written and the delimiter.

    ``delimiter=None`` picks one (:func:`choose_delimiter`); a given one that an array element
    contains is refused with :class:`IntegrityError`.
    """
    delimiter = choose_delimiter(graph, delimiter)
    contents = tables(graph, delimiter)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for t in contents:
        path = directory / t.name
        path.write_text(t.text(), encoding="utf-8")
        written.append(path)
    script = directory / SCRIPT
    script.write_text(import_script(contents, delimiter), encoding="utf-8")
    script.chmod(0o755)
    written.append(script)
    return written, delimiter
