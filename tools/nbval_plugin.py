"""A pytest plugin for the nbval run (``python -m tools test`` loads it with ``-p tools.nbval_plugin``).

The notebooks record their results while nbval runs them. They write into a staging folder of this run,
never into the committed ``results/``: the folder starts as a copy of the committed results, so the
comparison notebook (10) finds every result it reads whatever nbval runs, and the episodes that run
replace theirs with this run's. The cells are put in the runner's order (``tools.runner.start_order``):
the comparison's after every other notebook's, so in a full run it reads the results of this run, whatever
order pytest collected the notebooks in.

nbval starts its kernels itself, from this process's environment (``--nbval-current-env``): the plugin
writes the run's configuration (``helpers.config``, with the staging folder for results) into the
environment when pytest starts, and puts every variable back when it ends.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from helpers import PROJECT_ROOT
from helpers.config import current
from tools.runner import start_order

_STAGING: list[Path] = []
_BEFORE: dict[str, str | None] = {}  # each variable's value before this run, put back afterwards


def pytest_configure(config) -> None:
    """Point every kernel nbval starts at a fresh staging folder holding a copy of the committed results."""
    staging = Path(tempfile.mkdtemp(prefix="lesson-nbval-results-"))
    _STAGING.append(staging)
    for path in sorted((PROJECT_ROOT / "results").glob("*.json")):
        shutil.copy2(path, staging / path.name)
    values = current().but(results_dir=staging).to_environ()
    for name in values:
        _BEFORE.setdefault(name, os.environ.get(name))
    os.environ.update(values)  # the kernels nbval starts inherit them


def pytest_unconfigure(config) -> None:
    """Remove the staging folder and put the variables back; the committed results were never touched."""
    for staging in _STAGING:
        shutil.rmtree(staging, ignore_errors=True)
    _STAGING.clear()
    for name, before in _BEFORE.items():
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
    _BEFORE.clear()


def comparison_last(items: list) -> list:
    """``items`` (nbval's, one per cell) in the runner's order: the comparison notebook's cells after all the
    others, the set-up check's first, each notebook's cells in their own order.

    Example: ``comparison_last(items)``
    """
    return start_order(items, jobs=1, name=lambda item: Path(str(item.fspath)).name)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Run the comparison notebook last (it reads what the others record)."""
    items[:] = comparison_last(items)
