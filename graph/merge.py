"""Merging the records of one trial read from several sources into one account.

The newest record (by last-update date, then by the richness of its format) is primary: its
values win; a field it lacks is taken from the next record that has it. Disagreements are kept
as conflicts, and every record stays listed in the provenance.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from celltx.models import Eligibility, Provenance, Reject, SourceFormat, Sponsor, TrialRecord
from celltx.registries import REGISTRY_NAMES, canonical_id, registry_of

FORMAT_RANK = {
    SourceFormat.CTGOV_V2_JSON: 4, SourceFormat.CTGOV_XML: 3, SourceFormat.CTGOV_CSV: 2,
    SourceFormat.CTGOV_LEGACY_CSV: 1, SourceFormat.REGISTRY_PAGE: 0,
    SourceFormat.CHICTR_XML: 3, SourceFormat.CTIS_CSV: 2, SourceFormat.ICTRP_XML: 1,
    SourceFormat.ICTRP_CSV: 1, SourceFormat.ICTRP_XLSX: 1,
}
COMPARED_FIELDS = ("brief_title", "overall_status", "phases", "start_date", "enrollment",
                   "study_type", "lead_sponsor")
"""Fields whose differing values between a trial's records are kept as conflicts (the lead
sponsor by its name)."""


TYPE_OF = {"start_date_type": "start_date", "enrollment_type": "enrollment",
           "last_known_status": "overall_status"}
"""Fields that qualify another (actual or estimated; the status last verified of an unknown
one): taken from the record that gives the other, never filled on their own (an old record's
ESTIMATED beside a newer record's date)."""


def _compared(record: TrialRecord, name: str) -> Any:
    value = getattr(record, name)
    return value.name if isinstance(value, Sponsor) else value


@dataclass
class MergedTrial:
    nct_id: str
    record: TrialRecord
    """The merged account (the primary record, gaps filled from the others)."""
    sources: list[Provenance]
    conflicts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """field -> [{value, source}] where sources disagree (first is the current value)."""
    evidence: list[str] = field(default_factory=list)
    """Why records were merged: ``nct_id`` or other evidence added by other matchers."""
    registry_ids: list[str] = field(default_factory=list)
    """Every registry id of the trial, its own (``nct_id``) first."""


def _recency(rec: TrialRecord) -> tuple[str, int, str]:
    return (rec.last_update or "", FORMAT_RANK[rec.provenance.format], rec.provenance.ref)


def _empty(value: Any) -> bool:
    return value is None or value == () or value == ""


def merge_records(records: Iterable[TrialRecord], trial_id: str | None = None) -> MergedTrial:
    """Merge one trial's records: the newest is primary, gaps are filled, conflicts kept.

    Records identified without an NCT number of their own (a registry page matched by title)
    take the trial's number from the records that state it. With ``trial_id``, the records may
    come from several registries (``link_registries`` found them to be one trial): the merged
    record is named ``trial_id`` and lists the other registries' ids among its secondary ids.
    """
    ordered = sorted(records, key=_recency, reverse=True)
    only = ordered[0] if len(ordered) == 1 else None
    if only is not None and only.nct_id:  # most trials: nothing to fill or compare
        return MergedTrial(nct_id=only.nct_id, record=only, sources=[only.provenance],
                           registry_ids=[only.nct_id])
    stated = [r.nct_id for r in ordered if r.nct_id]
    if not stated:
        raise ValueError("merge_records needs at least one record with an NCT number")
    if len(set(stated)) > 1 and trial_id is None:
        raise ValueError(f"records of different trials cannot be merged: {sorted(set(stated))}")
    nct = trial_id or stated[0]
    ids = [nct, *sorted(set(stated) - {nct})]
    primary = ordered[0]
    updates: dict[str, Any] = {}
    if primary.nct_id != nct:
        updates["nct_id"] = nct
    others = tuple(i for i in ids[1:] if i not in primary.secondary_ids)
    if others:
        updates["secondary_ids"] = primary.secondary_ids + others
    for name in TrialRecord.model_fields:
        if (name in ("provenance", "eligibility") or name in updates or name in TYPE_OF
                or not _empty(getattr(primary, name))):
            continue
        for other in ordered[1:]:
            value = getattr(other, name)
            if not _empty(value):
                updates[name] = value
                break
    for name, of in TYPE_OF.items():  # a value's type from the record that gave the value
        giver = next((r for r in ordered if not _empty(getattr(r, of))), primary)
        if getattr(giver, name) != getattr(primary, name):
            updates[name] = getattr(giver, name)
    actual = next((r for r in ordered if r.start_date
                   and (r.start_date_type or "").upper() == "ACTUAL"), None)
    if actual is not None and not updates.get("start_date_type", primary.start_date_type):
        # a start that a record says was made keeps its date against a newer record that gives
        # another without its type (a rewritten planned date: "2026-06-01" beside "2020-06-01,
        # ACTUAL"); the other date stays among the conflicts
        updates["start_date"] = actual.start_date
        updates["start_date_type"] = actual.start_date_type
    elig = primary.eligibility
    elig_updates: dict[str, Any] = {}
    for name in Eligibility.model_fields:
        if not _empty(getattr(elig, name)):
            continue
        for other in ordered[1:]:
            value = getattr(other.eligibility, name)
            if not _empty(value):
                elig_updates[name] = value
                break
    if elig_updates:
        updates["eligibility"] = elig.model_copy(update=elig_updates)
    merged = primary.model_copy(update=updates) if updates else primary
    conflicts: dict[str, list[dict[str, Any]]] = {}
    for name in COMPARED_FIELDS:
        seen: dict[Any, str] = {}
        for rec in ordered:
            value = _compared(rec, name)
            if not _empty(value) and value not in seen:
                seen[value] = rec.provenance.ref
        if len(seen) > 1:
            conflicts[name] = [{"value": v if not isinstance(v, tuple) else list(v), "source": s}
                               for v, s in seen.items()]
    return MergedTrial(
        nct_id=nct, record=merged,
        sources=[r.provenance for r in sorted(ordered, key=lambda r: r.provenance.ref)],
        conflicts=conflicts,
        evidence=["nct_id"] if len(stated) > 1 and len(ids) == 1 else [],
        registry_ids=ids,
    )


# ---- one trial in several registries ------------------------------------------------------------

_REGISTRY_RANK = {name: i for i, name in enumerate(REGISTRY_NAMES)}
"""Which id names a trial known in several registries: ClinicalTrials.gov's, then ChiCTR's,
EU CTR's, CTIS's … (the order of ``celltx.registries.REGISTRIES``), so that a trial keeps the
id (and IRI) it had before its other registrations were read."""


def _id_rank(trial_id: str) -> tuple[int, str]:
    return (_REGISTRY_RANK.get(registry_of(trial_id) or "", len(_REGISTRY_RANK)), trial_id)


def link_registries(
    groups: dict[str, list[TrialRecord]],
) -> tuple[dict[str, list[TrialRecord]], dict[str, list[str]], dict[str, str]]:
    """Join the record groups (by registry id) of one trial registered in several registries.

    A record whose secondary id names, once canonical, the id of another group in the build
    (an EU CTR record listing ``NCT05697861``, an ICTRP ``Secondary_ID`` with a EudraCT
    number) links the two groups; so do two groups whose records name the same other
    registry's id (a jRCT and an NL-OMON record both listing ``NCT04136184``). Linked groups
    become one, under the id of the best-ranked registry (``_REGISTRY_RANK``). Returns the
    groups, per joined group the evidence (which record's secondary id named which trial),
    and the new id of every group that was renamed. Ids of one registry are never linked (an
    NCT alias is ClinicalTrials.gov's business).
    """
    parent: dict[str, str] = {k: k for k in groups}

    def find(k: str) -> str:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    evidence: dict[str, list[str]] = defaultdict(list)
    links: list[tuple[str, str, str]] = []
    naming: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, recs in groups.items():
        for rec in recs:
            for sid in rec.secondary_ids:
                other = canonical_id(sid)
                if other is None or other == key or registry_of(other) == registry_of(key):
                    continue  # within one registry, ids are the registry's own business
                if other in groups:
                    links.append((key, other, f"secondary id {sid!r} of {rec.provenance.ref} "
                                              f"({key}) names {other}"))
                else:
                    naming[other].append((key, rec.provenance.ref))
    for other, named_by in naming.items():  # registrations in two registries naming one trial
        keys = list(dict.fromkeys(k for k, _ in named_by))
        per_registry = Counter(registry_of(k) for k in keys)
        if len(keys) < 2 or max(per_registry.values()) > 1:
            continue  # two trials of one registry naming it: a parent study, not one trial
        first_key, first_ref = named_by[0]
        for key, ref in named_by[1:]:
            if key != first_key:
                links.append((key, first_key, f"{ref} ({key}) and {first_ref} ({first_key}) "
                                              f"both name {other} as a secondary id"))
    if not links:
        return groups, {}, {}
    for a, b, _ in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb, key=_id_rank)] = min(ra, rb, key=_id_rank)
    joined: dict[str, list[TrialRecord]] = defaultdict(list)
    for key in sorted(groups, key=_id_rank):
        joined[find(key)].extend(groups[key])
    for a, _, why in links:
        evidence[find(a)].append(why)
    renamed = {k: find(k) for k in groups if find(k) != k}
    return dict(joined), {k: sorted(set(v)) for k, v in evidence.items()}, renamed


