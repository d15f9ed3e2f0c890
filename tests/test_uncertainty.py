"""helpers/uncertainty.py: block-bootstrap intervals for test RMSE and their answer in words."""

from __future__ import annotations

from helpers.results import rmse
from helpers.uncertainty import block_resamples, bootstrap_rmse, in_words

import numpy as np
import pandas as pd
import pytest

DAYS = pd.date_range("2009-01-01", "2010-01-01", name="DATE")


@pytest.fixture
def year():
    """Observed sunshine and three forecasts on 366 days: good, noisy, and the good one's errors made 20 % larger."""
    generator = np.random.default_rng(1)
    observed = pd.Series(generator.uniform(0, 12, len(DAYS)), index=DAYS)
    good = observed + generator.normal(0, 2, len(DAYS))
    noisy = observed + generator.normal(0, 4, len(DAYS))
    forecasts = pd.DataFrame({"good": good, "noisy": noisy, "larger": observed + 1.2 * (good - observed)}, index=DAYS)
    return forecasts, observed


# --- block_resamples ---------------------------------------------------------------------------------------


def test_resamples_are_runs_of_consecutive_days():
    days = block_resamples(366, block_days=7, resamples=200, seed=3)
    assert days.shape == (200, 366) and days.min() >= 0 and days.max() <= 365
    steps = (np.diff(days, axis=1) % 366).reshape(200, -1)
    within_blocks = np.delete(steps, np.s_[6::7], axis=1)  # each 7th step starts a new block
    assert (within_blocks == 1).all()


def test_resamples_repeat_with_the_same_seed_and_change_with_another():
    assert (block_resamples(366, seed=5) == block_resamples(366, seed=5)).all()
    assert not (block_resamples(366, seed=5) == block_resamples(366, seed=6)).all()


@pytest.mark.parametrize("arguments, message", [
    ({"n_days": 1}, r"n_days must be a whole number >= 2"),
    ({"n_days": 366, "block_days": 0}, r"block_days must be a whole number >= 1"),
    ({"n_days": 366, "resamples": 10}, r"resamples must be a whole number >= 100"),
    ({"n_days": 10, "block_days": 11}, r"block_days \(11\) is longer than the 10 days"),
    ({"n_days": 366.0}, r"n_days must be a whole number"),
])
def test_resamples_refuse_bad_sizes(arguments, message):
    with pytest.raises(ValueError, match=message):
        block_resamples(**arguments)


# --- bootstrap_rmse ----------------------------------------------------------------------------------------


def test_the_estimate_is_the_rmse_on_the_real_days_and_lies_inside_its_interval(year):
    forecasts, observed = year
    table = bootstrap_rmse(forecasts, observed)
    assert list(table.index) == ["good", "noisy", "larger"] and list(table.columns) == ["rmse", "low", "high"]
    for model in forecasts:
        assert table.loc[model, "rmse"] == pytest.approx(rmse(observed, forecasts[model]))
        assert table.loc[model, "low"] < table.loc[model, "rmse"] < table.loc[model, "high"]
    assert table.loc["good", "high"] < table.loc["noisy", "low"]  # 2 h against 4 h of noise: clearly apart


def test_differences_are_paired(year):
    forecasts, observed = year
    table = bootstrap_rmse(forecasts, observed, reference="good")
    assert list(table.columns) == ["difference", "low", "high"]
    assert tuple(table.loc["good"]) == (0.0, 0.0, 0.0)
    # the same errors, 20 % larger: worse on every resample, so the paired interval lies above zero
    larger = table.loc["larger"]
    assert 0 < larger["low"] < larger["difference"] < larger["high"]
    single = bootstrap_rmse(forecasts, observed)
    unpaired_width = single.loc["larger", "high"] - single.loc["larger", "low"]
    assert larger["high"] - larger["low"] < unpaired_width / 2


def test_longer_blocks_widen_the_interval_when_errors_come_in_spells():
    generator = np.random.default_rng(2)
    spells = np.repeat(generator.normal(0, 3, len(DAYS) // 14 + 1), 14)[: len(DAYS)]  # two-week spells
    observed = pd.Series(np.full(len(DAYS), 6.0), index=DAYS)
    forecasts = pd.DataFrame({"spelly": observed + spells}, index=DAYS)
    width = {block: float(np.diff(bootstrap_rmse(forecasts, observed, block_days=block).loc["spelly", ["low", "high"]])[0])
             for block in (1, 14)}
    assert width[14] > 1.5 * width[1]


def test_same_seed_same_interval_and_level_changes_the_width(year):
    forecasts, observed = year
    pd.testing.assert_frame_equal(bootstrap_rmse(forecasts, observed), bootstrap_rmse(forecasts, observed))
    wide, narrow = bootstrap_rmse(forecasts, observed, level=0.99), bootstrap_rmse(forecasts, observed, level=0.5)
    assert (wide["high"] - wide["low"] > narrow["high"] - narrow["low"]).all()


def test_bad_inputs_are_named(year):
    forecasts, observed = year
    with pytest.raises(ValueError, match=r"observed must be a Series on exactly the forecasts' days"):
        bootstrap_rmse(forecasts, observed.iloc[1:])
    with pytest.raises(ValueError, match=r"observed must be a Series"):
        bootstrap_rmse(forecasts, observed.to_numpy())
    with pytest.raises(ValueError, match=r"forecasts must be a DataFrame"):
        bootstrap_rmse(forecasts["good"], observed)
    gappy = forecasts.copy()
    gappy.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"finite numbers on every day"):
        bootstrap_rmse(gappy, observed)
    with pytest.raises(ValueError, match=r"reference 'best' is not among the forecasts' columns: good, noisy, larger"):
        bootstrap_rmse(forecasts, observed, reference="best")
    with pytest.raises(ValueError, match=r"level must lie between 0 and 1"):
        bootstrap_rmse(forecasts, observed, level=95)


# --- in_words ----------------------------------------------------------------------------------------------


def test_in_words_says_better_worse_or_not_told_apart():
    assert in_words("A", "B", -0.2, -0.3, -0.1).startswith("A beats B: its RMSE is 0.20 h lower")
    assert in_words("A", "B", 0.2, 0.1, 0.3).startswith("A does worse than B: its RMSE is 0.20 h higher")
    sentence = in_words("A", "B", 0.02, -0.04, 0.08)
    assert sentence.startswith("A and B cannot be told apart") and "0.02 h higher" in sentence
    assert "(-0.04 to +0.08 h) includes zero" in sentence
