"""Training set-up: reproducible seeds and a callback that times the epochs, on any Keras backend.

The lesson runs on TensorFlow (the default) and on JAX (``KERAS_BACKEND=jax``); nothing here imports
TensorFlow unless it is the backend.
"""

from __future__ import annotations

import os
import random
import time

import numpy as np

import logging

import keras

from helpers import baseline

# TensorFlow's Python logger warns about "retracing" when a notebook trains several models in a loop:
# harmless here, and noise in learners' outputs.
logging.getLogger("tensorflow").setLevel(logging.ERROR)


def configure_threads(threads: int | None = None) -> None:
    """On TensorFlow, run each notebook's ops on one thread (inter- and intra-op) unless told otherwise.

    The lesson's models are small: spreading their ops over threads costs more than it saves, the
    results are the same, and a kernel that keeps to one core lets two notebooks train side by side on
    two cores. ``$LESSON_TF_THREADS`` overrides (0 = TensorFlow's defaults). It must run before
    TensorFlow executes its first op, so ``set_seed`` calls it; later calls keep the settings TensorFlow
    started with. JAX needs no setting.

    Example: ``configure_threads(1)``
    """
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    if threads is None:  # the benchmark's baseline keeps TensorFlow's defaults
        threads = int(os.environ.get("LESSON_TF_THREADS", "0" if baseline() else "1"))
    try:
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already started: keep its settings
        pass


XLA_SPEED_FLAG = "--xla_backend_optimization_level=1"


def configure_xla() -> None:
    """Ask XLA for its quicker code optimisation level (1 of 0-3) unless ``$XLA_FLAGS`` already names one.

    The lesson's models are tiny: compiling a model's training step takes longer than several of its
    epochs. At level 1 XLA compiled the stacked LSTM's step in about a third less time, and its epochs ran
    no slower (benchmarks/README.md). It must run before the first model is compiled, so ``set_seed``
    calls it. Not under the benchmark's baseline.

    Example: ``configure_xla()``, then ``os.environ["XLA_FLAGS"]  # '--xla_backend_optimization_level=1'``
    """
    flags = os.environ.get("XLA_FLAGS", "")
    if not baseline() and "xla_backend_optimization_level" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {XLA_SPEED_FLAG}".strip()


SEED_VARIABLE = "LESSON_SEED"
DEFAULT_SEED = 42


def lesson_seed() -> int:
    """The lesson's seed: ``$LESSON_SEED`` if set, else 42.

    Example: ``LESSON_SEED=7 jupyter lab`` runs every notebook with seed 7; ``lesson_seed()  # 7``
    """
    text = os.environ.get(SEED_VARIABLE, "").strip()
    if not text:
        return DEFAULT_SEED
    if not (text.isascii() and text.isdigit()) or int(text) >= 2**32:
        raise ValueError(
            f"{SEED_VARIABLE}={text!r} is not a seed: set it to a whole number from 0 to 4294967295 "
            f"(for example {SEED_VARIABLE}=7), or unset it to use {DEFAULT_SEED}."
        )
    return int(text)


def set_seed(seed: int | None = None) -> None:
    """Seed Python, NumPy and Keras (any backend) so that a rerun on the same machine gives the same numbers.

    Without an argument the seed is ``$LESSON_SEED`` (42 when unset), so a notebook can be run with
    another seed unchanged. TensorFlow's "deterministic ops" mode is not switched on: Keras refuses to
    compile with XLA (``jit_compile=True``) under it, and the lesson's models, compiled with XLA on a
    CPU, gave identical numbers on every rerun without it (see benchmarks/README.md).

    Example: ``set_seed()`` at the top of a notebook, and again before building each model.
    """
    if seed is None:
        seed = lesson_seed()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be a whole number in [0, 2**32), got {seed!r}.")
    seed = int(seed)
    configure_threads()
    configure_xla()
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)


