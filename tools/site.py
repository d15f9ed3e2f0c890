"""Build the lesson's website from the committed, executed notebooks (nothing is run or trained).

Usage:
    python -m tools site                # builds _build/html; open _build/html/index.html

The notebooks stay plain Jupyter: the boxes of the website are made here, on copies staged in
``_build/source``. Questions, objectives and keypoints become boxes, each "> ## Challenge" quote a
challenge box (and so do "Predict", "Discussion" and "Quiz" quotes), and every cell tagged ``solution`` (markdown or code) a collapsed block that opens on a
click. Each episode page links to a download of its notebook. Sphinx (with myst-nb, execution off)
then builds ``_build/html``, treating every warning as an error.
"""

from __future__ import annotations

import argparse
import base64
import re
import shutil
import sys
from pathlib import Path

import nbformat

from helpers import PROJECT_ROOT as ROOT
from tools.notebooks import lesson_notebooks, write_notebook

BUILD = ROOT / "_build"
DOCS = ROOT / "docs"
SOLUTION = "solution"
CHART_TAG = "comparison-chart"  # notebook 10's chart, shown on the results page too


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


def site_notebook(notebook, download: str):
    """A copy of ``notebook`` dressed for the website; the original is not changed."""
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
    )
    copy.cells.insert(1, link)
    return copy


def chart_of(notebook) -> bytes:
    """The PNG of the cell tagged ``comparison-chart``."""
    for cell in notebook.cells:
        if CHART_TAG in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                if "image/png" in output.get("data", {}):
                    return base64.b64decode(output["data"]["image/png"])
    raise SystemExit(f"No cell tagged {CHART_TAG} with a figure in the comparison notebook; run the lesson first.")


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
    for path in lesson_notebooks(ROOT / "notebooks"):
        notebook = nbformat.read(path, as_version=4)
        if not any(output for cell in notebook.cells for output in cell.get("outputs", [])):
            raise SystemExit(f"{path.name} has no outputs: run the lesson first (python -m tools lesson).")
        shutil.copy2(path, episodes / "download" / path.name)
        write_notebook(episodes / path.name, site_notebook(notebook, f"download/{path.name}"))
        if path.name.startswith("10"):
            (source / "comparison.png").write_bytes(chart_of(notebook))


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
