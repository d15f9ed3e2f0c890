"""Sentences that compare models over seeds and years, written by code instead of typed into prose.

One validation year is one sample of weather, and the year can matter more than the seed. The backtest of
the seed-spread study (``helpers/backtest.csv``, see benchmarks/README.md) therefore trained the lesson's
models on several folds: fold Y trains on the years before Y, stops early on Y and is scored on Y, as the
lesson does with 2008. Each comparison is judged year by year, over all pairings of seeds within the year:

- a year goes to model A when A scores lower than B in at least 80% of the pairings of their seeds
  (``CLEAR``), to B when B does, and is "too close to call" otherwise;
- the verdict over the years is "A beats B" when every year goes to A, "depends on the year" when the years
  disagree, and says how many years were too close to call.

The test year (2009) is not among them: episode 10 opens it once and asks whether it agrees.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import NamedTuple

from helpers.checks import check_backtest, load_spread
from helpers.lesson import BACKTEST_YEARS, MODELS, SPLIT

import numpy as np
import pandas as pd

BACKTEST_FILE = Path(__file__).resolve().parent / "backtest.csv"
CLEAR = 0.8  # a year goes to a model that scores lower in at least this share of the pairings of seeds
TEST_YEAR = int(SPLIT.test_start[:4])


@cache
def _read_backtest(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"key": str, "year": int, "seed": int, "rmse": float})


def load_backtest(path: str | Path | None = None) -> pd.DataFrame:
    """The backtest's scores: one row per model, year and seed (``key``, ``year``, ``seed``, ``rmse``).

    Years 2005-2008 are validation years (each its own fold); 2009 is the lesson's test year.

    Example: ``load_backtest().query("key == 'simple_rnn' and year == 2006")``
    """
    path = Path(path) if path is not None else BACKTEST_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: it comes with the lesson. Restore it with "
                                f"`git checkout -- helpers/{path.name}` or run `python -m tools seed-spread`.")
    return _read_backtest(path.resolve()).copy()


def _name(key: str, names: dict[str, str] | None = None) -> str:
    """The display name of ``key``: ``names``' (for the study's variants), else the manifest's, else the key."""
    if names and key in names:
        return names[key]
    return MODELS[key].name if key in MODELS else key


def _gap(value: float, unit: str) -> str:
    """A difference in words' digits: two decimals, or three where two would show 0.00."""
    digits = 2 if round(abs(value), 2) > 0 else 3
    return f"{abs(value):.{digits}f}{' ' + unit if unit else ''}"


def _gap_range(sizes: list[float], unit: str) -> str:
    """Sorted absolute differences as "0.05 h" or "0.05 to 0.12 h"."""
    if len(sizes) == 1 or sizes[0] == sizes[-1]:
        return _gap(sizes[0], unit)
    return f"{_gap(sizes[0], unit).split()[0]} to {_gap(sizes[-1], unit)}"


class Year(NamedTuple):
    """One year of a comparison of ``key`` (A) with ``other`` (B)."""

    year: int
    seeds: tuple[int, int]  # how many seeds each model has in this year
    median_gap: float  # A's seed median minus B's: negative means A is lower (better)
    share: float  # the share of seed pairings in which A scores lower (a tie counts half)
    winner: str | None  # "key", "other", or None when too close to call


def compare_years(key: str, other: str, years=None, table: pd.DataFrame | None = None) -> list[Year]:
    """``key`` against ``other``, year by year, over every pairing of their seeds within each year.

    ``years`` defaults to the backtest's validation years; a year in which either model has no score is left
    out.

    Example: ``[year.winner for year in compare_years("simple_rnn", "dense_30_lags")]``
    """
    table = load_backtest() if table is None else table
    years = BACKTEST_YEARS if years is None else years
    found = []
    for year in years:
        mine = table.loc[(table["key"] == key) & (table["year"] == year), "rmse"].to_numpy()
        theirs = table.loc[(table["key"] == other) & (table["year"] == year), "rmse"].to_numpy()
        if not len(mine) or not len(theirs):
            continue
        lower = (mine[:, None] < theirs[None, :]).mean() + 0.5 * (mine[:, None] == theirs[None, :]).mean()
        winner = "key" if lower >= CLEAR else "other" if lower <= 1 - CLEAR else None
        found.append(Year(int(year), (len(mine), len(theirs)), float(np.median(mine) - np.median(theirs)),
                          float(lower), winner))
    return found


