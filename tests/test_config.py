"""helpers/config.py: the configuration, read once from the environment with one rule for every variable."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from helpers.config import DEFAULT_SEED, DEFAULT_THREADS, Config, ConfigError, current, project_root, using
from helpers.lesson import FIRST_VALIDATION_YEAR, LAST_VALIDATION_YEAR, SPLIT
from helpers.settings import (
    DATA_VARIABLE,
    RESULTS_VARIABLE,
    SEED_VARIABLE,
    STRICT_VARIABLE,
    TF_THREADS_VARIABLE,
    VALIDATION_YEAR_VARIABLE,
)

import pytest

VARIABLES = (RESULTS_VARIABLE, DATA_VARIABLE, SEED_VARIABLE, STRICT_VARIABLE, TF_THREADS_VARIABLE,
             VALIDATION_YEAR_VARIABLE)
SPLIT_YEAR = int(SPLIT.val_start[:4])


@pytest.fixture
def root(tmp_path) -> Path:
    """A project folder of its own: relative folders are taken from here."""
    return tmp_path / "project"


def test_nothing_set_is_the_lesson_s_configuration(root):
    config = Config.from_environ({}, root)
    assert config == Config(results_dir=root / "results", data_dir=root / "data", seed=DEFAULT_SEED, strict=False,
                            threads=DEFAULT_THREADS, validation_year=None)


@pytest.mark.parametrize("name", VARIABLES)
@pytest.mark.parametrize("empty", ["", "  ", "\t"])
def test_an_empty_variable_is_an_unset_one(name, empty, root):
    assert Config.from_environ({name: empty}, root) == Config.from_environ({}, root)


@pytest.mark.parametrize("name, text, expected", [
    (SEED_VARIABLE, " 7 ", ("seed", 7)),
    (SEED_VARIABLE, "0", ("seed", 0)),
    (SEED_VARIABLE, str(2**32 - 1), ("seed", 2**32 - 1)),
    (TF_THREADS_VARIABLE, "0", ("threads", 0)),
    (TF_THREADS_VARIABLE, "4", ("threads", 4)),
    (STRICT_VARIABLE, "1", ("strict", True)),
    (STRICT_VARIABLE, "YES", ("strict", True)),
    (STRICT_VARIABLE, "on", ("strict", True)),
    (STRICT_VARIABLE, "true", ("strict", True)),
    (STRICT_VARIABLE, "0", ("strict", False)),
    (STRICT_VARIABLE, "Off", ("strict", False)),
    (VALIDATION_YEAR_VARIABLE, str(FIRST_VALIDATION_YEAR), ("validation_year", FIRST_VALIDATION_YEAR)),
    (VALIDATION_YEAR_VARIABLE, str(SPLIT_YEAR), ("validation_year", None)),  # the lesson's own fold
])
def test_a_value_is_read_as_the_setting_it_names(name, text, expected, root):
    field, value = expected
    assert getattr(Config.from_environ({name: text}, root), field) == value


@pytest.mark.parametrize("name, text", [
    (SEED_VARIABLE, "seven"),
    (SEED_VARIABLE, "-1"),
    (SEED_VARIABLE, "1.5"),
    (SEED_VARIABLE, str(2**32)),
    (SEED_VARIABLE, "²"),
    (TF_THREADS_VARIABLE, "two"),
    (TF_THREADS_VARIABLE, "-1"),
    (TF_THREADS_VARIABLE, "100000"),
    (STRICT_VARIABLE, "maybe"),
    (STRICT_VARIABLE, "2"),
    (VALIDATION_YEAR_VARIABLE, str(FIRST_VALIDATION_YEAR - 1)),
    (VALIDATION_YEAR_VARIABLE, str(LAST_VALIDATION_YEAR + 1)),
    (VALIDATION_YEAR_VARIABLE, "next"),
    (VALIDATION_YEAR_VARIABLE, "2006.0"),
])
def test_junk_and_out_of_range_values_name_the_variable_the_value_and_what_to_set(name, text, root):
    with pytest.raises(ConfigError) as caught:
        Config.from_environ({name: text}, root)
    message = str(caught.value)
    assert f"{name}={text!r}" in message
    assert re.search(r"set it to .*unset it", message), message  # what to set, and the way back to the default


def test_a_configuration_error_shows_in_jupyter_without_a_traceback(root):
    with pytest.raises(ConfigError) as caught:
        Config.from_environ({SEED_VARIABLE: "seven"}, root)
    assert caught.value._render_traceback_() == [f"ConfigError: {caught.value}"]


@pytest.mark.parametrize("name, field", [(RESULTS_VARIABLE, "results_dir"), (DATA_VARIABLE, "data_dir")])
def test_folders_are_taken_from_the_project_unless_absolute(name, field, root, tmp_path):
    assert getattr(Config.from_environ({name: "mine"}, root), field) == root / "mine"
    assert getattr(Config.from_environ({name: "mine/../other"}, root), field) == root / "mine/../other"
    assert getattr(Config.from_environ({name: str(tmp_path / "elsewhere")}, root), field) == tmp_path / "elsewhere"
    assert getattr(Config.from_environ({name: "~/lesson"}, root), field) == Path.home() / "lesson"


@pytest.mark.parametrize("name", [RESULTS_VARIABLE, DATA_VARIABLE])
def test_a_file_where_a_folder_is_expected_is_refused_with_its_name(name, root):
    root.mkdir()
    (root / "notes.txt").write_text("not a folder", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"{name}='notes\.txt' names a file .*set it to a folder"):
        Config.from_environ({name: "notes.txt"}, root)


@pytest.mark.parametrize("changes", [
    {},
    {"seed": 7, "strict": True, "threads": 0},
    {"validation_year": 2006, "threads": 3},
])
def test_a_configuration_written_for_a_kernel_is_read_back_the_same(changes, root, tmp_path):
    config = Config.from_environ({}, root).but(results_dir=tmp_path / "r", data_dir=tmp_path / "d", **changes)
    environ = config.to_environ()
    assert set(environ) == set(VARIABLES)
    assert all(isinstance(value, str) for value in environ.values())
    assert Config.from_environ(environ, tmp_path / "elsewhere") == config


def test_a_configuration_never_changes_and_but_makes_a_copy(root):
    config = Config.from_environ({}, root)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 7  # type: ignore[misc]
    assert config.but(seed=7).seed == 7 and config.seed == DEFAULT_SEED


def test_using_makes_a_configuration_current_for_a_block_only(_isolated, root):
    assert current() is _isolated  # each test runs under one of its own (tests/conftest.py)
    other = Config.from_environ({SEED_VARIABLE: "3"}, root)
    with using(other):
        assert current() is other
        with using(other.but(strict=True)):
            assert current().strict
        assert current() is other
    assert current() is _isolated


def test_the_project_root_is_the_checkout_holding_the_helpers():
    root = project_root()
    assert (root / "helpers" / "config.py").is_file() and (root / "pyproject.toml").is_file()
    assert project_root(Path("/")) == root  # found from the helpers, wherever the working folder is
