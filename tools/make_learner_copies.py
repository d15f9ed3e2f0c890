"""Make the learners' copies of the lesson notebooks: no outputs, no solutions, live code left to type.

Usage:
    python -m tools.make_learner_copies                      # every notebook, copies written to learner/
    python -m tools.make_learner_copies 03 05                # only the notebooks whose names start with 03 or 05
    python -m tools.make_learner_copies --output-dir out/    # write the copies to out/ instead
    python -m tools.make_learner_copies --force              # also replace copies someone typed into (backed up)

A learner copy is the instructor notebook with
  * every code cell's outputs cleared and its execution count reset,
  * every cell tagged ``solution`` (code or markdown) removed,
  * every code cell tagged ``live`` (the code the instructor types live) cut down to its comment
    lines, so the room types along; a live cell without comments keeps a single placeholder comment.
Reduced cells keep their ``live`` tag and their cell id, so ``fill_live_cells`` can put the
instructor's code back (used by the tests to check that a learner copy still runs end to end).
The copies keep the instructor notebooks' file names; notebooks/ itself is never written. A copy that
differs from what the tools last wrote there (a learner typed into it; the output folder's record says) is
kept unless ``--force`` is given, and then copied whole to ``backups/`` in the output folder before it is
replaced. Every file is written atomically (``helpers.files``).
"""

from __future__ import annotations

import argparse
import copy as copying
import sys
from pathlib import Path

from helpers import PROJECT_ROOT as ROOT
from helpers.files import remember, write_unless_edited
from tools.notebooks import lesson_notebooks, notebook_text

import nbformat

NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUTPUT = ROOT / "learner"
SOLUTION_TAG = "solution"
LIVE_TAG = "live"
PLACEHOLDER = "# Type along with the instructor"


def tags(cell: nbformat.NotebookNode) -> list[str]:
    """The tags in a cell's metadata (an empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def comment_lines(source: str) -> str:
    """Only the lines of ``source`` that are comments, indentation kept; the placeholder if there are none."""
    kept = [line.rstrip() for line in source.splitlines() if line.strip().startswith("#")]
    return "\n".join(kept) if kept else PLACEHOLDER


def learner_copy(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A learner's copy of an instructor notebook (the argument is left unchanged)."""
    result = copying.deepcopy(notebook)
    cells = []
    for cell in result.cells:
        cell_tags = tags(cell)
        if SOLUTION_TAG in cell_tags:
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if LIVE_TAG in cell_tags:
                cell.source = comment_lines(cell.source)
        cells.append(cell)
    result.cells = cells
    return result


def fill_live_cells(copy: nbformat.NotebookNode, instructor: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``copy`` whose live cells hold the instructor's source again, matched by cell id."""
    sources = {cell.get("id"): cell.source for cell in instructor.cells if cell.get("id")}
    result = copying.deepcopy(copy)
    for cell in result.cells:
        if cell.cell_type != "code" or LIVE_TAG not in tags(cell):
            continue
        cell_id = cell.get("id")
        if cell_id not in sources:
            raise ValueError(f"live cell {cell_id!r} has no cell with the same id in the instructor notebook")
        cell.source = sources[cell_id]
    return result


class NotebookError(ValueError):
    """A lesson notebook cannot be read; the message names it and says how to get it back."""


def read_lesson_notebook(path: Path) -> nbformat.NotebookNode:
    """The lesson notebook at ``path``, read and checked; ``NotebookError`` naming it and the remedy if it is broken.

    Example: ``read_lesson_notebook(NOTEBOOKS / "03_simple_rnn.ipynb")``
    """
    path = Path(path)
    try:
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
    except (OSError, ValueError, KeyError, AttributeError, TypeError, nbformat.ValidationError) as error:
        shown = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        first = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        raise NotebookError(f"{shown} cannot be read as a notebook ({first}). Get the committed one back with "
                            f"`git checkout -- {shown}` (your changes to it are then lost: copy it first if "
                            "they matter), then run the command again.") from None
    return notebook


def make_copy(source: Path, output_dir: Path, force: bool = False) -> tuple[Path, str]:
    """Write the learner copy of one instructor notebook to ``output_dir``; the path and what happened.

    A copy already there that differs from what the tools last wrote (a learner typed into it) is kept, unless
    ``force``: then it is first copied whole to ``output_dir/backups/`` with the time in its name. What happened
    is one of "written", "unchanged", "updated", "kept" or "replaced (backup: PATH)" (``helpers.files``).

    Example: ``make_copy(NOTEBOOKS / "03_simple_rnn.ipynb", Path("learner"))``
    """
    result = learner_copy(read_lesson_notebook(source))
    nbformat.validate(result)
    target = output_dir / source.name
    if target.is_file():
        try:
            unchanged = nbformat.read(target, as_version=4) == result
        except Exception:  # not a readable notebook: it is someone's file all the same
            unchanged = False
        if unchanged:  # the same notebook, perhaps saved again by Jupyter: the tools' own from now on
            remember(target)
            return target, "unchanged"
    return write_unless_edited(target, notebook_text(result), force=force)


def main(argv: list[str] | None = None) -> int:
    """Command line: write learner copies of the selected notebooks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="name prefixes of the notebooks to copy, e.g. 03 (default: all)")
    parser.add_argument(
        "--output-dir", type=Path, default=None,
        help=f"folder for the learner copies (default: {DEFAULT_OUTPUT.relative_to(ROOT)}/ in the project)",
    )
    parser.add_argument(
        "--force", action="store_true",
        help="replace copies that differ from what the tools wrote (typed into); the old ones go to backups/ first",
    )
    args = parser.parse_args(argv)

    output_dir = (args.output_dir if args.output_dir is not None else DEFAULT_OUTPUT).resolve()
    if output_dir == NOTEBOOKS.resolve():
        print(f"Refusing to write learner copies into the instructor notebooks folder {NOTEBOOKS}; "
              "choose another --output-dir.", file=sys.stderr)
        return 2
    try:
        paths = lesson_notebooks(NOTEBOOKS, args.prefixes)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    if not paths:
        print(f"No notebooks found in {NOTEBOOKS}.", file=sys.stderr)
        return 1
    kept = []
    for path in paths:
        try:
            target, outcome = make_copy(path, output_dir, force=args.force)
        except (nbformat.ValidationError, OSError, ValueError) as error:
            print(f"{path.name}: no learner copy written: {error}", file=sys.stderr)
            if paths.index(path):
                print("Stopped there; the lines above say what became of the notebooks before it.", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print(f"\nInterrupted at {path.name}: the lines above say what became of the notebooks before it; every "
                  "copy is whole (the new one or the old one).", file=sys.stderr)
            return 130
        if outcome == "kept":
            kept.append(target)
        print(f"{path.name} -> {target} ({outcome})")
    print(f"{len(paths) - len(kept)} learner cop{'y' if len(paths) - len(kept) == 1 else 'ies'} in {output_dir}")
    if kept:
        print(f"Kept {len(kept)} cop{'y' if len(kept) == 1 else 'ies'} that differ from what the tools last wrote "
              "there (typed into?): "
              f"{', '.join(path.name for path in kept)}. Add --force to replace them; the old ones are then "
              "kept in backups/.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
