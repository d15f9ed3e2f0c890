"""Keep TensorFlow's native log lines (absl, XLA) out of the notebooks' outputs, on any TensorFlow version.

TensorFlow 2.19 (Colab's) writes lines such as "All log messages before absl::InitializeLog() is called are
written to STDERR", "XLA service ... initialized for platform Host" and "Compiled cluster using XLA!" from
C++ straight to file descriptor 2, at its first XLA compile. ``TF_CPP_MIN_LOG_LEVEL=3`` does not stop them
(absl logs them before TensorFlow's own filter is set up), and a Jupyter kernel forwards descriptor 2 into
the cell's output. ``filter_native_stderr`` puts a filter between descriptor 2 and wherever it led: lines in
TensorFlow's and absl's log formats are dropped, every other byte passes unchanged and in order. On the
lesson's pinned TensorFlow nothing reaches descriptor 2, so the filter runs only in the Colab editions,
where the runtime brings a TensorFlow of its own: their set-up cell calls it (``tools/colab_setup.py``),
and nothing else does. Standard library only.

Example: ``if in_kernel(): filter_native_stderr()``
"""

from __future__ import annotations

import atexit
import os
import re
import select
import sys
import threading

# absl's "I0000 00:00:1796296843.732865   31912 service.cc:152] ..." and its notice before it,
# TensorFlow's "2026-12-03 11:20:39.488364: I tensorflow/core/util/port.cc:153] ..." and the line that
# follows its CPU-instructions notice.
TENSORFLOW_LOG_LINE = re.compile(
    r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWEF]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w.+-]+:\d+\] "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] [\w./+-]+:\d+\] "
    r"|To enable the following instructions: .*rebuild TensorFlow with the appropriate compiler flags"
)
_FILTER: dict[str, object] = {}  # the running filter: its thread and descriptors


def is_tensorflow_log_line(line: str | bytes) -> bool:
    """Whether one line of text is a line of TensorFlow's or absl's native log.

    Example: ``is_tensorflow_log_line("I0000 00:00:1796296843.73 31912 service.cc:152] XLA service")  # True``
    """
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    return TENSORFLOW_LOG_LINE.match(line.lstrip("\r")) is not None


def in_kernel() -> bool:
    """Whether this Python is a Jupyter kernel that shows descriptor 2 in cell outputs (ipykernel, on POSIX).

    Example: ``in_kernel()  # True in a notebook, False in a script``
    """
    return os.name == "posix" and type(sys.stderr).__module__.startswith("ipykernel")


def _kept(lines: list[bytes]) -> bytes:
    """The lines (without their newlines) that are not TensorFlow's log, each with its newline back."""
    return b"".join(line + b"\n" for line in lines if not is_tensorflow_log_line(line))


def _write(target: int, data: bytes) -> None:
    """Write all of ``data`` to the descriptor ``target``."""
    while data:
        data = data[os.write(target, data):]


def _forward(source: int, target: int) -> None:
    """Copy ``source`` to ``target`` line by line, leaving TensorFlow's log lines out, until ``source`` ends."""
    pending = b""
    while True:
        ready, _, _ = select.select([source], [], [], 0.05 if pending else None)
        if not ready:  # the start of a line, then silence: pass it on (a prompt, a progress bar)
            if not is_tensorflow_log_line(pending):
                _write(target, pending)
            pending = b""
            continue
        chunk = os.read(source, 65536)
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\n")
        _write(target, _kept(lines))
    if pending and not is_tensorflow_log_line(pending):
        _write(target, pending)
    os.close(source)


def filter_native_stderr() -> bool:
    """Drop TensorFlow's native log lines from descriptor 2 from now on; False if already done or not possible.

    Example: ``filter_native_stderr()  # True the first time in a kernel``
    """
    if _FILTER or os.name != "posix":
        return False
    try:
        target = os.dup(2)
    except OSError:  # no descriptor 2 at all: nothing to filter
        return False
    source, sink = os.pipe()
    os.dup2(sink, 2)
    os.close(sink)
    thread = threading.Thread(target=_forward, args=(source, target), name="helpers-quiet", daemon=True)
    thread.start()
    _FILTER.update(thread=thread, target=target)
    atexit.register(stop_filtering)
    return True


def stop_filtering() -> None:
    """Give descriptor 2 back its first destination, after passing on what the filter still holds.

    Example: ``stop_filtering()  # at exit, or in a test``
    """
    if not _FILTER:
        return
    target, thread = _FILTER.pop("target"), _FILTER.pop("thread")
    os.dup2(target, 2)  # closes the pipe's last writer: the thread drains it and ends
    thread.join(timeout=2)
    if not thread.is_alive():  # a child process may still hold the pipe: then the thread keeps the copy
        os.close(target)
