"""From a ``TrialRecord`` to its normalised facts (``TrialAnnotation``).

Minimal first version: phases, statuses, study types and countries. Targets, products,
conditions and sponsors arrive with the normalisation issue.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

import pycountry
from celltx.ontology.terms import ConditionMatch, OrganizationTerm, Term, TrialAnnotation

from celltx.models import TrialRecord

_CLASS_OF = {
    "INDUSTRY": "industry", "NIH": "government", "FED": "government", "OTHER_GOV": "government",
    "NETWORK": "network", "INDIV": "individual", "OTHER": "academic",
}


@cache
def _table(name: str) -> list[dict[str, str]]:
    text = resources.files("celltx.ontology").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


@cache
def _phases() -> dict[str, Term]:
    return {
        r["ctgov_phases"]: Term(key=r["ctgov_phases"], label=r["display"], iri=r["ncit_iri"],
                                curie=r["ncit_curie"])
        for r in _table("trial_phases.tsv")
    }


@cache
def _country_aliases() -> dict[str, str]:
    return {r["ctgov_name"].lower(): r["iso3166_alpha2"] for r in _table("country_aliases.tsv")}


@cache
def country_code(name: str) -> str | None:
    """ISO 3166 alpha-2 code of a registry country name.

    >>> country_code("United States"), country_code("Turkey"), country_code("Korea, Republic of")
    ('US', 'TR', 'KR')
    """
    key = name.strip().lower()
    if key in _country_aliases():
        return _country_aliases()[key]
    try:
        return str(pycountry.countries.lookup(name.strip()).alpha_2)
    except LookupError:
        pass
    try:
        return str(pycountry.countries.search_fuzzy(name.strip())[0].alpha_2)
    except LookupError:
        return None


def organization_key(name: str) -> str:
    """A spelling-insensitive key for an organisation name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def annotate(record: TrialRecord) -> TrialAnnotation:
    phase_key = "|".join(record.phases) if record.phases else None
    orgs = []
    if record.lead_sponsor:
        orgs.append(_org(record.lead_sponsor.name, record.lead_sponsor.sponsor_class, "lead"))
    for c in record.collaborators:
        orgs.append(_org(c.name, c.sponsor_class, "collaborator"))
    return TrialAnnotation(
        is_cell_therapy=False,
        conditions=tuple(ConditionMatch(as_written=c) for c in record.conditions),
        organizations=tuple(orgs),
        phase=_phases().get(phase_key) if phase_key else None,
        location_countries=tuple(
            country_code(loc.country) if loc.country else None for loc in record.locations
        ),
    )


def _org(name: str, ctgov_class: str | None, role: str) -> OrganizationTerm:
    return OrganizationTerm(
        as_written=name, key=organization_key(name), name=name,
        org_class=_CLASS_OF.get(ctgov_class or "", "other"), role=role,  # type: ignore[arg-type]
        ctgov_class=ctgov_class,
    )
