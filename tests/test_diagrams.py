"""tools/diagrams.py: the committed diagrams are exactly what the script draws, and the notebooks show them."""

from __future__ import annotations

import re

from helpers import PROJECT_ROOT
from tools import diagrams

import nbformat
import pytest


@pytest.mark.parametrize("name", sorted(diagrams.DIAGRAMS))
def test_the_committed_diagram_is_what_the_script_draws(name):
    committed = (diagrams.FIGURES / name).read_text(encoding="utf-8")
    assert committed == diagrams.draw(name), f"rerun `python -m tools.diagrams` and commit notebooks/figures/{name}"


def test_drawing_twice_gives_the_same_file():
    assert diagrams.draw("lstm_cell.svg") == diagrams.draw("lstm_cell.svg")


def test_every_diagram_is_shown_by_a_notebook_and_every_image_exists():
    shown = set()
    for path in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", cell.source):
                    assert (path.parent / target).is_file(), f"{path.name} shows {target}, which does not exist"
                    shown.add(target.removeprefix("figures/"))
    assert shown == set(diagrams.DIAGRAMS)
