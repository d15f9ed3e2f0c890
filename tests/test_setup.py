"""helpers/setup.py, and helpers without it: importing changes nothing; the one set-up call quiets, sets, seeds, says."""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys

from helpers import PROJECT_ROOT
from helpers.config import using
from helpers.settings import QUIET_TENSORFLOW, XLA_FLAGS_VARIABLE, XLA_QUICKER_FLAG
from helpers.setup import ask_for_quicker_xla, quiet_tensorflow, set_up, set_up_notebook

import numpy as np
import pytest

HELPERS = sorted(path.stem for path in (PROJECT_ROOT / "helpers").glob("*.py") if path.stem != "__init__")

# A fresh Python that looks like a Jupyter kernel to helpers.quiet.in_kernel (its stderr's class comes from
# "ipykernel"), imports the modules named in argv, and reports what changed: variables, descriptor 2, threads.
IMPORT_ALL = r"""
import json, os, sys, threading

class Stream:
    def __init__(self, stream): self.stream = stream
    def write(self, text): return self.stream.write(text)
    def flush(self): self.stream.flush()
Stream.__module__ = "ipykernel.iostream"
sys.stderr = Stream(sys.stderr)

environ, descriptor = dict(os.environ), os.fstat(2)
threads = {thread.name for thread in threading.enumerate()}
for name in sys.argv[1:]:
    __import__(name)
after = os.fstat(2)
print(json.dumps({
    "changed": sorted(name for name in {*environ, *os.environ} if environ.get(name) != os.environ.get(name)),
    "descriptor_2_moved": (descriptor.st_dev, descriptor.st_ino) != (after.st_dev, after.st_ino),
    "new_threads": sorted({thread.name for thread in threading.enumerate()} - threads),
    "tensorflow_logger": __import__("logging").getLogger("tensorflow").level,
}))
"""


def imported(*modules: str, **env: str) -> dict:
    """What importing ``modules`` in a fresh, kernel-like Python changed (see IMPORT_ALL)."""
    environment = {name: value for name, value in os.environ.items()
                   if name not in QUIET_TENSORFLOW and name != XLA_FLAGS_VARIABLE}
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL, *modules], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env={**environment, **env}, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_helpers_and_its_modules_changes_nothing():
    """No variable set, no descriptor redirected, no thread started, no logger touched (helpers.training aside:
    it imports Keras, and TensorFlow sets variables of its own when imported)."""
    modules = ["helpers", *(f"helpers.{name}" for name in HELPERS if name != "training")]
    assert imported(*modules) == {"changed": [], "descriptor_2_moved": False, "new_threads": [],
                                  "tensorflow_logger": logging.NOTSET}


def test_running_the_training_module_touches_no_variable_and_no_logger(monkeypatch):
    """helpers.training imports Keras (and TensorFlow, which sets variables of its own the first time): its own
    code, run again here in a namespace of its own, must change nothing."""
    import runpy

    pytest.importorskip("keras")
    import helpers.training

    monkeypatch.setattr(logging.getLogger("tensorflow"), "level", logging.NOTSET)
    environ = dict(os.environ)
    namespace = runpy.run_path(helpers.training.__file__, run_name="helpers.training_again")
    assert "compile_and_fit" in namespace
    assert dict(os.environ) == environ
    assert logging.getLogger("tensorflow").level == logging.NOTSET


# --- the set-up call ---------------------------------------------------------------------------------------


def test_the_set_up_call_prints_one_line_and_seeds(_isolated, capsys, monkeypatch):
    pytest.importorskip("keras")
    monkeypatch.setenv("PYTHONHASHSEED", os.environ.get("PYTHONHASHSEED", "0"))  # set_seed writes it
    monkeypatch.setenv(XLA_FLAGS_VARIABLE, os.environ.get(XLA_FLAGS_VARIABLE, ""))
    for seed in (7, 8):
        set_up_notebook(_isolated.but(seed=seed))
        drawn = (random.random(), float(np.random.rand()))
        random.seed(seed)
        np.random.seed(seed)
        assert drawn == (random.random(), float(np.random.rand()))
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 1 and f"seed {seed}" in lines[0]
    with using(_isolated.but(seed=9)):
        set_up_notebook()  # the current configuration
    assert "seed 9" in capsys.readouterr().out
    assert logging.getLogger("tensorflow").level == logging.ERROR


def test_the_line_names_the_settings_and_nothing_of_the_machine(_isolated, monkeypatch):
    pytest.importorskip("keras")
    monkeypatch.setenv("PYTHONHASHSEED", os.environ.get("PYTHONHASHSEED", "0"))
    monkeypatch.setenv(XLA_FLAGS_VARIABLE, "")
    lines = {threads: set_up(_isolated.but(threads=threads)) for threads in (0, 1, 2)}
    assert len(set(lines.values())) == 3  # the threads are said
    assert lines[1] == set_up(_isolated.but(threads=1, results_dir=PROJECT_ROOT, data_dir=PROJECT_ROOT))
    plain = set_up(_isolated, quicker_xla=False)
    assert plain != lines[1] and "\n" not in plain


