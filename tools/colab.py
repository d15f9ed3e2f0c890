"""Colab editions: each notebook made to run in Google Colab, or any Jupyter, with nothing but the notebook.

Usage:
    python -m tools colab                  # one edition per notebook into colab/ (NAME-colab.ipynb)
    python -m tools colab 03 05            # only the notebooks whose names start with 03 or 05
    python -m tools colab --learner        # learner editions (NAME-colab-learner.ipynb), as `tools learner`
    python -m tools colab --output-dir out # write them to out/ instead
    python -m tools colab --force          # also replace editions edited since (backed up into backups/ first)

An edition is the notebook with one cell put in front of its first code cell: the set-up
(``tools/colab_setup.py``), carrying the lesson's ``helpers`` as a wheel in base64, built here from this
project with pip and setuptools. Run in a runtime without the lesson, it installs what the runtime lacks
(never TensorFlow, Keras, NumPy or pandas, which Colab brings), then the wheel with ``--no-deps``, and
fetches the data from Zenodo with its sha256 (into ``$LESSON_DATA_DIR`` when set). Where ``helpers`` comes
from the project folder it does nothing. Colab and JupyterLab show the cell folded, as its title.
Notebook 10's edition also carries the committed results, used where the runtime recorded none (each Colab
notebook runs on a machine of its own). The editions are built on demand, never committed (colab/ is
git-ignored). An edition edited since the tools wrote it (the folder's record says) is kept, and named;
``--force`` replaces it after a backup into ``backups/``. When ``[project.urls]`` in pyproject.toml names a
GitHub repository, a full build also writes "Open in Colab" badges into the README's colab-badges block;
they open the editions published on that repository's branch ``colab`` (see README.md, "Run in Colab").
"""

from __future__ import annotations

import argparse
import base64
import copy as copying
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

from helpers import PROJECT_ROOT as ROOT
from helpers.files import write_atomically, write_unless_edited
from helpers.lesson import COMPARISON
from helpers.settings import QUIET_PIP, SOURCE_DATE_VARIABLE
from tools.make_learner_copies import learner_copy, read_lesson_notebook
from tools.notebooks import lesson_notebooks, notebook_text, write_notebook
from tools.readme import markers, replace_block

import nbformat

NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUTPUT = ROOT / "colab"
SETUP_CODE = Path(__file__).with_name("colab_setup.py")
SETUP_TAG = "colab-setup"
COMPARISON_PREFIX = COMPARISON  # the notebook that reads the others' results (the manifest's)
EDITIONS_BRANCH = "colab"  # the branch of the GitHub repository that the badges open editions on
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
TITLE = [
    "# @title Set-up: the lesson's helpers and data (run this cell first)",
    "# @markdown Installs `helpers` from a copy inside this notebook, and only the packages",
    "# @markdown this runtime lacks (never TensorFlow, Keras, NumPy or pandas), then fetches",
    "# @markdown the data from Zenodo and checks its sha256. Works in Colab and any Jupyter;",
    "# @markdown does nothing where the lesson's `helpers` are installed from the project.",
]
# distribution -> the module it is imported as, where the two differ
MODULES = {"scikit-learn": "sklearn", "tensorflow-cpu": "tensorflow"}
PAYLOAD_WIDTH = 76  # characters of base64 per line in the cell


class EditionError(Exception):
    """An edition could not be made; the message says what to do."""


def edition_name(notebook: str | Path, learner: bool = False) -> str:
    """The file name of a notebook's edition.

    Example: ``edition_name("notebooks/03_simple_rnn.ipynb", learner=True)  # '03_simple_rnn-colab-learner.ipynb'``
    """
    return f"{Path(notebook).stem}-colab{'-learner' if learner else ''}.ipynb"


