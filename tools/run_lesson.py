"""Run the whole lesson: execute every notebook, each in a fresh kernel, then summarise the results.

Usage:
    python -m tools.run_lesson                 # all notebooks, outputs written back in place
    python -m tools.run_lesson 03 05           # only the notebooks whose names start with 03 or 05
    python -m tools.run_lesson --output-dir out/   # leave notebooks/ untouched, write executed copies to out/
    python -m tools.run_lesson --jobs 1        # one notebook at a time

Several notebooks run at once (``--jobs``, by default one per CPU core, at most 4): the small models
keep about one core busy each, and every kernel has the thread settings of a notebook run on its own,
so the results are the same too. Episodes stand alone; only the comparison notebook (10) reads the
others' results, so it starts once all of them have finished. Side by side, the set-up check starts
first (a broken installation shows at once) and the episodes from the last to the first, the longest
first, so that no core idles at the end (``start_order``).

Executed notebooks are written only when every cell ran: a failing cell stops the run (the other
running notebooks are stopped too), names the notebook, the cell and the error, and exits non-zero,
leaving the notebooks on disk as they were.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

# importing helpers also sets the TensorFlow log variables, which the kernels inherit
from helpers import PROJECT_ROOT as ROOT
from helpers import lesson
from helpers.lesson import episode
from helpers.settings import (
    BACKEND_VARIABLE,
    OPENBLAS_THREADS_VARIABLE,
    OPENMP_THREADS_VARIABLE,
    XLA_FLAGS_VARIABLE,
    xla_flags,
)
from helpers.validation import whole_number
from tools.notebooks import lesson_notebooks, notebook_client, write_notebook
from tools.readme import update_documents
from tools.summary import summarise

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

NOTEBOOKS = ROOT / "notebooks"
COMPARISON = episode(lesson.COMPARISON).file  # reads the results of all the others
SETUP_CHECK = episode(lesson.SETUP_CHECK).file  # fails fast, with advice, on a broken installation


def find_notebooks(selection: list[str]) -> list[Path]:
    """The lesson's notebooks in order, or those whose names start with one of ``selection``."""
    short = [prefix for prefix in selection if len(prefix) < 2]
    if short:
        raise SystemExit(f"Name notebooks by at least their two-digit number (00 for the set-up check, 03 for "
                         f"episode 3), not {', '.join(repr(prefix) for prefix in short)}.")
    try:
        return lesson_notebooks(NOTEBOOKS, selection)
    except ValueError as error:  # an unknown prefix: stop with the message, which lists the notebooks
        raise SystemExit(str(error)) from None


def check_inputs(paths: list[Path], output_dir: Path | None) -> None:
    """Refuse, before any training, notebooks that cannot be read and an output folder that cannot be written."""
    for path in paths:
        try:
            nbformat.validate(nbformat.read(path, as_version=4))
        except Exception as error:  # invalid JSON, not a notebook, unreadable
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise SystemExit(f"{path} is not a notebook that can be run ({first_line}). Restore it with "
                             f"`git checkout -- {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}`."
                             ) from None
    if output_dir is None:
        return
    if output_dir.exists() and not output_dir.is_dir():
        raise SystemExit(f"--output-dir {output_dir} is a file, not a folder; name a folder (it is created if missing).")
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=output_dir):
            pass
    except OSError as error:
        raise SystemExit(f"--output-dir {output_dir} cannot be written ({error.strerror}); choose another folder.") from None


def failing_cell(notebook) -> tuple[int, str]:
    """Number (1-based, among code cells) and first line of the cell that raised, if one did."""
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            return number, cell.source.splitlines()[0] if cell.source else ""
    return 0, ""


class NotebookFailed(Exception):
    """A cell of a notebook raised or timed out; carries where, for the report."""

    def __init__(self, path: Path, cell: int, first_line: str, error: Exception):
        super().__init__(str(error))
        self.path, self.cell, self.first_line, self.error = path, cell, first_line, error


class ChangedOnDisk(Exception):
    """A notebook was saved (in Jupyter, say) while it ran; its executed copy was not written over it."""

    def __init__(self, path: Path):
        super().__init__(f"{path.name} changed on disk while it ran (saved in Jupyter?). Your version is kept; "
                         "the executed copy was not written. Run it again when it is saved.")
        self.path = path


