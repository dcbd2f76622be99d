"""Human gene symbols, aliases and names found in free text (HGNC protein-coding genes).

The table ``hgnc_genes.tsv.gz`` next to this module is a trimmed copy of the HGNC complete set,
release ``complete_set_2026-06-20`` (HUGO Gene Nomenclature Committee, https://www.genenames.org,
CC0 public-domain dedication). It keeps every Approved gene of locus group "protein-coding
gene" with six columns: hgnc_id, symbol, name, alias_symbol and prev_symbol ("|"-separated) and
the first UniProt accession. Regenerate it (deterministic bytes) with::

    python -m celltx.ontology.hgnc_genes build \\
        ../shared/reference/vocab/hgnc/hgnc_complete_set.tsv.gz

:func:`find_gene_mentions` looks for antigen and gene names in clinical-trial text ("anti-STEAP1
CAR-T", "CAIX-targeted CAR T cells", "carbonic anhydrase IX") with one Aho-Corasick automaton
(pyahocorasick), built lazily on first use and cached:

* approved symbols, alias symbols and previous symbols match case-sensitively, also with a
  hyphen between a letter and a digit dropped ("CD-19", "STEAP-1"); a mixed-case spelling
  ("EphA2", "Her2") counts when upper-casing it gives the form exactly and the form has a digit
  and at least four characters;
* a mention must stand alone (no letter or digit on either side), except that it may be glued
  to "anti"/"CAR"/"CART" on its left and to "CAR"/"CART"/"TCR"/"NK"/"T" on its right;
* alias and previous symbols are dropped when they are shorter than three characters, purely
  alphabetic and at most three characters, clinical abbreviations or English words
  (:data:`STOPLIST`, :data:`ENGLISH_WORDS`), or shared by several genes (unless one of them has
  it as its approved symbol, which then wins);
* approved symbols that are also everyday abbreviations ("CAT", "SET", "HR", "IL2", one- and
  two-character symbols, see :data:`CUE_ONLY_SYMBOLS`) count only next to a targeting cue
  ("anti-", "CAR", "-targeted", ...) and come back flagged ``ambiguous=True``;
* approved names match case-insensitively when they have at least two words and ten characters
  (or are one non-English word of at least eight letters, "mesothelin"); a trailing number may be
  written as a Roman numeral ("carbonic anhydrase IX") or glued with a hyphen ("glypican-3");
* overlapping candidates: the longest wins, then symbol > previous > alias > name.

>>> [(m.symbol, m.alias, m.kind) for m in find_gene_mentions("anti-CD-19 and CAIX-targeted CAR")]
[('CD19', 'CD-19', 'symbol'), ('CA9', 'CAIX', 'alias')]
>>> resolve("BCMA")
['TNFRSF17']
"""

from __future__ import annotations

import argparse
import bisect
import csv
import gzip
import hashlib
import io
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NamedTuple

import ahocorasick

TABLE = Path(__file__).parent / "hgnc_genes.tsv.gz"
INDEX = Path(__file__).parent / "hgnc_gene_index.tsv.gz"
"""The matcher's spellings, precomputed from ``TABLE`` by ``build`` (deriving them takes seconds;
reading them a fraction of one). Its first line holds the SHA-256 of the table it came from."""
DEFAULT_SOURCE = Path("../shared/reference/vocab/hgnc/hgnc_complete_set.tsv.gz")
HGNC_RELEASE = "complete_set_2026-06-20"
COLUMNS = ("hgnc_id", "symbol", "name", "alias_symbol", "prev_symbol", "uniprot")
LOCUS_GROUPS = frozenset({"protein-coding gene"})

KINDS = ("symbol", "previous", "alias", "name")
_PRIORITY = {kind: rank for rank, kind in enumerate(KINDS)}

