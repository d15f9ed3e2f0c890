"""tools/runner.py: the one runner's order, kernels' environment, signals, the run lock; notebooks run side by side."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

from helpers import PROJECT_ROOT
from helpers.config import Config
from tools import runner

import nbformat
import pytest
from nbclient.exceptions import CellTimeoutError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def write_notebook(path, *cells):
    notebook = new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, str(path))
    return path


# --- the order ----------------------------------------------------------------------------------------


def test_side_by_side_the_setup_check_starts_first_then_the_episodes_from_the_last():
    paths = sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))  # the lesson's own notebooks
    names = [path.name[:2] for path in runner.start_order(paths, jobs=2)]
    assert names[0] == "00" and names[-1] == "10"
    assert names[1:-1] == sorted(names[1:-1], reverse=True) and sorted(names) == [path.name[:2] for path in paths]
    assert runner.start_order(paths, jobs=1) == paths  # one at a time: the lesson's order
    assert runner.start_order(paths[3:6], jobs=2) == paths[3:6][::-1]


def test_one_at_a_time_the_comparison_moves_last_and_the_rest_keep_their_order():
    items = ["03_b-colab.ipynb", "10_comparison-colab.ipynb", "00_setup_check-colab.ipynb", "01_a-colab.ipynb"]
    assert runner.start_order(items, jobs=1) == ["00_setup_check-colab.ipynb", "03_b-colab.ipynb", "01_a-colab.ipynb",
                                                 "10_comparison-colab.ipynb"]
    cells = [("10_c.ipynb", 0), ("05_x.ipynb", 0), ("10_c.ipynb", 1), ("05_x.ipynb", 1)]
    assert runner.start_order(cells, name=lambda cell: cell[0]) == [("05_x.ipynb", 0), ("05_x.ipynb", 1),
                                                                    ("10_c.ipynb", 0), ("10_c.ipynb", 1)]


def test_default_jobs_is_one_per_core_up_to_four(monkeypatch):
    for cores, expected in [(None, 1), (1, 1), (2, 2), (4, 4), (16, 4)]:
        monkeypatch.setattr(runner.os, "cpu_count", lambda cores=cores: cores)
        assert runner.default_jobs() == expected


@pytest.mark.parametrize("jobs", [0, -2, 1.5, True])
def test_run_notebooks_refuses_a_bad_number_of_jobs(tmp_path, jobs):
    path = write_notebook(tmp_path / "01_a.ipynb", new_code_cell("1"))
    with pytest.raises(ValueError, match="jobs must be a whole number >= 1"):
        runner.run_notebooks([path], jobs=jobs)


# --- the kernels' environment -------------------------------------------------------------------------


def test_thread_shares_give_side_by_side_kernels_one_openmp_thread_each(monkeypatch):
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 2)
    assert runner.thread_shares(1, {}) == {}  # one at a time: nothing to share
    assert runner.thread_shares(2, {}) == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "2"}
    assert "intra_op_parallelism_threads=1" in runner.thread_shares(2, {"KERAS_BACKEND": "jax"})["XLA_FLAGS"]
    assert "OMP_NUM_THREADS" not in runner.thread_shares(2, {"OMP_NUM_THREADS": "2"})  # the user's choice stands
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 8)
    assert runner.thread_shares(2, {}) == {}  # four cores each: no contention to prevent


def test_a_kernels_environment_carries_the_configuration_and_leaves_this_process_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 2)
    before = dict(os.environ)
    config = Config(results_dir=tmp_path / "staging", data_dir=tmp_path / "data", seed=7, strict=True)
    env = runner.kernel_environment(config, jobs=2, environ={"PATH": "/bin", "TF_CPP_MIN_LOG_LEVEL": "1"}, EXTRA="x")
    assert Config.from_environ(env) == config  # the kernel reads back exactly this configuration
    assert env["PATH"] == "/bin" and env["EXTRA"] == "x" and env["OMP_NUM_THREADS"] == "1"
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "1"  # a value the user set stands; the others keep TensorFlow quiet
    assert env["TF_ENABLE_ONEDNN_OPTS"] == "0"
    assert dict(os.environ) == before


# --- signals and the lock -----------------------------------------------------------------------------


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_ctrl_c_raise_stopped_with_the_exit_status_and_the_handlers_come_back(signum, status):
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    with pytest.raises(runner.Stopped) as stop:
        with runner.signals_raise():
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler raises at once
    assert stop.value.status == status
    assert {number: signal.getsignal(number) for number in before} == before


def test_signals_held_during_a_block_are_noted_not_acted_on():
    with runner.signals_held() as arrived:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.1)
    assert arrived == [signal.SIGTERM]


def test_a_second_run_is_refused_with_the_name_of_the_first(tmp_path):
    notes = []
    with runner.run_lock(tmp_path, report=notes.append, command="tools lesson 01") as lock:
        assert json.loads(lock.read_text())["pid"] == os.getpid()
        with pytest.raises(runner.Busy, match=rf"pid {os.getpid()}, `tools lesson 01`, started .*kill {os.getpid()}"):
            with runner.run_lock(tmp_path, report=notes.append):
                pass
        assert lock.exists()  # the refused run did not remove the first one's lock
    assert not lock.exists() and notes == []


def test_a_lock_left_by_a_run_that_no_longer_runs_is_taken_over_with_a_note(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (tmp_path / runner.LOCK_NAME).write_text(json.dumps({"pid": gone.pid, "command": "tools lesson", "started": "x"}))
    notes = []
    with runner.run_lock(tmp_path, report=notes.append) as lock:
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert len(notes) == 1 and f"pid {gone.pid}" in notes[0] and "no longer runs" in notes[0]
    assert not lock.exists()


def test_tools_name_nothing_in_tests():
    for path in (PROJECT_ROOT / "tools").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(from|import) tests\b|tests[./](nbval|colab_stub)", text), path


# --- notebooks side by side, with real kernels ---------------------------------------------------------


def wait_for(marker):
    """Code for a cell that waits up to 60 s for a file, then fails."""
    return (
        "import pathlib, time\n"
        "deadline = time.time() + 60\n"
        f"while not pathlib.Path({str(marker)!r}).exists():\n"
        "    assert time.time() < deadline, 'the other notebook never ran'\n"
        "    time.sleep(0.1)"
    )


def touch(marker):
    return f"import pathlib\npathlib.Path({str(marker)!r}).write_text('here')"


@pytest.mark.slow
def test_two_jobs_run_two_notebooks_at_the_same_time_and_write_nothing(tmp_path):
    # each notebook waits for the other's marker: only a parallel run can finish both
    first = write_notebook(tmp_path / "01_a.ipynb", new_code_cell(touch(tmp_path / "a")), new_code_cell(wait_for(tmp_path / "b")))
    second = write_notebook(tmp_path / "02_b.ipynb", new_code_cell(touch(tmp_path / "b")), new_code_cell(wait_for(tmp_path / "a")))
    before = {path: path.read_bytes() for path in (first, second)}
    lines = []
    executed = runner.run_notebooks([first, second], jobs=2, timeout=120, report=lines.append)
    assert set(executed) == {first, second}
    assert [line.split()[-1] for line in lines[:2]] == ["running", "running"]
    assert sum("ok in" in line for line in lines) == 2
    for result in executed.values():  # every cell executed, none raised
        assert result.seconds > 0
        assert all(cell.execution_count for cell in result.notebook.cells)
        assert not any(output.output_type == "error" for cell in result.notebook.cells for output in cell.outputs)
    assert {path: path.read_bytes() for path in before} == before  # the runner writes nothing


@pytest.mark.slow
def test_the_kernel_gets_the_environment_given_and_runs_in_the_notebooks_folder(tmp_path):
    path = write_notebook(tmp_path / "01_env.ipynb", new_code_cell("import os\nprint(os.environ['LESSON_SEED'], os.getcwd())"))
    config = Config(results_dir=tmp_path / "results", data_dir=tmp_path / "data", seed=11)
    executed = runner.run_notebooks([path], env=runner.kernel_environment(config), report=lambda text: None)
    assert executed[path].notebook.cells[0].outputs[0].text == f"11 {tmp_path}\n"
    assert os.environ.get("LESSON_SEED") != "11"


@pytest.mark.slow
def test_the_comparison_starts_only_after_every_other_notebook(tmp_path):
    slow = write_notebook(tmp_path / "01_slow.ipynb", new_code_cell("import time\ntime.sleep(2)\n" + touch(tmp_path / "done")))
    other = write_notebook(tmp_path / "02_other.ipynb", new_code_cell("1 + 1"))
    comparison = write_notebook(tmp_path / "10_comparison.ipynb",
                                new_code_cell(f"import pathlib\nassert pathlib.Path({str(tmp_path / 'done')!r}).exists()"))
    lines = []
    runner.run_notebooks([slow, other, comparison], jobs=3, timeout=120, report=lines.append)
    started = [index for index, line in enumerate(lines) if "10_comparison" in line and "running" in line][0]
    finished = [index for index, line in enumerate(lines) if "ok in" in line and "10_comparison" not in line]
    assert len(finished) == 2 and started > max(finished)


@pytest.mark.slow
def test_a_failure_stops_the_other_running_notebooks(tmp_path):
    # side by side the episodes start from the last: 03 and 02 run, 01 waits
    slow = write_notebook(tmp_path / "03_slow.ipynb", new_code_cell("import time\ntime.sleep(90)"),
                          new_code_cell(touch(tmp_path / "finished")))
    failing = write_notebook(tmp_path / "02_fails.ipynb", new_code_cell('raise ValueError("broken on purpose")'))
    later = write_notebook(tmp_path / "01_later.ipynb", new_code_cell(touch(tmp_path / "later ran")))
    lines = []
    with pytest.raises(runner.NotebookFailed, match="broken on purpose") as failure:
        runner.run_notebooks([later, failing, slow], jobs=2, timeout=120, report=lines.append)
    assert failure.value.path == failing and failure.value.cell == 1
    assert any("03_slow.ipynb" in line and "stopped" in line for line in lines)
    assert not any("01_later" in line for line in lines)  # never started
    assert not (tmp_path / "finished").exists() and not (tmp_path / "later ran").exists()


@pytest.mark.slow
def test_a_failing_cell_is_named_with_its_number_and_first_line(tmp_path):
    path = write_notebook(
        tmp_path / "03_fails.ipynb",
        new_markdown_cell("# Not a code cell, not counted"),
        new_code_cell("a = 1"),
        new_code_cell('raise RuntimeError("boom in cell two")\n# second line'),
        new_code_cell('print("never runs")'),
    )
    with pytest.raises(runner.NotebookFailed) as failure:
        runner.run_notebooks([path], report=lambda text: None)
    assert (failure.value.cell, failure.value.first_line) == (2, 'raise RuntimeError("boom in cell two")')
    assert "boom in cell two" in str(failure.value)


@pytest.mark.slow
def test_a_timed_out_cell_fails_the_notebook(tmp_path):
    path = write_notebook(tmp_path / "04_slow.ipynb", new_code_cell("import time\ntime.sleep(30)"))
    with pytest.raises(runner.NotebookFailed) as failure:
        runner.run_notebooks([path], timeout=1, report=lambda text: None)
    assert isinstance(failure.value.error, CellTimeoutError)


@pytest.mark.slow
def test_a_dying_kernel_is_reported_with_its_last_messages(tmp_path, capfd):
    path = write_notebook(tmp_path / "05_dies.ipynb",
                          new_code_cell("import os, sys\nos.write(2, b'last words of the kernel\\n')\nos._exit(3)"))
    with pytest.raises(runner.NotebookFailed) as failure:
        runner.run_notebooks([path], timeout=60, report=lambda text: None)
    assert "last words of the kernel" in str(failure.value)
    assert "TCP without encryption" not in capfd.readouterr().err  # the kernel's stderr stays off the terminal


def test_failing_cell_reports_the_first_error():
    notebook = new_notebook(cells=[
        new_code_cell("ok", outputs=[nbformat.v4.new_output("stream", name="stdout", text="fine")]),
        new_markdown_cell("text"),
        new_code_cell("", outputs=[]),
        new_code_cell("1/0\nmore", outputs=[nbformat.v4.new_output("error", ename="ZeroDivisionError",
                                                                     evalue="division by zero", traceback=[])]),
    ])
    assert runner.failing_cell(notebook) == (3, "1/0")
    assert runner.failing_cell(new_notebook(cells=[new_code_cell("x")])) == (0, "")


def test_a_stopped_run_has_a_status_the_shell_knows():
    assert runner.Stopped(signal.SIGTERM).status == 143 and runner.Stopped(signal.SIGINT).status == 130
    assert isinstance(runner.Stopped(), KeyboardInterrupt)  # code that catches Ctrl-C catches SIGTERM too


# a run whose caller is gone (the entry killed with SIGKILL, a closed terminal's SIGHUP to the entry alone) must stop,
# not go on unattended and write what its user stopped
ORPHANED_RUN = """
import asyncio, sys
from pathlib import Path
from tools.runner import Stopped, run_notebooks
here = Path(sys.argv[1])
async def work(path):
    await asyncio.sleep(30)
    (here / "finished").write_text("yes")
