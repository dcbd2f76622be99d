"""Record elements streamed out of an XML export with ``iterparse``, each freed once read: the
one loop that the ClinicalTrials.gov XML, ICTRP XML and ChiCTR XML loaders share."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import IO

from celltx.models import Provenance, Reject, SourceFormat, TrialRecord, UnreadableFileError


def stream_elements(stream: IO[bytes], tag: str, *,
                    wrapper: str | None = None) -> Iterator[ET.Element]:
    """The ``tag`` elements of ``stream``: the root itself, or the root's children (when
    ``wrapper`` is given, only under a root of that name), each cleared and dropped from the
    root once the caller has it."""
    depth = 0
    root: ET.Element | None = None
    for event, elem in ET.iterparse(stream, events=("start", "end")):
        if event == "start":
            if depth == 0:
                root = elem
            depth += 1
            continue
        depth -= 1
        if elem.tag == tag and (depth == 0 or (depth == 1 and root is not None and (
                wrapper is None or root.tag == wrapper))):
            yield elem
            elem.clear()
            if depth == 1 and root is not None:
                root.remove(elem)


def read_elements(path: str, stream: IO[bytes], fmt: SourceFormat, tag: str,
                  to_record: Callable[[ET.Element, Provenance], TrialRecord | Reject], *,
                  wrapper: str | None = None) -> Iterator[TrialRecord | Reject]:
    """A record or a reject for each ``tag`` element of ``stream`` (closed at the end); a parse
    error ends the file with a reject naming its line, and a file without any such element is
    unreadable."""
    index = 0
    with stream:
        try:
            for index, elem in enumerate(stream_elements(stream, tag, wrapper=wrapper)):  # noqa: B007
                yield to_record(elem, Provenance(path=path, format=fmt, record=index))
                index += 1
        except ET.ParseError as exc:
            yield Reject(path=path, format=fmt, record=index,
                         line=exc.position[0] if exc.position else None,
                         reason=f"malformed or truncated XML: {exc}")
            return
    if index == 0:
        raise UnreadableFileError(path, f"XML without any <{tag}> element")
