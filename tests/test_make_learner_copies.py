"""tools/make_learner_copies.py: learner copies without outputs or solutions, live code reduced to comments."""

from __future__ import annotations

import copy
import importlib
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = PROJECT_ROOT / "notebooks"
REAL_NOTEBOOKS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
DATA_FILE = PROJECT_ROOT / "data" / "weather_prediction_dataset_light.csv"


@pytest.fixture(scope="module")
def tool():
    return importlib.import_module("tools.make_learner_copies")


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def synthetic_notebook():
    """A small instructor notebook: outputs, a live cell, solutions in code and markdown."""
    ran = new_code_cell("x = 1\nx", id="plain", execution_count=3,
                        outputs=[new_output("execute_result", data={"text/plain": "1"}, execution_count=3)])
    live = tagged(new_code_cell(
        "# Build the model\ndef build(n):\n    # one hidden layer\n    layer = n * 2\n\n    #   the output\n    return layer",
        id="live-build", execution_count=4,
        outputs=[new_output("stream", name="stdout", text="built\n")]), "live")
    live_bare = tagged(new_code_cell("model = build(3)\nmodel", id="live-bare"), "live", "nbval-ignore-output")
    solution_code = tagged(new_code_cell("# Solution\nprint(42)", id="sol-code", execution_count=5,
                                         outputs=[new_output("stream", name="stdout", text="42\n")]), "solution")
    solution_text = tagged(new_markdown_cell("**Solution.** The answer is 42.", id="sol-text"), "solution")
    challenge = tagged(new_markdown_cell("> ## Challenge\n> What is the answer?", id="challenge"), "challenge")
    ignored = tagged(new_code_cell("print(model)", id="ignored", execution_count=6,
                                   outputs=[new_output("stream", name="stdout", text="6\n")]), "nbval-ignore-output")
    notebook = new_notebook(cells=[new_markdown_cell("# Episode", id="title"), ran, live, live_bare,
                                   challenge, solution_code, solution_text, ignored])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.validate(notebook)
    return notebook


def by_id(notebook):
    return {cell.id: cell for cell in notebook.cells}


def only_comments(source: str) -> bool:
    return all(line.strip().startswith("#") for line in source.splitlines() if line.strip())


# --- learner_copy -----------------------------------------------------------------------------


