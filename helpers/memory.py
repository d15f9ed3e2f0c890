"""A synthetic sequence task in which the answer lies a known number of steps back.

Each sequence has ``length`` steps and two numbers per step: a random value between 0 and 1, and a
marker that is 1 at exactly one step and 0 elsewhere. The target is the marked value. A model that
forgets can do no better than guessing the average, an RMSE of ``GUESS_RMSE``; one that remembers gets
close to 0 however far back the mark lies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.validation import whole_number

LENGTH = 40
GUESS_RMSE = float(np.sqrt(1 / 12))  # always guessing 0.5 for a value drawn evenly from 0 to 1


def recall_task(n_samples: int = 4096, length: int = LENGTH, seed: int = 0):
    """``(X, y, steps_back)``: X of shape (n_samples, length, 2), the marked values, and how far back each lies.

    ``steps_back`` is 1 when the mark is on the last step and ``length`` when it is on the first.

    Example: ``X, y, steps_back = recall_task(1024, length=10, seed=1)``
    """
    n_samples, length = whole_number("n_samples", n_samples), whole_number("length", length)
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1.0, size=(n_samples, length)).astype(np.float32)
    steps_back = rng.integers(1, length + 1, size=n_samples)
    marker = np.zeros((n_samples, length), dtype=np.float32)
    rows = np.arange(n_samples)
    marker[rows, length - steps_back] = 1.0
    X = np.stack([values, marker], axis=-1)
    return X, values[rows, length - steps_back], steps_back


def error_by_steps_back(y_true, y_pred, steps_back) -> pd.Series:
    """RMSE of the predictions for each distance of the mark, indexed by steps back.

    Example: ``error_by_steps_back(y, model.predict(X).ravel(), steps_back).loc[1]``
    """
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
    steps_back = np.asarray(steps_back).ravel()
    if not len(y_true) == len(y_pred) == len(steps_back) or len(y_true) == 0:
        raise ValueError(
            f"y_true, y_pred and steps_back must be equally long and not empty, got "
            f"{len(y_true)}, {len(y_pred)} and {len(steps_back)}."
        )
    squared = pd.Series((y_true - y_pred) ** 2).groupby(steps_back).mean()
    return np.sqrt(squared).rename_axis("steps back").rename("RMSE")
