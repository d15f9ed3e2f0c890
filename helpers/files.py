"""Writes that a reader never sees half of: results, summaries and notebooks are replaced in one step."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def write_atomically(target: str | Path, text: str) -> Path:
    """Write ``text`` to a temporary file beside ``target``, then rename it into place; return the path.

    An interrupted write leaves the old file (or none) and no temporary file. The new file keeps the old
    one's permissions, or gets the usual ones (0666 minus the umask) rather than tempfile's 0600.

    Example: ``write_atomically("results/summary.md", "| model | rmse |\\n")``
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", dir=target.parent, prefix=f".{target.name}-", suffix=".tmp", delete=False, encoding="utf-8"
    )
    try:
        with handle:
            handle.write(text)
        if target.exists():
            shutil.copymode(target, handle.name)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(handle.name, 0o666 & ~umask)
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return target