def build_wheel(root: Path = ROOT) -> bytes:
    """The lesson's wheel (``helpers`` only), built by pip and setuptools from a copy of the project.

    Example: ``len(build_wheel())  # about 50 kB``
    """
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder, "source"), Path(folder, "wheel")
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(root / name, source / name)
        shutil.copytree(root / "helpers", source / "helpers", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        # offline with this environment's setuptools; where it has none (venvs of Python 3.12 and later),
        # pip fetches the build requirements of pyproject.toml into an isolated build, once
        offline = ["--no-build-isolation", "--no-index"] if importlib.util.find_spec("setuptools") else []
        command = [sys.executable, "-m", "pip", "wheel", "--no-deps", *offline, "--quiet", "--wheel-dir",
                   str(output), str(source)]
        env = {**os.environ, SOURCE_DATE_VARIABLE: "315532800", **QUIET_PIP}
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        wheels = sorted(output.glob("*.whl"))
        if done.returncode != 0 or len(wheels) != 1:
            raise EditionError(f"Building the lesson's wheel failed:\n{(done.stderr or done.stdout)[-2000:]}\n"
                               "Run `python3 -m tools setup` (it installs pip and setuptools), then try again.")
        return wheels[0].read_bytes()


def requirements_by_module(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, list[str]]:
    """The project's dependencies grouped by the module each is imported as, markers kept for pip.

    Example: ``requirements_by_module()["sklearn"]  # ['scikit-learn>=1.5']``
    """
    with open(pyproject, "rb") as file:
        dependencies = tomllib.load(file)["project"]["dependencies"]
    grouped: dict[str, list[str]] = {}
    for line in dependencies:
        name = re.match(r"[A-Za-z0-9._-]+", line.strip())
        if not name:
            raise EditionError(f"pyproject.toml: cannot read the dependency {line!r}; write it as 'name>=version'.")
        distribution = name.group(0).lower()
        grouped.setdefault(MODULES.get(distribution, distribution.replace("-", "_")), []).append(line.strip())
    return grouped


def results_zip(folder: Path = ROOT / "results") -> bytes:
    """The committed results (``results/*.json``) as a zip, the same bytes for the same files.

    Example: ``zipfile.ZipFile(io.BytesIO(results_zip())).namelist()[0]  # '01_climatology.json'``
    """
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise EditionError(f"No results in {folder}: run the lesson first (python -m tools lesson).")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in paths:
            archive.writestr(zipfile.ZipInfo(path.name, date_time=(1980, 1, 1, 0, 0, 0)), path.read_bytes())
    return buffer.getvalue()


def _payload(data: bytes, indent: str) -> str:
    """``data`` in base64 as a triple-quoted string, one short line after another."""
    text = base64.b64encode(data).decode("ascii")
    lines = [text[start:start + PAYLOAD_WIDTH] for start in range(0, len(text), PAYLOAD_WIDTH)]
    return '"""\n' + "\n".join(lines) + f'\n{indent}"""'


def setup_source(wheel: bytes, requirements: dict[str, list[str]], results: bytes | None = None) -> str:
    """The code of the set-up cell: its title, ``tools/colab_setup.py`` and the call with the payloads.

    Example: ``setup_source(build_wheel(), requirements_by_module()).splitlines()[0]  # '# @title Set-up: ...'``
    """
    code = SETUP_CODE.read_text(encoding="utf-8")
    docstring = re.match(r'\s*""".*?"""\n', code, flags=re.DOTALL)
    body = code[docstring.end():].strip() if docstring else code.strip()
    wanted = []
    for module, lines in requirements.items():
        if len(f"        {module!r}: {lines!r},") <= 88:
            wanted.append(f"        {module!r}: {lines!r},")
            continue
        wanted.append(f"        {module!r}: [")
        for line in lines:  # a long requirement split before its marker, as two strings
            head, marker = line.split("; ", 1) if len(line) > 60 and "; " in line else (line, "")
            wanted += [f"            {head + '; '!r}", f"            {marker!r},"] if marker \
                else [f"            {head!r},"]
        wanted.append("        ],")
    call = [
        "set_up(",
        "    requirements={", *wanted, "    },",
        *([f"    results={_payload(results, '    ')},"] if results else []),
        f"    wheel={_payload(wheel, '    ')},",
        ")",
    ]
    return "\n".join([*TITLE, "", body, "", "", *call])


def setup_cell(source: str) -> nbformat.NotebookNode:
    """A code cell holding ``source``, folded to its title in Colab (``cellView: form``) and JupyterLab."""
    cell = nbformat.v4.new_code_cell(source, id="colab-setup")
    cell.metadata = {"cellView": "form", "jupyter": {"source_hidden": True}, "tags": [SETUP_TAG]}
    return cell


def colab_edition(notebook: nbformat.NotebookNode, source: str, name: str,
                  learner: bool = False) -> nbformat.NotebookNode:
    """The edition of ``notebook`` (left unchanged): the set-up cell before its first code cell.

    Example: ``colab_edition(nbformat.read(path, as_version=4), setup_source(wheel, wanted), path.name)``
    """
    edition = learner_copy(notebook) if learner else copying.deepcopy(notebook)
    if any(SETUP_TAG in cell.metadata.get("tags", []) for cell in edition.cells):
        raise EditionError(f"{name} has a cell tagged {SETUP_TAG!r} already: make the edition from the lesson's "
                           "notebook in notebooks/, not from an edition.")
    first_code = next((index for index, cell in enumerate(edition.cells) if cell.cell_type == "code"),
                      len(edition.cells))
    edition.cells.insert(first_code, setup_cell(source))
    edition.metadata["colab"] = {"name": name, "provenance": []}
    edition.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    nbformat.validate(edition)
    return edition


def github_repository(pyproject: Path = ROOT / "pyproject.toml") -> str | None:
    """``OWNER/NAME`` of the first GitHub repository in ``[project.urls]``, or None when none is named.

    Example: ``github_repository()  # 'carpentries-incubator/lesson-rnn' once the URL is set``
    """
    with open(pyproject, "rb") as file:
        urls = tomllib.load(file)["project"].get("urls", {})
    for address in urls.values():
        found = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", str(address).strip())
        if found:
            return f"{found.group(1)}/{found.group(2)}"
    return None


def colab_url(repository: str, edition: str) -> str:
    """The address at which Colab opens an edition published on the repository's ``colab`` branch.

    Example: ``colab_url("me/lesson", "03_simple_rnn-colab.ipynb")``
    """
    return f"https://colab.research.google.com/github/{repository}/blob/{EDITIONS_BRANCH}/{edition}"


def badge(repository: str, edition: str) -> str:
    """An "Open in Colab" badge in Markdown for one edition.

    Example: ``badge("me/lesson", "03_simple_rnn-colab.ipynb")  # '[![Open in Colab](...)](...)'``
    """
    return f"[![Open in Colab]({BADGE_IMAGE})]({colab_url(repository, edition)})"


BADGES = "colab-badges"  # the README's block, written by tools.readme's one block writer
BADGES_START, BADGES_END = markers(BADGES)


def badges_block(repository: str | None, notebooks: list[Path]) -> str:
    """The README's block of badges, one line per edition; empty when no GitHub repository is named.

    Example: ``badges_block("me/lesson", lesson_notebooks(NOTEBOOKS))``
    """
    if repository is None:
        return ""
    return "\n".join(f"- {badge(repository, edition_name(path))} `{path.stem}`" for path in notebooks)


def with_badges(text: str, block: str) -> str:
    """``text`` (the README) with its colab-badges block replaced by ``block``.

    Example: ``with_badges(README.read_text(), badges_block(None, []))``
    """
    try:
        return replace_block(text, BADGES, block)
    except ValueError:
        raise EditionError(f"README.md needs one pair of markers {BADGES_START} ... {BADGES_END}; put them back "
                           "in the 'Run in Colab' section, then run the command again.") from None


def update_readme(root: Path = ROOT) -> bool:
    """Write the README's badges from ``[project.urls]`` (none without a GitHub address); whether it changed.

    Example: ``update_readme()  # False when the badges are as they should be``
    """
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = with_badges(text, badges_block(github_repository(root / "pyproject.toml"),
                                         lesson_notebooks(root / "notebooks")))
    if new == text:
        return False
    write_atomically(readme, new)
    return True


def build_editions(paths: list[Path], learner: bool = False, root: Path = ROOT) -> dict[str, nbformat.NotebookNode]:
    """The edition of each notebook in ``paths``, by file name, all made before any is written.

    Example: ``build_editions(lesson_notebooks(NOTEBOOKS, ["03"]))``
    """
    wheel, wanted = build_wheel(root), requirements_by_module(root / "pyproject.toml")
    plain = setup_source(wheel, wanted)
    editions = {}
    for path in paths:
        results = results_zip(root / "results") if path.name.startswith(COMPARISON_PREFIX) else None
        source = setup_source(wheel, wanted, results) if results else plain
        name = edition_name(path, learner)
        editions[name] = colab_edition(read_lesson_notebook(path), source, name, learner)
    return editions


def make_editions(paths: list[Path], output_dir: Path, learner: bool = False,
                  root: Path = ROOT) -> list[Path]:
    """Write the edition of each notebook in ``paths`` into ``output_dir`` (atomically); the files written.

    For folders of the tools' own (a build, a temporary folder): an edition there is replaced whole. The
    ``colab`` command keeps an edited edition instead (``write_editions``).

    Example: ``make_editions(lesson_notebooks(NOTEBOOKS, ["03"]), Path("colab"))``
    """
    editions = build_editions(paths, learner, root)  # a failure leaves none half-done
    return [write_notebook(output_dir / name, edition) for name, edition in editions.items()]


def write_editions(editions: dict[str, nbformat.NotebookNode], output_dir: Path,
                   force: bool = False) -> Iterator[tuple[Path, str]]:
    """Write ``editions`` into ``output_dir`` by the rule of ``helpers.files.write_unless_edited``, one at a time;
    yields each file and what happened to it.

    An edition that differs from what the tools last wrote there (edited) is kept, or with ``force`` backed up
    into ``backups/`` first.

    Example: ``for path, outcome in write_editions(build_editions(paths), Path("colab")): print(path, outcome)``
    """
    for name, edition in editions.items():
        yield write_unless_edited(output_dir / name, notebook_text(edition), force=force)


def stage_editions(paths: list[Path], folder: Path, root: Path = ROOT) -> dict[str, tuple[str, str]]:
    """Write both editions of each notebook into ``folder`` (the website's downloads); name -> their names.

    Example: ``stage_editions([NOTEBOOKS / "03_simple_rnn.ipynb"], Path("_build/source/episodes/download"))``
    """
    make_editions(paths, folder, root=root)
    make_editions(paths, folder, learner=True, root=root)
    return {path.name: (edition_name(path), edition_name(path, learner=True)) for path in paths}


def main(argv: list[str] | None = None) -> int:
    """Command line: write the editions of the selected notebooks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="name prefixes of the notebooks, e.g. 03 (default: all)")
    parser.add_argument("--learner", action="store_true",
                        help="learner editions: no solutions, no outputs, live cells reduced to comments")
    parser.add_argument("--output-dir", type=Path, default=None,
                        help=f"folder for the editions (default: {DEFAULT_OUTPUT.relative_to(ROOT)}/)")
    parser.add_argument("--force", action="store_true",
                        help="replace editions edited since the tools wrote them; the old ones go to backups/ first")
    args = parser.parse_args(argv)
    output_dir = (args.output_dir if args.output_dir is not None else DEFAULT_OUTPUT).resolve()
    if output_dir == NOTEBOOKS.resolve():
        print(f"Refusing to write editions into the lesson's notebooks folder {NOTEBOOKS}; choose another "
              "--output-dir.", file=sys.stderr)
        return 2
    done: list[tuple[Path, str]] = []
    try:
        paths = lesson_notebooks(NOTEBOOKS, args.prefixes)
        if not paths:
            raise EditionError(f"No notebooks found in {NOTEBOOKS}.")
        editions = build_editions(paths, args.learner)
    except (EditionError, nbformat.ValidationError, OSError, ValueError) as error:
        print(f"No editions written: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: no editions written.", file=sys.stderr)
        return 130
    try:
        for path, outcome in write_editions(editions, output_dir, force=args.force):
            done.append((path, outcome))
            print(f"{path} ({outcome}, {path.stat().st_size // 1024} kB)", flush=True)
    except (OSError, ValueError) as error:
        written = [path.name for path, outcome in done if outcome != "kept"]
        print(f"Stopped writing editions: {error}\n"
              f"{'Written before that: ' + ', '.join(written) if written else 'None was written.'}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nInterrupted: the editions listed above are written (each whole); the others are as they were.",
              file=sys.stderr)
        return 130
    kept = [path.name for path, outcome in done if outcome == "kept"]
    kind = "learner editions" if args.learner else "editions"
    print(f"{len(done) - len(kept)} Colab {kind} written or already up to date in {output_dir}"
          f"{f', and {len(kept)} kept as you edited them' if kept else ''}. In Colab: File > Upload notebook, then "
          "Runtime > Run all.")
    if kept:
        print(f"Kept {len(kept)} edited edition{'s' if len(kept) != 1 else ''} (not what the tools last wrote "
              f"there): {', '.join(kept)}. Add --force to replace them; the old ones are then kept in backups/.")
    try:
        if not args.prefixes and update_readme():
            print("README.md: the Open in Colab badges rewritten from [project.urls] in pyproject.toml.")
    except (EditionError, OSError, ValueError) as error:
        print(f"The editions are written; README.md's badges are not: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
