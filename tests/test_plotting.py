"""helpers/plotting.py: every plot returns a labelled Axes; bad inputs raise clear errors."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from helpers.plotting import plot_comparison, plot_history, plot_predictions  # noqa: E402

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
    assert [line.get_label() for line in ax.get_lines()] == ["rmse", "val_rmse"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])  # epochs count from 1
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), LOGS["val_rmse"])
    assert ax.get_legend() is not None


def test_plot_history_one_metric_as_a_string_on_given_axes():
    _, given = plt.subplots()
    ax = plot_history(LOGS, "loss", title="Loss")
    assert [line.get_label() for line in ax.get_lines()] == ["loss"]
    assert ax.get_title() == "Loss"
    assert plot_history(LOGS, ["rmse"], ax=given) is given


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


def test_plot_comparison_bars_and_reference_lines():
    ax = plot_comparison(results_table())
    assert_labelled(ax)
    bars = ax.patches
    assert len(bars) == 3  # the models, not the references
    assert [bar.get_width() for bar in bars] == [3.3, 3.6, 3.8]  # best first
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == ["LSTM (05)", "SimpleRNN (03)", "Dense (02)"]
    assert not any(name in " ".join(labels) for name in ("Persistence", "Climatology"))
    lines = {line.get_label(): line.get_xdata()[0] for line in ax.get_lines()}
    assert lines == {"Climatology baseline": 4.4, "Persistence baseline": 4.9}
    assert ax.get_legend() is not None
    # best model drawn at the top
    assert bars[0].get_y() < bars[-1].get_y() and ax.yaxis_inverted()


def test_plot_comparison_without_references_or_episodes():
    ax = plot_comparison(results_table(with_episode=False).query("model not in ['Persistence', 'Climatology']"))
    assert_labelled(ax)
    assert len(ax.patches) == 3 and ax.get_lines() == []
    assert [label.get_text() for label in ax.get_yticklabels()] == ["LSTM", "SimpleRNN", "Dense"]
    assert ax.get_legend() is None


@pytest.mark.parametrize(
    "results",
    [pd.DataFrame(columns=["model", "episode", "test_rmse"]), pd.DataFrame({"model": ["LSTM"], "rmse": [3.3]})],
    ids=["empty", "no test_rmse column"],
)
def test_plot_comparison_needs_results(results):
    with pytest.raises(ValueError, match=r"results needs rows with 'model' and 'test_rmse'"):
        plot_comparison(results)
