"""tools/colab_check.py: what the Colab-like check counts as a failure, and the kernels' environment.

The check itself runs in CI as its own step (`python3 -m tools colab-check`); here, its verdicts on made-up
outputs, the environment it gives each kernel, and the stand-in google.colab.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tools import colab_check

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def notebook_with(*outputs):
    return new_notebook(cells=[new_code_cell("x = 1", outputs=list(outputs))])


def test_a_clean_notebook_has_no_problems():
    clean = notebook_with(new_output("stream", name="stdout", text="Set-up done in 0.9 s\n"),
                          new_output("execute_result", data={"text/plain": "433"}, execution_count=1))
    assert colab_check.problems(clean) == []


@pytest.mark.parametrize("output, expected", [
    (new_output("stream", name="stderr", text="I0000 00:00:1796.1 31912 device_compiler.h:188] Compiled cluster "
                "using XLA!\n"), "a TensorFlow log line"),
    (new_output("stream", name="stdout", text="fine\nWARNING: All log messages before absl::InitializeLog() is "
                "called are written to STDERR\n"), "a TensorFlow log line"),
    (new_output("stream", name="stderr", text="/x.py:3: FutureWarning: this will change\n"), "stderr: /x.py:3"),
    (new_output("error", ename="ValueError", evalue="outside its measured range", traceback=["..."]),
     "ValueError: outside its measured range"),
])
def test_errors_tensorflow_log_lines_and_warnings_are_problems(output, expected):
    found = colab_check.problems(notebook_with(output))
    assert len(found) == 1 and expected in found[0] and found[0].startswith("cell 0: ")


def test_each_kernel_gets_colabs_environment_not_the_lessons(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")  # what tools/__main__ sets: helpers must do it in Colab
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    monkeypatch.setenv("LESSON_SEED", "7")
    env = colab_check.kernel_environment(tmp_path / "data", tmp_path / "results", tmp_path / "site", {"A": "1"})
    assert "TF_CPP_MIN_LOG_LEVEL" not in env and "LESSON_SEED" not in env
    assert env["PYTHONPATH"].split(os.pathsep) == [str(colab_check.STUB), str(tmp_path / "site")]
    assert env["PIP_TARGET"] == str(tmp_path / "site") and env["PIP_NO_INDEX"] == "1"
    assert env["LESSON_DATA_DIR"] == str(tmp_path / "data") and env["LESSON_STRICT_CHECKS"] == "1"
    assert env["A"] == "1"


def test_the_pins_are_colabs_versions():
    pins = dict(pin.split("==") for pin in colab_check.COLAB_PINS)
    assert pins[colab_check.TENSORFLOW] == "2.19.0" and pins["keras"] == "3.10.0" and pins["numpy"] == "2.0.2"
    assert colab_check.COLAB_PYTHON == (3, 12)
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for name, version in pins.items():  # the README says which versions the check tests
        shown = {"tensorflow-cpu": "TensorFlow", "tensorflow": "TensorFlow", "keras": "Keras", "numpy": "NumPy",
                 "ipython": "IPython"}.get(name, name)
        assert f"{shown} {version}" in readme, name


def test_a_python_that_is_not_312_is_refused(tmp_path):
    with pytest.raises(colab_check.CheckError, match="Python 3.12"):
        colab_check.find_python(str(tmp_path / "no-such-python"))
    if sys.version_info[:2] != (3, 12):
        with pytest.raises(colab_check.CheckError, match="not Colab's Python 3.12"):
            colab_check.ensure_environment(Path(sys.executable), tmp_path / "venv")


def test_the_stand_in_google_colab_leaves_google_protobuf_importable():
    code = "import google.colab, google.protobuf; print(google.colab.STAND_IN)"
    env = {**os.environ, "PYTHONPATH": str(colab_check.STUB)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
