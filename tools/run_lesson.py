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
first, so that no core idles at the end (``tools.runner``, the one runner of notebooks).

Nothing is written until every selected notebook has run: the notebooks record their results in a staging
folder, and the executed notebooks and the results are written together at the end, each file in one step.
A failing cell, Ctrl-C or SIGTERM stops every kernel, and the notebooks and ``results/`` stay as they were.
A full run replaces the results of the lesson's models (``helpers.lesson.MODELS``) and keeps any other file
in the results folder (your own ``record_result``). Two runs cannot write into one results folder at once: a
lock file there names the run that holds it. An executed copy is not written over a notebook saved while it
ran, nor, with ``--output-dir``, over a file the run did not write there last (a learner copy typed into):
``--force`` replaces that one after a backup in ``backups/`` beside it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

from helpers import PROJECT_ROOT as ROOT
from helpers import lesson
from helpers.config import ConfigError, current
from helpers.files import WriteError, backup_path, copy_atomically, digest, remember, write_bytes_atomically
from helpers.lesson import MODELS, episode
from helpers.results import run_results
from tools.notebooks import lesson_notebooks, notebook_text
from tools.readme import update_documents
from tools.runner import (  # noqa: F401  (start_order, thread_shares, failing_cell: read here by older callers)
    Busy,
    Executed,
    NotebookFailed,
    Stopped,
    default_jobs,
    failing_cell,
    kernel_environment,
    run_lock,
    run_notebooks,
    signals_held,
    signals_raise,
    start_order,
    thread_shares,
)
from tools.summary import summarise

import nbformat

NOTEBOOKS = ROOT / "notebooks"
COMPARISON = episode(lesson.COMPARISON).file  # reads the results of all the others
SETUP_CHECK = episode(lesson.SETUP_CHECK).file  # fails fast, with advice, on a broken installation
STAGING_PREFIX = ".run-"  # the staging folder of a run, inside the results folder
RESULT_FILE = re.compile(r"[0-9]{2}_(?P<key>.+)\.json")  # helpers.results.record_result's names


def find_notebooks(selection: list[str], folder: Path | None = None) -> list[Path]:
    """The lesson's notebooks in order, or those whose names start with one of ``selection``.

    Example: ``find_notebooks(["03"])  # [PosixPath('.../notebooks/03_simple_rnn.ipynb')]``
    """
    short = [prefix for prefix in selection if len(prefix) < 2]
    if short:
        raise SystemExit(f"Name notebooks by at least their two-digit number (00 for the set-up check, 03 for "
                         f"episode 3), not {', '.join(repr(prefix) for prefix in short)}.")
    try:
        return lesson_notebooks(NOTEBOOKS if folder is None else folder, selection)
    except ValueError as error:  # an unknown prefix: stop with the message, which lists the notebooks
        raise SystemExit(str(error)) from None


def check_inputs(paths: list[Path], output_dir: Path | None) -> None:
    """Refuse, before any training, notebooks that cannot be read and an output folder that cannot be written.

    Example: ``check_inputs(find_notebooks(["03"]), Path("out"))``
    """
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


class ChangedOnDisk(Exception):
    """Notebooks were saved (in Jupyter, say) while they ran; no executed copy was written over them."""

    def __init__(self, paths: list[Path]):
        names = ", ".join(path.name for path in paths)
        super().__init__(f"{names} changed on disk while the run went on (saved in Jupyter, or written by another run?). Your version is kept, "
                         "and nothing of this run was written. Run it again when it is saved.")
        self.paths = paths


class PartlyWritten(Exception):
    """Writing the run's files stopped part way (a full disk, say); the message lists what was written and what not."""

    def __init__(self, error: Exception, written: list[Path], not_written: list[Path]):
        shown = lambda paths: ", ".join(str(path) for path in paths) or "none"  # noqa: E731
        super().__init__(f"{error}\nWritten before that: {shown(written)}.\nNot written: {shown(not_written)}.")
        self.written, self.not_written = written, not_written


def targets_of(paths: list[Path], output_dir: Path | None) -> dict[Path, Path]:
    """Where each notebook's executed copy goes: in place, or a file of the same name in ``output_dir``.

    Example: ``targets_of([Path("notebooks/03_simple_rnn.ipynb")], Path("out"))  # {...: out/03_simple_rnn.ipynb}``
    """
    return {path: path if output_dir is None else output_dir / path.name for path in paths}


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def not_ours(targets: dict[Path, Path]) -> list[Path]:
    """The targets that hold something a run did not write there (a learner copy typed into, say).

    In place, a notebook is its own target; elsewhere a file is ours when it is missing, a copy of its notebook,
    or what a run wrote there last (the folder's record, ``helpers.files.written_by_tools``).

    Example: ``not_ours(targets_of(paths, Path("learner")))  # [PosixPath('learner/01_dense_baseline.ipynb')]``
    """
    from helpers.files import written_by_tools

    foreign = []
    for source, target in targets.items():
        if target.resolve() == source.resolve() or written_by_tools(target) or _read(target) == source.read_bytes():
            continue
        foreign.append(target)
    return foreign


