"""Finding, executing and writing the lesson's notebooks: the one place the tools and tests do this.

Example:
    >>> from tools.notebooks import lesson_notebooks, notebook_client
    >>> notebook_client(notebook, folder=Path("notebooks")).execute()
"""

from __future__ import annotations

from pathlib import Path

from helpers.files import write_atomically

import nbformat
from nbclient import NotebookClient

NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"  # 00_setup_check.ipynb, 01_dense_baseline.ipynb, ...


def lesson_notebooks(folder: str | Path, prefixes: list[str] | None = None) -> list[Path]:
    """The numbered notebooks in ``folder`` in lesson order, or those whose names start with one of ``prefixes``.

    Example: ``lesson_notebooks("notebooks", ["03"])  # [PosixPath('notebooks/03_simple_rnn.ipynb')]``
    """
    available = sorted(Path(folder).glob(NOTEBOOK_PATTERN))
    if not prefixes:
        return available
    unknown = [prefix for prefix in prefixes if not any(path.name.startswith(prefix) for path in available)]
    if unknown:
        names = ", ".join(path.name for path in available) or "none"
        raise ValueError(f"No notebook starts with {', '.join(unknown)}. Notebooks: {names}")
    return [path for path in available if any(path.name.startswith(prefix) for prefix in prefixes)]


def notebook_client(notebook, folder: str | Path, timeout: int = 1200, timing: bool = False,
                    kernel: str = "python3") -> NotebookClient:
    """An nbclient client that runs ``notebook`` in a fresh kernel (``kernel``, a kernel spec's name) in ``folder``.

    The one place the tools make a client. The kernel's environment is given when it starts:
    ``client.execute(env=...)`` (``tools.runner.kernel_environment`` builds it from a configuration).

    One stdout output per cell however the kernel flushed it, and no timing metadata, so that two runs
    of a notebook differ only where its numbers do. With ``timing`` (for the benchmark) every code cell
    gets nbclient's timestamps in ``cell.metadata.execution``. Once the last cell has run, the kernel is
    stopped at once instead of being asked to exit: a kernel that has trained with TensorFlow took 1.2-2.5 s
    to exit on its own (about 20 s of the whole lesson), and nothing the lesson keeps is written at exit
    (results are written, complete, by the cells themselves).

    Example: ``notebook_client(nbformat.read(path, as_version=4), path.parent).execute(env=environment)``
    """
    return NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=kernel,
        record_timing=timing,
        coalesce_streams=True,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(folder)}},
    )


def notebook_text(notebook) -> str:
    """The text of an nbformat notebook as a file holds it, ending in a newline as Jupyter and ``nbformat.write`` do.

    Example: ``notebook_text(executed).encode("utf-8")``
    """
    text = nbformat.writes(notebook)
    return text if text.endswith("\n") else text + "\n"


def write_notebook(target: str | Path, notebook) -> Path:
    """Write an nbformat notebook atomically (``notebook_text``); the path.

    Example: ``write_notebook("out/03_simple_rnn.ipynb", executed)``
    """
    return write_atomically(target, notebook_text(notebook))


def defined_functions(path: str | Path) -> dict[str, str]:
    """The source of every top-level function a notebook's code cells define, by name (the last one wins).

    The one source of a model builder that a study reuses (``benchmarks/recall_sweep.py``), and what the
    tests compare where episodes define the same builder.

    Example: ``defined_functions("notebooks/03_simple_rnn.ipynb")["build_simple_rnn"]``
    """
    import ast

    found: dict[str, str] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef):
                found[node.name] = ast.get_source_segment(source, node)
    return found


def load_functions(path: str | Path, names: list[str], namespace: dict) -> dict:
    """Define the functions ``names`` of a notebook in ``namespace`` (which holds what they use); return it.

    Example: ``load_functions(path, ["build_simple_rnn"], {"keras": keras})["build_simple_rnn"]``
    """
    functions = defined_functions(path)
    missing = [name for name in names if name not in functions]
    if missing:
        raise ValueError(f"{Path(path).name} defines no {', '.join(missing)}; it defines {', '.join(functions) or 'nothing'}.")
    for name in names:
        exec(compile(functions[name], f"{Path(path).name}:{name}", "exec"), namespace)  # noqa: S102 (our notebooks)
    return namespace
