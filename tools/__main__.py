"""The lesson's one way in, the same on Windows, macOS and Linux: set up, then run a command.

    python3 -m tools lesson      (Windows: py -m tools lesson)   run every notebook, print the results
    python3 -m tools test        (Windows: py -m tools test)     unit tests, then nbval over every notebook
    python3 -m tools test --fast                                 the unit tests that need no kernel, browser or training

Run it from the project folder with Python 3.11, 3.12 or 3.13. Each command first makes sure that the
virtual environment ``.venv`` (or ``$LESSON_VENV``) exists and holds the pinned packages (installed again when
requirements.txt or pyproject.toml changed; a set-up stopped half-way, or an environment that lost a pinned package,
is repaired, and says so) and that the data file is in ``data/`` (downloaded once,
checked against its sha256), then runs inside that environment. Other commands: ``learner`` (learner
copies), ``seed-spread`` (the seed-spread study), ``benchmark``, ``site`` (the website, into
``_build/html``), ``colab`` (Colab editions into ``colab/``), ``colab-check`` (every edition run in a Colab-like
environment, ``.venv-colab``), ``newest`` (the lesson with the newest releases), ``adding`` (what adding a model
or an episode takes), ``setup`` (set-up only). ``test`` and ``site`` also install the ``docs`` extra. Words after
the command go to the tool it runs, e.g. ``python3 -m tools lesson 03 --jobs 1``. With
``KERAS_BACKEND=jax`` the lesson runs on JAX, and the set-up installs the pinned jax and jaxlib too. Ctrl-C or
SIGTERM (an editor's stop button) reaches the command, which is waited for: nothing is left running on its own.
An environment folder is made only where nothing is, or where these tools made one (``tools/venvs.py``).

This file uses the standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

# helpers' __init__, config, files and settings, and tools.venvs, use the standard library only
from helpers.config import FALSE_WORDS, TRUE_WORDS, Config, ConfigError
from helpers.files import write_atomically
from helpers.settings import (
    BACKEND_VARIABLE,
    BROWSER_VARIABLE,
    QUIET_PIP,
    QUIET_TENSORFLOW,
    STRICT_VARIABLE,
    VENV_VARIABLE,
)
from tools.venvs import (
    NEWEST_PYTHON,
    OLDEST_PYTHON,
    VenvError,
    folder_from_environ,
    has_pip,
    made_by_tools,
    make_venv,
    missing_pins,
    venv_python,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_VENV = ".venv"  # or $LESSON_VENV: CI keeps one environment per Python version
STAMP_NAME = ".installed"  # the digest and the extras installed: written last, once everything is
SUPPORTED = (OLDEST_PYTHON, NEWEST_PYTHON)  # the old name, still read by tests/test_requirements.py
BACKENDS = ("tensorflow", "jax")  # jax: the pins of pyproject.toml's `jax` extra are installed too
QUIET = {**QUIET_TENSORFLOW, **QUIET_PIP}  # for every command this file runs

# command -> (arguments for the environment's Python, extra environment variables)
COMMANDS: dict[str, list[tuple[list[str], dict[str, str]]]] = {
    "setup": [],
    "lesson": [(["-m", "tools.launch", "tools.run_lesson"], {})],
    "learner": [(["-m", "tools.launch", "tools.make_learner_copies"], {})],
    "seed-spread": [(["-m", "tools.launch", "benchmarks.seed_spread"], {})],
    "benchmark": [(["-m", "tools.launch", "benchmarks.run_benchmarks"], {})],
    "site": [(["-m", "tools.launch", "tools.site"], {})],
    "colab": [(["-m", "tools.launch", "tools.colab"], {})],  # Colab editions, into colab/
    "colab-check": [(["-m", "tools.launch", "tools.colab_check"], {})],  # every edition in a Colab-like environment
    # the lesson in learner mode with the newest releases, no warnings
    "newest": [(["-m", "tools.launch", "tools.newest"], {})],
    "adding": [(["-m", "tools.launch", "tools.adding"], {})],  # what adding a model or an episode takes
    # a result outside the range measured over seeds fails here; learners get plain words instead
    "test": [(["-m", "pytest", "tests"], {STRICT_VARIABLE: "1"}),
             # results into a staging folder of the run's own (tools/nbval_plugin.py), 10 last
             (["-m", "pytest", "notebooks", "--nbval", "--nbval-current-env", "-p", "tools.nbval_plugin",
               "--nbval-sanitize-with", "tools/nbval_sanitize.cfg"], {STRICT_VARIABLE: "1"})],
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


def venv_folder(environ: Mapping[str, str] | None = None, root: Path = ROOT) -> Path:
    """The environment's folder: ``$LESSON_VENV`` (relative to the project folder), ``.venv`` when unset or empty.

    Example: ``venv_folder({"LESSON_VENV": ".venv-3.13"})  # ROOT / '.venv-3.13'``
    """
    try:
        return folder_from_environ(VENV_VARIABLE, DEFAULT_VENV, root, environ)
    except VenvError as error:
        raise SetupError(str(error)) from None


def check_variables(environ: Mapping[str, str] | None = None, root: Path = ROOT) -> None:
    """Refuse junk in the variables the lesson reads, before anything is installed, naming what to set.

    Example: ``check_variables({"LESSON_SEED": "seven"})  # SetupError: LESSON_SEED='seven' is not a seed ...``
    """
    environ = os.environ if environ is None else environ
    try:
        Config.from_environ(environ, root)
    except ConfigError as error:
        raise SetupError(str(error)) from None
    venv_folder(environ, root)
    backend(environ)
    browser = environ.get(BROWSER_VARIABLE, "").strip().lower()
    if browser and browser not in TRUE_WORDS + FALSE_WORDS:
        raise SetupError(f"{BROWSER_VARIABLE}={browser!r} is neither on nor off: set it to 1 (the website's browser "
                         "test must run) or 0, or unset it (the test is skipped where no browser is installed).")


def backend(environ: Mapping[str, str] | None = None) -> str:
    """The Keras backend the commands will use: ``$KERAS_BACKEND``, TensorFlow when unset or empty.

    Example: ``backend({"KERAS_BACKEND": "jax"})  # 'jax'``
    """
    environ = os.environ if environ is None else environ
    name = environ.get(BACKEND_VARIABLE, "").strip().lower() or "tensorflow"
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


class Stopped(Exception):
    """A command was stopped by Ctrl-C or SIGTERM, passed on to it; ``status`` is its exit status."""

    def __init__(self, status: int, number: int, killed: bool = False) -> None:
        super().__init__(f"stopped by {signal.Signals(number).name}")
        self.status, self.number, self.killed = status, number, killed  # killed: ended by the signal itself


# The signals passed on to a command: Ctrl-C, SIGTERM (an editor's stop button) and, on POSIX, SIGHUP (the
# terminal closed). Ended by any of them, the entry waits for the command, so that nothing runs on unattended.
PASSED_ON = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


def _own_group() -> dict:
    """Popen's options that start a command in a process group of its own (POSIX): a Ctrl-C typed in the terminal,
    or a signal sent to this process's group, then reaches the command once, passed on by this process, never
    twice. Windows gives a console's Ctrl-C to every process attached to it, so there the command stays attached.

    Example: ``subprocess.Popen(arguments, **_own_group())``
    """
    return {"process_group": 0} if os.name == "posix" else {}


@contextlib.contextmanager
def _passing_on_signals(child: subprocess.Popen) -> Iterator[list[int]]:
    """While the block runs, pass SIGINT and SIGTERM on to ``child``; yields the signals received.

    On POSIX the child runs in a process group of its own (``_own_group``), so each signal reaches it once, from
    here; on Windows a console's Ctrl-C reaches it by itself, and only other signals are passed on.
    """
    received: list[int] = []

    def pass_on(number: int, frame: object) -> None:
        received.append(number)
        if os.name == "nt" and number == signal.SIGINT:
            return
        with contextlib.suppress(OSError, ValueError):  # gone already; or a signal Windows cannot send
            child.send_signal(number)

    saved = {}
    with contextlib.suppress(ValueError):  # not the main thread: signals stay as they are
        for number in PASSED_ON:
            saved[number] = signal.signal(number, pass_on)
    try:
        yield received
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def run(arguments: list[str], extra_env: dict[str, str] | None = None) -> int:
    """Run a command in the project folder with the lesson's environment variables; its exit status.

    Ctrl-C and SIGTERM are passed on to the command and waited for (no command is left running on its own);
    then ``Stopped`` carries the command's exit status (128 + the signal's number if the signal ended it).

    Example: ``run([str(python), "-m", "tools.run_lesson", "03"])``
    """
    env = {**os.environ, **QUIET, **(extra_env or {})}
    child = subprocess.Popen(arguments, cwd=ROOT, env=env, **_own_group())
    with _passing_on_signals(child) as received:
        status = child.wait()
    if received:
        raise Stopped(128 - status if status < 0 else status, received[-1], killed=status < 0)
    return 128 - status if status < 0 else status


def _stamped(stamp: Path) -> tuple[str, set[str]]:
    """The digest and the extras that the stamp says are installed (empty when there is no stamp)."""
    if not stamp.exists():
        return "", set()
    lines = stamp.read_text(encoding="utf-8").splitlines() or [""]
    extras = {name for line in lines[1:] if line.startswith("extras:") for name in line[7:].split(",") if name.strip()}
    return lines[0].strip(), {name.strip() for name in extras}


def _health(folder: Path, python: Path, stamp: Path, digest: str, wanted: str) -> str:
    """What is wrong with the environment in ``folder``, in a few words; "" when it holds the pins of ``wanted``."""
    if not python.exists():
        return "missing" if not folder.exists() or not any(folder.iterdir()) else "half-made"
    if digest != wanted:
        return "unfinished" if not stamp.exists() else "outdated"
    wrong = missing_pins(python, ROOT / "requirements.txt")
    if wrong is None:
        return "half-made"
    return f"lacks {', '.join(wrong[:3])}{' ...' if len(wrong) > 3 else ''}" if wrong else ""


def ensure_environment(folder: Path | None = None, extras: tuple[str, ...] = (), python: Path | None = None) -> Path:
    """Make the environment ``folder`` (default ``venv_folder()``) hold the pins and ``extras``, repairing it; its Python.

    The stamp is written last: a set-up stopped half-way is finished next time, an environment whose Python
    does not run is made again (only where the tools made it), one that lacks a pinned package gets the pins
    again; each says so in one line. ``python`` makes a new environment (default: the one running this).

    Example: ``ensure_environment(extras=("docs",))  # what `test` and `site` need``
    """
    folder = venv_folder() if folder is None else Path(folder)
    interpreter, stamp = venv_python(folder), folder / STAMP_NAME
    keras_backend = backend()
    wanted = requirements_digest(keras_backend=keras_backend)
    wanted_extras = set(extras) | ({"jax"} if keras_backend == "jax" else set())  # jax: the pinned jax and jaxlib
    digest, installed = _stamped(stamp)
    health = _health(folder, interpreter, stamp, digest, wanted)
    if not health and wanted_extras <= installed:
        return interpreter
    steps = []
    if health:
        if health in ("missing", "half-made") or not has_pip(interpreter):
            if health == "missing":
                print(f"Creating the virtual environment in {folder.name}/ ...", flush=True)
            elif made_by_tools(folder, (STAMP_NAME,)):  # any other folder is refused below, untouched
                print(f"{folder.name}/ is half-made (a set-up stopped early?): making it again ...", flush=True)
            try:
                make_venv(python or Path(sys.executable), folder, stamps=(STAMP_NAME,),
                          remedy=f"set {VENV_VARIABLE} to a new folder's name (e.g. {VENV_VARIABLE}={DEFAULT_VENV}-2), "
                                 f"or unset it for {DEFAULT_VENV}")
            except VenvError as error:
                raise SetupError(str(error)) from None
        elif health == "unfinished":
            print(f"The last set-up of {folder.name}/ did not finish: finishing it ...", flush=True)
        elif health.startswith("lacks"):
            print(f"{folder.name}/ {health} (removed or changed?): installing the pinned packages again ...", flush=True)
        print("Installing the pinned packages (the first time takes a few minutes) ...", flush=True)
        installed = set()
        steps = [
            [str(interpreter), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
            [str(interpreter), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
            [str(interpreter), "-m", "pip", "install", "--quiet", "--no-deps", "-e", "."],
        ]
    missing = sorted(wanted_extras - installed)
    if missing:  # the pins of pyproject.toml's optional extras, e.g. the website's tools for `docs`
        print(f"Installing the extras {', '.join(missing)} ...", flush=True)
        steps.append([str(interpreter), "-m", "pip", "install", "--quiet", "-e", f".[{','.join(missing)}]"])
    for step in steps:
        if run(step) != 0:
            raise SetupError(
                f"`{' '.join(step[1:])}` failed (see pip's message above). Check the internet connection, "
                f"then run the command again: it repairs what was left half-done."
            )
    extras_line = f"extras:{','.join(sorted(installed | wanted_extras))}\n" if installed | wanted_extras else ""
    write_atomically(stamp, wanted + "\n" + extras_line)
    return interpreter


def ensure_data(python: Path) -> None:
    """Download and verify the data file unless it is already there (helpers.data does both)."""
    code = (
        "import signal, sys\n"
        "for number in (signal.SIGINT, signal.SIGTERM):  # stopped: no traceback, the entry says so\n"
        "    signal.signal(number, lambda number, frame: sys.exit(128 + number))\n"
        "from helpers.data import WeatherDataError, fetch_weather_file\n"
        "try:\n    print('data:', fetch_weather_file())\n"
        "except WeatherDataError as problem:\n    sys.exit(str(problem))  # the message alone: it says what to do\n"
    )
    if run([str(python), "-c", code]) != 0:
        raise SetupError("The data is not ready; the message above says what to do.")


def main(argv: list[str] | None = None) -> int:
    """Command line: check, set up, then run the command's steps in the environment; the exit status."""
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
        check_variables()
        python = ensure_environment(extras=EXTRAS.get(command, ()))
        ensure_data(python)
    except SetupError as error:
        print(f"\n{error}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Stopped):
        print("\nSet-up interrupted: nothing of yours was touched. Run the command again: it finishes (or makes "
              "again) what was left half-done.", file=sys.stderr)
        return 130
    steps, both, unit_only = COMMANDS[command], rest, []
    if command == "test":
        steps, both, unit_only = test_steps(rest)
    for number, (arguments, extra_env) in enumerate(steps):
        try:
            status = run([str(python), *arguments, *both, *(unit_only if number == 0 else [])], extra_env)
        except Stopped as stop:
            if stop.killed:  # the signal ended it before it could say what it kept
                print(f"\n`{command}` {stop}.", file=sys.stderr)
            return stop.status or 128 + stop.number
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