# ---- policy ------------------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Clinical and trial abbreviations: never an alias or previous symbol (compared upper-cased).
STOPLIST = _words("""
ALL AML CLL CML MDS MPN CAR CART TCR NK NKT CD PD OS PFS EFS DFS RFS ORR DCR DOR DLT MTD RP2D
CR CRI PR SD PD AE SAE TEAE CRS ICANS ECOG KPS HLA IV DNA RNA MRI PET CT BMI FDA NCI NIH NHS USA
LTFU GVHD HSCT ASCT SCT CNS SCLC NSCLC HCC CRC GBM MM DLBCL NHL ALCL PTCL TIL CIK MSC DC IL TNF
IFN GMP SET CAT COPD ANOVA MOCA FACT CHOP CHIP STAT MODY CADASIL AIDS HIV HBV HCV CMV EBV COVID
SARS ICU ECG EKG LVEF ALT AST LDH CRP ULN INR ANC WBC RBC PLT HGB UPN PBMC MRD BID TID QD QID PO
NRM TRM BSA AUC PK QOL PRO ADA EMA ASCO ASH ESMO NCCN IRB IEC CRF CRO ICF GCP SOC SGOT SGPT
ACTH CDAI FACI FACIT PGIS SCAD CTCL ADAS HSPC CROM ADPS ASPS MCCB RAPA MARC CRES PBLT IRAS CISS
DSRC NIMP TABP DRB1 DQB1 DPB1 EBVS PUMA HDAC ACPA CNS1 CNS2 CNS3 ARM1 ARM2 ARM3 TACE LARS LHON
ACTG PIDD PCLD CCNU MARS ADIR MACS BACE DARC MRX34
""")

#: English words (lower case): an alias or previous symbol spelling one of these is dropped. The
#: list holds the HGNC aliases that read as ordinary words in trial text (checked against the
#: words of the ClinicalTrials.gov records in ../shared/corpus) and a hand list of short words.
ENGLISH_WORDS = _words("""
ace act age aid aim air ban bat bed big bit cap cut dad end fat fit gas hit hot key kit lid map
max mix net pan per pin pit pro ram raw red rod run sad sat sun tan tap top via war was wig yes
impact large cast spring clamp ghost tube face gap ras step spot stop arch wasp mask sex hip
type post best arms mass find pilot task wave light blast killer damage rank simple great mark
minor tape scar fast shot zeta race bank wish warts ears calm call nail mice traits clip pace
fact delta chop cardinal tactile lobe spike pinch penumbra maps incl flap apex smile sera mail
fate crest hole flash fish cava bite spasm grasp cage sharp wire spin secret mast fats cart solo
ramp prune mater fell deepest cocoa chip bright blame bars tech taps trade tied tele ship rhino
paul nobody mist mint lamp hops hits grit grab goat danger arts afar alba casa sara frey
advil alien anova apollo aria ariel artemis bash bomb boris bruce camel caper cash catacomb cats
chasm chimp cinema clan clap clasp coaster cram crop cryptic dance dante dapper deft dieter dine
ding dora dragon dream duet eeyore enigma enrage fame feat fiat find flame freq frodo gala
goliath grail hamlet hank hare hermes hilda hint hype hyperion iceberg idol indy iota jedi juno
lark lime lord lulu matt memo midas minerva minion mink miso moca muted nope nuance oasis oboe
orca pacer pander paris peas pesky pisa pita poem prima prism pros rain rick rifle risc ronin
sage sail salsa sink slack slam slick slug snap snark snip soul spam spar spice stamp stars stat
stud swan tango temp trance tuna twister vasa visa warp wars whip feta lama luma mana gata
activin armadillo castor flower fruitless jerky morpheus pitchfork pokemon raptor rubicon
salvador serrate slim spatial tau trident treacle cadherin glypican nexin duo sit ski quo
genesis caprice casper chisel flattop goofy mustang pegasus scraps scythe spartan trimmer
toupee stella sancho midori mauve bazooka armus diva eros hobit pants monad strap custos
bravo sky ray rho met yes gem men era gen kid lag mal pins san tara trad tuba yama yeti arm
helios
""")

#: Aliases of three characters that are matched all the same (everything shorter than four is not).
SHORT_ALIASES = frozenset({"p53", "p16", "p21", "p27", "p38", "5T4"})

