"""helpers/training.py: threads and XLA, reproducible seeds, the recipe and the epoch timer (tiny Keras models only)."""

from __future__ import annotations

import math
import os
import random
import re
import sys

from helpers.settings import TF_THREADS_VARIABLE, XLA_FLAGS_VARIABLE, XLA_QUICKER_FLAG
from helpers.training import (
    DEFAULT_SEED,
    LEARNING_RATE,
    PATIENCE,
    SEED_VARIABLE,
    SPEED_UPS,
    EpochTimer,
    compile_and_fit,
    count_weights,
    fit_line,
    lesson_seed,
    set_seed,
    set_up_threads_and_xla,
    tf_threads,
)
from helpers.windows import Part

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


@on_tensorflow
def test_set_up_keeps_the_settings_of_a_started_runtime(monkeypatch):
    import tensorflow as tf

    before = (tf.config.threading.get_inter_op_parallelism_threads(), tf.config.threading.get_intra_op_parallelism_threads())
    monkeypatch.setenv(TF_THREADS_VARIABLE, "3")
    monkeypatch.setenv(XLA_FLAGS_VARIABLE, XLA_QUICKER_FLAG)
    set_up_threads_and_xla()  # the runtime has started in this test session: settings are kept, no error
    after = (tf.config.threading.get_inter_op_parallelism_threads(), tf.config.threading.get_intra_op_parallelism_threads())
    assert after == before


THREADS = ("import helpers.training as training, tensorflow as tf\n{call}\n"
           "t = tf.config.threading; print(t.get_inter_op_parallelism_threads(), t.get_intra_op_parallelism_threads())")


def threads_in_a_fresh_process(call: str, **env: str) -> str:
    """The inter- and intra-op threads TensorFlow reports after ``call`` in a fresh Python, e.g. '1 1'."""
    import subprocess

    environment = {**os.environ, "KERAS_BACKEND": "tensorflow", **env}
    if TF_THREADS_VARIABLE not in env:
        environment.pop(TF_THREADS_VARIABLE, None)
    done = subprocess.run([sys.executable, "-c", THREADS.format(call=call)], capture_output=True, text=True,
                          check=True, env=environment)
    return done.stdout.strip()


@on_tensorflow
def test_set_up_in_a_fresh_process_sets_one_thread_unless_told_otherwise():
    assert threads_in_a_fresh_process("training.set_up_threads_and_xla(); training.set_seed()") == "1 1"
    assert threads_in_a_fresh_process("training.set_up_threads_and_xla()", LESSON_TF_THREADS="0") == "0 0"
    assert threads_in_a_fresh_process("training.set_up_threads_and_xla(2)", LESSON_TF_THREADS="0") == "2 2"
    # set_seed seeds and nothing else: TensorFlow keeps its default threads
    assert threads_in_a_fresh_process("training.set_seed()") == "0 0"


def test_set_up_asks_xla_for_level_1_unless_a_level_is_named(monkeypatch):
    monkeypatch.setenv(XLA_FLAGS_VARIABLE, "--xla_cpu_multi_thread_eigen=false")
    set_up_threads_and_xla()
    assert os.environ[XLA_FLAGS_VARIABLE] == "--xla_cpu_multi_thread_eigen=false --xla_backend_optimization_level=1"
    set_up_threads_and_xla()  # again: nothing added twice
    assert os.environ[XLA_FLAGS_VARIABLE].count("optimization_level") == 1
    monkeypatch.setenv(XLA_FLAGS_VARIABLE, "--xla_backend_optimization_level=3")  # the user's level stands
    set_up_threads_and_xla()
    assert os.environ[XLA_FLAGS_VARIABLE] == "--xla_backend_optimization_level=3"
    monkeypatch.delenv(XLA_FLAGS_VARIABLE)
    set_up_threads_and_xla()
    assert os.environ[XLA_FLAGS_VARIABLE] == XLA_QUICKER_FLAG
    monkeypatch.delenv(XLA_FLAGS_VARIABLE)
    set_up_threads_and_xla(quicker_xla=False)  # XLA's default level: the flags are left alone
    assert XLA_FLAGS_VARIABLE not in os.environ


def test_set_seed_leaves_threads_and_xla_alone(monkeypatch):
    monkeypatch.delenv(XLA_FLAGS_VARIABLE, raising=False)
    set_seed(4)
    assert XLA_FLAGS_VARIABLE not in os.environ


def test_tf_threads_reads_the_environment(monkeypatch):
    monkeypatch.delenv(TF_THREADS_VARIABLE, raising=False)
    assert tf_threads() == 1 and tf_threads(default=0) == 0
    monkeypatch.setenv(TF_THREADS_VARIABLE, " 4 ")
    assert tf_threads() == 4
    monkeypatch.setenv(TF_THREADS_VARIABLE, "")
    assert tf_threads() == 1


