"""tests/nbval_results.py: the nbval run's staging results folder, and the comparison notebook last."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from helpers.settings import RESULTS_VARIABLE
from tests import nbval_results

import pytest


def item(notebook: str, cell: int):
    """A stand-in for one of nbval's items: a cell of a notebook, with the notebook's path as ``fspath``."""
    return SimpleNamespace(fspath=Path("/project/notebooks") / notebook, cell=cell)


def test_comparison_last_moves_the_comparisons_cells_after_the_others_keeping_each_order():
    items = [item("03_simple_rnn.ipynb", 0), item("10_comparison.ipynb", 0), item("01_dense_baseline.ipynb", 0),
             item("10_comparison.ipynb", 1), item("03_simple_rnn.ipynb", 1)]
    ordered = nbval_results.comparison_last(items)
    assert [(it.fspath.name[:2], it.cell) for it in ordered] == [("03", 0), ("01", 0), ("03", 1), ("10", 0),
                                                                   ("10", 1)]
    assert nbval_results.comparison_last(items[2:3]) == items[2:3]  # without the comparison: as it was


def test_the_modify_items_hook_reorders_the_list_in_place():
    items = [item("10_comparison.ipynb", 0), item("05_lstm.ipynb", 0)]
    same = items
    nbval_results.pytest_collection_modifyitems(None, None, items)
    assert items is same and [it.fspath.name for it in items] == ["05_lstm.ipynb", "10_comparison.ipynb"]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder whose results/ holds two committed results and a file that is not one."""
    root = tmp_path / "project"
    (root / "results").mkdir(parents=True)
    for name in ("01_persistence.json", "03_simple_rnn.json"):
        (root / "results" / name).write_text(f'{{"file": "{name}"}}', encoding="utf-8")
    (root / "results" / "notes.txt").write_text("not a result", encoding="utf-8")
    monkeypatch.setattr(nbval_results, "PROJECT_ROOT", root)
    monkeypatch.setenv(RESULTS_VARIABLE, str(tmp_path / "before"))
    return root


def test_configure_stages_a_copy_of_the_committed_results_and_unconfigure_removes_it(project, tmp_path):
    before = {path.name: path.read_bytes() for path in (project / "results").iterdir()}
    nbval_results.pytest_configure(None)
    try:
        staging = Path(os.environ[RESULTS_VARIABLE])
        assert staging.is_dir() and staging != project / "results" and not staging.is_relative_to(project)
        assert sorted(path.name for path in staging.iterdir()) == ["01_persistence.json", "03_simple_rnn.json"]
        assert (staging / "03_simple_rnn.json").read_bytes() == before["03_simple_rnn.json"]
        (staging / "03_simple_rnn.json").write_text("{}", encoding="utf-8")  # what a notebook's run does
    finally:
        nbval_results.pytest_unconfigure(None)
    assert not staging.exists()
    assert os.environ[RESULTS_VARIABLE] == str(tmp_path / "before")  # put back as it was
    assert {path.name: path.read_bytes() for path in (project / "results").iterdir()} == before  # untouched


def test_unconfigure_removes_the_variable_it_set_when_none_was_set_before(project, monkeypatch):
    monkeypatch.delenv(RESULTS_VARIABLE)
    nbval_results.pytest_configure(None)
    staging = Path(os.environ[RESULTS_VARIABLE])
    nbval_results.pytest_unconfigure(None)
    assert RESULTS_VARIABLE not in os.environ and not staging.exists()