async def execute_async(path: Path, output_dir: Path | None, timeout: int) -> float:
    """Execute one notebook in a fresh kernel and write it; return the seconds it took.

    Written in place, a notebook that changed on disk while it ran is left as it is (``ChangedOnDisk``).
    """
    original = path.read_bytes()
    notebook = nbformat.reads(original.decode("utf-8"), as_version=4)
    client = notebook_client(notebook, path.parent, timeout)
    started = time.perf_counter()
    # The kernel process's own stderr (a start-up warning about TCP, a crash message) goes to a file,
    # not the terminal; it is shown only if the kernel dies.
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as kernel_log:
        try:
            await client.async_execute(stderr=kernel_log)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
            number, first_line = failing_cell(notebook)
            if isinstance(error, DeadKernelError):
                kernel_log.seek(0)
                last_lines = "".join(kernel_log.readlines()[-20:])
                error = DeadKernelError(f"{error}\nThe kernel's last messages:\n{last_lines}")
            raise NotebookFailed(path, number, first_line, error) from error
    elapsed = time.perf_counter() - started
    if output_dir is None and path.read_bytes() != original:
        raise ChangedOnDisk(path)
    write_notebook((output_dir / path.name) if output_dir else path, notebook)
    return elapsed


def execute(path: Path, output_dir: Path | None, timeout: int) -> float:
    """Execute one notebook in a fresh kernel and write it; return the seconds it took."""
    return asyncio.run(execute_async(path, output_dir, timeout))


def default_jobs() -> int:
    """Notebooks to run at once by default: one per CPU core, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def start_order(paths: list[Path], jobs: int) -> list[Path]:
    """The order in which notebooks start: the lesson's order one at a time; side by side, the set-up check,
    then the other episodes from the last to the first (later episodes train more and larger models: on
    two cores, starting the longest first kept both busy to the end), then the comparison.

    Example: ``[p.name[:2] for p in start_order(find_notebooks([]), jobs=2)]  # ['00', '09', ..., '01', '10']``
    """
    if jobs <= 1:
        return list(paths)
    first = [path for path in paths if path.name == SETUP_CHECK]
    last = [path for path in paths if path.name == COMPARISON]
    return first + [path for path in reversed(paths) if path not in first + last] + last


async def _schedule(paths: list[Path], output_dir: Path | None, timeout: int, jobs: int, report) -> dict[Path, float]:
    """The event loop's side of ``run_notebooks``: start, wait, report, and stop everything on a failure."""
    number = {path: index for index, path in enumerate(paths, start=1)}
    width = max(len(path.name) for path in paths)
    started_all = time.perf_counter()
    waiting, running, seconds = start_order(paths, jobs), {}, {}

    def line(path: Path, text: str) -> str:
        return f"[{number[path]:>{len(str(len(paths)))}}/{len(paths)}] {path.name:<{width}}  {text}"

    def ready(path: Path) -> bool:  # the comparison reads every other notebook's results: it goes last
        return path.name != COMPARISON or all(other in seconds for other in paths if other != path)

    try:
        while waiting or running:
            for path in [path for path in waiting if ready(path)]:
                if len(running) >= jobs:
                    break
                waiting.remove(path)
                running[asyncio.ensure_future(execute_async(path, output_dir, timeout))] = path
                report(line(path, "running"))
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            failures = []
            for task in sorted(done, key=lambda task: number[running[task]]):
                path = running.pop(task)
                if task.exception() is not None:
                    failures.append(task.exception())
                    report(line(path, "FAILED"))
                    continue
                seconds[path] = task.result()
                report(line(path, f"ok in {seconds[path]:.1f} s  ({time.perf_counter() - started_all:.0f} s so far)"))
            if failures:
                raise failures[0]
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)  # kernels shut down, nothing written
            for path in running.values():
                report(line(path, "stopped (left unchanged)"))
    return seconds


