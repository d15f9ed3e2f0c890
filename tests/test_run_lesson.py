"""tools/run_lesson.py: choosing notebooks, executing them safely, replacing the results, and what a run writes."""

from __future__ import annotations

import importlib
import json
import os
import re
import sys

from helpers import PROJECT_ROOT
from helpers.results import record_result

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError
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


# --- execute ----------------------------------------------------------------------------------


def test_execute_writes_outputs_in_place(run_lesson, tmp_path):
    path = write_notebook(
        tmp_path / "01_tiny.ipynb",
        new_code_cell("import os\nx = 20"),
        new_code_cell("print(x + 1)\nos.getcwd()"),
    )
    seconds = run_lesson.execute(path, None, timeout=120)
    assert isinstance(seconds, float) and seconds > 0
    executed = nbformat.read(str(path), as_version=4)
    outputs = executed.cells[1].outputs
    assert [output.output_type for output in outputs] == ["stream", "execute_result"]
    assert outputs[0].text == "21\n"
    # the kernel ran in the notebook's folder, so relative paths in a notebook work
    assert outputs[1].data["text/plain"] == repr(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["01_tiny.ipynb"]  # no temporary file left
    assert path.read_text(encoding="utf-8").endswith("}\n")  # ends as Jupyter and nbformat.write end a file


def test_execute_keeps_one_stdout_output_per_cell(run_lesson, tmp_path):
    path = write_notebook(
        tmp_path / "01_prints.ipynb",
        new_code_cell("import sys, time\nprint('first')\nsys.stdout.flush()\ntime.sleep(0.5)\nprint('second')"),
    )
    run_lesson.execute(path, None, timeout=120)
    outputs = nbformat.read(str(path), as_version=4).cells[0].outputs
    assert [(output.output_type, output.name, output.text) for output in outputs] == [("stream", "stdout", "first\nsecond\n")]


def test_execute_to_output_dir_leaves_source_alone(run_lesson, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    path = write_notebook(source / "02_tiny.ipynb", new_code_cell("2 * 21"))
    before = path.read_bytes()
    out = tmp_path / "out" / "executed"
    run_lesson.execute(path, out, timeout=120)
    assert path.read_bytes() == before
    executed = nbformat.read(str(out / "02_tiny.ipynb"), as_version=4)
    assert executed.cells[0].outputs[0].data["text/plain"] == "42"


def test_failing_cell_raises_notebook_failed_and_keeps_the_file(run_lesson, tmp_path):
    path = write_notebook(
        tmp_path / "03_fails.ipynb",
        new_markdown_cell("# Not a code cell, not counted"),
        new_code_cell("a = 1"),
        new_code_cell('raise RuntimeError("boom in cell two")\n# second line'),
        new_code_cell('print("never runs")'),
    )
    before = path.read_bytes()
    with pytest.raises(run_lesson.NotebookFailed) as failure:
        run_lesson.execute(path, None, timeout=120)
    assert failure.value.cell == 2
    assert failure.value.first_line == 'raise RuntimeError("boom in cell two")'
    assert failure.value.path == path
    assert "boom in cell two" in str(failure.value)
    assert path.read_bytes() == before  # byte-identical
    assert sorted(p.name for p in tmp_path.iterdir()) == ["03_fails.ipynb"]


def test_failing_cell_reports_the_first_error(run_lesson):
    notebook = new_notebook(cells=[
        new_code_cell("ok", outputs=[nbformat.v4.new_output("stream", name="stdout", text="fine")]),
        new_markdown_cell("text"),
        new_code_cell("", outputs=[]),
        new_code_cell("1/0\nmore", outputs=[nbformat.v4.new_output("error", ename="ZeroDivisionError",
                                                                     evalue="division by zero", traceback=[])]),
    ])
    assert run_lesson.failing_cell(notebook) == (3, "1/0")
    assert run_lesson.failing_cell(new_notebook(cells=[new_code_cell("x")])) == (0, "")


def test_timed_out_cell_raises_and_keeps_the_file(run_lesson, tmp_path):
    path = write_notebook(tmp_path / "04_slow.ipynb", new_code_cell("import time\ntime.sleep(30)"))
    before = path.read_bytes()
    with pytest.raises(run_lesson.NotebookFailed) as failure:
        run_lesson.execute(path, None, timeout=1)
    assert isinstance(failure.value.error, CellTimeoutError)
    assert "timed out" in str(failure.value)
    # cell 1 if the interrupted cell recorded an error before the kernel stopped, else 0 ("a cell (timed out)")
    assert failure.value.cell in (0, 1)
    assert path.read_bytes() == before




# --- several notebooks at once, in the order their needs ask for ----------------------------------


def wait_for(marker):
    """Code for a cell that waits up to 60 s for a file, then fails."""
    return (
        "import pathlib, time\n"
        f"deadline = time.time() + 60\n"
        f"while not pathlib.Path({str(marker)!r}).exists():\n"
        "    assert time.time() < deadline, 'the other notebook never ran'\n"
        "    time.sleep(0.1)"
    )


def touch(marker):
    return f"import pathlib\npathlib.Path({str(marker)!r}).write_text('here')"


def test_two_jobs_run_two_notebooks_at_the_same_time(run_lesson, tmp_path):
    # each notebook waits for the other's marker: only a parallel run can finish both
    first = write_notebook(tmp_path / "01_a.ipynb", new_code_cell(touch(tmp_path / "a")), new_code_cell(wait_for(tmp_path / "b")))
    second = write_notebook(tmp_path / "02_b.ipynb", new_code_cell(touch(tmp_path / "b")), new_code_cell(wait_for(tmp_path / "a")))
    lines = []
    seconds = run_lesson.run_notebooks([first, second], jobs=2, timeout=120, report=lines.append)
    assert set(seconds) == {first, second}
    assert [line.split()[-1] for line in lines[:2]] == ["running", "running"]
    assert sum("ok in" in line for line in lines) == 2
    for path in (first, second):  # both written back, every cell executed, none raised
        cells = nbformat.read(str(path), as_version=4).cells
        assert all(cell.execution_count for cell in cells)
        assert not any(output.output_type == "error" for cell in cells for output in cell.outputs)


def test_the_comparison_starts_only_after_every_other_notebook(run_lesson, tmp_path):
    slow = write_notebook(tmp_path / "01_slow.ipynb", new_code_cell("import time\ntime.sleep(2)\n" + touch(tmp_path / "done")))
    other = write_notebook(tmp_path / "02_other.ipynb", new_code_cell("1 + 1"))
    comparison = write_notebook(tmp_path / run_lesson.COMPARISON,
                                new_code_cell(f"import pathlib\nassert pathlib.Path({str(tmp_path / 'done')!r}).exists()"))
    lines = []
    run_lesson.run_notebooks([slow, other, comparison], jobs=3, timeout=120, report=lines.append)
    started = [index for index, line in enumerate(lines) if run_lesson.COMPARISON in line and "running" in line][0]
    finished = [index for index, line in enumerate(lines) if "ok in" in line and run_lesson.COMPARISON not in line]
    assert len(finished) == 2 and started > max(finished)


def test_a_failure_stops_the_other_running_notebooks_and_writes_neither(run_lesson, tmp_path):
    # side by side the episodes start from the last: 03 and 02 run, 01 waits
    slow = write_notebook(tmp_path / "03_slow.ipynb", new_code_cell("import time\ntime.sleep(90)"),
                          new_code_cell(touch(tmp_path / "finished")))
    failing = write_notebook(tmp_path / "02_fails.ipynb", new_code_cell('raise ValueError("broken on purpose")'))
    later = write_notebook(tmp_path / "01_later.ipynb", new_code_cell(touch(tmp_path / "later ran")))
    before = {path: path.read_bytes() for path in (slow, failing, later)}
    lines = []
    with pytest.raises(run_lesson.NotebookFailed, match="broken on purpose") as failure:
        run_lesson.run_notebooks([later, failing, slow], jobs=2, timeout=120, report=lines.append)
    assert failure.value.path == failing
    assert any("03_slow.ipynb" in line and "stopped" in line for line in lines)
    assert not any("01_later" in line for line in lines)  # never started
    assert {path: path.read_bytes() for path in before} == before
    assert not (tmp_path / "finished").exists() and not (tmp_path / "later ran").exists()


def test_side_by_side_the_setup_check_starts_first_then_the_episodes_from_the_last(run_lesson):
    paths = run_lesson.find_notebooks([])  # the lesson's own notebooks
    names = [path.name[:2] for path in run_lesson.start_order(paths, jobs=2)]
    assert names[0] == "00" and names[-1] == "10"
    assert names[1:-1] == sorted(names[1:-1], reverse=True) and sorted(names) == [path.name[:2] for path in paths]
    assert run_lesson.start_order(paths, jobs=1) == paths  # one at a time: the lesson's order
    assert run_lesson.start_order(paths[3:6], jobs=2) == paths[3:6][::-1]


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True])
def test_run_notebooks_refuses_a_bad_number_of_jobs(run_lesson, tmp_path, jobs):
    path = write_notebook(tmp_path / "01_a.ipynb", new_code_cell("1"))
    with pytest.raises(ValueError, match="jobs must be a whole number >= 1"):
        run_lesson.run_notebooks([path], jobs=jobs)


