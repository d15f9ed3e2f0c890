# Shortcuts for `python3 -m tools COMMAND` (see README.md), which does the set-up too: the virtual
# environment .venv with the pinned packages, and the data. Windows has no make: use the python command.
#   make lesson       run every notebook, print the results table
#   make test         unit tests and nbval over every notebook (a drifted number fails)
#   make learner      learner copies of the notebooks for live coding
#   make seed-spread  train every lesson model with the manifest's seeds and write the ranges the checks accept
#                     (`make seed-spread ARGS=--held-out`: the manifest's held-out seeds, helpers/lesson.py)
#   make benchmark    speed benchmarks (benchmarks/README.md)
# Options for the tool go through ARGS, e.g. `make lesson ARGS="03 --jobs 1"`; another Python with
# `make lesson PYTHON=python3.12`.

PYTHON ?= python3
ARGS ?=

.PHONY: lesson test learner seed-spread benchmark setup clean

lesson test learner seed-spread benchmark setup:
	$(PYTHON) -m tools $@ $(ARGS)

# Removes the website's build only; the committed results and learner copies (someone may have typed into them) stay.
clean:
	rm -rf _build
