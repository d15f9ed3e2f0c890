"""The lesson's configuration: one frozen object, read from the environment once, then passed down.

Five things can be set from outside: where results go, where the data lies, the seed, strict checks and
TensorFlow's threads (and, for the backtest only, the validation year). ``Config.from_environ`` reads
them, with one rule for every variable: empty means unset, and a value that cannot be used is refused
with a message naming the variable, the value and what to set. ``current()`` is the configuration of
this process, read the first time it is asked for; the helpers take a ``config`` argument and use
``current()`` when none is given. The tools write ``to_environ()`` into a kernel's environment only to
start it. Standard library only: ``python3 -m tools`` reads it before anything is installed.

Example:
    >>> config = Config.from_environ({"LESSON_SEED": "7"})
    >>> config.seed, config.strict
    (7, False)
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from helpers.settings import (
    DATA_VARIABLE,
    RESULTS_VARIABLE,
    SEED_VARIABLE,
    STRICT_VARIABLE,
    TF_THREADS_VARIABLE,
    VALIDATION_YEAR_VARIABLE,
)

DEFAULT_SEED = 42
DEFAULT_THREADS = 1  # one TensorFlow thread per kernel: see helpers.setup
MAX_THREADS = 256
SEED_LIMIT = 2**32  # NumPy's seeds are below this
TRUE_WORDS, FALSE_WORDS = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class ConfigError(ValueError):
    """A variable holds a value the lesson cannot use; the message names it and says what to set."""

    def _render_traceback_(self) -> list[str]:
        """What Jupyter shows instead of a traceback: the message alone."""
        return [f"ConfigError: {self}"]


def is_project(folder: Path) -> bool:
    """Whether ``folder`` is the lesson's project folder (its pyproject.toml and notebooks/).

    Example: ``is_project(Path.cwd())  # True in the project folder``
    """
    return (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir()


def project_root(start: Path | None = None) -> Path:
    """The lesson's project folder: where ``helpers`` lies in a checkout, else the first project folder
    above the working folder (``helpers`` installed with ``pip install .``), else the working folder.

    Example: ``project_root() / "data"``
    """
    here = Path(__file__).resolve().parent.parent
    if is_project(here):
        return here
    start = Path.cwd() if start is None else Path(start)
    for folder in (start, *start.resolve().parents):
        if is_project(folder):
            return folder
    return start


def _text(environ: Mapping[str, str], name: str) -> str:
    """The variable's value with spaces trimmed; '' when unset or empty (the one rule: empty is unset)."""
    return environ.get(name, "").strip()


def _whole(environ: Mapping[str, str], name: str, default: int, low: int, high: int, what: str) -> int:
    text = _text(environ, name)
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise ConfigError(f"{name}={text!r} is not {what}: set it to a whole number from {low} to {high} "
                          f"(for example {name}={default}), or unset it for {default}.")
    return int(text)


def _folder(environ: Mapping[str, str], name: str, default: str, root: Path) -> Path:
    text = _text(environ, name)
    folder = Path(text or default).expanduser()
    folder = folder if folder.is_absolute() else root / folder
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"{name}={text!r} names a file ({folder}), not a folder: set it to a folder "
                          f"(created if missing), or unset it for {root / default}.")
    return folder


def _switch(environ: Mapping[str, str], name: str) -> bool:
    text = _text(environ, name).lower()
    if text in TRUE_WORDS or text in FALSE_WORDS or not text:
        return text in TRUE_WORDS
    raise ConfigError(f"{name}={text!r} is neither on nor off: set it to 1 (on) or 0 (off), or unset it (off).")


def _year(environ: Mapping[str, str]) -> int | None:
    from helpers.lesson import FIRST_VALIDATION_YEAR, LAST_VALIDATION_YEAR, SPLIT

    lesson_year = int(SPLIT.val_start[:4])
    year = _whole(environ, VALIDATION_YEAR_VARIABLE, lesson_year, FIRST_VALIDATION_YEAR, LAST_VALIDATION_YEAR,
                  "a validation year of the backtest")
    return None if year == lesson_year else year


@dataclasses.dataclass(frozen=True)
class Config:
    """Where results go and data lies, the seed, strict checks, threads and the backtest's validation year.

    ``strict``: a number outside its measured range fails (tests and CI); off, learners read plain words.
    ``validation_year``: None for the lesson's split; a year moves validation there (the backtest only).

    Example: ``Config.from_environ().seed  # 42 unless LESSON_SEED is set``
    """

    results_dir: Path
    data_dir: Path
    seed: int = DEFAULT_SEED
    strict: bool = False
    threads: int = DEFAULT_THREADS
    validation_year: int | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, root: Path | None = None) -> Config:
        """The configuration the variables in ``environ`` (default: this process's) describe.

        Example: ``Config.from_environ({"LESSON_STRICT_CHECKS": "1"}).strict  # True``
        """
        environ = os.environ if environ is None else environ
        root = project_root() if root is None else Path(root)
        return cls(
            results_dir=_folder(environ, RESULTS_VARIABLE, "results", root),
            data_dir=_folder(environ, DATA_VARIABLE, "data", root),
            seed=_whole(environ, SEED_VARIABLE, DEFAULT_SEED, 0, SEED_LIMIT - 1, "a seed"),
            strict=_switch(environ, STRICT_VARIABLE),
            threads=_whole(environ, TF_THREADS_VARIABLE, DEFAULT_THREADS, 0, MAX_THREADS,
                           "a number of threads (0: TensorFlow's own)"),
            validation_year=_year(environ),
        )

    def to_environ(self) -> dict[str, str]:
        """The variables that give a kernel started with them this configuration.

        Example: ``subprocess.run(cmd, env={**os.environ, **config.to_environ()})``
        """
        values = {RESULTS_VARIABLE: str(self.results_dir), DATA_VARIABLE: str(self.data_dir),
                  SEED_VARIABLE: str(self.seed), STRICT_VARIABLE: "1" if self.strict else "0",
                  TF_THREADS_VARIABLE: str(self.threads), VALIDATION_YEAR_VARIABLE: ""}
        if self.validation_year is not None:
            values[VALIDATION_YEAR_VARIABLE] = str(self.validation_year)
        return values

    def but(self, **changes) -> Config:
        """A copy with ``changes`` (the object itself never changes).

        Example: ``current().but(seed=7)``
        """
        return dataclasses.replace(self, **changes)


_CURRENT: list[Config] = []


def current() -> Config:
    """This process's configuration, read from its environment the first time it is asked for.

    Example: ``current().results_dir``
    """
    if not _CURRENT:
        _CURRENT.append(Config.from_environ())
    return _CURRENT[0]


@contextlib.contextmanager
def using(config: Config) -> Iterator[Config]:
    """Make ``config`` this process's configuration for one ``with`` block (tests, the tools).

    Example: ``with using(current().but(strict=True)): check_rmse(...)``
    """
    saved = list(_CURRENT)
    _CURRENT[:] = [config]
    try:
        yield config
    finally:
        _CURRENT[:] = saved
