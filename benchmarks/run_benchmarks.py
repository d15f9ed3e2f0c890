"""Measure the lesson's speed: windowing helpers, notebook wall time and peak memory, speed-ups.

Usage (from the project root): ``python3 -m tools benchmark [OPTIONS]``, which runs
    python -m benchmarks.run_benchmarks              # everything (about 12 minutes on 2 cores)
    python -m benchmarks.run_benchmarks --quick      # windowing, then notebooks 01 and 03 only
    python -m benchmarks.run_benchmarks --notebooks 03 05
    python -m benchmarks.run_benchmarks --no-readme  # print the figures, leave README.md alone

The baseline is the same notebooks run with ``LESSON_BASELINE=1``, a switch the helpers read: no
``speed_ups()`` in compile, TensorFlow's default threads, windows built by a Python loop.

It prints its figures and writes them into benchmarks/README.md (between the two ``figures`` markers,
keeping the text above them). Executed notebooks and result files go to a temporary folder only:
nothing under notebooks/ or results/ is written.

Internal mode, used for every notebook so that its kernel's peak memory can be read:
    python -m benchmarks.run_benchmarks --one NOTEBOOK --out DIR
executes NOTEBOOK in a fresh kernel, writes the executed copy into DIR and prints one line
``BENCHMARK_RESULT {json}`` with the wall time, the kernel's CPU time and its peak resident memory.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import timeit
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
README = Path(__file__).resolve().parent / "README.md"

from helpers.files import write_atomically  # noqa: E402
from tools.notebooks import lesson_notebooks, notebook_client, write_notebook  # noqa: E402

EPISODES = ("01", "02", "03", "04", "05", "06")
QUICK_NOTEBOOKS = ("01", "03")
REPEATS = 5
TARGET_WINDOW_SPEED_UP = 100.0
TARGET_RATIO = 0.8
TARGET_LESSON_SECONDS = 240.0
RESULT_PREFIX = "BENCHMARK_RESULT "
CHECK_PREFIX = "BENCHMARK_CHECK "
FIGURES_START = "<!-- figures: start (everything below is rewritten by run_benchmarks.py) -->"  # kept: README has it
FIGURES_END = "<!-- figures: end -->"

# Last code cell of every benchmarked copy: reports which speed-ups were in effect.
CHECK_CELL = """\
# benchmark check (appended by benchmarks/run_benchmarks.py; not part of the lesson)
import json as _bench_json
import sys as _bench_sys

_bench = {}
if "helpers" in _bench_sys.modules:
    _bench["baseline"] = _bench_sys.modules["helpers"].baseline()
if "tensorflow" in _bench_sys.modules:
    _bench["inter_op_threads"] = _bench_sys.modules["tensorflow"].config.threading.get_inter_op_parallelism_threads()
if "keras" in _bench_sys.modules:
    _bench_models = [v for v in list(globals().values()) if isinstance(v, _bench_sys.modules["keras"].Model)]
    _bench["steps_per_execution"] = sorted({str(getattr(m, "steps_per_execution", "?")) for m in _bench_models})