#: Approved symbols that are also everyday abbreviations or words in trial text: they count only
#: next to a targeting cue and are returned with ``ambiguous=True``. Every symbol of one or two
#: characters is treated the same way, and needs "anti" right before it ("MB-CART20.1", "PC-CAR"
#: and "TH-CART-027" are product names).
CUE_ONLY_SYMBOLS = _words("""
CAT SET MAX CAPS MSC TNF IL2 IMPACT CAST APP BAD BID CAMP CHAT CLOCK COPE DES GEM ITCH LAT
MOS NES NODAL NUMB PALM PDF PREP REST SHE STAR TANK UNK WAS ARC COIL KEL NHS EFS SCT ADA ELN
CRP TTR NRM CPAP ESD SDS FAS PTH DBP ACR TST FES EMD SMS BPI SCD ACE ABR MIP DMD CAD PPL CCS
APC PSD CNP PAH STS RPE PGD NMS ASL SST OAT SRL PTS LTB LBP DST DLD BTC NPS MMD CFB AMH MNT
MCC LSS LPL TRG NSF MIA IDS GIP DBT CIC CFI BSN ATM VIP CEL GNE MIF CR1 CR2 PML SRC MME FGA PVR
SHF MAG COMP
""")

#: Single-word approved names that mean something else in trial text (bacterial drugs).
NAME_STOPLIST = frozenset({"asparaginase"})

# ---- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GeneRecord:
    hgnc_id: str
    symbol: str
    name: str
    uniprot: str
    aliases: tuple[str, ...] = ()
    previous: tuple[str, ...] = ()


@dataclass(frozen=True)
class GeneMention:
    symbol: str
    hgnc_id: str
    start: int
    end: int
    alias: str
    kind: str
    ambiguous: bool = False


def _split(field: str) -> list[str]:
    return [part.strip() for part in field.split("|") if part.strip()]


def _hgnc_number(hgnc_id: str) -> int:
    return int(hgnc_id.partition(":")[2] or 0)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")  # noqa: SIM115 (closed by the caller)


def table_rows(source: Path) -> list[tuple[str, ...]]:
    """The trimmed rows (see :data:`COLUMNS`) of an HGNC complete-set TSV, sorted by HGNC id."""
    rows: list[tuple[str, ...]] = []
    with _open_text(source) as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row.get("status") != "Approved" or row.get("locus_group") not in LOCUS_GROUPS:
                continue
            uniprot = _split(row.get("uniprot_ids") or "")
            rows.append(tuple(
                " ".join((value or "").split()) for value in (
                    row["hgnc_id"], row["symbol"], row["name"],
                    "|".join(_split(row.get("alias_symbol") or "")),
                    "|".join(_split(row.get("prev_symbol") or "")),
                    uniprot[0] if uniprot else "",
                )
            ))
    rows.sort(key=lambda r: _hgnc_number(r[0]))
    return rows


def build_table(source: Path = DEFAULT_SOURCE) -> bytes:
    """The gzip bytes of the trimmed table; identical for identical input (gzip mtime 0)."""
    lines = ["\t".join(COLUMNS)] + ["\t".join(row) for row in table_rows(source)]
    raw = ("\n".join(lines) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(raw)
    return buffer.getvalue()


@cache
def records() -> tuple[GeneRecord, ...]:
    """Every gene of the shipped table, in HGNC id order."""
    with gzip.open(TABLE, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        if tuple(header) != COLUMNS:
            raise ValueError(f"{TABLE}: unexpected columns {header}")
        return tuple(
            GeneRecord(hgnc_id=r[0], symbol=r[1], name=r[2], uniprot=r[5],
                       aliases=tuple(_split(r[3])), previous=tuple(_split(r[4])))
            for r in reader
        )


@cache
def _by_symbol() -> dict[str, GeneRecord]:
    return {record.symbol: record for record in records()}


def gene(symbol: str) -> GeneRecord | None:
    """The gene with this approved HGNC symbol, or None.

    >>> gene("CA9").name
    'carbonic anhydrase 9'
    """
    return _by_symbol().get(symbol)


# ---- normalisation -----------------------------------------------------------------------------

_HYPHEN = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011](?=\d)")
_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII",
          "XIV", "XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI", "XXII", "XXIII", "XXIV", "XXV")