def test_main_refuses_zero_jobs(run_lesson, notebooks_folder, capsys):
    with pytest.raises(SystemExit):
        run_lesson.main(["--jobs", "0", "01"])
    assert "--jobs must be 1 or more" in capsys.readouterr().err


def test_default_jobs_is_one_per_core_up_to_four(run_lesson, monkeypatch):
    for cores, expected in [(None, 1), (1, 1), (2, 2), (4, 4), (16, 4)]:
        monkeypatch.setattr(run_lesson.os, "cpu_count", lambda cores=cores: cores)
        assert run_lesson.default_jobs() == expected


def test_only_the_comparison_reads_other_notebooks_results(run_lesson):
    for path in run_lesson.find_notebooks([]):
        source = "\n".join(cell.source for cell in nbformat.read(str(path), as_version=4).cells if cell.cell_type == "code")
        reads = re.search(r"load_(results|predictions|forecasts)\(", source)
        assert bool(reads) == (path.name == run_lesson.COMPARISON), f"{path.name} must stand alone"


def test_a_dying_kernel_is_reported_with_its_last_messages(run_lesson, tmp_path, capfd):
    path = write_notebook(
        tmp_path / "05_dies.ipynb",
        new_code_cell("import os, sys\nos.write(2, b'last words of the kernel\\n')\nos._exit(3)"),
    )
    before = path.read_bytes()
    with pytest.raises(run_lesson.NotebookFailed) as failure:
        run_lesson.execute(path, None, timeout=60)
    assert "last words of the kernel" in str(failure.value)
    assert path.read_bytes() == before
    assert "TCP without encryption" not in capfd.readouterr().err  # the kernel's stderr stays off the terminal


