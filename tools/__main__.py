"""The lesson's one way in, the same on Windows, macOS and Linux: set up, then run a command.

    python3 -m tools lesson      (Windows: py -m tools lesson)   run every notebook, print the results
    python3 -m tools test        (Windows: py -m tools test)     unit tests, then nbval over every notebook
    python3 -m tools test --fast                                 the unit tests that need no kernel, browser or training

Run it from the project folder with Python 3.11, 3.12 or 3.13. Each command first makes sure that the
virtual environment ``.venv`` (or ``$LESSON_VENV``) exists and holds the pinned packages (installed again when
requirements.txt or pyproject.toml changed) and that the data file is in ``data/`` (downloaded once,
checked against its sha256), then runs inside that environment. Other commands: ``learner`` (learner
copies), ``seed-spread`` (the seed-spread study), ``benchmark``, ``site`` (the website, into
``_build/html``), ``colab`` (Colab editions into ``colab/``), ``colab-check`` (every edition run in a Colab-like
environment, ``.venv-colab``), ``setup`` (set-up only). ``test`` and ``site`` also install the ``docs`` extra. Words after
the command go to the tool it runs, e.g. ``python3 -m tools lesson 03 --jobs 1``. With
``KERAS_BACKEND=jax`` the lesson runs on JAX, and the set-up installs the pinned jax and jaxlib too.

This file uses the standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

# helpers' __init__ and settings use the standard library only
from helpers.settings import BACKEND_VARIABLE, QUIET_PIP, QUIET_TENSORFLOW, STRICT_VARIABLE, VENV_VARIABLE

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / os.environ.get(VENV_VARIABLE, ".venv")  # CI keeps one environment per Python version
STAMP_NAME = ".installed"
OLDEST_PYTHON, NEWEST_PYTHON = (3, 11), (3, 13)  # the supported range: TensorFlow 2.21 and the pins install on these
SUPPORTED = (OLDEST_PYTHON, NEWEST_PYTHON)  # the old name, still read by tests/test_requirements.py
BACKENDS = ("tensorflow", "jax")  # jax: the pins of pyproject.toml's `jax` extra are installed too
QUIET = {**QUIET_TENSORFLOW, **QUIET_PIP}  # for every command this file runs

# command -> (arguments for the environment's Python, extra environment variables)
COMMANDS: dict[str, list[tuple[list[str], dict[str, str]]]] = {
    "setup": [],
    "lesson": [(["-m", "tools.run_lesson"], {})],
    "learner": [(["-m", "tools.make_learner_copies"], {})],
    "seed-spread": [(["-m", "benchmarks.seed_spread"], {})],
    "benchmark": [(["-m", "benchmarks.run_benchmarks"], {})],
    "site": [(["-m", "tools.site"], {})],
    "colab": [(["-m", "tools.colab"], {})],  # Colab editions, into colab/
    "colab-check": [(["-m", "tools.colab_check"], {})],  # every edition run in a Colab-like environment
    "newest": [(["-m", "tools.newest"], {})],  # the lesson in learner mode with the newest releases, no warnings
    # a result outside the range measured over seeds fails here; learners get plain words instead
    "test": [(["-m", "pytest", "tests"], {STRICT_VARIABLE: "1"}),
             # results into a staging folder of the run's own (tests/nbval_results.py), 10 last
             (["-m", "pytest", "notebooks", "--nbval", "--nbval-current-env", "-p", "tests.nbval_results",
               "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"], {STRICT_VARIABLE: "1"})],
}


# command -> the optional extras of pyproject.toml it needs on top of requirements.txt
EXTRAS = {"test": ("docs", "checks"), "site": ("docs",)}  # the website and its browser test; lint


class SetupError(Exception):
    """A problem the person at the keyboard can fix; the message says how."""


def check_python(version: tuple[int, int] = sys.version_info[:2]) -> None:
    """Refuse a Python outside ``OLDEST_PYTHON`` .. ``NEWEST_PYTHON`` (3.11-3.13), saying what to install.

    Example: ``check_python((3, 12))``
    """
    low, high = OLDEST_PYTHON, NEWEST_PYTHON
    if not low <= tuple(version[:2]) <= high:
        found = ".".join(str(part) for part in version)
        raise SetupError(
            f"Python {found} found; the lesson needs Python {low[0]}.{low[1]} to {high[0]}.{high[1]} (TensorFlow 2.21). "
            "Install Python 3.12 (python.org, or conda), then run this command with it, e.g. "
            "`py -3.12 -m tools lesson` on Windows or `python3.12 -m tools lesson` elsewhere. "
            "No suitable Python on this computer (an Intel Mac, Windows on Arm)? Use Google Colab: see README.md."
        )


def venv_python(folder: Path = VENV, windows: bool | None = None) -> Path:
    """The Python of the virtual environment: ``Scripts\\python.exe`` on Windows, ``bin/python`` elsewhere.

    Example: ``venv_python(Path(".venv"), windows=True)  # .venv/Scripts/python.exe``
    """
    if windows is None:
        windows = os.name == "nt"
    return folder / "Scripts" / "python.exe" if windows else folder / "bin" / "python"


def backend() -> str:
    """The Keras backend the commands will use: ``$KERAS_BACKEND``, TensorFlow when unset.

    Example: ``backend()  # 'jax' after `export KERAS_BACKEND=jax```
    """
    name = os.environ.get(BACKEND_VARIABLE, "").strip().lower() or "tensorflow"
    if name not in BACKENDS:
        raise SetupError(f"{BACKEND_VARIABLE}={name!r} is not one the lesson runs on: use {' or '.join(BACKENDS)}, "
                         "or unset it.")
    return name


def requirements_digest(root: Path = ROOT, keras_backend: str = "tensorflow") -> str:
    """A fingerprint of what is installed: requirements.txt and pyproject.toml, byte for byte, and the backend."""
    digest = hashlib.sha256(keras_backend.encode())
    for name in ("requirements.txt", "pyproject.toml"):
        digest.update((root / name).read_bytes())
    return digest.hexdigest()


def run(arguments: list[str], extra_env: dict[str, str] | None = None) -> int:
    """Run a command in the project folder with the lesson's environment variables; its exit status."""
    env = {**os.environ, **QUIET, **(extra_env or {})}
    return subprocess.call(arguments, cwd=ROOT, env=env)


