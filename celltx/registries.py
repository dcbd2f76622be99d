"""Trial registries and their identifiers: which registry an id belongs to, its canonical form,
its IRI and its landing page.

A trial's identifier is the id its registry gives it (``NCT04324996``, ``ChiCTR2000029817``,
``EUCTR2004-001298-24``, CTIS ``2023-507820-22-00``, ``ISRCTN…``, ``IRCT…``, ``JPRN-…``,
``DRKS…``, ``NL-OMON…``, ``KCT…``, ``ACTRN…``, ``CTRI/…`` …); the registry is derived from the
id, never stored apart from it. Canonical forms: EU CTR national records
(``EUCTR2004-001298-24-ES``) are one trial, ``EUCTR`` + the EudraCT number; CTIS numbers drop
the ``CTIS`` prefix that ICTRP adds.

IRIs: ``https://identifiers.org/PREFIX:ID`` where the prefix is registered at identifiers.org
(MIRIAM: ``clinicaltrials``, ``euclinicaltrials``), else ``https://bioregistry.io/PREFIX:ID``
where bioregistry has a prefix for the registry (``chictr``, ``ctis``, ``isrctn``, ``irct``,
``drks``, ``kcris``, ``anzctr``, ``ctri``, ``jrct``, ``uminctr``, ``omon`` …; checked against
bioregistry 0.15), else our own namespace ``https://w3id.org/celltx/registry/SLUG/ID``.

>>> registry_of("ChiCTR2000029817"), canonical_id("EUCTR2004-001298-24-ES")
('ChiCTR', 'EUCTR2004-001298-24')
>>> canonical_id("CTIS2023-507385-11-00"), registry_of("2023-507385-11-00")
('2023-507385-11-00', 'CTIS')
>>> trial_iri("NCT04324996"), trial_iri("ChiCTR2000029817")
('https://identifiers.org/clinicaltrials:NCT04324996', 'https://bioregistry.io/chictr:ChiCTR2000029817')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

OWN_NAMESPACE = "https://w3id.org/celltx/registry/"
"""Trial IRIs for registries that neither identifiers.org nor bioregistry name."""


@dataclass(frozen=True)
class Registry:
    name: str
    """The registry's name as celltx reports it (``registry`` property and query parameter)."""
    pattern: re.Pattern[str]
    """A canonical id of this registry."""
    prefix: str | None
    """The bioregistry prefix, if bioregistry has one."""
    url: str | None = None
    """The landing page of a trial (``{}`` is the local id)."""
    strip: str = ""
    """What the canonical id carries before bioregistry's local id (``EUCTR``, ``NL-OMON``)."""
    miriam: bool = False
    """The prefix is also registered at identifiers.org."""
    slug: str = ""


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


REGISTRIES: tuple[Registry, ...] = (
    Registry("ClinicalTrials.gov", _r(r"NCT\d{8}"), "clinicaltrials",
             "https://clinicaltrials.gov/study/{}", miriam=True),
    Registry("ChiCTR", _r(r"ChiCTR(-[A-Z]+-)?\d+"), "chictr",
             "https://www.chictr.org.cn/searchprojEN.html?regno={}"),
    Registry("EU CTR", _r(r"EUCTR\d{4}-\d{6}-\d{2}"), "euclinicaltrials",
             "https://www.clinicaltrialsregister.eu/ctr-search/search?query={}",
             strip="EUCTR", miriam=True),
    Registry("CTIS", _r(r"\d{4}-5\d{5}-\d{2}-\d{2}"), "ctis",
             "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={}"),
    Registry("ISRCTN", _r(r"ISRCTN\d{8}"), "isrctn", "https://www.isrctn.com/{}"),
    Registry("IRCT", _r(r"IRCT\d+N\d+"), "irct"),
    Registry("DRKS", _r(r"DRKS\d{8}"), "drks", "https://drks.de/search/en/trial/{}"),
    Registry("CRIS", _r(r"KCT\d{7}"), "kcris"),
    Registry("ANZCTR", _r(r"ACTRN\d{14}"), "anzctr",
             "https://anzctr.org.au/Trial/Registration/TrialReview.aspx?ACTRN={}"),
    Registry("CTRI", _r(r"CTRI/\d{4}/\d{2,3}/\d+"), "ctri"),
    Registry("JPRN", _r(r"JPRN-jRCT\w?\d+"), "jrct", strip="JPRN-"),
    Registry("JPRN", _r(r"JPRN-UMIN\d+"), "uminctr", strip="JPRN-"),
    Registry("JPRN", _r(r"JPRN-[A-Za-z]+-?\d+(-\d+)?"), None, slug="jprn"),
    Registry("NL-OMON", _r(r"NL-OMON\d+"), "omon", "https://onderzoekmetmensen.nl/en/trial/{}",
             strip="NL-OMON"),
    Registry("NTR", _r(r"(NTR|NL)\d+"), None, slug="ntr"),
    Registry("PACTR", _r(r"PACTR\d+"), "pactr"),
    Registry("TCTR", _r(r"TCTR\d+"), "tctr", "https://www.thaiclinicaltrials.org/show/{}"),
    Registry("REBEC", _r(r"RBR-\w+"), "rebec", "https://ensaiosclinicos.gov.br/rg/{}"),
    Registry("LBCTR", _r(r"LBCTR\d+"), "lbctr"),
    Registry("SLCTR", _r(r"SLCTR/\d{4}/\d+"), "slctr"),
    Registry("RPCEC", _r(r"RPCEC\d+"), "rpcec", "https://rpcec.sld.cu/en/trials/{}"),
    Registry("REPEC", _r(r"PER-\d+-\d+"), None, slug="repec"),
    Registry("ITMCTR", _r(r"ITMCTR\d+"), "itmctr"),
)
REGISTRY_NAMES: tuple[str, ...] = tuple(dict.fromkeys(r.name for r in REGISTRIES))
"""Every registry name celltx knows (the values of a trial's ``registry``)."""

