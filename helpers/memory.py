"""A synthetic sequence task in which the answer lies a known number of steps back.

Each sequence has ``length`` steps and two numbers per step: a random value between 0 and 1, and a
marker that is 1 at exactly one step and 0 elsewhere. The target is the marked value. A model that
forgets can do no better than guessing the average, an RMSE of ``GUESS_RMSE``; one that remembers gets
close to 0 however far back the mark lies.
"""

from __future__ import annotations

from pathlib import Path

from helpers.validation import whole_number

import numpy as np
import pandas as pd

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


SWEEP_FILE = Path(__file__).resolve().parent / "recall_sweep.csv"
DISTANCE_FILE = Path(__file__).resolve().parent / "recall_distance.csv"


def _committed_table(path: str | Path | None, default: Path) -> pd.DataFrame:
    """A table the recall sweep committed (``default`` unless ``path``), or a message saying how to get it back."""
    path = Path(path) if path is not None else default
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: restore it with `git checkout -- helpers/{path.name}` or "
                                "measure it with `python -m benchmarks.recall_sweep`.")
    return pd.read_csv(path)


def load_sweep(path: str | Path | None = None) -> pd.DataFrame:
    """The recall sweep of the study (``python -m benchmarks.recall_sweep``): one row per run and seed.

    Columns: layer, units, recipe ("lesson" or "gentle"), length, seed, val_rmse, fresh_rmse, seconds.

    Example: ``load_sweep().query("length == 20")``
    """
    return _committed_table(path, SWEEP_FILE)


def sweep_medians(sweep: pd.DataFrame) -> pd.DataFrame:
    """The median validation RMSE of each run over its seeds: one row per layer, units and recipe, one column
    per sequence length (NaN where the run was not made).

    Example: ``sweep_medians(load_sweep()).round(3)``
    """
    table = sweep.groupby(["layer", "units", "recipe", "length"])["val_rmse"].median().unstack("length")
    table.columns.name = "sequence length"
    return table.sort_index(level=["layer", "recipe", "units"], ascending=[False, False, True])


def _lengths(lengths: list[int]) -> str:
    words = [str(length) for length in lengths]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def sweep_lines(sweep: pd.DataFrame, guess: float = GUESS_RMSE) -> list[str]:
    """One sentence per layer of the sweep's runs with the lesson's recipe: its medians by length, and where
    they lie against the guessing error (below half of it: recalled; above nine tenths: not found).

    Example: ``print("\\n".join(sweep_lines(load_sweep())))``
    """
    medians = sweep_medians(sweep)
    lines = []
    for (layer, units, recipe), row in medians.iterrows():
        if recipe != "lesson" or units != 32:
            continue
        row = row.dropna()
        seeds = sweep[(sweep["layer"] == layer) & (sweep["units"] == units) & (sweep["recipe"] == recipe)]["seed"]
        values = ", ".join(f"{value:.3f} at {length} steps" for length, value in row.items())
        recalled = [length for length, value in row.items() if value < guess / 2]
        lost = [length for length, value in row.items() if value > 0.9 * guess]
        parts = []
        if recalled:
            parts.append(f"below half the guessing error at {_lengths(recalled)} steps")
        if lost:
            parts.append(f"within a tenth of the guessing error at {_lengths(lost)} steps")
        verdict = "; ".join(parts) if parts else "between half the guessing error and the guessing error"
        lines.append(f"{layer}: median over {seeds.nunique()} seeds {values}; {verdict}.")
    return lines


def load_distances(path: str | Path | None = None) -> pd.DataFrame:
    """The sweep's error by distance on fresh sequences: one row per run, seed and steps back.

    Example: ``load_distances().query("length == 20 and layer == 'SimpleRNN'")``
    """
    return _committed_table(path, DISTANCE_FILE)