def _stamped(stamp: Path) -> tuple[str, set[str]]:
    """The digest and the extras that the stamp says are installed (empty when there is no stamp)."""
    if not stamp.exists():
        return "", set()
    lines = stamp.read_text(encoding="utf-8").splitlines() or [""]
    extras = {name for line in lines[1:] if line.startswith("extras:") for name in line[7:].split(",") if name.strip()}
    return lines[0].strip(), {name.strip() for name in extras}


def ensure_environment(folder: Path = VENV, extras: tuple[str, ...] = ()) -> Path:
    """Create the virtual environment and install the pins (and ``extras``) if missing or outdated; its Python.

    Example: ``ensure_environment(extras=("docs",))  # what `test` and `site` need``
    """
    python = venv_python(folder)
    stamp = folder / STAMP_NAME
    keras_backend = backend()
    wanted = requirements_digest(keras_backend=keras_backend)
    wanted_extras = set(extras) | ({"jax"} if keras_backend == "jax" else set())  # jax: the pinned jax and jaxlib
    digest, installed = _stamped(stamp)
    fresh = python.exists() and digest == wanted
    if fresh and wanted_extras <= installed:
        return python
    steps = []
    if not fresh:
        if not python.exists():
            print(f"Creating the virtual environment in {folder.name}/ ...", flush=True)
            venv.EnvBuilder(with_pip=True, clear=folder.exists()).create(folder)
        print("Installing the pinned packages (the first time takes a few minutes) ...", flush=True)
        installed = set()
        steps = [
            [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
            [str(python), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
            [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", "."],
        ]
    missing = sorted(wanted_extras - installed)
    if missing:  # the pins of pyproject.toml's optional extras, e.g. the website's tools for `docs`
        print(f"Installing the extras {', '.join(missing)} ...", flush=True)
        steps.append([str(python), "-m", "pip", "install", "--quiet", "-e", f".[{','.join(missing)}]"])
    for step in steps:
        if run(step) != 0:
            raise SetupError(
                f"`{' '.join(step[1:])}` failed (see pip's message above). Check the internet connection, "
                f"then run the command again; to start afresh, delete the {folder.name} folder first."
            )
    extras_line = f"extras:{','.join(sorted(installed | wanted_extras))}\n" if installed | wanted_extras else ""
    stamp.write_text(wanted + "\n" + extras_line, encoding="utf-8")
    return python


def ensure_data(python: Path) -> None:
    """Download and verify the data file unless it is already there (helpers.data does both)."""
    code = (
        "import sys\n"
        "from helpers.data import WeatherDataError, fetch_weather_file\n"
        "try:\n    print('data:', fetch_weather_file())\n"
        "except WeatherDataError as problem:\n    sys.exit(str(problem))  # the message alone: it says what to do\n"
    )
    if run([str(python), "-c", code]) != 0:
        raise SetupError("The data is not ready; the message above says what to do.")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"Unknown command {command!r}. Commands: {', '.join(COMMANDS)}.", file=sys.stderr)
        return 2
    try:
        check_python()
        python = ensure_environment(extras=EXTRAS.get(command, ()))
        ensure_data(python)
    except SetupError as error:
        print(f"\n{error}", file=sys.stderr)
        return 1
    steps, both, unit_only = COMMANDS[command], rest, []
    if command == "test":
        steps, both, unit_only = test_steps(rest)
    for number, (arguments, extra_env) in enumerate(steps):
        status = run([str(python), *arguments, *both, *(unit_only if number == 0 else [])], extra_env)
        if status != 0:
            return status
    return 0


def test_steps(words: list[str]) -> tuple[list, list[str], list[str]]:
    """The test command's runs, the words for every run and the words for the unit tests only.

    ``--fast``: the unit tests that need no kernel, browser or training (pytest's ``-m "not slow"``), no nbval.
    Words after ``--`` reach only the unit-test run; other words reach both runs.

    Example: ``test_steps(["--fast", "--", "-k", "windows"])``
    """
    before, _, after = (words[:words.index("--")], "--", words[words.index("--") + 1:]) if "--" in words \
        else (words, "", [])
    fast = "--fast" in before
    before = [word for word in before if word != "--fast"]
    unit, notebooks = COMMANDS["test"]
    if fast:
        return [([*unit[0], "-m", "not slow"], unit[1])], before, after
    return [unit, notebooks], before, after


if __name__ == "__main__":
    sys.exit(main())
