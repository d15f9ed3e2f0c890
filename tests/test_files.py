"""Tests for helpers/files.py: atomic writes with ordinary permissions."""

from __future__ import annotations

import os
import stat

from helpers import files

import pytest


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
