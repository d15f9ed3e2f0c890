"""tools/venvs.py: an environment is made only where nothing is or where the tools made one; the Python finder.

A stand-in Python (a shell script that lays out a folder as `python -m venv FOLDER` would) keeps these fast:
nothing here makes a real environment, and nothing touches the project's own folders.
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import version
from pathlib import Path

from tools import venvs

import pytest

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the stand-in Python is a POSIX shell script")


@pytest.fixture
def stand_in(tmp_path) -> tuple[Path, Path]:
    """A stand-in for `python -m venv FOLDER` and the log of its calls."""
    log = tmp_path / "calls.log"
    script = tmp_path / "stand-in-python"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\nmkdir -p "$3/bin" && : > "$3/bin/python" '
                      f'&& : > "$3/pyvenv.cfg"\n', encoding="utf-8")
    script.chmod(0o755)
    return script, log


def project_like(root: Path) -> Path:
    """A folder that looks like the project: what must never be deleted."""
    for name, text in {".git/HEAD": "ref: refs/heads/main\n", "notebooks/01_x.ipynb": "{}",
                       "learner/01_x.ipynb": '{"typed": 1}', "pyproject.toml": "[project]\n"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def everything(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_a_missing_folder_gets_the_marker_then_the_environment(tmp_path, stand_in):
    python, log = stand_in
    folder = tmp_path / "project" / ".venv"
    assert venvs.make_venv(python, folder) == venvs.venv_python(folder)
    assert (folder / venvs.MARKER_NAME).is_file() and (folder / "pyvenv.cfg").is_file()
    assert log.read_text().split() == ["-m", "venv", str(folder)]


@pytest.mark.parametrize("name", [".", "notebooks", "learner", ".git"])
def test_a_folder_with_files_is_refused_by_name_and_nothing_is_deleted(tmp_path, stand_in, name):
    python, log = stand_in
    root = project_like(tmp_path / "project")
    before = everything(root)
    folder = root / name
    with pytest.raises(venvs.VenvError, match="nothing in it is deleted: set LESSON_VENV") as refused:
        venvs.make_venv(python, folder, remedy="set LESSON_VENV to another folder")
    assert str(folder) in str(refused.value) and venvs.MARKER_NAME in str(refused.value)
    assert everything(root) == before and not log.exists()


def test_a_half_made_environment_of_the_tools_is_made_again(tmp_path, stand_in):
    python, log = stand_in
    folder = tmp_path / ".venv"
    folder.mkdir()
    (folder / venvs.MARKER_NAME).write_text("made by the tools\n")
    (folder / "lib").mkdir()  # stopped half-way: no bin/python
    venvs.make_venv(python, folder)
    assert not (folder / "lib").exists() and venvs.venv_python(folder).exists()


def test_an_old_stamp_counts_as_the_tools_mark_and_an_empty_folder_may_be_used(tmp_path, stand_in):
    python, _ = stand_in
    old = tmp_path / ".venv"
    (old / "bin").mkdir(parents=True)
    (old / ".installed").write_text("digest\n")
    venvs.make_venv(python, old, stamps=(".installed",))
    (tmp_path / "empty").mkdir()
    venvs.make_venv(python, tmp_path / "empty")
    assert venvs.made_by_tools(old) and venvs.made_by_tools(tmp_path / "empty")


def test_a_link_or_a_file_is_never_cleared(tmp_path):
    target = project_like(tmp_path / "project")
    (tmp_path / "link").symlink_to(target, target_is_directory=True)
    (target / venvs.MARKER_NAME).write_text("a marker inside the linked folder does not make the link ours\n")
    file = tmp_path / "a-file"
    file.write_text("keep me")
    for folder in (tmp_path / "link", file):
        with pytest.raises(venvs.VenvError):
            venvs.clear_folder(folder)
    assert (target / "notebooks" / "01_x.ipynb").exists() and file.read_text() == "keep me"


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_variable_means_the_default_folder(tmp_path, text):
    assert venvs.folder_from_environ("LESSON_VENV", ".venv", tmp_path, {"LESSON_VENV": text}) == tmp_path / ".venv"
    assert venvs.folder_from_environ("LESSON_VENV", ".venv", tmp_path, {}) == tmp_path / ".venv"


def test_a_relative_folder_is_taken_from_the_root_and_a_file_is_refused(tmp_path):
    assert venvs.folder_from_environ("LESSON_VENV", ".venv", tmp_path, {"LESSON_VENV": "v"}) == tmp_path / "v"
    (tmp_path / "README.md").write_text("x")
    with pytest.raises(venvs.VenvError, match=r"LESSON_VENV='README.md' names a file .* unset it for \.venv"):
        venvs.folder_from_environ("LESSON_VENV", ".venv", tmp_path, {"LESSON_VENV": "README.md"})


def test_the_finder_takes_a_named_python_in_range_and_says_why_not_otherwise(tmp_path):
    running = sys.version_info[:2]
    assert venvs.find_python(sys.executable, oldest=running, newest=running) == Path(sys.executable)
    other = (3, running[1] + 1)
    with pytest.raises(venvs.VenvError, match=rf"is not a Python 3\.{other[1]} \(it is Python 3\.{running[1]}\)"):
        venvs.find_python(sys.executable, oldest=other, newest=other)
    with pytest.raises(venvs.VenvError, match="it does not run.*--python"):
        venvs.find_python(str(tmp_path / "no-such-python"))


def test_the_finder_looks_on_the_path_for_the_versions_asked(tmp_path, monkeypatch):
    running = sys.version_info[:2]
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / f"python{running[0]}.{running[1]}").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    assert venvs.find_python(oldest=running, newest=running) == tmp_path / "bin" / f"python{running[0]}.{running[1]}"
    with pytest.raises(venvs.VenvError, match=r"No Python 3\.9 found on the PATH or in pyenv"):
        venvs.find_python(oldest=(3, 9), newest=(3, 9))


def test_pins_are_read_with_their_markers_and_comments_skipped(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text('# a comment\nnumpy==2.2.6\ntensorflow==2.21.0; sys_platform != "linux"  # why\n\n'
                            "pandas>=2\n", encoding="utf-8")
    assert venvs.pins(requirements) == [("numpy", "2.2.6", ""), ("tensorflow", "2.21.0", 'sys_platform != "linux"')]


def test_missing_or_changed_pins_are_found_in_the_environments_own_python(tmp_path):
    requirements = tmp_path / "requirements.txt"
    installed = version("pytest")
    requirements.write_text(f"pytest=={installed}\nno-such-package-here==1.0\nnbformat==0.0.1\n"
                            'pytest==0.0.2; sys_platform == "no such platform"\n', encoding="utf-8")
    wrong = venvs.missing_pins(Path(sys.executable), requirements)
    assert wrong == ["no-such-package-here==1.0 (missing)", f"nbformat==0.0.1 ({version('nbformat')})"]
    requirements.write_text(f"pytest=={installed}\n", encoding="utf-8")
    assert venvs.missing_pins(Path(sys.executable), requirements) == []


def test_a_python_that_does_not_run_is_broken_beyond_a_reinstall(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy==2.2.6\n")
    assert venvs.missing_pins(tmp_path / "bin" / "python", tmp_path / "requirements.txt") is None
    assert venvs.has_pip(tmp_path / "bin" / "python") is False
    assert venvs.has_pip(Path(sys.executable)) is True
