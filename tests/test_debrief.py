"""helpers/debrief.py: verdicts over years and seeds, from a small backtest table."""

from __future__ import annotations

from helpers.config import using
from helpers.debrief import agrees_in_test_year, compare_years, debrief, medians_table, verdict

import pandas as pd
import pytest


def scores(key, year, *values):
    return [(key, year, seed, value) for seed, value in enumerate(values, start=1)]


def table(*groups):
    return pd.DataFrame([row for group in groups for row in group], columns=["key", "year", "seed", "rmse"])


# SimpleRNN beats the lagged network every year; against the one-day network the years disagree
TABLE = table(
    scores("simple_rnn", 2005, 3.30, 3.32, 3.31), scores("dense_30_lags", 2005, 3.60, 3.55, 3.58),
    scores("simple_rnn", 2006, 3.40, 3.41, 3.39), scores("dense_30_lags", 2006, 3.70, 3.62, 3.66),
    scores("dense_one_day", 2005, 3.40, 3.41, 3.42), scores("dense_one_day", 2006, 3.30, 3.31, 3.29),
    scores("simple_rnn", 2009, 3.30, 3.31, 3.32), scores("dense_30_lags", 2009, 3.50, 3.45, 3.52),
    scores("dense_one_day", 2009, 3.35, 3.36, 3.37),
    scores("stacked_lstm", 2005, 3.300, 3.301, 3.302), scores("stacked_simple_rnn", 2005, 3.302, 3.299, 3.303),
)


def test_each_year_is_judged_over_every_pairing_of_seeds():
    years = compare_years("simple_rnn", "dense_30_lags", table=TABLE)
    assert [year.year for year in years] == [2005, 2006]  # the test year is not among the validation years
    assert all(year.share == 1.0 and year.winner == "key" for year in years)
    assert years[0].median_gap == pytest.approx(3.31 - 3.58)


def test_a_win_in_every_year_says_so_with_the_gaps_and_pairings():
    text = verdict("simple_rnn", "dense_30_lags", table=TABLE)
    assert text.startswith("SimpleRNN beats Dense, 30 lags in every year of the backtest (2 of 2 years)")
    assert "0.26 to 0.27 h" in text and "every pairing of seeds" in text
    assert verdict("dense_30_lags", "simple_rnn", table=TABLE).startswith("SimpleRNN beats Dense, 30 lags")


def test_years_that_disagree_depend_on_the_year():
    text = verdict("simple_rnn", "dense_one_day", table=TABLE)
    assert "depends on the year" in text
    assert "SimpleRNN is lower in 2005, Dense, one day in 2006" in text


def test_differences_smaller_than_two_decimals_get_a_third():
    text = verdict("stacked_lstm", "stacked_simple_rnn", table=TABLE)
    assert "too close to call" in text and "0.001 h" in text and "0.00 h" not in text


def test_the_test_year_is_compared_with_the_backtest_verdict():
    assert agrees_in_test_year("simple_rnn", "dense_30_lags", table=TABLE).startswith("2009 agrees")
    flipped = table(scores("a_model", 2005, 1, 1), scores("b_model", 2005, 2, 2),
                    scores("a_model", 2009, 3, 3), scores("b_model", 2009, 2, 2))
    assert agrees_in_test_year("a_model", "b_model", table=flipped).startswith("2009 disagrees")
    assert "the years disagreed" in agrees_in_test_year("simple_rnn", "dense_one_day", table=TABLE)


def test_the_debrief_shows_the_medians_per_year_and_adds_the_reason_only_where_no_model_wins():
    text = debrief("simple_rnn", ["dense_30_lags", "dense_one_day"], if_tie="Because.", table=TABLE)
    assert "3 in 2005, 3 in 2006" in text
    verdicts = [line for line in text.splitlines() if line.startswith("- ")]
    assert not verdicts[0].endswith("Because.") and verdicts[1].endswith("Because.")
    assert list(medians_table(["simple_rnn"], TABLE).columns) == [2005, 2006, 2007, 2008]


def test_a_string_instead_of_a_list_is_refused():
    with pytest.raises(ValueError, match="wrap it"):
        debrief("simple_rnn", "dense_one_day", table=TABLE)


def test_an_unmeasured_model_is_named_for_learners_and_fails_in_ci(_isolated):
    with using(_isolated.but(strict=False)):
        assert debrief("new_model", ["simple_rnn"], table=TABLE).startswith(
            "No debrief yet: the seed-spread study has not measured new_model.")
    with using(_isolated.but(strict=True)), pytest.raises(ValueError, match="new_model"):
        debrief("new_model", ["simple_rnn"], table=TABLE)


def test_the_debrief_leaves_strict_mode_to_the_checks():
    """Strict mode lives in helpers/checks.py alone: the debrief asks check_backtest, never the configuration."""
    import ast
    import inspect

    import helpers.debrief

    tree = ast.parse(inspect.getsource(helpers.debrief))
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not names & {"strict", "current", "STRICT_VARIABLE", "environ"}


def test_the_committed_backtest_covers_the_core_models_and_10s_comparisons_in_every_year():
    from helpers.debrief import load_backtest
    from helpers.lesson import BACKTEST_YEARS, COMPARISONS, MODELS, episodes_of

    backtest = load_backtest()
    core = [key for key, model in MODELS.items() if model.episode in episodes_of("core") and model.task == "sunshine"]
    compared = [key for _, model, reference in COMPARISONS for key in (model, reference)]
    for key in [*core, *compared]:
        years = set(backtest.loc[backtest["key"] == key, "year"])
        assert set(BACKTEST_YEARS) <= years, f"{key} lacks backtest years {set(BACKTEST_YEARS) - years}"
        assert (backtest[backtest["key"] == key].groupby("year")["seed"].nunique() >= 5).all()
