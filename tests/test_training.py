"""helpers/training.py: reproducible seeds, the recipe and the epoch timer (tiny Keras models only)."""

from __future__ import annotations

import functools
import math
import os
import random
import re
import sys

from helpers import PROJECT_ROOT
from helpers.config import using
from helpers.training import (
    LEARNING_RATE,
    PATIENCE,
    EpochTimer,
    compile_and_fit,
    count_weights,
    fit_line,
    lesson_seed,
    set_seed,
)
from helpers.windows import Part

import nbformat
import numpy as np
import pytest

keras = pytest.importorskip("keras")
on_tensorflow = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TensorFlow's own settings")


@pytest.fixture(autouse=True)
def _restore_hash_seed(monkeypatch):
    """set_seed writes PYTHONHASHSEED; put the old value back afterwards."""
    monkeypatch.setenv("PYTHONHASHSEED", os.environ.get("PYTHONHASHSEED", "0"))


def tiny_model(features: int = 3) -> keras.Model:
    model = keras.Sequential([keras.Input(shape=(features,)), keras.layers.Dense(4, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def tiny_data(rows: int = 32, features: int = 3):
    rng = np.random.default_rng(7)
    return rng.normal(size=(rows, features)).astype("float32"), rng.normal(size=(rows, 1)).astype("float32")


def weights_of(model) -> list[np.ndarray]:
    return [np.array(w) for w in model.get_weights()]


def assert_same_weights(first, second):
    assert len(first) == len(second)
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def test_set_seed_makes_initial_weights_and_a_short_fit_identical():
    X, y = tiny_data()
    runs = []
    for _ in range(2):
        set_seed(123)
        model = tiny_model()
        initial = weights_of(model)
        model.fit(X, y, epochs=2, batch_size=8, shuffle=True, verbose=0)
        runs.append((initial, weights_of(model)))
    assert_same_weights(runs[0][0], runs[1][0])
    assert_same_weights(runs[0][1], runs[1][1])
    # the fit did change the weights, so the comparison above compared something
    assert not all(np.array_equal(a, b) for a, b in zip(runs[0][0], runs[0][1], strict=True))


def test_set_seed_seeds_python_and_numpy():
    set_seed(5)
    first = (random.random(), np.random.rand())
    set_seed(5)
    assert (random.random(), np.random.rand()) == first
    assert os.environ["PYTHONHASHSEED"] == "5"


def test_different_seeds_give_different_weights():
    set_seed(1)
    first = weights_of(tiny_model())
    set_seed(2)
    second = weights_of(tiny_model())
    assert not np.array_equal(first[0], second[0])




@pytest.mark.parametrize(
    "seed",
    [0, 2**32 - 1, np.int64(42), np.uint32(7)],
)
def test_set_seed_accepts_whole_numbers_in_range(seed):
    set_seed(seed)
    assert os.environ["PYTHONHASHSEED"] == str(seed)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, 42.0, True, "42"])
def test_set_seed_rejects_bad_seeds(seed):
    with pytest.raises(ValueError, match=r"seed must be a whole number from 0 to 4294967295, got .*; pass"):
        set_seed(seed)


def test_epoch_timer_records_one_duration_per_epoch():
    X, y = tiny_data()
    model = tiny_model()
    timer = EpochTimer()
    model.fit(X, y, epochs=3, batch_size=8, callbacks=[timer], verbose=0)
    assert len(timer.seconds) == 3
    assert all(isinstance(s, float) and s > 0 for s in timer.seconds)
    assert timer.total_seconds == pytest.approx(sum(timer.seconds))
    assert timer.seconds_per_epoch == pytest.approx(float(np.median(timer.seconds)))
    # a second fit starts a fresh record
    model.fit(X, y, epochs=2, batch_size=8, callbacks=[timer], verbose=0)
    assert len(timer.seconds) == 2


def test_epoch_timer_before_any_fit():
    timer = EpochTimer()
    assert timer.seconds == []
    assert timer.total_seconds == 0.0
    assert math.isnan(timer.seconds_per_epoch)


def test_set_seed_without_an_argument_uses_the_configured_seed(_isolated):
    with using(_isolated.but(seed=11)):
        assert lesson_seed() == 11
        set_seed()
        configured = (random.random(), weights_of(tiny_model())[0])
        assert os.environ["PYTHONHASHSEED"] == "11"
    set_seed(11)
    explicit = (random.random(), weights_of(tiny_model())[0])
    assert configured[0] == explicit[0]
    np.testing.assert_array_equal(configured[1], explicit[1])
    assert lesson_seed(_isolated.but(seed=12)) == 12


@on_tensorflow
def test_set_seed_leaves_xla_possible():
    """Keras compiles with XLA only while TensorFlow's op determinism is off; set_seed must not switch it on."""
    from tensorflow.python.framework.config import is_op_determinism_enabled

    set_seed(3)
    assert not is_op_determinism_enabled()
    model = tiny_model()
    model.compile(optimizer="adam", loss="mse", jit_compile=True)
    assert model.jit_compile is True


def test_an_xla_fit_is_identical_on_a_rerun():
    X, y = tiny_data(rows=64)
    runs = []
    for _ in range(2):
        set_seed(21)
        model = tiny_model()
        model.compile(optimizer="adam", loss="mse", jit_compile=True, steps_per_execution=4)
        history = model.fit(X, y, epochs=3, batch_size=8, verbose=0)
        runs.append((history.history["loss"], weights_of(model)))
    assert runs[0][0] == runs[1][0]
    assert_same_weights(runs[0][1], runs[1][1])


def test_on_jax_set_seed_and_an_xla_fit_repeat_exactly():
    """The helpers run unchanged on JAX: a fresh process with KERAS_BACKEND=jax seeds, fits twice, compares."""
    import subprocess

    pytest.importorskip("jax")
    code = (
        "import numpy as np, keras\n"
        "from helpers.training import set_seed\n"
        "assert keras.backend.backend() == 'jax'\n"
        "X = np.linspace(-1, 1, 64, dtype='float32').reshape(32, 2); y = X.sum(axis=1, keepdims=True)\n"
        "losses = []\n"
        "for _ in range(2):\n"
        "    set_seed(5)\n"
        "    model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(4), keras.layers.Dense(1)])\n"
        "    model.compile(optimizer='adam', loss='mse', jit_compile=True, steps_per_execution=4)\n"
        "    losses.append(model.fit(X, y, epochs=3, batch_size=8, verbose=0).history['loss'])\n"
        "assert losses[0] == losses[1], losses\n"
        "print('same', losses[0][-1])\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("same")


# --- compile_and_fit ---------------------------------------------------------------------------------------


def parts(rows: int = 64):
    X, y = tiny_data(rows)
    half = rows // 2
    return Part(X[:half], y[:half], None), Part(X[half:], y[half:], None)


def test_compile_and_fit_trains_with_early_stopping_and_keeps_the_best_epoch():
    train, val = parts()
    set_seed(3)
    model = tiny_model()
    history, timer = compile_and_fit(model, train, val, batch_size=8, epochs=60, patience=3)
    assert set(history.history) >= {"loss", "rmse", "val_loss", "val_rmse"}
    assert len(timer.seconds) == len(history.epoch) <= 60
    best = min(history.history["val_loss"])
    assert model.evaluate(val.X, val.y, verbose=0)[0] == pytest.approx(best, rel=1e-5)  # the best epoch's weights


EPISODE_1 = PROJECT_ROOT / "notebooks" / "01_dense_baseline.ipynb"


def fit_as_episode_1_types(model, train, val, batch_size: int, epochs: int):
    """Run episode 1's own cells that compile and fit its network (read from the notebook) on ``model``."""
    cells = [cell.source for cell in nbformat.read(EPISODE_1, as_version=4).cells if cell.cell_type == "code"]
    typed = [next(source for source in cells if "model.compile(" in source),
             next(source for source in cells if "model.fit(" in source)]
    namespace = {"keras": keras, "model": model, "train": train, "val": val, "EpochTimer": EpochTimer,
                 "fit_line": fit_line, "LEARNING_RATE": LEARNING_RATE, "PATIENCE": PATIENCE,
                 "BATCH_SIZE": batch_size, "MAX_EPOCHS": epochs}
    for source in typed:
        exec(compile(source, EPISODE_1.name, "exec"), namespace)  # noqa: S102 (the lesson's own notebook)
    return namespace["history"]


def test_compile_and_fit_is_what_episode_1_types_cell_by_cell():
    train, val = parts()
    set_seed(5)
    helper = tiny_model()
    history, _ = compile_and_fit(helper, train, val, batch_size=8, epochs=12)
    if keras.backend.backend() == "tensorflow":  # JAX always compiles with XLA
        assert not helper.jit_compile  # a plain compile, as typed in episode 1
    set_seed(5)
    typed = tiny_model()
    by_hand = fit_as_episode_1_types(typed, train, val, batch_size=8, epochs=12)
    assert history.history == by_hand.history
    assert_same_weights(weights_of(helper), weights_of(typed))


def test_compile_and_fit_with_xla_compiles_many_steps_with_xla_and_changes_nothing_else(monkeypatch):
    train, val = parts()
    set_seed(6)
    helper = tiny_model()
    history, _ = compile_and_fit(helper, train, val, batch_size=8, epochs=12, xla=True)
    assert helper.jit_compile is True and helper.steps_per_execution > 1
    set_seed(6)
    typed = tiny_model()
    speed_ups = {"steps_per_execution": helper.steps_per_execution, "jit_compile": True}
    monkeypatch.setattr(typed, "compile", functools.partial(type(typed).compile, typed, **speed_ups))
    by_hand = fit_as_episode_1_types(typed, train, val, batch_size=8, epochs=12)
    assert history.history == by_hand.history
    assert_same_weights(weights_of(helper), weights_of(typed))


@pytest.mark.parametrize("arguments, message", [
    ({"train": (1, 2)}, r"train must be a part from split_by_date"),
    ({"batch_size": 0}, r"batch_size must be a whole number >= 1"),
    ({"epochs": 2.5}, r"epochs must be a whole number >= 1"),
    ({"xla": "yes"}, r"xla must be True or False, got 'yes'"),
    ({"learning_rate": 0}, r"learning_rate must be a number > 0"),
])
def test_compile_and_fit_names_bad_arguments(arguments, message):
    train, val = parts()
    options = {"train": train, "val": val, **arguments}
    with pytest.raises(ValueError, match=message):
        compile_and_fit(tiny_model(), options.pop("train"), options.pop("val"), **options)


def test_compile_and_fit_prints_the_best_validation_rmse(capsys):
    train, val = parts()
    set_seed(5)
    history, timer = compile_and_fit(tiny_model(), train, val, batch_size=8, epochs=3)
    line = capsys.readouterr().out.strip()
    best = min(history.history["val_rmse"])
    assert line == fit_line(history, timer)
    assert re.fullmatch(rf"3 epochs in [0-9.]+ s; best validation RMSE {best:.2f} h \(epoch [123]\)", line)


def test_compile_and_fit_can_stay_quiet_and_print_without_a_unit(capsys):
    train, val = parts()
    history, timer = compile_and_fit(tiny_model(), train, val, epochs=1, quiet=True)
    assert capsys.readouterr().out == ""
    assert "RMSE" in fit_line(history, timer, unit="") and " h " not in fit_line(history, timer, unit="")


def test_fit_line_needs_a_validation_rmse():
    class Logged:
        history = {"loss": [1.0]}

    with pytest.raises(ValueError, match="logged no val_rmse"):
        fit_line(Logged(), EpochTimer())


def test_count_weights_leaves_out_the_standardising_statistics():
    inputs = keras.Input(shape=(9,))
    standardise = keras.layers.Normalization()
    standardise.adapt(np.arange(90, dtype="float32").reshape(10, 9))
    model = keras.Model(inputs, keras.layers.Dense(1)(standardise(inputs)))
    assert count_weights(model) == 10
    assert model.count_params() == 10 + 19