def result_key(name: str) -> str | None:
    """The key of a result file's name (``03_simple_rnn.json`` -> ``simple_rnn``); None for another file.

    Example: ``result_key("05_stacked_lstm.json")  # 'stacked_lstm'``
    """
    match = RESULT_FILE.fullmatch(name)
    return match["key"] if match else None


def stage_results(results: Path, staging: Path, partial: bool) -> dict[str, str]:
    """Fill the staging folder: for a partial run, a copy of the results there; the digest of each copy.

    Example: ``stage_results(Path("results"), staging, partial=True)  # {'01_persistence.json': '9a0f...'}``
    """
    copied = {}
    if partial:
        for existing in sorted(results.glob("*.json")):
            data = existing.read_bytes()
            (staging / existing.name).write_bytes(data)  # the staging folder is removed whatever happens
            copied[existing.name] = digest(data)
    return copied


def commit_results(staging: Path, results: Path, copied: dict[str, str], full: bool) -> tuple[list[Path], list[Path]]:
    """Move the results the notebooks wrote from ``staging`` into ``results``; the files written and removed.

    A result file whose key the run wrote again is replaced (also under another episode's name); a full run
    also removes the lesson's results (keys of ``helpers.lesson.MODELS``) that it did not write. Every other
    file stays: a learner's own results, notes, a result written meanwhile.

    Example: ``commit_results(staging, Path("results"), {}, full=True)``
    """
    new = {path.name: path for path in sorted(staging.glob("*.json"))
           if copied.get(path.name) != digest(path.read_bytes())}
    new_keys = {result_key(name) for name in new} - {None}
    removed, written = [], []
    for old in sorted(results.glob("*.json")):
        key = result_key(old.name)
        if old.name not in new and key is not None and (key in new_keys or (full and key in MODELS)):
            old.unlink()
            removed.append(old)
    for name, path in new.items():
        os.replace(path, results / name)  # one rename: the staging folder lies in the results folder
        written.append(results / name)
    return written, removed


def commit(executed: dict[Path, Executed], targets: dict[Path, Path], before: dict[Path, bytes | None],
           staging: Path, results: Path, copied: dict[str, str], full: bool, force: bool) -> list[Path]:
    """Write the executed notebooks, then the results, once every notebook has run; the files written.

    Nothing is written if a target changed while the run went on (``ChangedOnDisk``). A target the run does
    not own is replaced only with ``force``, after a backup. A write that fails part way raises
    ``PartlyWritten``, naming what was written and what was not.

    Example: ``commit(executed, targets_of(paths, None), before, staging, results, {}, full=True, force=False)``
    """
    changed = [target for target in targets.values() if _read(target) != before[target]]
    if changed:
        raise ChangedOnDisk(changed)
    foreign = set(not_ours(targets))
    written: list[Path] = []
    planned = [targets[path] for path in executed]
    try:
        for path, result in executed.items():
            target = targets[path]
            if target in foreign and force:
                written.append(copy_atomically(target, backup_path(target)))
                print(f"Kept your {target.name} as {written[-1]} before replacing it (--force).", flush=True)
            written.append(write_bytes_atomically(target, notebook_text(result.notebook).encode("utf-8")))
            if target.resolve() != path.resolve():
                remember(target)  # the folder's record: what a run last wrote there
        written_results, _ = commit_results(staging, results, copied, full)
    except OSError as error:
        not_written = [target for target in planned if target not in written]
        not_written.append(results)
        raise PartlyWritten(error, written, not_written) from None
    return written + written_results


def _folder_problem(error: OSError, folder: Path) -> str:
    """A plain message for a folder the run cannot write into."""
    if isinstance(error, WriteError):
        return str(error)
    return (f"The run cannot write into {folder} ({error.strerror or error}): make that folder writable or free "
            "some space there, or set LESSON_RESULTS_DIR to another folder, then run again.")


@contextlib.contextmanager
def staging_folder(results: Path):
    """A fresh staging folder inside ``results`` for one ``with`` block; removed at its end, whatever happens.

    Example: ``with staging_folder(Path("results")) as staging: ...``
    """
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=results))
    try:
        yield staging
    finally:
        with signals_held():
            shutil.rmtree(staging, ignore_errors=True)


