"""Input files: directories walked, ``.zip`` members and ``.gz`` files opened transparently,
text encodings sniffed (UTF-8 with or without BOM, else Windows-1252/Latin-1)."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import posixpath
import struct
import weakref
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from celltx.graph.store import GRAPH_FILE, STATS_FILE
from celltx.loaders.detect import ZIP_MAGIC

from celltx.models import UnreadableFileError

SNIFF_BYTES = 1 << 20
DECOMPRESSION_ERRORS = (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, zlib.error)
"""What reading a damaged file or archive member raises (gzip.BadGzipFile is an OSError)."""
SKIP_NAMES = {".DS_Store", "Thumbs.db"}


@dataclass(frozen=True)
class SourceFile:
    """One readable input: a display path for messages and a way to open its bytes."""

    path: str
    open: Callable[[], BinaryIO]


def _gz_aware(path: str, opener: Callable[[], BinaryIO]) -> SourceFile:
    if path.endswith(".gz"):
        return SourceFile(path, lambda: cast(BinaryIO, gzip.GzipFile(fileobj=opener(), mode="rb")))
    return SourceFile(path, opener)


def _excluded(path: Path, exclude: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == x or x in resolved.parents for x in exclude)


def _children(path: Path, exclude: list[Path]) -> list[Path | UnreadableFileError]:
    """The files under a folder, sorted, less hidden files, excluded folders and celltx graph
    folders; what cannot be read there (a folder without permission, a pipe, a socket, a
    broken or looping link) as its error, so that it is a reject or the build's error. (A
    sub-folder that could not be listed, and a pipe in a folder, were skipped without a word:
    their records were never counted.)"""
    found: list[tuple[Path, Path | UnreadableFileError]] = []

    def unlisted(exc: OSError) -> None:
        where = str(exc.filename or path)
        found.append((Path(where), UnreadableFileError(where, f"cannot list this folder: "
                                                              f"{exc.strerror or exc}")))

    for root, dirs, files in os.walk(path, onerror=unlisted):
        here = Path(root)
        if here != path and GRAPH_FILE in files and STATS_FILE in files:
            dirs[:] = []  # another celltx graph: its files are no registry records
            continue
        for name in files:
            child = here / name
            if name in SKIP_NAMES or name.startswith(".") or _excluded(child, exclude):
                continue
            found.append((child, child if child.is_file() else UnreadableFileError(
                str(child), "not a regular file (a pipe, device, socket or broken link)")))
    return [item for _, item in sorted(found, key=lambda f: f[0])]  # (Paths: as rglob's were)


def iter_sources(paths: list[Path], exclude: list[Path] | None = None) -> Iterator[SourceFile]:
    """Expand files, directories (recursively, sorted) and zip archives into source files;
    nothing under a folder of ``exclude`` (a build's own output folder) is read."""
    skip = [x.resolve() for x in exclude or []]
    for path in paths:
        if not path.exists():
            raise UnreadableFileError(str(path), "no such file or directory")
        if path.is_dir():
            for child in _children(path, skip):
                if isinstance(child, UnreadableFileError):
                    yield SourceFile(child.path, _raising(child))
                else:
                    yield from iter_sources([child])
        elif not path.is_file():
            # a FIFO would hang the build, /dev/zero never ends: only regular files are read
            raise UnreadableFileError(str(path), "not a regular file (a pipe, device or socket)")
        else:
            found = _file_or_archive(path)
            if isinstance(found, _Archive):
                yield from _zip_members(found)
            else:
                yield found


def _file_or_archive(path: Path) -> SourceFile | _Archive:
    """A regular file as one source, or the zip archive whose members are the sources. A zip
    whose directory is damaged is a source that opens as its error: a reject of its own, or
    the build's error."""
    try:
        archive = _archive_of(path)
    except UnreadableFileError as exc:
        return SourceFile(str(path), _raising(exc))
    return archive or _gz_aware(str(path), lambda: open(path, "rb"))  # noqa: SIM115


def _archive_of(path: Path) -> _Archive | None:
    """The zip archive at ``path`` whose members are sources, or None: the file is not a zip,
    or it is an XLSX workbook, a zip read as one file. A zip whose directory cannot be read
    is an ``UnreadableFileError``."""
    counted = _COUNTED.pop(str(path), None)
    if counted is not None and counted[0] == _signature(path):
        return counted[1]
    if not zipfile.is_zipfile(path):
        return None
    try:
        archive = _Archive(path)
    except DECOMPRESSION_ERRORS as exc:
        raise UnreadableFileError(str(path), f"damaged zip archive: {exc}") from None
    return None if archive.is_workbook() else archive


def is_workbook(names: list[str]) -> bool:
    """Whether the members of a zip (its directory's names) make an Office Open XML workbook
    (XLSX), which is read as one file, not as an archive of sources."""
    first = set(names[:50])
    return "[Content_Types].xml" in first and "xl/workbook.xml" in first


def zip_members(source: SourceFile) -> list[str] | None:
    """The member names of a source that begins as a zip does, read from its directory at the
    end of the file; None when that directory is missing or damaged (a truncated download)."""
    try:
        with source.open() as fh:
            if not fh.seekable():
                fh = io.BytesIO(fh.read())  # noqa: PLW2901 - (a member of a .gz or a zip)
            with zipfile.ZipFile(fh) as archive:
                return archive.namelist()
    except (*DECOMPRESSION_ERRORS, zipfile.BadZipFile):
        return None


def _raising(exc: Exception) -> Callable[[], BinaryIO]:
    def open_() -> BinaryIO:
        raise exc
    return open_


class _Archive:
    """One zip archive, opened once: its members are read through the same handle, so a
    bulk download of 500,000 members reads its central directory once, not once per member.

    A reader process forked while the archive is open uses the parent's directory (it is not
    read again, and its pages stay shared) with file handles of its own: processes must not
    move each other's file position."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # kept open for the members' openers; ZipFile closes its file when it is collected
        self._zip = zipfile.ZipFile(path)  # noqa: SIM115
        self._pid = os.getpid()
        self._own_zip: zipfile.ZipFile | None = None  # a forked reader's, for large members
        self._raw: BinaryIO | None = None
        self._raw_pid = 0
        self._names: list[str] | None = None
        _ARCHIVES[str(path)] = self

    def is_workbook(self) -> bool:
        """An Office Open XML workbook (XLSX) is a zip read as one file, not as an archive."""
        return is_workbook(self._zip.namelist())

    def names(self) -> list[str]:
        """The members that are sources, sorted (worked out once: counted, then read)."""
        if self._names is None:
            self._names = sorted(
                i.filename for i in self._zip.infolist()
                if not i.is_dir() and not posixpath.basename(i.filename).startswith(
                    (".", "__MACOSX")))
        return self._names

    def opener(self, name: str) -> Callable[[], BinaryIO]:
        return lambda: self._open(name)

    def _open(self, name: str) -> BinaryIO:
        info = self._zip.getinfo(name)  # (the directory only: no file position moves)
        if (info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
                and not info.flag_bits & _UNUSUAL and info.file_size <= SMALL_MEMBER
                and info.compress_size <= SMALL_MEMBER + (1 << 16)):
            return io.BytesIO(self._small(info))
        if os.getpid() == self._pid:
            return self._zip.open(name)  # type: ignore[return-value]
        if self._own_zip is None:  # (reads the directory again: only for a member over 16 MiB)
            self._own_zip = zipfile.ZipFile(self.path)  # noqa: SIM115
        return self._own_zip.open(name)  # type: ignore[return-value]

    def _small(self, info: zipfile.ZipInfo) -> bytes:
        """A small member's bytes in one read, checked as ``ZipFile.open`` checks them (local
        header and the name in it, size, CRC; inflated no further than its stated size): a
        bulk download is half a million files of a few KB, for which ``ZipFile.open``'s file
        object costs as much as the inflating."""
        if self._raw is None or self._raw_pid != os.getpid():
            self._raw = open(self.path, "rb")  # noqa: SIM115  # closed with the archive
            self._raw_pid = os.getpid()
            weakref.finalize(self, self._raw.close)
        raw = self._raw
        raw.seek(info.header_offset)
        header = raw.read(_LOCAL_HEADER.size)
        if len(header) != _LOCAL_HEADER.size or header[:4] != ZIP_MAGIC:
            raise zipfile.BadZipFile(f"bad local file header of member {info.filename!r}")
        name_length, extra_length = _LOCAL_HEADER.unpack(header)[-2:]
        name = raw.read(name_length).decode("utf-8" if info.flag_bits & _UTF8_NAME else "cp437")
        if name != info.orig_filename:
            raise zipfile.BadZipFile(f"File name in directory {info.orig_filename!r} and "
                                     f"header {name!r} differ.")
        raw.seek(extra_length, os.SEEK_CUR)
        data = raw.read(info.compress_size)
        if info.compress_type == zipfile.ZIP_DEFLATED:
            # (max_length 0 would mean no limit; a zero-length member inflates to nothing)
            data = (zlib.decompressobj(-zlib.MAX_WBITS).decompress(data, info.file_size)
                    if info.file_size else b"")
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            raise zipfile.BadZipFile(f"bad CRC or size of member {info.filename!r}")
        return data


_ARCHIVES: weakref.WeakValueDictionary[str, _Archive] = weakref.WeakValueDictionary()
"""The archives open in this process, or in the parent when it forked, by path."""


SMALL_MEMBER = 16 << 20
"""Archive members up to this size are read in one piece (see ``_Archive._small``); a study
in the bulk download is a few KB, one with results rarely over 1 MiB."""
_UNUSUAL = 0x1 | 0x20 | 0x40
"""Encrypted, compressed patched data, strong encryption: left to ``ZipFile.open``."""
_UTF8_NAME = 0x800
_LOCAL_HEADER = struct.Struct(zipfile.structFileHeader)  # type: ignore[attr-defined]
"""A zip local file header; the member's name and extra field follow it."""


