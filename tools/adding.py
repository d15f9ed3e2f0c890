"""What adding a model or an episode to the lesson takes: every place, read from the code where it can be.

Usage:
    python3 -m tools adding            # both lists
    python3 -m tools adding model      # a model of an existing episode
    python3 -m tools adding episode    # a new notebook

The manifest (``helpers/lesson.py``) is the one place the facts are written, but a new model also needs its
notebook, its calibration over seeds, perhaps the backtest, and the committed outputs. This prints that list,
with the manifest's own fields, seeds and years, so it cannot drift from them. Standard library only.
"""

from __future__ import annotations

import sys

from helpers import lesson

USAGE = "Usage: python3 -m tools adding [model | episode]"


def _fields(entry_type) -> str:
    """The fields of a manifest entry, with their defaults, as the constructor takes them."""
    defaults = entry_type._field_defaults
    return ", ".join(f"{name}={defaults[name]!r}" if name in defaults else name for name in entry_type._fields)


def model_steps() -> list[str]:
    """The places a new model of an existing episode needs, in order.

    Example: ``print("\\n".join(model_steps()))``
    """
    folds = ", ".join(str(year) for year in lesson.BACKTEST_YEARS[:-1])
    tasks = sorted({model.task for model in lesson.MODELS.values()})
    return [
        f"The manifest, helpers/lesson.py: an entry in MODELS, key -> Model({_fields(lesson.Model)}); the task is one "
        f"of {', '.join(tasks)}, the family one of {', '.join(sorted({m.family for m in lesson.MODELS.values()}))} "
        f"(or a new one). It has {len(lesson.MODELS)} models now. Result files and the study's tables keep only the "
        "key: the name, episode, task and family are read from this entry.",
        "The notebook of its episode (notebooks/NN_*.ipynb): train it, then record_result(\"<key>\", val_rmse=..., "
        "test_rmse=..., predictions=..., dates=...) and check_rmse(\"<key>\", val_rmse, dates=...).",
        f"The calibration over seeds: python3 -m tools seed-spread --seeds {lesson.CALIBRATION_SEEDS} NN (the "
        f"manifest's CALIBRATION_SEEDS) writes benchmarks/seed_runs.csv and helpers/seed_spread.csv, the range "
        f"check_rmse accepts; then python3 -m tools seed-spread --seeds {lesson.HELD_OUT_SEEDS} --held-out NN "
        "(HELD_OUT_SEEDS) checks it on seeds calibration never saw.",
        f"The backtest, if a debrief or notebook {lesson.COMPARISON} judges it (CORE_VERDICTS, COMPARISONS in "
        f"helpers/lesson.py): python3 -m tools seed-spread --year Y --seeds {lesson.BACKTEST_SEEDS} NN for Y in "
        f"{folds} (BACKTEST_YEARS) writes benchmarks/backtest_runs.csv and helpers/backtest.csv.",
        "The committed outputs: python3 -m tools lesson reruns the notebooks and writes results/NN_<key>.json and "
        "the README's results and timings and instructors.md's fit times; then python3 -m tools learner, "
        "python3 -m tools colab and python3 -m tools site for the learner copies, the Colab editions and the "
        "website.",
        "The checks: python3 -m tools test (the unit tests and every notebook, strict).",
    ]


def episode_steps() -> list[str]:
    """The places a new episode (a notebook) needs, in order.

    Example: ``print("\\n".join(episode_steps()))``
    """
    parts = ", ".join(sorted({entry.part for entry in lesson.EPISODES}))
    return [
        f"The manifest, helpers/lesson.py: an entry in EPISODES, Episode({_fields(lesson.Episode)}); part is one of "
        f"{parts}. Its minutes must add up: a minute per typed line, EXERCISE_MINUTES ({lesson.EXERCISE_MINUTES}) per "
        "exercise in_room and explain (tests/test_lesson_rules.py checks).",
        f"The notebook, notebooks/<file>: the set-up cell first, its part's line under the title ({parts}: "
        "PART_LINES), live cells tagged `live` for what the room types.",
        "Each model it records: the steps for a model above (manifest entry, calibration, backtest).",
        f"If it trains models, the study runs it by itself (every episode but {lesson.SETUP_CHECK} and "
        f"{lesson.COMPARISON}); if it belongs to the core, the backtest too (BACKTEST_YEARS).",
        "The generated documents: python -m tools.readme rewrites the README's episode table and instructors.md's "
        "schedule from the manifest; python3 -m tools lesson then commits the notebook's outputs and results.",
        "The checks: python3 -m tools test.",
    ]


def main(argv: list[str] | None = None) -> int:
    """Print what adding a model, an episode, or (with no argument) either takes.

    Example: ``main(["model"])``
    """
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0] not in ("model", "episode")):
        print(USAGE, file=sys.stderr)
        return 2
    chosen = argv[0] if argv else None
    for what, steps in (("model", model_steps), ("episode", episode_steps)):
        if chosen in (None, what):
            print(f"Adding {'a model to an existing episode' if what == 'model' else 'an episode'} takes:")
            for number, step in enumerate(steps(), start=1):
                print(f"  {number}. {step}")
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
