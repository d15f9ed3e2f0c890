"""A pytest plugin for the nbval run (``python -m tools test`` loads it with ``-p tests.nbval_results``).

The notebooks record their results while nbval runs them. They write into a staging folder of this run,
never into the committed ``results/``: the folder starts as a copy of the committed results, so the
comparison notebook (10) finds every result it reads whatever nbval runs, and the episodes that run
replace theirs with this run's. The comparison's cells are moved after every other notebook's, so in a
full run it reads the results of this run, whatever order pytest collected the notebooks in.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from helpers import PROJECT_ROOT
from helpers.lesson import COMPARISON, episode
from helpers.settings import RESULTS_VARIABLE

_STAGING: list[Path] = []
_BEFORE: list[str | None] = []  # the variable's value before this run, put back afterwards


def pytest_configure(config) -> None:
    """Point every kernel nbval starts at a fresh staging folder holding a copy of the committed results."""
    staging = Path(tempfile.mkdtemp(prefix="lesson-nbval-results-"))
    for path in sorted((PROJECT_ROOT / "results").glob("*.json")):
        shutil.copy2(path, staging / path.name)
    _BEFORE.append(os.environ.get(RESULTS_VARIABLE))
    os.environ[RESULTS_VARIABLE] = str(staging)  # the kernels inherit it
    _STAGING.append(staging)


def pytest_unconfigure(config) -> None:
    """Remove the staging folder and put the variable back; the committed results were never touched."""
    for staging in _STAGING:
        shutil.rmtree(staging, ignore_errors=True)
    _STAGING.clear()
    if _BEFORE:
        before = _BEFORE[0]
        if before is None:
            os.environ.pop(RESULTS_VARIABLE, None)
        else:
            os.environ[RESULTS_VARIABLE] = before
    _BEFORE.clear()


def comparison_last(items: list) -> list:
    """``items`` with the comparison notebook's cells after all the others, each group in its own order.

    Example: ``comparison_last(items)``
    """
    name = episode(COMPARISON).file
    return [item for item in items if Path(str(item.fspath)).name != name] + \
        [item for item in items if Path(str(item.fspath)).name == name]


def pytest_collection_modifyitems(session, config, items) -> None:
    """Run the comparison notebook last (it reads what the others record)."""
    items[:] = comparison_last(items)
