"""Plots for the lesson: training curves, predictions over time, and a comparison of models.

All use seaborn's colour-blind-safe palette ("colorblind", written out below so that the plots need not
import seaborn) and label their axes with units.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

# seaborn's "colorblind" palette, its ten colours in order (tests/test_plotting.py checks they are seaborn's).
PALETTE = ("#0173b2", "#de8f05", "#029e73", "#d55e00", "#cc78bc",
           "#ca9161", "#fbafe4", "#949494", "#ece133", "#56b4e9")


def _new_axes(ax, size=(8, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


LABELS = {"rmse": "training", "val_rmse": "validation", "loss": "training loss", "val_loss": "validation loss"}


def plot_history(history, metrics=("rmse", "val_rmse"), title: str = "Training history", ax=None):
    """Line plot of metrics per epoch from a Keras History (or its ``.history`` dict); returns the Axes.

    Curves are labelled "training" and "validation"; epochs are whole numbers from 1, and the y axis
    is scaled to the epochs after the first, whose error is often far higher and would flatten the rest.

    Example: ``plot_history(history, ["rmse", "val_rmse"])``
    """
    logs = getattr(history, "history", history)
    if isinstance(metrics, str):
        metrics = [metrics]
    missing = [name for name in metrics if name not in logs]
    if missing:
        raise ValueError(f"Metrics {missing} were not logged; this history has {sorted(logs)}.")
    ax = _new_axes(ax)
    for colour, name in zip(PALETTE, metrics, strict=False):
        values = logs[name]
        ax.plot(np.arange(1, len(values) + 1), values, label=LABELS.get(name, name), color=colour)
    later = [value for name in metrics for value in (logs[name][1:] or logs[name])]
    low, high = min(later), max(later)
    margin = 0.1 * (high - low) or 0.1 * abs(high) or 0.1
    ax.set_ylim(low - margin, high + margin)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    unit = "RMSE (hours of sunshine)" if all(name.endswith("rmse") for name in metrics) else "metric (hours for RMSE, hours² for MSE)"
    ax.set(title=title, xlabel="epoch", ylabel=unit)
    ax.legend(loc="best")  # where it covers the fewest points of the curves
    return ax


def plot_predictions(dates, y_true, y_pred, label: str = "model", title: str = "Predicted and observed sunshine", ax=None):
    """Observed and predicted daily sunshine over time; ``y_pred`` may be a dict of label -> predictions.

    The legend sits beside the plot, so that it never hides a day.

    Example: ``plot_predictions(test.dates, test.y, model.predict(test.X).ravel(), label="LSTM")``
    """
    predictions = y_pred if isinstance(y_pred, dict) else {label: y_pred}
    for name, values in predictions.items():
        if len(values) != len(dates) or len(y_true) != len(dates):
            raise ValueError(f"dates, y_true and {name!r} must be equally long ({len(dates)}, {len(y_true)}, {len(values)}).")
    ax = _new_axes(ax, size=(10, 4))
    ax.plot(dates, np.ravel(y_true), label="observed", color="black", linewidth=1)
    for colour, (name, values) in zip(PALETTE, predictions.items(), strict=False):
        ax.plot(dates, np.ravel(values), label=name, color=colour, linewidth=1.2)
    ax.set(title=title, xlabel="date", ylabel="sunshine (hours per day)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.figure.tight_layout()
    return ax


def plot_predicted_vs_observed(y_true, y_pred, label: str = "model", title: str = "Predicted against observed sunshine", ax=None):
    """One dot per day, the forecast against what was observed, with the line of perfect forecasts (y = x).

    Example: ``plot_predicted_vs_observed(test.y, model.predict(test.X).ravel(), label="LSTM")``
    """
    observed, predicted = np.ravel(np.asarray(y_true, dtype=float)), np.ravel(np.asarray(y_pred, dtype=float))
    if observed.shape != predicted.shape or observed.size == 0:
        raise ValueError(f"y_true and y_pred must be non-empty and equally long, got {observed.size} and {predicted.size}.")
    ax = _new_axes(ax, size=(5, 5))
    ax.scatter(observed, predicted, s=12, alpha=0.6, color=PALETTE[0], label=label)
    low, high = min(observed.min(), predicted.min()), max(observed.max(), predicted.max())
    ax.plot([low, high], [low, high], color="black", linewidth=1, linestyle="--", label="perfect forecast (y = x)")
    ax.set(title=title, xlabel="observed sunshine (hours)", ylabel="forecast sunshine (hours)", aspect="equal")
    ax.legend(loc="upper left")
    return ax


def plot_comparison(results: pd.DataFrame, title: str = "Test RMSE on the same test days", ax=None):
    """A dot per model at its test RMSE, in the table's order (top first); optional columns add detail.

    ``low``/``high`` draw an interval (the bootstrap over test days) as a thin line, ``seed_min``/``seed_max``
    the range over seeds as a thick pale band, and ``family`` colours the dots. The axis starts near the
    data, not at zero, so differences of a tenth of an hour stay visible.

    Example: ``plot_comparison(load_results())``
    """
    if results.empty or not {"model", "test_rmse"} <= set(results.columns):
        raise ValueError("results needs rows with 'model' and 'test_rmse'; run the episodes first (load_results()).")
    for pair in (("low", "high"), ("seed_min", "seed_max")):
        if len(set(pair) & set(results.columns)) == 1:
            raise ValueError(f"results has only one of the columns {pair}; give both or neither.")
    rows = results.reset_index(drop=True)
    ax = _new_axes(ax, size=(10, 0.4 * max(len(rows), 4) + 1.5))
    position = np.arange(len(rows))
    families = list(dict.fromkeys(rows["family"])) if "family" in rows else ["model"]
    colour_of = dict(zip(families, PALETTE, strict=False))
    if "seed_min" in rows:
        ax.hlines(position, rows["seed_min"], rows["seed_max"], color="0.8", linewidth=7, label="range over seeds")
    if "low" in rows:
        ax.hlines(position, rows["low"], rows["high"], color="0.25", linewidth=1.2, label="95% interval, test days")
    for family in families:
        mine = rows["family"] == family if "family" in rows else np.ones(len(rows), dtype=bool)
        ax.plot(rows.loc[mine, "test_rmse"], position[mine], "o", color=colour_of[family], markersize=7,
                label=family if "family" in rows else None, zorder=3)
    labels = [f"{row.model} ({row.episode})" for row in rows.itertuples()] if "episode" in rows else rows["model"]
    ax.set_yticks(position, labels)
    ax.invert_yaxis()
    ax.grid(axis="x", color="0.9")
    ax.set(title=title, xlabel="test RMSE (hours of sunshine)", ylabel="model")
    if "family" in rows or "low" in rows or "seed_min" in rows:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")  # beside the plot, never over a dot
        ax.figure.tight_layout()
    return ax


def plot_recall(errors: dict, guess: float, title: str = "Recall error against distance", ax=None):
    """RMSE against how many steps back the answer lay, one line per model, with the guessing level.

    ``errors`` maps a model's name to a Series indexed by steps back (``error_by_steps_back``).

    Example: ``plot_recall({"LSTM": lstm_errors}, GUESS_RMSE)``
    """
    if not isinstance(errors, dict) or not errors:
        raise ValueError("errors must be a dict of model name -> error_by_steps_back(...); got none.")
    ax = _new_axes(ax)
    markers, palette = "osD^v", PALETTE
    for number, (name, series) in enumerate(errors.items()):
        ax.plot(series.index, series.values, marker=markers[number % len(markers)], markersize=4,
                color=palette[number % len(palette)], label=name)
    ax.axhline(guess, color="0.4", linestyle="--", linewidth=1, label="always guessing the average")
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel="steps back to the marked value", ylabel="RMSE (value units, 0 to 1)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    ax.figure.tight_layout()
    return ax


def plot_window_lengths(backtest: pd.DataFrame, windows: dict, title: str = "Validation RMSE against window length",
                        ax=None):
    """Validation RMSE against window length in days, one line per validation year of the backtest.

    Each point is the median over that year's seeds, its bar the range over them. ``backtest`` is
    ``helpers.debrief.load_backtest()``; ``windows`` maps a model's key to its window in days. The years are
    drawn side by side because the year can matter more than the seed.

    Example: ``plot_window_lengths(load_backtest(), {"stacked_lstm_7_days": 7, "stacked_lstm": 30})``
    """
    if not isinstance(windows, dict) or not windows:
        raise ValueError("windows must be a dict of model key -> window length in days.")
    from helpers.lesson import BACKTEST_YEARS

    chosen = backtest[backtest["key"].isin(windows) & backtest["year"].isin(BACKTEST_YEARS)]
    missing = [key for key in windows if key not in set(chosen["key"])]
    if missing:
        raise ValueError(f"No backtest scores for {missing}; measure them with `python -m tools seed-spread`.")
    stats = chosen.groupby(["year", "key"])["rmse"].agg(["median", "min", "max"]).reset_index()
    stats["window"] = stats["key"].map(windows)
    ax = _new_axes(ax, size=(8, 4.5))
    markers = "osD^v"
    for number, (year, rows) in enumerate(stats.groupby("year")):
        rows = rows.sort_values("window")
        colour = PALETTE[number % 10]
        ax.errorbar(rows["window"], rows["median"], yerr=[rows["median"] - rows["min"], rows["max"] - rows["median"]],
                    fmt=f"{markers[number % len(markers)]}-", color=colour, ecolor=colour, capsize=3,
                    label=f"{year}", alpha=0.9)
    days = sorted(set(windows.values()))
    ax.set_xscale("log")
    ax.set_xticks(days, [str(day) for day in days])
    ax.minorticks_off()
    ax.set(title=title, xlabel="window length (days, log scale)", ylabel="validation RMSE (hours of sunshine)")
    ax.legend(title="validation year: median,\nrange over seeds", loc="upper left", bbox_to_anchor=(1.01, 1),
              fontsize="small")
    ax.figure.tight_layout()
    return ax


def plot_recall_lengths(sweep: pd.DataFrame, guess: float, title: str = "Recall error against sequence length",
                        ax=None):
    """Validation RMSE of the recall task against the sequence length, one line per layer (median and range).

    ``sweep`` is ``helpers/recall_sweep.csv`` (``helpers.memory.load_sweep()``); only its runs with the lesson's
    recipe and 32 units are drawn.

    Example: ``plot_recall_lengths(load_sweep(), GUESS_RMSE)``
    """
    runs = sweep[(sweep["recipe"] == "lesson") & (sweep["units"] == 32)]
    if runs.empty:
        raise ValueError("The sweep holds no runs with the lesson's recipe; run `python -m benchmarks.recall_sweep`.")
    ax = _new_axes(ax, size=(7, 4))
    for number, (layer, rows) in enumerate(runs.groupby("layer", sort=False)):
        stats = rows.groupby("length")["val_rmse"].agg(["median", "min", "max"])
        colour = PALETTE[number % 10]
        ax.errorbar(stats.index, stats["median"], yerr=[stats["median"] - stats["min"], stats["max"] - stats["median"]],
                    fmt="os"[number % 2] + "-", color=colour, ecolor=colour, capsize=4,
                    label=f"{layer}: median, range over {rows['seed'].nunique()} seeds")
    ax.axhline(guess, color="0.4", linestyle="--", linewidth=1, label="always guessing the average")
    lengths = sorted(runs["length"].unique())
    ax.set_xscale("log")
    ax.set_xticks(lengths, [str(length) for length in lengths])
    ax.minorticks_off()
    ax.set_ylim(bottom=0)
    ax.set(title=title, xlabel="sequence length (steps, log scale)", ylabel="validation RMSE (value units, 0 to 1)")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_gates(values, marker, gates: dict, cell, title: str = "Inside an LSTM unit, step by step"):
    """Three panels over the steps of one sequence: its inputs, a unit's gates, and that unit's cell state.

    ``values`` and ``marker`` are the sequence's two inputs per step, ``gates`` maps a gate's name to its value
    per step (0 to 1), ``cell`` is the unit's cell state per step. The marked step is drawn in every panel.
    Returns the figure.

    Example: ``plot_gates(X[0, :, 0], X[0, :, 1], {"forget gate": f[:, unit]}, c[:, unit])``
    """
    steps = np.arange(1, len(values) + 1)
    marked = np.flatnonzero(np.asarray(marker) > 0.5)
    fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True)
    palette = PALETTE
    axes[0].bar(steps, values, color=palette[7], label="value")
    if len(marked):
        at = marked[0] + 1
        axes[0].bar([at], [values[at - 1]], color=palette[3], label=f"the marked value (step {at})")
    axes[0].set(ylabel="input value", title=title)
    for number, (name, series) in enumerate(gates.items()):
        axes[1].plot(steps, series, marker="osD^"[number % 4], markersize=3, color=palette[number % 10], label=name)
    axes[1].set(ylabel="gate (0 = shut, 1 = open)", ylim=(-0.05, 1.05))
    axes[2].plot(steps, cell, marker="o", markersize=3, color=palette[4], label="cell state c")
    axes[2].axhline(0, color="0.7", linewidth=0.8)
    axes[2].set(ylabel="cell state", xlabel="step of the sequence")
    for ax in axes:
        if len(marked):
            ax.axvline(marked[0] + 1, color="0.4", linestyle=":", linewidth=1)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    axes[2].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return fig


def shown_weeks(dates) -> tuple[np.ndarray, str]:
    """A mask of the ``dates`` inside the weeks that plots zoom into, and their span.

    The weeks are ``helpers.lesson.SHOWN_WEEKS`` (month and day) in the year of the first of ``dates``: over a
    whole year the lines of a forecast plot blur into each other; six weeks show single days.

    Example: ``days, span = shown_weeks(val.dates)``, then ``plot_predictions(val.dates[days], ...)``
    """
    from helpers.lesson import SHOWN_WEEKS

    dates = pd.DatetimeIndex(dates)
    if dates.empty:
        raise ValueError("No dates given; pass a part's dates, such as val.dates.")
    year = dates[0].year
    start, stop = (pd.Timestamp(f"{year}-{day}") for day in SHOWN_WEEKS)
    mask = np.asarray((dates >= start) & (dates < stop))
    if not mask.any():
        raise ValueError(f"None of the dates falls in {start.date()} .. {stop.date()}; "
                         "pass a whole part's dates (val.dates or test.dates).")
    last = stop - pd.Timedelta(days=1)
    return mask, f"{start.day} {start:%B} to {last.day} {last:%B %Y}"  # %-d is not on Windows