_TRAILING_NUMBER = re.compile(r"^(.*[^\W\d_]) (\d{1,2})$")
_NUMBERED = re.compile(r"([A-Za-z]+)(\d)")
_GLUED_NUMBER = re.compile(r"([^\W\d_]) (\d)")
# A name followed by one of these is part of a longer name ("tumor necrosis factor receptor",
# "glucagon-like peptide 1", "human epidermal growth factor receptor 2").
_NAME_CONTINUES = re.compile(
    r"[-\s]+(?:receptors?|ligands?|like|related|binding|inhibitors?|activators?|antagonists?|"
    r"agonists?|family|superfamily|subunits?|domains?|interacting|associated|containing)\b",
    re.IGNORECASE)
_NUMBER_FOLLOWS = re.compile(r"[-\s]?\d")


def _dehyphen(text: str) -> tuple[str, list[int]]:
    """The text without hyphens between a letter and a digit, and where they were.

    The second item lists, for each removed hyphen, the index in the new text of the character
    that followed it (ascending), which is what :func:`_original` needs.
    """
    cuts = [m.start() for m in _HYPHEN.finditer(text)]
    if not cuts:
        return text, []
    parts, previous = [], 0
    for cut in cuts:
        parts.append(text[previous:cut])
        previous = cut + 1
    parts.append(text[previous:])
    return "".join(parts), [cut - n for n, cut in enumerate(cuts)]


def _original(index: int, cuts: list[int]) -> int:
    return index + bisect.bisect_right(cuts, index)


def _upper(text: str) -> str:
    """Upper case that keeps every index (characters whose upper case is longer stay as is)."""
    upper = text.upper()
    if len(upper) == len(text):
        return upper
    return "".join(c.upper() if len(c.upper()) == 1 else c for c in text)


def _name_forms(name: str) -> set[str]:
    """A name and its spellings with numbers glued or Roman ("claudin 18", "glypican-3", "IX")."""
    forms = {name, _GLUED_NUMBER.sub(r"\1\2", name)}  # "interleukin-3 receptor" once dehyphened
    match = _TRAILING_NUMBER.match(name)
    if match:
        stem, number = match.group(1), int(match.group(2))
        if 0 < number <= len(_ROMAN):
            forms.add(f"{stem} {_ROMAN[number - 1]}")
            forms.add(f"{stem}-{_ROMAN[number - 1]}")
    return forms


# ---- the index ---------------------------------------------------------------------------------


class _Entry(NamedTuple):
    form: str  # the spelling (hyphens between letters and digits dropped)
    symbol: str
    hgnc_id: str
    kind: str
    ambiguous: bool


def _alias_allowed(alias: str, form: str) -> bool:
    """Whether an alias or previous symbol (``form``: hyphens dropped) may be matched at all."""
    if len(form) < 4 and form not in SHORT_ALIASES:
        return False  # "A2", "CO2", "p13" (a chromosome band), UK postcodes ("HA1")
    if not any(c.isalpha() for c in form) or (alias.isalpha() and len(alias) <= 3):
        return False
    if alias.upper() in STOPLIST or alias.lower() in ENGLISH_WORDS:
        return False
    numbered = _NUMBERED.fullmatch(form)
    if numbered and not numbered.group(1).isupper() and numbered.group(1).lower() in ENGLISH_WORDS:
        return False  # "Arm1": a word and a number
    # Lower-case or capitalised words ("survivin", "Dicer") read like text: keep only long ones.
    return not (re.fullmatch(r"[A-Z]?[a-z]+", alias) and len(alias) < 6)


def _cue_only(symbol: str) -> bool:
    return len(symbol) <= 2 or symbol in CUE_ONLY_SYMBOLS


def _name_allowed(record: GeneRecord) -> bool:
    name = record.name
    if name.lower() in NAME_STOPLIST or name.upper() == record.symbol:
        return False
    if " " in name:
        return len(name) >= 10
    return (len(name) >= 8 and sum(c.isalpha() for c in name) >= 8
            and name.lower() not in ENGLISH_WORDS)


