"""tools/__main__.py: the one way in (`python -m tools lesson|test|...`) on Windows, macOS and Linux."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import tools.__main__ as entry

import pytest


@pytest.fixture(autouse=True)
def _tensorflow_backend(monkeypatch):
    """The default backend unless a test says otherwise (a developer may have KERAS_BACKEND set)."""
    monkeypatch.delenv("KERAS_BACKEND", raising=False)


@pytest.mark.parametrize("version", [(3, 11), (3, 12), (3, 13)])
def test_supported_pythons_pass(version):
    entry.check_python(version)


@pytest.mark.parametrize("version", [(3, 10), (3, 14), (2, 7)])
def test_other_pythons_are_refused_with_what_to_do(version):
    with pytest.raises(entry.SetupError, match=r"needs Python 3\.11 to 3\.13.*py -3\.12 -m tools lesson.*Colab"):
        entry.check_python(version)


def test_the_running_python_is_supported():
    entry.check_python(sys.version_info[:2])


def test_venv_python_on_windows_and_elsewhere(tmp_path):
    assert entry.venv_python(tmp_path, windows=True) == tmp_path / "Scripts" / "python.exe"
    assert entry.venv_python(tmp_path, windows=False) == tmp_path / "bin" / "python"


def test_venv_python_follows_the_platform(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "name", "nt")
    assert entry.venv_python(tmp_path) == tmp_path / "Scripts" / "python.exe"
    monkeypatch.setattr(os, "name", "posix")
    assert entry.venv_python(tmp_path) == tmp_path / "bin" / "python"


def test_lesson_venv_chooses_the_environment_folder(monkeypatch):
    import importlib

    monkeypatch.setenv("LESSON_VENV", ".venv-3.13")
    try:
        assert importlib.reload(entry).VENV == entry.ROOT / ".venv-3.13"
    finally:
        monkeypatch.delenv("LESSON_VENV")
        importlib.reload(entry)
    assert entry.VENV == entry.ROOT / ".venv"


def test_requirements_digest_follows_both_files(tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy==2.2.6\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    first = entry.requirements_digest(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    assert entry.requirements_digest(tmp_path) != first


@pytest.fixture
def calls(monkeypatch):
    """Record the commands the entry would run instead of running them; each returns status 0."""
    recorded = []

    def fake_run(arguments, extra_env=None):
        recorded.append((list(arguments), dict(extra_env or {})))
        return 0

    monkeypatch.setattr(entry, "run", fake_run)
    return recorded


def fake_venv(folder: Path, stamp: str | None) -> Path:
    python = entry.venv_python(folder)
    python.parent.mkdir(parents=True)
    python.write_text("", encoding="utf-8")
    if stamp is not None:
        (folder / entry.STAMP_NAME).write_text(stamp + "\n", encoding="utf-8")
    return python


def test_an_up_to_date_environment_installs_nothing(tmp_path, calls):
    python = fake_venv(tmp_path / "venv", entry.requirements_digest())
    assert entry.ensure_environment(tmp_path / "venv") == python
    assert calls == []


def test_changed_requirements_reinstall_and_stamp(tmp_path, calls):
    folder = tmp_path / "venv"
    python = fake_venv(folder, "an older digest")
    entry.ensure_environment(folder)
    assert [arguments[1:] for arguments, _ in calls] == [
        ["-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        ["-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
        ["-m", "pip", "install", "--quiet", "--no-deps", "-e", "."],
    ]
    assert all(arguments[0] == str(python) for arguments, _ in calls)
    assert (folder / entry.STAMP_NAME).read_text(encoding="utf-8").strip() == entry.requirements_digest()


def test_a_failed_install_says_what_to_do_and_leaves_no_stamp(tmp_path, monkeypatch):
    folder = tmp_path / "venv"
    fake_venv(folder, None)
    monkeypatch.setattr(entry, "run", lambda arguments, extra_env=None: 1 if "-r" in arguments else 0)
    with pytest.raises(entry.SetupError, match=r"`-m pip install --quiet -r requirements.txt` failed.*internet"):
        entry.ensure_environment(folder)
    assert not (folder / entry.STAMP_NAME).exists()


def test_a_missing_environment_is_created(tmp_path, calls, monkeypatch):
    created = []

    class FakeBuilder:
        def __init__(self, **options):
            created.append(options)

        def create(self, folder):
            fake_venv(Path(folder), None)

    monkeypatch.setattr(entry.venv, "EnvBuilder", FakeBuilder)
    entry.ensure_environment(tmp_path / "new-venv")
    assert created == [{"with_pip": True, "clear": False}]
    assert len(calls) == 3


@pytest.fixture
def ready(monkeypatch, tmp_path):
    """Skip the set-up: a supported Python, an environment and data that are ready."""
    python = tmp_path / "python"
    monkeypatch.setattr(entry, "check_python", lambda: None)
    monkeypatch.setattr(entry, "ensure_environment", lambda extras=(): python)
    monkeypatch.setattr(entry, "ensure_data", lambda python: None)
    return python


def test_lesson_runs_the_runner_with_the_words_after_it(ready, calls):
    assert entry.main(["lesson", "03", "--jobs", "1"]) == 0
    assert calls == [([str(ready), "-m", "tools.run_lesson", "03", "--jobs", "1"], {})]


def test_test_runs_unit_tests_then_nbval_strictly(ready, calls):
    assert entry.main(["test"]) == 0
    assert [arguments[1:] for arguments, _ in calls] == [
        ["-m", "pytest", "tests"],
        ["-m", "pytest", "notebooks", "--nbval", "--nbval-current-env", "-p", "tests.nbval_results",
         "--nbval-sanitize-with", "tests/nbval_sanitize.cfg"]]
    assert all(env == {"LESSON_STRICT_CHECKS": "1"} for _, env in calls)


def test_a_failing_step_stops_with_its_status(ready, monkeypatch):
    statuses = iter([3, 0])
    monkeypatch.setattr(entry, "run", lambda arguments, extra_env=None: next(statuses))
    assert entry.main(["test"]) == 3


def test_unknown_command_and_help(capsys):
    assert entry.main(["lessons"]) == 2
    assert "Unknown command 'lessons'. Commands: setup, lesson" in capsys.readouterr().err
    assert entry.main(["--help"]) == 0
    assert "python3 -m tools lesson" in capsys.readouterr().out
    assert entry.main([]) == 2


def test_a_set_up_problem_is_one_message_not_a_traceback(monkeypatch, capsys):
    def refuse():
        raise entry.SetupError("Python 3.10 found; the lesson needs Python 3.11 to 3.13")

    monkeypatch.setattr(entry, "check_python", refuse)
    assert entry.main(["lesson"]) == 1
    err = capsys.readouterr().err
    assert "Python 3.10 found" in err and "Traceback" not in err


def test_run_sets_the_quiet_tensorflow_variables(monkeypatch):
    seen = {}

    def fake_call(arguments, cwd, env):
        seen.update(cwd=cwd, env=env)
        return 0

    monkeypatch.setattr(entry.subprocess, "call", fake_call)
    assert entry.run(["x"], {"EXTRA": "1"}) == 0
    assert seen["cwd"] == entry.ROOT
    assert seen["env"]["TF_CPP_MIN_LOG_LEVEL"] == "3" and seen["env"]["TF_ENABLE_ONEDNN_OPTS"] == "0"
    assert seen["env"]["EXTRA"] == "1"


@pytest.mark.parametrize("text, expected", [("", "tensorflow"), ("tensorflow", "tensorflow"), ("jax", "jax"), (" JAX ", "jax")])
def test_backend_reads_keras_backend(text, expected, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", text)
    assert entry.backend() == expected


def test_an_unsupported_backend_is_named(monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    with pytest.raises(entry.SetupError, match=r"KERAS_BACKEND='torch' is not one the lesson runs on: use tensorflow or jax"):
        entry.backend()


def test_the_jax_backend_installs_the_jax_extra(tmp_path, calls, monkeypatch):
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    folder = tmp_path / "venv"
    fake_venv(folder, entry.requirements_digest(keras_backend="tensorflow"))  # set up for TensorFlow before
    entry.ensure_environment(folder)
    assert calls[-1][0][1:] == ["-m", "pip", "install", "--quiet", "-e", ".[jax]"]
    assert (folder / entry.STAMP_NAME).read_text(encoding="utf-8").splitlines() == [
        entry.requirements_digest(keras_backend="jax"), "extras:jax"]


def test_the_jax_extra_pins_exact_versions():
    import tomllib

    from packaging.requirements import Requirement

    extra = tomllib.loads((entry.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]["jax"]
    pins = {Requirement(line).name: str(Requirement(line).specifier) for line in extra}
    assert set(pins) == {"jax", "jaxlib"} and all(spec.startswith("==") for spec in pins.values())
    assert pins["jax"] == pins["jaxlib"]


def test_a_data_problem_is_one_message_without_a_traceback(tmp_path, monkeypatch, capfd):
    (tmp_path / "weather_prediction_dataset_light.csv").mkdir()  # found at once: no download is tried
    monkeypatch.setenv("LESSON_DATA_DIR", str(tmp_path))
    with pytest.raises(entry.SetupError, match="The data is not ready"):
        entry.ensure_data(Path(sys.executable))
    err = capfd.readouterr().err
    assert "is a folder where the data file belongs" in err
    assert "Traceback" not in err


def test_test_and_site_add_the_docs_extra_once_and_lesson_keeps_it(tmp_path, calls, monkeypatch):
    folder = tmp_path / "venv"
    fake_venv(folder, entry.requirements_digest())  # the pins are installed, no extras yet
    entry.ensure_environment(folder, extras=entry.EXTRAS["test"])
    assert [arguments[1:] for arguments, _ in calls] == [["-m", "pip", "install", "--quiet", "-e", ".[checks,docs]"]]
    calls.clear()
    entry.ensure_environment(folder, extras=entry.EXTRAS["site"])
    entry.ensure_environment(folder)  # lesson: needs no extra, and does not reinstall
    assert calls == []
    assert entry.EXTRAS.get("lesson") is None


def test_changed_requirements_reinstall_the_extras_that_are_asked_for(tmp_path, calls):
    folder = tmp_path / "venv"
    fake_venv(folder, "an older digest\nextras:docs")
    entry.ensure_environment(folder)  # lesson after a change: the pins again, not the website's tools
    assert ["-m", "pip", "install", "--quiet", "-r", "requirements.txt"] in [arguments[1:] for arguments, _ in calls]
    assert not any(".[docs]" in arguments for arguments, _ in calls)
    assert (folder / entry.STAMP_NAME).read_text(encoding="utf-8").splitlines() == [entry.requirements_digest()]


def test_the_docs_extra_pins_exact_versions():
    import tomllib

    extra = tomllib.loads((entry.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]["docs"]
    assert all("==" in requirement for requirement in extra)
    assert {requirement.split("==")[0] for requirement in extra} >= {"sphinx", "myst-nb", "sphinx-book-theme", "selenium"}


def test_the_fast_lane_runs_only_the_unit_tests_that_need_no_kernel_browser_or_training():
    steps, both, unit_only = entry.test_steps(["--fast"])
    assert len(steps) == 1 and steps[0][0][:3] == ["-m", "pytest", "tests"] and steps[0][0][-2:] == ["-m", "not slow"]
    assert both == [] and unit_only == []


def test_words_after_the_double_dash_reach_only_the_unit_tests():
    steps, both, unit_only = entry.test_steps(["-x", "--", "-k", "windows"])
    assert [arguments[2] for arguments, _ in steps] == ["tests", "notebooks"]
    assert both == ["-x"] and unit_only == ["-k", "windows"]
