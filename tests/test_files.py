"""Tests for helpers/files.py: atomic writes with ordinary permissions, plain messages, and the record of what
the tools wrote (a file someone changed is kept)."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

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


def test_bytes_are_written_as_they_are(tmp_path):
    data = b"\x00\xffnot text\r\n"
    assert files.write_bytes_atomically(tmp_path / "out.bin", data).read_bytes() == data


@pytest.mark.parametrize("number, words", [(errno.ENOSPC, "is full"), (errno.EROFS, "cannot be written to")])
def test_a_full_disk_or_read_only_folder_is_one_message_naming_the_folder_and_the_old_file_stays(
        tmp_path, monkeypatch, number, words):
    target = tmp_path / "notes" / "result.json"
    target.parent.mkdir()
    target.write_text("old")

    def refused(src, dst):
        raise OSError(number, os.strerror(number))

    monkeypatch.setattr(files.os, "replace", refused)
    with pytest.raises(files.WriteError, match=words) as caught:
        files.write_atomically(target, "new")
    assert str(target.parent) in str(caught.value) and "run the command again" in str(caught.value)
    assert isinstance(caught.value, OSError)  # callers that catch OSError still catch it
    assert target.read_text() == "old" and [p.name for p in target.parent.iterdir()] == ["result.json"]


def test_a_file_where_the_folder_belongs_is_named(tmp_path):
    (tmp_path / "results").write_text("a file")
    with pytest.raises(files.WriteError, match="a file is where a folder should be"):
        files.write_atomically(tmp_path / "results" / "01.json", "{}")


def test_a_copy_is_whole_or_absent(tmp_path, monkeypatch):
    source = tmp_path / "typed.ipynb"
    source.write_bytes(b"typed by a learner")
    copied = files.copy_atomically(source, tmp_path / "backups" / "typed-1.ipynb")
    assert copied.read_bytes() == source.read_bytes()

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full)
    with pytest.raises(files.WriteError):
        files.copy_atomically(source, tmp_path / "backups" / "typed-2.ipynb")
    assert [p.name for p in (tmp_path / "backups").iterdir()] == ["typed-1.ipynb"]


def test_write_unless_edited_keeps_what_the_tools_did_not_write(tmp_path):
    target = tmp_path / "copy.ipynb"
    assert files.write_unless_edited(target, "first") == (target, "written")
    assert files.write_unless_edited(target, "first") == (target, "unchanged")
    assert files.write_unless_edited(target, "second") == (target, "updated")  # the tools' own: replaced
    target.write_text("typed into")
    assert files.write_unless_edited(target, "third") == (target, "kept")
    assert target.read_text() == "typed into"
    path, outcome = files.write_unless_edited(target, "third", force=True)
    backup = Path(outcome.removeprefix("replaced (backup: ").removesuffix(")"))
    assert backup.parent == tmp_path / "backups" and backup.read_text() == "typed into"
    assert target.read_text() == "third"


def test_a_file_written_before_the_record_existed_is_kept(tmp_path):
    target = tmp_path / "old-copy.ipynb"
    target.write_text("someone's")
    assert files.write_unless_edited(target, "new") == (target, "kept")
    assert files.written_by_tools(target) is False and files.written_by_tools(tmp_path / "missing") is True


def test_a_broken_record_counts_as_none(tmp_path):
    target = tmp_path / "copy.ipynb"
    files.write_unless_edited(target, "first")
    (tmp_path / files.RECORD_NAME).write_text("[not a record")
    assert files.write_unless_edited(target, "second") == (target, "kept")


def test_two_backups_in_one_second_are_both_kept(tmp_path):
    target = tmp_path / "copy.ipynb"
    target.write_text("v1")
    first = files.copy_atomically(target, files.backup_path(target))
    target.write_text("v2")
    second = files.copy_atomically(target, files.backup_path(target))
    assert first != second and first.read_text() == "v1" and second.read_text() == "v2"
