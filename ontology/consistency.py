"""Consistency checks that need no labels: disagreements inside the annotator's own output.

- (a) ``untargeted``: an engineered product with no target although the record names an antigen
  in a targeting context;
- (b) ``title_platform``: an engineered platform named in the title (as the therapy given) that
  none of the trial's products has;
- (c) ``code_conflicts``: one product code seen in several trials with different targets or
  platforms;
- (d) ``record_conflicts``: the same trial read from two records (a sparse registry snapshot and
  a full record) giving different targets or platforms.

``bench/consistency.py`` prints them for a corpus; ``tests/test_consistency.py`` holds the
bundled sample to them, naming each remaining case and why.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from celltx.ontology import annotate as an
from celltx.ontology import matchers as mt
from celltx.ontology.terms import TrialAnnotation

from celltx.models import TrialRecord


@dataclass
class Findings:
    engineered_trials: int = 0
    untargeted: list[tuple[str, str]] = field(default_factory=list)
    title_platform: list[tuple[str, str]] = field(default_factory=list)
    code_conflicts: list[tuple[str, str]] = field(default_factory=list)
    record_conflicts: list[tuple[str, str]] = field(default_factory=list)


def _facts(ann: TrialAnnotation) -> tuple[frozenset[str], frozenset[str]]:
    return (frozenset(t.key for p in ann.products for t in p.targets),
            frozenset(p.platform for p in ann.products))


def untargeted_antigen(record: TrialRecord) -> str | None:
    """An antigen the record ties to a therapy cue anywhere (the words), or None."""
    texts = an._fielded(record)
    for _f, text in texts["title"] + [("intervention", i.name) for i in record.interventions
                                      ] + texts["descriptions"] + texts["summary"]:
        groups = an._anchored_targets(text, strict=True, positive=True)
        if groups:
            return f"{'+'.join(groups[0])} in “{text[:120]}”"
    return None


def check(pairs: Iterable[tuple[TrialRecord, TrialAnnotation]],
          by_record: dict[str, list[TrialRecord]] | None = None) -> Findings:
    """Run checks (a)–(c) over annotated trials, and (d) over every record of each trial."""
    out = Findings()
    codes: dict[str, set[tuple[frozenset[str], str]]] = defaultdict(set)
    code_trials: dict[str, list[str]] = defaultdict(list)
    for rec, ann in pairs:
        nct = rec.nct_id or ""
        engineered = [p for p in ann.products if p.platform in mt.ENGINEERED]
        if engineered:
            out.engineered_trials += 1
        if any(not p.targets for p in engineered):
            why = untargeted_antigen(rec)
            if why:
                out.untargeted.append((nct, why))
        title = " | ".join(t for t in (rec.brief_title, rec.official_title) if t)
        named = an._platform(title) if title else None
        if named == "CAR-T" and not an._EXPLICIT_T.search(mt.MASKS.sub(" ", title)):
            named = None  # a bare "CAR" names no cell type
        if (named in mt.ENGINEERED and ann.products and not an._title_context_only(title)
                and named not in {p.platform for p in ann.products}):
            out.title_platform.append(
                (nct, f"title names {named}, products are "
                      f"{sorted({p.platform for p in ann.products})}"))
        for p in ann.products:
            if p.code and (p.targets or p.platform in mt.ENGINEERED):
                key = re.sub(r"[\s.-]+", "", p.code.upper())
                codes[key].add((frozenset(t.key for t in p.targets), p.platform))
                code_trials[key].append(nct)
    for code, seen in sorted(codes.items()):
        with_targets = {s for s in seen if s[0]}
        if len({s[0] for s in with_targets}) > 1 or len({s[1] for s in seen}) > 1:
            out.code_conflicts.append((code, f"{sorted((sorted(t), p) for t, p in seen)} in "
                                             f"{sorted(set(code_trials[code]))}"))
    for nct, recs in sorted((by_record or {}).items()):
        if len(recs) < 2:
            continue
        facts = {_facts(an.annotate(r)) for r in recs}
        if len(facts) > 1:
            out.record_conflicts.append(
                (nct, "; ".join(f"{r.provenance.format}: {sorted(t)} {sorted(p)}" for r, (t, p)
                                in zip(recs, (_facts(an.annotate(r)) for r in recs),
                                       strict=True))))
    return out
