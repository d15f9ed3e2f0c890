# Two commands (see README.md):
#   make lesson   set up, download the data, execute every notebook, print the results table
#   make test     set up, download the data, run the unit tests and nbval over every notebook
#   make learner  learner copies of the notebooks for live coding (see README)
# Both create .venv with $(PYTHON) when it is missing and reinstall when requirements.txt changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=

# Keep TensorFlow's C++ log lines out of every kernel these commands start.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: lesson test learner benchmark setup data clean

lesson: data
	$(BIN)/python tools/run_lesson.py $(ARGS)

# Unit tests, then nbval over every notebook (strict mode; see README), each notebook in a fresh kernel.
test: data
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest notebooks --nbval --nbval-current-env

# Learner copies in learner/: no outputs, no solutions, live cells reduced to their comments.
learner: setup
	$(BIN)/python tools/make_learner_copies.py $(ARGS)

# Windowing speed, notebook wall times and peak memory, and the speed-ups against none (benchmarks/README.md).
benchmark: data
	$(BIN)/python benchmarks/run_benchmarks.py $(ARGS)

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; sys.exit(0 if (3, 10) <= v <= (3, 12) else f"Python {v[0]}.{v[1]} found; TensorFlow 2.21 needs Python 3.10-3.12. Run: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

data: setup
	$(BIN)/python -c "from helpers.data import fetch_weather_file; print('data:', fetch_weather_file())"

clean:
	rm -rf results learner
