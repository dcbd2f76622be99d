"""EU CTIS (euclinicaltrials.eu) search results saved as CSV: ``Trial number``, ``Title of the
trial``, ``Overall trial status``, ``Location(s) and recruitment status``, ``Trial phase``,
``Product``, dates as ``dd/mm/yyyy``, ``N/A`` for empty; UTF-8 with a BOM, line breaks inside
quoted titles. Every CTIS trial is an interventional trial of a medicinal product.

The export joins the items of a list cell with ``", "``, the same two characters that occur
inside a national product name (``NEBIDO 1000 mg/4 ml, solution injectable``), so products are
cut by rules (``_products``); sponsors by ``Sponsor type``, whose vocabulary has no comma.
It has no column saying what a product is (no ATMP flag, no product type), so interventions
carry no type: asserting ``DRUG`` would call a CAR-T (``KYV-101``) a drug.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from celltx.loaders import ictrp
from celltx.loaders.csv_table import open_table
from celltx.loaders.records import build_record, field_reject, reject
from celltx.loaders.sources import SourceFile
from pydantic import ValidationError

from celltx.models import (
    Eligibility,
    Intervention,
    Location,
    Outcome,
    Provenance,
    Reject,
    SourceFormat,
    Sponsor,
    TrialRecord,
)
from celltx.registries import canonical_id, registry_of

FORMAT = SourceFormat.CTIS_CSV
HEADER_COLUMNS = frozenset({"trial number", "title of the trial", "overall trial status",
                            "trial phase", "sponsor/co-sponsors", "medical conditions"})
_SPONSOR_CLASS = {"pharmaceutical company": "INDUSTRY"}
_COUNTRY = re.compile(r"(?:^|,\s*)([A-Z][^:,]*?):")


def is_ctis_header(names: Iterable[str]) -> bool:
    cols = {n.strip().lstrip("\ufeff").casefold() for n in names}
    return "trial number" in cols and len(cols & HEADER_COLUMNS) >= 3


def read(source: SourceFile, head: bytes) -> Iterator[TrialRecord | Reject]:
    """Yield a record or a reject for every data row of a CTIS CSV."""
    with open_table(source, head, is_ctis_header,
                    "CSV without CTIS's 'Trial number' header") as (header, rows):
        names = [h.strip().lstrip("\ufeff") for h in header]
        index = 0
        for line, row in rows:
            if not isinstance(row, str) and not any(c.strip() for c in row):
                continue
            prov = Provenance(path=source.path, format=FORMAT, record=index, line=line)
            index += 1
            if isinstance(row, str):
                yield reject(prov, row)
                continue
            yield row_to_record(dict(zip(names, row, strict=False)), prov)


def _value(cells: dict[str, str], column: str) -> str | None:
    value = ictrp.one_line(cells.get(column))
    return None if value is None or value.upper() == "N/A" else value


def _age_groups(*cells: str | None) -> tuple[str, ...]:
    """``18-64 years, 65+ years`` and the secondary ``65-84 years`` -> each band as written.

    CTIS's age groups are the population bands a trial includes (``0-17 years``, ``18-64
    years``, ``65+ years``; finer ones in ``Age range secondary identifier``), not its
    eligibility limits: a trial of ages 10 to under 18 is ``0-17 years``. They are kept as
    ``std_ages``, where ClinicalTrials.gov's age groups go, and no age limit is read from them.
    """
    bands = (b.strip() for cell in cells if cell for b in cell.split(","))
    return tuple(dict.fromkeys(b for b in bands if b))


# a quantity with its unit (a strength, or a size: ``9 mm in diameter``)
_STRENGTH = re.compile(r"[0-9]+(?:[.,][0-9]+)?\s*(?:mg|g|µg|mcg|micrograms?|milligrams?|ml"
                       r"|mmol|mm|iu|u)\b", re.IGNORECASE)
_LABEL = re.compile(r"[A-Z][a-z]+:\s")
_OPEN, _CLOSE = "([", ")]"


def _pieces(text: str) -> list[str]:
    """``text`` cut at every comma before a space or the end that is outside brackets (``Vaccine
    (surface antigen, inactivated)`` is one piece); brackets that do not balance protect
    nothing."""
    guard = sum(text.count(c) for c in _OPEN) == sum(text.count(c) for c in _CLOSE)
    pieces, start, depth = [], 0, 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif (ch == "," and (i + 1 == len(text) or text[i + 1].isspace())
              and (depth == 0 or not guard)):
            pieces.append(text[start:i].strip())
            start = i + 1
    pieces.append(text[start:].strip())
    return pieces


def _continues(at: int, pieces: list[str], starts: set[int],
               named: dict[str, set[str]]) -> bool:
    """Whether ``pieces[at]`` is the rest of the product name before it, not a product.

    A national product name puts the pharmaceutical form after a comma, in lower case
    (``Sendoxan 1000 mg pulver til injeksjonsvæske, oppløsning``, ``… capsule, hard``) or after
    a strength (``BIODRIBIN, 1 mg/ml, roztwór do infuzji``); a description goes on in lower
    case, in brackets, after a label (``…, Composition: 98.05% …``) or after a hyphen that
    elides a compound (``Diphtherie-, Tetanus- und Pertussis``). Substances are often lower
    case too, so a lower-case piece is a product when the row names it on its own elsewhere
    (``Ublituximab, ublituximab``; ``masitinib, …, masitinib``; ``ublituximab, …, ublituximab
    placebo``; see ``_named``). A strength in percent (``0.9% physiological saline``) names a
    product. A lower-case substance named once cannot be told from a form by these rules:
    ``Tolebrutinib, mannitol and microcrystalline cellulose`` (a placebo's) is one name.
    """
    piece = pieces[at]
    if at in starts:
        return False
    if piece[:1].islower():
        for key in {f"={piece.split()[0].casefold()}", f"^{piece.casefold()}"}:
            seen = named.get(key, set())
            if len(seen) > 1 or (seen and piece not in seen):
                return False
        return True
    return (piece.startswith(tuple(_OPEN)) or pieces[at - 1].endswith("-")
            or bool(_STRENGTH.match(piece) or _LABEL.match(piece)))


def _named(pieces: list[str], starts: set[int]) -> dict[str, set[str]]:
    """The pieces by ``=`` and the whole piece, and by ``^`` and its first word (case folded),
    each to the pieces' spellings, ``""`` for a piece that surely starts a product.

    A lower-case piece is a product of its own when another piece is its first word
    (``ublituximab placebo`` and ``ublituximab``) or begins with it as a word, and that piece
    is a sure start or spelled otherwise (``Ublituximab``): a copy of the same words (a
    description given twice, ``…, i.e., …``) proves nothing. (Sets, not a scan of every piece
    for every piece: a cell of 100,000 pieces is read in linear time.)
    """
    out: dict[str, set[str]] = {}
    for i, piece in enumerate(pieces):
        mark = "" if i in starts else piece
        out.setdefault(f"={piece.casefold()}", set()).add(mark)
        out.setdefault(f"^{piece.split()[0].casefold()}", set()).add(mark)
    return out


def _products(cell: str | None) -> tuple[str, ...]:
    """The product names of a ``Product`` cell, each once (case aside, the first spelling
    kept).

    A substance taken from the EU product dictionary ends in a line break (``COLESTYRAMINE\\n,
    AUBAGIO …``; ``TACROLIMUS\\n, human fetal neural precursor cells``), so a comma after a line
    break always ends a product; other commas are told by ``_continues``. A piece without a
    letter or digit (``-``) is a placeholder, not a product.
    """
    pieces: list[str] = []
    starts: set[int] = set()
    for segment in re.split(r"\n\s*,", ictrp.text(cell) or ""):
        starts.add(len(pieces))
        pieces.extend(p for p in _pieces(" ".join(segment.split()))
                      if any(c.isalnum() for c in p))
    named = _named(pieces, starts)
    names: list[list[str]] = []
    for at, piece in enumerate(pieces):
        if names and _continues(at, pieces, starts, named):
            names[-1].append(piece)
        else:
            names.append([piece])
    first: dict[str, str] = {}
    for parts in names:
        name = ", ".join(parts)
        first.setdefault(name.casefold(), name)
    return tuple(first.values())


def _sponsors(names: str | None, types: str | None) -> list[Sponsor]:
    """The sponsor and co-sponsors, the sponsor first, each with its class.

    Both cells list one item per sponsor, joined with ``", "``; ``Sponsor type``'s vocabulary
    (``Pharmaceutical company``, ``Hospital/Clinic/Other health care facility`` …) has no
    comma, so it says how many sponsors there are. When the names cut at ``", "`` are not that
    many, a name holds a comma (``Foo, Inc.``) and the cell is one sponsor of the first type.
    Co-sponsors repeating the sponsor (``Amsterdam UMC, Amsterdam UMC``) are dropped.
    """
    if not names:
        return []
    kinds = [t.strip().casefold() for t in (types or "").split(", ")] if types else []
    parts = [n.strip() for n in names.split(", ")]
    if len(kinds) < 2 or len(parts) != len(kinds) or not all(parts):
        parts = [names]
    out: dict[str, Sponsor] = {}
    for i, name in enumerate(parts):
        kind = kinds[i] if i < len(kinds) else None
        out.setdefault(name.casefold(), Sponsor(name=name, sponsor_class=_SPONSOR_CLASS.get(
            kind, "OTHER") if kind else None))
    return list(out.values())


def row_to_record(cells: dict[str, str], prov: Provenance) -> TrialRecord | Reject:
    raw_id = _value(cells, "Trial number")
    trial_id = canonical_id(raw_id)
    if trial_id is None or registry_of(trial_id) != "CTIS":
        reason = ("record has no trial number" if not raw_id
                  else f"not a CTIS trial number: {raw_id!r}")
        return reject(prov, reason, field="Trial number")
    try:
        fields = _fields(cells, trial_id)
    except ValidationError as exc:  # a part over models.MAX_TEXT (a 200,000-character product)
        return field_reject(prov, exc, nct_id=trial_id)
    prov = prov.model_copy(update={"last_update": fields["last_update"]})
    return build_record(prov, fields)


def _fields(cells: dict[str, str], trial_id: str) -> dict[str, Any]:
    """The record's fields from a row's cells; raises pydantic's error for a part too long."""
    sponsors = _sponsors(_value(cells, "Sponsor/Co-Sponsors"), _value(cells, "Sponsor type"))
    conditions = re.split(r",\s+(?=[A-Z])", _value(cells, "Medical conditions") or "")
    countries = _COUNTRY.findall(_value(cells, "Location(s) and recruitment status") or "")
    primary, secondary = _value(cells, "Primary endpoint"), _value(cells, "Secondary endpoints")
    return {
        "nct_id": trial_id,
        "secondary_ids": tuple(s for s in (_value(cells, "Protocol code"),) if s),
        "brief_title": _value(cells, "Title of the trial"),
        "overall_status": ictrp.status(_value(cells, "Overall trial status")),
        "start_date": ictrp.ictrp_date(_value(cells, "Start date")),
        "completion_date": ictrp.ictrp_date(_value(cells, "Global end of the trial")
                                            or _value(cells, "End date")),
        # CTIS publishes a trial on the decision on its application, and the export holds no
        # earlier date: for a trial moved over from EudraCT (start years before) this is when
        # it became public in CTIS, not its first registration (its EudraCT number is not in
        # the export)
        "first_posted": ictrp.ictrp_date(_value(cells, "Decision date")),
        "last_update": ictrp.ictrp_date(_value(cells, "Last updated")),
        "phases": ictrp.phases(_value(cells, "Trial phase") or ""),
        "study_type": "INTERVENTIONAL",
        "enrollment": ictrp.enrollment(_value(cells, "Number of participants enrolled")),
        "conditions": tuple(dict.fromkeys(c.strip() for c in conditions if c.strip())),
        "interventions": tuple(Intervention(name=p) for p in _products(
            cells.get("Product") if _value(cells, "Product") else None)),
        "lead_sponsor": sponsors[0] if sponsors else None,
        "collaborators": tuple(sponsors[1:]),
        "eligibility": Eligibility(sex=ictrp.sex(_value(cells, "Gender")),
                                   std_ages=_age_groups(_value(cells, "Age group"), _value(
                                       cells, "Age range secondary identifier"))),
        "primary_outcomes": (Outcome(measure=primary),) if primary else (),
        "secondary_outcomes": (Outcome(measure=secondary),) if secondary else (),
        "locations": tuple(Location(country=c.strip()) for c in dict.fromkeys(countries)),
    }
