"""Measure how much each lesson model's validation and test RMSE vary with the random seed.

Usage:
    python -m benchmarks.seed_spread                          # calibrate: the manifest's seeds, notebooks 01-09
    python -m benchmarks.seed_spread --held-out               # the manifest's held-out seeds: check them
    python -m benchmarks.seed_spread --seeds 1-3 05           # only notebooks starting with 05 (a quick look)
    python -m benchmarks.seed_spread --year 2006              # a backtest fold: validation year 2006, core episodes

Every seed runs the episode notebooks themselves (each in a fresh kernel, through the same runner as
the lesson command) with ``LESSON_SEED`` set, on the Keras backend that ``KERAS_BACKEND`` names, so the models train exactly as learners train them. The
notebooks on disk are not touched: executed copies and results go to a temporary folder, and the
notebooks' checks only report (``LESSON_STRICT_CHECKS=0``), since they are what is being calibrated.

Calibrating writes, each atomically:
- ``benchmarks/seed_runs.csv``: one row per model and seed (kept when the run is interrupted; a rerun
  replaces the rows of the seeds it runs);
- ``helpers/seed_spread.csv``: per model the number of seeds and the median, minimum, maximum and
  standard deviation of the test and validation RMSE (what the notebooks' checks read);
- ``benchmarks/seed_spread.png``: every seed's test RMSE per model, with the interval its check accepts.

``--held-out`` writes ``benchmarks/seed_runs_held_out.csv`` instead, compares every result with the
committed intervals and exits with status 1 if any lies outside.

``--year Y`` runs a backtest fold (``helpers.lesson.BACKTEST_YEARS``): the episodes train on the years before
Y, stop early on Y and are scored on Y (``LESSON_VALIDATION_YEAR``), by default the core episodes only. Its
rows go to ``benchmarks/backtest_runs.csv``. Every run then rewrites ``helpers/backtest.csv``: each model's
score per year and seed, the validation years of the folds (2008 from ``seed_runs.csv``) and the lesson's
test year 2009, which the debriefs and notebook 10 read.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from helpers.checks import SPREAD_FILE, check_interval, load_spread
from helpers.config import current
from helpers.files import write_atomically
from helpers.lesson import (
    BACKTEST_SEEDS,
    BACKTEST_YEARS,
    CALIBRATION_SEEDS,
    HELD_OUT_SEEDS,
    SPLIT,
    episodes_of,
    split_for,
    trained_episodes,
)
from helpers.results import load_results, with_manifest
from helpers.settings import BACKEND_VARIABLE
from tools.run_lesson import ROOT, find_notebooks
from tools.runner import NotebookFailed, Stopped, default_jobs, kernel_environment, run_notebooks

import pandas as pd

BENCHMARKS = ROOT / "benchmarks"
RUNS_FILE = BENCHMARKS / "seed_runs.csv"
HELD_OUT_FILE = BENCHMARKS / "seed_runs_held_out.csv"
FIGURE_FILE = BENCHMARKS / "seed_spread.png"
BACKTEST_RUNS_FILE = BENCHMARKS / "backtest_runs.csv"
BACKTEST_FILE = ROOT / "helpers" / "backtest.csv"
SPLIT_YEAR, TEST_YEAR = int(SPLIT.val_start[:4]), int(SPLIT.test_start[:4])
CORE_EPISODES = [number for number in trained_episodes() if number in episodes_of("core")]
EPISODES = trained_episodes()  # every episode that trains a model, from the lesson's manifest
RUN_COLUMNS = ["key", "model", "episode", "task", "seed", "val_rmse", "test_rmse", "n_weights", "epochs", "backend",
               "cpu"]  # what the readers see: model, episode and task joined from the manifest
STORED_COLUMNS = [column for column in RUN_COLUMNS if column not in ("model", "episode", "task")]  # what files hold


def parse_seeds(text: str) -> list[int]:
    """Seeds from a list such as ``1-10`` or ``1,4,7`` or ``11-13,42``.

    Example: ``parse_seeds("1-3,42")  # [1, 2, 3, 42]``
    """
    seeds: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            seeds += range(int(first), int(last or first) + 1)
    except ValueError:
        raise ValueError(f"Seeds must look like 1-10 or 1,4,7, got {text!r}.") from None
    if not seeds or any(not 0 <= seed < 2**32 for seed in seeds) or len(set(seeds)) != len(seeds):
        raise ValueError(f"Seeds must be distinct whole numbers from 0 to 4294967295, got {text!r}.")
    return seeds


def cpu_name() -> str:
    """The processor's model name and whether it has AVX-512, for the record of where a seed ran."""
    name = platform.processor() or platform.machine()
    flags = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and name in ("", platform.machine()):
                name = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = line
                break
    except OSError:
        pass
    return f"{name}{' AVX-512' if 'avx512f' in flags else ''}"


