"""Naive, loop-per-sample versions of ``helpers.windows.make_sequences`` and ``make_lagged``.

Written the way a learner would first write them: one Python loop over the samples, each window cut
out of the frame with ``iloc``. They return exactly what the vectorised helpers return (the benchmark
asserts it before timing), so they can stand in for them in the "baseline" notebooks. They do none of
the helpers' input checks: they exist only to be timed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _dates(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """The frame's dates: its ``DATE`` column, or its DatetimeIndex (as the helpers accept)."""
    if "DATE" in frame.columns:
        return pd.DatetimeIndex(frame["DATE"])
    return pd.DatetimeIndex(frame.index)


def make_sequences(
    frame: pd.DataFrame, columns: list[str], target: str = "BASEL_sunshine", window: int = 30
) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Sliding windows built one sample at a time: X (n, window, features), y and the target dates."""
    predictors = frame[columns]
    targets = frame[target]
    dates = _dates(frame)
    windows, values, days = [], [], []
    for t in range(window, len(frame)):
        # days t-window .. t-1 as a (window, features) block, the target on day t
        windows.append(predictors.iloc[t - window : t].to_numpy(dtype=np.float64))
        values.append(float(targets.iloc[t]))
        days.append(dates[t])
    X = np.array(windows, dtype=np.float64).astype(np.float32)
    y = np.array(values, dtype=np.float64).astype(np.float32)
    return X, y, pd.DatetimeIndex(days, name=dates.name, dtype=dates.dtype)


def make_lagged(frame: pd.DataFrame, columns: list[str], lags: int = 30) -> pd.DataFrame:
    """One row per day with full history: ``{col}_lag{k}`` = the column's value k days earlier."""
    predictors = frame[columns]
    dates = _dates(frame)
    names = [f"{column}_lag{k}" for column in columns for k in range(1, lags + 1)]
    rows = []
    for t in range(lags, len(frame)):
        history = predictors.iloc[t - lags : t].to_numpy(dtype=np.float64)  # days t-lags .. t-1
        # newest day first (lag 1, 2, ...), column after column
        rows.append(history[::-1].T.ravel())
    result = pd.DataFrame(np.array(rows, dtype=np.float64), columns=names, index=frame.index[lags:])
    result.insert(0, "DATE", dates[lags:])
    return result
