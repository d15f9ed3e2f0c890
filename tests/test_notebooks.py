"""tools/notebooks.py: finding the lesson's notebooks, the one notebook client, and writing notebooks."""

from __future__ import annotations

from tools import notebooks as files

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook


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


def test_a_builder_defined_in_several_episodes_is_the_same_code_in_each():
    """Comparisons treat episode 5's stacked LSTM and its copies in 06, 07 and 09 as one model: keep them equal."""
    from collections import defaultdict

    from helpers import PROJECT_ROOT
    from tools.notebooks import defined_functions, lesson_notebooks

    sources = defaultdict(dict)
    for path in lesson_notebooks(PROJECT_ROOT / "notebooks"):
        for name, source in defined_functions(path).items():
            sources[name][path.name] = source
    shared = {name: by_notebook for name, by_notebook in sources.items() if len(by_notebook) > 1}
    assert {"build_dense", "build_stacked_lstm"} <= set(shared)
    for name, by_notebook in shared.items():
        assert len(set(by_notebook.values())) == 1, f"{name} differs between {', '.join(by_notebook)}"


def test_load_functions_defines_a_notebooks_builder_and_names_what_is_missing(tmp_path):
    from tools.notebooks import load_functions

    import pytest

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("%matplotlib inline\ndef double(x):\n    return 2 * x")])
    path = tmp_path / "01_toy.ipynb"
    nbformat.write(notebook, str(path))
    assert load_functions(path, ["double"], {})["double"](21) == 42
    with pytest.raises(ValueError, match="defines no triple; it defines double"):
        load_functions(path, ["triple"], {})


def test_the_notebook_client_starts_the_kernel_with_the_environment_given(tmp_path):
    import os

    notebook = new_notebook(cells=[new_code_cell("import os\nprint(os.environ.get('LESSON_SEED'))")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    files.notebook_client(notebook, tmp_path, timeout=60).execute(env={**os.environ, "LESSON_SEED": "123"})
    assert notebook.cells[0].outputs[0].text == "123\n"
    assert os.environ.get("LESSON_SEED") != "123"


def test_notebook_text_is_what_write_notebook_writes(tmp_path):
    notebook = new_notebook(cells=[new_code_cell("1 + 1")])
    target = files.write_notebook(tmp_path / "01_a.ipynb", notebook)
    assert target.read_text(encoding="utf-8") == files.notebook_text(notebook) and files.notebook_text(notebook)[-1] == "\n"
