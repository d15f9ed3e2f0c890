"""Build the lesson's website from the committed, executed notebooks (nothing is run or trained).

Usage:
    python -m tools site                # builds _build/html; open _build/html/index.html

The notebooks stay plain Jupyter: the boxes of the website are made here, on copies staged in
``_build/source``. Questions, objectives and keypoints become boxes, each "> ## Challenge" quote a
challenge box (and so do "Predict", "Discussion" and "Quiz" quotes), and every cell tagged ``solution`` (markdown or code) a collapsed block that opens on a
click. Each episode page links to a download of its notebook, and of its Colab editions
(``tools/colab.py``) with the three steps to run them in Colab. Sphinx (with myst-nb, execution off)
then builds ``_build/html``, treating every warning as an error.

Every figure gets alt text: the cell's metadata ``alt`` if it has one, else the title the cell's code
gives the plot (``title=...``, ``ax.set(title=...)``, ``set_title(...)``, or a lesson helper's default
title); a figure with neither stops the build. Code cells fit a 1280 px wide window
(``docs/_static/lesson.css``).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import re
import shutil
import sys
from pathlib import Path

from helpers import PROJECT_ROOT as ROOT
from helpers.lesson import EPISODES
from tools.notebooks import write_notebook

import nbformat

BUILD = ROOT / "_build"
DOCS = ROOT / "docs"
SOLUTION = "solution"
EPISODE_PAGES = ":glob:\n\nepisodes/*"  # docs/index.md's stand-in for the list of episode pages


def _list_after(lines: list[str], start: int) -> int:
    """Index just past the Markdown list that begins at ``lines[start]`` (items and their indented lines)."""
    end = start
    while end < len(lines) and (lines[end].startswith("- ") or lines[end].startswith("  ")):
        end += 1
    return end


def boxed_lists(text: str) -> str:
    """Put the lists under **Questions**, **Objectives** and ``## Keypoints`` into admonition boxes."""
    lines = text.split("\n")
    out, index = [], 0
    while index < len(lines):
        line = lines[index].strip()
        title = {"**Questions**": "Questions", "**Objectives**": "Objectives", "## Keypoints": "Keypoints"}.get(line)
        if title and index + 1 < len(lines) and lines[index + 1].startswith("- "):
            end = _list_after(lines, index + 1)
            kind = "important" if title == "Keypoints" else "tip"
            out += [f":::{{admonition}} {title}", f":class: {kind}", *lines[index + 1:end], ":::"]
            index = end
        else:
            out.append(lines[index])
            index += 1
    return "\n".join(out)


BOXES = {"Challenge": "note", "Predict": "hint", "Discussion": "seealso", "Quiz": "note"}  # heading -> box style


def challenge_boxes(text: str) -> str:
    """Turn each quoted block that starts with ``> ## Challenge`` (or Predict, Discussion, Quiz) into a box."""
    lines = text.split("\n")
    out, index = [], 0
    while index < len(lines):
        heading = re.match(rf"^> ## (({'|'.join(BOXES)}).*)$", lines[index])
        if not heading:
            out.append(lines[index])
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].startswith(">"):
            end += 1
        body = [re.sub(r"^> ?", "", line) for line in lines[index + 1:end]]
        out += [f":::{{admonition}} {heading.group(1)}", f":class: {BOXES[heading.group(2)]}", *body, ":::"]
        index = end
    return "\n".join(out)


def colab_steps(edition: str, learner: str, repository: str | None = None) -> str:
    """The page's three steps to run an episode in Google Colab from its editions (downloads), and a badge
    that opens the edition in Colab directly when ``repository`` (``OWNER/NAME`` on GitHub) is named.

    Example: ``colab_steps("download/03_simple_rnn-colab.ipynb", "download/03_simple_rnn-colab-learner.ipynb")``
    """
    from tools.colab import badge

    steps = (
        "**Run it in Google Colab**, with nothing to install:\n\n"
        f"1. Download the {{download}}`Colab edition <{edition}>` (or the {{download}}`learner edition <{learner}>`: "
        "no solutions, the live code left to type).\n"
        "2. In Google Colab, *File > Upload notebook*, and choose the file.\n"
        "3. *Runtime > Run all*. Its first cell installs the lesson's helpers and fetches the data."
    )
    if repository:
        steps += f"\n\nOr open it there at once: {badge(repository, Path(edition).name)}"
    return steps


