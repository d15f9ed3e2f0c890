"""Shared plumbing for the recurrence lesson: data, windows, training set-up, results, plots.

Importing this package first keeps TensorFlow's start-up log lines out of the notebooks:
the two variables below must be set before TensorFlow is imported.
"""

import os

# The one place these are set: the tools pass them on to every kernel and subprocess they start.
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
for _name, _value in QUIET_TENSORFLOW.items():
    os.environ.setdefault(_name, _value)

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

BASELINE_VARIABLE = "LESSON_BASELINE"


def baseline() -> bool:
    """True under ``LESSON_BASELINE=1``: the benchmark times the lesson without its speed-ups.

    Then ``compile_and_fit`` uses no XLA and one batch per call, TensorFlow keeps its default threads, and the windows are built by a
    Python loop. The numbers of a rerun differ only by what those settings change; learners never set it.

    Example: ``baseline()  # False``
    """
    return os.environ.get(BASELINE_VARIABLE) == "1"


__all__ = ["PROJECT_ROOT", "QUIET_TENSORFLOW", "baseline"]
