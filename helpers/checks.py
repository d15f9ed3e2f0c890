"""Compare a model's test RMSE with what this lesson measured over many seeds.

The expected ranges come from the seed-spread study (``python -m tools seed-spread``, see
benchmarks/README.md), kept in ``helpers/seed_spread.csv``: every model trained with at least ten
seeds, exactly as its notebook trains it. A model's check accepts the interval its seeds spanned,
widened on each side by three times their standard deviation (at least 0.05 h), because another seed or
another processor gives another draw from the same spread, and ten seeds do not show all of it.

For learners the check only explains: a number outside the range is described in plain words. In
``make test`` and CI, where ``LESSON_STRICT_CHECKS=1``, it fails instead, so a drifted number stops
the build.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from helpers.lesson import SPLIT
from helpers.settings import STRICT_VARIABLE

SPREAD_FILE = Path(__file__).resolve().parent / "seed_spread.csv"
MIN_MARGIN = 0.05  # hours: at least this, also for models that do not depend on the seed (processors differ)
SD_MARGIN = 3.0  # the seeds' range is widened by this many standard deviations on each side
# split_by_date's test part, from the lesson's one split
TEST_DAYS = pd.date_range(SPLIT.test_start, SPLIT.test_last, freq="D", name="DATE")


class Expected(NamedTuple):
    """What the seed-spread study measured for one model, and the interval its check accepts."""

    key: str
    model: str
    seeds: int
    median: float
    low: float
    high: float


def check_interval(minimum: float, maximum: float, sd: float) -> tuple[float, float]:
    """The interval a check accepts: the seeds' range widened by max(3 standard deviations, 0.05 h).

    Example: ``check_interval(3.40, 3.50, 0.03)  # (3.31, 3.59)``
    """
    values = (minimum, maximum, sd)
    if not all(isinstance(v, (int, float, np.number)) and math.isfinite(v) for v in values) or minimum > maximum or sd < 0:
        raise ValueError(f"Need finite minimum <= maximum and sd >= 0, got {minimum!r}, {maximum!r}, {sd!r}.")
    margin = max(SD_MARGIN * float(sd), MIN_MARGIN)
    return round(float(minimum) - margin, 3), round(float(maximum) + margin, 3)


def load_spread(path: str | Path | None = None) -> pd.DataFrame:
    """The committed seed-spread table, one row per model (``helpers/seed_spread.csv`` by default).

    Example: ``load_spread().set_index("key").loc["simple_rnn", ["test_min", "test_max"]]``
    """
    path = Path(path) if path is not None else SPREAD_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: it comes with the lesson. Restore it with `git checkout -- helpers/{path.name}` "
            "or measure it again with `python -m tools seed-spread`."
        )
    table = pd.read_csv(path, dtype={"key": str, "model": str, "episode": str}, keep_default_na=False, na_values={})
    needed = {"key", "model", "seeds", "test_median", "test_min", "test_max", "test_sd"}
    if not needed <= set(table.columns):
        raise ValueError(f"{path} lacks the columns {sorted(needed - set(table.columns))}; rerun `python -m tools seed-spread`.")
    if "task" not in table:  # measured before the recall task existed: all sunshine forecasts
        table["task"] = "sunshine"
    return table


def expected_rmse(key: str, path: str | Path | None = None) -> Expected:
    """The measured spread of the test RMSE of the model recorded under ``key``, and the interval its check accepts.

    Example: ``expected_rmse("simple_rnn").high``
    """
    table = load_spread(path)
    rows = table[table["key"] == key]
    if rows.empty:
        raise ValueError(
            f"No measured spread for the key {key!r}. Keys measured: {', '.join(table['key'])}. "
            "Use one of these keys, or measure the new model with `python -m tools seed-spread`."
        )
    row = rows.iloc[0]
    low, high = check_interval(row.test_min, row.test_max, row.test_sd)
    return Expected(key, str(row.model), int(row.seeds), float(row.test_median), low, high)


def strict() -> bool:
    """True where a check must fail hard (``LESSON_STRICT_CHECKS=1``: ``make test`` and CI).

    Example: ``strict()  # False in a learner's Jupyter``
    """
    return os.environ.get(STRICT_VARIABLE, "").strip().lower() in {"1", "true", "yes"}


def check_rmse(key: str, test_rmse: float, *, dates=None, unit: str = "h", path: str | Path | None = None) -> None:
    """Say whether ``test_rmse`` lies in the interval the check accepts for ``key``; fail only in strict mode.

    With ``dates`` (the test days the model was scored on), a wrong split is refused in any mode.
    ``unit`` is how the numbers are printed (hours for sunshine; "" for the unitless recall task).

    Example: ``check_rmse("simple_rnn", rnn_rmse, dates=test.dates)``
    """
    if isinstance(test_rmse, bool) or not isinstance(test_rmse, (int, float, np.number)) or not math.isfinite(test_rmse):
        raise ValueError(f"test_rmse must be a finite number, got {test_rmse!r}; did training diverge?")
    if dates is not None:
        days = pd.DatetimeIndex(dates)
        if not days.equals(TEST_DAYS):
            first, last = (days[0].date(), days[-1].date()) if len(days) else ("-", "-")
            raise ValueError(
                f"{key} was scored on {len(days)} days ({first} to {last}), not on the lesson's "
                f"{len(TEST_DAYS)} test days ({SPLIT.test_start} to {SPLIT.test_last}). Split with split_by_date(X, y, dates) "
                "and score on its third part."
            )
    u, d = (f" {unit}", 2) if unit else ("", 3)  # unitless scores: one more decimal
    try:
        expected = expected_rmse(key, path)
    except (FileNotFoundError, ValueError) as error:
        if strict():
            raise
        print(f"{key}: test RMSE {test_rmse:.{d}f}{u}. No measured range to compare with: {error}")
        return
    row = load_spread(path).set_index("key").loc[key]
    if row.test_min == row.test_max:
        measured = f"{row.test_min:.{d}f}{u}, the same on each of {expected.seeds} seeds"
    else:
        measured = f"{row.test_min:.{d}f} to {row.test_max:.{d}f}{u} over {expected.seeds} seeds"
    accepted = f"{expected.low:.{d}f} to {expected.high:.{d}f}{u}"
    model = expected.model
    if expected.low <= test_rmse <= expected.high:
        print(f"{model}: test RMSE {test_rmse:.{d}f}{u}. The lesson measured {measured}; the check accepts "
              f"{accepted}, a margin for other computers. As expected.")
        return
    side = "higher" if test_rmse > expected.high else "lower"
    if strict():
        raise AssertionError(
            f"{model}: test RMSE {test_rmse:.3f}{u} lies outside {expected.low:.3f} to {expected.high:.3f}{u}, the "
            f"interval accepted from {expected.seeds} seeds (median {expected.median:.3f}{u}). The data, the split or "
            "the model changed; if the change is intended, measure again with `python -m tools seed-spread`."
        )
    print(
        f"{model}: test RMSE {test_rmse:.{d}f}{u}, {side} than the check accepts ({accepted}; the lesson measured "
        f"{measured}, median {expected.median:.{d}f}{u}).\n"
        "Small differences between computers are normal, and the lesson still holds. If yours is far off, "
        "restart the kernel and run all cells from the top, in order (Kernel > Restart Kernel and Run All Cells)."
    )