print(%r + _bench_json.dumps(_bench))
""" % CHECK_PREFIX


# --------------------------------------------------------------------------------------------
# The machine


def read_key(path: str, key: str) -> str | None:
    """The value of the first ``key: value`` / ``key=value`` line of a text file, if any."""
    try:
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            name, sep, value = line.partition(":" if ":" in line else "=")
            if sep and name.strip() == key:
                return value.strip().strip('"')
    except OSError:
        return None
    return None


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as ``/proc/loadavg`` gives them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def version_of(*packages: str) -> str:
    """The installed version of the first of ``packages`` found (e.g. tensorflow or tensorflow-cpu), without importing it."""
    for package in packages:
        try:
            return metadata.version(package) + ("" if package == packages[0] else f" ({package})")
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def busy_cpu_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot (from ``/proc/stat``), or NaN."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except (OSError, IndexError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in (fields + ["0"] * 8)[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def describe_machine() -> dict[str, str]:
    """CPU, cores, memory, OS, Python and library versions, date: what the figures were measured on."""
    memory_kib = read_key("/proc/meminfo", "MemTotal")
    memory = f"{int(memory_kib.split()[0]) / 1024**2:.1f} GiB" if memory_kib else "?"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": read_key("/proc/cpuinfo", "model name") or platform.processor() or "?",
        "cores (os.cpu_count)": f"{os.cpu_count()} (usable by this process: {usable})",
        "memory": memory,
        "OS": f"{read_key('/etc/os-release', 'PRETTY_NAME') or platform.system()} (kernel {platform.release()})",
        "Python": platform.python_version(),
        "TensorFlow": version_of("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tf-nightly"),
        "Keras": version_of("keras"),
        "NumPy / pandas": f"{version_of('numpy')} / {version_of('pandas')}",
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load average (1, 5, 15 min) at the start": load_average(),
    }


# --------------------------------------------------------------------------------------------
# 1. Windowing


@dataclass
class WindowTiming:
    name: str
    vectorised_s: float
    naive_s: float

    @property
    def speed_up(self) -> float:
        return self.naive_s / self.vectorised_s


def best_per_call(function: Callable[[], Any], repeats: int = REPEATS) -> float:
    """Best of ``repeats`` timings, in seconds per call; fast functions are looped >= 0.2 s per timing."""
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeats, number=number)) / number


def assert_same_sequences(fast: tuple, slow: tuple) -> None:
    """Both make_sequences results hold exactly the same X, y (values, dtype, shape) and dates."""
    import numpy as np
    import pandas as pd

    for a, b, what in zip(fast[:2], slow[:2], ("X", "y")):
        if a.dtype != b.dtype or a.shape != b.shape or not np.array_equal(a, b):
            raise AssertionError(f"naive make_sequences differs in {what}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}")
    pd.testing.assert_index_equal(fast[2], slow[2], exact=True)


def _as_baseline(function, *args, **kwargs):
    """Call ``function`` with ``LESSON_BASELINE=1`` set, as the baseline notebooks run."""
    os.environ["LESSON_BASELINE"] = "1"
    try:
        return function(*args, **kwargs)
    finally:
        del os.environ["LESSON_BASELINE"]


def benchmark_windowing() -> list[WindowTiming]:
    """make_sequences (windows 30 and 90) and make_lagged (30 lags) on Basel: vectorised vs naive."""
    import pandas as pd

    from helpers import windows

    class naive_windows:  # the same helpers under the baseline switch: one Python loop per sample
        @staticmethod
        def make_sequences(*args, **kwargs):
            return _as_baseline(windows.make_sequences, *args, **kwargs)

        @staticmethod
        def make_lagged(*args, **kwargs):
            return _as_baseline(windows.make_lagged, *args, **kwargs)
    from helpers.data import load_weather

    weather = load_weather()
    basel = windows.station_columns(weather, "BASEL")
    timings = []
    for window in (30, 90):
        fast = windows.make_sequences(weather, basel, target="BASEL_sunshine", window=window)
        slow = naive_windows.make_sequences(weather, basel, target="BASEL_sunshine", window=window)
        assert_same_sequences(fast, slow)
        timings.append(
            WindowTiming(
                f"make_sequences, window={window} ({fast[0].shape[0]}×{window}×{len(basel)})",
                best_per_call(lambda: windows.make_sequences(weather, basel, "BASEL_sunshine", window)),
                best_per_call(lambda: naive_windows.make_sequences(weather, basel, "BASEL_sunshine", window)),
            )
        )
    fast = windows.make_lagged(weather, basel, lags=30)
    slow = naive_windows.make_lagged(weather, basel, lags=30)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    timings.append(
        WindowTiming(
            f"make_lagged, lags=30 ({fast.shape[0]}×{fast.shape[1]} frame)",
            best_per_call(lambda: windows.make_lagged(weather, basel, lags=30)),
            best_per_call(lambda: naive_windows.make_lagged(weather, basel, lags=30)),
        )
    )
    return timings


# --------------------------------------------------------------------------------------------
# Notebook copies: baseline (no speed-ups) and the check cell


def find_notebooks(prefixes: list[str] | None) -> list[Path]:
    """The lesson's notebooks in order, or those whose names start with one of ``prefixes``."""
    try:
        return lesson_notebooks(NOTEBOOKS, prefixes)
    except ValueError as error:
        raise SystemExit(str(error)) from None


