"""WHO ICTRP "Export results to XML" (``<Trials_downloaded_from_ICTRP><Trial>…``), every layout
seen: 2014 (``Internal_Number``, ``Secondary_ID``), 2020 (neither) and 2024 (ethics and
results fields, every element padded with a newline and spaces). Streamed with ``iterparse``;
the field mapping is ``ictrp.to_record``. Adjacent duplicate blocks are two records of one trial
(the build merges them and counts a duplicate).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator

from celltx.loaders import ictrp, xml_elements
from celltx.loaders.sources import SourceFile, open_utf8

from celltx.models import Reject, SourceFormat, TrialRecord

FORMAT = SourceFormat.ICTRP_XML
ROOT = "Trials_downloaded_from_ICTRP"
TRIAL = "Trial"


def read(source: SourceFile, head: bytes) -> Iterator[TrialRecord | Reject]:
    """Yield a record or a reject for every ``<Trial>`` of an ICTRP export."""
    yield from read_elements(source, head, FORMAT, TRIAL, _values)


def _values(trial: ET.Element) -> dict[str, str | None]:
    return {ictrp.key(child.tag): child.text for child in trial}


def read_elements(source: SourceFile, head: bytes, fmt: SourceFormat, tag: str,
                  values: Callable[[ET.Element], ictrp.Fields]
                  ) -> Iterator[TrialRecord | Reject]:
    """Stream the ``tag`` children of the root, each mapped by ``values`` and
    ``ictrp.to_record``; a parse error ends the file with a reject naming the line."""
    yield from xml_elements.read_elements(
        source.path, open_utf8(source, head), fmt, tag,
        lambda elem, prov: ictrp.to_record(values(elem), prov))
