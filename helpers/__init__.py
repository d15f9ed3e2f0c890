"""Shared plumbing for the recurrence lesson: data, windows, training, results, plots.

Importing this package, or any of its modules, changes nothing: no variable is set, no logger touched, no
descriptor redirected. A notebook's set-up is one visible call in its first cell,
``helpers.setup.set_up_notebook()``.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the checkout's folder: the tools and tests read it

__all__ = ["PROJECT_ROOT"]
