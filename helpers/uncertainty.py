"""How sure is a test RMSE? A paired block bootstrap over the test days, and its answer in words.

One test year is one sample of weather. Resampling its days shows how much an RMSE could move with
another year like it. Forecast errors on neighbouring days are alike (a grey week is missed all week),
so days are drawn in blocks of consecutive days, not one by one. Every model is scored on the same
resampled days ("paired"), so a difference between two models carries far less noise than either RMSE.
"""

from __future__ import annotations

from helpers.validation import whole_number

import numpy as np
import pandas as pd

BLOCK_DAYS = 7  # about the cube root of 366 days, and a week of weather: errors a few days apart are alike


def block_resamples(n_days: int, block_days: int = BLOCK_DAYS, resamples: int = 2000, seed: int = 0) -> np.ndarray:
    """Day indices of ``resamples`` circular block-bootstrap samples, shape (resamples, n_days).

    Each sample strings together blocks of ``block_days`` consecutive days, starting at random days
    (wrapping round the end of the year), cut to ``n_days``.

    Example:
        >>> block_resamples(366, resamples=5).shape
        (5, 366)
    """
    n_days = whole_number("n_days", n_days, minimum=2)
    block_days = whole_number("block_days", block_days)
    resamples = whole_number("resamples", resamples, minimum=100)
    if block_days > n_days:
        raise ValueError(f"block_days ({block_days}) is longer than the {n_days} days; use a shorter block.")
    generator = np.random.default_rng(seed)
    blocks = -(-n_days // block_days)  # ceiling division
    starts = generator.integers(0, n_days, size=(resamples, blocks))
    days = (starts[:, :, None] + np.arange(block_days)) % n_days
    return days.reshape(resamples, -1)[:, :n_days]


def _checked(forecasts: pd.DataFrame, observed: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Forecasts and observations as arrays, after checking they cover the same days without gaps in values."""
    if not isinstance(forecasts, pd.DataFrame) or forecasts.empty:
        raise ValueError("forecasts must be a DataFrame with one column of forecasts per model, one row per test day.")
    if not isinstance(observed, pd.Series) or not forecasts.index.equals(observed.index):
        raise ValueError("observed must be a Series on exactly the forecasts' days (same index, same order); "
                         "select it with weather.loc[forecasts.index, 'BASEL_sunshine'].")
    values = forecasts.to_numpy(dtype=np.float64)
    truth = observed.to_numpy(dtype=np.float64)
    if not (np.isfinite(values).all() and np.isfinite(truth).all()):
        raise ValueError("forecasts and observed must be finite numbers on every day; a model without forecasts "
                         "for some days cannot be compared on the same days.")
    return values, truth


def bootstrap_rmse(
    forecasts: pd.DataFrame,
    observed: pd.Series,
    reference: str | None = None,
    *,
    level: float = 0.95,
    block_days: int = BLOCK_DAYS,
    resamples: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Each model's test RMSE with a bootstrap interval, or with ``reference`` its difference to that model.

    Returns one row per model (the forecasts' columns): ``rmse`` (or ``difference``, model minus
    reference: negative is better) on the real test days, and ``low`` and ``high``, the central
    ``level`` interval over block-bootstrap resamples of the days. The same resamples serve every
    model and every call with the same ``seed``, so the numbers are paired and repeatable.

    Example:
        >>> bootstrap_rmse(forecasts, observed).loc["Persistence"]
        >>> bootstrap_rmse(forecasts, observed, reference="Persistence")
    """
    values, truth = _checked(forecasts, observed)
    if not 0 < level < 1:
        raise ValueError(f"level must lie between 0 and 1 (0.95 for a 95 % interval), got {level!r}.")
    models = list(forecasts.columns)
    if reference is not None and reference not in models:
        raise ValueError(f"reference {reference!r} is not among the forecasts' columns: {', '.join(map(str, models))}.")
    squared = (values - truth[:, None]) ** 2
    days = block_resamples(len(truth), block_days, resamples, seed)
    samples = np.sqrt(np.stack([squared[days, column].mean(axis=1) for column in range(len(models))], axis=1))
    estimate = np.sqrt(squared.mean(axis=0))
    name = "rmse"
    if reference is not None:
        at = models.index(reference)
        samples, estimate, name = samples - samples[:, [at]], estimate - estimate[at], "difference"
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail], axis=0)
    return pd.DataFrame({name: estimate, "low": low, "high": high}, index=pd.Index(models, name="model"))


def in_words(model: str, reference: str, difference: float, low: float, high: float, level: float = 0.95) -> str:
    """One sentence on a paired difference (model minus reference, in hours): better, worse, or not told apart.

    Example:
        >>> in_words("SimpleRNN", "Dense, one day", -0.02, -0.08, 0.04)
        'SimpleRNN and Dense, one day cannot be told apart on these test days: SimpleRNN is 0.02 h lower, but the 95% interval of the difference (-0.08 to +0.04 h) includes zero.'
    """
    interval = f"the {level:.0%} interval of the difference ({low:+.2f} to {high:+.2f} h)"
    size = f"{abs(difference):.2f} h"
    if high < 0:
        return f"{model} beats {reference}: its RMSE is {size} lower, and {interval} lies below zero."
    if low > 0:
        return f"{model} does worse than {reference}: its RMSE is {size} higher, and {interval} lies above zero."
    direction = "lower" if difference < 0 else "higher"
    return (f"{model} and {reference} cannot be told apart on these test days: {model} is {size} {direction}, "
            f"but {interval} includes zero.")