_EUCTR_NATIONAL = re.compile(r"^(EUCTR\d{4}-\d{6}-\d{2})-[A-Z]{2,3}$")
_EUDRACT = re.compile(r"^\d{4}-\d{6}-\d{2}$")
_CTIS_PREFIXED = re.compile(r"^CTIS(\d{4}-5\d{5}-\d{2}-\d{2})$")


@lru_cache(maxsize=65536)
def canonical_id(text: str | None) -> str | None:
    """The canonical trial id that ``text`` names, or None when it is no registry id known here.

    >>> canonical_id(" nct04324996 "), canonical_id("2022-003405-30"), canonical_id("ABC-12")
    ('NCT04324996', 'EUCTR2022-003405-30', None)
    """
    if text is None:
        return None
    value = text.strip()
    if value[:3].upper() == "NCT":
        value = value.upper()
    if (m := _EUCTR_NATIONAL.match(value)) or (m := _CTIS_PREFIXED.match(value)):
        value = m.group(1)
    elif _EUDRACT.match(value):
        value = "EUCTR" + value
    return value if _registry(value) is not None else None


@lru_cache(maxsize=65536)
def _registry(value: str) -> Registry | None:
    for reg in REGISTRIES:
        if reg.pattern.fullmatch(value):
            return reg
    return None


def registry_of(trial_id: str | None) -> str | None:
    """The name of the registry of a canonical trial id (None if unknown)."""
    reg = _registry(trial_id) if trial_id else None
    return reg.name if reg else None


def _local(reg: Registry, trial_id: str) -> str:
    return trial_id[len(reg.strip):] if reg.strip and trial_id.startswith(reg.strip) else trial_id


def trial_iri(trial_id: str) -> str:
    """The public IRI of a trial (see the module's docstring for the namespaces)."""
    reg = _registry(trial_id)
    if reg is None:
        raise ValueError(f"not a trial id of a known registry: {trial_id!r}")
    local = quote(_local(reg, trial_id), safe="-._~")
    if reg.prefix and reg.miriam:
        return f"https://identifiers.org/{reg.prefix}:{local}"
    if reg.prefix:
        return f"https://bioregistry.io/{reg.prefix}:{local}"
    return f"{OWN_NAMESPACE}{reg.slug}/{local}"


def trial_url(trial_id: str) -> str:
    """A trial's landing page: the registry's own where its address is known, else the WHO
    ICTRP search portal's."""
    reg = _registry(trial_id)
    if reg is not None and reg.url:
        return reg.url.format(quote(_local(reg, trial_id), safe="-._~"))
    return "https://trialsearch.who.int/Trial2.aspx?TrialID=" + quote(trial_id, safe="-._~")


TRIAL_IRI_PATTERN = (r"^(https://identifiers\.org/(clinicaltrials|euclinicaltrials):"
                     r"|https://bioregistry\.io/[a-z]+:|https://w3id\.org/celltx/registry/)")
"""What every trial IRI starts with (the SHACL shape checks the same)."""