def _entries(genes: Sequence[GeneRecord]) -> list[_Entry]:
    entries: dict[str, _Entry] = {}
    for g in genes:
        form = _dehyphen(g.symbol)[0]
        entries.setdefault(form, _Entry(form, g.symbol, g.hgnc_id, "symbol", _cue_only(g.symbol)))

    # Alias and previous symbols: one gene each (a previous symbol outranking aliases), or
    # dropped. Spellings that differ only in case ("IL-1Ra", "IL1RA") count as one, and one
    # that upper-cases to an approved symbol is dropped.
    approved = {_upper(form) for form in entries}
    owners: dict[str, set[str]] = defaultdict(set)
    spellings: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for g in genes:
        for kind, values in (("previous", g.previous), ("alias", g.aliases)):
            for value in values:
                form = _dehyphen(value)[0]
                if not _alias_allowed(value, form):
                    continue
                key = _upper(form)
                owners[key].add(g.symbol)
                spellings[(key, g.symbol)].setdefault(form, kind)
    by_symbol = {g.symbol: g for g in genes}
    for key in sorted(owners):
        symbols = owners[key]
        if len(symbols) > 1:
            # a previous symbol was once the gene's approved symbol: it outranks other genes'
            # aliases (GARP: previous symbol of LRRC32, an alias of CNGB1)
            symbols = {s for s in symbols if "previous" in spellings[(key, s)].values()}
        if len(symbols) != 1 or key in approved:
            continue
        (symbol,) = symbols
        for form, kind in spellings[(key, symbol)].items():
            entries[form] = _Entry(form, symbol, by_symbol[symbol].hgnc_id, kind, False)

    # Names (matched case-insensitively, so keyed upper-cased); names shared by genes dropped.
    name_owners: dict[str, set[str]] = defaultdict(set)
    for g in genes:
        if _name_allowed(g):
            for form in _name_forms(g.name):
                name_owners[_upper(_dehyphen(form)[0])].add(g.symbol)
    name_entries = [
        _Entry(form, symbol, by_symbol[symbol].hgnc_id, "name", False)
        for form, symbols in sorted(name_owners.items()) if len(symbols) == 1
        for symbol in symbols
    ]
    return list(entries.values()) + name_entries


class _Index:
    """The automaton over every spelling's key (the spelling upper-cased), each key carrying
    the number of its line of the stored index; a line's entries are read when a text first
    holds its key (a few hundred of 110,000 in a build), so that a worker process builds the
    index in about a quarter of the time and memory it took to make every entry up front."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for number, line in enumerate(lines):
            self.automaton.add_word(line[:line.index("\t")], number)
        self.automaton.make_automaton()
        self._groups: dict[int, tuple[int, tuple[_Entry, ...]]] = {}

    def group(self, number: int) -> tuple[int, tuple[_Entry, ...]]:
        """The length of line ``number``'s key and its entries, in their order."""
        found = self._groups.get(number)
        if found is None:
            key, *fields = self.lines[number].split("\t")
            found = self._groups[number] = (len(key), tuple(
                # a gene's symbol and identifier repeat in each of its spellings: one string
                _Entry(fields[i], sys.intern(fields[i + 1]), sys.intern(fields[i + 2]),
                       sys.intern(fields[i + 3]), fields[i + 4] == "1")
                for i in range(0, len(fields), 5)))
        return found


def _index_lines(entries: Iterable[_Entry]) -> list[str]:
    """A line per key (a spelling upper-cased): the key, then the five fields of each entry
    with that key (form, symbol, HGNC id, kind, "1" if ambiguous), in the entries' order."""
    keyed: dict[str, list[_Entry]] = defaultdict(list)
    for entry in entries:
        keyed[_upper(entry.form)].append(entry)
    return ["\t".join([key, *(field for e in group for field in (
        e.form, e.symbol, e.hgnc_id, e.kind, "1" if e.ambiguous else ""))])
        for key, group in keyed.items()]


def build_index() -> bytes:
    """The gzip bytes of the precomputed spellings of the shipped table (``_index_lines``),
    stamped with the table's hash (so that a stale index is never read)."""
    lines = [_index_stamp(), *_index_lines(_entries(records()))]
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(("\n".join(lines) + "\n").encode("utf-8"))
    return buffer.getvalue()


