"""helpers/memory.py: the recall task and its error by distance."""

from __future__ import annotations

from helpers.memory import GUESS_RMSE, error_by_steps_back, recall_task

import numpy as np
import pytest


def test_the_target_is_the_marked_value_and_each_sequence_has_one_mark():
    X, y, steps_back = recall_task(500, length=12, seed=3)
    assert X.shape == (500, 12, 2) and X.dtype == np.float32
    assert (X[:, :, 1].sum(axis=1) == 1).all()
    marked = X[np.arange(500), 12 - steps_back, 0]
    assert np.array_equal(marked, y)
    assert steps_back.min() >= 1 and steps_back.max() <= 12


def test_the_same_seed_gives_the_same_task():
    first, second = recall_task(50, seed=7), recall_task(50, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))


def test_guessing_the_average_scores_the_guess_rmse():
    _, y, steps_back = recall_task(20000, seed=1)
    errors = error_by_steps_back(y, np.full(len(y), 0.5), steps_back)
    assert abs(np.sqrt(np.mean((y - 0.5) ** 2)) - GUESS_RMSE) < 0.005
    assert list(errors.index) == list(range(1, 41)) and errors.index.name == "steps back"


def test_a_perfect_recall_has_no_error():
    _, y, steps_back = recall_task(300, seed=2)
    assert (error_by_steps_back(y, y, steps_back) == 0).all()


@pytest.mark.parametrize("arguments", [{"n_samples": 0}, {"length": 2.5}, {"n_samples": True}])
def test_bad_sizes_are_refused(arguments):
    with pytest.raises(ValueError, match="must be a whole number >= 1"):
        recall_task(**arguments)


def test_uneven_inputs_are_refused():
    with pytest.raises(ValueError, match="equally long"):
        error_by_steps_back([1, 2], [1], [1, 2])


def test_a_missing_sweep_table_says_how_to_get_it_back(tmp_path):
    from helpers.memory import load_distances, load_sweep

    import pytest

    for load in (load_sweep, load_distances):
        with pytest.raises(FileNotFoundError, match=r"git checkout -- helpers/.*benchmarks\.recall_sweep"):
            load(tmp_path / "recall_sweep.csv")