@pytest.mark.parametrize("config, options, message", [
    ("seed=7", {}, r"config must be a helpers\.config\.Config"),
    (None, {"quicker_xla": "yes"}, r"quicker_xla must be True or False"),
])
def test_the_set_up_refuses_what_it_cannot_use(config, options, message):
    with pytest.raises(ValueError, match=message):
        set_up(config, **options)


def test_quiet_tensorflow_keeps_values_already_set_and_does_nothing_once_tensorflow_runs(monkeypatch):
    name, value = next(iter(QUIET_TENSORFLOW.items()))
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    environ = {name: "mine"}
    assert quiet_tensorflow(environ) is True
    assert environ == {**QUIET_TENSORFLOW, name: "mine"}
    monkeypatch.setitem(sys.modules, "tensorflow", object())
    environ = {}
    assert quiet_tensorflow(environ) is False and environ == {}


def test_xla_is_asked_for_level_1_unless_a_level_is_named():
    environ = {XLA_FLAGS_VARIABLE: "--xla_cpu_multi_thread_eigen=false"}
    ask_for_quicker_xla(environ)
    assert environ[XLA_FLAGS_VARIABLE] == f"--xla_cpu_multi_thread_eigen=false {XLA_QUICKER_FLAG}"
    ask_for_quicker_xla(environ)  # again: nothing added twice
    assert environ[XLA_FLAGS_VARIABLE].count("optimization_level") == 1
    environ = {XLA_FLAGS_VARIABLE: "--xla_backend_optimization_level=3"}  # the user's level stands
    ask_for_quicker_xla(environ)
    assert environ == {XLA_FLAGS_VARIABLE: "--xla_backend_optimization_level=3"}
    environ = {}
    ask_for_quicker_xla(environ)
    assert environ == {XLA_FLAGS_VARIABLE: XLA_QUICKER_FLAG}


FRESH = r"""
import json, logging, os, sys
from helpers.config import Config
from helpers.setup import set_up_notebook
before = sorted(name for name in ("keras", "tensorflow") if name in sys.modules)
set_up_notebook(Config.from_environ().but(seed=5))
import tensorflow as tf
t = tf.config.threading
print(json.dumps({"before": before, "threads": [t.get_inter_op_parallelism_threads(),
                  t.get_intra_op_parallelism_threads()], "quiet": {n: os.environ.get(n) for n in sys.argv[1:]},
                  "xla": os.environ.get("XLA_FLAGS"), "logger": logging.getLogger("tensorflow").level}))
"""


def test_in_a_fresh_kernel_the_set_up_quiets_tensorflow_before_it_loads_and_sets_its_threads():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("TensorFlow's own settings")
    environment = {name: value for name, value in os.environ.items()
                   if name not in QUIET_TENSORFLOW and name != XLA_FLAGS_VARIABLE}
    environment.update(KERAS_BACKEND="tensorflow", LESSON_TF_THREADS="2")  # not the default: the configuration's
    done = subprocess.run([sys.executable, "-c", FRESH, *QUIET_TENSORFLOW], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env=environment, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    *said, report = done.stdout.strip().splitlines()
    found = json.loads(report)
    assert len(said) == 1 and "seed 5" in said[0]
    assert found["before"] == []  # importing helpers.setup loads neither Keras nor TensorFlow
    assert found["threads"] == [2, 2]
    assert found["quiet"] == QUIET_TENSORFLOW and found["xla"] == XLA_QUICKER_FLAG
    assert found["logger"] == logging.ERROR
    assert "oneDNN" not in done.stderr and "cpu_feature_guard" not in done.stderr


def test_each_episode_starts_with_the_set_up_call():
    """The first code cell of every episode (and the set-up check before it imports Keras) is the set-up call."""
    from tools.notebooks import lesson_notebooks

    import nbformat

    for path in lesson_notebooks(PROJECT_ROOT / "notebooks"):
        cells = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
        calls = [index for index, cell in enumerate(cells) if "set_up_notebook()" in cell.source]
        keras = [index for index, cell in enumerate(cells) if "import keras" in cell.source
                 or "helpers.training" in cell.source]
        first = 1 if path.name.startswith("00") else 0  # the set-up check checks Python's version first
        assert calls == [first], f"{path.name}: the set-up call is not (only) its code cell {first}: {calls}"
        assert not keras or first < keras[0], f"{path.name}: Keras is imported before the set-up call"
        sources = "\n".join(cell.source for cell in cells)
        assert "set_up_threads_and_xla" not in sources and "after helpers" not in sources, path.name