def _literal_text(node: ast.expr | None) -> str | None:
    """The text of a string literal, or of an f-string with "..." for each field in braces; None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "..." for part in node.values)
    return None


def _called_name(call: ast.Call) -> str | None:
    """The name a call is made by: ``f`` for ``f(...)``, ``set_title`` for ``ax.set_title(...)``."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def helper_default_title(name: str, imports: dict[str, str]) -> str | None:
    """The default ``title`` of the lesson's helper function ``name``, imported as ``imports`` says."""
    module = imports.get(name)
    if module is None or not (module == "helpers" or module.startswith("helpers.")):
        return None  # only the lesson's own helpers are imported here
    function = getattr(importlib.import_module(module), name, None)
    try:
        parameter = inspect.signature(function).parameters.get("title")
    except (TypeError, ValueError):
        return None
    default = parameter.default if parameter else None
    return default if isinstance(default, str) and default.strip() else None


def figure_title(source: str, imports: dict[str, str] | None = None) -> str | None:
    """The title a code cell gives its figure (the first in the code), or None if it names none.

    ``title="..."`` or ``title=f"..."`` in any call (``ax.set(title=...)`` too), a variable assigned such
    a string and passed as ``title=``, the first argument of ``set_title``/``suptitle``/``plt.title``, or
    the default title of a helper (from ``imports``: name -> module) called without one.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax (magics): no title to read
        return None
    assigned = {target.id: node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                for target in node.targets if isinstance(target, ast.Name)}
    calls = sorted((node for node in ast.walk(tree) if isinstance(node, ast.Call)),
                   key=lambda call: (call.lineno, call.col_offset))
    for call in calls:
        values = [keyword.value for keyword in call.keywords if keyword.arg == "title"]
        if _called_name(call) in ("set_title", "suptitle", "title") and call.args:
            values.append(call.args[0])
        for value in values:
            text = _literal_text(assigned.get(value.id) if isinstance(value, ast.Name) else value)
            if text and text.strip():
                return text.strip()
    for call in calls:
        name = _called_name(call)
        if name and isinstance(call.func, ast.Name) and not any(k.arg == "title" for k in call.keywords):
            default = helper_default_title(name, imports or {})
            if default:
                return default
    return None


def notebook_imports(notebook) -> dict[str, str]:
    """The names a notebook's code imports with ``from MODULE import NAME``: name -> module."""
    imports = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imports.update({alias.asname or alias.name: node.module for alias in node.names})
    return imports


def _has_image(cell) -> bool:
    """Whether a code cell's outputs hold an image."""
    return any(key.startswith("image/") for output in cell.get("outputs", []) for key in output.get("data", {}))


def give_figures_alt_text(notebook, name: str) -> None:
    """Give every code cell with an image output alt text for myst-nb (``mystnb: image: alt``), in place.

    The text is the cell's metadata ``alt``, else the title its code gives the figure; a cell with
    neither stops the build with what to add.
    """
    imports = None
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not _has_image(cell):
            continue
        alt = str(cell.metadata.get("alt", "")).strip()
        if not alt:
            imports = notebook_imports(notebook) if imports is None else imports
            alt = figure_title(cell.source, imports) or ""
        if not alt:
            raise SystemExit(
                f"{name}, cell {index} (id {cell.get('id', '?')}): its figure has no alt text (no title found in "
                "its code). Add an \"alt\" to the cell's metadata, a sentence saying what the figure shows, "
                "or give the plot a title= string.")
        mystnb = cell.metadata.setdefault("mystnb", {})
        mystnb.setdefault("image", {})["alt"] = alt


