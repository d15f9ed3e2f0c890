"""tools/nbval_plugin.py: the nbval run's staging results folder, and the runner's order for nbval's cells."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

from helpers.config import Config
from tools import nbval_plugin

import pytest


def item(notebook: str, cell: int):
    """A stand-in for one of nbval's items: a cell of a notebook, with the notebook's path as ``fspath``."""
    return SimpleNamespace(fspath=Path("/project/notebooks") / notebook, cell=cell)


def test_comparison_last_moves_the_comparisons_cells_after_the_others_keeping_each_order():
    items = [item("03_simple_rnn.ipynb", 0), item("10_comparison.ipynb", 0), item("01_dense_baseline.ipynb", 0),
             item("10_comparison.ipynb", 1), item("03_simple_rnn.ipynb", 1)]
    ordered = nbval_plugin.comparison_last(items)
    assert [(it.fspath.name[:2], it.cell) for it in ordered] == [("03", 0), ("01", 0), ("03", 1), ("10", 0),
                                                                   ("10", 1)]
    assert nbval_plugin.comparison_last(items[2:3]) == items[2:3]  # without the comparison: as it was


def test_the_modify_items_hook_reorders_the_list_in_place():
    items = [item("10_comparison.ipynb", 0), item("05_lstm.ipynb", 0)]
    same = items
    nbval_plugin.pytest_collection_modifyitems(None, None, items)
    assert items is same and [it.fspath.name for it in items] == ["05_lstm.ipynb", "10_comparison.ipynb"]


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder whose results/ holds two committed results and a file that is not one."""
    root = tmp_path / "project"
    (root / "results").mkdir(parents=True)
    for name in ("01_persistence.json", "03_simple_rnn.json"):
        (root / "results" / name).write_text(f'{{"file": "{name}"}}', encoding="utf-8")
    (root / "results" / "notes.txt").write_text("not a result", encoding="utf-8")
    monkeypatch.setattr(nbval_plugin, "PROJECT_ROOT", root)
    monkeypatch.setenv("LESSON_RESULTS_DIR", str(tmp_path / "before"))
    monkeypatch.delenv("LESSON_SEED", raising=False)
    return root


def test_configure_stages_a_copy_of_the_committed_results_for_the_kernels_and_unconfigure_undoes_it(
        project, tmp_path, _isolated):
    before = {path.name: path.read_bytes() for path in (project / "results").iterdir()}
    nbval_plugin.pytest_configure(None)
    try:
        kernels = Config.from_environ(os.environ)  # what every kernel nbval starts reads
        staging = kernels.results_dir
        assert kernels == _isolated.but(results_dir=staging)  # this run's configuration, results staged
        assert staging.is_dir() and staging != project / "results" and not staging.is_relative_to(project)
        assert sorted(path.name for path in staging.iterdir()) == ["01_persistence.json", "03_simple_rnn.json"]
        assert (staging / "03_simple_rnn.json").read_bytes() == before["03_simple_rnn.json"]
        (staging / "03_simple_rnn.json").write_text("{}", encoding="utf-8")  # what a notebook's run does
    finally:
        nbval_plugin.pytest_unconfigure(None)
    assert not staging.exists()
    assert os.environ["LESSON_RESULTS_DIR"] == str(tmp_path / "before")  # put back as it was
    assert "LESSON_SEED" not in os.environ
    assert {path.name: path.read_bytes() for path in (project / "results").iterdir()} == before  # untouched
