"""Plots for the lesson: training curves, predictions over time, and a comparison of models.

All use seaborn's colour-blind-safe palette and label their axes with units.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

PALETTE = sns.color_palette("colorblind")
REFERENCE_MODELS = ("Persistence", "Climatology")


def _new_axes(ax, size=(8, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_history(history, metrics=("rmse", "val_rmse"), title: str = "Training history", ax=None):
    """Line plot of metrics per epoch from a Keras History (or its ``.history`` dict); returns the Axes.

    Example: ``plot_history(history, ["rmse", "val_rmse"])``
    """
    logs = getattr(history, "history", history)
    if isinstance(metrics, str):
        metrics = [metrics]
    missing = [name for name in metrics if name not in logs]
    if missing:
        raise ValueError(f"Metrics {missing} were not logged; this history has {sorted(logs)}.")
    ax = _new_axes(ax)
    for colour, name in zip(PALETTE, metrics):
        values = logs[name]
        ax.plot(np.arange(1, len(values) + 1), values, label=name, color=colour)
    ax.set(title=title, xlabel="epoch", ylabel="metric value (hours for RMSE, hours² for MSE)")
    ax.legend()
    return ax


def plot_predictions(dates, y_true, y_pred, label: str = "model", title: str = "Predicted and observed sunshine", ax=None):
    """Observed and predicted daily sunshine over time; ``y_pred`` may be a dict of label -> predictions.

    Example: ``plot_predictions(test.dates, test.y, model.predict(test.X).ravel(), label="LSTM")``
    """
    predictions = y_pred if isinstance(y_pred, dict) else {label: y_pred}
    for name, values in predictions.items():
        if len(values) != len(dates) or len(y_true) != len(dates):
            raise ValueError(f"dates, y_true and {name!r} must be equally long ({len(dates)}, {len(y_true)}, {len(values)}).")
    ax = _new_axes(ax, size=(10, 4))
    ax.plot(dates, np.ravel(y_true), label="observed", color="black", linewidth=1)
    for colour, (name, values) in zip(PALETTE, predictions.items()):
        ax.plot(dates, np.ravel(values), label=name, color=colour, linewidth=1.2)
    ax.set(title=title, xlabel="date", ylabel="sunshine (hours per day)")
    ax.legend()
    return ax


def plot_comparison(results: pd.DataFrame, title: str = "Test RMSE on the same 366 days", ax=None):
    """Horizontal bars of test RMSE per model, best first; persistence and climatology drawn as reference lines.

    Example: ``plot_comparison(load_results())``
    """
    if results.empty or not {"model", "test_rmse"} <= set(results.columns):
        raise ValueError("results needs rows with 'model' and 'test_rmse'; run the episodes first (load_results()).")
    ordered = results.sort_values("test_rmse")
    references = ordered[ordered["model"].isin(REFERENCE_MODELS)]
    models = ordered[~ordered["model"].isin(REFERENCE_MODELS)]
    ax = _new_axes(ax, size=(8, 0.45 * max(len(models), 4) + 1.5))
    labels = [f"{row.model} ({row.episode})" for row in models.itertuples()] if "episode" in models else models["model"]
    ax.barh(labels, models["test_rmse"], color=PALETTE[0])
    ax.invert_yaxis()
    for colour, row in zip(PALETTE[1:], references.itertuples()):
        ax.axvline(row.test_rmse, color=colour, linestyle="--", label=f"{row.model} baseline")
    ax.set(title=title, xlabel="test RMSE (hours of sunshine)", ylabel="model")
    if len(references):
        ax.legend(loc="upper right")
    return ax
