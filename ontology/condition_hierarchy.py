"""The broader conditions of ``conditions.tsv`` (its ``broader`` column), from the NCI
Thesaurus' is-a relations among the table's own terms.

    python -m celltx.ontology.condition_hierarchy [NCIT_OBOGRAPH_JSON_GZ] [--check]

A row's broader conditions are the rows whose NCIt classes are ancestors of its class (NCIt
is-a, followed to the root). The column keeps the nearest of them (one that is an ancestor of
another kept one is implied); ``vocab.conditions`` reads the whole chain into each term's
``broader``, so that a question about lymphoma counts the trials of diffuse large B-cell
lymphoma. A row without an NCIt id in the table is looked up by its label.

A few links NCIt's 2018 disease extract lacks are added by hand (``CURATED``, each with its
reason), and follow the same rule.

Two rows are never a broader condition (``NOT_BROADER``): the NCIt disease extract links few
of the table's diseases to them (a handful of its cancers to "malignant neoplasm", fewer than
half of its autoimmune diseases to "autoimmune disease"), so that a roll-up to them would look
complete and not be. The condition categories ("solid", "haematological",
"autoimmune") ask for those groups.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

TABLE = Path(__file__).with_name("conditions.tsv")
DEFAULT_SOURCE = (Path(__file__).resolve().parents[2] / "shared" / "reference" / "vocab" / "ncit"
                  / "ncit-disease-2018-06-08.json.gz")
"""The NCIt disease extract of the project's shared reference data (beside the checkout)."""
NCIT = "http://purl.obolibrary.org/obo/NCIT_"
NOT_BROADER = frozenset({"CANCER", "AUTOIMMUNE"})
"""Rows that are nobody's broader condition (see the module's text)."""
CURATED: dict[str, tuple[str, ...]] = {
    # the extract files B-ALL under "B-cell neoplasm" only (T-ALL is under ALL); MONDO and the
    # WHO classification have B-ALL as an acute lymphoblastic leukaemia, the main CAR-T one
    "B_ALL": ("ALL", "B_LEUK"),
    # rows without an NCIt id whose labels are not NCIt's: a T-cell lymphoma, a solid cancer
    "CTCL": ("T_NHL",),
    "BILIARY": ("NEOPLASM",),
    # biliary tract cancer is cholangiocarcinoma and gallbladder carcinoma (MONDO:0003060)
    "CHOLANGIO": ("BILIARY",),
    "GALLBLADDER": ("BILIARY",),
    # WHO-HAEM5's large B-cell lymphomas (MONDO:0968974, no NCIt class) hold DLBCL
    "LBCL": ("B_NHL",),
    "DLBCL": ("LBCL",),
    # T-cell and NK-cell neoplasms (MONDO:0024615, no NCIt class): T-NHL and T-ALL (below)
    "T_NHL": ("T_NEOPLASM",),
    # primary CNS lymphoma is a non-Hodgkin lymphoma (the extract has it under lymphoma only)
    "PCNSL": ("NHL",),
    # lupus nephritis is the kidney disease of SLE; the myositis subtypes are idiopathic
    # inflammatory myopathies (the extract links none of them)
    "LUPUS_NEPHRITIS": ("SLE",),
    "DM": ("IIM",),
    "PM": ("IIM",),
    "ASYNS": ("IIM",),
    "IMNM": ("IIM",),
    # granulomatosis with polyangiitis and microscopic polyangiitis are the ANCA-associated
    # vasculitides (MONDO:0015492, no NCIt class in the extract)
    "GPA": ("AAV",),
    "MPA": ("AAV",),
    # T-cell leukaemia (MONDO:0005525) has no NCIt class in the extract
    "T_LEUK": ("LEUKEMIA", "T_NEOPLASM"),
    # the extract files B-cell leukaemia (NCIT:C3162) under neither leukaemia nor B-cell neoplasm
    "B_LEUK": ("LEUKEMIA", "B_NEOPLASM"),
    # the B- and T-cell leukaemias of the table, which the extract files elsewhere
    "CLL": ("B_LEUK",),
    "HCL": ("B_LEUK",),
    "B_PLL": ("B_LEUK",),
    "T_ALL": ("T_NEOPLASM", "T_LEUK"),
    "T_PLL": ("T_LEUK",),
    # adult T-cell leukaemia/lymphoma is a T-cell leukaemia too; Sezary syndrome and mycosis
    # fungoides are the cutaneous T-cell lymphomas
    "ATLL": ("T_LEUK",),
    "SEZARY": ("CTCL",),
    "MF": ("CTCL",),
    # gliomas are the brain's tumours (the extract files them under neuroepithelial neoplasm):
    # a question about brain tumours counts glioblastoma; ATRT is one of the brain's too
    "GLIOMA": ("BRAIN_NEO",),
    "ATRT": ("BRAIN_NEO",),
    # the myelomonocytic leukaemias (filed under the myelodysplastic/myeloproliferative
    # neoplasms) are leukaemias too
    # AL amyloidosis (NCIT:C158963, newer than the extract) is the extract's Primary
    # Amyloidosis (C3819, synonym "AL Amyloidosis"), a monoclonal immunoglobulin deposition
    # disease under plasma cell neoplasm: a BCMA product given in it is in its lineage
    "AMYLOID_AL": ("PC_NEOPLASM",),
    "CMML": ("LEUKEMIA",),
    "JMML": ("LEUKEMIA",),
}
"""Broader rows added to what NCIt gives, by row key."""


