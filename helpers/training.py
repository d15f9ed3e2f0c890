"""Training: reproducible seeds, the lesson's recipe and an epoch timer, on any Keras backend.

The lesson runs on TensorFlow (the default) and on JAX (``KERAS_BACKEND=jax``). Threads, XLA's level and
quiet logs are the notebook's set-up call's (``helpers.setup.set_up_notebook``), which runs before this
module is imported: importing it imports Keras, and with it TensorFlow.
"""

from __future__ import annotations

import os
import random
import time

from helpers.config import Config, current
from helpers.settings import HASH_SEED_VARIABLE
from helpers.validation import whole_number

import keras
import numpy as np


def lesson_seed(config: Config | None = None) -> int:
    """The lesson's seed: the configuration's (``$LESSON_SEED``, else 42).

    Example: ``LESSON_SEED=7 jupyter lab`` runs every notebook with seed 7; ``lesson_seed()  # 7``
    """
    return (current() if config is None else config).seed


def set_seed(seed: int | None = None) -> None:
    """Seed Python, NumPy and Keras (any backend) so that a rerun on the same machine gives the same numbers.

    Without an argument the seed is the lesson's (``$LESSON_SEED``, 42 when unset), so a notebook can be
    run with another seed unchanged. It seeds and nothing else. TensorFlow's "deterministic ops" mode is
    not switched on: Keras refuses to compile with XLA (``jit_compile=True``) under it, and the lesson's
    models, compiled with XLA on a CPU, gave identical numbers on every rerun without it (see
    benchmarks/README.md).

    Example: ``set_seed()`` before building each model.
    """
    seed = lesson_seed() if seed is None else whole_number("seed", seed, minimum=0, below=2**32)
    os.environ[HASH_SEED_VARIABLE] = str(seed)  # for processes started afterwards
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


# ``compile_and_fit(..., xla=True)`` compiles 64 batches per call to TensorFlow, the step with XLA.
# Compiling costs several seconds once, and pays back only when a fit takes many steps (05's recall task:
# 63 per epoch); the weather models take about six per epoch and train faster without it. The work is
# done another way, and with it the rounding: results can move in the third or fourth decimal.


def _checked(train, val, batch_size, epochs, patience, learning_rate, xla) -> tuple[int, int, int]:
    """``compile_and_fit``'s arguments checked (a ValueError names the first bad one); the counts as ints."""
    for name, part in (("train", train), ("val", val)):
        if not (hasattr(part, "X") and hasattr(part, "y")):
            raise ValueError(
                f"{name} must be a part from split_by_date (with .X and .y), got {type(part).__name__}."
            )
    counts = tuple(whole_number(name, value) for name, value in
                   (("batch_size", batch_size), ("epochs", epochs), ("patience", patience)))
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise ValueError(f"learning_rate must be a number > 0, such as {LEARNING_RATE}; got {learning_rate!r}.")
    if not isinstance(xla, bool):
        raise ValueError(f"xla must be True or False, got {xla!r}.")
    return counts


def compile_and_fit(model: keras.Model, train, val, *, batch_size: int = BATCH_SIZE,
                    epochs: int = MAX_EPOCHS, patience: int = PATIENCE,
                    learning_rate: float = LEARNING_RATE, unit: str = "h",
                    quiet: bool = False, xla: bool = False):
    """Train ``model`` with the lesson's recipe; print one line; return history, timer.

    The compile and fit that episode 1 types; ``xla=True`` for fits of many steps.

    Example: ``history, timer = compile_and_fit(model, train, val)``
    """
    batch_size, epochs, patience = _checked(
        train, val, batch_size, epochs, patience, learning_rate, xla
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="mse",
        metrics=[keras.metrics.RootMeanSquaredError(name="rmse")],
        **({"steps_per_execution": 64, "jit_compile": True} if xla else {}),
    )
    early_stop = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=patience, restore_best_weights=True
    )
    timer = EpochTimer()
    history = model.fit(
        train.X, train.y, validation_data=(val.X, val.y), batch_size=batch_size,
        epochs=epochs, callbacks=[early_stop, timer], verbose=0,
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