def is_episode(path: Path) -> bool:
    return path.name[:2] in EPISODES


def benchmark_copy(path: Path, folder: Path) -> Path:
    """A copy of the notebook in ``folder`` with the check cell last (the baseline is set by the environment)."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    return write_notebook(folder / path.name, notebook)


# --------------------------------------------------------------------------------------------
# 2. Running one notebook (child process) and collecting its figures (parent)


def execute_one(path: Path, out_dir: Path, timeout: int) -> dict[str, Any]:
    """Child mode: execute one notebook in a fresh kernel; wall time, kernel CPU time and peak RSS."""
    import nbformat
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    notebook = nbformat.read(path, as_version=4)
    client = notebook_client(notebook, NOTEBOOKS, timeout)
    error = None
    started = time.perf_counter()
    try:
        client.execute()  # starts the kernel, runs every cell, shuts the kernel down and reaps it
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as failure:
        error = str(failure).strip().splitlines()[-1][:300] if str(failure).strip() else type(failure).__name__
    wall = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel has exited: its peak is in here
    write_notebook(out_dir / path.name, notebook)
    check: dict[str, Any] = {}
    for cell in notebook.cells[-1:]:
        for output in cell.get("outputs", []):
            for line in output.get("text", "").splitlines():
                if line.startswith(CHECK_PREFIX):
                    check = json.loads(line[len(CHECK_PREFIX):])
    return {
        "ok": error is None,
        "error": error,
        "wall_s": wall,
        "cpu_s": children.ru_utime + children.ru_stime,
        "peak_rss_mib": children.ru_maxrss / 1024,  # Linux: KiB, largest descendant
        "check": check,
    }


@dataclass
class NotebookRun:
    notebook: str
    variant: str  # "optimised" or "baseline"
    ok: bool = False
    error: str | None = None
    wall_s: float = float("nan")
    cpu_s: float = float("nan")
    peak_rss_mib: float = float("nan")
    other_cpu_s: float = float("nan")  # CPU used meanwhile by processes outside this notebook's run
    check: dict[str, Any] = field(default_factory=dict)


def measured_child(command: list[str], results_dir: Path, baseline: bool = False) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``command`` with its results in ``results_dir``: (completed, wall seconds, others' CPU seconds).

    With ``baseline`` the kernels get ``LESSON_BASELINE=1``: the helpers then drop the speed-ups.
    """
    env = dict(os.environ)
    env["LESSON_RESULTS_DIR"] = str(results_dir)
    env.pop("LESSON_TF_INTER_OP_THREADS", None)  # each variant uses the threads its own setting gives
    env.pop("LESSON_BASELINE", None)
    if baseline:
        env["LESSON_BASELINE"] = "1"
    results_dir.mkdir(parents=True, exist_ok=True)
    busy_before, tree_before = busy_cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    busy_after, tree_after = busy_cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    tree = (tree_after.ru_utime + tree_after.ru_stime) - (tree_before.ru_utime + tree_before.ru_stime)
    return completed, wall, max(0.0, busy_after - busy_before - tree)


def run_in_child(path: Path, variant: str, out_dir: Path, results_dir: Path, timeout: int) -> NotebookRun:
    """Execute ``path`` from a child Python process whose kernel writes its results into ``results_dir``."""
    run = NotebookRun(path.name, variant)
    command = [sys.executable, "-m", "benchmarks.run_benchmarks", "--one", str(path), "--out", str(out_dir),
               "--timeout", str(timeout)]
    completed, _, run.other_cpu_s = measured_child(command, results_dir, baseline=variant == "baseline")
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if not lines:
        run.error = f"child exited {completed.returncode}: {completed.stderr.strip()[-300:]}"
        return run
    for key, value in json.loads(lines[-1][len(RESULT_PREFIX):]).items():
        setattr(run, key, value)
    return run


@dataclass
class LessonRun:
    """One run of the lesson's own command, ``tools/run_lesson.py``, on a selection of notebooks."""

    prefixes: list[str]
    jobs: int
    ok: bool = False
    error: str | None = None
    wall_s: float = float("nan")
    other_cpu_s: float = float("nan")
    rmses: dict[str, float] = field(default_factory=dict)


