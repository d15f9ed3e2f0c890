"""The name of every environment variable the lesson reads or sets, and the XLA flags it asks for: one place.

The helpers, the tools and the benchmarks use these constants, never the names spelled out, so a name is
changed here or nowhere (tests/test_settings.py checks). Standard library only: ``tools/__main__.py``
imports this before anything is installed.

Example: ``os.environ.get(SEED_VARIABLE)  # what LESSON_SEED=7 jupyter lab set, '7'``
"""

from __future__ import annotations

# --- the lesson's own variables ---------------------------------------------------------------------------
# The seed set_seed() uses when called without one (42 when unset): LESSON_SEED=7 jupyter lab reruns everything
# with seed 7. Read by helpers.config; the seed-spread study sets it once per seed.
SEED_VARIABLE = "LESSON_SEED"
# The folder that holds the weather file (default data/; a relative folder is taken from the project folder).
DATA_VARIABLE = "LESSON_DATA_DIR"
# The folder the notebooks write their result files into (default results/, relative as above). The runner,
# the seed-spread study, the benchmark and the tests point it at temporary folders.
RESULTS_VARIABLE = "LESSON_RESULTS_DIR"
# 1 (or true, yes): a number outside its measured range fails the run (`python3 -m tools test`, CI); learners
# get a comparison in plain words instead. The seed-spread study sets 0: it measures those ranges.
STRICT_VARIABLE = "LESSON_STRICT_CHECKS"
# The validation year of a backtest fold (the seed-spread study's --year): the episodes then train before that
# year, stop early on it and are scored on it (helpers.config, helpers.lesson.current_split). Unset: the lesson's split.
VALIDATION_YEAR_VARIABLE = "LESSON_VALIDATION_YEAR"
# TensorFlow's inter- and intra-op threads per kernel (default 1; 0 = TensorFlow's own defaults), read by
# helpers.config and set by the notebooks' set-up call (helpers.setup).
TF_THREADS_VARIABLE = "LESSON_TF_THREADS"
# The virtual environment `python3 -m tools` creates and runs in (default .venv); CI keeps one per Python.
VENV_VARIABLE = "LESSON_VENV"
# 1: the website's browser test fails where no browser is installed, instead of being skipped (set by .ci/run).
BROWSER_VARIABLE = "LESSON_REQUIRE_BROWSER"

LESSON_VARIABLES = (SEED_VARIABLE, DATA_VARIABLE, RESULTS_VARIABLE, STRICT_VARIABLE, TF_THREADS_VARIABLE,
                    VENV_VARIABLE, BROWSER_VARIABLE, VALIDATION_YEAR_VARIABLE)

# --- other programs' variables the lesson reads or sets -------------------------------------------------
# Keras' backend: tensorflow (the default) or jax; `python3 -m tools` installs jax and jaxlib for jax.
BACKEND_VARIABLE = "KERAS_BACKEND"
# XLA's options, read once when XLA starts (TensorFlow and JAX alike); build the value with xla_flags() below.
XLA_FLAGS_VARIABLE = "XLA_FLAGS"
# Python's seed for hashing str; set_seed sets it (for processes started afterwards).
HASH_SEED_VARIABLE = "PYTHONHASHSEED"
# OpenMP's threads (scikit-learn's gradient boosting; BLAS too): one per kernel when kernels run side by side.
OPENMP_THREADS_VARIABLE = "OMP_NUM_THREADS"
# OpenBLAS' threads (NumPy): kept at one per core when OMP_NUM_THREADS is 1, since ridge's digits depend on them.
OPENBLAS_THREADS_VARIABLE = "OPENBLAS_NUM_THREADS"
# Where Python looks for packages: the benchmark's baseline kernels get the project folder (benchmarks/baseline.py).
PYTHONPATH_VARIABLE = "PYTHONPATH"
# The time stamp of the files in a built wheel (tools/colab.py builds the lesson's wheel reproducibly).
SOURCE_DATE_VARIABLE = "SOURCE_DATE_EPOCH"
# pip's target folder and its "no index" switch: the Colab-like check installs each edition's wheel into a
# folder of its own, from nothing but the wheel (tools/colab_check.py).
PIP_TARGET_VARIABLE = "PIP_TARGET"
PIP_NO_INDEX_VARIABLE = "PIP_NO_INDEX"
# ipykernel's debugger notice about frozen modules, out of the Colab-like check's kernels' log.
PYDEVD_VALIDATION_VARIABLE = "PYDEVD_DISABLE_FILE_VALIDATION"
# TensorFlow's start-up log lines out of the notebooks: the notebooks' set-up call (helpers.setup) sets them
# before TensorFlow is imported, and the tools pass them on to every kernel and subprocess they start.
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}
# pip's "a new release of pip is available" notice, out of the set-up's output (tools/__main__.py).
QUIET_PIP = {"PIP_DISABLE_PIP_VERSION_CHECK": "1"}

# --- XLA's flags: built here only ------------------------------------------------------------------------
# XLA's quicker code optimisation level (1 of 0-3): the lesson's tiny models compile in about a third less time
# and train no slower (benchmarks/README.md).
XLA_QUICKER_FLAG = "--xla_backend_optimization_level=1"
# XLA on one CPU thread: for JAX kernels that run side by side (TensorFlow refuses these flags).
XLA_ONE_THREAD_FLAGS = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


def xla_flags(current: str = "", *, quicker: bool = True, one_thread: bool = False) -> str:
    """``current`` XLA flags plus the lesson's: the quicker optimisation level, and one thread if asked.

    A setting that ``current`` already names stands (a level the user chose is kept) and nothing is added twice.

    Example: ``xla_flags("--xla_dump_to=/tmp")  # '--xla_dump_to=/tmp --xla_backend_optimization_level=1'``
    """
    if not isinstance(current, str):
        raise ValueError(f"current must be the text of XLA_FLAGS (a str, '' when unset), got {current!r}.")
    parts = [current.strip()]
    if one_thread and "xla_cpu_multi_thread_eigen" not in current:
        parts.append(XLA_ONE_THREAD_FLAGS)
    if quicker and "xla_backend_optimization_level" not in current:
        parts.append(XLA_QUICKER_FLAG)
    return " ".join(part for part in parts if part)
