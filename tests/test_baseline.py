"""benchmarks/baseline.py: the benchmark's baseline gives the lesson's numbers by the slow route, in a kernel only."""

from __future__ import annotations

import os
import subprocess
import sys

from benchmarks import baseline
from helpers import PROJECT_ROOT, windows
from helpers.settings import PYTHONPATH_VARIABLE, TF_THREADS_VARIABLE, XLA_FLAGS_VARIABLE
from helpers.windows import make_lagged, make_sequences

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import draw_daily_frame


@settings(max_examples=60, deadline=None, database=None)
@given(data=st.data())
def test_the_loops_build_exactly_what_the_vectorised_helpers_build(data):
    frame, columns, window = draw_daily_frame(data)

    X, y, dates = make_sequences(frame, columns, target="target", window=window)
    looped_X, looped_y, looped_dates = baseline.looped_sequences(frame, columns, target="target", window=window)
    for ours, loop in ((X, looped_X), (y, looped_y)):
        np.testing.assert_array_equal(loop, ours, strict=True)  # the same values, dtypes and shapes
    assert looped_dates.equals(dates)
    pd.testing.assert_frame_equal(baseline.looped_lagged(frame, columns, lags=window),
                                  make_lagged(frame, columns, lags=window), check_exact=True)


@pytest.mark.parametrize("loop, arguments", [
    (baseline.looped_sequences, {"target": "b", "window": 0}),
    (baseline.looped_lagged, {"lags": 2.5}),
])
def test_the_loops_check_their_arguments_as_the_helpers_do(loop, arguments, make_frame):
    with pytest.raises(ValueError, match=r"must be a whole number of days >= 1"):
        loop(make_frame(rows=8, columns=["a", "b"]), ["a"], **arguments)


@pytest.fixture
def restored(monkeypatch):
    """Whatever install() swaps in this process is put back after the test."""
    for module, name in baseline.replacements():
        monkeypatch.setattr(module, name, getattr(module, name))
    for module_name, module in list(sys.modules.items()):
        if module is not None and module_name.startswith("helpers."):
            for _, name in baseline.replacements():
                if name in vars(module):
                    monkeypatch.setattr(module, name, vars(module)[name])


def test_install_swaps_the_loops_and_the_plain_settings_in(restored, _isolated, capsys, monkeypatch):
    from helpers import setup, training

    monkeypatch.setenv(XLA_FLAGS_VARIABLE, "")
    monkeypatch.setenv("PYTHONHASHSEED", os.environ.get("PYTHONHASHSEED", "0"))
    lesson_fit = training.compile_and_fit
    baseline.install()
    from helpers.setup import set_up_notebook
    from helpers.training import compile_and_fit
    from helpers.windows import make_lagged as installed_lagged
    from helpers.windows import make_sequences as installed_sequences

    assert windows.make_sequences is installed_sequences is baseline.looped_sequences
    assert installed_lagged is baseline.looped_lagged
    set_up_notebook(_isolated)
    assert setup.set_up_notebook is set_up_notebook is baseline.plain_set_up_notebook  # the notebook's call
    assert os.environ[XLA_FLAGS_VARIABLE] == ""  # XLA's default level
    assert "default level" in capsys.readouterr().out
    baseline.install()  # twice: no harm
    assert windows.make_sequences is baseline.looped_sequences and compile_and_fit is training.compile_and_fit

    keras = pytest.importorskip("keras")
    rows = np.linspace(-1, 1, 64, dtype="float32").reshape(32, 2)
    part = windows.Part(rows, rows.sum(axis=1, keepdims=True), None)
    fits = []
    for fit in (lesson_fit, compile_and_fit):
        training.set_seed(3)
        model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
        history, _ = fit(model, part, part, batch_size=8, epochs=3, xla=True, quiet=True)
        fits.append((model, history.history))
    if keras.backend.backend() == "tensorflow":  # JAX always compiles with XLA
        assert fits[0][0].jit_compile and not fits[1][0].jit_compile  # the baseline compiles plainly
    assert fits[1][1]["loss"] != [] and set(fits[1][1]) == set(fits[0][1])


def test_the_baseline_keeps_tensorflow_s_default_threads_unless_told(monkeypatch):
    """In a fresh process, as in a benchmark kernel: install, then the notebook's own set-up call."""
    pytest.importorskip("tensorflow")
    code = ("import benchmarks.baseline as b; b.install()\n"
            "from helpers.setup import set_up_notebook; set_up_notebook()\n"
            "import os, tensorflow as tf; t = tf.config.threading\n"
            "print(t.get_inter_op_parallelism_threads(), t.get_intra_op_parallelism_threads(), 'XLA_FLAGS' in os.environ)")
    env = {**os.environ, "KERAS_BACKEND": "tensorflow", PYTHONPATH_VARIABLE: str(PROJECT_ROOT)}
    for name in (TF_THREADS_VARIABLE, XLA_FLAGS_VARIABLE):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT / "notebooks")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-3:] == ["0", "0", "False"]
    env[TF_THREADS_VARIABLE] = "2"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PROJECT_ROOT / "notebooks")
    assert done.stdout.split()[-3:] == ["2", "2", "False"]


def test_the_benchmark_puts_the_install_cell_first_and_the_project_on_the_kernel_s_path(monkeypatch):
    import nbformat

    run_benchmarks = pytest.importorskip("benchmarks.run_benchmarks")
    monkeypatch.setenv(PYTHONPATH_VARIABLE, "/elsewhere")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import helpers")])
    env = run_benchmarks.as_baseline(notebook)
    assert [cell.source for cell in notebook.cells] == [baseline.INSTALL_CELL, "import helpers"]
    assert notebook.cells[0].metadata["tags"] == [baseline.INSTALL_TAG]
    assert env == {PYTHONPATH_VARIABLE: os.pathsep.join([str(PROJECT_ROOT), "/elsewhere"])}
