"""Notebook 10 after a core-only day: only episodes 01-06 recorded results, and 10 still runs and says so."""

from __future__ import annotations

import os

from helpers import PROJECT_ROOT
from helpers.data import FILENAME, load_weather
from helpers.lesson import MODELS
from helpers.results import record_result
from tools.notebooks import notebook_client
from tools.runner import kernel_environment

import nbformat
import numpy as np
import pytest

DATA_FILE = PROJECT_ROOT / "data" / FILENAME
CORE = [key for key, model in MODELS.items() if model.task == "sunshine" and model.episode <= "06"]
LATER = [key for key, model in MODELS.items() if model.task == "sunshine" and model.episode > "06"]


def test_the_comparison_ranks_what_the_core_recorded_and_names_what_is_missing(tmp_path, _isolated):
    if not DATA_FILE.is_file():
        pytest.skip(f"needs the data file in {DATA_FILE.parent} (`python3 -m tools setup` downloads it)")
    weather = load_weather(DATA_FILE).set_index("DATE")
    days = weather.loc["2009-01-01":"2010-01-01"].index
    observed = weather.loc[days, "BASEL_sunshine"].to_numpy()
    rng = np.random.default_rng(0)
    for number, key in enumerate(CORE):
        model = MODELS[key]
        noise = 2.5 + 0.1 * number if key != "persistence" else 4.0  # made-up forecasts
        forecast = observed + rng.normal(0, noise, len(observed))
        record_result(key, model.episode, name=model.name, val_rmse=noise, test_rmse=noise,
                      predictions=forecast, dates=days, folder=tmp_path / "results")
    # the kernel's configuration: these results, the real data (conftest points this process's elsewhere)
    config = _isolated.but(results_dir=tmp_path / "results", data_dir=DATA_FILE.parent)
    before = dict(os.environ)
    notebook = nbformat.read(PROJECT_ROOT / "notebooks" / "10_comparison.ipynb", as_version=4)
    notebook_client(notebook, PROJECT_ROOT / "notebooks", timeout=600).execute(env=kernel_environment(config))
    text = "\n".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                     for output in cell.outputs)
    assert "Not recorded on this machine (their episodes did not run):" in text
    assert all(key in text for key in LATER)
    assert "Standardised inputs against raw ones, 7 days: not run on this machine" in text
    assert "Gated cells instead of plain ones (" in text  # ran: it names the weights
    assert f"Chosen on the validation year: {MODELS[CORE[1]].name}" in text
    assert dict(os.environ) == before  # the configuration went to the kernel only
