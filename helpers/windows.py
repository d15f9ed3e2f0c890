"""Turn the daily table into model inputs: lagged columns, sliding windows, and one split by date.

Every episode uses ``split_by_date``, whose defaults are the lesson's one split (``helpers.lesson.SPLIT``, or a
backtest fold's, ``current_split``), so every model is scored on the same days.
"""

from __future__ import annotations

from typing import NamedTuple

from helpers.config import Config
from helpers.lesson import current_split
from helpers.validation import whole_number

import numpy as np
import pandas as pd

VARIABLES = (
    "cloud_cover",
    "wind_speed",
    "wind_gust",
    "humidity",
    "pressure",
    "global_radiation",
    "precipitation",
    "sunshine",
    "temp_mean",
    "temp_min",
    "temp_max",
)


class Part(NamedTuple):
    """One chronological part of the data: inputs ``X``, targets ``y`` and the target ``dates``."""

    X: np.ndarray | pd.DataFrame
    y: np.ndarray | pd.Series
    dates: pd.DatetimeIndex


def _station_of(column: str) -> str | None:
    for variable in VARIABLES:
        if column.endswith("_" + variable):
            return column[: -len(variable) - 1]
    return None


def stations(frame: pd.DataFrame) -> list[str]:
    """Station names in file order, read off the column names.

    Example: ``stations(weather)[:2]  # ['BASEL', 'DE_BILT']``
    """
    found = [_station_of(column) for column in frame.columns]
    return list(dict.fromkeys(name for name in found if name))


def station_columns(frame: pd.DataFrame, station: str = "BASEL") -> list[str]:
    """The station's predictor columns in file order (9 for Basel).

    Example: ``station_columns(weather)[0]  # 'BASEL_cloud_cover'``
    """
    columns = [column for column in frame.columns if _station_of(column) == station]
    if not columns:
        raise ValueError(f"Unknown station {station!r}. Stations in this frame: {', '.join(stations(frame))}.")
    return columns


