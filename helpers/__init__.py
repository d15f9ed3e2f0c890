"""Shared plumbing for the recurrence lesson: data, windows, training set-up, results, plots.

Importing this package first keeps TensorFlow's start-up log lines out of the notebooks:
the variables of ``settings.QUIET_TENSORFLOW`` must be set before TensorFlow is imported.
"""

import os

from helpers.settings import QUIET_TENSORFLOW  # standard library only, like this file

# The one place these are set: the tools pass them on to every kernel and subprocess they start.
for _name, _value in QUIET_TENSORFLOW.items():
    os.environ.setdefault(_name, _value)

# Lines the variables do not stop (absl's and XLA's on TensorFlow 2.19, Colab's): out of cell outputs too.
from helpers.quiet import filter_native_stderr, in_kernel  # standard library only

if in_kernel():
    filter_native_stderr()

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["PROJECT_ROOT", "QUIET_TENSORFLOW"]
