"""Run every Colab edition top to bottom in a Colab-like environment, as CI does after the other tests.

Usage:
    python -m tools colab-check                     # the environment in .venv-colab, then every edition
    python -m tools colab-check 00 03               # only these editions (10 needs the others' results)
    python -m tools colab-check --python python3.12 # the interpreter for the environment

The environment is made from the package index with Colab's versions (``COLAB_PINS``: Python 3.12,
TensorFlow 2.19, Keras 3.10, NumPy 2.0, pandas 2.2, ...), once, in ``.venv-colab`` (again when the pins
change). The project is NOT installed there: each edition's set-up cell installs ``helpers`` from the wheel
it carries, into a folder of its own (``PIP_TARGET``), as each Colab notebook does on a machine of its own.
A stand-in ``google.colab`` (``tools/colab_stub``) is on ``PYTHONPATH``; the data is read from a copy in a
folder named by ``LESSON_DATA_DIR`` (nothing is downloaded); ``LESSON_STRICT_CHECKS=1`` makes a check
verdict outside its measured range an error. The editions run two at a time with nbclient, notebook 10 last
(it reads the others' results through ``LESSON_RESULTS_DIR``), each in a fresh kernel of that environment.
The check fails on an error, on any TensorFlow log line in any output, and on any output to stderr (a
warning); it prints each edition's time and its set-up cell's. The executed editions are kept in
``_build/colab-check/`` for a look.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from helpers import PROJECT_ROOT as ROOT
from helpers.config import current
from helpers.data import FILENAME, verify_file
from helpers.files import write_atomically
from helpers.settings import (
    BACKEND_VARIABLE,
    DATA_VARIABLE,
    LESSON_VARIABLES,
    PIP_NO_INDEX_VARIABLE,
    PIP_TARGET_VARIABLE,
    PYDEVD_VALIDATION_VARIABLE,
    PYTHONPATH_VARIABLE,
    QUIET_TENSORFLOW,
    RESULTS_VARIABLE,
    STRICT_VARIABLE,
    XLA_FLAGS_VARIABLE,
)
from tools import venvs
from tools.colab import COMPARISON_PREFIX, SETUP_TAG, make_editions
from tools.notebooks import lesson_notebooks, notebook_client, write_notebook
from tools.runner import Stopped, environment, run_notebooks, start_order, thread_shares

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

VENV = ROOT / ".venv-colab"
STUB = ROOT / "tools" / "colab_stub"
OUTPUT = ROOT / "_build" / "colab-check"
KERNEL = "colab-like"
STAMP_NAME = ".installed"
COLAB_PYTHON = (3, 12)
TENSORFLOW = "tensorflow-cpu" if sys.platform == "linux" and os.uname().machine == "x86_64" else "tensorflow"
# Google Colab's versions in 2025-26 (its Python 3.12 runtime); tensorflow-cpu is the same code, smaller.
COLAB_PINS = [
    f"{TENSORFLOW}==2.19.0", "keras==3.10.0", "numpy==2.0.2", "pandas==2.2.2", "matplotlib==3.10.0",
    "seaborn==0.13.2", "scikit-learn==1.6.1", "pooch==1.8.2", "ipykernel==6.17.1", "ipython==7.34.0",
]
# What TensorFlow, absl and XLA write when they log, wider than helpers.quiet's filter on purpose.
TENSORFLOW_LOG = re.compile(
    r"absl::InitializeLog|XLA service|Compiled cluster using XLA|StreamExecutor device|oneDNN custom operations"
    r"|cpu_feature_guard|This TensorFlow binary is optimized|MLIR crash reproducer|Unable to register cu"
    r"|cuInit|^[IWEF]\d{4} \d\d:\d\d:|^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] ",
    flags=re.MULTILINE,
)
# Variables of the lesson's own set-up that a Colab runtime does not have: not passed to the kernels.
NOT_IN_COLAB = {PYTHONPATH_VARIABLE, "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH", BACKEND_VARIABLE, XLA_FLAGS_VARIABLE,
                *QUIET_TENSORFLOW}


class CheckError(Exception):
    """The Colab-like environment could not be made; the message says what to do."""


def python_version(python: Path) -> tuple[int, ...]:
    """The (major, minor) version of the interpreter ``python``; () when it does not run (``tools.venvs``'s).

    Example: ``python_version(Path("/usr/bin/python3.12"))  # (3, 12)``
    """
    return venvs.python_version(python)


def find_python(wanted: str | None = None) -> Path:
    """The Python 3.12 for the environment: ``wanted``, else python3.12 on the PATH, else pyenv's newest 3.12.

    Example: ``find_python()  # PosixPath('/root/.pyenv/versions/3.12.1/bin/python3.12')``
    """
    try:
        return venvs.find_python(wanted, oldest=COLAB_PYTHON, newest=COLAB_PYTHON)
    except venvs.VenvError as error:
        raise CheckError(f"{error} Colab runs Python 3.12.") from None


def ensure_environment(python: Path, folder: Path = VENV) -> Path:
    """Create ``folder`` with Colab's versions (``COLAB_PINS``) unless it holds them already; its Python.

    The folder is made again only where nothing is or where the tools made it (``tools.venvs``); the stamp is
    written last, so a set-up stopped half-way is made again next time.

    Example: ``ensure_environment(find_python())  # .venv-colab/bin/python``
    """
    interpreter, stamp = venvs.venv_python(folder), folder / STAMP_NAME
    wanted = "\n".join(COLAB_PINS) + "\n"
    if interpreter.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == wanted:
        return interpreter
    started = time.perf_counter()
    version = python_version(python)
    if version != COLAB_PYTHON:
        found = ".".join(str(part) for part in version) or "not a Python that runs"
        raise CheckError(f"{python} is {found}, not Colab's Python 3.12: name a 3.12 with --python.")
    print(f"Making the Colab-like environment in {folder.name}/ with {python} ...", flush=True)
    try:
        interpreter = venvs.make_venv(python, folder, stamps=(STAMP_NAME,), remedy="move it away")
    except venvs.VenvError as error:
        raise CheckError(str(error)) from None
    command = [str(interpreter), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *COLAB_PINS]
    if subprocess.call(command) != 0:
        raise CheckError(f"Installing {' '.join(COLAB_PINS)} failed (see pip's message above); check the "
                         f"connection to the package index, then run again: {folder.name}/ is made again.")
    write_atomically(stamp, wanted)  # last: a set-up stopped before this is made again next time
    print(f"Colab-like environment ready in {time.perf_counter() - started:.0f} s.", flush=True)
    return interpreter


def kernel_spec(python: Path, folder: Path) -> Path:
    """Write a kernel spec named ``colab-like`` for ``python`` under ``folder`` (a JUPYTER_PATH entry)."""
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True, exist_ok=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Colab-like (Python 3.12)",
                                                  "language": "python"}), encoding="utf-8")
    return folder


def kernel_environment(data: Path, results: Path, target: Path, threads: dict[str, str]) -> dict[str, str]:
    """The environment of one edition's kernel: this one's, less the lesson's set-up, plus the check's.

    Example: ``kernel_environment(Path("data"), Path("results"), Path("site-03"), {})["PIP_TARGET"]``
    """
    venv_bin = str(Path(sys.prefix) / "bin")
    env = {name: value for name, value in os.environ.items()
           if name not in NOT_IN_COLAB and name not in LESSON_VARIABLES}
    env["PATH"] = os.pathsep.join(part for part in env.get("PATH", "").split(os.pathsep) if part != venv_bin)
    env.update(threads)
    env.update({
        PYTHONPATH_VARIABLE: os.pathsep.join([str(STUB), str(target)]),  # the stand-in google.colab; helpers, once set up
        PIP_TARGET_VARIABLE: str(target), PIP_NO_INDEX_VARIABLE: "1",  # nothing from the index: Colab has it all
        PYDEVD_VALIDATION_VARIABLE: "1",  # ipykernel's debugger notice, out of the log
        DATA_VARIABLE: str(data), RESULTS_VARIABLE: str(results), STRICT_VARIABLE: "1",
    })
    return env


def _text(output) -> str:
    """All the text an output shows: a stream's, a result's plain text and Markdown, an error's."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join([f"{output.ename}: {output.evalue}", *output.traceback])
    data = output.get("data", {})
    return "\n".join(str(data.get(kind, "")) for kind in ("text/plain", "text/markdown", "text/html"))


def problems(notebook) -> list[str]:
    """What is wrong in an executed edition: errors, TensorFlow log lines, anything written to stderr.

    Example: ``problems(nbformat.read("_build/colab-check/03_simple_rnn-colab.ipynb", as_version=4))  # []``
    """
    found = []
    for number, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            text = _text(output)
            line = next((line for line in text.splitlines() if TENSORFLOW_LOG.search(line)), None)
            if line is not None:
                found.append(f"cell {number}: a TensorFlow log line: {line[:160]}")
            elif output.output_type == "stream" and output.name == "stderr":
                found.append(f"cell {number}: stderr: {text.strip()[:300]}")
            if output.output_type == "error":
                found.append(f"cell {number}: {output.ename}: {output.evalue[:300]}")
    return found


def _seconds(cell) -> float:
    """The time a cell took, from nbclient's timestamps."""
    timing = cell.metadata.get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start or not end:
        return float("nan")
    parse = lambda stamp: datetime.fromisoformat(stamp.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()


async def run_edition(path: Path, env: dict[str, str], folder: Path,
                      own_results: bool = True) -> tuple[float, float, list[str]]:
    """Execute one edition in a fresh colab-like kernel in ``folder``; its time, its set-up cell's, its problems.

    ``own_results``: notebook 10 must compare this run's results (the others ran first), not the committed
    ones. The executed edition is written to ``_build/colab-check/``.
    """
    notebook = nbformat.read(path, as_version=4)
    client = notebook_client(notebook, folder, timeout=1800, timing=True, kernel=KERNEL)
    started = time.perf_counter()
    found = []
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as kernel_log:
        try:
            await client.async_execute(env=env, stderr=kernel_log)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            kernel_log.seek(0)
            found.append(f"stopped: {str(error).strip().splitlines()[-1][:300] if str(error).strip() else error!r}")
            if isinstance(error, DeadKernelError):
                found.append("the kernel's last messages: " + "".join(kernel_log.readlines()[-20:]))
    elapsed = time.perf_counter() - started
    setup = next(cell for cell in notebook.cells if SETUP_TAG in cell.metadata.get("tags", []))
    said = "".join(output.get("text", "") for output in setup.get("outputs", []))
    if "installed the lesson's helpers from this notebook" not in said:
        found.append(f"the set-up cell did not install helpers from the notebook: {said.strip()[:300]!r}")
    if path.name.startswith(COMPARISON_PREFIX) and own_results and "committed run" in said:
        found.append("notebook 10 used the committed results, not this run's")
    found = list(dict.fromkeys([*problems(notebook), *found]))
    write_notebook(OUTPUT / path.name, notebook)
    return elapsed, _seconds(setup), found


# Without helpers, Colab's TensorFlow logs at its first XLA compile: the check must see that, or it sees nothing.
CANARY = """import numpy as np
import keras

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", jit_compile=True)
model.fit(np.zeros((8, 3)), np.zeros(8), epochs=1, verbose=0)
"""


async def canary(env: dict[str, str], folder: Path) -> list[str]:
    """Run a cell that trains with XLA *without* the lesson's helpers; the problems the check finds in it.

    On TensorFlow 2.19 these include its log lines: proof that the check would catch them in an edition.
    """
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CANARY)])
    client = notebook_client(notebook, folder, timeout=600, kernel=KERNEL)
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as kernel_log:
        await client.async_execute(env=env, stderr=kernel_log)
    return problems(notebook)


