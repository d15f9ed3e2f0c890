"""Training set-up: threads and XLA, reproducible seeds, the lesson's recipe and an epoch timer, on any Keras backend.

The lesson runs on TensorFlow (the default) and on JAX (``KERAS_BACKEND=jax``); nothing here imports
TensorFlow unless it is the backend.
"""

from __future__ import annotations

import logging
import os
import random
import time

from helpers.settings import HASH_SEED_VARIABLE, SEED_VARIABLE, TF_THREADS_VARIABLE, XLA_FLAGS_VARIABLE, xla_flags
from helpers.validation import whole_number

import keras
import numpy as np

# TensorFlow's Python logger warns about "retracing" when a notebook trains several models in a loop:
# harmless here, and noise in learners' outputs.
logging.getLogger("tensorflow").setLevel(logging.ERROR)


def tf_threads(default: int = 1) -> int:
    """TensorFlow's threads for this kernel: ``$LESSON_TF_THREADS`` if set, else ``default`` (0 = TensorFlow's own).

    Example: ``LESSON_TF_THREADS=2 jupyter lab``, then ``tf_threads()  # 2``
    """
    text = os.environ.get(TF_THREADS_VARIABLE, "").strip()
    if not text:
        return whole_number("default", default, minimum=0)
    if not (text.isascii() and text.isdigit()):
        raise ValueError(
            f"{TF_THREADS_VARIABLE}={text!r} is not a number of threads: set it to a whole number such as 1 "
            f"(0 = TensorFlow's defaults), or unset it to use {default}."
        )
    return int(text)


def set_up_threads_and_xla(threads: int | None = None, quicker_xla: bool = True) -> None:
    """Run TensorFlow on ``threads`` threads (1 by default) and ask XLA for its quicker optimisation level.

    Call it once at the top of a notebook, before TensorFlow executes its first op and before the first
    model is compiled: later calls keep the settings TensorFlow and XLA started with.

    - Threads: the lesson's models are small, so spreading their ops over threads costs more than it
      saves, the results are the same, and a kernel that keeps to one core lets two notebooks train side
      by side on two cores. ``threads`` (inter- and intra-op) defaults to ``$LESSON_TF_THREADS``, else 1;
      0 keeps TensorFlow's defaults. JAX needs no setting.
    - XLA: compiling a tiny model's training step takes longer than several of its epochs. At level 1 (of
      0-3) XLA compiled the stacked LSTM's step in about a third less time, and its epochs ran no slower
      (benchmarks/README.md). It goes into ``$XLA_FLAGS`` unless that already names a level;
      ``quicker_xla=False`` leaves XLA's default.

    Example: ``set_up_threads_and_xla()`` in a notebook's first cell, then ``set_seed()``
    """
    threads = tf_threads() if threads is None else whole_number("threads", threads, minimum=0)
    if quicker_xla:
        current = os.environ.get(XLA_FLAGS_VARIABLE, "")
        if xla_flags(current) != current:
            os.environ[XLA_FLAGS_VARIABLE] = xla_flags(current)
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    try:
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already started: keep its settings
        pass


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
    another seed unchanged. It seeds and nothing else: threads and XLA are ``set_up_threads_and_xla``'s.
    TensorFlow's "deterministic ops" mode is not switched on: Keras refuses to compile with XLA
    (``jit_compile=True``) under it, and the lesson's models, compiled with XLA on a CPU, gave identical
    numbers on every rerun without it (see benchmarks/README.md).

    Example: ``set_seed()`` at the top of a notebook, and again before building each model.
    """
    seed = lesson_seed() if seed is None else whole_number("seed", seed, minimum=0, below=2**32)
    os.environ[HASH_SEED_VARIABLE] = str(seed)
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
# Adam with a learning rate of 0.02 (twenty times Keras' default: the inputs are standardised and the
# models small), 512 days per weight update (about six updates per pass over the training years), and
# early stopping after 5 epochs without progress. Measured for the stacked LSTM on 30 days (seeds 1-3, 2
# cores): as accurate as 256 days at 0.01 on the validation year, in about two thirds of the time.
LEARNING_RATE = 0.02
BATCH_SIZE = 512
PATIENCE = 5
MAX_EPOCHS = 200


# Compile settings for long fits (``compile_and_fit(..., xla=True)``): 64 batches per call to TensorFlow, the
# step compiled with XLA. Compiling costs several seconds once, and pays back only when a fit takes many
# steps (05's recall task: 63 per epoch); the weather models take about six per epoch and train faster
# without it. They change how the work is done, and with it the rounding: results can move in the third or
# fourth decimal against a plain ``compile``. The benchmark's baseline empties them.
SPEED_UPS = {"steps_per_execution": 64, "jit_compile": True}


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
    xla: bool = False,
):
    """Compile and train ``model`` with the lesson's recipe, print one line, return ``(history, timer)``.

    Adam, mean squared error as the loss and RMSE as a metric; training stops once the validation loss
    has not improved for ``patience`` epochs and keeps the best epoch's weights. The printed line gives
    the epochs, the seconds and the best validation RMSE (in ``unit``). ``train`` and ``val`` are parts
    from ``split_by_date`` (anything with ``X`` and ``y``). Without ``xla`` this is exactly the compile and
    fit that episode 1 types; ``xla=True`` adds ``SPEED_UPS`` (for fits of many steps per epoch).

    Example: ``history, timer = compile_and_fit(model, train, val)``
    """
    for name, part in (("train", train), ("val", val)):
        if not (hasattr(part, "X") and hasattr(part, "y")):
            raise ValueError(
                f"{name} must be a part from split_by_date (with .X and .y), got {type(part).__name__}."
            )
    batch_size = whole_number("batch_size", batch_size)
    epochs = whole_number("epochs", epochs)
    patience = whole_number("patience", patience)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise ValueError(f"learning_rate must be a number > 0, such as {LEARNING_RATE}; got {learning_rate!r}.")
    if not isinstance(xla, bool):
        raise ValueError(f"xla must be True or False, got {xla!r}.")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="mse",
        metrics=[keras.metrics.RootMeanSquaredError(name="rmse")],
        **(SPEED_UPS if xla else {}),
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