# ---- identifying records that have no NCT number ------------------------------------------------

TITLE_MIN_TOKENS = 6
"""A title shorter than this (in words) is too generic to identify a trial by."""
TITLE_FUZZY_RATIO = 0.93
"""Near-identical titles (after normalisation) may differ in spelling only (``leukaemia`` /
``leukemia``, ``tumour`` / ``tumor``, a stop word), never in a number, a symbol or any other
word: every word of one title must be in the other or a close spelling of one of its words."""
SPELLING_RATIO = 0.8

_STOP = frozenset(["a", "an", "the", "of", "in", "on", "for", "with", "and", "or", "to", "by",
                   "at", "as", "from", "its", "their"])


def normalise_title(title: str) -> str:
    """Case-, punctuation- and spacing-insensitive form of a title.

    >>> normalise_title("CLL1 and CD38 Dual-Target CAR-T Cell Injection (r/r AML)")
    'cll1 and cd38 dual target car t cell injection r r aml'
    """
    text = unicodedata.normalize("NFKC", title).casefold()
    text = text.replace("…", " ").replace("γδ", "gamma delta")
    return " ".join(re.findall(r"[^\W_]+", text))


def _digits(token: str) -> str:
    return "".join(c for c in token if c.isdigit())


def _spelling_variant(a: str, b: str) -> bool:
    return (_digits(a) == _digits(b) and len(a) >= 4 and len(b) >= 4
            and SequenceMatcher(None, a, b, autojunk=False).ratio() >= SPELLING_RATIO)


