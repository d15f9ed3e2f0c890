"""The virtual environments the tools make, and the Pythons they make them with: one builder, one finder, one rule.

The rule: a folder becomes a virtual environment only where nothing is (or an empty folder), or where one the
tools made is. ``make_venv`` writes its marker (``MARKER_NAME``) into the folder before anything else, so a
half-made environment carries it too and can be made again; any other folder with files in it (the project,
``notebooks``, a folder of one's own) is refused with a message naming it, and nothing in it is deleted.
``tools/__main__.py`` (``.venv``), ``tools/newest.py`` (``.venv-newest``) and ``tools/colab_check.py``
(``.venv-colab``) all make theirs here. Standard library only: ``python3 -m tools`` uses it before anything
is installed.

Example:
    >>> python = make_venv(find_python(), Path(".venv-try"))
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

MARKER_NAME = ".made-by-lesson-tools"  # written first into every environment the tools make
OLDEST_PYTHON, NEWEST_PYTHON = (3, 11), (3, 13)  # the supported range: TensorFlow 2.21 and the pins install on these
# a pin of requirements.txt: name==version, with an optional environment marker after ';'
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*([^\s;]+)\s*(?:;(.*))?$")


class VenvError(Exception):
    """An environment cannot be made or used here; the message names the folder and says what to do."""


def venv_python(folder: Path, windows: bool | None = None) -> Path:
    """The Python of the virtual environment in ``folder``: ``Scripts\\python.exe`` on Windows, ``bin/python`` elsewhere.

    Example: ``venv_python(Path(".venv"), windows=True)  # .venv/Scripts/python.exe``
    """
    if windows is None:
        windows = os.name == "nt"
    return Path(folder) / "Scripts" / "python.exe" if windows else Path(folder) / "bin" / "python"


def folder_from_environ(variable: str, default: str, root: Path, environ: Mapping[str, str] | None = None) -> Path:
    """The environment folder ``variable`` names (relative to ``root``); ``default`` when it is unset or empty.

    Example: ``folder_from_environ("LESSON_VENV", ".venv", ROOT, {"LESSON_VENV": ""})  # ROOT / '.venv'``
    """
    environ = os.environ if environ is None else environ
    text = environ.get(variable, "").strip()
    folder = Path(text or default).expanduser()
    folder = folder if folder.is_absolute() else Path(root) / folder
    if folder.exists() and not folder.is_dir():
        raise VenvError(f"{variable}={text!r} names a file ({folder}), not a folder: set it to a new folder's name "
                        f"(e.g. {variable}={default}-2), or unset it for {default}.")
    return folder


def made_by_tools(folder: Path, stamps: tuple[str, ...] = ()) -> bool:
    """Whether ``folder`` holds the tools' marker (or one of ``stamps``, what the tools wrote before the marker).

    Example: ``made_by_tools(Path(".venv"), stamps=(".installed",))``
    """
    return any((Path(folder) / name).is_file() for name in (MARKER_NAME, *stamps))


def clear_folder(folder: Path, stamps: tuple[str, ...] = (), remedy: str = "move it away") -> None:
    """Make way for a new environment in ``folder``: delete it only if missing, empty or made by the tools.

    Any other folder (or a file) is left as it is and ``VenvError`` names it, with ``remedy`` as what to do.

    Example: ``clear_folder(Path(".venv-newest"), remedy="move it away")``
    """
    folder = Path(folder)
    if not folder.exists() and not folder.is_symlink():
        return
    if folder.is_dir() and not folder.is_symlink() and (not any(folder.iterdir()) or made_by_tools(folder, stamps)):
        shutil.rmtree(folder)
        return
    raise VenvError(f"{folder} holds files that these tools did not make (no {MARKER_NAME} in it), so no virtual "
                    f"environment is made there and nothing in it is deleted: {remedy}, then run the command again.")


def make_venv(python: Path, folder: Path, stamps: tuple[str, ...] = (), remedy: str = "move it away") -> Path:
    """A new virtual environment of ``python`` in ``folder``, by the rule of ``clear_folder``; its Python.

    The marker is written before the environment, so a creation stopped half-way can be made again.

    Example: ``make_venv(Path(sys.executable), ROOT / ".venv")``
    """
    folder = Path(folder)
    clear_folder(folder, stamps, remedy)
    folder.mkdir(parents=True)
    (folder / MARKER_NAME).write_text("made by the lesson's tools (python3 -m tools); they may delete this folder\n",
                                      encoding="utf-8")
    if subprocess.call([str(python), "-m", "venv", str(folder)]) != 0:
        raise VenvError(f"`{python} -m venv {folder}` failed (see above). On Debian or Ubuntu install the venv "
                        "module (e.g. `sudo apt install python3.12-venv`); elsewhere name another Python, then run "
                        "the command again.")
    return venv_python(folder)


def python_version(python: Path) -> tuple[int, ...]:
    """The (major, minor) version of the interpreter ``python``; () when it does not run.

    Example: ``python_version(Path("/usr/bin/python3.12"))  # (3, 12)``
    """
    try:
        done = subprocess.run([str(python), "-c", "import sys; print(*sys.version_info[:2])"],
                              capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ()
    return tuple(int(part) for part in done.stdout.split()) if done.returncode == 0 else ()


def _pyenv_pythons(minor: tuple[int, int]) -> list[Path]:
    """pyenv's interpreters of version ``minor`` (e.g. 3.12.x), the newest first."""
    name = f"python{minor[0]}.{minor[1]}"
    root = Path(os.environ.get("PYENV_ROOT", "").strip() or Path.home() / ".pyenv")
    found = root.glob(f"versions/{minor[0]}.{minor[1]}.*/bin/{name}")
    return sorted(found, key=lambda path: [int(part) for part in path.parts[-3].split(".") if part.isdigit()],
                  reverse=True)