def test_outputs_cleared(tool):
    result = tool.learner_copy(synthetic_notebook())
    code = [cell for cell in result.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    assert by_id(result)["plain"].source == "x = 1\nx"


def test_solution_cells_removed_code_and_markdown(tool):
    result = tool.learner_copy(synthetic_notebook())
    assert [cell.id for cell in result.cells] == ["title", "plain", "live-build", "live-bare", "challenge", "ignored"]
    assert not any("solution" in cell.metadata.get("tags", []) for cell in result.cells)


def test_live_cell_reduced_to_comments_with_indentation(tool):
    cell = by_id(tool.learner_copy(synthetic_notebook()))["live-build"]
    assert cell.source == "# Build the model\n    # one hidden layer\n    #   the output"
    assert cell.metadata["tags"] == ["live"]
    assert cell.outputs == [] and cell.execution_count is None


def test_live_cell_without_comments_gets_placeholder(tool):
    cell = by_id(tool.learner_copy(synthetic_notebook()))["live-bare"]
    assert cell.source == "# Type along with the instructor"
    assert cell.metadata["tags"] == ["live", "nbval-ignore-output"]  # other tags kept as they are


def test_other_cells_and_metadata_kept(tool):
    original = synthetic_notebook()
    result = tool.learner_copy(original)
    assert result.metadata == original.metadata
    assert by_id(result)["challenge"] == by_id(original)["challenge"]
    assert by_id(result)["ignored"].metadata["tags"] == ["nbval-ignore-output"]
    nbformat.validate(result)


def test_original_not_modified(tool):
    original = synthetic_notebook()
    before = copy.deepcopy(original)
    tool.learner_copy(original)
    assert original == before


# --- fill_live_cells --------------------------------------------------------------------------


def test_fill_live_cells_restores_instructor_source(tool):
    instructor = synthetic_notebook()
    learner = tool.learner_copy(instructor)
    before = copy.deepcopy(learner)
    filled = tool.fill_live_cells(learner, instructor)
    assert learner == before  # the learner copy itself is left alone
    for cell_id in ("live-build", "live-bare"):
        assert by_id(filled)[cell_id].source == by_id(instructor)[cell_id].source
    assert by_id(filled)["live-build"].outputs == []  # only the source comes back
    assert [cell.id for cell in filled.cells] == [cell.id for cell in learner.cells]


def test_fill_live_cells_raises_naming_the_missing_id(tool):
    instructor = synthetic_notebook()
    learner = tool.learner_copy(instructor)
    instructor.cells = [cell for cell in instructor.cells if cell.id != "live-bare"]
    with pytest.raises(ValueError, match="live-bare"):
        tool.fill_live_cells(learner, instructor)


# --- command line -----------------------------------------------------------------------------


@pytest.fixture
def fake_notebooks(tool, tmp_path, monkeypatch):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for name in ["01_intro.ipynb", "02_rnn.ipynb", "notes.ipynb"]:
        nbformat.write(synthetic_notebook(), str(folder / name))
    monkeypatch.setattr(tool, "NOTEBOOKS", folder)
    return folder


def visible(folder: Path) -> list[Path]:
    """The files a learner sees in ``folder`` (not the tools' hidden record of what they wrote)."""
    return [path for path in folder.iterdir() if not path.name.startswith(".")]


def test_cli_writes_valid_learner_copies(tool, fake_notebooks, tmp_path, capsys):
    out = tmp_path / "out"
    assert tool.main(["--output-dir", str(out)]) == 0
    assert sorted(path.name for path in visible(out)) == ["01_intro.ipynb", "02_rnn.ipynb"]
    for path in visible(out):
        notebook = nbformat.read(str(path), as_version=4)
        nbformat.validate(notebook)
        assert notebook == tool.learner_copy(nbformat.read(str(fake_notebooks / path.name), as_version=4))
        assert path.read_text(encoding="utf-8").endswith("}\n")  # a final newline, as Jupyter writes
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 3 and "01_intro.ipynb" in printed[0] and "02_rnn.ipynb" in printed[1]
    assert printed[0].endswith("(written)")
    assert printed[-1].startswith("2 learner copies in")


def test_a_copy_someone_typed_into_is_kept_unless_forced_and_then_backed_up(tool, fake_notebooks, tmp_path, capsys):
    out = tmp_path / "out"
    assert tool.main(["--output-dir", str(out)]) == 0
    typed = out / "01_intro.ipynb"
    notebook = nbformat.read(str(typed), as_version=4)
    notebook.cells[0].source += "\n# my own note"
    nbformat.write(notebook, str(typed))
    mine = typed.read_bytes()
    capsys.readouterr()

    assert tool.main(["--output-dir", str(out)]) == 0  # again: the typed-into copy stays as it is
    printed = capsys.readouterr().out
    assert typed.read_bytes() == mine
    assert "01_intro.ipynb (kept)" in printed and "02_rnn.ipynb (unchanged)" in printed
    assert "Add --force to replace them" in printed

    assert tool.main(["--output-dir", str(out), "--force"]) == 0
    backups = list((out / "backups").iterdir())
    assert len(backups) == 1 and backups[0].name.startswith("01_intro-") and backups[0].read_bytes() == mine
    assert nbformat.read(str(typed), as_version=4) == tool.learner_copy(
        nbformat.read(str(fake_notebooks / "01_intro.ipynb"), as_version=4))
    assert "replaced (backup:" in capsys.readouterr().out


def test_cli_prefix_selects_notebooks(tool, fake_notebooks, tmp_path):
    out = tmp_path / "out"
    assert tool.main(["--output-dir", str(out), "02"]) == 0
    assert [path.name for path in visible(out)] == ["02_rnn.ipynb"]


def test_cli_unknown_prefix_exits_non_zero_listing_notebooks(tool, fake_notebooks, tmp_path, capsys):
    out = tmp_path / "out"
    assert tool.main(["--output-dir", str(out), "01", "99"]) != 0
    error = capsys.readouterr().err
    assert "99" in error and "01_intro.ipynb" in error and "02_rnn.ipynb" in error
    assert not out.exists()


def test_cli_refuses_notebooks_folder_as_output(tool, fake_notebooks, capsys):
    before = {path.name: path.read_bytes() for path in fake_notebooks.iterdir()}
    assert tool.main(["--output-dir", str(fake_notebooks)]) != 0
    assert "notebooks folder" in capsys.readouterr().err
    assert {path.name: path.read_bytes() for path in fake_notebooks.iterdir()} == before


def test_interrupted_write_leaves_old_copy_and_no_temp_file(tool, fake_notebooks, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "01_intro.ipynb").write_text("old copy", encoding="utf-8")

    import helpers.files

    def broken_replace(src, dst):  # interrupted after the temporary file was written
        raise KeyboardInterrupt

    monkeypatch.setattr(helpers.files.os, "replace", broken_replace)
    assert tool.main(["--output-dir", str(out), "--force", "01"]) == 130
    err = capsys.readouterr().err
    assert "Interrupted at 01_intro.ipynb" in err and "Traceback" not in err
    assert sorted(path.name for path in out.iterdir()) == ["01_intro.ipynb", "backups"]
    assert (out / "01_intro.ipynb").read_text(encoding="utf-8") == "old copy"


def test_a_copy_the_tools_wrote_follows_a_changed_notebook_without_a_word(tool, fake_notebooks, tmp_path, capsys):
    out = tmp_path / "out"
    assert tool.main(["--output-dir", str(out), "01"]) == 0
    instructor = nbformat.read(fake_notebooks / "01_intro.ipynb", as_version=4)
    instructor.cells[0].source += " (revised)"
    nbformat.write(instructor, fake_notebooks / "01_intro.ipynb")
    capsys.readouterr()
    assert tool.main(["--output-dir", str(out), "01"]) == 0
    assert "01_intro.ipynb (updated)" in capsys.readouterr().out
    assert nbformat.read(out / "01_intro.ipynb", as_version=4) == tool.learner_copy(instructor)
    assert not (out / "backups").exists()


def test_a_full_disk_during_the_backup_keeps_the_typed_copy_and_leaves_no_half_backup(tool, fake_notebooks, tmp_path,
                                                                                      monkeypatch, capsys):
    import errno

    import helpers.files

    out = tmp_path / "out"
    out.mkdir()
    typed = out / "01_intro.ipynb"
    typed.write_text('{"typed": "by a learner"}', encoding="utf-8")
    real_write = helpers.files.tempfile.NamedTemporaryFile

    class HalfWritten:  # the disk fills up half-way through the first file written (the backup)
        def __init__(self, *args, **kwargs):
            self.file = real_write(*args, **kwargs)
            self.name = self.file.name

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.file.close()

        def write(self, data):
            self.file.write(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")

        def flush(self):
            pass

        def fileno(self):
            return self.file.fileno()

    monkeypatch.setattr(helpers.files.tempfile, "NamedTemporaryFile", HalfWritten)
    assert tool.main(["--output-dir", str(out), "--force", "01"]) == 1
    err = capsys.readouterr().err
    assert f"The disk that holds {out / 'backups'} is full" in err and "free some space" in err
    assert "Traceback" not in err
    assert typed.read_text(encoding="utf-8") == '{"typed": "by a learner"}'
    assert [path.name for path in (out / "backups").iterdir()] == []  # no truncated backup, no temporary file


def test_a_corrupt_instructor_notebook_is_named_with_the_git_command_that_brings_it_back(tool, fake_notebooks,
                                                                                         tmp_path, capsys):
    (fake_notebooks / "02_rnn.ipynb").write_text('{"cells": [{"cell_type": "co', encoding="utf-8")  # cut short
    assert tool.main(["--output-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "02_rnn.ipynb cannot be read as a notebook" in err and "git checkout -- " in err
    assert "Traceback" not in err


# --- the real notebooks -----------------------------------------------------------------------


def test_real_notebooks_exist():
    assert REAL_NOTEBOOKS, f"no notebooks/[0-9][0-9]_*.ipynb in {NOTEBOOKS}"


@pytest.mark.parametrize("path", REAL_NOTEBOOKS, ids=[path.name for path in REAL_NOTEBOOKS])
def test_real_notebook_learner_copy(tool, path):
    instructor = nbformat.read(str(path), as_version=4)
    result = tool.learner_copy(instructor)
    nbformat.validate(result)
    assert result.cells, "a learner copy should keep the lesson's cells"
    for cell in result.cells:
        tags = cell.metadata.get("tags", [])
        assert "solution" not in tags
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
            if "live" in tags:
                assert only_comments(cell.source), f"live cell {cell.id} still holds code"
    kept = [cell for cell in instructor.cells if "solution" not in cell.metadata.get("tags", [])]
    assert [cell.get("id") for cell in result.cells] == [cell.get("id") for cell in kept]
    assert tool.fill_live_cells(result, instructor) is not None  # every live cell can be matched back


@pytest.mark.parametrize("path", REAL_NOTEBOOKS, ids=[path.name for path in REAL_NOTEBOOKS])
def test_every_challenge_reaches_the_learner_and_no_solution_does(tool, path):
    instructor = nbformat.read(str(path), as_version=4)
    learner = tool.learner_copy(instructor)

    def challenges(notebook):
        return [line for cell in notebook.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("> ## Challenge")]

    assert challenges(learner) == challenges(instructor), "a challenge's question sits in a cell tagged solution"
    for cell in learner.cells:
        first = cell.source.lstrip()
        assert not first.startswith(("**Solution", "# Solution", "> ## Solution")), (
            f"an answer is not tagged solution: {first[:60]!r}")


MIN_COMMENTS_PER_CODE_LINE = 1 / 4  # a comment at least every four lines of code, so the room can type along


@pytest.mark.parametrize("path", REAL_NOTEBOOKS, ids=[path.name for path in REAL_NOTEBOOKS])
def test_every_live_cell_keeps_enough_comments_to_type_along(tool, path):
    for cell in nbformat.read(str(path), as_version=4).cells:
        if "live" not in cell.metadata.get("tags", []):
            continue
        lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
        comments = sum(line.startswith("#") for line in lines)
        code = len(lines) - comments
        assert comments >= 1 and comments >= code * MIN_COMMENTS_PER_CODE_LINE, (
            f"{path.name}: a live cell with {code} lines of code has {comments} comment lines: "
            f"{cell.source.splitlines()[0]!r}")


def test_real_notebooks_cli(tool, tmp_path):
    out = tmp_path / "learner"
    assert tool.main(["--output-dir", str(out)]) == 0
    assert sorted(path.name for path in visible(out)) == [path.name for path in REAL_NOTEBOOKS]
    for path in visible(out):
        nbformat.validate(nbformat.read(str(path), as_version=4))


# --- end to end -------------------------------------------------------------------------------


def test_learner_copy_of_01_runs_once_live_cells_are_filled(tool, monkeypatch, tmp_path):
    """Learner copy of 01 with the instructor's live code typed back in runs without an error (~20 s)."""
    if not DATA_FILE.is_file():
        pytest.skip(f"needs the weather data at {DATA_FILE} (run `python3 -m tools setup` first: it downloads the data)")
    from tools.notebooks import notebook_client

    matches = [path for path in REAL_NOTEBOOKS if path.name.startswith("01_")]
    assert len(matches) == 1, f"expected one notebook starting with 01_, found {matches}"
    instructor = nbformat.read(str(matches[0]), as_version=4)
    notebook = tool.fill_live_cells(tool.learner_copy(instructor), instructor)

    # The kernel inherits this environment: real data from the project, results into the test's temporary folder.
    monkeypatch.setenv("LESSON_DATA_DIR", str(DATA_FILE.parent))
    monkeypatch.setenv("LESSON_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.delenv("LESSON_STRICT_CHECKS", raising=False)  # as in a learner's Jupyter
    notebook_client(notebook, NOTEBOOKS, timeout=600).execute()
    errors = [(cell.get("id"), output.get("ename"), output.get("evalue"))
              for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.outputs if output.get("output_type") == "error"]
    assert errors == []
    # the last cell compares the learner's number with the measured range, in words
    last = notebook.cells[-1]
    assert "check_rmse(" in last.source
    assert "Dense, one day: validation RMSE" in "".join(output.get("text", "") for output in last.outputs)