INDEX_FORMAT = 2
"""The layout of the stored index (2: a line per key), stamped in its first line with the
table's hash, so that an index of another layout or table is never read."""


def _index_stamp() -> str:
    return (f"# celltx HGNC index {INDEX_FORMAT} of table sha256 "
            f"{hashlib.sha256(TABLE.read_bytes()).hexdigest()}")


def _stored_lines() -> list[str] | None:
    """The lines of the precomputed spellings, or None when missing, of another layout or
    made from another table."""
    if not INDEX.exists():
        return None
    lines = gzip.decompress(INDEX.read_bytes()).decode("utf-8").splitlines()
    if not lines or lines[0] != _index_stamp():
        return None
    return lines[1:]


@cache
def _index() -> _Index:
    lines = _stored_lines()
    return _Index(lines if lines is not None else _index_lines(_entries(records())))


def index_stats() -> dict[str, int]:
    """How many genes and spellings (symbols, aliases, names) the automaton holds (read from
    the lines, without keeping their entries)."""
    index = _index()
    fields = [line.split("\t")[1:] for line in index.lines]
    return {"genes": len({f[i] for f in fields for i in range(1, len(f), 5)}),
            "forms": sum(len(f) // 5 for f in fields), "keys": len(index.automaton)}


# ---- matching ----------------------------------------------------------------------------------

_LEFT_GLUE = ("CART", "CAR", "anti", "Anti", "ANTI")
_RIGHT_GLUE = ("CART", "CAR", "Car", "TCR", "NK")
_LEFT_CUE = re.compile(
    r"(?:(?<![A-Za-z0-9])(?:anti|Anti|ANTI)[-\s]?|CAR[-.\s]?|CART[-\s]?|"
    r"(?<![-\w])(?:against|targeting)\s)$")
_ANTI = re.compile(r"(?<![A-Za-z0-9])(?:anti|Anti|ANTI)[-\s]?$")
_RIGHT_CUE = re.compile(
    r"^(?:[-\s]?(?:CARs?\b|CAR-?T|CART|Car\b|TCR|NK\b)|"
    r"[-\s](?:targeted|targeting|directed|redirected))")


def _left_ok(text: str, start: int) -> bool:
    if start == 0 or not text[start - 1].isalnum():
        return True
    for glue in _LEFT_GLUE:
        if text.endswith(glue, 0, start):
            before = start - len(glue)
            return before == 0 or not text[before - 1].isalnum()
    return False


def _right_ok(text: str, end: int) -> bool:
    if end == len(text) or not text[end].isalnum():
        return True
    for glue in _RIGHT_GLUE:
        if text.startswith(glue, end):
            after = end + len(glue)
            return after == len(text) or not (text[after].isupper() or text[after].isdigit())
    # "CD19T cells": only after a digit, so that "FACIT" or "EBVST" do not end in a gene.
    return (text[end] == "T" and text[end - 1].isdigit()
            and (end + 1 == len(text) or not text[end + 1].isalpha()))


def _has_cue(text: str, start: int, end: int) -> bool:
    """A targeting cue next to a mention; one- and two-character symbols need "anti-" before."""
    window = max(0, start - 12)
    if end - start <= 2:
        return bool(_ANTI.search(text, window, start))
    return bool(_LEFT_CUE.search(text, window, start) or _RIGHT_CUE.match(text[end:end + 24]))


def _name_bounded(text: str, start: int, end: int) -> bool:
    if (start and text[start - 1].isalnum()) or (end < len(text) and text[end].isalnum()):
        return False
    if _NAME_CONTINUES.match(text, end):
        return False
    return text[end - 1].isdigit() or not _NUMBER_FOLLOWS.match(text, end)


def _pick(segment: str, key: str, group: tuple[_Entry, ...]) -> _Entry | None:
    names = [e for e in group if e.kind == "name"]
    for entry in group:
        if entry.kind != "name" and entry.form == segment:
            return entry
    if segment != key and len(key) >= 4 and any(c.isdigit() for c in key) \
            and any(c.isupper() for c in segment):
        for entry in group:
            if entry.kind != "name" and entry.form == key:
                return entry
    return names[0] if names else None


def find_gene_mentions(text: str) -> list[GeneMention]:
    """Gene mentions in ``text``, left to right, without overlaps (see the module docstring).

    >>> [m.symbol for m in find_gene_mentions("EphA2- and Her2-specific CAR T cells")]
    ['EPHA2', 'ERBB2']
    >>> find_gene_mentions("Phase I study of safety in ALL and AML patients with CRS")
    []
    """
    if not text:
        return []
    norm, cuts = _dehyphen(text)
    upper = _upper(norm)
    candidates: list[tuple[int, int, int, _Entry]] = []
    index = _index()
    for last, number in index.automaton.iter(upper):
        length, group = index.group(number)
        start, end = last - length + 1, last + 1
        entry = _pick(norm[start:end], upper[start:end], group)
        if entry is None:
            continue
        if entry.kind == "name":
            if not _name_bounded(norm, start, end):
                continue
        elif not (_left_ok(norm, start) and _right_ok(norm, end)):
            continue
        if entry.ambiguous and not _has_cue(norm, start, end):
            continue
        candidates.append((start, end, _PRIORITY[entry.kind], entry))

    candidates.sort(key=lambda c: (c[0] - c[1], c[2], c[0]))
    taken = bytearray(len(norm))
    chosen: list[GeneMention] = []
    for start, end, _, entry in candidates:
        if any(taken[start:end]):
            continue
        taken[start:end] = b"\x01" * (end - start)
        o_start, o_end = _original(start, cuts), _original(end - 1, cuts) + 1
        chosen.append(GeneMention(entry.symbol, entry.hgnc_id, o_start, o_end,
                                  text[o_start:o_end], entry.kind, entry.ambiguous))
    chosen.sort(key=lambda m: m.start)
    return chosen


# ---- lookup ------------------------------------------------------------------------------------


@cache
def _lookup() -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, list[str]]]:
    previous: dict[str, list[str]] = defaultdict(list)
    aliases: dict[str, list[str]] = defaultdict(list)
    names: dict[str, list[str]] = defaultdict(list)
    for g in records():
        for value in g.previous:
            previous[value].append(g.symbol)
        for value in g.aliases:
            aliases[value].append(g.symbol)
        for form in _name_forms(g.name):
            names[form.casefold()].append(g.symbol)
    return dict(previous), dict(aliases), dict(names)


