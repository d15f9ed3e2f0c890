"""tools/run_lesson.py: choosing notebooks, executing them safely, replacing the results, and what a run writes."""

from __future__ import annotations

import importlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import PROJECT_ROOT
from helpers.results import record_result

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


@pytest.fixture(scope="module")
def run_lesson():
    return importlib.import_module("tools.run_lesson")


def write_notebook(path, *cells):
    notebook = new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, str(path))
    return path


# --- find_notebooks ---------------------------------------------------------------------------

LESSON = ["01_intro.ipynb", "02_data.ipynb", "03_rnn.ipynb", "10_outlook.ipynb"]
NOT_LESSON = ["notes.ipynb", "1_short_prefix.ipynb", "03_rnn.txt", "ab_letters.ipynb"]


@pytest.fixture
def notebooks_folder(run_lesson, tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in reversed(LESSON + NOT_LESSON):  # written out of order on purpose
        if name.endswith(".ipynb"):
            write_notebook(folder / name, new_code_cell("1 + 1"))
        else:
            (folder / name).write_text("not a notebook", encoding="utf-8")
    monkeypatch.setattr(run_lesson, "NOTEBOOKS", folder)
    return folder


def names(paths):
    return [path.name for path in paths]


def test_find_notebooks_all_in_order(run_lesson, notebooks_folder):
    found = run_lesson.find_notebooks([])
    assert names(found) == LESSON
    assert all(path.parent == notebooks_folder for path in found)


@pytest.mark.parametrize(
    "selection, expected",
    [
        (["03"], ["03_rnn.ipynb"]),
        (["03", "01"], ["01_intro.ipynb", "03_rnn.ipynb"]),  # lesson order, not argument order
        (["02_data"], ["02_data.ipynb"]),
        (["10"], ["10_outlook.ipynb"]),
    ],
)
def test_find_notebooks_selection(run_lesson, notebooks_folder, selection, expected):
    assert names(run_lesson.find_notebooks(selection)) == expected


@pytest.mark.parametrize("selection", [["0"], ["1"], ["03", "5"]])
def test_a_one_character_prefix_is_refused_before_it_selects_ten_notebooks(run_lesson, notebooks_folder, selection):
    with pytest.raises(SystemExit, match=r"at least their two-digit number \(00 for the set-up check"):
        run_lesson.find_notebooks(selection)


@pytest.mark.parametrize("selection", [["07"], ["01", "99"], ["notes"]])
def test_find_notebooks_unknown_prefix_lists_notebooks(run_lesson, notebooks_folder, selection):
    with pytest.raises(SystemExit) as exit_info:
        run_lesson.find_notebooks(selection)
    message = str(exit_info.value.code)
    unknown = selection[-1]
    assert f"No notebook starts with {unknown}." in message
    for name in LESSON:
        assert name in message
    assert "notes.ipynb" not in message
    if "01" in selection:
        assert "starts with 01" not in message


def test_main_with_unknown_prefix_exits(run_lesson, notebooks_folder):
    with pytest.raises(SystemExit, match="No notebook starts with 42"):
        run_lesson.main(["42"])


def test_main_refuses_zero_jobs(run_lesson, notebooks_folder, capsys):
    with pytest.raises(SystemExit):
        run_lesson.main(["--jobs", "0", "01"])
    assert "--jobs must be 1 or more" in capsys.readouterr().err


def test_only_the_comparison_reads_other_notebooks_results(run_lesson):
    for path in run_lesson.find_notebooks([]):
        source = "\n".join(cell.source for cell in nbformat.read(str(path), as_version=4).cells if cell.cell_type == "code")
        reads = re.search(r"load_(results|predictions|forecasts)\(", source)
        assert bool(reads) == (path.name == run_lesson.COMPARISON), f"{path.name} must stand alone"


# --- nothing a person made is lost (issue "Nothing lost, by design") -------------------------------------


def recording_notebook(path, key, fail=False, name=None):
    """A notebook that records one result under ``key`` into the results folder of its run, then fails if asked."""
    cells = [new_code_cell("from helpers.results import record_result\n"
                           f"record_result({key!r}, {path.name[:2]!r}, name={(name or key.title())!r}, test_rmse=3.0)")]
    if fail:
        cells.append(new_code_cell("raise ValueError('broken on purpose')"))
    return write_notebook(path, *cells)


@pytest.fixture
def lesson_folder(run_lesson, tmp_path, monkeypatch, _isolated):
    """notebooks/ with two recording notebooks and the configuration's results folder holding an earlier run's."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    recording_notebook(folder / "01_one.ipynb", "one")
    recording_notebook(folder / "02_two.ipynb", "two")
    monkeypatch.setattr(run_lesson, "NOTEBOOKS", folder)
    results = _isolated.results_dir  # the configuration every test runs under (tests/conftest.py)
    record_result("earlier", "05", name="Earlier", test_rmse=3.5, folder=results)
    record_result("one", "01", name="One", test_rmse=9.9, folder=results)
    return folder, results


@pytest.fixture(autouse=True)
def documents_written(run_lesson, tmp_path, monkeypatch):
    """What main asks update_documents to write; the real README.md and instructors.md are never touched."""
    import tools.readme

    monkeypatch.setattr(tools.readme, "README", tmp_path / "README.md")  # were the stand-in bypassed: no real file
    monkeypatch.setattr(tools.readme, "INSTRUCTORS", tmp_path / "instructors.md")
    calls = []
    monkeypatch.setattr(run_lesson, "update_documents", lambda *args: calls.append(args))
    return calls


def result_files(results):
    return sorted(path.name for path in results.iterdir())


def snapshot(*folders):
    """Every file under ``folders``, name -> bytes."""
    return {path: path.read_bytes() for folder in folders for path in sorted(Path(folder).rglob("*")) if path.is_file()}


def test_a_full_run_replaces_the_results_prints_them_and_updates_the_documents(run_lesson, lesson_folder, capsys,
                                                                              documents_written):
    folder, results = lesson_folder
    assert run_lesson.main(["--jobs", "1"]) == 0
    # 05_earlier.json is no result of the lesson's models (helpers.lesson.MODELS): it is someone's, and kept
    assert result_files(results) == ["01_one.json", "02_two.json", "05_earlier.json"]
    assert json.loads((results / "01_one.json").read_text())["test_rmse"] == 3.0  # this run's
    out = capsys.readouterr().out
    table = out[out.index("Results, ranked by validation RMSE"):].splitlines()[2:]
    assert sorted(line.split()[:2] for line in table) == [["Earlier", "05"], ["One", "01"], ["Two", "02"]]
    assert len(documents_written) == 1
    written_results, seconds, total = documents_written[0]
    # the documents get the table the summary printed, computed once
    assert sorted(written_results.recorded["key"]) == ["earlier", "one", "two"] and sorted(seconds) == ["01", "02"]
    assert all(value > 0 for value in seconds.values()) and total >= max(seconds.values())
    for path in folder.iterdir():  # executed in place
        assert all(cell.execution_count for cell in nbformat.read(path, as_version=4).cells)
    assert not list(results.glob(".run-*")) and not list(results.glob(".*lock"))  # no staging, no lock left


def test_a_full_run_keeps_a_learners_own_result_and_replaces_only_the_lessons(run_lesson, lesson_folder):
    folder, results = lesson_folder
    recording_notebook(folder / "01_one.ipynb", "persistence", name="Persistence")  # a key of the lesson's
    record_result("climatology", test_rmse=4.0, folder=results)  # the lesson's, not written by this run
    record_result("my_model", "03", name="My model", test_rmse=2.0, folder=results)  # a learner's own
    (results / "notes.txt").write_text("mine", encoding="utf-8")
    mine = {name: (results / name).read_bytes() for name in ("03_my_model.json", "notes.txt")}
    assert run_lesson.main(["--jobs", "1"]) == 0
    assert "01_climatology.json" not in result_files(results)  # the lesson's result the run did not write: gone
    assert {"01_persistence.json", "02_two.json"} <= set(result_files(results))
    assert {name: (results / name).read_bytes() for name in mine} == mine


def test_a_partial_run_keeps_the_other_results_and_leaves_the_documents_alone(run_lesson, lesson_folder, capsys,
                                                                             documents_written):
    folder, results = lesson_folder
    assert run_lesson.main(["--jobs", "1", "02"]) == 0
    assert sorted(path.name for path in results.glob("*.json")) == ["01_one.json", "02_two.json", "05_earlier.json"]
    assert json.loads((results / "01_one.json").read_text())["test_rmse"] == 9.9  # not rerun, not touched
    assert "Earlier" in capsys.readouterr().out  # the table shows every result there, not only this run's
    assert documents_written == []


def test_a_full_run_into_another_folder_leaves_the_notebooks_and_the_documents_alone(run_lesson, lesson_folder,
                                                                                     tmp_path, documents_written):
    folder, results = lesson_folder
    before = snapshot(folder)
    assert run_lesson.main(["--jobs", "1", "--output-dir", str(tmp_path / "executed")]) == 0
    assert documents_written == [] and snapshot(folder) == before
    assert nbformat.read(tmp_path / "executed" / "01_one.ipynb", as_version=4).cells[0].execution_count == 1


def test_a_failed_run_leaves_the_notebooks_and_the_results_as_they_were(run_lesson, lesson_folder, capsys):
    folder, results = lesson_folder
    recording_notebook(folder / "02_two.ipynb", "two", fail=True)
    before = snapshot(folder, results)
    assert run_lesson.main(["--jobs", "1"]) == 1  # 01 ran and succeeded first: it is not written either
    assert snapshot(folder, results) == before
    assert "and so is" in capsys.readouterr().err


def test_a_key_another_episode_holds_fails_a_partial_run_and_a_full_run_moves_it(run_lesson, lesson_folder, capsys):
    folder, results = lesson_folder
    recording_notebook(folder / "02_two.ipynb", "earlier")  # 05_earlier.json already holds this key
    before = {name: (results / name).read_bytes() for name in result_files(results)}
    assert run_lesson.main(["--jobs", "1", "02"]) == 1  # a partial run starts from the results there
    assert {name: (results / name).read_bytes() for name in result_files(results)} == before
    assert "already holds a result with the key 'earlier', from another episode" in capsys.readouterr().err
    assert run_lesson.main(["--jobs", "1"]) == 0  # a full run starts from an empty table: the key moves to 02
    assert sorted(path.name for path in results.glob("*.json")) == ["01_one.json", "02_earlier.json"]


def saving_notebook(path):
    """A notebook whose cell plays a person saving it in Jupyter while the runner executes it."""
    return write_notebook(path, new_code_cell(f"import pathlib\np = pathlib.Path({str(path)!r})\n"
                                              "p.write_text(p.read_text().replace('plays a', 'played a'))"),
                          new_markdown_cell("a person plays a part here"))


@pytest.mark.parametrize("output_dir", [None, "the notebooks folder"])
def test_a_notebook_saved_while_it_runs_is_not_overwritten(run_lesson, tmp_path, monkeypatch, capsys, output_dir,
                                                           _isolated):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    path = saving_notebook(folder / "01_edited.ipynb")
    monkeypatch.setattr(run_lesson, "NOTEBOOKS", folder)
    words = ["--jobs", "1"] + (["--output-dir", str(folder)] if output_dir else [])
    assert run_lesson.main(words) == 1
    assert "played a part" in path.read_text()  # the person's version, not the executed copy
    assert nbformat.read(path, as_version=4).cells[0].outputs == []
    assert "changed on disk while" in capsys.readouterr().err
    assert result_files(_isolated.results_dir) == []


def test_an_output_dir_keeps_a_copy_typed_into_and_force_replaces_it_after_a_backup(run_lesson, lesson_folder,
                                                                                   tmp_path, capsys):
    folder, results = lesson_folder
    learner = tmp_path / "learner"
    learner.mkdir()
    typed = write_notebook(learner / "01_one.ipynb", new_code_cell("# what a learner typed\nx = 1"))
    mine = typed.read_bytes()
    before = snapshot(results)
    assert run_lesson.main(["--jobs", "1", "--output-dir", str(learner)]) == 1
    err = capsys.readouterr().err
    assert str(typed) in err and "--force" in err
    assert typed.read_bytes() == mine and snapshot(results) == before  # nothing ran, nothing was written
    assert run_lesson.main(["--jobs", "1", "--output-dir", str(learner), "--force"]) == 0
    backups = list((learner / "backups").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == mine
    assert nbformat.read(typed, as_version=4).cells[0].execution_count == 1  # the executed copy
    # what the run wrote there, it replaces again without --force
    assert run_lesson.main(["--jobs", "1", "--output-dir", str(learner)]) == 0
    assert len(list((learner / "backups").iterdir())) == 1


def test_a_full_disk_gives_one_message_naming_the_folder_and_writes_nothing(run_lesson, lesson_folder, monkeypatch,
                                                                            capsys):
    import errno

    import helpers.files

    folder, results = lesson_folder
    before = snapshot(folder, results)

    class FullDisk:
        def __init__(self, *args, dir=None, **kwargs):  # noqa: A002
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(helpers.files.tempfile, "NamedTemporaryFile", FullDisk)  # every atomic write
    assert run_lesson.main(["--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert str(folder) in err and "full" in err and "Traceback" not in err
    assert snapshot(folder, results) == before
    assert not list(results.glob(".run-*"))  # no staging folder left


def test_a_results_folder_that_cannot_be_made_gives_one_message_naming_it(run_lesson, lesson_folder, tmp_path,
                                                                          _isolated, capsys):
    from helpers.config import using

    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    with using(_isolated.but(results_dir=blocker / "results")):
        assert run_lesson.main(["--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert str(blocker) in err and len(err.strip().splitlines()) == 1


# --- signals and two runs at once, with real processes ---------------------------------------------------


def long_notebooks(folder, markers, quick_first=False):
    """Notebooks whose cell writes its kernel's pid into a marker file, then sleeps; the first quick if asked."""
    folder.mkdir(exist_ok=True)
    for number, marker in enumerate(markers, start=2 if quick_first else 1):
        write_notebook(folder / f"0{number}_long.ipynb",
                       new_code_cell(f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\n"
                                     "time.sleep(120)"))
    if quick_first:
        recording_notebook(folder / "01_quick.ipynb", "quick")


def start_run(folder, results, *words):
    """``python -m tools.run_lesson`` over ``folder``'s notebooks, results into ``results``, in a process of its own."""
    env = {**os.environ, "LESSON_RESULTS_DIR": str(results)}
    return subprocess.Popen([sys.executable, "-m", "tools.run_lesson", "--notebooks-dir", str(folder), *words],
                            env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_markers(process, markers, seconds=90):
    deadline = time.time() + seconds
    while not all(marker.exists() and marker.read_text() for marker in markers):
        assert process.poll() is None and time.time() < deadline, process.communicate()
        time.sleep(0.2)


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_every_kernel_says_one_line_and_writes_nothing(tmp_path, signum, status):
    folder, results = tmp_path / "notebooks", tmp_path / "results"
    markers = [tmp_path / "pid-1", tmp_path / "pid-2"]
    long_notebooks(folder, markers)
    record_result("earlier", "05", name="Earlier", test_rmse=3.5, folder=results)
    before = snapshot(folder, results)
    process = start_run(folder, results, "--jobs", "2")
    try:
        wait_for_markers(process, markers)
        process.send_signal(signum)  # Ctrl-C in the terminal; an editor's stop button
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == status, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "nothing was written" in lines[0], err  # one line, no traceback
    assert out.count("stopped (left unchanged)") == 2
    assert all(gone(int(marker.read_text())) for marker in markers)  # no kernel left behind
    assert snapshot(folder, results) == before
    assert not list(results.glob(".run-*")) and not list(results.glob(".*lock"))


def test_an_interrupted_run_one_at_a_time_rewrites_no_notebook_it_finished(tmp_path):
    folder, results = tmp_path / "notebooks", tmp_path / "results"
    marker = tmp_path / "pid-2"
    long_notebooks(folder, [marker], quick_first=True)  # 01 records and ends; 02 runs on
    before = snapshot(folder)
    process = start_run(folder, results, "--jobs", "1")
    try:
        wait_for_markers(process, [marker])
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "01_quick.ipynb  ok in" in out
    assert snapshot(folder) == before  # 01 finished, yet is not rewritten: the message says so
    assert not results.exists() or not list(results.glob("*.json"))


def test_a_second_run_into_the_same_results_is_refused_naming_the_first(tmp_path):
    folder, results = tmp_path / "notebooks", tmp_path / "results"
    marker = tmp_path / "pid-1"
    long_notebooks(folder, [marker])
    other = tmp_path / "other"
    other.mkdir()
    recording_notebook(other / "01_one.ipynb", "one")
    first = start_run(folder, results, "--jobs", "1")
    try:
        wait_for_markers(first, [marker])
        second = subprocess.run([sys.executable, "-m", "tools.run_lesson", "--notebooks-dir", str(other), "--jobs", "1"],
                                env={**os.environ, "LESSON_RESULTS_DIR": str(results)}, cwd=PROJECT_ROOT,
                                capture_output=True, text=True, timeout=120)
        assert first.poll() is None  # the first run goes on
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
        first.kill()
    assert second.returncode == 1, second.stdout
    assert f"pid {first.pid}" in second.stderr and "tools.run_lesson" in second.stderr
    assert not (results / "01_one.json").exists()  # the second run wrote nothing
    assert first.returncode == 143


def test_a_notebook_that_is_not_valid_json_is_named_before_anything_runs(run_lesson, lesson_folder, capsys):
    folder, results = lesson_folder
    (folder / "02_two.ipynb").write_text('{"cells": [', encoding="utf-8")
    before = (folder / "01_one.ipynb").read_bytes()
    with pytest.raises(SystemExit, match=r"02_two\.ipynb is not a notebook that can be run .*git checkout --"):
        run_lesson.main(["--jobs", "1"])
    assert (folder / "01_one.ipynb").read_bytes() == before  # 01 did not run either


@pytest.mark.parametrize("make_target", ["a file", "under a file"])
def test_an_output_dir_that_cannot_be_written_is_refused_before_anything_runs(run_lesson, lesson_folder, tmp_path,
                                                                              make_target):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file", encoding="utf-8")
    target = blocker if make_target == "a file" else blocker / "out"
    with pytest.raises(SystemExit, match=r"--output-dir .* (is a file, not a folder|cannot be written)"):
        run_lesson.main(["--jobs", "1", "--output-dir", str(target)])
    folder, results = lesson_folder
    assert json.loads((results / "01_one.json").read_text())["test_rmse"] == 9.9
