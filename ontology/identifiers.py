"""CURIEs and IRIs through bioregistry/curies (offline: bioregistry ships its registry data).

HGNC expands to identifiers.org (``https://identifiers.org/hgnc:1659``); the OBO ontologies
(CL, MONDO, NCIT, DOID) to their OBO PURLs (``http://purl.obolibrary.org/obo/CL_0000623``).

Builds read the prefix map kept in ``prefixes.json`` (importing bioregistry costs a second);
``python -m celltx.ontology.identifiers`` rewrites it from bioregistry, and a test checks that
it still equals what bioregistry says.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import curies

# prefix as written in our tables -> (bioregistry prefix, URI-format priority)
_PREFIXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "HGNC": ("hgnc", ("miriam",)),
    "CL": ("cl", ("obofoundry",)),
    "MONDO": ("mondo", ("obofoundry",)),
    "NCIT": ("ncit", ("obofoundry",)),
    "DOID": ("doid", ("obofoundry",)),
}


PREFIX_MAP_FILE = "prefixes.json"


@cache
def converter() -> curies.Converter:
    """A converter for the prefixes our tables use, from the shipped prefix map."""
    text = resources.files("celltx.ontology").joinpath(PREFIX_MAP_FILE).read_text("utf-8")
    return curies.load_extended_prefix_map(json.loads(text))


def converter_from_bioregistry() -> curies.Converter:
    """The same converter built from bioregistry's records (to refresh ``prefixes.json``)."""
    import bioregistry

    records = []
    for prefix, (key, priority) in _PREFIXES.items():
        resource = bioregistry.get_resource(key)
        if resource is None:  # pragma: no cover - bioregistry always ships these
            raise LookupError(f"bioregistry has no record for {key!r}")
        uri_prefix = resource.get_uri_prefix(priority=list(priority))
        if uri_prefix is None:  # pragma: no cover
            raise LookupError(f"bioregistry has no URI prefix for {key!r}")
        records.append(curies.Record(prefix=prefix, uri_prefix=uri_prefix,
                                     prefix_synonyms=[key] if key != prefix else []))
    return curies.Converter(records)


@cache
def iri(curie: str | None) -> str | None:
    """The IRI of a CURIE such as ``HGNC:1659`` or ``MONDO:0018874`` (None stays None).

    >>> iri("HGNC:1659"), iri("CL:0000623")
    ('https://identifiers.org/hgnc:1659', 'http://purl.obolibrary.org/obo/CL_0000623')
    """
    if not curie:
        return None
    prefix, _, local = curie.partition(":")
    # identifiers.org spells HGNC CURIEs with the bare number; our tables keep "HGNC:1659"
    expanded = converter().expand(f"{prefix.upper()}:{local}")
    if expanded is None:
        raise ValueError(f"cannot expand CURIE {curie!r}: unknown prefix {prefix!r}")
    return expanded


def write_prefix_map() -> str:
    """Rewrite ``prefixes.json`` from bioregistry; returns its path."""
    path = resources.files("celltx.ontology").joinpath(PREFIX_MAP_FILE)
    records = [r.model_dump(exclude_defaults=True) for r in converter_from_bioregistry().records]
    with resources.as_file(path) as target:
        target.write_text(json.dumps(records, indent=2, sort_keys=True) + "\n", "utf-8")
        return str(target)


if __name__ == "__main__":
    print(write_prefix_map())