def resolve(alias: str) -> list[str]:
    """Approved symbols that a symbol, previous symbol, alias or name stands for (unfiltered).

    An approved symbol resolves to itself only; otherwise genes with it as a previous symbol
    come first, then as an alias, then as a name. "CD-19" and "EphA2" style spellings are tried
    when the text as written is not known.

    >>> resolve("HER2"), resolve("carbonic anhydrase IX"), resolve("CD-19")
    (['ERBB2'], ['CA9'], ['CD19'])
    """
    previous, aliases, names = _lookup()
    spellings = [alias.strip()]
    spellings.append(_dehyphen(spellings[0])[0])
    spellings.append(spellings[-1].upper())
    for spelling in dict.fromkeys(spellings):
        if gene(spelling) is not None:
            return [spelling]
        found = [*previous.get(spelling, ()), *aliases.get(spelling, ()),
                 *names.get(spelling.casefold(), ())]
        if found:
            return list(dict.fromkeys(found))
    return []


# ---- command line ------------------------------------------------------------------------------


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m celltx.ontology.hgnc_genes",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help=f"write {TABLE.name} from the HGNC complete set")
    build.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE)
    build.add_argument("--output", type=Path, default=TABLE)
    find = commands.add_parser("find", help="print the gene mentions in some text")
    find.add_argument("text", nargs="+")
    args = parser.parse_args(None if argv is None else list(argv))
    if args.command == "build":
        data = build_table(args.source)
        args.output.write_bytes(data)
        print(f"{args.output}: {len(data):,} bytes, {len(table_rows(args.source)):,} genes")
        if args.output == TABLE:
            records.cache_clear()
            INDEX.write_bytes(build_index())
            print(f"{INDEX}: precomputed spellings")
    else:
        for mention in find_gene_mentions(" ".join(args.text)):
            print(mention)
    return 0


if __name__ == "__main__":
    sys.exit(main())
