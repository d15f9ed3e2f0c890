"""Episode 5's recall task over sequence lengths, layers, recipes and seeds: where does the SimpleRNN break?

Usage:
    python -m benchmarks.recall_sweep                    # every run below, seeds 1-5 (about 15 minutes on 2 cores)
    python -m benchmarks.recall_sweep --seeds 42 --lengths 40   # one look

Each run builds the model with ``build_recaller`` from notebooks/05_lstm.ipynb itself (the one source, read with
``tools.notebooks.load_functions``) and trains it as 05 does (``RECIPES["lesson"]``: 64 sequences per batch,
20 epochs, the lesson's learning rate, XLA), on the same sequences (``helpers.memory.recall_task`` with seeds 1,
2 and 3 for training, validation and fresh sequences). The runs:

- both layers, 32 units, at every length of ``LENGTHS``: where the SimpleRNN stops recalling;
- at 40 steps, the SimpleRNN with a gentler recipe (``RECIPES["gentle"]``: learning rate 0.001 over 60
  epochs) and with 64 units (about the LSTM's weight count): is the lesson's recipe unfair to it?

It writes, atomically, ``helpers/recall_sweep.csv`` (one row per run and seed: validation RMSE and RMSE on
fresh sequences) and ``helpers/recall_distance.csv`` (the fresh sequences' RMSE by how far back the mark
lay), which episode 5 plots. A rerun replaces the rows of the runs and seeds it repeats.
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks.seed_spread import parse_seeds
from helpers import PROJECT_ROOT as ROOT
from helpers.files import write_atomically

import pandas as pd

SWEEP_FILE = ROOT / "helpers" / "recall_sweep.csv"
DISTANCE_FILE = ROOT / "helpers" / "recall_distance.csv"
NOTEBOOK = ROOT / "notebooks" / "05_lstm.ipynb"
LENGTHS = (5, 10, 20, 40)
# compile_and_fit's settings for the recall task, as episode 5 passes them (tests/test_recall_sweep.py checks)
RECIPES = {
    "lesson": {"batch_size": 64, "epochs": 20, "patience": 20},
    "gentle": {"batch_size": 64, "epochs": 60, "patience": 60, "learning_rate": 0.001},
}
KEYS = ["layer", "units", "recipe", "length", "seed"]


def planned_runs(lengths=LENGTHS) -> list[tuple[str, int, str, int]]:
    """(layer, units, recipe, length) of every run: both layers at each length, two SimpleRNN variants at 40.

    Example: ``planned_runs((40,))[-1]  # ('SimpleRNN', 64, 'lesson', 40)``
    """
    runs = [(layer, 32, "lesson", length) for length in lengths for layer in ("SimpleRNN", "LSTM")]
    if max(LENGTHS) in lengths:
        runs += [("SimpleRNN", 32, "gentle", max(LENGTHS)), ("SimpleRNN", 64, "lesson", max(LENGTHS))]
    return runs


def run_one(layer_name: str, units: int, recipe: str, length: int, seed: int) -> tuple[dict, pd.Series]:
    """Train one recaller as episode 5 does; its scores and its error by distance on fresh sequences."""
    from helpers.memory import error_by_steps_back, recall_task
    from helpers.results import rmse
    from helpers.training import compile_and_fit, set_seed
    from helpers.windows import Part
    from tools.notebooks import load_functions

    import keras

    build_recaller = load_functions(NOTEBOOK, ["build_recaller"], {"keras": keras})["build_recaller"]
    train = Part(*recall_task(4096, length=length, seed=1)[:2], None)
    val = Part(*recall_task(1024, length=length, seed=2)[:2], None)
    X_new, y_new, steps_new = recall_task(1024, length=length, seed=3)
    set_seed(seed)
    model = build_recaller(getattr(keras.layers, layer_name), length, units)
    started = time.perf_counter()
    compile_and_fit(model, train, val, unit="", xla=True, quiet=True, **RECIPES[recipe])
    guesses = model.predict(X_new, verbose=0).ravel()
    row = {"layer": layer_name, "units": units, "recipe": recipe, "length": length, "seed": seed,
           "val_rmse": round(float(model.evaluate(val.X, val.y, verbose=0)[1]), 4),
           "fresh_rmse": round(rmse(y_new, guesses), 4), "seconds": round(time.perf_counter() - started, 1)}
    return row, error_by_steps_back(y_new, guesses, steps_new)


def _merged(path, new: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The rows of ``path`` less those ``new`` repeats, plus ``new``, sorted by ``keys``."""
    if path.is_file():
        old = pd.read_csv(path)
        repeated = old.set_index(keys).index.isin(new.set_index(keys).index)
        new = pd.concat([old[~repeated], new], ignore_index=True)
    return new.sort_values(keys, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="1-5", help="seeds, e.g. 1-5 or 42 (default 1-5)")
    parser.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS), choices=LENGTHS)
    args = parser.parse_args(argv)
    from helpers.setup import set_up

    set_up()  # quiet logs, one thread, XLA's quicker level, as in a notebook: the same numbers
    seeds = parse_seeds(args.seeds)
    rows, distances = [], []
    for layer, units, recipe, length in planned_runs(tuple(args.lengths)):
        for seed in seeds:
            row, by_distance = run_one(layer, units, recipe, length, seed)
            rows.append(row)
            distances += [{**{key: row[key] for key in KEYS}, "steps_back": int(steps), "rmse": round(float(value), 4)}
                          for steps, value in by_distance.items()]
            print(f"{layer:>9} {units:>2} units, {recipe:<6} recipe, {length:>2} steps, seed {seed}: validation "
                  f"{row['val_rmse']:.3f}, fresh {row['fresh_rmse']:.3f} ({row['seconds']:.0f} s)", flush=True)
            write_atomically(SWEEP_FILE, _merged(SWEEP_FILE, pd.DataFrame(rows), KEYS).to_csv(index=False))
            write_atomically(DISTANCE_FILE, _merged(DISTANCE_FILE, pd.DataFrame(distances),
                                                    [*KEYS, "steps_back"]).to_csv(index=False))
    print(f"Written: {SWEEP_FILE}, {DISTANCE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
