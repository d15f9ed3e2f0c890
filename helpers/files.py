"""Writes that a reader never sees half of, and files the tools replace only where they wrote them.

Every file the tools write (results, summaries, notebooks, learner copies, backups, editions, README blocks)
goes through ``write_bytes_atomically``: a temporary file beside the target, then one rename. A full disk or a
read-only folder is one ``WriteError`` whose message names the folder and what to do. ``write_unless_edited``
adds the rule for files someone may have changed since: a folder's record (``RECORD_NAME``) keeps the digest
of what the tools last wrote there; a file that differs from it is kept, or with ``force`` backed up first.
Standard library only.

Example:
    >>> write_atomically("results/summary.md", "| model | rmse |\\n")
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

RECORD_NAME = ".written-by-lesson-tools.json"  # in each folder the rule is used for: file name -> sha256
FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
READ_ONLY = {errno.EROFS, errno.EACCES, errno.EPERM}


class WriteError(OSError):
    """A file could not be written (a full disk, a read-only folder); the message names the folder and what to do."""


def _explained(error: OSError, target: Path) -> OSError:
    """``error`` as a ``WriteError`` in plain words where its cause is a full disk or a read-only folder."""
    folder = target.parent
    if isinstance(error, WriteError):
        return error
    if error.errno in FULL:
        return WriteError(f"The disk that holds {folder} is full, so {target.name} was not written (the old file, "
                          "if any, is as it was): free some space there, then run the command again.")
    if error.errno in READ_ONLY:
        return WriteError(f"{folder} cannot be written to (read-only, or not yours), so {target.name} was not "
                          "written: make it writable, or choose another folder, then run the command again.")
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        return WriteError(f"{target.name} cannot be written into {folder}: a file is where a folder should be. "
                          "Move that file away, or choose another folder, then run the command again.")
    return error


def write_bytes_atomically(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``target``, then rename it into place; return the path.

    An interrupted or failed write leaves the old file (or none) and no temporary file; a full disk or a
    read-only folder raises ``WriteError`` naming the folder. The new file keeps the old one's permissions,
    or gets the usual ones (0666 minus the umask) rather than tempfile's 0600.

    Example: ``write_bytes_atomically("colab/03-colab.ipynb", edition.encode())``
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile("wb", dir=target.parent, prefix=f".{target.name}-", suffix=".tmp",
                                             delete=False)
    except OSError as error:
        raise _explained(error, target) from None
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            shutil.copymode(target, handle.name)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(handle.name, 0o666 & ~umask)
        os.replace(handle.name, target)
    except OSError as error:
        Path(handle.name).unlink(missing_ok=True)
        raise _explained(error, target) from None
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return target


def write_atomically(target: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` in one step, as ``write_bytes_atomically`` does; return the path.

    Example: ``write_atomically("results/summary.md", "| model | rmse |\\n")``
    """
    return write_bytes_atomically(target, text.encode("utf-8"))


def copy_atomically(source: str | Path, target: str | Path) -> Path:
    """Copy ``source`` to ``target`` whole or not at all (a backup is never left half-written); the target.

    Example: ``copy_atomically("learner/03.ipynb", "learner/backups/03-20260101-120000.ipynb")``
    """
    source, target = Path(source), Path(target)
    write_bytes_atomically(target, source.read_bytes())
    shutil.copystat(source, target)
    return target


def digest(data: bytes) -> str:
    """The sha256 of ``data`` in hex: what a folder's record keeps of each file the tools wrote.

    Example: ``digest(b"x")[:8]  # '2d711642'``
    """
    return hashlib.sha256(data).hexdigest()


def _record(folder: Path) -> dict[str, str]:
    """The folder's record, file name -> digest of what the tools last wrote; empty when there is none."""
    try:
        record = json.loads((folder / RECORD_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(name): str(value) for name, value in record.items()} if isinstance(record, dict) else {}


def remember(target: str | Path) -> None:
    """Note in its folder's record that ``target`` holds what the tools wrote there.

    Example: ``remember(write_atomically("learner/03.ipynb", text))``
    """
    target = Path(target)
    record = _record(target.parent)
    record[target.name] = digest(target.read_bytes())
    write_atomically(target.parent / RECORD_NAME, json.dumps(record, indent=1, sort_keys=True) + "\n")


def written_by_tools(target: str | Path) -> bool:
    """Whether ``target`` is missing or holds exactly what the tools last wrote there (by its folder's record).

    Example: ``written_by_tools("colab/03_simple_rnn-colab.ipynb")  # False once someone edited it``
    """
    target = Path(target)
    if not target.exists():
        return True
    return target.is_file() and _record(target.parent).get(target.name) == digest(target.read_bytes())


def backup_path(target: str | Path) -> Path:
    """Where ``target``'s backup goes: ``backups/`` beside it, the time in the name.

    Example: ``backup_path("learner/03.ipynb")  # learner/backups/03-20260101-120000.ipynb``
    """
    target = Path(target)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = target.parent / "backups" / f"{target.stem}-{stamp}{target.suffix}"
    number = 1
    while path.exists():  # two backups in one second: both kept
        number += 1
        path = target.parent / "backups" / f"{target.stem}-{stamp}-{number}{target.suffix}"
    return path


def write_unless_edited(target: str | Path, text: str, force: bool = False) -> tuple[Path, str]:
    """Write ``text`` to ``target`` unless it holds something the tools did not write there; what happened.

    What happened is "written" (new), "unchanged" (it holds ``text`` already), "updated" (it held what the
    tools last wrote), "kept" (it differs from that: edited or typed into; left as it is), or with ``force``
    "replaced (backup: PATH)", the old file first copied whole into ``backups/`` beside it.

    Example: ``write_unless_edited("learner/03_simple_rnn.ipynb", text)  # (path, 'kept') once typed into``
    """
    target, data = Path(target), text.encode("utf-8")
    if target.exists() and not target.is_file():
        raise WriteError(f"{target} is a folder where a file belongs: move it away, then run the command again.")
    outcome = "written"
    if target.exists():
        if target.read_bytes() == data:
            remember(target)
            return target, "unchanged"
        if written_by_tools(target):
            outcome = "updated"
        elif not force:
            return target, "kept"
        else:
            outcome = f"replaced (backup: {copy_atomically(target, backup_path(target))})"
    write_bytes_atomically(target, data)
    remember(target)
    return target, outcome
