"""tools/__main__.py: the one way in (`python -m tools lesson|test|...`) on Windows, macOS and Linux."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
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


def test_venv_python_follows_the_platform(tmp_path):
    assert entry.venv_python(tmp_path) == entry.venv_python(tmp_path, windows=os.name == "nt")


def test_lesson_venv_chooses_the_environment_folder_and_empty_means_unset():
    assert entry.venv_folder({"LESSON_VENV": ".venv-3.13"}) == entry.ROOT / ".venv-3.13"
    assert entry.venv_folder({"LESSON_VENV": ""}) == entry.venv_folder({}) == entry.ROOT / ".venv"


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
    installs = [arguments[1:] for arguments, _ in calls]
    assert all(arguments[0] == str(python) for arguments, _ in calls)  # into the environment, never elsewhere
    assert all(words[:3] == ["-m", "pip", "install"] for words in installs)
    assert any("requirements.txt" in words for words in installs)  # the pins
    assert "." in installs[-1] or any(word.startswith(".") for word in installs[-1])  # then the project itself
    assert (folder / entry.STAMP_NAME).read_text(encoding="utf-8").strip() == entry.requirements_digest()


def test_a_failed_install_says_what_to_do_and_leaves_no_stamp(tmp_path, monkeypatch):
    folder = tmp_path / "venv"
    fake_venv(folder, None)
    monkeypatch.setattr(entry, "run", lambda arguments, extra_env=None: 1 if "-r" in arguments else 0)
    with pytest.raises(entry.SetupError, match=r"`-m pip install --quiet -r requirements.txt` failed.*internet"):
        entry.ensure_environment(folder)
    assert not (folder / entry.STAMP_NAME).exists()


@pytest.fixture(autouse=True)
def _no_real_environments(monkeypatch):
    """No test makes a real environment (a new one needs the stand-in Python), and an environment's Python is
    taken to run, with pip and every pin, unless a test says otherwise."""
    real = entry.make_venv

    def guarded(python, folder, **options):
        if Path(python) == Path(sys.executable):
            pytest.fail("this test would make a real environment: pass python=stand_in")
        return real(python, folder, **options)

    monkeypatch.setattr(entry, "make_venv", guarded)
    monkeypatch.setattr(entry, "missing_pins", lambda python, requirements: [])
    monkeypatch.setattr(entry, "has_pip", lambda python: True)


@pytest.fixture
def stand_in(tmp_path) -> Path:
    """A stand-in for `python -m venv FOLDER`: lays the folder out, fast; no real environment is made."""
    if os.name == "nt":
        pytest.skip("the stand-in Python is a POSIX shell script")
    script = tmp_path / "stand-in-python"
    script.write_text('#!/bin/sh\nmkdir -p "$3/bin" && : > "$3/bin/python"\n', encoding="utf-8")
    script.chmod(0o755)
    return script


def project_like(root: Path) -> Path:
    """A temporary folder laid out like the project, with work in it that must never be deleted."""
    for name, text in {".git/HEAD": "ref: refs/heads/main\n", "notebooks/01_x.ipynb": "{}", "pyproject.toml": "",
                       "learner/01_x.ipynb": '{"typed": "by a learner"}', "mine/notes.txt": "mine"}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def everything(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_a_missing_environment_is_created_with_the_marker_and_stamped_last(tmp_path, calls, stand_in, capsys):
    folder = tmp_path / "new-venv"
    assert entry.ensure_environment(folder, python=stand_in) == entry.venv_python(folder)
    assert (folder / ".made-by-lesson-tools").is_file()
    assert len(calls) == 3 and (folder / entry.STAMP_NAME).read_text(encoding="utf-8").strip() == entry.requirements_digest()
    assert "Creating the virtual environment in new-venv/" in capsys.readouterr().out


def test_an_empty_lesson_venv_makes_dot_venv_and_leaves_the_project_alone(tmp_path, calls, stand_in):
    root = project_like(tmp_path / "project")
    before = everything(root)
    folder = entry.venv_folder({"LESSON_VENV": ""}, root)
    entry.ensure_environment(folder, python=stand_in)
    assert folder == root / ".venv" and entry.venv_python(folder).exists()
    assert {name: data for name, data in everything(root).items() if not name.startswith(".venv/")} == before


@pytest.mark.parametrize("value", [".", "notebooks", "learner", "mine", ".git"])
def test_lesson_venv_naming_a_folder_with_files_is_refused_and_nothing_is_deleted(tmp_path, calls, stand_in, value):
    root = project_like(tmp_path / "project")
    before = everything(root)
    with pytest.raises(entry.SetupError) as refused:
        entry.ensure_environment(entry.venv_folder({"LESSON_VENV": value}, root), python=stand_in)
    message = str(refused.value)
    assert str(root / value) in message and "nothing in it is deleted" in message and "set LESSON_VENV" in message
    assert everything(root) == before and calls == []


def test_a_set_up_stopped_during_pip_has_no_stamp_and_is_finished_next_time(tmp_path, monkeypatch, stand_in,
                                                                           capsys):
    folder = tmp_path / "venv"

    def stopped_at_the_pins(arguments, extra_env=None):
        if "-r" in arguments:
            raise KeyboardInterrupt
        return 0

    monkeypatch.setattr(entry, "run", stopped_at_the_pins)
    with pytest.raises(KeyboardInterrupt):
        entry.ensure_environment(folder, python=stand_in)
    assert not (folder / entry.STAMP_NAME).exists()
    capsys.readouterr()
    done = []
    monkeypatch.setattr(entry, "run", lambda arguments, extra_env=None: done.append(arguments) or 0)
    entry.ensure_environment(folder, python=stand_in)
    assert "did not finish: finishing it" in capsys.readouterr().out
    assert len(done) == 3 and (folder / entry.STAMP_NAME).exists()


def test_an_environment_that_lost_a_pinned_package_is_repaired_saying_so(tmp_path, calls, monkeypatch, capsys):
    folder = tmp_path / "venv"
    fake_venv(folder, entry.requirements_digest())
    monkeypatch.setattr(entry, "missing_pins", lambda python, requirements: ["numpy==2.2.6 (missing)"])
    monkeypatch.setattr(entry, "has_pip", lambda python: True)
    entry.ensure_environment(folder)
    out = capsys.readouterr().out
    assert "venv/ lacks numpy==2.2.6 (missing)" in out and "installing the pinned packages again" in out
    assert ["-m", "pip", "install", "--quiet", "-r", "requirements.txt"] in [arguments[1:] for arguments, _ in calls]


def test_an_environment_whose_python_does_not_run_is_made_again_where_the_tools_made_it(tmp_path, calls, stand_in,
                                                                                      monkeypatch, capsys):
    folder = tmp_path / "venv"
    fake_venv(folder, entry.requirements_digest())  # its Python is an empty file: it does not run
    monkeypatch.setattr(entry, "missing_pins", lambda python, requirements: None)
    monkeypatch.setattr(entry, "has_pip", lambda python: False)
    (folder / "left-over").write_text("half an environment")
    entry.ensure_environment(folder, python=stand_in)
    assert "half-made" in capsys.readouterr().out and not (folder / "left-over").exists()
    assert len(calls) == 3
    someone_elses = tmp_path / "theirs"
    entry.venv_python(someone_elses).parent.mkdir(parents=True)
    entry.venv_python(someone_elses).write_text("")
    with pytest.raises(entry.SetupError, match="did not make"):
        entry.ensure_environment(someone_elses, python=stand_in)
    assert entry.venv_python(someone_elses).exists()


def test_ctrl_c_during_the_set_up_is_one_line_without_a_traceback(monkeypatch, capsys):
    def interrupted(extras=()):
        raise KeyboardInterrupt

    monkeypatch.setattr(entry, "check_python", lambda: None)
    monkeypatch.setattr(entry, "check_variables", lambda: None)
    monkeypatch.setattr(entry, "ensure_environment", interrupted)
    assert entry.main(["setup"]) == 130
    err = capsys.readouterr().err
    assert "Set-up interrupted" in err and "run the command again" in err.lower() and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("variables, named", [
    ({"LESSON_SEED": "seven"}, "LESSON_SEED='seven'"),
    ({"LESSON_STRICT_CHECKS": "maybe"}, "LESSON_STRICT_CHECKS='maybe'"),
    ({"LESSON_REQUIRE_BROWSER": "sometimes"}, "LESSON_REQUIRE_BROWSER='sometimes'"),
    ({"KERAS_BACKEND": "torch"}, "KERAS_BACKEND='torch'"),
    ({"LESSON_VENV": "pyproject.toml"}, "LESSON_VENV='pyproject.toml'"),
])
def test_junk_in_a_variable_names_it_its_value_and_what_to_set(variables, named):
    with pytest.raises(entry.SetupError, match=re.escape(named)) as refused:
        entry.check_variables(variables)
    assert "unset it" in str(refused.value) or "use tensorflow or jax" in str(refused.value)


def test_empty_variables_mean_unset(tmp_path):
    names = ["LESSON_SEED", "LESSON_STRICT_CHECKS", "LESSON_REQUIRE_BROWSER", "KERAS_BACKEND", "LESSON_VENV",
             "LESSON_RESULTS_DIR", "LESSON_DATA_DIR", "LESSON_TF_THREADS"]
    entry.check_variables(dict.fromkeys(names, ""))
    entry.check_variables(dict.fromkeys(names, "  "))


def test_junk_stops_the_command_before_the_set_up_with_one_message(monkeypatch, capsys):
    monkeypatch.setattr(entry, "check_python", lambda: None)
    monkeypatch.setattr(entry, "ensure_environment", lambda extras=(): pytest.fail("no set-up with junk settings"))
    monkeypatch.setenv("LESSON_SEED", "-1")
    assert entry.main(["lesson"]) == 1
    err = capsys.readouterr().err
    assert "LESSON_SEED='-1'" in err and "Traceback" not in err


@pytest.fixture
def ready(monkeypatch, tmp_path):
    """Skip the set-up: a supported Python, an environment and data that are ready."""
    python = tmp_path / "python"
    monkeypatch.setattr(entry, "check_python", lambda: None)
    monkeypatch.setattr(entry, "check_variables", lambda: None)
    monkeypatch.setattr(entry, "ensure_environment", lambda extras=(): python)
    monkeypatch.setattr(entry, "ensure_data", lambda python: None)
    return python


def test_lesson_runs_the_runner_with_the_words_after_it(ready, calls):
    assert entry.main(["lesson", "03", "--jobs", "1"]) == 0
    (arguments, env), = calls
    assert arguments[0] == str(ready) and "tools.run_lesson" in arguments  # the runner, in the environment
    assert arguments[-3:] == ["03", "--jobs", "1"] and env == {}  # with the words after the command


def test_test_runs_unit_tests_then_nbval_strictly(ready, calls):
    assert entry.main(["test"]) == 0
    unit, notebooks = (arguments[1:] for arguments, _ in calls)
    assert unit[:3] == ["-m", "pytest", "tests"]
    assert notebooks[:3] == ["-m", "pytest", "notebooks"] and "--nbval" in notebooks
    # what the nbval run names exists: the plug-in can be imported, the sanitizer file is there
    plugin = notebooks[notebooks.index("-p") + 1]
    assert importlib.util.find_spec(plugin) is not None
    assert (entry.ROOT / notebooks[notebooks.index("--nbval-sanitize-with") + 1]).is_file()
    assert all(env.get("LESSON_STRICT_CHECKS") == "1" for _, env in calls)  # a drifted number fails


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


def test_run_sets_the_quiet_tensorflow_variables_in_the_project_folder():
    check = ("import os, sys; from pathlib import Path; sys.exit(0 if os.environ['TF_CPP_MIN_LOG_LEVEL'] == '3' and "
             "os.environ['TF_ENABLE_ONEDNN_OPTS'] == '0' and os.environ['EXTRA'] == '1' and "
             f"Path.cwd().resolve() == Path({str(entry.ROOT)!r}).resolve() else 5)")
    assert entry.run([sys.executable, "-c", check], {"EXTRA": "1"}) == 0
    assert entry.run([sys.executable, "-c", "import sys; sys.exit(4)"]) == 4


# --- signals: a real entry process, a stand-in for the runner --------------------------------------------

DRIVER = """
import sys
from pathlib import Path
import tools.__main__ as entry
entry.check_python = lambda: None
entry.check_variables = lambda: None
entry.ensure_environment = lambda extras=(): Path(sys.executable)
entry.ensure_data = lambda python: None
entry.COMMANDS["lesson"] = [(sys.argv[1:], {})]
sys.exit(entry.main(["lesson"]))
"""
# the stand-in runner: says it is ready, then waits; on a signal it notes it, says so and exits 128 + its number
# (or, with "dies", is ended by it)
RUNNER = """
import os, signal, sys, time
from pathlib import Path
here = Path(__file__).parent
def stop(number, frame):
    (here / "got").write_text(str(number))
    print("stand-in runner: stopped, nothing written", file=sys.stderr)
    sys.exit(128 + number)