def spelling_only_differs(a: str, b: str) -> bool:
    """True when two normalised titles differ only in stop words and spelling variants.

    >>> spelling_only_differs("cd19 car t in acute leukaemia", "cd19 car t for acute leukemia")
    True
    >>> spelling_only_differs("bcma car t in multiple myeloma", "msln car t in multiple myeloma")
    False
    """
    ta, tb = set(a.split()) - _STOP, set(b.split()) - _STOP
    only_a, only_b = ta - tb, tb - ta
    return (all(any(_spelling_variant(x, y) for y in only_b) for x in only_a)
            and all(any(_spelling_variant(y, x) for x in only_a) for y in only_b))


def _titles(rec: TrialRecord) -> list[str]:
    return [t for t in (rec.brief_title, rec.official_title) if t]


@dataclass
class _TitleIndex:
    exact: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    by_token: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    titles: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, nct: str, title: str) -> None:
        norm = normalise_title(title)
        if len(norm.split()) < TITLE_MIN_TOKENS:
            return
        self.exact[norm].add(nct)
        self.titles[nct].add(norm)
        for tok in set(norm.split()) - _STOP:
            self.by_token[tok].add(nct)

    def match(self, title: str) -> tuple[set[str], str]:
        """NCT ids whose title matches ``title``, and how (``identical`` or ``similar …``)."""
        norm = normalise_title(title)
        if len(norm.split()) < TITLE_MIN_TOKENS:
            return set(), ""
        if norm in self.exact:
            return set(self.exact[norm]), "identical after normalisation"
        tokens = set(norm.split()) - _STOP
        counts: Counter[str] = Counter()
        for tok in tokens:
            for nct in self.by_token.get(tok, ()):
                counts[nct] += 1
        hits: dict[str, float] = {}
        for nct, shared in counts.items():
            if shared < 0.7 * len(tokens):
                continue
            for cand in self.titles[nct]:
                if not spelling_only_differs(norm, cand):
                    continue
                ratio = SequenceMatcher(None, norm, cand, autojunk=False).ratio()
                if ratio >= TITLE_FUZZY_RATIO:
                    hits[nct] = max(hits.get(nct, 0.0), ratio)
        if not hits:
            return set(), ""
        best = max(hits.values())
        return set(hits), f"similar (ratio {best:.2f} ≥ {TITLE_FUZZY_RATIO})"


