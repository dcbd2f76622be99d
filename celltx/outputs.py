"""Where commands write: one check of an output path, and writes that replace the old output only
when the new one is complete (a failed or interrupted write never destroys what was there).

- :func:`check_dir` / :func:`check_file` raise :class:`OutputPathError` with one line naming the
  path and what is wrong (a file where a folder is wanted, a folder where a file is wanted, a
  parent that is a file, a device or ``/proc``, no permission).
- :func:`atomic_dir` writes a folder's files into a sibling temporary folder and swaps it in;
  :func:`atomic_file` writes a file beside the target and renames it over the target.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

_SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))

CONTROL_CODES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters that record text may hold but a terminal or a page must not get: the C0 and C1
controls but tab and line feed (ESC starts a sequence that recolours a terminal or retitles
its window; NUL is no HTML), and the bidirectional embeddings, overrides and isolates, which
reorder what follows them on screen ('gnp.exe' shown as 'exe.png'). The terminal output and
the HTML report leave them out."""


class OutputPathError(Exception):
    """An output path that cannot be written; the message is one line naming it."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


NAME_MAX = 255
_TEMP_EXTRA = 20
"""Bytes the temporary sibling (``.NAME.tmp-XXXXXXXX``) adds to the name."""


def _check_names(path: Path) -> None:
    for part in path.parts:
        if len(part.encode("utf-8", "surrogateescape")) + _TEMP_EXTRA > NAME_MAX:
            raise OutputPathError(f"{str(path)[:60]}…: the name {part[:40]}… is too long (at "
                                  f"most {NAME_MAX - _TEMP_EXTRA} bytes per name)")


def _check_parent(path: Path) -> None:
    absolute = Path(path.absolute())
    for i in range(1, len(absolute.parts)):
        prefix = Path(*absolute.parts[:i])
        if prefix.exists() and not prefix.is_dir():
            raise OutputPathError(f"{path}: {prefix} is a file, not a folder")
    resolved = path.resolve()
    for root in _SYSTEM_ROOTS:
        if resolved == root or root in resolved.parents:
            raise OutputPathError(f"{path}: cannot write under {root} (a system folder); "
                                  "choose a path in your own folders")
    for parent in resolved.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputPathError(f"{path}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputPathError(f"{path}: no permission to write in {parent}")
            return


def check_dir(path: Path) -> None:
    """A folder a command will create or replace: not a file, under a writable folder."""
    _check_names(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{path} is a file, not a folder; give a folder for the output")
    _check_parent(path)
    if path.is_dir() and not os.access(path, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: no permission to write in this folder")


def check_file(path: Path, *, outside: Path | None = None) -> None:
    """A file a command will create or replace: not a folder or a device, in an existing,
    writable folder (a missing folder is a typo more often than a wish: it is not created),
    and not in folder ``outside`` (the graph the command reads, whose files it must not
    replace)."""
    _check_names(path)
    if outside is not None and outside.resolve() in path.resolve().parents:
        raise OutputPathError(f"{path} is inside the graph folder {outside}, whose files it "
                              "could replace; write it elsewhere")
    if path.is_dir():
        raise OutputPathError(f"{path} is a folder; give a file name for the output")
    if path.exists() and not path.is_file():
        raise OutputPathError(f"{path} is not a regular file (a device, pipe or socket)")
    _check_parent(path)
    parent = path.absolute().parent
    if not parent.is_dir():
        raise OutputPathError(f"{path}: the folder {parent} does not exist; create it first")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"{path}: no permission to replace this file")


@contextlib.contextmanager
def atomic_dir(path: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; when the block ends without an error, it
    replaces ``path`` (the old folder is removed only after the new one is in place)."""
    check_dir(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    tmp.chmod(0o777 & ~_umask())  # as an ordinary new folder, not mkdtemp's 0700
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if path.exists():
        old = path.parent / f".{path.name}.old-{tmp.name.rsplit('-', 1)[-1]}"
        path.rename(old)
    tmp.rename(path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary file path beside ``path``; when the block ends without an error, it is
    renamed over ``path``."""
    check_file(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    tmp.chmod(0o666 & ~_umask())  # as an ordinary new file, not mkstemp's 0600
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
