"""helpers/debrief.py: sentences over the seed spread, from a small table."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers.checks import STRICT_VARIABLE
from helpers.debrief import debrief, spread_line, verdict


def table(*rows):
    return pd.DataFrame(rows, columns=["key", "model", "seeds", "val_median", "val_min", "val_max", "n_weights"])


SPREAD = table(
    ("simple_rnn", "SimpleRNN", 10, 3.35, 3.32, 3.38, 433),
    ("dense_30_lags", "Dense, 30 lags", 10, 3.60, 3.56, 3.65, 32201),
    ("dense_one_day", "Dense, one day", 10, 3.36, 3.34, 3.37, 6101),
    ("climatology", "Climatology", 10, 3.95, 3.95, 3.95, 0),
)


def test_spread_line_gives_range_median_and_weights():
    assert spread_line("simple_rnn", spread=SPREAD) == "SimpleRNN: 3.32 to 3.38 h over 10 seeds (median 3.35 h), 433 weights"


def test_a_model_without_spread_says_so_and_leaves_out_weights():
    assert spread_line("climatology", spread=SPREAD) == "Climatology: 3.95 h, the same on each of 10 seeds"


def test_no_overlap_is_a_win_on_every_seed_in_either_order():
    text = verdict("simple_rnn", "dense_30_lags", spread=SPREAD)
    assert text.startswith("SimpleRNN beats Dense, 30 lags on every seed: its worst validation RMSE (3.38 h)")
    assert "below the other's best (3.56 h)" in text and "differ by 0.25 h" in text
    assert verdict("dense_30_lags", "simple_rnn", spread=SPREAD).startswith("SimpleRNN beats Dense, 30 lags")


def test_overlapping_ranges_are_a_tie():
    text = verdict("simple_rnn", "dense_one_day", spread=SPREAD)
    assert text.startswith("SimpleRNN and Dense, one day tie: their ranges over seeds overlap")
    assert "SimpleRNN lower" in text


def test_debrief_lists_every_model_and_adds_the_reason_only_to_ties():
    text = debrief("simple_rnn", ["dense_30_lags", "dense_one_day"], if_tie="Because.", spread=SPREAD)
    lines = text.splitlines()
    assert lines[0] == "Validation RMSE (2008) over the seed-spread study's seeds:"
    assert lines[1].startswith("- SimpleRNN:") and lines[3].startswith("- Dense, one day:")
    assert not lines[5].endswith("Because.") and lines[6].endswith("Because.")


def test_unitless_debrief_for_the_recall_task():
    assert " h" not in debrief("simple_rnn", ["dense_one_day"], unit="", spread=SPREAD)


def test_a_string_instead_of_a_list_is_refused():
    with pytest.raises(ValueError, match="wrap it"):
        debrief("simple_rnn", "dense_one_day", spread=SPREAD)


def test_an_unmeasured_model_is_named_for_learners_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv(STRICT_VARIABLE, raising=False)
    assert debrief("new_model", ["simple_rnn"], spread=SPREAD).startswith(
        "No debrief yet: the seed-spread study has not measured new_model.")
    monkeypatch.setenv(STRICT_VARIABLE, "1")
    with pytest.raises(ValueError, match="No measured spread for 'new_model'"):
        debrief("new_model", ["simple_rnn"], spread=SPREAD)