def note(number, frame):
    with open(here / "got", "a") as got:
        got.write(f"{number}\\n")
if sys.argv[1:] == ["counts"]:  # notes every signal, and ends a second after the first
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(number, note)
    (here / "pid").write_text(str(os.getpid()))
    while not (here / "got").exists():
        time.sleep(0.05)
    time.sleep(1)
    sys.exit(128 + int((here / "got").read_text().split()[0]))
if sys.argv[1:] != ["dies"]:
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
(here / "pid").write_text(str(os.getpid()))
time.sleep(60)
"""


def entry_with_runner(tmp_path, *words: str) -> tuple[subprocess.Popen, int]:
    """The entry, in a session of its own, running the stand-in runner with ``words``; once the runner is ready,
    the entry's process and the runner's pid."""
    (tmp_path / "runner.py").write_text(RUNNER, encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-c", DRIVER, str(tmp_path / "runner.py"), *words], cwd=entry.ROOT,
                               env={**os.environ, "PYTHONPATH": str(entry.ROOT)}, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    for _ in range(400):
        if (tmp_path / "pid").exists() and (tmp_path / "pid").read_text():
            break
        time.sleep(0.05)
    try:
        return process, int((tmp_path / "pid").read_text())
    except (OSError, ValueError):
        process.kill()
        raise


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("number, runner_handles_it", [(signal.SIGTERM, True), (signal.SIGINT, True),
                                                       (signal.SIGTERM, False)],
                         ids=["SIGTERM", "SIGINT", "SIGTERM-not-handled"])
def test_a_signal_to_the_entry_reaches_the_runner_which_is_waited_for(tmp_path, number, runner_handles_it):
    process, pid = entry_with_runner(tmp_path, *([] if runner_handles_it else ["dies"]))  # no terminal: an editor
    try:
        process.send_signal(number)  # to the entry alone, as an editor's stop button does
        _, err = process.communicate(timeout=15)
    finally:
        process.kill()
        if pid and alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert not alive(pid), "the runner was left running on its own"
    assert "Traceback" not in err and process.returncode == 128 + int(number)
    if runner_handles_it:
        assert (tmp_path / "got").read_text() == str(int(number))  # it got the signal and could clean up
        assert err.strip().splitlines() == ["stand-in runner: stopped, nothing written"]  # the entry adds nothing
    else:
        assert err.strip().splitlines() == ["`lesson` stopped by SIGTERM."]


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
    assert calls[-1][0][1:4] == ["-m", "pip", "install"] and any("jax" in word for word in calls[-1][0])
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
    assert len(calls) == 1 and all(extra in calls[0][0][-1] for extra in ("checks", "docs"))  # one install
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


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM)],
                         ids=["Ctrl-C", "SIGTERM", "SIGHUP"])
def test_a_signal_to_the_entrys_whole_group_reaches_the_runner_once(tmp_path, number):
    # a terminal's Ctrl-C, or `kill -- -PGID`, reaches every process of the entry's group: the runner must still see
    # one signal (two arrived in the middle of its clean-up and left it hanging)
    process, pid = entry_with_runner(tmp_path, "counts")  # the entry leads a group of its own, as in a terminal
    try:
        os.killpg(process.pid, number)  # to the whole group
        _, err = process.communicate(timeout=15)
    finally:
        process.kill()
        if pid and alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert (tmp_path / "got").read_text().split() == [str(int(number))]  # once, not twice
    assert not alive(pid) and "Traceback" not in err and process.returncode == 128 + int(number)