def _years(years: list[Year]) -> str:
    numbers = [str(year.year) for year in years]
    return numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " and " + numbers[-1]


def verdict(key: str, other: str, unit: str = "h", table: pd.DataFrame | None = None, years=None,
            names: dict[str, str] | None = None) -> str:
    """One sentence: does ``key`` beat ``other`` over the years and seeds of the backtest?

    ``names`` gives display names to keys the manifest does not list.

    Example: ``verdict("simple_rnn", "dense_30_lags")``
    """
    found = compare_years(key, other, years, table)
    a, b = _name(key, names), _name(other, names)
    if not found:
        return f"{a} and {b} have no year in common in the backtest."
    n = len(found)
    counted = f"{n} of {n} years" if n > 1 else f"the one year measured ({found[0].year})"
    wins_a = [year for year in found if year.winner == "key"]
    wins_b = [year for year in found if year.winner == "other"]
    close = [year for year in found if year.winner is None]
    close_text = f"; too close to call in {_years(close)}" if close else ""
    if wins_a and wins_b:
        return (f"{a} against {b}: depends on the year. {a} is lower in {_years(wins_a)}, {b} in "
                f"{_years(wins_b)}{close_text}.")
    for winner, loser, wins, sign in ((a, b, wins_a, 1), (b, a, wins_b, -1)):
        if not wins:
            continue
        gaps = sorted(abs(year.median_gap) for year in wins)
        shares = min(year.share if sign == 1 else 1 - year.share for year in wins)
        size = _gap_range(gaps, unit)
        pairings = "every pairing of seeds" if shares >= 1 else f"at least {shares:.0%} of the pairings of seeds"
        if not close:
            where = f"in every year of the backtest ({counted})" if n > 1 else f"in {counted}"
            return (f"{winner} beats {loser} {where}: its seed median is lower by {size}, and it scores lower "
                    f"in {pairings}.")
        return (f"{winner} is lower than {loser} in {len(wins)} of {n} years ({_years(wins)}, by {size} in the "
                f"seed medians){close_text}.")
    gaps = sorted(year.median_gap for year in found)
    if gaps[-1] <= 0 or gaps[0] >= 0:  # one model's median lower in every year, by too little to count
        lower = a if gaps[-1] <= 0 else b
        medians = f"{lower}'s seed median is lower by {_gap_range(sorted(abs(gap) for gap in gaps), unit)}"
    else:
        signed = [f"{'-' if gap < 0 else '+'}{_gap(gap, unit)}" for gap in (gaps[0], gaps[-1])]
        medians = f"seed medians of {a} minus {b} from {signed[0]} to {signed[1]}"
    return (f"{a} and {b} are too close to call in {'every year' if n > 1 else counted}: neither scores lower "
            f"in {CLEAR:.0%} of the pairings of seeds ({medians}).")


def medians_table(keys: list[str], table: pd.DataFrame | None = None, years=None) -> pd.DataFrame:
    """The seed median of each model per year, one row per model and one column per year (NaN where unmeasured).

    Example: ``medians_table(["simple_rnn", "dense_one_day"])``
    """
    table = load_backtest() if table is None else table
    years = list(BACKTEST_YEARS if years is None else years)
    chosen = table[table["key"].isin(keys) & table["year"].isin(years)]
    medians = chosen.groupby(["key", "year"])["rmse"].median().unstack("year")
    medians = medians.reindex(index=keys, columns=years)
    medians.index = [_name(key) for key in medians.index]
    medians.columns.name = "validation year"
    return medians


