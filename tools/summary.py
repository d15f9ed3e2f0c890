"""Print the lesson's results at the end of a run, through the one renderer (``helpers.results``).

Example:
    >>> from tools.summary import summarise
    >>> summarise(run_results(Path("results")))  # the run's table, computed once, ranked by validation RMSE
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # read when called: importing the module loads nothing heavy
    from helpers.results import RunResults

    import pandas as pd


def summarise(results: RunResults | pd.DataFrame | Path | None = None) -> None:
    """Print every recorded sunshine result, ranked by validation RMSE, with its test RMSE and interval.

    ``results``: the run's results as computed once (``helpers.results.run_results``), a comparison table, or a
    results folder (default: the configured one), read here.

    Example: ``summarise(run_results(Path("results")))``
    """
    from helpers.lesson import SPLIT
    from helpers.results import run_results

    table = run_results(results).comparison
    if table.empty:
        print("No results recorded yet.")
        return
    shown = table[["model", "episode", "val_rmse", "test_rmse", "low", "high", "n_weights"]]
    print(f"\nResults, ranked by validation RMSE (the column that decides); test RMSE on the same "
          f"{SPLIT.test_days} days with its 95% interval (low, high), in hours:")
    print(shown.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