_REOPENED: dict[str, _Archive] = {}
"""Archives a process opened to reopen their members, held for the process's life."""


def reopen(path: str) -> SourceFile:
    """The source that ``iter_sources`` named ``path`` (an archive member is
    ``archive!member``), opened anew: in another process, which must not share the first
    process's file handles. Each process keeps its archives open."""
    archive, _, member = path.partition("!")
    if member:
        found = _ARCHIVES.get(archive)
        if found is None and Path(archive).is_file() and zipfile.is_zipfile(archive):
            found = _REOPENED[archive] = _Archive(Path(archive))
        if found is not None:
            return _gz_aware(path, found.opener(member))
        return _gz_aware(path, lambda: open(path, "rb"))  # noqa: SIM115
    whole = _file_or_archive(Path(path))  # (iter_sources named a file, not an archive)
    if isinstance(whole, SourceFile):
        return whole
    return _gz_aware(path, lambda: open(path, "rb"))  # noqa: SIM115


_COUNTED: dict[str, tuple[tuple[int, int, int], _Archive]] = {}
"""Archives that ``count_sources`` opened, kept for the ``iter_sources`` that follows (a build
counts, then reads), so that a bulk download's directory of 500,000 entries is read once; each
is taken once, and only while the file is unchanged."""


def _signature(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_ino, st.st_size, st.st_mtime_ns


def count_sources(paths: list[Path], exclude: list[Path] | None = None) -> int:
    """How many source files ``iter_sources`` will yield (zip members counted from the
    archive's directory), for a progress bar's total; unreadable paths count as one."""
    total = 0
    skip = [x.resolve() for x in exclude or []]
    for path in paths:
        if path.is_dir():
            total += sum(1 if isinstance(p, UnreadableFileError) else count_sources([p])
                         for p in _children(path, skip))
        else:
            found = _file_or_archive(path) if path.is_file() else None
            if isinstance(found, _Archive):
                total += len(found.names())
                _COUNTED[str(path)] = (_signature(path), found)
            else:
                total += 1
    return total


def _zip_members(archive: _Archive) -> Iterator[SourceFile]:
    for name in archive.names():
        yield _gz_aware(f"{archive.path}!{name}", archive.opener(name))


def sniff_encoding(head: bytes) -> str:
    """``utf-8-sig`` when the head decodes as UTF-8 (BOM or not), else ``cp1252``.

    >>> sniff_encoding(b"\\xef\\xbb\\xbfNCT"), sniff_encoding("Müller".encode("latin-1"))
    ('utf-8-sig', 'cp1252')
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def read_head(source: SourceFile, size: int = SNIFF_BYTES) -> bytes:
    try:
        with source.open() as fh:
            return fh.read(size)
    except DECOMPRESSION_ERRORS as exc:
        raise UnreadableFileError(source.path, f"cannot read: {exc}") from None


def open_text(source: SourceFile, head: bytes | None = None) -> io.TextIOWrapper:
    """Open a source as text in its sniffed encoding (``newline=''`` for the csv module)."""
    encoding = sniff_encoding(head if head is not None else read_head(source))
    if encoding == "cp1252":
        # cp1252 leaves five bytes undefined; Latin-1 decodes them rather than failing.
        encoding = "latin-1" if _has_cp1252_holes(head or b"") else "cp1252"
    return io.TextIOWrapper(source.open(), encoding=encoding, newline="")


class _Utf8Recoder(io.RawIOBase):
    """Re-encode a non-UTF-8 byte stream as UTF-8 on the fly (for byte-level parsers)."""

    def __init__(self, raw: BinaryIO, encoding: str) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, out: bytearray) -> int:  # type: ignore[override]
        while not self._buffer:
            chunk = self._raw.read(65536)
            self._buffer = self._decoder.decode(chunk, final=not chunk).encode("utf-8")
            if not chunk:
                break
        n = min(len(out), len(self._buffer))
        out[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_utf8(source: SourceFile, head: bytes) -> BinaryIO:
    """Open a source as UTF-8 bytes without BOM, whatever its sniffed encoding."""
    raw = source.open()
    if sniff_encoding(head) == "utf-8-sig":
        if head.startswith(codecs.BOM_UTF8):
            raw.read(len(codecs.BOM_UTF8))
        return raw
    encoding = "latin-1" if _has_cp1252_holes(head) else "cp1252"
    return cast(BinaryIO, io.BufferedReader(cast(io.RawIOBase, _Utf8Recoder(raw, encoding))))


def _has_cp1252_holes(data: bytes) -> bool:
    return any(b in data for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d"))
