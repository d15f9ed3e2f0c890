"""A Colab edition's set-up cell: the lesson's helpers from the notebook, then the data.

``tools/colab.py`` pastes the code of this file (lines of 88 characters at most, as in
every notebook) into the first code cell of each edition and ends the cell with
``set_up(...)``, passing the lesson's wheel in base64. Standard library only: it runs
before anything of the lesson is installed, in Colab or any Jupyter without the project.

Example: ``set_up(WHEEL_BASE64, {"pooch": ["pooch>=1.8"]})``
"""

import base64
import importlib
import importlib.util
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# The runtime's own: never installed or replaced (Colab brings its builds of these).
KEEP = ("tensorflow", "tensorflow-cpu", "keras", "numpy", "pandas")
WHEEL_NAME = "recurrence_lesson-0.1.0-py3-none-any.whl"


def project_checkout(folder: Path) -> bool:
    """Whether ``folder``, where ``helpers`` was found, is the lesson's project folder.

    Example: ``project_checkout(Path("/home/me/recurrence-lesson"))  # True``
    """
    return (folder / "pyproject.toml").is_file() and (folder / "notebooks").is_dir()


def helpers_folder() -> Path | None:
    """The folder holding the importable ``helpers`` package; None when there is none.

    Example: ``helpers_folder()  # PosixPath('/usr/lib/python3.12/site-packages')``
    """
    importlib.invalidate_caches()
    spec = importlib.util.find_spec("helpers")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).parent


def same_as_wheel(wheel: bytes, folder: Path) -> bool:
    """Whether every file of the wheel's ``helpers`` lies in ``folder``, byte for byte.

    Example: ``same_as_wheel(wheel, helpers_folder())  # False for older helpers``
    """
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        for name in archive.namelist():
            if name.startswith("helpers/") and not name.endswith("/"):
                path = folder / name
                if not path.is_file() or path.read_bytes() != archive.read(name):
                    return False
    return True


def missing(requirements: dict[str, list[str]]) -> list[str]:
    """The requirements of the modules this runtime cannot import.

    ``requirements`` maps a module to the requirements that install it (with markers).

    Example: ``missing({"pooch": ["pooch>=1.8"]})  # ['pooch>=1.8'] without pooch``
    """
    importlib.invalidate_caches()
    return [line for module, lines in requirements.items()
            if importlib.util.find_spec(module) is None for line in lines]


def kept_versions() -> list[str]:
    """``name==version`` for each installed package of ``KEEP``: pip's constraints.

    Example: ``kept_versions()  # ['tensorflow==2.19.0', 'keras==3.10.0', ...]``
    """
    from importlib.metadata import PackageNotFoundError, version

    pins = []
    for name in KEEP:
        try:
            pins.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            pass
    return pins


def pip(arguments: list[str], what: str) -> None:
    """Run ``pip install`` quietly; a RuntimeError with pip's last words if it fails.

    Example: ``pip(["--no-deps", "lesson.whl"], "the lesson's helpers")``
    """
    command = [sys.executable, "-m", "pip", "install", "--quiet",
               "--disable-pip-version-check", "--no-warn-script-location", *arguments]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        words = (done.stderr or done.stdout).strip()[-1500:]
        raise RuntimeError(
            f"Installing {what} failed:\n{words}\nCheck the internet connection and "
            "run this cell again; if it fails again, see the README's set-up."
        )


def install(wheel: bytes, requirements: dict[str, list[str]]) -> str:
    """Install what the runtime lacks, then the lesson's wheel without dependencies.

    Returns what was done, in words.

    Example: ``install(wheel, {"pooch": ["pooch>=1.8"]})``
    """
    done = []
    with tempfile.TemporaryDirectory() as folder:
        lacking = missing(requirements)
        if lacking:  # pip may add, never replace, what KEEP names
            constraints = Path(folder, "constraints.txt")
            constraints.write_text("\n".join(kept_versions()) + "\n", encoding="utf-8")
            pip(["--constraint", str(constraints), *lacking], ", ".join(lacking))
            done.append(f"installed {', '.join(lacking)}")
        path = Path(folder, WHEEL_NAME)
        path.write_bytes(wheel)
        pip(["--no-deps", "--no-index", "--force-reinstall", str(path)],
            "the lesson's helpers")
    if helpers_folder() is None:  # pip chose a new user folder: not on the path yet
        import site

        site.addsitedir(site.getusersitepackages())
    if helpers_folder() is None:
        raise RuntimeError("pip put helpers where this Python does not look: restart "
                           "the kernel (Runtime > Restart session) and run again.")
    if "helpers" in sys.modules:
        print("Older helpers were imported: Runtime > Restart session, then run again.")
    return "; ".join([*done, "installed the lesson's helpers from this notebook"])


def committed_results(results: str, folder: Path) -> int:
    """Write the committed results (base64 of a zip) into ``folder`` if it has none.

    Returns how many were written (0 where results were recorded here already).

    Example: ``committed_results(RESULTS_BASE64, Path("results"))  # 27``
    """
    if any(folder.glob("*.json")):
        return 0
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(results))) as archive:
        names = [name for name in archive.namelist()
                 if name.endswith(".json") and "/" not in name]
        for name in names:
            json.loads(archive.read(name))  # each one whole, before any is written
        for name in names:
            (folder / name).write_bytes(archive.read(name))
    return len(names)


def set_up(wheel: str, requirements: dict[str, list[str]], results: str = "") -> None:
    """Make ``helpers`` importable from ``wheel`` (base64), then fetch and check data.

    In a kernel, TensorFlow's native log lines are kept out of the cells' outputs from
    then on (``helpers.quiet``): the only place the lesson filters descriptor 2. Nothing
    happens where ``helpers`` comes from the lesson's project folder. Data and
    results go to ``$LESSON_DATA_DIR`` and ``$LESSON_RESULTS_DIR`` when set, else to
    data/ and results/ in the working folder. ``results`` (notebook 10's edition) holds
    the committed run's results, used where this runtime has recorded none.

    Example: ``set_up(WHEEL_BASE64, {"pooch": ["pooch>=1.8"]})``
    """
    start = time.perf_counter()
    folder = helpers_folder()
    if folder is not None and project_checkout(folder):
        print(f"The lesson's helpers come from {folder}: nothing to set up.")
        return
    payload = base64.b64decode(wheel)
    if folder is None or not same_as_wheel(payload, folder):
        done = install(payload, requirements)
    else:
        done = "the lesson's helpers were installed already"
    from helpers.quiet import filter_native_stderr, in_kernel
    from helpers.settings import DATA_VARIABLE, RESULTS_VARIABLE

    if in_kernel():  # Colab's TensorFlow is not the lesson's: its C++ log lines go
        filter_native_stderr()  # to descriptor 2, which a kernel shows in the cell

    os.environ.setdefault(DATA_VARIABLE, str(Path.cwd() / "data"))
    os.environ.setdefault(RESULTS_VARIABLE, str(Path.cwd() / "results"))
    from helpers.data import fetch_weather_file

    path = fetch_weather_file()  # downloaded once from Zenodo, its sha256 checked
    seconds = time.perf_counter() - start
    print(f"Set-up done in {seconds:.1f} s: {done}; the data checked: {path}")
    if results:
        count = committed_results(results, Path(os.environ[RESULTS_VARIABLE]))
        if count:
            print(f"No results recorded in this runtime: using the lesson's committed "
                  f"run ({count} results). Run the episodes here to compare yours.")