def find_python(wanted: str | None = None, oldest: tuple[int, int] = OLDEST_PYTHON,
                newest: tuple[int, int] = NEWEST_PYTHON) -> Path:
    """A Python from ``oldest`` to ``newest``: ``wanted`` (a name or path), else pythonX.Y on the PATH, else pyenv's.

    Example: ``find_python(oldest=(3, 12), newest=(3, 12))  # PosixPath('/usr/bin/python3.12')``
    """
    minors = [(oldest[0], minor) for minor in range(newest[1], oldest[1] - 1, -1)]
    candidates = [wanted] if wanted else [shutil.which(f"python{major}.{minor}") for major, minor in minors]
    if not wanted:
        candidates += [str(path) for minor in minors for path in _pyenv_pythons(minor)]
    for candidate in filter(None, candidates):
        found = Path(shutil.which(candidate) or candidate)
        if found.is_file() and oldest <= python_version(found)[:2] <= newest:  # a pyenv shim may not run
            return found
    span = f"{oldest[0]}.{oldest[1]}" + (f" to {newest[0]}.{newest[1]}" if newest != oldest else "")
    if wanted:
        version = ".".join(str(part) for part in python_version(Path(shutil.which(wanted) or wanted)))
        found = f"it is Python {version}" if version else "it does not run"
        raise VenvError(f"{wanted} is not a Python {span} ({found}): name a Python {span} with --python.")
    raise VenvError(f"No Python {span} found on the PATH or in pyenv: install Python {span} "
                    "(python.org, or pyenv), or name one with --python.")


def pins(requirements: Path) -> list[tuple[str, str, str]]:
    """The exact pins of a requirements file: (name, version, environment marker or '').

    Example: ``pins(Path("requirements.txt"))[2]  # ('keras', '3.15.1', '')``
    """
    found = []
    for line in Path(requirements).read_text(encoding="utf-8").splitlines():
        match = PIN.match(line.split(" #")[0]) if line.strip() and not line.lstrip().startswith("#") else None
        if match:
            found.append((match[1], match[2], (match[3] or "").strip()))
    return found


# Run by the environment's Python: the pins whose installed version is not the pinned one (markers judged
# with pip's own copy of packaging, which every environment the tools make has).
_CHECK = """
import json, sys
from importlib.metadata import PackageNotFoundError, version
try:
    from pip._vendor.packaging.markers import Marker
except ImportError:
    Marker = None
wrong = []
for name, pinned, marker in json.loads(sys.argv[1]):
    if marker and (Marker is None or not Marker(marker).evaluate()):
        continue
    try:
        found = version(name)
    except PackageNotFoundError:
        found = "missing"
    if found != pinned:
        wrong.append(f"{name}=={pinned} ({found})")
print(json.dumps(wrong))
"""


def missing_pins(python: Path, requirements: Path) -> list[str] | None:
    """The pins of ``requirements`` that the environment of ``python`` lacks or holds in another version.

    None when that Python does not run (or has no pip): the environment is then broken beyond a reinstall.

    Example: ``missing_pins(venv_python(ROOT / ".venv"), ROOT / "requirements.txt")  # [] when all is well``
    """
    wanted = json.dumps(pins(requirements))
    try:
        done = subprocess.run([str(python), "-I", "-c", _CHECK, wanted], capture_output=True, text=True, timeout=120)
        return list(json.loads(done.stdout)) if done.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def has_pip(python: Path) -> bool:
    """Whether ``python`` runs and has pip: an environment that pip can install into.

    Example: ``has_pip(venv_python(ROOT / ".venv"))``
    """
    try:
        return subprocess.run([str(python), "-I", "-c", "import pip"], capture_output=True,
                              timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
