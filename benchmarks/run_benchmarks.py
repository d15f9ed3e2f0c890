"""Time what learners wait for: windowing, each notebook and cell, the whole lesson per backend.

Run from the project root: ``python -m benchmarks.run_benchmarks [--quick] [--notebooks 03 05] [--backends tensorflow
jax] [--no-readme]``, or ``python3 -m tools benchmark ...``. benchmarks/README.md says what it measures and how.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

from benchmarks.baseline import INSTALL_CELL, INSTALL_TAG, looped_lagged, looped_sequences
from helpers import PROJECT_ROOT as ROOT
from helpers.data import load_weather
from helpers.files import write_atomically
from helpers.lesson import episodes_of, trained_episodes
from helpers.settings import BACKEND_VARIABLE, PYTHONPATH_VARIABLE, RESULTS_VARIABLE, TF_THREADS_VARIABLE, VENV_VARIABLE
from helpers.windows import make_lagged, make_sequences, station_columns
from tools.notebooks import lesson_notebooks, notebook_client
from tools.runner import environment

import nbformat
import numpy as np
import pandas as pd

README = ROOT / "benchmarks" / "README.md"
START, END = "<!-- figures: start (everything below is rewritten by run_benchmarks.py) -->", "<!-- figures: end -->"
# the core episodes that train (from the lesson's manifest); QUICK: the first two of them
EPISODES = [number for number in trained_episodes() if number in episodes_of("core")]
QUICK, VARIANTS = EPISODES[:2], ("optimised", "baseline")
JAX_PYTHON = ROOT / ".venv-jax" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
INSTALL_JAX = f"{BACKEND_VARIABLE}=jax {VENV_VARIABLE}=.venv-jax python3 -m tools setup"
TARGET_RATIO, TARGET_CELL_S, TARGET_LESSON_S = 0.4, 15.0, {"tensorflow": 90.0, "jax": 45.0}
YES = {True: "yes", False: "**no**"}
LOAD_START, LOAD_END = "load average (1, 5, 15 min) at the start", "load average (1, 5, 15 min) at the end"


def versions(python: Path, *packages: str) -> str:
    """The versions of those ``packages`` installed for the interpreter ``python``, read without importing them."""
    code = ("import sys, importlib.metadata as m\nfor n in sys.argv[1:]:\n"
            " try: print(n, m.version(n))\n except m.PackageNotFoundError: pass")
    done = subprocess.run([str(python), "-c", code, *packages], capture_output=True, text=True)
    return ", ".join(done.stdout.splitlines()) or "?"


def describe_machine() -> dict[str, str]:
    """CPU, cores, memory, OS, Python, library versions, date and load: what the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo")
    cpu = re.search(r"model name\s*:\s*(.*)", cpuinfo.read_text() if cpuinfo.exists() else "")
    distro = platform.freedesktop_os_release()["PRETTY_NAME"] + ", " if Path("/etc/os-release").exists() else ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return {"CPU": cpu.group(1) if cpu else platform.processor(), "cores": str(os.cpu_count()),
            "memory": f"{memory:.1f} GiB", "OS": f"{distro}{platform.system()} {platform.release()}",
            "Python": platform.python_version(),
            "packages": versions(Path(sys.executable), "tensorflow", "tensorflow-cpu", "keras", "numpy", "pandas"),
            "JAX (.venv-jax)": versions(JAX_PYTHON, "jax", "keras") if JAX_PYTHON.exists() else "not installed",
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            LOAD_START: " ".join(f"{load:.2f}" for load in os.getloadavg())}


def best_of_5(function, *args) -> float:
    """Seconds per call of ``function(*args)``, best of 5 timings of >= 0.2 s each."""
    timer = timeit.Timer(lambda: function(*args))
    number, _ = timer.autorange()
    return min(timer.repeat(5, number)) / number


def windowing_section() -> list[str]:
    """Section 1: Basel's windows, vectorised and by the baseline's Python loop, checked identical, then timed."""
    weather = load_weather()
    basel = station_columns(weather)
    calls = {f"make_sequences, window {n}": (make_sequences, looped_sequences, weather, basel, "BASEL_sunshine", n)
             for n in (30, 90)}
    calls["make_lagged, 30 lags"] = (make_lagged, looped_lagged, weather, basel, 30)
    out = ["### 1. Windowing (Basel, 9 columns)", "", "Seconds per call, best of 5. The loop "
           "(`benchmarks/baseline.py`) returns exactly the same (asserted first).", "",
           "| call | vectorised | Python loop | loop / vectorised |", "|---|---:|---:|---:|"]
    for name, (function, loop, *args) in calls.items():
        slow = loop(*args)
        fast = function(*args)
        if isinstance(fast, pd.DataFrame):
            pd.testing.assert_frame_equal(fast, slow, check_exact=True)
        else:  # X, y and the dates: the same values, dtypes and shapes
            for ours, loop in zip(fast, slow, strict=True):
                np.testing.assert_array_equal(ours, loop, strict=True)
        fast_s, slow_s = best_of_5(function, *args), best_of_5(loop, *args)
        out.append(f"| {name} | {fast_s * 1e3:.2f} ms | {slow_s * 1e3:.1f} ms | {slow_s / fast_s:.0f}× |")
        print(" ", out[-1], flush=True)
    return out + [""]