def run_all(paths: list[Path], python: Path, data_file: Path, jobs: int = 2) -> dict[str, tuple]:
    """Run the editions ``jobs`` at a time with the lesson's runner, notebook 10 after all the others;
    name -> (seconds, set-up, problems). Ctrl-C or SIGTERM stops every kernel and raises ``Stopped``.

    Example: ``run_all(editions, ensure_environment(find_python()), Path("data") / FILENAME)``
    """
    with tempfile.TemporaryDirectory(prefix="colab-check-") as scratch:
        scratch = Path(scratch)
        data, results = scratch / "data", scratch / "results"
        data.mkdir()
        shutil.copy2(data_file, data / FILENAME)
        threads = thread_shares(jobs)

        async def one(path: Path) -> tuple[float, float, list[str]]:
            name = path.name.removesuffix("-colab.ipynb")
            folder, target = scratch / name, scratch / name / "site-packages"
            target.mkdir(parents=True)
            env = kernel_environment(data, results, target, threads)
            return await run_edition(path, env, folder, own_results=len(paths) > 1)

        def said(path: Path, outcome: tuple[float, float, list[str]]) -> str:
            seconds, setup, found = outcome
            return f"{'done' if not found else 'FAILED'} in {seconds:.1f} s (set-up cell {setup:.1f} s)"

        (scratch / "canary" / "site-packages").mkdir(parents=True)
        # with the variables helpers sets, so what shows is what they do not stop: absl's and XLA's lines
        quiet = {**kernel_environment(data, results, scratch / "canary" / "site-packages", threads),
                 **QUIET_TENSORFLOW}
        report = lambda text: print(" ", text, flush=True)  # noqa: E731
        # the kernel spec "colab-like" is looked up in this process when a kernel starts: set for the run only
        with environment(JUPYTER_PATH=str(kernel_spec(python, scratch / "jupyter"))):
            found = run_notebooks([scratch / "canary.ipynb"], report=lambda text: None,
                                  work=lambda path: canary(quiet, scratch / "canary"))
            caught = [line for line in found[scratch / "canary.ipynb"] if "TensorFlow log line" in line]
            if not any(re.search("absl|XLA", line) for line in caught):
                raise CheckError("A cell that trains with XLA without the lesson's helpers showed no TensorFlow log "
                                 f"line here ({caught or 'no problems'}): the check could not tell a quiet edition "
                                 "from a noisy one. Has this TensorFlow stopped logging? Update TENSORFLOW_LOG.")
            print(f"  canary: without helpers, TensorFlow's log shows ({caught[0][:90]}...): the check sees it",
                  flush=True)
            outcome = run_notebooks(paths, jobs, report=report, work=one, describe=said)
    return {path.name: result for path, result in outcome.items()}


