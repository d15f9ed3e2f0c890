"""Lint as a habit: ruff, with the rules of pyproject.toml (notebooks/ruff.toml for the notebooks), finds nothing."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from helpers import PROJECT_ROOT

import pytest


def test_ruff_finds_nothing_in_the_code_and_the_notebooks():
    if importlib.util.find_spec("ruff") is None:
        pytest.fail("ruff is not installed: `python3 -m tools test` installs it (the `checks` extra of "
                    "pyproject.toml), or `pip install -e .[checks]`.")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--output-format", "concise", "."],
                          cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, f"ruff found problems (fix them, or `ruff check --fix`):\n{done.stdout}{done.stderr}"


def test_the_notebooks_are_linted_at_the_lessons_88_characters():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--show-settings",
                           "notebooks/01_dense_baseline.ipynb"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"ruff cannot show its settings here: {done.stderr.strip()[:200]}")
    assert "line_length = 88" in done.stdout