def cell_seconds(cell) -> float:
    """Seconds from a cell's start to its reply, from the timestamps nbclient recorded."""
    stamps = cell.metadata["execution"]
    start, end = (dt.datetime.fromisoformat(stamps[key]) for key in ("iopub.execute_input", "shell.execute_reply"))
    return (end - start).total_seconds()


def as_baseline(notebook) -> dict[str, str]:
    """Put the baseline's install cell first in ``notebook`` (in memory); the kernel environment it needs.

    The kernel starts in ``notebooks/``: the project folder goes first on its PYTHONPATH, so that the cell
    imports ``benchmarks.baseline`` (see benchmarks/README.md).
    """
    cell = nbformat.v4.new_code_cell(INSTALL_CELL, metadata={"tags": [INSTALL_TAG]})
    notebook.cells.insert(0, cell)
    paths = [str(ROOT), *filter(None, [os.environ.get(PYTHONPATH_VARIABLE)])]
    return {PYTHONPATH_VARIABLE: os.pathsep.join(paths)}


def run_notebook(text: str, results: Path, baseline: bool) -> tuple[float, list[tuple[float, str, bool]]]:
    """Execute the notebook ``text`` in a fresh kernel: wall seconds, and (seconds, first line, live?) per cell.

    ``baseline``: the lesson without its speed-ups (``benchmarks.baseline.install()`` runs first in the kernel).
    """
    notebook = nbformat.reads(text, as_version=4)
    kernel_env = as_baseline(notebook) if baseline else {}
    with environment(**{RESULTS_VARIABLE: str(results)}, **kernel_env):
        started = time.perf_counter()
        notebook_client(notebook, ROOT / "notebooks", timing=True).execute(stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - started
    return wall, [(cell_seconds(cell), cell.source.splitlines()[0], "live" in cell.metadata.get("tags", []))
                  for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()
                  and INSTALL_TAG not in cell.metadata.get("tags", [])]


def notebook_sections(paths: list[Path], scratch: Path) -> list[str]:
    """Sections 2 and 3: each notebook optimised then baseline, alternating; the optimised runs' slowest cells."""
    print("\n2. Notebooks, optimised and baseline", flush=True)
    out = ["### 2. Each notebook in a fresh kernel (start-up included): optimised, then baseline", "",
           "| notebook | optimised (s) | baseline (s) | optimised / baseline |", "|---|---:|---:|---:|"]
    totals, cells = [0.0, 0.0], []
    for path in paths:
        text = path.read_text(encoding="utf-8")  # one snapshot: both variants run the same version
        optimised, timed = run_notebook(text, scratch / "optimised", baseline=False)
        base, _ = run_notebook(text, scratch / "baseline", baseline=True)
        totals = [totals[0] + optimised, totals[1] + base]
        cells += [(seconds, path.name, line, live) for seconds, line, live in timed]
        out.append(f"| {path.name} | {optimised:.1f} | {base:.1f} | {optimised / base:.2f} |")
        print(" ", out[-1], flush=True)
    ratio = totals[0] / totals[1]
    out += [f"| **together** | **{totals[0]:.1f}** | **{totals[1]:.1f}** | **{ratio:.2f}** |", "",
            f"Target together ≤ {TARGET_RATIO}: {YES[ratio <= TARGET_RATIO]}. "
            + compare_rmses("optimised vs baseline (XLA moves digits)", *(scratch / v for v in VARIANTS)), ""]
    cells.sort(reverse=True)
    out += ["### 3. The slowest cells of the optimised runs in 2 (nbclient's `record_timing`)", "",
            f"Target ≤ {TARGET_CELL_S:.0f} s for every cell: {YES[cells[0][0] <= TARGET_CELL_S]}. `live`: learners "
            "type these cells along.", "", "| seconds | notebook | cell (first line) | live |", "|---:|---|---|---|"]
    out += [f"| {seconds:.1f} | {name} | `{line[:70].replace('|', '/')}` | {'live' if live else ''} |"
            for seconds, name, line, live in cells[:8]]
    return out + [""]


def compare_rmses(label: str, first: Path, second: Path) -> str:
    """One sentence: are the test RMSEs that two runs recorded in result files of the same name identical?"""
    a, b = ({path.name: json.loads(path.read_text(encoding="utf-8"))["test_rmse"] for path in folder.glob("*.json")}
            for folder in (first, second))
    shared = sorted(set(a) & set(b))
    differ = [f"{name} ({a[name]:.6f} vs {b[name]:.6f})" for name in shared if a[name] != b[name]]
    verdict = f"**different** in {', '.join(differ)}" if differ else "**identical**" if shared else "**none shared**"
    return f"Test RMSEs, {label}: {verdict} ({len(shared)} result files compared, every digit)."


def time_lesson(backend: str, python: Path, scratch: Path) -> dict:
    """Time ``python -m tools.run_lesson --output-dir <tmp>`` on ``backend``: seconds in all and per notebook."""
    env = {**os.environ, BACKEND_VARIABLE: backend, RESULTS_VARIABLE: str(scratch / f"lesson-{backend}")}
    command = [str(python), "-m", "tools.run_lesson", "--output-dir", str(scratch / f"executed-{backend}")]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    print(f"  {backend}: {seconds:.1f} s" + (f", FAILED\n{done.stderr[-1500:]}" if done.returncode else ""), flush=True)
    return {"backend": backend, "seconds": seconds, "ok": done.returncode == 0,
            "target": TARGET_LESSON_S[backend], "met": done.returncode == 0 and seconds <= TARGET_LESSON_S[backend],
            "notebooks": dict(re.findall(r"(\d\d_\S+\.ipynb)\s+ok in ([\d.]+) s", done.stdout))}


def lesson_section(backends: list[str], scratch: Path) -> tuple[list[str], bool]:
    """Section 4: the whole lesson per backend and per notebook, its RMSEs against section 2's; all ran?"""
    print("\n4. The whole lesson", flush=True)
    pythons = {"tensorflow": Path(sys.executable), "jax": JAX_PYTHON}
    runs = [time_lesson(backend, pythons[backend], scratch) for backend in backends if pythons[backend].exists()]
    out = ["### 4. The whole lesson: `python -m tools.run_lesson --output-dir <tmp>`", "",
           "The runner as a learner runs it (by default one notebook per core at a time), timed from start to end.", ""]
    if "jax" in backends and not JAX_PYTHON.exists():
        out += [f"JAX was not measured: there is no `.venv-jax`. Install it with `{INSTALL_JAX}`.", ""]
    if not runs:
        return out, True
    out += ["| notebook | " + " | ".join(f"{run['backend']} (s)" for run in runs) + " |", "|---|" + "---:|" * len(runs)]
    for name in sorted({name for run in runs for name in run["notebooks"]}):
        out.append(f"| {name} | " + " | ".join(run["notebooks"].get(name, "failed") for run in runs) + " |")
    out.append("| **whole command** | " + " | ".join(f"**{run['seconds']:.1f}**" for run in runs) + " |")
    out += ["| target | " + " | ".join(f"≤ {run['target']:.0f}: {YES[run['met']]}" for run in runs) + " |", ""]
    seconds = {run["backend"]: run["seconds"] for run in runs}
    if len(seconds) == 2:
        out += [f"JAX / TensorFlow, whole command: {seconds['jax'] / seconds['tensorflow']:.2f}.", ""]
    if "tensorflow" in backends:
        out.append(compare_rmses("the optimised notebooks of 2 vs the whole lesson on TensorFlow",
                                 scratch / "optimised", scratch / "lesson-tensorflow"))
    return out + [""], all(run["ok"] for run in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="windowing, notebooks 01 and 02; no whole-lesson runs")
    parser.add_argument("--notebooks", nargs="+", metavar="PREFIX", help="these notebooks instead of episodes 01-06")
    parser.add_argument("--no-readme", action="store_true", help="print the figures only; leave README.md alone")
    parser.add_argument("--backends", nargs="+", choices=["tensorflow", "jax"], default=["tensorflow", "jax"])
    args = parser.parse_args(argv)
    os.environ.pop(TF_THREADS_VARIABLE, None)  # each variant takes the threads it sets up (benchmarks/baseline.py)
    try:
        paths = lesson_notebooks(ROOT / "notebooks", QUICK if args.quick else args.notebooks or EPISODES)
    except ValueError as error:  # an unknown prefix: the message lists the notebooks
        parser.error(str(error))
    machine = describe_machine()
    print(f"Machine: {machine['CPU']}, {machine['cores']} cores, load {machine[LOAD_START]}", flush=True)
    print("\n1. Windowing", flush=True)
    out = windowing_section()
    with tempfile.TemporaryDirectory(prefix="lesson-benchmarks-") as folder:
        out += notebook_sections(paths, Path(folder))
        lesson, ok = ([], True) if args.quick or args.notebooks else lesson_section(args.backends, Path(folder))
    machine[LOAD_END] = " ".join(f"{load:.2f}" for load in os.getloadavg())
    command = " ".join(["python -m benchmarks.run_benchmarks", *(sys.argv[1:] if argv is None else argv)])
    head = [f"## Figures from `{command}`", "", "| machine | |", "|---|---|"]
    head += [f"| {key} | {value} |" for key, value in machine.items()] + [""]
    figures = "\n".join(head + out + lesson).strip() + "\n"
    print("\n" + figures)
    if not args.no_readme:  # replace what lies between the figures markers, keep the text around them
        before, _, rest = README.read_text(encoding="utf-8").partition(START)
        write_atomically(README, f"{before}{START}\n\n{figures}\n{END}{rest.partition(END)[2] or chr(10)}")
        print(f"Written: {README}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