def main(argv: list[str] | None = None) -> int:
    """Command line: make the environment and the editions, run them, report; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="name prefixes of the notebooks (default: all)")
    parser.add_argument("--python", default=None, help="the Python 3.12 for the environment (default: found)")
    parser.add_argument("--jobs", type=int, default=2, help="editions at a time (default 2)")
    args = parser.parse_args(argv)
    try:
        python = ensure_environment(find_python(args.python))
        data_file = verify_file(current().data_dir / FILENAME)  # LESSON_DATA_DIR, by the configuration's rule
        notebooks = start_order(lesson_notebooks(ROOT / "notebooks", args.prefixes), args.jobs)
    except (CheckError, ValueError, RuntimeError, subprocess.CalledProcessError) as error:
        print(f"Colab check not run: {error}", file=sys.stderr)
        return 1
    versions = subprocess.run([str(python), "-c", "import sys, tensorflow as t, keras as k, numpy as n, pandas as p; "
                               "print(sys.version.split()[0], t.__version__, k.__version__, n.__version__, p.__version__)"],
                              capture_output=True, text=True, env={**os.environ, **QUIET_TENSORFLOW}).stdout.split()
    print("Colab-like: Python {}, TensorFlow {}, Keras {}, NumPy {}, pandas {}".format(*versions), flush=True)
    with tempfile.TemporaryDirectory(prefix="colab-editions-") as folder:
        started = time.perf_counter()
        editions = make_editions(notebooks, Path(folder))
        print(f"{len(editions)} editions built in {time.perf_counter() - started:.1f} s; running {args.jobs} at a "
              "time, 10 last:", flush=True)
        started = time.perf_counter()
        try:
            outcome = run_all(editions, python, data_file, args.jobs)
        except CheckError as error:
            print(f"Colab check failed: {error}", file=sys.stderr)
            return 1
        except Stopped as stop:
            print(f"Colab check stopped ({stop.name}): every kernel is stopped; the editions in {OUTPUT} are "
                  "those of the editions that had finished.", file=sys.stderr)
            return stop.status
    failed = {name: found for name, (_, _, found) in outcome.items() if found}
    print(f"\n{'edition':<36} {'time (s)':>9} {'set-up cell (s)':>16}")
    for name in sorted(outcome):
        seconds, setup, found = outcome[name]
        print(f"{name:<36} {seconds:>9.1f} {setup:>16.1f}{'  FAILED' if found else ''}")
    print(f"all editions: {time.perf_counter() - started:.0f} s wall time, {args.jobs} at a time")
    for name, found in failed.items():
        print(f"\n{name}:", *(f"  - {line}" for line in found), sep="\n", file=sys.stderr)
    print(f"\ncolab-check: {len(outcome) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