def run_lesson_command(prefixes: list[str], episodes: set[str], out_dir: Path, results_dir: Path,
                       timeout: int) -> LessonRun:
    """Time ``tools/run_lesson.py PREFIXES --output-dir OUT`` with its default --jobs, as a user runs it."""
    from tools.run_lesson import default_jobs

    run = LessonRun(list(prefixes), default_jobs())
    command = [sys.executable, "-m", "tools.run_lesson", *prefixes, "--output-dir", str(out_dir),
               "--timeout", str(timeout), "--jobs", str(run.jobs)]
    completed, run.wall_s, run.other_cpu_s = measured_child(command, results_dir)
    run.ok = completed.returncode == 0
    if not run.ok:
        run.error = f"exit {completed.returncode}: {completed.stderr.strip()[-300:]}"
    run.rmses = recorded_rmses(results_dir, episodes)
    return run


def recorded_rmses(folder: Path, episodes: set[str]) -> dict[str, float]:
    """Model name -> test RMSE of the results that the given episodes recorded in ``folder``."""
    from helpers.results import load_results

    table = load_results(folder)
    table = table[table["episode"].isin(episodes)]
    return dict(zip(table["model"], table["test_rmse"].astype(float)))


# --------------------------------------------------------------------------------------------
# Figures as Markdown


def _seconds(value: float) -> str:
    return f"{value:.1f}" if value == value else "failed"


def _short(value: float) -> str:
    if value >= 0.1:
        return f"{value:.3f} s"
    return f"{value * 1000:.3f} ms" if value >= 1e-4 else f"{value * 1e6:.1f} µs"


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


