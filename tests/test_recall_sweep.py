"""benchmarks/recall_sweep.py and benchmarks/recipe_check.py: the studies train what the notebooks define."""

from __future__ import annotations

import re

from benchmarks import recall_sweep, recipe_check
from helpers.memory import load_distances, load_sweep, sweep_lines, sweep_medians

import nbformat


def test_the_sweep_trains_episode_5s_recaller_with_episode_5s_settings():
    cells = nbformat.read(recall_sweep.NOTEBOOK, as_version=4).cells
    fits = [cell.source for cell in cells if cell.cell_type == "code" and "compile_and_fit(recall_models" in cell.source]
    assert len(fits) == 1
    settings = dict(re.findall(r"(batch_size|epochs|patience)=(\d+)", fits[0]))
    assert {name: int(value) for name, value in settings.items()} == recall_sweep.RECIPES["lesson"]
    assert "build_recaller(" in fits[0]


def test_the_planned_runs_cover_both_layers_at_every_length_and_the_two_variants():
    runs = recall_sweep.planned_runs()
    for length in recall_sweep.LENGTHS:
        assert {("SimpleRNN", 32, "lesson", length), ("LSTM", 32, "lesson", length)} <= set(runs)
    assert ("SimpleRNN", 32, "gentle", 40) in runs and ("SimpleRNN", 64, "lesson", 40) in runs


def test_the_committed_sweep_has_every_planned_run_with_five_seeds():
    sweep = load_sweep()
    for layer, units, recipe, length in recall_sweep.planned_runs():
        rows = sweep[(sweep["layer"] == layer) & (sweep["units"] == units) & (sweep["recipe"] == recipe)
                     & (sweep["length"] == length)]
        assert rows["seed"].nunique() >= 5, (layer, units, recipe, length)
    assert set(load_distances()["length"]) == set(recall_sweep.LENGTHS)


def test_the_sweep_lines_say_where_each_layer_lies_against_the_guess():
    sweep = load_sweep()
    lines = sweep_lines(sweep)
    assert [line.split(":")[0] for line in lines] == ["SimpleRNN", "LSTM"]
    medians = sweep_medians(sweep)
    assert list(medians.columns) == list(recall_sweep.LENGTHS)


def test_the_recipe_check_trains_episode_3s_simple_rnn_gentler_than_the_lesson():
    from helpers.training import BATCH_SIZE, LEARNING_RATE, PATIENCE
    from tools.notebooks import defined_functions

    assert "build_simple_rnn" in defined_functions(recipe_check.NOTEBOOK)
    gentle = recipe_check.GENTLE
    assert gentle["learning_rate"] < LEARNING_RATE and gentle["batch_size"] < BATCH_SIZE
    assert gentle["patience"] > PATIENCE
