"""helpers/quiet.py: TensorFlow's native log lines (absl, XLA) dropped from descriptor 2, nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.quiet import in_kernel, is_tensorflow_log_line

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Lines TensorFlow 2.19 (Colab's) wrote into cell outputs here, as measured, with TF_CPP_MIN_LOG_LEVEL=3 set.
MEASURED = [
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "I0000 00:00:1796296843.732865   31912 service.cc:152] XLA service 0x7f8f68009030 initialized for platform "
    "Host (this does not guarantee that XLA will be used). Devices:",
    "I0000 00:00:1796296843.732901   31912 service.cc:160]   StreamExecutor device (0): Host, Default Version",
    "I0000 00:00:1796296843.881683   31912 device_compiler.h:188] Compiled cluster using XLA!  This line is logged "
    "at most once for the lifetime of the process.",
    # and, without the level set, TensorFlow's own format
    "2026-12-03 11:20:39.488364: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on.",
    "2026-12-03 11:20:43.745632: I tensorflow/compiler/mlir/tensorflow/utils/dump_mlir_util.cc:269] disabling MLIR "
    "crash reproducer, set env var `MLIR_CRASH_REPRODUCER_DIRECTORY` to enable.",
    "To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow with the "
    "appropriate compiler flags.",
]
ORDINARY = [
    "WARNING: something else entirely",
    "Epoch 1/5",
    "24 epochs in 5.8 s; best validation RMSE 3.30 h (epoch 19)",
    "/usr/lib/python3.12/site-packages/keras/src/layers/core/dense.py:87: UserWarning: Do not pass an input_shape",
    "I0000 is a code, not a log line",
    "",
]


@pytest.mark.parametrize("line", MEASURED)
def test_the_measured_lines_are_recognised(line):
    assert is_tensorflow_log_line(line) and is_tensorflow_log_line(line.encode())


@pytest.mark.parametrize("line", ORDINARY)
def test_other_lines_are_not(line):
    assert not is_tensorflow_log_line(line)


def test_pytest_is_not_a_kernel():
    assert not in_kernel()


CHILD = r"""
import os, sys
from helpers.quiet import filter_native_stderr, stop_filtering
assert filter_native_stderr() is True and filter_native_stderr() is False  # once only
lines = sys.argv[1:]
for line in lines:
    os.write(2, (line + "\n").encode())
os.write(2, b"I0000 00:00:1.5 1 service.cc:152] split ")  # a log line written in two parts
os.write(2, b"across writes\npartial line at the end")
stop_filtering()
os.write(2, b" -- after the filter\n")
"""


def test_the_filter_drops_only_tensorflow_lines_keeping_order_and_the_rest():
    lines = [ORDINARY[0], MEASURED[0], ORDINARY[2], MEASURED[2], ORDINARY[3]]
    done = subprocess.run([sys.executable, "-c", CHILD, *lines], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == (f"{ORDINARY[0]}\n{ORDINARY[2]}\n{ORDINARY[3]}\npartial line at the end"
                           " -- after the filter\n")


def test_only_the_colab_set_up_starts_the_filter():
    """The lesson's pinned TensorFlow writes nothing to descriptor 2: the filter is for Colab's own TensorFlow."""
    import ast

    callers = set()
    for folder in ("helpers", "tools", "benchmarks"):
        for path in sorted((PROJECT_ROOT / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == \
                        "filter_native_stderr":
                    callers.add(path.relative_to(PROJECT_ROOT).as_posix())
    assert callers == {"tools/colab_setup.py"}