def render_figures(
    machine: dict[str, str],
    windowing: list[WindowTiming],
    runs: list[NotebookRun],
    rmses: dict[str, dict[str, float]],
    all_notebooks: bool,
    mode: str,
    load_after: str,
    episodes_run: LessonRun | None = None,
    lesson_run: LessonRun | None = None,
    arguments: list[str] = (),
) -> str:
    """The figures section of the README, as Markdown."""
    command = " ".join(["python -m benchmarks.run_benchmarks", *arguments])
    out = [f"## Figures ({mode})", "", f"Measured in one run of `{command}` on:", "", "| | |", "|---|---|"]
    out += [f"| {key} | {value} |" for key, value in machine.items()]
    out += [f"| load average (1, 5, 15 min) at the end | {load_after} |", ""]
    out += ["Other jobs may have been using the CPUs during this run: re-measure on an idle machine before "
            "relying on small differences.", ""]

    out += ["### 1. Windowing (Basel, 9 columns, 3654 days)", "",
            f"Seconds per call, best of {REPEATS}; the naive loops return exactly the same arrays/frame (asserted first).", "",
            "| function | vectorised (helpers.windows) | Python loop (LESSON_BASELINE=1) | loop / vectorised | ≥ 100× |",
            "|---|---:|---:|---:|---|"]
    for timing in windowing:
        out.append(f"| {timing.name} | {_short(timing.vectorised_s)} | {_short(timing.naive_s)} | "
                   f"{timing.speed_up:.0f}× | {_yes(timing.speed_up >= TARGET_WINDOW_SPEED_UP)} |")
    out.append("")

    if runs:
        out += ["### 2. Notebooks: wall time and peak memory", "",
                "Each notebook in a fresh kernel (nbclient), from its own child process. Wall time is "
                "`client.execute()` including kernel start-up; CPU is the kernel's user + system time; "
                "peak memory is the kernel's peak resident set (`ru_maxrss` of the child's children). "
                "*Others' CPU* is the CPU time the rest of the machine used meanwhile (`/proc/stat` minus this "
                "notebook's process tree): a measure of the noise from other jobs.", "",
                "| notebook | variant | wall (s) | CPU (s) | peak RSS (MiB) | others' CPU (s) | status |",
                "|---|---|---:|---:|---:|---:|---|"]
        for run in runs:
            status = "ok" if run.ok else f"FAILED: {run.error}"
            out.append(f"| {run.notebook} | {run.variant} | {_seconds(run.wall_s)} | {_seconds(run.cpu_s)} | "
                       f"{run.peak_rss_mib:.0f} | {_seconds(run.other_cpu_s)} | {status} |")
        out.append("")

    pairs = pair_runs(runs)
    if pairs:
        base_total = sum(b.wall_s for b, _ in pairs)
        opt_total = sum(o.wall_s for _, o in pairs)
        ratio = opt_total / base_total if base_total else float("nan")
        out += ["### 3. Speed-ups: episodes as committed (optimised) vs without speed-ups (baseline)", "",
                "Baseline: the same notebooks with `LESSON_BASELINE=1`, which the helpers read: no `speed_ups()` "
                "(no `steps_per_execution`, no XLA), TensorFlow's default inter-op threads, and windows built by a "
                "Python loop. Run alternately, baseline first, notebook by notebook.", "",
                "| notebook | baseline (s) | optimised (s) | optimised / baseline |", "|---|---:|---:|---:|"]
        for base, opt in pairs:
            out.append(f"| {opt.notebook} | {_seconds(base.wall_s)} | {_seconds(opt.wall_s)} | {opt.wall_s / base.wall_s:.2f} |")
        base_cpu = sum(b.cpu_s for b, _ in pairs)
        opt_cpu = sum(o.cpu_s for _, o in pairs)
        base_other = sum(b.other_cpu_s for b, _ in pairs)
        opt_other = sum(o.other_cpu_s for _, o in pairs)
        out += [f"| **total, one notebook at a time** | **{base_total:.1f}** | **{opt_total:.1f}** | **{ratio:.2f}** |", "",
                f"CPU used by other processes meanwhile: {base_other:.1f} s during the baseline runs, "
                f"{opt_other:.1f} s during the optimised runs.", "",
                f"One notebook at a time, optimised / baseline = **{ratio:.3f}** in wall time; in the kernels' CPU "
                f"time {opt_cpu:.1f} s / {base_cpu:.1f} s = {opt_cpu / base_cpu:.2f}. This is what the speed-ups "
                "inside the notebooks buy a learner who runs one notebook.", ""]
        if episodes_run is not None:
            runner_ratio = episodes_run.wall_s / base_total if base_total else float("nan")
            out += [f"The lesson's run command on the same episodes, `tools/run_lesson.py {' '.join(episodes_run.prefixes)}` "
                    f"({episodes_run.jobs} notebooks at a time, each kernel with the thread settings of a notebook run on its own): "
                    f"**{episodes_run.wall_s:.1f} s** from start to end of the command "
                    + ("" if episodes_run.ok else f"(**FAILED**: {episodes_run.error}) ")
                    + f"against {base_total:.1f} s for the baseline notebooks one at a time: "
                    f"**{runner_ratio:.3f}** (target ≤ {TARGET_RATIO}: {_yes(episodes_run.ok and runner_ratio <= TARGET_RATIO)}). "
                    f"Other processes used {episodes_run.other_cpu_s:.1f} s of CPU meanwhile.", ""]
        out += [
                "What each variant actually ran with (read from the kernels at the end of each notebook):", "",
                "| notebook | variant | helpers.baseline() (windows by a loop) | inter-op threads | steps_per_execution of the models left in the notebook |",
                "|---|---|---|---|---|"]
        for base, opt in pairs:
            for run in (base, opt):
                check = run.check
                functions = str(check.get("baseline", "?"))
                threads = check.get("inter_op_threads", "?")
                threads = f"{threads} (TF default)" if threads == 0 else threads
                steps = ", ".join(check.get("steps_per_execution", [])) or "–"
                out.append(f"| {run.notebook} | {run.variant} | {functions} | {threads} | {steps} |")
        out.append("")
        base_rmse, opt_rmse = rmses.get("baseline", {}), rmses.get("optimised", {})
        runner_rmse = episodes_run.rmses if episodes_run is not None else None
        models = [m for m in opt_rmse if m in base_rmse] + [m for m in base_rmse if m not in opt_rmse]
        agree_all = bool(models)
        header = "| model | baseline | optimised | run command | largest difference | same to 3 decimals |"
        if runner_rmse is None:
            header = "| model | baseline | optimised | largest difference | same to 3 decimals |"
        out += ["Test RMSE (hours) of every model the episodes recorded:", "", header,
                "|---|" + "---:|" * (header.count("|") - 3) + "---|"]
        for model in models:
            values = [base_rmse.get(model), opt_rmse.get(model)] + ([runner_rmse.get(model)] if runner_rmse is not None else [])
            shown = " | ".join("missing" if value is None else f"{value:.4f}" for value in values)
            if any(value is None for value in values):
                agree_all = False
                out.append(f"| {model} | {shown} | | **no** |")
                continue
            same = len({round(value, 3) for value in values}) == 1
            agree_all &= same
            out.append(f"| {model} | {shown} | {max(values) - min(values):.2g} | {_yes(same)} |")
        out += ["", f"All recorded RMSEs agree to three decimals: **{'yes' if agree_all else 'no'}**.", ""]

    optimised = [run for run in runs if run.variant == "optimised"]
    if optimised:
        total = sum(run.wall_s for run in optimised)
        failed = [run.notebook for run in optimised if not run.ok]
        scope = f"all {len(optimised)} notebooks" if all_notebooks else f"only {len(optimised)} notebooks, not the whole lesson"
        out += ["### 4. The whole lesson", ""]
        if lesson_run is not None:
            out += [f"`tools/run_lesson.py` (the README's `make lesson`, {lesson_run.jobs} notebooks at a time), every "
                    f"notebook in a fresh kernel: **{lesson_run.wall_s:.1f} s = {lesson_run.wall_s / 60:.1f} min** from start "
                    "to end of the command"
                    + (f" (target < {TARGET_LESSON_SECONDS / 60:.0f} min on 2 cores: "
                       f"{_yes(lesson_run.ok and lesson_run.wall_s < TARGET_LESSON_SECONDS)})")
                    + ("." if lesson_run.ok else f"; **FAILED**: {lesson_run.error}.")
                    + f" Other processes used {lesson_run.other_cpu_s:.1f} s of CPU meanwhile.", ""]
            alone = rmses.get("all optimised", {})
            differing = sorted(model for model in set(alone) | set(lesson_run.rmses)
                               if alone.get(model) != lesson_run.rmses.get(model))
            out += [f"The {len(lesson_run.rmses)} test RMSEs this run recorded against those of the notebooks run one at a "
                    "time in 2: " + ("**identical** (every digit)." if not differing and alone
                                     else f"**different** for {', '.join(differing)}."), ""]
        out += [f"One notebook at a time (the sum of the optimised wall times in 2, {scope}): "
                f"**{total:.1f} s = {total / 60:.1f} min**" + (f". Failed: {', '.join(failed)}." if failed else "."), ""]
    return "\n".join(out).rstrip() + "\n"


