"""Tests for helpers/files.py: atomic writes with ordinary permissions."""

from __future__ import annotations

import os
import stat

import pytest

from helpers import files


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_text_and_creates_the_folder(tmp_path):
    target = tmp_path / "new" / "summary.md"
    assert files.write_atomically(target, "hello\n") == target
    assert target.read_text(encoding="utf-8") == "hello\n"
    assert [p.name for p in target.parent.iterdir()] == ["summary.md"]


def test_new_files_follow_the_umask_and_replaced_files_keep_their_mode(tmp_path):
    old = os.umask(0o022)
    try:
        fresh = files.write_atomically(tmp_path / "fresh.txt", "x")
        assert mode(fresh) == 0o644
        kept = tmp_path / "kept.txt"
        kept.write_text("old")
        os.chmod(kept, 0o600)
        files.write_atomically(kept, "new")
        assert kept.read_text() == "new" and mode(kept) == 0o600
    finally:
        os.umask(old)


def test_an_interrupted_write_keeps_the_old_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "result.json"
    target.write_text("old")

    def broken_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomically(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_lesson_notebooks_in_order_and_by_prefix(tmp_path):
    for name in ["10_outlook.ipynb", "01_intro.ipynb", "notes.ipynb", "1_short.ipynb", "02_data.txt"]:
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert [path.name for path in files.lesson_notebooks(tmp_path)] == ["01_intro.ipynb", "10_outlook.ipynb"]
    assert [path.name for path in files.lesson_notebooks(tmp_path, ["1"])] == ["10_outlook.ipynb"]
    with pytest.raises(ValueError, match=r"No notebook starts with 05\. Notebooks: 01_intro.ipynb, 10_outlook.ipynb"):
        files.lesson_notebooks(tmp_path, ["01", "05"])
    with pytest.raises(ValueError, match="Notebooks: none"):
        files.lesson_notebooks(tmp_path / "empty", ["01"])


def test_write_notebook_ends_with_a_newline_and_reads_back(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    notebook = new_notebook(cells=[new_code_cell("1 + 1")])
    target = files.write_notebook(tmp_path / "01_a.ipynb", notebook)
    assert target.read_text(encoding="utf-8").endswith("}\n")
    assert nbformat.read(str(target), as_version=4) == notebook