(here / "started").write_text("yes")
try:
    run_notebooks([here / "01_a.ipynb"], report=lambda text: None, work=work)
except Stopped as stop:
    (here / "stopped").write_text(str(stop.status))
"""
MIDDLE = """
import subprocess, sys, time
subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
time.sleep(60)
"""


@pytest.mark.skipif(os.name == "nt", reason="POSIX: a parent's end is seen as SIGHUP")
def test_a_run_whose_caller_was_killed_stops_instead_of_going_on(tmp_path):
    middle = subprocess.Popen([sys.executable, "-c", MIDDLE, ORPHANED_RUN, str(tmp_path)], cwd=PROJECT_ROOT,
                              env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    try:
        for _ in range(300):
            if (tmp_path / "started").exists():
                break
            time.sleep(0.05)
        time.sleep(1)
        middle.kill()  # SIGKILL: the run's caller cannot pass anything on
        middle.wait()
        for _ in range(200):
            if (tmp_path / "stopped").exists():
                break
            time.sleep(0.05)
    finally:
        middle.kill()
    assert (tmp_path / "stopped").read_text() == str(128 + int(getattr(signal, "SIGHUP", signal.SIGTERM)))
    assert not (tmp_path / "finished").exists()


def test_environment_sets_and_restores_variables(monkeypatch):
    monkeypatch.setenv("LESSON_SEED", "5")
    monkeypatch.delenv("LESSON_STRICT_CHECKS", raising=False)
    with pytest.raises(RuntimeError):
        with runner.environment(LESSON_SEED="7", LESSON_STRICT_CHECKS="0"):
            assert os.environ["LESSON_SEED"] == "7" and os.environ["LESSON_STRICT_CHECKS"] == "0"
            raise RuntimeError("the block failed")
    assert os.environ["LESSON_SEED"] == "5" and "LESSON_STRICT_CHECKS" not in os.environ