def _seeds_line(keys: list[str], table: pd.DataFrame, years) -> str:
    counts = table[table["key"].isin(keys) & table["year"].isin(years)].groupby("year")["seed"].nunique()
    per_year = ", ".join(f"{count} in {year}" for year, count in counts.items())
    return f"seeds per year: {per_year}" if per_year else "no seeds"


def spread_line(key: str, unit: str = "h", spread: pd.DataFrame | None = None) -> str:
    """One model's validation RMSE (2008) over the seed-spread study's seeds, in words.

    Example: ``spread_line("simple_rnn")  # 'SimpleRNN: 3.27 to 3.52 h over 13 seeds (median 3.34 h), 433 weights'``
    """
    table = load_spread() if spread is None else spread
    rows = table[table["key"] == key]
    if rows.empty:
        raise ValueError(f"No measured spread for {key!r}. Keys measured: {', '.join(table['key'])}. "
                         "Use one of them, or measure the model with `python -m tools seed-spread`.")
    row = rows.iloc[0]
    u, d = (f" {unit}", 2) if unit else ("", 3)  # unitless scores are small: one more decimal
    weights = int(row.get("n_weights", 0) or 0)
    tail = f", {weights:,} weights" if weights > 0 else ""
    if row.val_min == row.val_max:
        return f"{row.model}: {row.val_median:.{d}f}{u}, the same on each of {int(row.seeds)} seeds{tail}"
    return (f"{row.model}: {row.val_min:.{d}f} to {row.val_max:.{d}f}{u} over {int(row.seeds)} seeds "
            f"(median {row.val_median:.{d}f}{u}){tail}")


def debrief(key: str, against: list[str], *, unit: str = "h", if_tie: str | dict[str, str] = "",
            table: pd.DataFrame | None = None) -> str:
    """The episode's debrief: each model's seed median per validation year, then one verdict per earlier model.

    ``if_tie`` is added after a verdict that is not a win in every year: a reason that is plausible here, one
    for all comparisons or a dict from the other model's key to its own reason.

    Example: ``print(debrief("simple_rnn", ["dense_30_lags", "dense_one_day"]))``
    """
    if isinstance(against, str):
        raise ValueError(f"against must be a list of keys, not the string {against!r}; wrap it: [{against!r}].")
    table = load_backtest() if table is None else table
    keys = [key, *against]
    missing = check_backtest(keys, table)  # in strict mode (tests, CI) a missing model fails there
    if missing:
        return missing
    years = [year for year in BACKTEST_YEARS if (table["year"] == year).any()]
    medians = medians_table(keys, table, years).dropna(axis=1, how="all")
    u = f" ({unit})" if unit else ""
    lines = [f"Validation RMSE{u}, the median over seeds, per validation year ({_seeds_line(keys, table, years)}):",
             medians.to_string(float_format=lambda value: f"{value:.3f}"), ""]
    for other in against:
        text = verdict(key, other, unit, table)
        reason = if_tie.get(other, "") if isinstance(if_tie, dict) else if_tie
        if reason and " beats " not in text:
            text = f"{text} {reason}"
        lines.append(f"- {text}")
    return "\n".join(lines)


def agrees_in_test_year(key: str, other: str, table: pd.DataFrame | None = None, short: bool = False) -> str:
    """Whether the test year (2009, the lesson's models over the study's seeds) agrees with the backtest's verdict.

    ``short``: a few words for a table, without the year in front.

    Example: ``agrees_in_test_year("simple_rnn", "dense_30_lags")  # '2009 agrees: ...'``
    """
    table = load_backtest() if table is None else table
    before = compare_years(key, other, None, table)
    after = compare_years(key, other, [TEST_YEAR], table)
    if not before or not after:
        return "not measured" if short else f"{TEST_YEAR}: not measured for {_name(key)} and {_name(other)}."
    test = after[0]
    winners = {year.winner for year in before}
    said = {"key": _name(key), "other": _name(other), None: None}[test.winner]
    result = (f"{said} lower in {test.share if test.winner == 'key' else 1 - test.share:.0%} of the pairings"
              if said else f"too close to call ({test.share:.0%} of the pairings lower for {_name(key)})")
    sides = winners - {None}
    if len(sides) == 1:  # every year with a winner had the same one
        expected = sides.pop()
        agrees = "agrees" if test.winner == expected else "cannot tell them apart" if test.winner is None \
            else "disagrees"
        if None in winners:
            agrees += " with the years that had a winner"
        return f"{agrees}: {result}" if short else f"{TEST_YEAR} {agrees}: {result}."
    before_words = "the years disagreed" if sides else "every year was too close to call"
    return f"{before_words}; {TEST_YEAR}: {result}" if short else f"In the backtest {before_words}; {TEST_YEAR}: {result}."

