"""The tools around the lesson: ``python -m tools COMMAND`` sets up and runs them (see ``tools/__main__.py``)."""
