"""A notebook's set-up in one visible call: quiet logs, threads, XLA's level and the seed, said in one line.

Importing ``helpers`` changes nothing; the first code cell of each episode calls ``set_up_notebook()``,
which does what the lesson needs before Keras runs and prints one line that is the same on TensorFlow and
JAX and on every machine. Standard library only at import: Keras (and with it TensorFlow) is imported
inside the call, after TensorFlow's start-up log has been switched off.

- Quiet logs: the variables of ``settings.QUIET_TENSORFLOW``, read once when TensorFlow is imported.
- Threads: the lesson's models are small, so spreading their ops over threads costs more than it saves and
  gives the same results; a kernel on one thread lets notebooks train side by side. ``config.threads``
  (``$LESSON_TF_THREADS``, default 1; 0 keeps TensorFlow's defaults). JAX needs no setting.
- XLA: compiling a tiny model's step takes longer than several of its epochs; at level 1 (of 0-3) XLA
  compiled the stacked LSTM's step in about a third less time, and its epochs ran no slower
  (benchmarks/README.md). Added to ``$XLA_FLAGS`` unless that names a level already.
- Seed: ``set_seed(config.seed)`` (``$LESSON_SEED``, default 42).

Example: ``set_up_notebook()  # Set up: seed 42; TensorFlow on one thread, ...``
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping

from helpers.config import Config, current
from helpers.settings import QUIET_TENSORFLOW, XLA_FLAGS_VARIABLE, xla_flags


def quiet_tensorflow(environ: MutableMapping[str, str] | None = None) -> bool:
    """Switch TensorFlow's start-up log off (values already set stand); False once TensorFlow is imported.

    TensorFlow reads these variables when it is imported, so later they change nothing and are left alone.

    Example: ``quiet_tensorflow()  # True before the first import of keras``
    """
    if "tensorflow" in sys.modules:
        return False
    environ = os.environ if environ is None else environ
    for name, value in QUIET_TENSORFLOW.items():
        environ.setdefault(name, value)
    return True


def ask_for_quicker_xla(environ: MutableMapping[str, str] | None = None) -> None:
    """Ask XLA for its quicker optimisation level (1) in ``$XLA_FLAGS``, unless the flags name a level.

    Example: ``ask_for_quicker_xla()  # XLA_FLAGS='--xla_backend_optimization_level=1' where it was unset``
    """
    environ = os.environ if environ is None else environ
    flags = environ.get(XLA_FLAGS_VARIABLE, "")
    if xla_flags(flags) != flags:
        environ[XLA_FLAGS_VARIABLE] = xla_flags(flags)


def set_threads(threads: int) -> bool:
    """Run TensorFlow's ops on ``threads`` threads (0: TensorFlow's own); False on JAX or once TensorFlow runs.

    Example: ``set_threads(1)  # True in a fresh kernel on TensorFlow``
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        return False
    import tensorflow as tf

    try:
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        tf.config.threading.set_intra_op_parallelism_threads(threads)
    except RuntimeError:  # TensorFlow already executed an op: it keeps the threads it started with
        return False
    return True


def _threads_words(threads: int) -> str:
    return {0: "TensorFlow on its own threads", 1: "TensorFlow on one thread"}.get(
        threads, f"TensorFlow on {threads} threads")


def set_up(config: Config | None = None, *, quicker_xla: bool = True) -> str:
    """Quiet logs, XLA's quicker level (unless ``quicker_xla=False``), threads and the seed; the line saying so.

    ``set_up_notebook`` prints the line; scripts (the benchmarks) call this directly.

    Example: ``set_up(current().but(seed=7))  # 'Set up: seed 7; ...'``
    """
    config = current() if config is None else config
    if not isinstance(config, Config):
        raise ValueError(f"config must be a helpers.config.Config (or None for this process's), got {config!r}.")
    if not isinstance(quicker_xla, bool):
        raise ValueError(f"quicker_xla must be True or False, got {quicker_xla!r}.")
    quiet_tensorflow()
    if quicker_xla:
        ask_for_quicker_xla()
    set_threads(config.threads)
    # TensorFlow's Python logger warns about "retracing" when a notebook trains several models in a loop:
    # harmless here, and noise in learners' outputs.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    from helpers.training import set_seed

    set_seed(config.seed)
    level = "XLA at its quicker level" if quicker_xla else "XLA at its default level"
    return f"Set up: seed {config.seed}; {_threads_words(config.threads)}, {level}, start-up logs off."


def set_up_notebook(config: Config | None = None) -> None:
    """The first call of every episode: quiet logs, one thread, quicker XLA and the seed; prints one line.

    Call it before importing keras or ``helpers.training``: TensorFlow reads its log level when imported
    and its threads when it runs its first op. ``config`` defaults to this process's (``current()``).

    Example: ``set_up_notebook()`` in a notebook's first code cell
    """
    print(set_up(config))
