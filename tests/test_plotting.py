"""helpers/plotting.py: every plot returns a labelled Axes; bad inputs raise clear errors."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

from helpers.plotting import plot_comparison, plot_history, plot_predicted_vs_observed, plot_predictions  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

pytestmark = pytest.mark.usefixtures("close_figures")


def assert_labelled(ax):
    assert isinstance(ax, Axes)
    assert ax.get_title().strip()
    assert ax.get_xlabel().strip()
    assert ax.get_ylabel().strip()


# --- plot_history -----------------------------------------------------------------------------

LOGS = {"loss": [9.0, 6.0, 5.0], "rmse": [3.0, 2.5, 2.2], "val_rmse": [3.2, 2.9, 2.8]}


@pytest.mark.parametrize("history", [LOGS, SimpleNamespace(history=LOGS)], ids=["dict", "History"])
def test_plot_history(history):
    ax = plot_history(history)
    assert_labelled(ax)
    assert [line.get_label() for line in ax.get_lines()] == ["training", "validation"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])  # epochs count from 1
    assert ax.get_ylabel() == "RMSE (hours of sunshine)"
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), LOGS["val_rmse"])
    assert ax.get_legend() is not None


def test_plot_history_one_metric_as_a_string_on_given_axes():
    _, given = plt.subplots()
    ax = plot_history(LOGS, "loss", title="Loss")
    assert [line.get_label() for line in ax.get_lines()] == ["training loss"]
    assert ax.get_title() == "Loss"
    assert plot_history(LOGS, ["rmse"], ax=given) is given


def test_plot_history_whole_epochs_and_a_first_epoch_that_does_not_flatten_the_rest():
    logs = {"rmse": [40.0, 3.0, 2.8, 2.7], "val_rmse": [35.0, 3.2, 3.0, 3.1]}
    ax = plot_history(logs)
    low, high = ax.get_ylim()
    assert 2.5 < low < 2.7 and 3.2 < high < 3.5  # the later epochs fill the plot; epoch 1 lies above it
    assert all(float(tick).is_integer() for tick in ax.get_xticks())


def test_plot_history_missing_metric():
    with pytest.raises(ValueError, match=r"Metrics \['val_mae'\] were not logged.*'loss', 'rmse', 'val_rmse'"):
        plot_history(LOGS, ["rmse", "val_mae"])


# --- plot_predictions -------------------------------------------------------------------------

DATES = pd.date_range("2009-01-01", periods=5, freq="D")
OBSERVED = np.array([1.0, 2.0, 0.0, 5.5, 3.0])


def test_plot_predictions_one_model():
    predicted = np.array([[1.5], [1.0], [0.5], [4.0], [3.5]])  # Keras' (n, 1) shape
    ax = plot_predictions(DATES, OBSERVED, predicted, label="LSTM")
    assert_labelled(ax)
    assert [line.get_label() for line in ax.get_lines()] == ["observed", "LSTM"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), predicted.ravel())


def test_plot_predictions_several_models():
    predictions = {"RNN": OBSERVED + 1, "GRU": OBSERVED - 1, "LSTM": OBSERVED * 0}
    ax = plot_predictions(DATES, OBSERVED, predictions)
    assert_labelled(ax)
    assert [line.get_label() for line in ax.get_lines()] == ["observed", "RNN", "GRU", "LSTM"]


@pytest.mark.parametrize(
    "dates, observed, predicted",
    [
        (DATES, OBSERVED, OBSERVED[:-1]),
        (DATES, OBSERVED[:-1], OBSERVED),
        (DATES[:-1], OBSERVED, OBSERVED),
        (DATES, OBSERVED, {"RNN": OBSERVED, "GRU": OBSERVED[:3]}),
    ],
    ids=["prediction short", "observed short", "dates short", "one of several short"],
)
def test_plot_predictions_length_mismatch(dates, observed, predicted):
    with pytest.raises(ValueError, match=r"must be equally long"):
        plot_predictions(dates, observed, predicted)


# --- plot_comparison --------------------------------------------------------------------------


def results_table(with_episode=True):
    table = pd.DataFrame(
        {
            "model": ["Climatology", "SimpleRNN", "Persistence", "LSTM", "Dense"],
            "episode": ["01", "03", "01", "05", "02"],
            "test_rmse": [4.4, 3.6, 4.9, 3.3, 3.8],
        }
    )
    return table if with_episode else table.drop(columns="episode")


def test_plot_comparison_dots_in_the_tables_order():
    ax = plot_comparison(results_table())
    assert_labelled(ax)
    dots = ax.get_lines()
    assert len(dots) == 1 and list(dots[0].get_xdata()) == [4.4, 3.6, 4.9, 3.3, 3.8]  # as given, not re-sorted
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == ["Climatology (01)", "SimpleRNN (03)", "Persistence (01)", "LSTM (05)", "Dense (02)"]
    assert ax.yaxis_inverted()  # the first row on top
    assert ax.get_xlim()[0] > 3  # near the data, not from zero
    assert ax.get_legend() is None


def test_plot_comparison_intervals_seed_ranges_and_families():
    table = results_table(with_episode=False)
    table["low"], table["high"] = table["test_rmse"] - 0.2, table["test_rmse"] + 0.2
    table["seed_min"], table["seed_max"] = table["test_rmse"] - 0.05, table["test_rmse"] + 0.05
    table["family"] = ["baseline", "recurrent", "baseline", "recurrent", "dense"]
    ax = plot_comparison(table)
    assert [line.get_label() for line in ax.get_lines()] == ["baseline", "recurrent", "dense"]
    colours = {line.get_label(): line.get_color() for line in ax.get_lines()}
    assert len(set(map(str, colours.values()))) == 3
    segments = [collection.get_segments() for collection in ax.collections]
    assert len(segments) == 2  # seed ranges, then bootstrap intervals
    assert segments[1][0][0][0] == pytest.approx(4.2) and segments[1][0][1][0] == pytest.approx(4.6)
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend[:2] == ["range over seeds", "95% interval, test days"]
    with pytest.raises(ValueError, match=r"only one of the columns \('low', 'high'\)"):
        plot_comparison(table.drop(columns="high"))


@pytest.mark.parametrize(
    "results",
    [pd.DataFrame(columns=["model", "episode", "test_rmse"]), pd.DataFrame({"model": ["LSTM"], "rmse": [3.3]})],
    ids=["empty", "no test_rmse column"],
)
def test_plot_comparison_needs_results(results):
    with pytest.raises(ValueError, match=r"results needs rows with 'model' and 'test_rmse'"):
        plot_comparison(results)


# --- plot_predicted_vs_observed ----------------------------------------------------------------


def test_predicted_against_observed_with_the_line_of_perfect_forecasts():
    ax = plot_predicted_vs_observed(OBSERVED, OBSERVED * 0.5 + 1, label="LSTM")
    assert_labelled(ax)
    assert len(ax.collections) == 1 and len(ax.collections[0].get_offsets()) == 5
    line = ax.get_lines()[0]
    assert list(line.get_xdata()) == list(line.get_ydata())  # y = x
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["LSTM", "perfect forecast (y = x)"]
    with pytest.raises(ValueError, match=r"equally long, got 5 and 4"):
        plot_predicted_vs_observed(OBSERVED, OBSERVED[:4])


def test_plot_recall_draws_one_line_per_model_and_the_guess():
    from helpers.plotting import plot_recall

    import pandas as pd

    errors = {"LSTM": pd.Series([0.01, 0.02], index=[1, 2]), "SimpleRNN": pd.Series([0.3, 0.28], index=[1, 2])}
    ax = plot_recall(errors, 0.29, title="recall")
    assert len(ax.lines) == 3 and ax.get_title() == "recall"
    with pytest.raises(ValueError, match="errors must be a dict"):
        plot_recall({}, 0.29)


def test_plot_window_lengths_draws_a_line_per_year_ordered_by_window_and_names_missing_keys():
    from helpers.plotting import plot_window_lengths

    import pandas as pd

    backtest = pd.DataFrame([(key, year, seed, 3.3 + 0.01 * seed + (0.1 if key == "b" else 0))
                             for key in ("a", "b") for year in (2006, 2008) for seed in (1, 2, 3)],
                            columns=["key", "year", "seed", "rmse"])
    ax = plot_window_lengths(backtest, {"b": 30, "a": 7})
    assert [int(tick) for tick in ax.get_xticks()] == [7, 30]
    assert len(ax.containers) == 2  # one line with its range bars per validation year
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["2006", "2008"]
    with pytest.raises(ValueError, match=r"No backtest scores for \['c'\]"):
        plot_window_lengths(backtest, {"a": 7, "c": 90})


def test_plot_recall_lengths_draws_each_layer_with_the_guess_line():
    from helpers.plotting import plot_recall_lengths

    import pandas as pd

    sweep = pd.DataFrame([(layer, 32, "lesson", length, seed, value, value)
                          for layer, value in (("SimpleRNN", 0.2), ("LSTM", 0.01))
                          for length in (5, 40) for seed in (1, 2)],
                         columns=["layer", "units", "recipe", "length", "seed", "val_rmse", "fresh_rmse"])
    ax = plot_recall_lengths(sweep, 0.29, title="lengths")
    assert ax.get_title() == "lengths" and [int(tick) for tick in ax.get_xticks()] == [5, 40]
    assert len(ax.containers) == 2 and any(line.get_ydata()[0] == 0.29 for line in ax.lines)


def test_plot_gates_marks_the_step_in_every_panel():
    from helpers.plotting import plot_gates

    import numpy as np

    marker = np.zeros(10)
    marker[3] = 1
    figure = plot_gates(np.linspace(0, 1, 10), marker, {"forget gate": np.full(10, 0.9)}, np.arange(10.0))
    assert len(figure.axes) == 3
    assert all(any(list(line.get_xdata()) == [4, 4] for line in ax.lines) for ax in figure.axes)


# --- shown_weeks ----------------------------------------------------------------------------------


def test_shown_weeks_are_45_days_of_the_test_year_with_their_span_in_words():
    from helpers.plotting import shown_weeks

    dates = pd.date_range("2009-01-01", "2010-01-01", freq="D")
    mask, span = shown_weeks(dates)
    assert mask.dtype == bool and mask.shape == (len(dates),) and mask.sum() == 45
    assert dates[mask][0] == pd.Timestamp("2009-03-01") and dates[mask][-1] == pd.Timestamp("2009-04-14")
    assert span == "1 March to 14 April 2009"
    assert shown_weeks(list(dates[58:62]))[0].tolist() == [False, True, True, True]  # a list of days works too


def test_shown_weeks_are_the_same_weeks_in_any_year_and_refuse_days_outside_them():
    from helpers.plotting import shown_weeks

    mask, span = shown_weeks(pd.date_range("2008-01-01", "2008-12-31", freq="D"))
    assert mask.sum() == 45 and span == "1 March to 14 April 2008"
    with pytest.raises(ValueError, match=r"None of the dates falls in 2008-03-01 \.\. 2008-04-15; pass a whole part"):
        shown_weeks(pd.date_range("2008-06-01", "2008-06-30", freq="D"))


def test_the_plots_do_not_import_seaborn():
    """Seaborn takes about a second to import (scipy.stats): every notebook's first cell would pay it."""
    import subprocess
    import sys

    code = "import sys, helpers.plotting as p; colours = len(p.PALETTE); print('seaborn' in sys.modules, colours)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["False", "10"]


def test_the_palette_is_seaborns_colour_blind_one():
    from helpers.plotting import PALETTE

    import seaborn as sns

    assert list(PALETTE) == sns.color_palette("colorblind").as_hex()
