"""Sentences that compare models over the seed spread, written by code instead of typed into prose.

Each episode ends with a debrief: its model against the earlier ones on the validation year (the
year the lesson chooses on), over the seeds of the seed-spread study (``helpers/seed_spread.csv``).
Two models whose ranges over seeds do not overlap differ by more than the luck of the seed; where the
ranges overlap, the debrief says that they tie.
"""

from __future__ import annotations

import math

import pandas as pd

from helpers.checks import load_spread, strict


def _row(table: pd.DataFrame, key: str) -> pd.Series:
    rows = table[table["key"] == key]
    if rows.empty:
        raise ValueError(
            f"No measured spread for {key!r}. Keys measured: {', '.join(table['key'])}. "
            "Use one of them, or measure the model with `python -m tools seed-spread`."
        )
    return rows.iloc[0]


def _weights(row: pd.Series) -> str:
    value = row.get("n_weights", float("nan"))
    if value is None or (isinstance(value, float) and math.isnan(value)) or int(value) <= 0:
        return ""
    return f", {int(value):,} weights"


def spread_line(key: str, unit: str = "h", spread: pd.DataFrame | None = None) -> str:
    """One model's validation RMSE over seeds, in words.

    Example: ``spread_line("simple_rnn")  # 'SimpleRNN: 3.32 to 3.38 h over 10 seeds (median 3.35 h), 433 weights'``
    """
    table = load_spread() if spread is None else spread
    row = _row(table, key)
    u, d = (f" {unit}", 2) if unit else ("", 3)  # unitless scores are small: one more decimal
    if row.val_min == row.val_max:
        return f"{row.model}: {row.val_median:.{d}f}{u}, the same on each of {int(row.seeds)} seeds{_weights(row)}"
    return (f"{row.model}: {row.val_min:.{d}f} to {row.val_max:.{d}f}{u} over {int(row.seeds)} seeds "
            f"(median {row.val_median:.{d}f}{u}){_weights(row)}")


def verdict(key: str, other: str, unit: str = "h", spread: pd.DataFrame | None = None) -> str:
    """Whether ``key`` beats ``other`` on validation RMSE over the seeds: better, worse, or a tie.

    Better means that its worst seed beat the other's best seed (the ranges do not overlap).

    Example: ``verdict("simple_rnn", "dense_30_lags")``
    """
    table = load_spread() if spread is None else spread
    mine, theirs = _row(table, key), _row(table, other)
    u, d = (f" {unit}", 2) if unit else ("", 3)
    gap = abs(mine.val_median - theirs.val_median)
    if mine.val_max < theirs.val_min:
        text = (f"{mine.model} beats {theirs.model} on every seed: its worst validation RMSE "
                f"({mine.val_max:.{d}f}{u}) is below the other's best ({theirs.val_min:.{d}f}{u}); "
                f"the medians differ by {gap:.{d}f}{u}.")
    elif theirs.val_max < mine.val_min:
        text = (f"{theirs.model} beats {mine.model} on every seed: its worst validation RMSE "
                f"({theirs.val_max:.{d}f}{u}) is below the other's best ({mine.val_min:.{d}f}{u}); "
                f"the medians differ by {gap:.{d}f}{u}.")
    else:
        lower = mine if mine.val_median <= theirs.val_median else theirs
        text = (f"{mine.model} and {theirs.model} tie: their ranges over seeds overlap, so the seed "
                f"matters as much as the model (medians {gap:.{d}f}{u} apart, {lower.model} lower).")
    return text


def debrief(key: str, against: list[str], *, unit: str = "h", if_tie: str = "",
            spread: pd.DataFrame | None = None) -> str:
    """The episode's debrief: every model's range over seeds, then one verdict per earlier model.

    ``if_tie`` is added after a verdict that is a tie: the reason a tie is plausible here.

    Example: ``print(debrief("simple_rnn", ["dense_one_day", "dense_30_lags"]))``
    """
    if isinstance(against, str):
        raise ValueError(f"against must be a list of keys, not the string {against!r}; wrap it: [{against!r}].")
    table = load_spread() if spread is None else spread
    missing = [name for name in [key, *against] if name not in set(table["key"])]
    if missing and not strict():  # a model not measured yet (the seed-spread study runs this notebook)
        return (f"No debrief yet: the seed-spread study has not measured {', '.join(missing)}. "
                "Measure it with `python -m tools seed-spread`.")
    lines = ["Validation RMSE (2008) over the seed-spread study's seeds:"]
    lines += [f"- {spread_line(name, unit, table)}" for name in [key, *against]]
    lines.append("")
    for other in against:
        text = verdict(key, other, unit, table)
        if if_tie and " tie:" in text:
            text = f"{text} {if_tie}"
        lines.append(f"- {text}")
    return "\n".join(lines)
