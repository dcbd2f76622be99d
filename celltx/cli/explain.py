"""``celltx explain NCT``: why each fact about a trial's products is in the graph, for a person."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from celltx.cli.common import GraphOption, JsonOption, console, print_json
from celltx.cli.core import trial_view


def register(app: typer.Typer) -> None:
    app.command("explain")(explain_command)


def explanation(view: dict[str, Any]) -> list[str]:
    """Lines saying, for each product and each of its facts, the rule and the words behind it."""
    lines = [f"{view['nct_id']}: {view.get('title') or ''}"]
    modality = view.get("modality")
    if not view.get("products"):
        ev = view.get("modality_evidence")
        why = f" by rule '{ev['rule']}' from “{ev['text']}”" if ev else ""
        if modality == "placeholder":
            lines.append(f"  no real study{why}: the products it describes "
                         f"({view.get('products_withheld') or 0}) are not in the graph")
        else:
            lines.append(f"  not a cell therapy: {modality or 'other'}{why}")
    for i, p in enumerate(view.get("products") or [], start=1):
        lines.append(f"  product {i}: {p['name']} ({p['platform']})")
        facts = [("platform", p["platform"]), ("cell_source", p.get("source")),
                 ("construct", p.get("construct"))]
        for fact, value in facts:
            ev = (p.get("evidence") or {}).get(fact)
            if value is None:
                continue
            lines.append(f"    {fact} = {value}" + (
                f"  [{ev['rule']}; {ev['field']}: “{ev['text']}”]" if ev else ""))
        for t in p.get("target_evidence") or []:
            ev = t.get("evidence")
            lines.append(f"    target {t['label'] or t['symbol']}" + (
                f"  [{ev['rule']}; {ev['field']}: “{ev['text']}”]" if ev else ""))
        for payload in p.get("payloads") or []:
            lines.append(f"    carries {payload} (not a target)")
        ev = (p.get("evidence") or {}).get("tested_in")
        if ev:  # some of the trial's conditions only
            lines.append(f"    tested in {'; '.join(p.get('tested_in') or [])}"
                         f"  [{ev['rule']}; {ev['field']}: “{ev['text']}”]")
    for flag in view.get("quality_flags") or []:
        lines.append(f"  data-quality flag: {flag}")
    return lines


def explain_command(
    nct_id: Annotated[str, typer.Argument(
        help="A trial's registry id, e.g. NCT06880354 or ChiCTR2000029817.")],
    graph: GraphOption = None,
    as_json: JsonOption = False,
) -> None:
    """Why each product, platform, target, cell source and construct of a trial is there."""
    view = trial_view(nct_id, graph)
    if as_json:
        print_json({k: view[k] for k in ("nct_id", "modality", "modality_evidence", "products",
                                         "quality_flags")})
        return
    for line in explanation(view):
        console.print(line, highlight=False, soft_wrap=True, markup=False)
