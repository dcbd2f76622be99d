"""WHO ICTRP "Export results to XML" (``<Trials_downloaded_from_ICTRP><Trial>…``), every layout
seen: 2014 (``Internal_Number``, ``Secondary_ID``), 2020 (neither) and 2024 (ethics and
results fields, every element padded with a newline and spaces). Streamed with ``iterparse``;
the field mapping is ``ictrp.to_record``. Adjacent duplicate blocks are two records of one trial
(the build merges them and counts a duplicate).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import IO

from celltx.loaders import ictrp
from celltx.loaders.sources import SourceFile, open_utf8

from celltx.models import Provenance, Reject, SourceFormat, TrialRecord, UnreadableFileError

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
    index = 0
    stream: IO[bytes] = open_utf8(source, head)
    with stream:
        try:
            for index, elem in enumerate(_children(stream, tag)):  # noqa: B007
                yield ictrp.to_record(values(elem), Provenance(path=source.path, format=fmt,
                                                               record=index))
                index += 1
        except ET.ParseError as exc:
            yield Reject(path=source.path, format=fmt, record=index,
                         line=exc.position[0] if exc.position else None,
                         reason=f"malformed or truncated XML: {exc}")
            return
    if index == 0:
        raise UnreadableFileError(source.path, f"XML without any <{tag}> element")


def _children(stream: IO[bytes], tag: str) -> Iterator[ET.Element]:
    depth = 0
    root: ET.Element | None = None
    for event, elem in ET.iterparse(stream, events=("start", "end")):
        if event == "start":
            if depth == 0:
                root = elem
            depth += 1
            continue
        depth -= 1
        if depth == 1 and elem.tag == tag:
            yield elem
            elem.clear()
            if root is not None:
                root.remove(elem)
