"""Shared plumbing for the recurrence lesson: data, windows, training set-up, results, plots.

Importing this package first keeps TensorFlow's start-up log lines out of the notebooks:
the two variables below must be set before TensorFlow is imported.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

__all__ = ["PROJECT_ROOT"]
