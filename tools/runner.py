"""The one runner of notebooks: the lesson, the Colab-like check, the seed study and nbval's order use it.

``run_notebooks`` runs a list of notebooks, each in a fresh kernel, ``jobs`` at a time: the set-up check
first (a broken installation shows at once), the comparison notebook last (it reads every other notebook's
results), and side by side the episodes from the last to the first, the longest first, so that no core idles
at the end (``start_order``). It writes nothing: it hands back the executed notebooks, and the caller decides
what to keep. A failing notebook, Ctrl-C (SIGINT) or SIGTERM stops every kernel at once; the runner waits for
them to end before it raises ``NotebookFailed`` or ``Stopped``.

Each kernel's settings come from a ``helpers.config.Config`` written into its environment at launch
(``kernel_environment``); this process's own environment is not changed. ``run_lock`` keeps two runs out
of one folder: its lock file names the run that holds it.

Example:
    >>> executed = run_notebooks(lesson_notebooks("notebooks", ["03"]), env=kernel_environment(current()))
    >>> executed[path].seconds
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from helpers.config import Config
from helpers.files import write_atomically
from helpers.lesson import COMPARISON, SETUP_CHECK
from helpers.settings import (
    BACKEND_VARIABLE,
    OPENBLAS_THREADS_VARIABLE,
    OPENMP_THREADS_VARIABLE,
    QUIET_TENSORFLOW,
    XLA_FLAGS_VARIABLE,
    xla_flags,
)
from helpers.validation import whole_number
from tools.notebooks import notebook_client

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

T = TypeVar("T")
LOCK_NAME = ".lesson-run.lock"  # in the folder a run writes into, while it runs
SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
if hasattr(signal, "SIGHUP"):  # POSIX: the terminal closed, or the command that started this one ended
    SIGNAL_NAMES[signal.SIGHUP] = "SIGHUP"


class NotebookFailed(Exception):
    """A cell of a notebook raised or timed out; carries where, for the report."""

    def __init__(self, path: Path, cell: int, first_line: str, error: Exception):
        super().__init__(str(error))
        self.path, self.cell, self.first_line, self.error = path, cell, first_line, error


class Stopped(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the run; ``status`` is the exit status to give (130 or 143)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(SIGNAL_NAMES.get(signum, f"signal {signum}"))
        self.signum, self.status, self.name = signum, 128 + signum, SIGNAL_NAMES.get(signum, f"signal {signum}")


class Busy(Exception):
    """Another run holds the folder's lock; the message names it and says what to do."""


class Executed(NamedTuple):
    """A notebook as it ran (every cell's outputs) and the seconds it took."""

    notebook: Any
    seconds: float


def _is(item_name: str, number: str) -> bool:
    return Path(item_name).name.startswith(f"{number}_")


def start_order(items: list[T], jobs: int = 1, name: Callable[[T], str] = lambda item: Path(item).name) -> list[T]:
    """The order in which notebooks start: the set-up check first and the comparison last; between them the
    lesson's order one at a time, and side by side the episodes from the last to the first (later episodes train
    more and larger models: on two cores, starting the longest first kept both busy to the end).

    ``name`` gives an item's file name, so that nbval's cells (one item per cell) keep their order with ``jobs=1``.

    Example: ``[p.name[:2] for p in start_order(lesson_notebooks("notebooks"), jobs=2)]  # ['00', '09', ..., '10']``
    """
    first = [item for item in items if _is(name(item), SETUP_CHECK)]
    last = [item for item in items if _is(name(item), COMPARISON)]
    middle = [item for item in items if not _is(name(item), SETUP_CHECK) and not _is(name(item), COMPARISON)]
    return first + (middle if jobs <= 1 else middle[::-1]) + last


def default_jobs() -> int:
    """Notebooks to run at once by default: one per CPU core, at most 4.

    Example: ``default_jobs()  # 2 on two cores``
    """
    return max(1, min(4, os.cpu_count() or 1))