def _dates_of(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """The frame's dates (a ``DATE`` column or a DatetimeIndex), checked to be sorted and unique."""
    if "DATE" in frame.columns:
        dates = pd.DatetimeIndex(frame["DATE"])
    elif isinstance(frame.index, pd.DatetimeIndex):
        dates = frame.index
    else:
        raise ValueError("The frame has no dates: give it a DATE column (as load_weather does) or a DatetimeIndex.")
    _check_dates(dates)
    steps = dates[1:] - dates[:-1]
    if (steps != pd.Timedelta(days=1)).any():
        at = int(np.argmax(steps != pd.Timedelta(days=1)))
        raise ValueError(
            f"The dates jump from {dates[at].date()} to {dates[at + 1].date()}: windows would join days that are not "
            "neighbours. Use consecutive days (the table from load_weather(), or a slice of it such as weather.iloc[:366])."
        )
    return dates


def _check_dates(dates: pd.DatetimeIndex) -> None:
    if dates.hasnans:
        raise ValueError("Some dates are missing (NaT); drop those rows first.")
    if dates.has_duplicates:
        raise ValueError("Dates are duplicated; keep one row per day.")
    if not dates.is_monotonic_increasing:
        raise ValueError("Dates are not sorted; sort the rows by date first (frame.sort_values('DATE')).")


def _checked_values(frame: pd.DataFrame, columns: list[str], length: int, name: str) -> np.ndarray:
    """The columns as a float array, after checking they exist, hold no NaN and outnumber ``length``."""
    if isinstance(columns, str):
        raise ValueError(f"columns must be a list of names, not the string {columns!r}; wrap it: [{columns!r}].")
    if len(columns) == 0:
        raise ValueError("columns is empty; pass at least one column, e.g. station_columns(frame).")
    unknown = [column for column in columns if column not in frame.columns]
    if unknown:
        raise ValueError(f"Unknown columns {unknown}; the frame has e.g. {list(frame.columns[:4])}.")
    length = whole_number(name, length, unit="days")
    if length >= len(frame):
        raise ValueError(f"{name}={length} leaves no samples from {len(frame)} rows; use fewer than {len(frame)} days.")
    # one column at a time: much faster than frame[columns] on a wide frame with mixed dtypes
    values = np.column_stack([frame[column].to_numpy(dtype=np.float64) for column in columns])
    if np.isnan(values).any():
        bad = [column for column in columns if frame[column].isna().any()]
        raise ValueError(f"Columns {bad} contain NaN; fill or drop those rows first.")
    return values


def make_lagged(frame: pd.DataFrame, columns: list[str], lags: int = 30) -> pd.DataFrame:
    """One column ``{col}_lag{k}`` per column and lag k = 1..lags; rows without full history dropped.

    Row ``t`` holds the values of days t-1 .. t-lags, keeps the frame's index and its date in
    ``DATE``, so ``frame.loc[lagged.index, target]`` is the matching target.

    Example:
        >>> lagged = make_lagged(weather, ["BASEL_sunshine"], lags=2)
        >>> list(lagged.columns)
        ['DATE', 'BASEL_sunshine_lag1', 'BASEL_sunshine_lag2']
    """
    dates = _dates_of(frame)
    values = _checked_values(frame, columns, lags, "lags")
    n_rows = len(frame) - lags
    # Column j lagged by k days is the series values[:, j] cut at lags-k .. len-k: one contiguous
    # slice. Build them as rows of a (columns * lags, n_rows) block; pandas keeps it as one block.
    series = np.ascontiguousarray(values.T)
    shifted = np.lib.stride_tricks.sliding_window_view(series, n_rows, axis=1)[:, :lags][:, ::-1]
    block = shifted.reshape(-1, n_rows)
    names = [f"{column}_lag{k}" for column in columns for k in range(1, lags + 1)]
    result = pd.DataFrame(block.T, columns=names, index=frame.index[lags:])
    result.insert(0, "DATE", dates[lags:])
    return result


def make_sequences(
    frame: pd.DataFrame, columns: list[str], target: str = "BASEL_sunshine", window: int = 30
) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """Sliding windows for a recurrent model: X (n, window, features) of days t-window .. t-1, y on day t.

    Returns ``(X, y, dates)``: X float32, y float32 and the target dates; n = rows - window.

    Example:
        >>> X, y, dates = make_sequences(weather, station_columns(weather), window=30)
        >>> X.shape
        (3624, 30, 9)
    """
    dates = _dates_of(frame)
    values = _checked_values(frame, columns, window, "window")
    targets = _checked_values(frame, [target], window, "window")[:, 0]
    # The rows of days t .. t+window-1 lie next to each other in memory: each window is one
    # contiguous slice of the flattened table, so a strided view plus one copy builds all of them.
    n_features = values.shape[1]
    flat = values.astype(np.float32).ravel()[:-n_features]  # all days but the last
    windows = np.lib.stride_tricks.sliding_window_view(flat, window * n_features)[::n_features]
    X = windows.reshape(-1, window, n_features).copy()
    return X, targets[window:].astype(np.float32), dates[window:]


def _take(data, mask: np.ndarray):
    return data.loc[mask] if isinstance(data, (pd.DataFrame, pd.Series)) else data[mask]


def _missing_days(part: str, dates: pd.DatetimeIndex, first: pd.Timestamp, last: pd.Timestamp) -> None:
    """Refuse a validation or test part that lacks some of the days from ``first`` to ``last``."""
    wanted = pd.date_range(first, last, freq="D")
    missing = wanted.difference(dates)
    if len(missing):
        raise ValueError(
            f"The {part} part has {len(wanted) - len(missing)} of the {len(wanted)} days {first.date()} .. "
            f"{last.date()} ({len(missing)} missing, the first {missing[0].date()}). Every model is "
            "scored on the same full years: use the whole daily table from load_weather(), without gaps."
        )


def split_by_date(
    X, y, dates, val_start: str | None = None, test_start: str | None = None, test_stop: str | None = None,
    config: Config | None = None,
) -> tuple[Part, Part, Part]:
    """Split chronologically by target date into ``(train, val, test)``, each a ``Part(X, y, dates)``.

    Each bound is the first day of the next part: train targets fall before ``val_start``, validation
    before ``test_start``, test before ``test_stop``. The defaults are the lesson's split
    (``helpers.lesson.SPLIT``: validation 2008, test 2009-01-01 .. 2010-01-01, 366 days; a backtest fold's
    ``config.validation_year`` moves them to earlier years; ``config`` defaults to this process's).
    Validation and test must hold every day of their span, so a table that ends early or has gaps is refused
    before any training.
    X may be 2-D (tabular) or 3-D (sequences), array or frame.

    Example:
        >>> train, val, test = split_by_date(X, y, dates)
        >>> len(test.y)
        366
    """
    split = current_split(config)
    val_start = split.val_start if val_start is None else val_start
    test_start = split.test_start if test_start is None else test_start
    test_stop = split.test_stop if test_stop is None else test_stop
    dates = pd.DatetimeIndex(dates)
    _check_dates(dates)
    if not len(X) == len(y) == len(dates):
        raise ValueError(f"X, y and dates differ in length ({len(X)}, {len(y)}, {len(dates)}); build them together.")
    val_at, test_at, stop_at = pd.Timestamp(val_start), pd.Timestamp(test_start), pd.Timestamp(test_stop)
    if not val_at < test_at < stop_at:
        raise ValueError(f"val_start ({val_start}) must come before test_start ({test_start}), "
                         f"and test_start before test_stop ({test_stop}).")
    masks = {
        "train": np.asarray(dates < val_at),
        "validation": np.asarray((dates >= val_at) & (dates < test_at)),
        "test": np.asarray((dates >= test_at) & (dates < stop_at)),
    }
    for name, mask in masks.items():
        if not mask.any():
            raise ValueError(
                f"The {name} part is empty for dates {dates[0].date()} .. {dates[-1].date()}; "
                f"check val_start and test_start."
            )
    day = pd.Timedelta(days=1)
    _missing_days("validation", dates[masks["validation"]], val_at, test_at - day)
    _missing_days("test", dates[masks["test"]], test_at, stop_at - day)
    return tuple(Part(_take(X, mask), _take(y, mask), dates[mask]) for mask in masks.values())