def runner_in_a_process(folder, results):
    """(command, env) that run the runner with --jobs 2 over ``folder``'s notebooks in a Python of its own."""
    driver = (
        "import sys, pathlib\n"
        "from tools import run_lesson\n"
        f"run_lesson.NOTEBOOKS = pathlib.Path({str(folder)!r})\n"
        "sys.exit(run_lesson.main(['--jobs', '2']))\n"
    )
    return [sys.executable, "-c", driver], {**os.environ, "LESSON_RESULTS_DIR": str(results)}


def test_ctrl_c_stops_every_kernel_and_writes_nothing(tmp_path):
    import signal
    import subprocess
    import time

    folder = tmp_path / "notebooks"
    folder.mkdir()
    pids = [tmp_path / "pid-1", tmp_path / "pid-2"]
    for number, pid in enumerate(pids, start=1):
        write_notebook(
            folder / f"0{number}_long.ipynb",
            new_code_cell(f"import os, time\nopen({str(pid)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)"),
            new_code_cell(touch(tmp_path / f"finished-{number}")),
        )
    before = {path: path.read_bytes() for path in folder.iterdir()}
    command, env = runner_in_a_process(folder, tmp_path / "results")
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        deadline = time.time() + 90
        while not all(pid.exists() and pid.read_text() for pid in pids):
            assert process.poll() is None and time.time() < deadline, process.communicate()
            time.sleep(0.2)
        process.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "Interrupted" in err
    assert "Task was destroyed" not in err  # nbclient's leftover tasks are ended, not dropped
    assert out.count("stopped (left unchanged)") == 2
    for pid in pids:  # both kernels have exited
        with pytest.raises(ProcessLookupError):
            os.kill(int(pid.read_text()), 0)
    assert {path: path.read_bytes() for path in folder.iterdir()} == before
    assert not list(tmp_path.glob("finished-*"))