def site_notebook(notebook, download: str, colab: tuple[str, str] | None = None, repository: str | None = None):
    """A copy of ``notebook`` dressed for the website; the original is not changed.

    ``colab``: the downloads of its Colab edition and learner edition, offered with the steps to run them.
    """
    copy = nbformat.from_dict(notebook)
    give_figures_alt_text(copy, Path(download).name)
    for cell in copy.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            text = challenge_boxes(boxed_lists(cell.source))
            if SOLUTION in tags:
                text = f"::::{{dropdown}} Solution\n{text}\n::::"
            cell.source = text
        elif SOLUTION in tags:
            cell.metadata["tags"] = [*tags, "hide-cell"]  # myst-nb folds input and output away
    link = nbformat.v4.new_markdown_cell(
        f"{{download}}`Download this notebook <{download}>` (with its outputs) to run it in Jupyter; "
        "see [Set-up](../setup.md) for what it needs."
        + (f"\n\n{colab_steps(*colab, repository)}" if colab else "")
    )
    copy.cells.insert(1, link)
    return copy


def draw_chart(results: Path, target: Path) -> None:
    """Draw the comparison chart of the committed results (``results/*.json``) into ``target``, a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # this process draws only to files
    from helpers.results import comparison_figure, comparison_table

    import matplotlib.pyplot as plt

    table = comparison_table(results)
    if table.empty:
        raise SystemExit(f"No results in {results}: run the lesson first (python -m tools lesson).")
    figure = comparison_figure(table).figure
    figure.savefig(target, dpi=120)
    plt.close(figure)


def stage(source: Path) -> None:
    """Lay out the website's sources in ``source``: docs/, README.md, instructors.md and dressed notebooks."""
    if source.exists():
        shutil.rmtree(source)
    shutil.copytree(DOCS, source)
    for name in ("README.md", "instructors.md"):
        shutil.copy2(ROOT / name, source / name)
    episodes = source / "episodes"
    (episodes / "download").mkdir(parents=True)
    shutil.copytree(ROOT / "notebooks" / "figures", episodes / "figures")  # the diagrams the notebooks show
    from tools.colab import github_repository, stage_editions

    editions = stage_editions([ROOT / "notebooks" / entry.file for entry in EPISODES], episodes / "download")
    repository = github_repository()
    for path in [ROOT / "notebooks" / entry.file for entry in EPISODES]:
        notebook = nbformat.read(path, as_version=4)
        if not any(output for cell in notebook.cells for output in cell.get("outputs", [])):
            raise SystemExit(f"{path.name} has no outputs: run the lesson first (python -m tools lesson).")
        shutil.copy2(path, episodes / "download" / path.name)
        colab = tuple(f"download/{name}" for name in editions[path.name])
        write_notebook(episodes / path.name, site_notebook(notebook, f"download/{path.name}", colab, repository))
    draw_chart(ROOT / "results", source / "comparison.png")
    index = source / "index.md"  # the episodes in the manifest's order, not a glob of file names
    text = index.read_text(encoding="utf-8")
    if text.count(EPISODE_PAGES) != 1:
        raise SystemExit(f"docs/index.md needs its episodes toctree to hold {EPISODE_PAGES!r} once; "
                         "stage() puts the manifest's episode pages there.")
    pages = "\n" + "\n".join(f"episodes/{entry.file.removesuffix('.ipynb')}" for entry in EPISODES)
    index.write_text(text.replace(EPISODE_PAGES, pages), encoding="utf-8")


def build(output: Path = BUILD / "html") -> int:
    """Stage the sources and run Sphinx with warnings as errors; Sphinx's exit status."""
    from sphinx.cmd.build import build_main

    source = BUILD / "source"
    stage(source)
    return build_main(["-W", "--keep-going", "-q", "-b", "html", "-d", str(BUILD / "doctrees"), str(source), str(output)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=BUILD / "html", help="folder for the HTML (default _build/html)")
    args = parser.parse_args(argv)
    status = build(args.output)
    if status == 0:
        print(f"Website built: open {args.output / 'index.html'} in a browser.")
    return status


if __name__ == "__main__":
    sys.exit(main())
