"""Is the lesson's recipe unfair to the SimpleRNN? The SimpleRNN of episode 3 with a gentler recipe, on the backtest.

Usage:
    python -m benchmarks.recipe_check                  # folds 2005-2008, seeds 1-5 (about 10 minutes on 2 cores)

The lesson's recipe (learning rate 0.02, 512 days per batch, patience 5; ``helpers/training.py``) was chosen
on the stacked LSTM. Here the SimpleRNN, built by ``build_simple_rnn`` from notebooks/03_simple_rnn.ipynb
itself (``tools.notebooks.load_functions``) on the same 30-day windows, trains with ``GENTLE``: a quarter of the
learning rate, a quarter of the days per batch (four times the updates per epoch) and twice the patience, on
every fold of the backtest (``helpers.lesson.BACKTEST_YEARS``: train before the year, stop early on it, score
on it). Episode 3 compares it, year by year over the seeds, with the lesson's recipe (``helpers/backtest.csv``).
It writes ``helpers/recipe_check.csv`` atomically: one row per year and seed.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks.seed_spread import parse_seeds
from helpers import PROJECT_ROOT as ROOT
from helpers.files import write_atomically
from helpers.lesson import BACKTEST_YEARS, split_for

import pandas as pd

RECIPE_FILE = ROOT / "helpers" / "recipe_check.csv"
NOTEBOOK = ROOT / "notebooks" / "03_simple_rnn.ipynb"
GENTLE = {"learning_rate": 0.005, "batch_size": 128, "patience": 10}


def run_fold(year: int, seed: int) -> dict:
    """Train episode 3's SimpleRNN on one fold with the gentle recipe; its validation RMSE and epochs."""
    from helpers.data import load_weather
    from helpers.training import compile_and_fit, set_seed
    from helpers.windows import make_sequences, split_by_date, station_columns
    from tools.notebooks import load_functions

    import keras

    build_simple_rnn = load_functions(NOTEBOOK, ["build_simple_rnn"], {"keras": keras})["build_simple_rnn"]
    weather = load_weather()
    X, y, dates = make_sequences(weather, station_columns(weather, "BASEL"), window=30)
    train, val, _ = split_by_date(X, y, dates, *split_for(year))
    set_seed(seed)
    model = build_simple_rnn(train.X)
    started = time.perf_counter()
    history, _ = compile_and_fit(model, train, val, quiet=True, **GENTLE)
    return {"recipe": "gentle", "year": year, "seed": seed,
            "rmse": round(float(model.evaluate(val.X, val.y, verbose=0)[1]), 4), "epochs": len(history.epoch),
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="1-5", help="seeds, e.g. 1-5 (default 1-5)")
    parser.add_argument("--years", type=int, nargs="+", default=list(BACKTEST_YEARS), choices=BACKTEST_YEARS)
    args = parser.parse_args(argv)
    from helpers.setup import set_up

    set_up()  # quiet logs, one thread, XLA's quicker level, as in a notebook: the same numbers
    rows = []
    for year in args.years:
        for seed in parse_seeds(args.seeds):
            rows.append(run_fold(year, seed))
            print(f"{year}, seed {seed}: validation RMSE {rows[-1]['rmse']:.3f} h after {rows[-1]['epochs']} epochs "
                  f"({rows[-1]['seconds']:.0f} s)", flush=True)
            table = pd.DataFrame(rows)
            if RECIPE_FILE.is_file():
                old = pd.read_csv(RECIPE_FILE)
                repeated = old.set_index(["recipe", "year", "seed"]).index.isin(
                    table.set_index(["recipe", "year", "seed"]).index)
                table = pd.concat([old[~repeated], table], ignore_index=True)
            write_atomically(RECIPE_FILE, table.sort_values(["recipe", "year", "seed"]).to_csv(index=False))
    print(f"Written: {RECIPE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