def run_notebooks(
    paths: list[Path],
    output_dir: Path | None = None,
    timeout: int = 1200,
    jobs: int = 1,
    report: Callable[[str], None] = print,
) -> dict[Path, float]:
    """Execute ``paths``, up to ``jobs`` at once, the comparison notebook last; seconds per notebook.

    A failure stops the notebooks still running (they are not written) and raises ``NotebookFailed``.

    Example: ``run_notebooks(find_notebooks(["03"]), jobs=1)``
    """
    jobs = whole_number("jobs", jobs)
    # The event loop runs in a worker thread. In the main thread nbclient would install its own Ctrl-C
    # handler per kernel, and with several kernels Ctrl-C then stopped nothing. Here Ctrl-C reaches this
    # thread as KeyboardInterrupt, cancels the schedule (every kernel is shut down, no notebook is
    # written) and is raised again once that is done.
    loop = asyncio.new_event_loop()
    schedule = loop.create_task(_schedule(paths, output_dir, timeout, jobs, report))
    outcome: dict[str, object] = {}
    finished = threading.Event()  # not Thread.join: an interrupted join can report a live thread as ended

    def work() -> None:
        asyncio.set_event_loop(loop)
        try:
            outcome["seconds"] = loop.run_until_complete(schedule)
        except BaseException as error:  # NotebookFailed, or the cancellation after Ctrl-C
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

    threading.Thread(target=work, name="run-notebooks").start()
    try:
        while not finished.wait(0.2):
            pass
    except KeyboardInterrupt:
        loop.call_soon_threadsafe(schedule.cancel)
        finished.wait()
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["seconds"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="name prefixes of the notebooks to run, e.g. 03 (default: all)")
    parser.add_argument("--output-dir", type=Path, help="write executed notebooks here instead of in place")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds a single cell may take (default 1200)")
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help=f"notebooks to run at once (default here: {default_jobs()}, one per core, at most 4)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more, got {args.jobs}")

    paths = find_notebooks(args.notebooks)
    if not paths:
        print(f"No notebooks found in {NOTEBOOKS}.", file=sys.stderr)
        return 1
    check_inputs(paths, args.output_dir)
    from helpers.results import results_dir
    from helpers.settings import RESULTS_VARIABLE

    results = results_dir()
    total_started = time.perf_counter()
    print(f"Running {len(paths)} notebook(s), {min(args.jobs, len(paths))} at a time.", flush=True)
    # The notebooks record their results in a staging folder; results/ is replaced only when all have run.
    # A full run starts from an empty table; a partial one from a copy of the results already there.
    staging = Path(tempfile.mkdtemp(prefix=".run-", dir=_ensure_folder(results)))
    if args.notebooks:
        for existing in results.glob("*.json"):
            shutil.copy2(existing, staging / existing.name)
    try:
        with environment(**{RESULTS_VARIABLE: str(staging)}, **thread_shares(args.jobs)):
            seconds = run_notebooks(paths, args.output_dir, args.timeout, args.jobs,
                                    report=lambda text: print(text, flush=True))
    except NotebookFailed as failure:
        where = f"code cell {failure.cell} ({failure.first_line!r})" if failure.cell else "a cell (timed out)"
        print(f"\n{failure.path.name}: {where} raised an error; the notebook on disk is unchanged, and so is "
              f"{results}.\n", file=sys.stderr)
        print(str(failure.error), file=sys.stderr)
        return 1
    except ChangedOnDisk as changed:
        print(f"\n{changed}\nThe other notebooks were stopped; {results} is unchanged.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\nInterrupted: the notebooks that were running are stopped and unchanged on disk, and so is {results}.",
              file=sys.stderr)
        return 130
    else:
        replace_results(staging, results)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    total = time.perf_counter() - total_started
    print(f"\nAll {len(paths)} notebooks ran in {total:.1f} s.")
    summarise(results)
    if args.output_dir is None and len(paths) == len(find_notebooks([])):
        # a full run in place: the README shows the committed results and run times
        update_documents(results, {path.name[:2]: value for path, value in seconds.items()}, total)
    return 0


def thread_shares(jobs: int) -> dict[str, str]:
    """Environment for kernels that run ``jobs`` at a time, so that they do not fight over the cores.

    Side by side, scikit-learn's OpenMP threads (09's gradient boosting) and JAX's XLA threads ran
    several times slower; each kernel gets its share of the cores instead (TensorFlow keeps to one
    thread anyway, see ``helpers.training.set_up_threads_and_xla``). No result depends on these threads.
    NumPy's BLAS also reads OMP_NUM_THREADS and ridge regression's last digits depend on its threads,
    so it keeps its default, one per core. Variables the user set are left alone.

    Example: ``thread_shares(2)  # {'OMP_NUM_THREADS': '1', 'OPENBLAS_NUM_THREADS': '2', ...} on two cores``
    """
    cores = os.cpu_count() or 1
    if jobs <= 1 or cores // jobs > 1:
        return {}
    shares = {OPENMP_THREADS_VARIABLE: "1", OPENBLAS_THREADS_VARIABLE: str(cores)}
    if os.environ.get(BACKEND_VARIABLE) == "jax":  # TensorFlow refuses these XLA flags
        shares[XLA_FLAGS_VARIABLE] = xla_flags(quicker=False, one_thread=True)  # the kernel adds the quicker level
    return {name: value for name, value in shares.items() if name not in os.environ}


@contextlib.contextmanager
def environment(**values: str):
    """Set environment variables, which the kernels started meanwhile inherit, for one ``with`` block.

    Example: ``with environment(LESSON_SEED="7"): run_notebooks(paths)``
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


def _ensure_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def replace_results(staging: Path, results: Path) -> None:
    """Make ``results`` hold exactly the result files of ``staging`` (each moved in with one rename)."""
    new = {path.name for path in staging.glob("*.json")}
    for old in results.glob("*.json"):
        if old.name not in new:
            old.unlink()
    for name in sorted(new):
        os.replace(staging / name, results / name)


if __name__ == "__main__":
    sys.exit(main())
