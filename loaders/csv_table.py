"""A headed CSV export read row by row, as the ICTRP list and CTIS loaders read theirs: the
header checked before any row, then every row with its first line, a malformed row as its error
message so that the loader rejects it and goes on."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from celltx.loaders.ctgov_csv import FIELD_SIZE_LIMIT
from celltx.loaders.sources import SourceFile, open_text

from celltx.models import UnreadableFileError

Rows = Iterator[tuple[int, list[Any] | str]]
"""(line, cells) per row, or (line, the reason) for a row the csv module could not read."""


@contextmanager
def open_table(source: SourceFile, head: bytes, accepts: Callable[[list[str]], bool],
               missing: str) -> Iterator[tuple[list[str], Rows]]:
    """The header and the rows of ``source``; ``UnreadableFileError(missing)`` when the first
    row is not a header that ``accepts`` takes."""
    csv.field_size_limit(max(csv.field_size_limit(), FIELD_SIZE_LIMIT))
    with open_text(source, head) as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None or not accepts(header):
            raise UnreadableFileError(source.path, missing)
        yield header, csv_rows(reader)


def csv_rows(reader: Any) -> Rows:
    """Each row of ``reader`` with the line it starts on; a ``csv.Error`` becomes the row's
    reason and reading goes on."""
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield line, f"malformed CSV row: {exc}"
            line = reader.line_num + 1
            continue
        yield line, row
        line = reader.line_num + 1