def run_seed(seed: int, paths: list[Path], jobs: int, report, year: int | None = None) -> pd.DataFrame:
    """Run the notebooks with ``LESSON_SEED=seed`` in a temporary folder; their results as one table.

    ``year``: a backtest fold's validation year (``LESSON_VALIDATION_YEAR``); None for the lesson's split.
    Side by side, each kernel gets its share of the cores, as in the lesson's run command (``thread_shares``).
    """
    with tempfile.TemporaryDirectory(prefix=f"seed-{seed}-") as folder:
        results = Path(folder) / "results"
        config = current().but(seed=seed, results_dir=results, strict=False, validation_year=year)
        # the executed notebooks are not kept: only the results they record
        run_notebooks(paths, jobs, report=report, env=kernel_environment(config, jobs))
        table = load_results(results, task=None)
    table = table.assign(seed=seed, backend=os.environ.get(BACKEND_VARIABLE) or "tensorflow", cpu=cpu_name())
    if year is not None:
        return table.assign(year=year)[["year", *RUN_COLUMNS]]
    return table[RUN_COLUMNS]


def backtest_table(runs: pd.DataFrame, folds: pd.DataFrame) -> pd.DataFrame:
    """Every model's RMSE per year and seed: the folds' validation years, the lesson's 2008, and the test year.

    ``runs`` are the lesson's seed runs (validation 2008, test 2009); ``folds`` the backtest's other years.

    Example: ``backtest_table(read_runs(RUNS_FILE), read_runs(BACKTEST_RUNS_FILE))``
    """
    sunshine = runs[runs["task"].fillna("sunshine") == "sunshine"] if "task" in runs else runs
    parts = [sunshine.assign(year=SPLIT_YEAR, rmse=sunshine["val_rmse"]),
             sunshine.assign(year=TEST_YEAR, rmse=sunshine["test_rmse"])]
    if len(folds):
        folds = folds[folds["year"] != SPLIT_YEAR]
        folds = folds[folds["task"].fillna("sunshine") == "sunshine"] if "task" in folds else folds
        parts.append(folds.assign(rmse=folds["val_rmse"]))
    table = pd.concat(parts, ignore_index=True)[["key", "year", "seed", "rmse"]]
    table = table.astype({"year": int, "seed": int})
    return table.sort_values(["key", "year", "seed"], ignore_index=True).round({"rmse": 4})


def write_backtest() -> None:
    """Rewrite ``helpers/backtest.csv`` from the committed seed runs and backtest runs."""
    table = backtest_table(read_runs(RUNS_FILE), read_runs(BACKTEST_RUNS_FILE))
    write_atomically(BACKTEST_FILE, table.to_csv(index=False, float_format="%.4f"))


def read_runs(path: Path) -> pd.DataFrame:
    """The per-seed results kept so far (an empty table if there are none), each model's name, episode and task
    joined from the manifest (older files that still carry them read the same).

    Example: ``read_runs(RUNS_FILE).query("key == 'simple_rnn'")``
    """
    if not path.is_file():
        return pd.DataFrame(columns=RUN_COLUMNS)
    runs = pd.read_csv(path, dtype={"key": str, "model": str, "episode": str, "task": str})
    return with_manifest(runs).drop(columns="family")


def write_runs(path: Path, runs: pd.DataFrame) -> None:
    """Write the per-seed results to ``path`` (atomically): the key, the year of a backtest fold, the seed and the
    numbers; the manifest's names, episodes and tasks are left out (``read_runs`` joins them). A model the
    manifest does not list keeps its own in columns of those names, empty for the manifest's models.

    Example: ``write_runs(RUNS_FILE, read_runs(RUNS_FILE))``
    """
    columns = [column for column in ["year", *STORED_COLUMNS] if column in runs]
    write_atomically(path, without_manifest(runs, columns).to_csv(index=False, float_format="%.4f"))


