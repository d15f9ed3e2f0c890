"""Run the whole lesson in learner mode with the newest releases pyproject.toml's ranges allow; fail on any warning.

Usage:
    python -m tools newest                        # .venv-newest, then every notebook, two at a time
    python -m tools newest --python python3.12    # the interpreter for the environment (default: this one)
    python -m tools newest 00 01 --fresh          # only these notebooks; the environment made again first

The environment ``.venv-newest`` gets ``pip install --upgrade --upgrade-strategy eager -e .`` (the project's
ranges, none of requirements.txt's pins) and ipykernel, nbclient and nbformat, unpinned; it is made again when
pyproject.toml, the interpreter or the day changes. Its ``pip freeze`` is written last, as the stamp, and the
folder is deleted only when that stamp or the marker written when it was made shows that this tool made it.
The notebooks run with ``tools.run_lesson`` in that environment, copies into a temporary folder (notebooks/ and
results/ are left alone), ``LESSON_STRICT_CHECKS`` unset as in a learner's Jupyter. The check fails on an error,
anything on stderr, a warning ("Warning", "warning:", "Deprecat") in any output, and a check verdict that tells a
learner something is off ("... than the check accepts"); it lists each with its notebook and code cell.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from helpers import PROJECT_ROOT as ROOT
from helpers.files import write_atomically
from helpers.settings import DATA_VARIABLE, QUIET_PIP, QUIET_TENSORFLOW, RESULTS_VARIABLE, STRICT_VARIABLE
from tools import venvs
from tools.notebooks import lesson_notebooks

import nbformat

VENV = ROOT / ".venv-newest"
STAMP_NAME = ".newest-freeze"  # the fingerprint, then `pip freeze`: written last, once everything is installed
MARKER_NAME = ".made-by-tools-newest"  # the marker of older versions; tools.venvs writes its own now
RUNNER_PACKAGES = ["ipykernel", "nbclient", "nbformat"]  # what running the notebooks needs, unpinned
VERSIONS = ["tensorflow-cpu", "tensorflow", "keras", "numpy", "pandas", "scikit-learn", "matplotlib"]
WARNING_WORDS = ("Warning", "warning:", "Deprecat")  # "...: FutureWarning: ...", "DeprecationWarning", ...
# What a learner reads as "something is wrong": a number outside the measured range (helpers.checks), and a
# check or debrief with nothing to compare with (helpers.checks, helpers.debrief).
VERDICTS = ("than the check accepts", "No measured range to compare with", "No debrief yet")
FINISHED = re.compile(r"(\d\d_\S+\.ipynb)\s+ok in ([\d.]+) s")  # tools.run_lesson's line for a finished notebook


class NewestError(Exception):
    """The environment could not be made or the lesson not run; the message says what to do."""


@dataclass(frozen=True)
class Problem:
    """One offending output line: the notebook, its code cell (1-based, as tools.run_lesson counts) and the text."""

    notebook: str
    cell: int
    text: str


def clear_folder(folder: Path) -> None:
    """Delete ``folder`` for a new environment, but only if missing, empty or made by the tools; else refuse.

    Example: ``clear_folder(VENV)``
    """
    try:
        venvs.clear_folder(folder, stamps=(STAMP_NAME, MARKER_NAME), remedy="move it away")
    except venvs.VenvError as error:
        raise NewestError(str(error)) from None


def find_python(wanted: str) -> Path:
    """The interpreter ``--python`` names, if it is a Python 3.11-3.13 that runs; else NewestError saying so.

    Example: ``find_python("python3.12")``
    """
    try:
        return venvs.find_python(wanted)
    except venvs.VenvError as error:
        raise NewestError(str(error)) from None


def fingerprint(python: Path, today: date | None = None) -> str:
    """What the environment is made from: pyproject.toml, the interpreter, the packages and the day (newest daily)."""
    try:
        version = subprocess.run([str(python), "-c", "import sys; print(sys.version)"], capture_output=True,
                                 text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        raise NewestError(f"{python} does not run: name a Python 3.11-3.13 with --python.") from None
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    for part in (str(Path(python).resolve()), version, " ".join(RUNNER_PACKAGES), str(today or date.today())):
        digest.update(part.encode())
    return digest.hexdigest()


def ensure_environment(python: Path, folder: Path = VENV, fresh: bool = False) -> Path:
    """Make ``folder`` with the newest releases (or reuse it while its stamp matches); its Python."""
    interpreter, stamp = venvs.venv_python(folder), folder / STAMP_NAME
    wanted = fingerprint(python)
    if not fresh and interpreter.exists() and stamp.is_file() and stamp.read_text().startswith(f"# {wanted}\n"):
        print(f"Reusing {folder.name}/ (made today from this pyproject.toml and {python}).", flush=True)
        return interpreter
    clear_folder(folder)  # before saying anything: a folder the tools did not make is refused, untouched
    print(f"Making {folder.name}/ with {python}: the newest releases pyproject.toml allows ...", flush=True)
    try:
        interpreter = venvs.make_venv(python, folder, stamps=(STAMP_NAME, MARKER_NAME), remedy="move it away")
    except venvs.VenvError as error:
        raise NewestError(f"{error} Or name another Python 3.11-3.13 with --python.") from None
    pip = [str(interpreter), "-m", "pip", "install", "--quiet", "--upgrade"]
    for step in (pip + ["pip"], pip + ["--upgrade-strategy", "eager", "-e", str(ROOT), *RUNNER_PACKAGES]):
        if subprocess.call(step, cwd=ROOT, env={**os.environ, **QUIET_PIP}) != 0:
            raise NewestError(f"`{' '.join(step[1:])}` failed (see pip's message above): check the connection to "
                              "the package index, or whether the newest releases still install together, then rerun.")
    frozen = subprocess.run([str(interpreter), "-m", "pip", "freeze"], capture_output=True, text=True, check=True)
    write_atomically(stamp, f"# {wanted}\n{frozen.stdout}")  # last: a set-up stopped before it is made again
    return interpreter


def versions(python: Path) -> dict[str, str]:
    """Python's version and the installed versions of ``VERSIONS`` in the environment of ``python``."""
    code = ("import json, sys\nfrom importlib.metadata import version, PackageNotFoundError\nfound = {'python': "
            "sys.version.split()[0]}\nfor name in sys.argv[1:]:\n    try: found[name] = version(name)\n"
            "    except PackageNotFoundError: pass\nprint(json.dumps(found))")
    done = subprocess.run([str(python), "-c", code, *VERSIONS], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def output_text(output) -> str:
    """The text an output shows: a stream's, an error's name and message, a result's plain text and Markdown."""
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return f"{output.ename}: {output.evalue}"
    data = output.get("data", {})
    return "\n".join(str(data[kind]) for kind in ("text/plain", "text/markdown") if kind in data)


def scan(notebook, name: str) -> list[Problem]:
    """Every error, stderr output, warning line and worrying check verdict in an executed notebook."""
    found: list[Problem] = []
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        for output in cell.get("outputs", []):
            text = output_text(output)
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            flagged = [line for line in lines if any(word in line for word in WARNING_WORDS + VERDICTS)]
            if output.output_type == "error":
                found.append(Problem(name, number, f"error: {text.strip()[:300]}"))
            elif output.output_type == "stream" and output.name == "stderr" and not flagged:
                found.append(Problem(name, number, f"stderr: {lines[0][:300] if lines else repr(text)}"))
            if output.output_type != "error":
                found += [Problem(name, number, line[:300]) for line in flagged]
    return list(dict.fromkeys(found))


def kernel_spec(python: Path, folder: Path) -> Path:
    """A ``python3`` kernel spec for ``python`` under ``folder``, for JUPYTER_PATH: the kernels run there, surely."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3 (newest releases)",
                                                  "language": "python"}))
    return folder


def run_lesson(python: Path, scratch: Path, prefixes: list[str], jobs: int) -> tuple[int, dict[str, float]]:
    """Run tools.run_lesson with ``python`` in learner mode, copies into ``scratch``; status, seconds by notebook."""
    env = {name: value for name, value in os.environ.items() if name not in (STRICT_VARIABLE, "VIRTUAL_ENV")}
    env.update(QUIET_TENSORFLOW)
    env.update({RESULTS_VARIABLE: str(scratch / "results"), DATA_VARIABLE: str(ROOT / "data"),
                "JUPYTER_PATH": str(kernel_spec(python, scratch / "jupyter")),
                "PATH": os.pathsep.join([str(python.parent), env.get("PATH", "")])})
    command = [str(python), "-m", "tools.run_lesson", "--output-dir", str(scratch / "executed"), "--jobs", str(jobs),
               *prefixes]
    seconds: dict[str, float] = {}
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as runner:
        for line in runner.stdout:
            print(line, end="", flush=True)
            if match := FINISHED.search(line):
                seconds[match[1]] = float(match[2])
    return runner.returncode, seconds


def check_kernel(notebook, pandas: str) -> list[str]:
    """Problems if the set-up check's output does not show this environment's pandas (the kernel ran elsewhere)."""
    shown = re.findall(r"^pandas\s+(\S+)", "\n".join(output_text(output) for cell in notebook.cells
                                                     for output in cell.get("outputs", [])), flags=re.MULTILINE)
    if shown == [pandas]:
        return []
    return [f"the set-up check shows pandas {shown or 'nowhere'}, the environment has {pandas}: the kernels did not "
            f"run in {VENV.name}/ (a python3 kernel spec elsewhere on JUPYTER_PATH?)"]


def main(argv: list[str] | None = None) -> int:
    """Command line: make the environment, run the lesson, scan and report; the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="name prefixes of notebooks (default: all; 10 needs the others)")
    parser.add_argument("--python", type=Path, default=Path(sys.executable), help="interpreter for the environment")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks at a time (default 2)")
    parser.add_argument("--fresh", action="store_true", help="make the environment again even if its stamp matches")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        paths = lesson_notebooks(ROOT / "notebooks", args.prefixes)
        python = ensure_environment(find_python(str(args.python)), fresh=args.fresh)
    except (NewestError, ValueError, OSError, subprocess.CalledProcessError) as error:
        print(f"newest: not run: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nnewest: set-up interrupted; run the command again: {VENV.name}/ is made again.", file=sys.stderr)
        return 130
    got = versions(python)
    setup_seconds = time.perf_counter() - started
    print("Newest releases: " + ", ".join(f"{name} {version}" for name, version in got.items()), flush=True)
    print(f"Environment ready in {setup_seconds:.0f} s; running {len(paths)} notebooks, {args.jobs} at a time, "
          "in learner mode ...", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="newest-") as folder:
        status, seconds = run_lesson(python, Path(folder), args.prefixes, args.jobs)
        lesson_seconds = time.perf_counter() - started
        found: list[Problem] = []
        for path in paths:
            copy = Path(folder) / "executed" / path.name
            if not copy.exists():
                found.append(Problem(path.name, 0, "not run: the runner stopped (its message is above)"))
                continue
            executed = nbformat.read(copy, as_version=4)
            found += scan(executed, path.name)
            if path.name.startswith("00") and "pandas" in got:
                found += [Problem(path.name, 0, text) for text in check_kernel(executed, got["pandas"])]
    print(f"\n{'notebook':<28} {'seconds':>8} {'problems':>9}")
    for path in paths:
        count = sum(problem.notebook == path.name for problem in found)
        print(f"{path.name:<28} {seconds.get(path.name, float('nan')):>8.1f} {count:>9}")
    print(f"environment {setup_seconds:.0f} s, lesson {lesson_seconds:.0f} s ({args.jobs} at a time)")
    for problem in found:
        where = f"code cell {problem.cell}" if problem.cell else "notebook"
        print(f"{problem.notebook}, {where}: {problem.text}", file=sys.stderr)
    if found or status != 0:
        print(f"\nnewest: {len(found)} problem(s) with {', '.join(f'{n} {v}' for n, v in got.items())}. Each line "
              "above names the notebook and code cell; fix the notebook or helper there (or narrow "
              "pyproject.toml's range if a release is at fault).", file=sys.stderr)
        return 1
    print("\nnewest: clean, no warnings, errors or worrying check verdicts.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
