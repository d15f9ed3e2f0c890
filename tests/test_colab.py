"""tools/colab.py and tools/colab_setup.py: the Colab editions, their set-up cell and the badges.

The editions' run in a Colab-like environment is CI's own step (`python3 -m tools colab-check`,
tools/colab_check.py); these tests check what can be checked here, in seconds: the wheel, the cell, the
editions' structure, the set-up's decisions (one real pip install, offline), the badges on a copy.
"""

from __future__ import annotations

import base64
import errno
import io
import json
import shutil
import zipfile
from pathlib import Path

from tools import colab, colab_setup, site
from tools.make_learner_copies import learner_copy

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
MADE_UP = "https://github.com/example-org/made-up-lesson"  # no such repository: the test's own address


@pytest.fixture(scope="module")
def wheel() -> bytes:
    return colab.build_wheel()


@pytest.fixture(scope="module")
def source(wheel) -> str:
    return colab.setup_source(wheel, colab.requirements_by_module())


def synthetic_notebook():
    ran = new_code_cell("x = 1\nx", id="plain", execution_count=3,
                        outputs=[new_output("execute_result", data={"text/plain": "1"}, execution_count=3)])
    live = new_code_cell("# build it\nmodel = 2", id="live", metadata={"tags": ["live"]})
    solution = new_code_cell("# Solution\nprint(42)", id="sol", metadata={"tags": ["solution"]})
    return new_notebook(cells=[new_markdown_cell("# 3. Title", id="title"), ran, live, solution],
                        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def test_the_wheel_holds_the_helpers_and_is_the_same_twice(wheel):
    names = zipfile.ZipFile(io.BytesIO(wheel)).namelist()
    for name in ("helpers/__init__.py", "helpers/data.py", "helpers/quiet.py", "helpers/settings.py"):
        assert name in names
    tables = sorted(path.name for path in (PROJECT_ROOT / "helpers").glob("*.csv"))  # what the notebooks read
    assert tables and all(f"helpers/{name}" in names for name in tables), tables
    assert not [name for name in names if name.startswith(("tools/", "tests/", "notebooks/"))]
    assert colab.build_wheel() == wheel  # SOURCE_DATE_EPOCH: an unchanged project gives unchanged editions


def test_requirements_come_from_pyproject_grouped_by_module():
    wanted = colab.requirements_by_module()
    assert wanted["sklearn"] == ["scikit-learn>=1.5"]
    assert {"numpy", "pandas", "pooch", "matplotlib", "seaborn", "keras", "tensorflow"} <= set(wanted)
    assert len(wanted["tensorflow"]) == 2 and all(";" in line for line in wanted["tensorflow"])  # markers kept


def test_the_set_up_cell_is_short_to_read_and_carries_wheel_and_requirements(source, wheel):
    lines = source.splitlines()
    assert lines[0].startswith("# @title ") and lines[1].startswith("# @markdown ")
    assert max(len(line) for line in lines) <= 88  # the notebooks' rule
    code = source.replace("\nset_up(\n", "\ncalled = dict(\n", 1)  # what the cell hands to set_up
    assert code != source
    namespace = {}
    exec(compile(code, "<set-up cell>", "exec"), namespace)
    called = namespace["called"]
    assert base64.b64decode(called["wheel"]) == wheel
    assert called["requirements"] == colab.requirements_by_module()
    assert "results" not in called


def test_the_set_up_does_nothing_where_helpers_come_from_the_project(source, capsys):
    exec(compile(source, "<set-up cell>", "exec"), {})
    assert capsys.readouterr().out == f"The lesson's helpers come from {PROJECT_ROOT}: nothing to set up.\n"


def test_an_edition_puts_the_folded_set_up_cell_before_the_first_code_cell(source):
    notebook = synthetic_notebook()
    before = nbformat.writes(notebook)
    edition = colab.colab_edition(notebook, source, "03-colab.ipynb")
    assert nbformat.writes(notebook) == before
    assert [cell.get("id") for cell in edition.cells] == ["title", "colab-setup", "plain", "live", "sol"]
    setup = edition.cells[1]
    assert setup.source == source and setup.outputs == []
    assert setup.metadata["cellView"] == "form" and setup.metadata["jupyter"]["source_hidden"] is True
    assert edition.cells[2].outputs == notebook.cells[1].outputs  # the rest is the notebook as it is
    assert edition.metadata["colab"]["name"] == "03-colab.ipynb"
    with pytest.raises(colab.EditionError, match="from an edition"):
        colab.colab_edition(edition, source, "03-colab.ipynb")


def test_a_learner_edition_is_the_learner_copy_with_the_set_up_cell(source):
    notebook = synthetic_notebook()
    edition = colab.colab_edition(notebook, source, "03-colab-learner.ipynb", learner=True)
    expected = learner_copy(notebook)
    assert [cell.get("id") for cell in edition.cells] == ["title", "colab-setup", "plain", "live"]
    assert [cell.source for cell in edition.cells[2:]] == [cell.source for cell in expected.cells[1:]]
    assert all(cell.outputs == [] for cell in edition.cells if cell.cell_type == "code")


def test_editions_of_the_real_notebooks(tmp_path):
    written = colab.make_editions(NOTEBOOKS, tmp_path)
    learner = colab.make_editions(NOTEBOOKS, tmp_path, learner=True)
    assert [path.name for path in written] == [colab.edition_name(path) for path in NOTEBOOKS]
    assert [path.name for path in learner] == [colab.edition_name(path, learner=True) for path in NOTEBOOKS]
    for path in [*written, *learner]:
        edition = nbformat.read(path, as_version=4)
        nbformat.validate(edition)
        setups = [cell for cell in edition.cells if colab.SETUP_TAG in cell.metadata.get("tags", [])]
        code = [cell for cell in edition.cells if cell.cell_type == "code"]
        assert len(setups) == 1 and code[0] is setups[0], path.name
        has_results = "results=" in setups[0].source
        assert has_results == path.name.startswith("10"), path.name  # only 10 reads results
        if "learner" in path.name:
            assert not any("solution" in cell.metadata.get("tags", []) for cell in edition.cells)


def test_the_set_up_installs_the_wheel_without_dependencies_offline(wheel, tmp_path, monkeypatch):
    target = tmp_path / "site"
    monkeypatch.setenv("PIP_TARGET", str(target))  # as each edition gets in the Colab-like check
    monkeypatch.setattr(colab_setup, "missing", lambda requirements: [])
    said = colab_setup.install(wheel, {})
    assert said == "installed the lesson's helpers from this notebook"
    assert (target / "helpers" / "quiet.py").is_file()
    assert colab_setup.same_as_wheel(wheel, target)
    (target / "helpers" / "data.py").write_text("# another edition's\n", encoding="utf-8")
    assert not colab_setup.same_as_wheel(wheel, target)  # then the cell installs its own again
    assert colab_setup.project_checkout(PROJECT_ROOT) and not colab_setup.project_checkout(target)


def test_only_what_the_runtime_lacks_is_installed_and_kept_packages_are_pinned(wheel, monkeypatch):
    calls = []

    def pip(arguments, what):
        constraint = [Path(arguments[index + 1]).read_text(encoding="utf-8")
                      for index, word in enumerate(arguments) if word == "--constraint"]
        calls.append((arguments, constraint))

    monkeypatch.setattr(colab_setup, "pip", pip)
    wanted = {"json": ["json-is-there>=1"], "no_such_module_for_this_test": ["made-up-package>=1"]}
    assert colab_setup.missing(wanted) == ["made-up-package>=1"]
    said = colab_setup.install(wheel, wanted)
    assert said.startswith("installed made-up-package>=1; ")
    (first, constraints), (second, _) = calls
    assert "made-up-package>=1" in first and "json-is-there>=1" not in first
    import numpy
    import pandas

    assert f"numpy=={numpy.__version__}" in constraints[0] and f"pandas=={pandas.__version__}" in constraints[0]
    assert second[:3] == ["--no-deps", "--no-index", "--force-reinstall"]
    assert colab_setup.kept_versions()[0].split("==")[0] in colab_setup.KEEP


def test_a_failing_pip_says_what_to_do(monkeypatch):
    with pytest.raises(RuntimeError, match="(?s)Installing nothing-at-all failed.*No matching distribution.*internet connection"):
        colab_setup.pip(["--no-index", "nothing-at-all-for-this-test==0"], "nothing-at-all")


def test_notebook_10s_edition_falls_back_on_the_committed_results(tmp_path):
    payload = base64.b64encode(colab.results_zip()).decode()
    count = colab_setup.committed_results(payload, tmp_path / "results")
    committed = sorted(path.name for path in (PROJECT_ROOT / "results").glob("*.json"))
    assert count == len(committed) and sorted(p.name for p in (tmp_path / "results").iterdir()) == committed
    assert colab_setup.committed_results(payload, tmp_path / "results") == 0  # this runtime's own stay
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("a.json", "{}")
        archive.writestr("b.json", "{not json")
    with pytest.raises(json.JSONDecodeError):
        colab_setup.committed_results(base64.b64encode(broken.getvalue()).decode(), tmp_path / "empty")
    assert not (tmp_path / "empty" / "a.json").exists()  # none written when one is broken


def copy_of_project(tmp_path: Path, address: str | None) -> Path:
    root = tmp_path / "project"
    root.mkdir(parents=True)
    for name in ("README.md", "pyproject.toml"):
        shutil.copy2(PROJECT_ROOT / name, root / name)
    shutil.copytree(PROJECT_ROOT / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns("figures"))
    if address:
        text = (root / "pyproject.toml").read_text(encoding="utf-8")
        urls = f'\n[project.urls]\nRepository = "{address}"\n'
        (root / "pyproject.toml").write_text(text.replace("\n[project.optional-dependencies]", urls +
                                                          "\n[project.optional-dependencies]", 1), encoding="utf-8")
    return root


def test_no_address_is_shipped_and_the_readme_has_no_badges():
    assert colab.github_repository() is None
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert colab.with_badges(readme, colab.badges_block(None, NOTEBOOKS)) == readme  # the block is empty
    assert "colab.research.google.com/github" not in readme


def test_badges_with_a_made_up_address_on_a_copy(tmp_path):
    root = copy_of_project(tmp_path, MADE_UP)
    assert colab.github_repository(root / "pyproject.toml") == "example-org/made-up-lesson"
    assert colab.update_readme(root) is True
    readme = (root / "README.md").read_text(encoding="utf-8")
    links = [line for line in readme.splitlines() if "colab.research.google.com/github/" in line]
    assert len(links) == len(NOTEBOOKS)
    for path, line in zip(NOTEBOOKS, links, strict=True):
        url = f"https://colab.research.google.com/github/example-org/made-up-lesson/blob/colab/{path.stem}-colab.ipynb"
        assert f"[![Open in Colab]({colab.BADGE_IMAGE})]({url})" in line
    assert colab.update_readme(root) is False  # written once; and without the address, gone again
    (root / "pyproject.toml").write_text((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    assert colab.update_readme(root) is True
    assert (root / "README.md").read_text(encoding="utf-8") == (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_other_addresses_are_not_github_repositories(tmp_path):
    for address in ("https://gitlab.com/me/lesson", "https://github.com/only-owner", "not a url"):
        root = copy_of_project(tmp_path / address.replace("/", "_").replace(":", ""), address)
        assert colab.github_repository(root / "pyproject.toml") is None, address
    root = copy_of_project(tmp_path / "git", MADE_UP + ".git")
    assert colab.github_repository(root / "pyproject.toml") == "example-org/made-up-lesson"


def test_a_readme_without_the_markers_is_refused():
    with pytest.raises(colab.EditionError, match="markers"):
        colab.with_badges("# no markers here\n", "")


def test_each_episode_page_offers_its_editions_with_three_steps_and_a_badge_with_an_address():
    notebook = new_notebook(cells=[new_markdown_cell("# 3. Title")])
    editions = ("download/03-colab.ipynb", "download/03-colab-learner.ipynb")
    page = site.site_notebook(notebook, "download/03.ipynb", editions).cells[1].source
    assert page.startswith("{download}`Download this notebook <download/03.ipynb>`")
    assert "{download}`Colab edition <download/03-colab.ipynb>`" in page
    assert "{download}`learner edition <download/03-colab-learner.ipynb>`" in page
    assert "1. Download" in page and "2. In Google Colab, *File > Upload notebook*" in page
    assert "3. *Runtime > Run all*" in page and "colab.research.google.com" not in page
    badged = site.site_notebook(notebook, "download/03.ipynb", editions, "example-org/made-up-lesson").cells[1].source
    assert ("(https://colab.research.google.com/github/example-org/made-up-lesson/blob/colab/03-colab.ipynb)"
            in badged)


def test_the_command_refuses_the_notebooks_folder_and_unknown_prefixes(capsys):
    assert colab.main(["--output-dir", str(PROJECT_ROOT / "notebooks")]) == 2
    assert "Refusing" in capsys.readouterr().err
    assert colab.main(["99", "--output-dir", "/tmp/never-written-by-this-test"]) == 1
    assert "No notebook starts with 99" in capsys.readouterr().err
    assert not Path("/tmp/never-written-by-this-test").exists()


def test_the_command_writes_the_selected_editions(tmp_path, capsys):
    assert colab.main(["03", "--learner", "--output-dir", str(tmp_path)]) == 0
    assert [path.name for path in tmp_path.iterdir() if not path.name.startswith(".")] == [
        "03_simple_rnn-colab-learner.ipynb"]
    assert "File > Upload notebook" in capsys.readouterr().out


@pytest.fixture
def quick_wheel(monkeypatch):
    """A stand-in wheel: the command's decisions, without building the real one."""
    monkeypatch.setattr(colab, "build_wheel", lambda root=PROJECT_ROOT: b"a stand-in wheel")


def edit(path: Path) -> bytes:
    """Change a cell of the notebook at ``path`` as someone in Jupyter would; its new bytes."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[-1].source += "\n# my own note"
    nbformat.write(notebook, path)
    return path.read_bytes()


def test_an_edited_edition_is_kept_and_named_and_force_backs_it_up_first(tmp_path, capsys, quick_wheel):
    assert colab.main(["03", "04", "--output-dir", str(tmp_path)]) == 0
    edited, other = (tmp_path / colab.edition_name(path) for path in NOTEBOOKS[3:5])
    untouched, original = other.read_bytes(), edited.read_bytes()
    mine = edit(edited)
    capsys.readouterr()

    assert colab.main(["03", "04", "--output-dir", str(tmp_path)]) == 0  # again: the edited one stays
    out = capsys.readouterr().out
    assert edited.read_bytes() == mine and other.read_bytes() == untouched
    assert f"{edited} (kept" in out and f"{other} (unchanged" in out
    assert edited.name in out.splitlines()[-1] and "--force" in out.splitlines()[-1]

    assert colab.main(["03", "04", "--output-dir", str(tmp_path), "--force"]) == 0
    backups = list((tmp_path / "backups").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == mine
    assert edited.read_bytes() == original
    assert "replaced (backup:" in capsys.readouterr().out


def test_an_edition_the_tools_wrote_is_updated_without_a_word(tmp_path, capsys, quick_wheel, monkeypatch):
    assert colab.main(["03", "--output-dir", str(tmp_path)]) == 0
    monkeypatch.setattr(colab, "build_wheel", lambda root=PROJECT_ROOT: b"a newer stand-in wheel")
    assert colab.main(["03", "--output-dir", str(tmp_path)]) == 0
    assert "(updated" in capsys.readouterr().out
    assert base64.b64encode(b"a newer stand-in wheel").decode() in (tmp_path / "03_simple_rnn-colab.ipynb").read_text()


def test_a_full_disk_names_the_folder_and_what_was_written_before(tmp_path, capsys, quick_wheel, monkeypatch):
    from helpers import files

    real = files.os.replace
    calls = []

    def full_after_one(source, target):
        calls.append(target)
        if len(calls) > 2:  # the first edition and its record are written, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(source, target)

    monkeypatch.setattr(files.os, "replace", full_after_one)
    assert colab.main(["03", "04", "--output-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "No editions written" not in err and "Traceback" not in err
    assert f"The disk that holds {tmp_path} is full" in err and "free some space" in err
    first, second = (colab.edition_name(path) for path in NOTEBOOKS[3:5])
    assert f"Written before that: {first}" in err
    assert not (tmp_path / second).exists()
    assert not [path for path in tmp_path.iterdir() if path.name.endswith(".tmp")]


def test_a_corrupt_notebook_is_named_with_the_git_command_that_brings_it_back(tmp_path, capsys, quick_wheel,
                                                                              monkeypatch):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "03_simple_rnn.ipynb").write_text('{"cells": [', encoding="utf-8")  # cut short
    monkeypatch.setattr(colab, "NOTEBOOKS", notebooks)
    assert colab.main(["--output-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "03_simple_rnn.ipynb cannot be read as a notebook" in err and "git checkout -- " in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()
