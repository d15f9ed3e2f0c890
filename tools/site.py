"""Build the lesson's website from the committed, executed notebooks (nothing is run or trained).

Usage:
    python -m tools site                # builds _build/html; open _build/html/index.html

The notebooks stay plain Jupyter: the boxes of the website are made here, on copies staged in
``_build/source``. Questions, objectives and keypoints become boxes, each "> ## Challenge" quote a
challenge box (and so do "Predict", "Discussion" and "Quiz" quotes), and every cell tagged ``solution`` (markdown or code) a collapsed block that opens on a
click. Each episode page links to a download of its notebook, and of its Colab editions
(``tools/colab.py``) with the three steps to run them in Colab. Sphinx (with myst-nb, execution off)
then builds ``_build/html``, treating every warning as an error.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

import nbformat

from helpers import PROJECT_ROOT as ROOT
from helpers.lesson import EPISODES
from tools.notebooks import write_notebook

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


def site_notebook(notebook, download: str, colab: tuple[str, str] | None = None, repository: str | None = None):
    """A copy of ``notebook`` dressed for the website; the original is not changed.

    ``colab``: the downloads of its Colab edition and learner edition, offered with the steps to run them.
    """
    copy = nbformat.from_dict(notebook)
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
    import matplotlib.pyplot as plt

    from helpers.results import comparison_figure, comparison_table

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