def pair_runs(runs: list[NotebookRun]) -> list[tuple[NotebookRun, NotebookRun]]:
    """(baseline, optimised) runs of the same notebook, in order."""
    optimised = {run.notebook: run for run in runs if run.variant == "optimised"}
    return [(run, optimised[run.notebook]) for run in runs if run.variant == "baseline" and run.notebook in optimised]


# The hand-written text above the figures lives in README.md itself; this stands in if that file is missing.
INTRO = "# Benchmarks\n\nFigures written by `python -m benchmarks.run_benchmarks` (see its docstring).\n"


def write_readme(figures: str) -> None:
    """Replace the figures section of benchmarks/README.md, keeping the hand-written text above it."""
    intro = INTRO
    if README.exists():
        text = README.read_text(encoding="utf-8")
        intro = text.split(FIGURES_START)[0].rstrip() + "\n" if FIGURES_START in text else text.rstrip() + "\n"
    write_atomically(README, f"{intro}\n{FIGURES_START}\n\n{figures}\n{FIGURES_END}\n")


# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="windowing, then notebooks 01 and 03 only")
    parser.add_argument("--notebooks", nargs="+", metavar="PREFIX", help="only the notebooks whose names start so")
    parser.add_argument("--no-readme", action="store_true", help="print the figures only; leave README.md alone")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (executed copies, results)")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds a single cell may take (default 1200)")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # child mode: execute this notebook
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one:
        if not args.out:
            parser.error("--one needs --out")
        result = execute_one(args.one, args.out, args.timeout)
        print(RESULT_PREFIX + json.dumps(result), flush=True)
        return 0 if result["ok"] else 1

    machine = describe_machine()
    prefixes = list(QUICK_NOTEBOOKS) if args.quick else args.notebooks
    paths = find_notebooks(prefixes)
    all_notebooks = not prefixes
    mode = "full run" if all_notebooks else ("quick run" if args.quick else "partial run: " + " ".join(prefixes))
    print(f"Machine: {machine['CPU']}, {machine['cores (os.cpu_count)']} cores, load {machine['load average (1, 5, 15 min) at the start']}", flush=True)

    print("\n1. Windowing (best of 5, seconds per call)", flush=True)
    windowing = benchmark_windowing()
    for timing in windowing:
        print(f"  {timing.name}: vectorised {timing.vectorised_s:.6f} s, naive {timing.naive_s:.4f} s, "
              f"{timing.speed_up:.0f}x", flush=True)

    scratch = Path(tempfile.mkdtemp(prefix="lesson-benchmarks-"))
    runs: list[NotebookRun] = []
    try:
        print(f"\n2-4. Notebooks (temporary folder {scratch})", flush=True)
        # one snapshot of the notebooks, so both variants run the same version even if they are edited meanwhile
        snapshot = scratch / "committed"
        snapshot.mkdir()
        for path in paths:
            shutil.copy2(path, snapshot / path.name)
        for path in paths:
            variants = ("baseline", "optimised") if is_episode(path) else ("optimised",)
            for variant in variants:
                folder = scratch / variant
                copy = benchmark_copy(snapshot / path.name, folder / "input")
                run = run_in_child(copy, variant, folder / "executed", folder / "results", args.timeout)
                runs.append(run)
                status = "ok" if run.ok else f"FAILED: {run.error}"
                print(f"  {path.name:32} {variant:9} {_seconds(run.wall_s):>7} s  CPU {_seconds(run.cpu_s):>7} s  "
                      f"peak {run.peak_rss_mib:6.0f} MiB  others' CPU {_seconds(run.other_cpu_s):>5} s  {status}", flush=True)
        # compare the models recorded by the episodes that ran in both variants
        compared = {run.notebook[:2] for run in runs if run.variant == "baseline"}
        rmses = {variant: recorded_rmses(scratch / variant / "results", compared) for variant in ("baseline", "optimised")}
        rmses["all optimised"] = recorded_rmses(scratch / "optimised" / "results", {path.name[:2] for path in paths})
        episodes_run = lesson_run = None
        if compared:
            print("\n3. The run command on the episodes", flush=True)
            episodes_run = run_lesson_command(sorted(compared), compared, scratch / "command" / "executed",
                                              scratch / "command" / "results", args.timeout)
            print(f"  tools/run_lesson.py {' '.join(sorted(compared))}: {episodes_run.wall_s:.1f} s, "
                  f"{episodes_run.jobs} at a time, {'ok' if episodes_run.ok else episodes_run.error}", flush=True)
        if all_notebooks:
            print("\n4. The run command on the whole lesson", flush=True)
            lesson_run = run_lesson_command([], {path.name[:2] for path in paths}, scratch / "lesson" / "executed",
                                            scratch / "lesson" / "results", args.timeout)
            print(f"  tools/run_lesson.py: {lesson_run.wall_s:.1f} s, {lesson_run.jobs} at a time, "
                  f"{'ok' if lesson_run.ok else lesson_run.error}", flush=True)
    finally:
        if args.keep:
            print(f"Kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    figures = render_figures(machine, windowing, runs, rmses, all_notebooks, mode, load_average(), episodes_run, lesson_run,
                             sys.argv[1:] if argv is None else argv)
    print("\n" + figures)
    if not args.no_readme:
        write_readme(figures)
        print(f"Written: {README.relative_to(ROOT)}")
    commands_ok = all(run.ok for run in (episodes_run, lesson_run) if run is not None)
    return 0 if all(run.ok for run in runs) and commands_ok else 1


if __name__ == "__main__":
    sys.exit(main())