def without_manifest(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``table``'s ``columns``, plus the model, episode and task of the keys the manifest does not list (empty for
    those it lists, which it supplies when the file is read).

    Example: ``without_manifest(spread, ["key", "seeds"])``
    """
    from helpers.lesson import MODELS

    stored = table[columns].copy()
    own = ~table["key"].isin(list(MODELS))
    if own.any():
        for at, column in enumerate(("model", "episode", "task"), start=columns.index("key") + 1):
            stored.insert(at, column, table[column].where(own, ""))
    return stored


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per model (by key): seeds, and median, min, max and sd of the test and validation RMSE, in lesson order."""
    runs = runs.assign(task=runs["task"].fillna("sunshine")) if "task" in runs else runs.assign(task="sunshine")
    order = runs.drop_duplicates("key", keep="last")[["key", "model", "episode", "task"]]  # the latest name
    stats = runs.groupby("key").agg(
        seeds=("seed", "nunique"),
        test_median=("test_rmse", "median"), test_min=("test_rmse", "min"),
        test_max=("test_rmse", "max"), test_sd=("test_rmse", "std"),
        val_median=("val_rmse", "median"), val_min=("val_rmse", "min"),
        val_max=("val_rmse", "max"), val_sd=("val_rmse", "std"),
        n_weights=("n_weights", "max"),
    ).reset_index()
    stats[["test_sd", "val_sd"]] = stats[["test_sd", "val_sd"]].fillna(0.0)  # one seed: no spread measured
    stats["n_weights"] = stats["n_weights"].fillna(0).astype(int)
    table = order.merge(stats, on="key").sort_values(["episode", "test_median"], kind="stable")
    return table.round(4).reset_index(drop=True)


