"""Compare a model's validation RMSE with what this lesson measured over many seeds.

The episodes choose on the validation year and leave the test year to notebook 10, which opens it once; so
their checks read the validation RMSE. The expected ranges come from the seed-spread study
(``python -m tools seed-spread``, see benchmarks/README.md), kept in ``helpers/seed_spread.csv``: every
model trained with many seeds, exactly as its notebook trains it. A model's check accepts the interval its
seeds spanned, widened on each side by three times their standard deviation (at least 0.05 h), because
another seed or another processor gives another draw from the same spread, and a dozen seeds do not show
all of it. The check says in words whether a number lies inside the measured range, outside it but inside
that margin, or outside the margin.

For learners the check only explains. In strict mode (``Config.strict``: ``LESSON_STRICT_CHECKS=1`` in
``make test`` and CI) a number outside the margin fails instead, so a drifted number stops the build. Strict
mode is read here and nowhere else: the debriefs ask ``check_backtest`` whether they can be written.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import NamedTuple

from helpers.config import Config, current
from helpers.lesson import SPLIT, current_split

import numpy as np
import pandas as pd

SPREAD_FILE = Path(__file__).resolve().parent / "seed_spread.csv"
MIN_MARGIN = 0.05  # hours: at least this, also for models that do not depend on the seed (processors differ)
SD_MARGIN = 3.0  # the seeds' range is widened by this many standard deviations on each side
# split_by_date's validation part, from the lesson's one split
VALIDATION_DAYS = pd.date_range(SPLIT.val_start, SPLIT.test_start, freq="D", name="DATE", inclusive="left")
PARTS = {"val": "validation", "test": "test"}  # the study's column prefixes, and their names in words
ROUNDING = 5e-5  # the study's table keeps four decimals: a number this close to a bound is on it


class Expected(NamedTuple):
    """What the seed-spread study measured for one model, and the interval its check accepts."""

    key: str
    model: str
    seeds: int
    median: float
    low: float
    high: float


def check_interval(minimum: float, maximum: float, sd: float) -> tuple[float, float]:
    """The interval a check accepts: the seeds' range widened by max(3 standard deviations, 0.05 h), never below 0.

    Example: ``check_interval(3.40, 3.50, 0.03)  # (3.31, 3.59)``
    """
    values = (minimum, maximum, sd)
    if not all(isinstance(v, (int, float, np.number)) and math.isfinite(v) for v in values) or minimum > maximum or sd < 0:
        raise ValueError(f"Need finite minimum <= maximum and sd >= 0, got {minimum!r}, {maximum!r}, {sd!r}.")
    margin = max(SD_MARGIN * float(sd), MIN_MARGIN)
    return max(0.0, round(float(minimum) - margin, 3)), round(float(maximum) + margin, 3)


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
    from helpers.results import with_manifest

    table = pd.read_csv(path, dtype={"key": str, "model": str, "episode": str}, keep_default_na=False, na_values={})
    needed = {"key", "seeds", "test_median", "test_min", "test_max", "test_sd"}
    if not needed <= set(table.columns):
        raise ValueError(f"{path} lacks the columns {sorted(needed - set(table.columns))}; rerun `python -m tools seed-spread`.")
    return with_manifest(table)  # names, episodes and tasks come from the manifest


def expected_rmse(key: str, path: str | Path | None = None, part: str = "val") -> Expected:
    """The measured spread of one RMSE (``part``: "val" or "test") of the model recorded under ``key``, and the
    interval its check accepts.

    Example: ``expected_rmse("simple_rnn").high``
    """
    if part not in PARTS:
        raise ValueError(f"part must be 'val' or 'test', got {part!r}.")
    table = load_spread(path)
    rows = table[table["key"] == key]
    if rows.empty:
        raise ValueError(
            f"No measured spread for the key {key!r}. Keys measured: {', '.join(table['key'])}. "
            "Use one of these keys, or measure the new model with `python -m tools seed-spread`."
        )
    row = rows.iloc[0]
    low, high = check_interval(row[f"{part}_min"], row[f"{part}_max"], row[f"{part}_sd"])
    return Expected(key, str(row.model), int(row.seeds), float(row[f"{part}_median"]), low, high)


def check_backtest(keys: list[str], table: pd.DataFrame, config: Config | None = None) -> str:
    """'' when the backtest ``table`` scores every model of ``keys``; else what is missing, in words.

    In strict mode (tests and CI) a missing model is an error instead: its debrief cannot be written.

    Example: ``check_backtest(["simple_rnn", "dense_30_lags"], load_backtest())  # ''``
    """
    config = current() if config is None else config
    missing = [key for key in keys if key not in set(table["key"])]
    if not missing:
        return ""
    if config.strict:
        raise ValueError(f"No measured scores for {', '.join(missing)} in the backtest; "
                         "measure them with `python -m tools seed-spread`.")
    return (f"No debrief yet: the seed-spread study has not measured {', '.join(missing)}. "
            "Measure it with `python -m tools seed-spread`.")


def _number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}"


def check_rmse(key: str, val_rmse: float, *, dates=None, unit: str = "h", path: str | Path | None = None,
               config: Config | None = None) -> None:
    """Say whether ``val_rmse`` (the validation RMSE) lies in the range the lesson measured for ``key``.

    Three answers, in words: inside the measured range; outside it but inside the margin the check allows for
    other seeds and computers; outside that margin (which fails in strict mode only). With ``dates`` (the days
    the model was scored on), a wrong split is refused in any mode. In a backtest fold (another validation
    year) there is no range to compare with, and the check says so. ``unit`` is how the numbers are printed
    (hours for sunshine; "" for the unitless recall task, which has no dates). ``config`` (default: this
    process's) gives strict mode and the split.

    Example: ``check_rmse("simple_rnn", model.evaluate(val.X, val.y, verbose=0)[1], dates=val.dates)``
    """
    if isinstance(val_rmse, bool) or not isinstance(val_rmse, (int, float, np.number)) or not math.isfinite(val_rmse):
        raise ValueError(f"val_rmse must be a finite number, got {val_rmse!r}; did training diverge?")
    config = current() if config is None else config
    split = current_split(config)
    if dates is not None:
        wanted = pd.date_range(split.val_start, split.test_start, freq="D", name="DATE", inclusive="left")
        days = pd.DatetimeIndex(dates)
        if not days.equals(wanted):
            first, last = (days[0].date(), days[-1].date()) if len(days) else ("-", "-")
            raise ValueError(
                f"{key} was scored on {len(days)} days ({first} to {last}), not on the {len(wanted)} days of the "
                f"validation year ({wanted[0].date()} to {wanted[-1].date()}). Split with "
                "split_by_date(X, y, dates) and score on its second part, val."
            )
    u, d = (f" {unit}", 2) if unit else ("", 3)  # unitless scores: one more decimal
    year = f" ({split.val_start[:4]})" if dates is not None else ""
    said = f"validation RMSE{year} {_number(val_rmse, d)}{u}"
    if dates is not None and split != SPLIT:
        print(f"{key}: {said}. Backtest fold {split.val_start[:4]}: the lesson's ranges are measured on "
              f"{SPLIT.val_start[:4]}, so there is nothing to compare with here.")
        return
    try:
        expected = expected_rmse(key, path)
    except (FileNotFoundError, ValueError) as error:
        if config.strict:
            raise
        print(f"{key}: {said}. No measured range to compare with: {error}")
        return
    row = load_spread(path).set_index("key").loc[key]
    seeds = expected.seeds
    bounds = (row.val_min, row.val_max, expected.low, expected.high)
    if any(_number(val_rmse, d) == _number(bound, d) and abs(val_rmse - bound) > ROUNDING for bound in bounds):
        d += 1  # two numbers that print alike but differ: one more decimal, so the words and digits agree
        said = f"validation RMSE{year} {_number(val_rmse, d)}{u}"
    if row.val_min == row.val_max:
        measured = f"{_number(row.val_min, d)}{u}, the same on each of {seeds} seeds"
    else:
        measured = f"{_number(row.val_min, d)} to {_number(row.val_max, d)}{u} over {seeds} seeds"
    accepted = f"{_number(expected.low, d)} to {_number(expected.high, d)}{u}"
    model = expected.model
    if row.val_min - ROUNDING <= val_rmse <= row.val_max + ROUNDING:
        print(f"{model}: {said}, inside the range the lesson measured ({measured}).")
        return
    if expected.low <= val_rmse <= expected.high:
        side = "above" if val_rmse > row.val_max else "below"
        print(f"{model}: {said}, {side} the range the lesson measured ({measured}) but inside the margin the "
              f"check allows for other seeds and computers ({accepted}).")
        return
    side = "higher" if val_rmse > expected.high else "lower"
    if config.strict:
        raise AssertionError(
            f"{model}: validation RMSE {val_rmse:.3f}{u} lies outside {expected.low:.3f} to {expected.high:.3f}{u}, "
            f"the interval accepted from {seeds} seeds (median {expected.median:.3f}{u}). The data, the split or "
            "the model changed; if the change is intended, measure again with `python -m tools seed-spread`."
        )
    print(
        f"{model}: {said}, {side} than the check accepts ({accepted}; the lesson measured {measured}, "
        f"median {_number(expected.median, d)}{u}).\n"
        "Small differences between computers are normal, and the lesson still holds. If yours is far off, "
        "restart the kernel and run all cells from the top, in order (Kernel > Restart Kernel and Run All Cells)."
    )