RECIPE_FILE = Path(__file__).resolve().parent / "recipe_check.csv"


def recipe_check(path: str | Path | None = None, table: pd.DataFrame | None = None) -> str:
    """Episode 3's SimpleRNN with the study's gentler recipe against the lesson's recipe, over the backtest.

    Example: ``print(recipe_check())``
    """
    path = Path(path) if path is not None else RECIPE_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: restore it with `git checkout -- helpers/{path.name}` or "
                                "measure it with `python -m benchmarks.recipe_check`.")
    gentle = pd.read_csv(path).assign(key="simple_rnn_gentle")[["key", "year", "seed", "rmse"]]
    table = load_backtest() if table is None else table
    both = pd.concat([table[table["key"] == "simple_rnn"], gentle], ignore_index=True)
    names = {"simple_rnn_gentle": "SimpleRNN, gentler recipe", "simple_rnn": "SimpleRNN, the lesson's recipe"}
    medians = medians_table(["simple_rnn_gentle", "simple_rnn"], both)
    medians.index = [names["simple_rnn_gentle"], names["simple_rnn"]]
    return "\n".join([f"Validation RMSE (h), the median over seeds, per validation year "
                      f"({_seeds_line(['simple_rnn_gentle'], both, BACKTEST_YEARS)} for the gentler recipe):",
                      medians.to_string(float_format=lambda value: f"{value:.3f}"), "",
                      "- " + verdict("simple_rnn_gentle", "simple_rnn", table=both, names=names)])


def short_verdict(key: str, other: str, years=None, table: pd.DataFrame | None = None) -> str:
    """The verdict of ``verdict`` in a few words, for a table: who was lower in how many years.

    Example: ``short_verdict("simple_rnn", "dense_30_lags")  # 'SimpleRNN lower in 4 of 4 years'``
    """
    found = compare_years(key, other, years, table)
    if not found:
        return "not measured"
    n = len(found)
    wins = {side: sum(year.winner == side for year in found) for side in ("key", "other", None)}
    a, b = _name(key), _name(other)
    if wins["key"] and wins["other"]:
        close = f", too close {wins[None]}" if wins[None] else ""
        return f"depends on the year: {a} {wins['key']}, {b} {wins['other']}{close}"
    if wins["key"] or wins["other"]:
        winner, count = (a, wins["key"]) if wins["key"] else (b, wins["other"])
        close = f", too close in {wins[None]}" if wins[None] else ""
        return f"{winner} lower in {count} of {n} year{'s' if n > 1 else ''}{close}"
    return f"too close to call in {n} of {n} year{'s' if n > 1 else ''}"


def verdicts_table(pairs, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each (model, other): the verdict of the backtest's validation years, and what the test year says.

    Example: ``verdicts_table(CORE_VERDICTS)``
    """
    table = load_backtest() if table is None else table
    years = [year for year in BACKTEST_YEARS if (table["year"] == year).any()]
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else f"{years[0]}" if years else "none"
    rows = []
    for key, other in pairs:
        rows.append({"comparison": f"{_name(key)} vs {_name(other)}",
                     f"validation years {span}, over seeds": short_verdict(key, other, years, table),
                     f"test year {TEST_YEAR}, over seeds": agrees_in_test_year(key, other, table, short=True)})
    return pd.DataFrame(rows)
