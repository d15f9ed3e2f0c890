"""Rules every committed notebook keeps (their cells' outputs are checked by nbval)."""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers import PROJECT_ROOT
from helpers.files import lesson_notebooks

NOTEBOOKS = lesson_notebooks(PROJECT_ROOT / "notebooks")
RANKING = re.compile(r"\b(sort_values|nsmallest|nlargest|idxmin|idxmax|argmin|argmax|sorted)\(")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_ranking_is_made_on_the_validation_year(path):
    """Choosing, ranking or tuning on test scores would make them optimistic: every ranking names validation."""
    notebook = nbformat.read(path, as_version=4)
    rankings = [line.strip() for cell in notebook.cells if cell.cell_type == "code"
                for line in cell.source.splitlines() if RANKING.search(line)]
    on_test = [line for line in rankings if "val" not in line.lower()]
    assert not on_test, f"{path.name} ranks something other than validation scores: {on_test}"
