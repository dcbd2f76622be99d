"""A Neo4j Browser guide (``:play URL``) listing the stored queries as click-to-run blocks.

Neo4j Browser fetches the HTML, splits it on ``<slide>`` elements and makes every
``<pre class="runnable">`` block click-to-run. The first slide states the graph's node and
relationship counts; each stored query gets a slide with its description, a ``:params``
block holding its defaults and its Cypher text as stored.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GUIDE_FILE = "celltx.html"
DISPLAY_NAMES = (
    "MATCH (n) WHERE n:Target OR n:Condition OR n:CellType\n"
    "RETURN labels(n)[0] AS kind, n.id AS id,\n"
    "       CASE WHEN n.name IS NULL OR toLower(n.name) = toLower(n.id) THEN n.id\n"
    "            ELSE n.name + ' (' + n.id + ')' END AS display\n"
    "ORDER BY kind, display")
"""Every target, condition and cell type as the field names it ("BCMA (TNFRSF17)")."""


@dataclass(frozen=True)
class GuideQuery:
    name: str
    title: str
    description: str
    params: Mapping[str, Any]
    cypher: str


def _cypher_literal(value: Any) -> str:
    """A parameter default as a Cypher literal for ``:params`` (strings quoted, null, lists)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_cypher_literal(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def params_command(params: Mapping[str, Any]) -> str:
    """The Browser command setting a query's parameters.

    >>> params_command({"condition": "AML", "limit": 10, "platform": None})
    ':params {condition: "AML", limit: 10, platform: null}'
    """
    inner = ", ".join(f"{k}: {_cypher_literal(v)}" for k, v in params.items())
    return f":params {{{inner}}}"


def _strip_header(cypher: str) -> str:
    """The query text without its leading ``//`` header lines (kept readable in the guide)."""
    lines = cypher.splitlines()
    while lines and (lines[0].lstrip().startswith("//") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines).strip()


def guide_html(queries: Iterable[GuideQuery], node_counts: Mapping[str, int],
               rel_counts: Mapping[str, int], *, title: str = "celltx: cell-therapy trials"
               ) -> str:
    """The guide's HTML; values are escaped, query text is shown as it is stored."""
    esc = html.escape
    n_nodes, n_rels = sum(node_counts.values()), sum(rel_counts.values())
    count_rows = "".join(f"<tr><td>{esc(k)}</td><td>{v}</td></tr>"
                         for k, v in sorted(node_counts.items()))
    rel_rows = "".join(f"<tr><td>{esc(k)}</td><td>{v}</td></tr>"
                       for k, v in sorted(rel_counts.items()))
    qs = list(queries)
    index = "".join(f"<li>{esc(q.title)} (<code>{esc(q.name)}</code>)</li>" for q in qs)
    slides = [
        "<slide class=\"row-fluid\">\n<div class=\"col-sm-12\">\n"
        f"<h3>{esc(title)}</h3>\n"
        f"<p class=\"lead\">The graph: <b>{n_nodes}</b> nodes and <b>{n_rels}</b> "
        "relationships.</p>\n"
        "<table class=\"table\"><tr><th>label</th><th>nodes</th></tr>"
        f"{count_rows}</table>\n"
        "<table class=\"table\"><tr><th>type</th><th>relationships</th></tr>"
        f"{rel_rows}</table>\n"
        "<p>Check the counts on the server:</p>\n"
        "<pre class=\"pre-scrollable code runnable\">MATCH (n) RETURN labels(n)[0] AS label, "
        "count(*) AS nodes ORDER BY label</pre>\n"
        "<p>Answers give identifiers (HGNC symbols, MONDO and CL CURIEs), the keys of the "
        "graph; each Target, Condition and CellType node carries the name the field uses in "
        "<code>name</code> (the graph view's caption: BCMA, not TNFRSF17). The display names "
        "beside their identifiers:</p>\n"
        f"<pre class=\"pre-scrollable code runnable\">{html.escape(DISPLAY_NAMES)}</pre>\n"
        f"<p>{len(qs)} stored questions follow, one per slide:</p>\n<ol>{index}</ol>\n"
        "</div>\n</slide>"
    ]
    for i, q in enumerate(qs, start=1):
        params_block = ""
        if q.params:
            params_block = ("<p>Parameters (edit, then run; then run the query):</p>\n"
                            "<pre class=\"pre-scrollable code runnable\">"
                            f"{esc(params_command(q.params))}</pre>\n")
            if "condition" in q.params:
                params_block += ("<p>A condition given by its id (<code>MONDO:0005062</code> "
                                 "for lymphoma) counts its narrower conditions too; by name, "
                                 "only the trials that name it.</p>\n")
        slides.append(
            "<slide class=\"row-fluid\">\n<div class=\"col-sm-12\">\n"
            f"<h3>{i}. {esc(q.title)}</h3>\n"
            f"<p><code>{esc(q.name)}</code>: {esc(q.description)}</p>\n"
            f"{params_block}"
            "<pre class=\"pre-scrollable code runnable\">"
            f"{esc(_strip_header(q.cypher))}</pre>\n"
            f"<p>From the command line: <code>celltx query {esc(q.name)} --engine neo4j"
            "</code></p>\n</div>\n</slide>")
    body = "\n".join(slides)
    return ("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{esc(title)}</title>\n</head>\n<body>\n"
            f"<article class=\"guide\">\n<carousel class=\"deck container-fluid\">\n{body}\n"
            "</carousel>\n</article>\n</body>\n</html>\n")


def catalogue_queries() -> list[GuideQuery]:
    """The stored queries of ``queries/`` (the queries helper's catalogue)."""
    from celltx.queries.catalogue import load_catalogue

    return [GuideQuery(q.name, q.title, q.description, dict(q.params), q.cypher)
            for q in load_catalogue().values()]
