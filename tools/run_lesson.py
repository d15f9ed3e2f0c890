"""Run the whole lesson: execute every notebook in order, each in a fresh kernel, then summarise.

Usage:
    python tools/run_lesson.py                 # all notebooks, outputs written back in place
    python tools/run_lesson.py 03 05           # only the notebooks whose names start with 03 or 05
    python tools/run_lesson.py --output-dir out/   # leave notebooks/ untouched, write executed copies to out/

Executed notebooks are written only when every cell ran: a failing cell stops the run, names the
notebook, the cell and the error, and exits non-zero, leaving the notebook on disk as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))

from helpers.files import write_atomically  # noqa: E402


def find_notebooks(selection: list[str]) -> list[Path]:
    """The lesson's notebooks in order, or those whose names start with one of ``selection``."""
    available = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not selection:
        return available
    chosen = [path for path in available if any(path.name.startswith(prefix) for prefix in selection)]
    unknown = [prefix for prefix in selection if not any(path.name.startswith(prefix) for path in available)]
    if unknown:
        names = ", ".join(path.name for path in available)
        raise SystemExit(f"No notebook starts with {', '.join(unknown)}. Notebooks: {names}")
    return chosen


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


def execute(path: Path, output_dir: Path | None, timeout: int) -> float:
    """Execute one notebook in a fresh kernel and write it; return the seconds it took."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as error:
        number, first_line = failing_cell(notebook)
        raise NotebookFailed(path, number, first_line, error) from error
    elapsed = time.perf_counter() - started
    write_atomically((output_dir / path.name) if output_dir else path, nbformat.writes(notebook))
    return elapsed


def summarise(results_folder: Path | None = None) -> None:
    """Print the results table and write results/summary.csv, summary.md and comparison.png."""
    import matplotlib

    matplotlib.use("Agg")  # this process draws only to files
    import matplotlib.pyplot as plt

    from helpers.plotting import plot_comparison
    from helpers.results import load_results, results_dir

    folder = results_folder or results_dir()
    table = load_results(folder)
    if table.empty:
        print("No results recorded yet.")
        return
    write_atomically(folder / "summary.csv", table.to_csv(index=False))
    header = "| " + " | ".join(table.columns) + " |"
    lines = [header, "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(f"{value:.3f}" if isinstance(value, float) else str(value) for value in row) + " |"
              for row in table.itertuples(index=False)]
    write_atomically(folder / "summary.md", "\n".join(lines) + "\n")
    ax = plot_comparison(table)
    ax.figure.tight_layout()
    ax.figure.savefig(folder / "comparison.png", dpi=120)
    plt.close(ax.figure)
    print("\nResults (test RMSE in hours of sunshine, same 366 test days for every model):")
    print(table.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
    print(f"\nWritten: {folder / 'summary.csv'}, {folder / 'summary.md'}, {folder / 'comparison.png'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="name prefixes of the notebooks to run, e.g. 03 (default: all)")
    parser.add_argument("--output-dir", type=Path, help="write executed notebooks here instead of in place")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds a single cell may take (default 1200)")
    args = parser.parse_args(argv)

    paths = find_notebooks(args.notebooks)
    if not paths:
        print(f"No notebooks found in {NOTEBOOKS}.", file=sys.stderr)
        return 1
    if not args.notebooks:  # a full run starts from an empty results table
        from helpers.results import results_dir

        for stale in results_dir().glob("*.json"):
            stale.unlink()
    total_started = time.perf_counter()
    for number, path in enumerate(paths, start=1):
        print(f"[{number}/{len(paths)}] {path.name} ...", end=" ", flush=True)
        try:
            seconds = execute(path, args.output_dir, args.timeout)
        except NotebookFailed as failure:
            print("FAILED", flush=True)
            where = f"code cell {failure.cell} ({failure.first_line!r})" if failure.cell else "a cell (timed out)"
            print(f"\n{path.name}: {where} raised an error; the notebook on disk is unchanged.\n", file=sys.stderr)
            print(str(failure.error), file=sys.stderr)
            return 1
        print(f"ok in {seconds:.1f} s", flush=True)
    print(f"\nAll {len(paths)} notebooks ran in {time.perf_counter() - total_started:.1f} s.")
    summarise()
    return 0


if __name__ == "__main__":
    sys.exit(main())