@pytest.mark.parametrize("text", ["two", "-1", "1.5"])
def test_a_bad_thread_count_says_what_to_set(text, monkeypatch):
    monkeypatch.setenv(TF_THREADS_VARIABLE, text)
    with pytest.raises(ValueError, match=rf"LESSON_TF_THREADS='{re.escape(text)}' is not a number of threads: .*unset"):
        set_up_threads_and_xla()


@pytest.mark.parametrize("threads", [-1, 1.0, True])
def test_set_up_refuses_a_bad_thread_count(threads):
    with pytest.raises(ValueError, match=r"threads must be a whole number >= 0"):
        set_up_threads_and_xla(threads)


# --- the seed from the environment ------------------------------------------------------------


def test_the_lesson_seed_is_42_unless_the_environment_names_another(monkeypatch):
    monkeypatch.delenv(SEED_VARIABLE, raising=False)
    assert lesson_seed() == DEFAULT_SEED == 42
    monkeypatch.setenv(SEED_VARIABLE, " 7 ")
    assert lesson_seed() == 7
    monkeypatch.setenv(SEED_VARIABLE, "")
    assert lesson_seed() == 42


def test_set_seed_without_an_argument_uses_the_lesson_seed(monkeypatch):
    monkeypatch.setenv(SEED_VARIABLE, "11")
    set_seed()
    from_environment = (random.random(), weights_of(tiny_model())[0])
    set_seed(11)
    explicit = (random.random(), weights_of(tiny_model())[0])
    assert from_environment[0] == explicit[0]
    np.testing.assert_array_equal(from_environment[1], explicit[1])
    assert os.environ["PYTHONHASHSEED"] == "11"


@pytest.mark.parametrize("text", ["seven", "-1", "1.5", "4294967296", "²"])
def test_a_bad_lesson_seed_says_what_to_set(text, monkeypatch):
    monkeypatch.setenv(SEED_VARIABLE, text)
    with pytest.raises(ValueError, match=rf"LESSON_SEED='{re.escape(text)}' is not a seed: .*unset it to use 42"):
        set_seed()


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


def fit_typed_by_hand(train, val, seed: int, **speed_ups):
    """Episode 1's cells: compile with the recipe's learning rate, fit with early stopping and a timer."""
    set_seed(seed)
    typed = tiny_model()
    typed.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE), loss="mse",
                  metrics=[keras.metrics.RootMeanSquaredError(name="rmse")], **speed_ups)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE, restore_best_weights=True)
    history = typed.fit(train.X, train.y, validation_data=(val.X, val.y), batch_size=8, epochs=12,
                        callbacks=[stop, EpochTimer()], verbose=0)
    return history, typed


def test_compile_and_fit_is_what_episode_1_types_cell_by_cell():
    train, val = parts()
    set_seed(5)
    helper = tiny_model()
    history, _ = compile_and_fit(helper, train, val, batch_size=8, epochs=12)
    if keras.backend.backend() == "tensorflow":  # JAX always compiles with XLA
        assert not helper.jit_compile  # a plain compile, as typed in episode 1
    by_hand, typed = fit_typed_by_hand(train, val, seed=5)
    assert history.history == by_hand.history
    assert_same_weights(weights_of(helper), weights_of(typed))


def test_compile_and_fit_with_xla_adds_the_speed_ups_and_nothing_else():
    train, val = parts()
    set_seed(6)
    helper = tiny_model()
    history, _ = compile_and_fit(helper, train, val, batch_size=8, epochs=12, xla=True)
    assert SPEED_UPS == {"steps_per_execution": 64, "jit_compile": True}
    assert helper.jit_compile is True
    by_hand, typed = fit_typed_by_hand(train, val, seed=6, **SPEED_UPS)
    assert history.history == by_hand.history
    assert_same_weights(weights_of(helper), weights_of(typed))


@pytest.mark.parametrize("arguments, message", [
    ({"train": (1, 2)}, r"train must be a part from split_by_date"),
    ({"batch_size": 0}, r"batch_size must be a whole number >= 1"),
    ({"epochs": 2.5}, r"epochs must be a whole number >= 1"),
    ({"xla": "yes"}, r"xla must be True or False, got 'yes'"),
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


def test_a_bad_learning_rate_is_refused():
    train, val = parts()
    with pytest.raises(ValueError, match="learning_rate must be a number > 0"):
        compile_and_fit(tiny_model(), train, val, learning_rate=0)


def test_count_weights_leaves_out_the_standardising_statistics():
    inputs = keras.Input(shape=(9,))
    standardise = keras.layers.Normalization()
    standardise.adapt(np.arange(90, dtype="float32").reshape(10, 9))
    model = keras.Model(inputs, keras.layers.Dense(1)(standardise(inputs)))
    assert count_weights(model) == 10
    assert model.count_params() == 10 + 19