def remove_stale_staging(results: Path) -> None:
    """Remove the staging folders a run killed outright left in ``results`` (call it while holding the lock)."""
    for folder in results.glob(f"{STAGING_PREFIX}*"):
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="name prefixes of the notebooks to run, e.g. 03 (default: all)")
    parser.add_argument("--output-dir", type=Path, help="write executed notebooks here instead of in place")
    parser.add_argument("--force", action="store_true",
                        help="with --output-dir: replace files there that a run did not write (typed into?); "
                             "the old ones go to backups/ beside them first")
    parser.add_argument("--notebooks-dir", type=Path, default=None,
                        help="the folder of the notebooks to run (default: the project's notebooks/)")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds a single cell may take (default 1200)")
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help=f"notebooks to run at once (default here: {default_jobs()}, one per core, at most 4)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be 1 or more, got {args.jobs}")

    folder = NOTEBOOKS if args.notebooks_dir is None else args.notebooks_dir
    paths = find_notebooks(args.notebooks, folder)
    if not paths:
        print(f"No notebooks found in {folder}.", file=sys.stderr)
        return 1
    check_inputs(paths, args.output_dir)
    try:
        config = current()
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 1
    results = config.results_dir
    targets = targets_of(paths, args.output_dir)
    foreign = not_ours(targets)
    if foreign and not args.force:
        print(f"Not run: {', '.join(str(path) for path in foreign)} differ{'s' if len(foreign) == 1 else ''} from "
              "what a run last wrote there (typed into?) and would be replaced. They are kept: choose another "
              "--output-dir, or add --force to replace them (the old ones go to backups/ beside them first).",
              file=sys.stderr)
        return 1
    full = len(paths) == len(find_notebooks([], folder))
    in_project = folder.resolve() == NOTEBOOKS.resolve() and args.output_dir is None
    committed: list[Path] = []
    with signals_raise():
        try:
            try:
                results.mkdir(parents=True, exist_ok=True)
                lock = run_lock(results, report=lambda text: print(text, flush=True))
                lock.__enter__()
            except OSError as error:
                print(_folder_problem(error, results), file=sys.stderr)
                return 1
            try:
                return _run(args, paths, targets, results, config, full, in_project, committed)
            finally:
                with signals_held():
                    lock.__exit__(None, None, None)
        except Busy as busy:
            print(f"Not run: {busy}", file=sys.stderr)
            return 1
        except Stopped as stop:
            what = "Interrupted (Ctrl-C)" if stop.status == 130 else f"Stopped ({stop.name})"
            if committed:
                print(f"{what} after the run: its notebooks and results were written "
                      f"({len(committed)} files); the summary was not printed.", file=sys.stderr)
            else:
                print(f"{what}: every kernel is stopped and nothing was written; the notebooks and {results} "
                      "are as they were.", file=sys.stderr)
            return stop.status


def _run(args, paths: list[Path], targets: dict[Path, Path], results: Path, config, full: bool, in_project: bool,
         committed: list[Path]) -> int:
    """The run itself, under the results folder's lock: stage, run, write everything at the end, summarise."""
    remove_stale_staging(results)
    total_started = time.perf_counter()
    print(f"Running {len(paths)} notebook(s), {min(args.jobs, len(paths))} at a time.", flush=True)
    try:
        with staging_folder(results) as staging:
            # The notebooks record their results in the staging folder; nothing is written until all have run.
            # A full run starts from an empty table; a partial one from a copy of the results already there.
            copied = stage_results(results, staging, partial=not full)
            before = {target: _read(target) for target in targets.values()}
            env = kernel_environment(config.but(results_dir=staging), args.jobs)
            executed = run_notebooks(paths, args.jobs, report=lambda text: print(text, flush=True),
                                     timeout=args.timeout, env=env)
            with signals_held() as arrived:
                committed += commit(executed, targets, before, staging, results, copied, full, args.force)
    except NotebookFailed as failure:
        where = f"code cell {failure.cell} ({failure.first_line!r})" if failure.cell else "a cell (timed out)"
        print(f"\n{failure.path.name}: {where} raised an error; the notebook on disk is unchanged, and so is "
              f"{results}.\n", file=sys.stderr)
        print(str(failure.error), file=sys.stderr)
        return 1
    except ChangedOnDisk as changed:
        print(f"\n{changed}\n{results} is unchanged too.", file=sys.stderr)
        return 1
    except PartlyWritten as partly:
        print(f"\nThe run finished, but writing its files stopped: {partly}", file=sys.stderr)
        return 1
    except OSError as error:  # the staging folder: a full disk, a read-only results folder
        print(f"\n{_folder_problem(error, results)} Nothing was written.", file=sys.stderr)
        return 1
    if arrived:
        raise Stopped(arrived[0])
    total = time.perf_counter() - total_started
    seconds = {path: result.seconds for path, result in executed.items()}
    print(f"\nAll {len(paths)} notebooks ran in {total:.1f} s.")
    try:
        tables = run_results(results)  # computed once, for the summary and the documents
        summarise(tables)
    except (ValueError, OSError) as error:  # a file in the results folder that is not a result, say
        print(f"\nThe notebooks and results were written, but the table of results cannot be shown: {error}",
              file=sys.stderr)
        return 1
    if in_project and full:  # a full run in place: the README shows the committed results and run times
        update_documents(tables, {path.name[:2]: value for path, value in seconds.items()}, total)
    return 0


def entry(argv: list[str] | None = None) -> int:
    """``main``, with a Ctrl-C outside the run (while starting, say) answered in one line, not a traceback.

    Example: ``sys.exit(entry())``
    """
    try:
        return main(argv)
    except KeyboardInterrupt:
        print("Interrupted (Ctrl-C) before the run began; nothing was written.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(entry())