class EpochTimer(keras.callbacks.Callback):
    """Keras callback recording the wall time of each epoch in ``seconds`` (a list).

    Example:
        >>> timer = EpochTimer()
        >>> model.fit(X, y, epochs=5, callbacks=[timer], verbose=0)
        >>> timer.total_seconds, timer.seconds_per_epoch
    """

    def __init__(self):
        super().__init__()
        self.seconds: list[float] = []

    def on_train_begin(self, logs=None):
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._started)

    @property
    def total_seconds(self) -> float:
        """Seconds spent in all epochs together."""
        return float(sum(self.seconds))

    @property
    def seconds_per_epoch(self) -> float:
        """Median seconds per epoch (the first epoch, which also builds the graph, does not skew it)."""
        return float(np.median(self.seconds)) if self.seconds else float("nan")


# The lesson's training recipe, chosen once for every model so that each fit takes seconds on a laptop:
# Adam with a learning rate of 0.01 (ten times Keras' default: the inputs are standardised and the
# models small), 256 days per weight update, and early stopping after 5 epochs without progress.
LEARNING_RATE = 0.01
BATCH_SIZE = 256
PATIENCE = 5
MAX_EPOCHS = 200


def _fast_settings() -> dict:
    """Compile settings for speed: 64 batches per call to TensorFlow, the step compiled with XLA.

    They change how the work is done, and with it the rounding: results can move in the third or fourth
    decimal against a plain ``compile``. The lesson's measured ranges are made with them. Empty under
    the benchmark's baseline.
    """
    return {} if baseline() else {"steps_per_execution": 64, "jit_compile": True}


def _whole_number(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}.")
    return int(value)


def compile_and_fit(
    model: keras.Model,
    train,
    val,
    *,
    batch_size: int = BATCH_SIZE,
    epochs: int = MAX_EPOCHS,
    patience: int = PATIENCE,
    learning_rate: float = LEARNING_RATE,
    unit: str = "h",
    quiet: bool = False,
):
    """Compile and train ``model`` with the lesson's recipe, print one line, return ``(history, timer)``.

    Adam, mean squared error as the loss and RMSE as a metric; training stops once the validation loss
    has not improved for ``patience`` epochs and keeps the best epoch's weights. The printed line gives
    the epochs, the seconds and the best validation RMSE (in ``unit``). ``train`` and ``val`` are parts
    from ``split_by_date`` (anything with ``X`` and ``y``).

    Example: ``history, timer = compile_and_fit(model, train, val)``
    """
    for name, part in (("train", train), ("val", val)):
        if not (hasattr(part, "X") and hasattr(part, "y")):
            raise ValueError(
                f"{name} must be a part from split_by_date (with .X and .y), got {type(part).__name__}."
            )
    batch_size = _whole_number("batch_size", batch_size)
    epochs = _whole_number("epochs", epochs)
    patience = _whole_number("patience", patience)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise ValueError(f"learning_rate must be a number > 0, such as 0.01; got {learning_rate!r}.")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="mse",
        metrics=[keras.metrics.RootMeanSquaredError(name="rmse")],
        **_fast_settings(),
    )
    early_stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    timer = EpochTimer()
    history = model.fit(
        train.X, train.y, validation_data=(val.X, val.y), batch_size=batch_size, epochs=epochs,
        callbacks=[early_stop, timer], verbose=0,
    )
    if not quiet:
        print(fit_line(history, timer, unit=unit))
    return history, timer


def fit_line(history, timer: EpochTimer, unit: str = "h") -> str:
    """One line on a finished fit: epochs, best epoch, seconds and the best validation RMSE.

    Example: ``print(fit_line(history, timer))``
    """
    scores = history.history.get("val_rmse")
    if not scores:
        raise ValueError("This history logged no val_rmse: compile with RootMeanSquaredError(name='rmse') "
                         "and fit with validation_data.")
    best = int(np.argmin(scores))
    unit_text, digits = (f" {unit}", 2) if unit else ("", 3)  # unitless scores: one more decimal
    return (f"{len(scores)} epochs in {timer.total_seconds:.1f} s; best validation RMSE "
            f"{scores[best]:.{digits}f}{unit_text} (epoch {best + 1})")


def count_weights(model: keras.Model) -> int:
    """The number of weights training adjusts (``count_params`` also counts the standardising statistics).

    Example: ``count_weights(model)  # 6101 for episode 1's dense network``
    """
    return int(sum(int(np.prod(weight.shape)) for weight in model.trainable_weights))
