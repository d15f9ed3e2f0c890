"""Print the lesson's results at the end of a run, through the one renderer (``helpers.results``).

Example:
    >>> from tools.summary import summarise
    >>> summarise()        # the table of results/*.json, ranked by validation RMSE
"""

from __future__ import annotations

from pathlib import Path


def summarise(results_folder: Path | None = None) -> None:
    """Print every recorded sunshine result, ranked by validation RMSE, with its test RMSE and interval.

    Example: ``summarise(Path("results"))``
    """
    from helpers.lesson import SPLIT
    from helpers.results import comparison_table

    table = comparison_table(results_folder)
    if table.empty:
        print("No results recorded yet.")
        return
    shown = table[["model", "episode", "val_rmse", "test_rmse", "low", "high", "n_weights"]]
    print(f"\nResults, ranked by validation RMSE (the column that decides); test RMSE on the same "
          f"{SPLIT.test_days} days with its 95% interval (low, high), in hours:")
    print(shown.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