def test_a_failed_run_ends_with_the_report_and_no_asyncio_noise(tmp_path):
    import subprocess

    folder = tmp_path / "notebooks"
    folder.mkdir()
    write_notebook(folder / "01_slow.ipynb", new_code_cell("import time\ntime.sleep(60)"))
    write_notebook(folder / "02_fails.ipynb", new_code_cell('raise ValueError("broken on purpose")'))
    command, env = runner_in_a_process(folder, tmp_path / "results")
    done = subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "02_fails.ipynb: code cell 1" in done.stderr and "broken on purpose" in done.stderr
    assert "Task was destroyed" not in done.stderr  # was printed after every failed run with a second kernel


# --- nothing a person made is lost (issue "Nothing ... is ever lost") -----------------------------


def recording_notebook(path, key, fail=False):
    """A notebook that records one result under ``key`` into the results folder of its run, then fails if asked."""
    cells = [new_code_cell("from helpers.results import record_result\n"
                           f"record_result({key!r}, {path.name[:2]!r}, name={key.title()!r}, test_rmse=3.0)")]
    if fail:
        cells.append(new_code_cell("raise ValueError('broken on purpose')"))
    return write_notebook(path, *cells)


@pytest.fixture
def lesson_folder(run_lesson, tmp_path, monkeypatch):
    """notebooks/ with two recording notebooks and a results folder holding an earlier run's results."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    recording_notebook(folder / "01_one.ipynb", "one")
    recording_notebook(folder / "02_two.ipynb", "two")
    monkeypatch.setattr(run_lesson, "NOTEBOOKS", folder)
    results = tmp_path / "results"
    monkeypatch.setenv("LESSON_RESULTS_DIR", str(results))
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


def test_a_full_run_replaces_the_results_prints_them_and_updates_the_documents(run_lesson, lesson_folder, capsys,
                                                                              documents_written):
    folder, results = lesson_folder
    assert run_lesson.main(["--jobs", "1"]) == 0
    assert sorted(path.name for path in results.iterdir()) == ["01_one.json", "02_two.json"]  # no summary files
    out = capsys.readouterr().out
    table = out[out.index("Results, ranked by validation RMSE"):].splitlines()[2:]
    assert sorted(line.split()[:2] for line in table) == [["One", "01"], ["Two", "02"]]
    assert "Earlier" not in out  # the earlier run's results were replaced
    assert len(documents_written) == 1
    written_results, seconds, total = documents_written[0]
    assert written_results == results and sorted(seconds) == ["01", "02"]
    assert all(value > 0 for value in seconds.values()) and total >= max(seconds.values())
    assert not list(results.glob(".run-*"))  # no staging folder left


def test_a_partial_run_keeps_the_other_results_and_leaves_the_documents_alone(run_lesson, lesson_folder, capsys,
                                                                             documents_written):
    folder, results = lesson_folder
    assert run_lesson.main(["--jobs", "1", "02"]) == 0
    assert sorted(path.name for path in results.glob("*.json")) == ["01_one.json", "02_two.json", "05_earlier.json"]
    assert json.loads((results / "01_one.json").read_text())["test_rmse"] == 9.9  # not rerun, not touched
    assert "Earlier" in capsys.readouterr().out  # the table shows every result there, not only this run's
    assert documents_written == []


def test_a_full_run_into_another_folder_leaves_the_documents_alone(run_lesson, lesson_folder, tmp_path,
                                                                   documents_written):
    assert run_lesson.main(["--jobs", "1", "--output-dir", str(tmp_path / "executed")]) == 0
    assert documents_written == []


def test_a_failed_run_leaves_the_results_as_they_were(run_lesson, lesson_folder, capsys):
    folder, results = lesson_folder
    recording_notebook(folder / "02_two.ipynb", "two", fail=True)
    before = {name: (results / name).read_bytes() for name in result_files(results)}
    assert run_lesson.main(["--jobs", "1"]) == 1
    assert {name: (results / name).read_bytes() for name in result_files(results)} == before
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


def test_a_notebook_saved_while_it_runs_is_not_overwritten(run_lesson, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    path = folder / "01_edited.ipynb"
    # the cell plays a person saving the notebook in Jupyter while the runner executes it
    write_notebook(path, new_code_cell(f"import pathlib\np = pathlib.Path({str(path)!r})\n"
                                       "p.write_text(p.read_text().replace('plays a', 'played a'))"),
                   new_markdown_cell("a person plays a part here"))
    monkeypatch.setattr(run_lesson, "NOTEBOOKS", folder)
    monkeypatch.setenv("LESSON_RESULTS_DIR", str(tmp_path / "results"))
    assert run_lesson.main(["--jobs", "1"]) == 1
    assert "played a part" in path.read_text()  # the person's version, not the executed copy
    assert nbformat.read(path, as_version=4).cells[0].outputs == []
    assert "changed on disk while it ran" in capsys.readouterr().err


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


def test_environment_sets_and_restores_variables(run_lesson, monkeypatch):
    monkeypatch.setenv("LESSON_SEED", "5")
    monkeypatch.delenv("LESSON_STRICT_CHECKS", raising=False)
    with pytest.raises(RuntimeError):
        with run_lesson.environment(LESSON_SEED="7", LESSON_STRICT_CHECKS="0"):
            assert os.environ["LESSON_SEED"] == "7" and os.environ["LESSON_STRICT_CHECKS"] == "0"
            raise RuntimeError("the block failed")
    assert os.environ["LESSON_SEED"] == "5" and "LESSON_STRICT_CHECKS" not in os.environ


def test_thread_shares_give_side_by_side_kernels_one_openmp_thread_each(run_lesson, monkeypatch):
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "XLA_FLAGS", "KERAS_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(run_lesson.os, "cpu_count", lambda: 2)
    assert run_lesson.thread_shares(1) == {}  # one at a time: nothing to share
    assert run_lesson.thread_shares(2) == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "2"}
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert "intra_op_parallelism_threads=1" in run_lesson.thread_shares(2)["XLA_FLAGS"]
    monkeypatch.setenv("OMP_NUM_THREADS", "2")  # the user's choice stands
    assert "OMP_NUM_THREADS" not in run_lesson.thread_shares(2)
    monkeypatch.setattr(run_lesson.os, "cpu_count", lambda: 8)
    assert run_lesson.thread_shares(2) == {}  # four cores each: no contention to prevent