def read_ncit(path: Path) -> tuple[dict[str, set[str]], dict[str, str]]:
    """NCIt's is-a parents of each class and each class by its label (lower-cased), from an
    OBO Graphs JSON file (gzipped), as ``NCIT:C…`` CURIEs."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        graph = json.load(fh)["graphs"][0]
    parents: dict[str, set[str]] = {}
    for edge in graph["edges"]:
        if edge["pred"] == "is_a" and edge["sub"].startswith(NCIT) and edge["obj"].startswith(
                NCIT):
            parents.setdefault(_curie(edge["sub"]), set()).add(_curie(edge["obj"]))
    by_label = {node["lbl"].casefold(): _curie(node["id"]) for node in graph["nodes"]
                if node["id"].startswith(NCIT) and node.get("lbl")}
    return parents, by_label


def _curie(iri: str) -> str:
    return "NCIT:" + iri[len(NCIT):]


def _ancestors(curie: str, parents: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [curie]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def derive(rows: Sequence[Mapping[str, str]], parents: Mapping[str, set[str]],
           by_label: Mapping[str, str]) -> dict[str, list[str]]:
    """The nearest broader rows of each row (keys, sorted), by NCIt is-a and ``CURATED``.

    >>> rows = [{"key": "L", "label": "lymphoma", "ncit": "NCIT:C1"},
    ...         {"key": "N", "label": "non-Hodgkin lymphoma", "ncit": "NCIT:C2"},
    ...         {"key": "D", "label": "DLBCL", "ncit": ""}]
    >>> derive(rows, {"NCIT:C2": {"NCIT:C1"}, "NCIT:C3": {"NCIT:C2"}}, {"dlbcl": "NCIT:C3"})
    {'L': [], 'N': ['L'], 'D': ['N']}
    """
    ncit = {r["key"]: r["ncit"] or by_label.get(r["label"].casefold(), "") for r in rows}
    keys_of: dict[str, list[str]] = {}
    for key, curie in ncit.items():
        if curie and key not in NOT_BROADER:
            keys_of.setdefault(curie, []).append(key)
    # the rows above each row: by NCIt, then with the curated links and the rows above them
    above: dict[str, set[str]] = {}
    for key, curie in ncit.items():
        classes = _ancestors(curie, parents) if curie else set()
        by_ncit = {k for c in classes for k in keys_of.get(c, ())}
        above[key] = (by_ncit | {k for k in CURATED.get(key, ()) if k in ncit}) - {key}
    changed = True
    while changed:
        changed = False
        for key, rows_above in above.items():
            more = set().union(*(above[k] for k in rows_above)) - rows_above - {key}
            if more:
                rows_above |= more
                changed = True
    return {key: sorted(k for k in rows_above
                        if not any(k in above[other] for other in rows_above - {k}))
            for key, rows_above in above.items()}


def with_column(text: str, broader: Mapping[str, Iterable[str]]) -> str:
    """The table's text with its ``broader`` column set (added after ``category`` if absent)."""
    rows = list(csv.DictReader(text.splitlines(), delimiter="\t"))
    fields = list(rows[0])
    if "broader" not in fields:
        fields.insert(fields.index("category") + 1, "broader")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, delimiter="\t", lineterminator="\n",
                            quoting=csv.QUOTE_NONE)
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "broader": "|".join(broader.get(row["key"], ()))})
    return out.getvalue()


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m celltx.ontology.condition_hierarchy",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--check", action="store_true",
                        help="only say whether the table's column is as derived")
    args = parser.parse_args(None if argv is None else list(argv))
    if not args.source.is_file():
        print(f"error: {args.source}: no such file (the NCIt disease OBO Graphs JSON)",
              file=sys.stderr)
        return 2
    text = TABLE.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines(), delimiter="\t"))
    new = with_column(text, derive(rows, *read_ncit(args.source)))
    if args.check:
        print(f"{TABLE.name}: broader column " + ("as derived" if new == text else "differs"))
        return 0 if new == text else 1
    TABLE.write_text(new, encoding="utf-8")
    print(f"{TABLE}: broader column written for {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
