"""The benchmark's baseline: the lesson without its speed-ups, swapped into a kernel by ``install()``.

``benchmarks/run_benchmarks.py`` runs each notebook twice: as committed, and with a first cell that calls
``install()`` before the notebook's own cells. Then, in that kernel only:

- ``make_sequences`` and ``make_lagged`` build the windows with a Python loop over the days, as a learner
  would first write them (the same checks first, and exactly the same arrays and frame: tests/test_baseline.py);
- ``compile_and_fit`` compiles plainly, whatever the notebook asks: one batch per call, no XLA (``xla=False``);
- ``set_up_notebook`` leaves TensorFlow its default threads (``$LESSON_TF_THREADS`` still overrides) and XLA
  its default optimisation level.

Nothing in ``helpers/`` knows about the baseline, and nothing in the notebooks is rewritten.

Example (a kernel started in ``notebooks/`` with the project folder on ``PYTHONPATH``):
``import benchmarks.baseline; benchmarks.baseline.install()``
"""

from __future__ import annotations

import os
import sys

from helpers import setup, windows
from helpers.config import Config, current
from helpers.settings import TF_THREADS_VARIABLE

import numpy as np
import pandas as pd

# The cell run_benchmarks.py puts first in each baseline notebook: the kernel gets the project folder on PYTHONPATH.
INSTALL_CELL = "import benchmarks.baseline; benchmarks.baseline.install()  # the benchmark's baseline"
INSTALL_TAG = "benchmark-baseline"  # that cell's tag, so that its timing can be left out


def looped_sequences(
    frame: pd.DataFrame, columns: list[str], target: str = "BASEL_sunshine", window: int = 30
) -> tuple[np.ndarray, np.ndarray, pd.DatetimeIndex]:
    """``make_sequences`` by one Python loop over the samples: the same checks, then the same arrays, slowly.

    Example: ``X, y, dates = looped_sequences(weather, station_columns(weather), window=30)``
    """
    dates = windows._dates_of(frame)
    windows._checked_values(frame, columns, window, "window")
    windows._checked_values(frame, [target], window, "window")
    predictors, targets = frame[columns], frame[target]
    inputs, values = [], []
    for t in range(window, len(frame)):  # days t-window .. t-1 as inputs, day t as target
        inputs.append(predictors.iloc[t - window : t].to_numpy(dtype=np.float64))
        values.append(float(targets.iloc[t]))
    return np.array(inputs).astype(np.float32), np.array(values).astype(np.float32), dates[window:]


def looped_lagged(frame: pd.DataFrame, columns: list[str], lags: int = 30) -> pd.DataFrame:
    """``make_lagged`` by a loop over the days (newest day first, column after column): the same frame, slowly.

    Example: ``looped_lagged(weather, ["BASEL_sunshine"], lags=2).columns[1]  # 'BASEL_sunshine_lag1'``
    """
    dates = windows._dates_of(frame)
    windows._checked_values(frame, columns, lags, "lags")
    predictors = frame[columns]
    rows = [predictors.iloc[t - lags : t].to_numpy(dtype=np.float64)[::-1].T.ravel() for t in range(lags, len(frame))]
    names = [f"{column}_lag{k}" for column in columns for k in range(1, lags + 1)]
    result = pd.DataFrame(np.array(rows), columns=names, index=frame.index[lags:])
    result.insert(0, "DATE", dates[lags:])
    return result


def plain_set_up_notebook(config: Config | None = None) -> None:
    """``set_up_notebook`` as the baseline has it: TensorFlow's default threads, XLA's default level.

    Example: ``plain_set_up_notebook()  # 0 threads unless $LESSON_TF_THREADS names some; XLA_FLAGS left alone``
    """
    config = current() if config is None else config
    if not os.environ.get(TF_THREADS_VARIABLE, "").strip():  # unset: TensorFlow chooses
        config = config.but(threads=0)
    print(setup.set_up(config, quicker_xla=False))


def plain_compile_and_fit(model, train, val, **options):
    """``compile_and_fit`` as the baseline has it: a plain compile even where the notebook asks for XLA.

    Example: ``history, timer = plain_compile_and_fit(model, train, val, xla=True)  # compiled without XLA``
    """
    return _LESSON["compile_and_fit"](model, train, val, **{**options, "xla": False})


_LESSON: dict[str, object] = {}  # the lesson's compile_and_fit, kept by install() before it is replaced


def replacements() -> dict[tuple[object, str], object]:
    """What ``install()`` swaps in: (module, name) -> the baseline's function (importing Keras, set up quiet)."""
    setup.quiet_tensorflow()  # before helpers.training imports Keras, as the notebooks' set-up call does
    from helpers import training

    return {
        (windows, "make_sequences"): looped_sequences,
        (windows, "make_lagged"): looped_lagged,
        (setup, "set_up_notebook"): plain_set_up_notebook,
        (training, "compile_and_fit"): plain_compile_and_fit,
    }


def install() -> None:
    """Swap the baseline into this process's helpers; run it before the notebook imports from them.

    Names already imported from ``helpers.windows`` or ``helpers.training`` (by other helpers or by the
    notebook, ``from helpers.windows import make_sequences``) are swapped too. Only for the benchmark.

    Example: ``install()``, then ``from helpers.windows import make_sequences  # the Python loop``
    """
    swaps = replacements()
    originals = {name: getattr(module, name) for module, name in swaps}
    if originals["compile_and_fit"] is not plain_compile_and_fit:  # installed twice: keep the lesson's
        _LESSON["compile_and_fit"] = originals["compile_and_fit"]
    for (module, name), value in swaps.items():
        setattr(module, name, value)
    for module_name, module in list(sys.modules.items()):
        if module is None or not (module_name == "__main__" or module_name.startswith("helpers.")):
            continue
        for (_, name), value in swaps.items():
            if vars(module).get(name) is originals[name]:
                setattr(module, name, value)