def thread_shares(jobs: int, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for kernels that run ``jobs`` at a time, so that they do not fight over the cores.

    Side by side, scikit-learn's OpenMP threads (09's gradient boosting) and JAX's XLA threads ran
    several times slower; each kernel gets its share of the cores instead (TensorFlow keeps to one
    thread anyway, see ``helpers.setup``). No result depends on these threads. NumPy's BLAS also reads
    OMP_NUM_THREADS and ridge regression's last digits depend on its threads, so it keeps its default,
    one per core. Variables the user set are left alone.

    Example: ``thread_shares(2)  # {'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '2', ...} on two cores``
    """
    environ = os.environ if environ is None else environ
    cores = os.cpu_count() or 1
    if jobs <= 1 or cores // jobs > 1:
        return {}
    shares = {OPENMP_THREADS_VARIABLE: "1", OPENBLAS_THREADS_VARIABLE: str(cores)}
    if environ.get(BACKEND_VARIABLE) == "jax":  # TensorFlow refuses these XLA flags
        shares[XLA_FLAGS_VARIABLE] = xla_flags(quicker=False, one_thread=True)  # the kernel adds the quicker level
    return {name: value for name, value in shares.items() if name not in environ}


def kernel_environment(config: Config, jobs: int = 1, environ: Mapping[str, str] | None = None,
                       **extra: str) -> dict[str, str]:
    """The whole environment of a kernel: this process's, TensorFlow kept quiet, ``config``, the thread shares.

    Example: ``kernel_environment(current().but(seed=7), jobs=2)["LESSON_SEED"]  # '7'``
    """
    environ = dict(os.environ if environ is None else environ)
    quiet = {name: value for name, value in QUIET_TENSORFLOW.items() if name not in environ}
    return {**environ, **quiet, **config.to_environ(), **thread_shares(jobs, environ), **extra}


@contextlib.contextmanager
def environment(**values: str):
    """Set this process's environment variables for one ``with`` block, then put them back as they were.

    For what starts kernels itself (the benchmark's, the Colab check's JUPYTER_PATH); the runner passes its
    kernels a configuration instead (``kernel_environment``).

    Example: ``with environment(LESSON_SEED="7"): run()``
    """
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def failing_cell(notebook) -> tuple[int, str]:
    """Number (1-based, among code cells) and first line of the cell that raised, if one did.

    Example: ``failing_cell(executed)  # (3, "model.fit(")``
    """
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            return number, cell.source.splitlines()[0] if cell.source else ""
    return 0, ""


async def execute_async(path: Path, timeout: int = 1200, env: Mapping[str, str] | None = None,
                        notebook=None) -> Executed:
    """Execute one notebook (``notebook``, else the file) in a fresh kernel started in its folder; nothing written.

    Example: ``await execute_async(Path("notebooks/03_simple_rnn.ipynb"), env=kernel_environment(current()))``
    """
    if notebook is None:
        notebook = nbformat.read(path, as_version=4)
    client = notebook_client(notebook, path.parent, timeout)
    started = time.perf_counter()
    # The kernel process's own stderr (a start-up warning about TCP, a crash message) goes to a file,
    # not the terminal; it is shown only if the kernel dies.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as kernel_log:
        try:
            await client.async_execute(stderr=kernel_log, env=dict(os.environ if env is None else env))
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            number, first_line = failing_cell(notebook)
            if isinstance(error, DeadKernelError):
                kernel_log.seek(0)
                last_lines = "".join(kernel_log.readlines()[-20:])
                error = DeadKernelError(f"{error}\nThe kernel's last messages:\n{last_lines}")
            raise NotebookFailed(path, number, first_line, error) from error
    return Executed(notebook, time.perf_counter() - started)


def _seconds_of(result: object) -> float:
    return getattr(result, "seconds", float("nan"))


async def _schedule(paths: list[Path], work: Callable[[Path], Awaitable[T]], jobs: int, report: Callable[[str], None],
                    describe: Callable[[Path, T], str] | None) -> dict[Path, T]:
    """The event loop's side of ``run_notebooks``: start, wait, report, and stop everything on a failure."""
    number = {path: index for index, path in enumerate(paths, start=1)}
    width = max(len(path.name) for path in paths)
    started_all = time.perf_counter()
    waiting, running, done_with = start_order(paths, jobs), {}, {}

    def line(path: Path, text: str) -> str:
        return f"[{number[path]:>{len(str(len(paths)))}}/{len(paths)}] {path.name:<{width}}  {text}"

    def ready(path: Path) -> bool:  # the comparison reads every other notebook's results: it goes last
        return not _is(path.name, COMPARISON) or all(other in done_with for other in paths if other != path)

    try:
        while waiting or running:
            for path in [path for path in waiting if ready(path)]:
                if len(running) >= jobs:
                    break
                waiting.remove(path)
                running[asyncio.ensure_future(work(path))] = path
                report(line(path, "running"))
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            failures = []
            for task in sorted(done, key=lambda task: number[running[task]]):
                path = running.pop(task)
                if task.exception() is not None:
                    failures.append(task.exception())
                    report(line(path, "FAILED"))
                    continue
                done_with[path] = task.result()
                text = describe(path, done_with[path]) if describe else f"ok in {_seconds_of(done_with[path]):.1f} s"
                report(line(path, f"{text}  ({time.perf_counter() - started_all:.0f} s so far)"))
            if failures:
                raise failures[0]
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)  # kernels shut down, nothing kept
            for path in running.values():
                report(line(path, "stopped (left unchanged)"))
    return done_with


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """Within the block, Ctrl-C (SIGINT) and SIGTERM raise ``Stopped`` in the main thread (elsewhere: nothing).

    Example: ``with signals_raise(): run()  # SIGTERM -> Stopped(status 143), not a silent death``
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise Stopped(signum)

    saved = {signum: signal.signal(signum, stop) for signum in SIGNAL_NAMES}
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def signals_held() -> Iterator[list[int]]:
    """Within the block, Ctrl-C and SIGTERM are noted in the list it yields, not acted on (the work finishes).

    Example: ``with signals_held() as arrived: write_everything()``, then ``if arrived: ...``
    """
    arrived: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield arrived
        return
    saved = {signum: signal.signal(signum, lambda signum, frame: arrived.append(signum)) for signum in SIGNAL_NAMES}
    try:
        yield arrived
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def run_notebooks(
    paths: list[Path],
    jobs: int = 1,
    report: Callable[[str], None] = print,
    *,
    timeout: int = 1200,
    env: Mapping[str, str] | None = None,
    work: Callable[[Path], Awaitable[T]] | None = None,
    describe: Callable[[Path, T], str] | None = None,
) -> dict[Path, T]:
    """Run ``paths``, up to ``jobs`` at once, the set-up check first and the comparison last; each one's result.

    By default each notebook is executed in a fresh kernel with the environment ``env`` (see
    ``kernel_environment``) and its result is an ``Executed``; nothing is written. ``work`` replaces that (a
    coroutine function of the path, as the Colab-like check's), ``describe`` the "ok in ... s" of the report.
    A failure stops the notebooks still running and raises it (``NotebookFailed``); Ctrl-C or SIGTERM stops
    them and raises ``Stopped``; either is raised once every kernel has ended.

    Example: ``run_notebooks(lesson_notebooks("notebooks", ["03"]), env=kernel_environment(current()))``
    """
    jobs = whole_number("jobs", jobs)
    if not paths:
        return {}
    if work is None:
        def work(path: Path) -> Awaitable[Executed]:
            return execute_async(path, timeout, env)

    # The event loop runs in a worker thread. In the main thread nbclient would install its own signal
    # handlers per kernel, and with several kernels Ctrl-C then stopped nothing. Here a signal reaches the
    # main thread as Stopped, cancels the schedule (every kernel is shut down) and is raised again once
    # that is done; a second signal meanwhile is not acted on, so that no kernel is left behind.
    loop = asyncio.new_event_loop()
    schedule = loop.create_task(_schedule(paths, work, jobs, report, describe))
    outcome: dict[str, Any] = {}
    finished = threading.Event()  # not Thread.join: an interrupted join can report a live thread as ended

    def run_loop() -> None:
        asyncio.set_event_loop(loop)
        try:
            outcome["results"] = loop.run_until_complete(schedule)
        except BaseException as error:  # NotebookFailed, or the cancellation after a signal
            outcome["error"] = error
        finally:
            # nbclient leaves helper tasks (its kernel-alive poll) behind when a cell fails or is cancelled:
            # end them here, as asyncio.run would, or closing the loop reports "Task was destroyed".
            leftover = asyncio.all_tasks(loop)
            for task in leftover:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            finished.set()

    # The handlers only note a signal: one that raised inside threading's own code (Event.wait) could leave its
    # lock held and the run hanging. The main thread looks at the notes five times a second; a parent that
    # ended (the entry killed, the terminal closed) counts as SIGHUP, so that no run goes on unattended.
    parent = os.getppid()
    with signals_held() as arrived:
        threading.Thread(target=run_loop, name="run-notebooks").start()
        cancelled = False
        while not finished.wait(0.2):
            if not arrived and os.name == "posix" and os.getppid() != parent:
                arrived.append(getattr(signal, "SIGHUP", signal.SIGTERM))
            if arrived and not cancelled:
                loop.call_soon_threadsafe(schedule.cancel)
                cancelled = True
    if arrived:
        raise Stopped(arrived[0])
    if "error" in outcome:
        raise outcome["error"]
    return outcome["results"]


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _holder(lock: Path) -> dict:
    """What a lock file says of the run that holds it (empty when it cannot be read)."""
    try:
        found = json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _described(holder: dict) -> str:
    return (f"pid {holder.get('pid', '?')}, `{holder.get('command', '?')}`, started {holder.get('started', '?')}"
            + (f" on {holder['host']}" if holder.get("host") and holder.get("host") != socket.gethostname() else ""))


def this_command() -> str:
    """This process's command line as it was typed, near enough: ``python -m tools.run_lesson 03``.

    Example: ``this_command()  # 'python -m tools.run_lesson 03 --jobs 1'``
    """
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    program = f"python -m {spec.name}" if spec is not None and spec.name else Path(sys.argv[0]).name
    if spec is not None and spec.name == "tools.launch":  # started by the entry: argv[0] names the module
        program = f"python -m {sys.argv[0]}"
    return " ".join([program, *sys.argv[1:]]).strip()


@contextlib.contextmanager
def run_lock(folder: Path, report: Callable[[str], None] = print, command: str | None = None) -> Iterator[Path]:
    """Hold ``folder``'s lock (``LOCK_NAME``, naming this run) for one ``with`` block; ``Busy`` if a live run holds it.

    A lock left by a run that no longer exists (its pid is gone) is taken over, with a note.

    Example: ``with run_lock(current().results_dir): run()``
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK_NAME
    mine = {"pid": os.getpid(), "command": command or this_command(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S"), "host": socket.gethostname()}
    text = json.dumps(mine) + "\n"
    try:
        handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        holder = _holder(lock)
        pid = holder.get("pid")
        same_host = holder.get("host", socket.gethostname()) == socket.gethostname()
        if isinstance(pid, int) and (_alive(pid) or not same_host):
            raise Busy(f"Another run is writing into {folder} ({_described(holder)}). Wait until it ends, or stop "
                       f"it (kill {pid}); if no such run is going on, delete {lock}.") from None
        write_atomically(lock, text)  # a stale lock: its run ended without removing it
        if _holder(lock).get("pid") != os.getpid():
            raise Busy(f"Another run took over the stale lock {lock} at the same moment "
                       f"({_described(_holder(lock))}); wait until it ends.") from None
        report(f"Note: took over the lock {lock} left by a run that no longer runs ({_described(holder)}).")
    else:
        with os.fdopen(handle, "w", encoding="utf-8") as opened:
            opened.write(text)
    try:
        yield lock
    finally:
        if _holder(lock).get("pid") == os.getpid():
            lock.unlink(missing_ok=True)