def identify_records(
    unidentified: list[TrialRecord], known: dict[str, list[TrialRecord]]
) -> tuple[list[tuple[TrialRecord, str, str]], list[Reject]]:
    """Find the trial of each record that has no NCT number (e.g. a registry page).

    Matched first by a secondary id shared with exactly one known trial, else by a title equal
    (after normalisation) or near-equal to the title of exactly one known trial. Returns
    (record, NCT id, evidence) for each match, and a reject for each record whose trial cannot
    be identified: a page whose trial is unknown or ambiguous is never guessed.
    """
    if not unidentified:  # (no index of every known trial's titles to build: a bulk download)
        return [], []
    by_secondary: dict[str, set[str]] = defaultdict(set)
    index = _TitleIndex()
    for nct, recs in known.items():
        for rec in recs:
            for sid in rec.secondary_ids:
                by_secondary[_sid_key(sid)].add(nct)
            for title in _titles(rec):
                index.add(nct, title)
    matched: list[tuple[TrialRecord, str, str]] = []
    rejects: list[Reject] = []
    for rec in unidentified:
        found, evidence, problem = _identify(rec, by_secondary, index)
        if found:
            matched.append((rec, found, evidence))
            continue
        p = rec.provenance
        rejects.append(Reject(path=p.path, format=p.format, record=p.record, line=p.line,
                              field="nct_id",
                              reason=f"trial cannot be identified: no NCT number and {problem}"))
    return matched, rejects


def _sid_key(sid: str) -> str:
    return re.sub(r"\s+", " ", sid.strip().casefold())


def _identify(rec: TrialRecord, by_secondary: dict[str, set[str]],
              index: _TitleIndex) -> tuple[str | None, str, str]:
    """(NCT id, evidence, "") on a unique match, else (None, "", why not)."""
    sid_hits: set[str] = set()
    for sid in rec.secondary_ids:
        sid_hits |= by_secondary.get(_sid_key(sid), set())
    if len(sid_hits) == 1:
        nct = next(iter(sid_hits))
        sids = ", ".join(s for s in rec.secondary_ids if nct in by_secondary.get(_sid_key(s), ()))
        return nct, f"secondary id {sids!r} shared with {nct}", ""
    if len(sid_hits) > 1:
        return None, "", f"its secondary ids match several trials ({', '.join(sorted(sid_hits))})"
    title_hits: dict[str, str] = {}
    for title in _titles(rec):
        ncts, how = index.match(title)
        for nct in ncts:
            title_hits.setdefault(nct, f"title {how} to the title of {nct}: {title!r}")
    if len(title_hits) == 1:
        nct, evidence = next(iter(title_hits.items()))
        return nct, evidence, ""
    if len(title_hits) > 1:
        return None, "", (f"its title matches several trials ({', '.join(sorted(title_hits))}); "
                          "not merged")
    if not _titles(rec):
        return None, "", "no title to match"
    return None, "", "no secondary id or title matching a known trial"
