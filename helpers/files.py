"""Lesson files on disk: the numbered notebooks, and writes that a reader never sees half of."""

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


NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"  # 00_setup_check.ipynb, 01_dense_baseline.ipynb, ...


def lesson_notebooks(folder: str | Path, prefixes: list[str] | None = None) -> list[Path]:
    """The numbered notebooks in ``folder`` in lesson order, or those whose names start with one of ``prefixes``.

    Example: ``lesson_notebooks("notebooks", ["03"])  # [PosixPath('notebooks/03_simple_rnn.ipynb')]``
    """
    available = sorted(Path(folder).glob(NOTEBOOK_PATTERN))
    if not prefixes:
        return available
    unknown = [prefix for prefix in prefixes if not any(path.name.startswith(prefix) for path in available)]
    if unknown:
        names = ", ".join(path.name for path in available) or "none"
        raise ValueError(f"No notebook starts with {', '.join(unknown)}. Notebooks: {names}")
    return [path for path in available if any(path.name.startswith(prefix) for prefix in prefixes)]


def write_notebook(target: str | Path, notebook) -> Path:
    """Write an nbformat notebook atomically, ending in a newline as Jupyter and ``nbformat.write`` do.

    Example: ``write_notebook("out/03_simple_rnn.ipynb", executed)``
    """
    import nbformat

    text = nbformat.writes(notebook)
    return write_atomically(target, text if text.endswith("\n") else text + "\n")
