"""tools/newest.py: what the scan calls a problem, and that only folders the tool made are ever deleted.

The check itself (a new environment from the package index, the whole lesson) is CI's own step,
`python3 -m tools newest`; nothing here installs anything or starts TensorFlow.
"""

from __future__ import annotations

import os
import subprocess

from tools import newest, venvs

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

CLEAN = ("Simple RNN: test RMSE 3.45 h. The lesson measured 3.40 to 3.50 h over 10 seeds; the check accepts "
         "3.31 to 3.59 h")
FUTURE = ("/lesson/helpers/data.py:41: Pandas4Warning: dayofyear is deprecated and will be removed in pandas 4.\n"
          "  frame['day'] = frame.index.dayofyear\n")
OUTSIDE = ("Gradient boosting: test RMSE 3.70 h, higher than the check accepts (3.31 to 3.59 h; the lesson measured "
           "3.40 to 3.50 h over 10 seeds, median 3.45 h).\nSmall differences between computers are normal.")


def notebook(*outputs_per_cell):
    """A notebook: a Markdown cell, then one code cell per list of outputs."""
    cells = [new_markdown_cell("A Warning in Markdown is prose, not an output.")]
    cells += [new_code_cell("x = 1", outputs=list(outputs)) for outputs in outputs_per_cell]
    return nbformat.from_dict(new_notebook(cells=cells))


def stream(text, name="stdout"):
    return new_output("stream", name=name, text=text)


def texts(found):
    return [(problem.cell, problem.text) for problem in found]


def test_a_clean_notebook_has_no_problems():
    clean = notebook([stream(CLEAN)], [new_output("execute_result", data={"text/plain": "42"}, execution_count=2)], [])
    assert newest.scan(clean, "03_simple_rnn.ipynb") == []


def test_a_warning_on_stderr_is_named_by_its_line_and_cell():
    found = newest.scan(notebook([stream("fine")], [stream(FUTURE, "stderr")]), "01_dense_baseline.ipynb")
    assert texts(found) == [(2, FUTURE.splitlines()[0])]
    assert found[0].notebook == "01_dense_baseline.ipynb"


@pytest.mark.parametrize("line", ["numpy.py:3: DeprecationWarning: old", "UserWarning: odd", "warning: careful",
                                  "np.foo is Deprecated since 2.5"])
def test_warnings_anywhere_in_stdout_or_results(line):
    printed = newest.scan(notebook([stream(f"before\n{line}\nafter")]), "n.ipynb")
    shown = newest.scan(notebook([new_output("display_data", data={"text/plain": line})]), "n.ipynb")
    assert texts(printed) == texts(shown) == [(1, line)]


def test_any_stderr_output_is_a_problem_even_without_a_warning():
    found = newest.scan(notebook([stream("\nsomething odd\nmore\n", "stderr")]), "n.ipynb")
    assert texts(found) == [(1, "stderr: something odd")]


def test_an_error_is_a_problem():
    error = new_output("error", ename="ValueError", evalue="bad shape", traceback=["Traceback", "ValueError: bad"])
    assert texts(newest.scan(notebook([], [error]), "n.ipynb")) == [(2, "error: ValueError: bad shape")]


def test_a_verdict_outside_the_checked_range_is_a_problem():
    found = newest.scan(notebook([stream(CLEAN)], [], [stream(OUTSIDE)]), "09_more_context.ipynb")
    assert texts(found) == [(3, OUTSIDE.splitlines()[0])]


def test_the_kernel_check_compares_the_pandas_version_shown():
    shown = notebook([stream("Keras      3.20.0 on tensorflow 2.22.0\npandas     3.1.0\nPackages: OK\n")])
    assert newest.check_kernel(shown, "3.1.0") == []
    assert "did not run in .venv-newest" in newest.check_kernel(shown, "2.3.3")[0]


def test_a_missing_or_empty_folder_may_be_used(tmp_path):
    newest.clear_folder(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    newest.clear_folder(tmp_path / "empty")
    assert not (tmp_path / "empty").exists()


@pytest.mark.parametrize("proof", [newest.STAMP_NAME, newest.MARKER_NAME])
def test_a_folder_the_tool_made_is_deleted(tmp_path, proof):
    folder = tmp_path / ".venv-newest"
    (folder / "bin").mkdir(parents=True)
    (folder / proof).write_text("made here\n")
    newest.clear_folder(folder)
    assert not folder.exists()


def test_a_folder_someone_else_made_is_left_alone(tmp_path):
    folder = tmp_path / ".venv-newest"
    (folder / "bin").mkdir(parents=True)
    (folder / "mine.txt").write_text("keep me\n")
    with pytest.raises(newest.NewestError, match="did not make .* nothing in it is deleted: move it away"):
        newest.clear_folder(folder)
    assert (folder / "mine.txt").read_text() == "keep me\n"
    file = tmp_path / "a-file"
    file.write_text("keep me too\n")
    with pytest.raises(newest.NewestError):
        newest.clear_folder(file)
    assert file.read_text() == "keep me too\n"


def test_an_environment_someone_else_made_is_not_replaced(tmp_path, monkeypatch):
    folder = tmp_path / ".venv-newest"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").write_text("")
    monkeypatch.setattr(newest, "fingerprint", lambda python: "abc")
    monkeypatch.setattr(newest.subprocess, "call", lambda *a, **k: pytest.fail("nothing may be installed"))
    with pytest.raises(newest.NewestError):
        newest.ensure_environment(tmp_path / "python", folder)
    assert (folder / "bin" / "python").exists()


def test_a_matching_stamp_reuses_the_environment(tmp_path, monkeypatch):
    folder = tmp_path / ".venv-newest"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").write_text("")
    (folder / newest.STAMP_NAME).write_text("# abc\nnumpy==2.5.0\n")
    monkeypatch.setattr(newest, "fingerprint", lambda python: "abc")
    monkeypatch.setattr(newest.subprocess, "call", lambda *a, **k: pytest.fail("nothing may be installed"))
    assert newest.ensure_environment(tmp_path / "python", folder) == folder / "bin" / "python"


def test_an_interpreter_that_does_not_run_is_named(tmp_path):
    with pytest.raises(newest.NewestError, match="does not run"):
        newest.fingerprint(tmp_path / "no-python")
    with pytest.raises(newest.NewestError, match="does not run.*--python"):
        newest.find_python(str(tmp_path / "no-python"))


def test_a_set_up_stopped_before_its_stamp_is_made_again_next_time(tmp_path, monkeypatch):
    if os.name == "nt":
        pytest.skip("the stand-in Python is a POSIX shell script")
    python = tmp_path / "stand-in-python"  # lays out a folder as `python -m venv FOLDER` would
    python.write_text('#!/bin/sh\nmkdir -p "$3/bin" && : > "$3/bin/python"\n', encoding="utf-8")
    python.chmod(0o755)
    folder = tmp_path / ".venv-newest"
    real_call = subprocess.call
    monkeypatch.setattr(newest, "fingerprint", lambda python: "abc")
    monkeypatch.setattr(newest.subprocess, "call",
                        lambda command, **options: real_call(command) if "venv" in command else 1)  # pip fails
    with pytest.raises(newest.NewestError, match="failed"):
        newest.ensure_environment(python, folder)
    assert (folder / venvs.MARKER_NAME).is_file() and not (folder / newest.STAMP_NAME).exists()
    (folder / "left-over").write_text("from the stopped set-up")
    with pytest.raises(newest.NewestError, match="failed"):
        newest.ensure_environment(python, folder)  # made again: it is the tools' own
    assert not (folder / "left-over").exists()
