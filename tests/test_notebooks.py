"""tools/notebooks.py: finding the lesson's notebooks, the one notebook client, and writing notebooks."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tools import notebooks as files


def test_lesson_notebooks_in_order_and_by_prefix(tmp_path):
    for name in ["10_outlook.ipynb", "01_intro.ipynb", "notes.ipynb", "1_short.ipynb", "02_data.txt"]:
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert [path.name for path in files.lesson_notebooks(tmp_path)] == ["01_intro.ipynb", "10_outlook.ipynb"]
    assert [path.name for path in files.lesson_notebooks(tmp_path, ["1"])] == ["10_outlook.ipynb"]
    with pytest.raises(ValueError, match=r"No notebook starts with 05\. Notebooks: 01_intro.ipynb, 10_outlook.ipynb"):
        files.lesson_notebooks(tmp_path, ["01", "05"])
    with pytest.raises(ValueError, match="Notebooks: none"):
        files.lesson_notebooks(tmp_path / "empty", ["01"])


def test_write_notebook_ends_with_a_newline_and_reads_back(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    notebook = new_notebook(cells=[new_code_cell("1 + 1")])
    target = files.write_notebook(tmp_path / "01_a.ipynb", notebook)
    assert target.read_text(encoding="utf-8").endswith("}\n")
    assert nbformat.read(str(target), as_version=4) == notebook


def test_the_notebook_client_runs_in_the_given_folder_with_one_output_per_cell(tmp_path):
    notebook = new_notebook(cells=[new_code_cell("import os, sys\nprint(os.getcwd())\nsys.stdout.flush()\nprint('more')")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    files.notebook_client(notebook, tmp_path, timeout=60).execute()
    outputs = notebook.cells[0].outputs
    assert len(outputs) == 1 and outputs[0].text == f"{tmp_path}\nmore\n"
    assert "execution" not in notebook.cells[0].metadata  # no timing metadata


def test_the_notebook_client_stops_the_kernel_at_once_after_the_last_cell(tmp_path):
    # what a cell writes is there; what the kernel would do on a slow exit (atexit) is not waited for
    code = (
        "import atexit, pathlib\n"
        "pathlib.Path('written.txt').write_text('complete')\n"
        "atexit.register(lambda: pathlib.Path('at_exit.txt').write_text('exited slowly'))"
    )
    notebook = new_notebook(cells=[new_code_cell(code)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    files.notebook_client(notebook, tmp_path, timeout=60).execute()
    assert (tmp_path / "written.txt").read_text() == "complete"
    assert not (tmp_path / "at_exit.txt").exists()


def test_the_notebook_client_records_cell_timestamps_only_when_asked(tmp_path):
    notebook = new_notebook(cells=[new_code_cell("import time\ntime.sleep(0.2)")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    files.notebook_client(notebook, tmp_path, timeout=60, timing=True).execute()
    execution = notebook.cells[0].metadata["execution"]
    assert {"iopub.execute_input", "shell.execute_reply"} <= set(execution)
    assert execution["iopub.execute_input"] < execution["shell.execute_reply"]  # ISO timestamps sort as times