def draw(runs: pd.DataFrame, spread: pd.DataFrame, path: Path) -> None:
    """Each seed's validation RMSE per model as dots, the check's interval as a grey bar; saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(9, 0.42 * len(spread) + 1.6))
    for row_number, row in enumerate(spread.itertuples()):
        low, high = check_interval(row.val_min, row.val_max, row.val_sd)
        ax.plot([low, high], [row_number, row_number], color="0.8", linewidth=8, solid_capstyle="butt",
                label="interval the check accepts" if row_number == 0 else None, zorder=1)
    palette = sns.color_palette("colorblind")
    positions = {key: number for number, key in enumerate(spread["key"])}
    y = runs["key"].map(positions)
    ax.scatter(runs["val_rmse"], y, s=18, color=palette[0], label="one seed", zorder=2)
    ax.scatter(spread["val_median"], range(len(spread)), marker="|", s=250, color=palette[3], label="median", zorder=3)
    ax.set_yticks(range(len(spread)), [f"{row.model} ({row.episode})" for row in spread.itertuples()])
    ax.invert_yaxis()
    seeds = ", ".join(str(seed) for seed in sorted(runs["seed"].unique()))
    ax.set(title=f"Validation RMSE ({SPLIT.val_start[:4]}) over seeds {seeds}", xlabel="validation RMSE (hours of sunshine)",
           ylabel="model")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    temporary = path.with_name(path.name + ".tmp.png")
    fig.savefig(temporary, dpi=110)
    plt.close(fig)
    os.replace(temporary, path)


def compare(runs: pd.DataFrame, spread: pd.DataFrame) -> pd.DataFrame:
    """Every held-out validation result next to the interval its check accepts, with ``inside`` True or False."""
    intervals = {row.key: check_interval(row.val_min, row.val_max, row.val_sd) for row in spread.itertuples()}
    table = runs[runs["key"].isin(intervals)].copy()
    table["low"] = table["key"].map(lambda key: intervals[key][0])
    table["high"] = table["key"].map(lambda key: intervals[key][1])
    table["inside"] = (table["low"] <= table["val_rmse"]) & (table["val_rmse"] <= table["high"])
    return table[["key", "model", "seed", "val_rmse", "low", "high", "inside"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help=f"name prefixes of notebooks to run (default: {' '.join(EPISODES)})")
    parser.add_argument("--seeds", default=None,
                        help=f"seeds to run, e.g. 1-10 or 11,12,42 (default: the manifest's, {CALIBRATION_SEEDS}; "
                             f"{HELD_OUT_SEEDS} with --held-out; {BACKTEST_SEEDS} with --year)")
    parser.add_argument("--held-out", action="store_true",
                        help="seeds not used for calibration: compare them with helpers/seed_spread.csv")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="notebooks to run at once")
    parser.add_argument("--year", type=int, default=None,
                        help=f"a backtest fold: this validation year ({', '.join(map(str, BACKTEST_YEARS[:-1]))}), "
                             "core episodes by default, rows into benchmarks/backtest_runs.csv")
    args = parser.parse_args(argv)
    if args.year is not None:
        try:
            split_for(args.year)
        except ValueError as error:
            parser.error(str(error))
        if args.year == SPLIT_YEAR or args.held_out:
            parser.error(f"--year {args.year}: fold {SPLIT_YEAR} is the lesson's own split (run without --year); "
                         "--year does not combine with --held-out.")
    if args.seeds is None:
        args.seeds = BACKTEST_SEEDS if args.year is not None else HELD_OUT_SEEDS if args.held_out else CALIBRATION_SEEDS
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as error:
        parser.error(str(error))
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more, got {args.jobs}")
    paths = find_notebooks(args.notebooks or (CORE_EPISODES if args.year is not None else EPISODES))
    runs_file = HELD_OUT_FILE if args.held_out else BACKTEST_RUNS_FILE if args.year is not None else RUNS_FILE
    if args.held_out:
        spread = load_spread()  # fail now, not after the training, if there is nothing to compare with
        calibrated = set(read_runs(RUNS_FILE)["seed"])
        reused = sorted(calibrated & set(seeds))
        if reused:
            parser.error(f"seeds {reused} were used for calibration (benchmarks/seed_runs.csv); pick others.")

    runs = read_runs(runs_file)
    episodes = [path.name[:2] for path in paths]
    # a rerun replaces what these seeds gave for these notebooks, and keeps everything else
    replaced = runs["seed"].isin(seeds) & runs["episode"].isin(episodes)
    if args.year is not None and len(runs):
        replaced &= runs["year"] == args.year
    runs = runs[~replaced]
    started = time.perf_counter()
    for number, seed in enumerate(seeds, start=1):
        print(f"Seed {seed} ({number} of {len(seeds)}): {len(paths)} notebooks", flush=True)
        try:
            table = run_seed(seed, paths, args.jobs, report=lambda text: print("   ", text, flush=True),
                             year=args.year)
        except NotebookFailed as failure:
            print(f"\n{failure.path.name} failed with seed {seed}: {failure.error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt as stop:  # Ctrl-C or SIGTERM: the runner has stopped every kernel
            status = stop.status if isinstance(stop, Stopped) else 130
            print(f"\nInterrupted during seed {seed}; the seeds finished before it are kept in {runs_file}.",
                  file=sys.stderr)
            return status
        order = ["year", "seed", "episode", "key"] if args.year is not None else ["seed", "episode", "key"]
        runs = (pd.concat([runs, table], ignore_index=True) if len(runs) else table).sort_values(order)
        write_runs(runs_file, runs)
        print(f"    done, {time.perf_counter() - started:.0f} s so far", flush=True)

    if args.year is not None:
        write_backtest()
        print(f"\nWritten: {runs_file}, {BACKTEST_FILE}")
        return 0
    if args.held_out:
        table = compare(runs[runs["seed"].isin(seeds)], spread)
        print(table.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
        outside = table[~table["inside"]]
        print(f"\n{len(table) - len(outside)} of {len(table)} held-out results inside their checks' intervals.")
        return 1 if len(outside) else 0
    spread = summarise(runs)
    kept = [name for name in spread if name not in ("model", "episode", "task", "family")]
    write_atomically(SPREAD_FILE, without_manifest(spread, kept).to_csv(index=False))
    write_backtest()
    draw(runs, spread, FIGURE_FILE)
    print(spread.to_string(index=False))
    print(f"\nWritten: {runs_file}, {SPREAD_FILE}, {BACKTEST_FILE}, {FIGURE_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
