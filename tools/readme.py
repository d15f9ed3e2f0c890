"""Write the README's and instructors.md's generated blocks: episodes, schedule, results and run times.

Each block lies between a start and an end marker and is written from one source: the episodes table, the
schedule and the study's commands (its seeds and years) from the lesson's manifest (``helpers/lesson.py``),
the results table from the run's results, computed once (``helpers.results.run_results``, the renderer
notebook 10 and the website use too), and the run times from
the run that just finished. Nothing is read from a notebook's outputs. The run command calls
``update_documents`` after a full run in place; ``python -m tools.readme`` rewrites the manifest's blocks
alone (after adding an episode, say), and ``tests/test_readme.py`` fails when they are out of date.
"""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from helpers import PROJECT_ROOT as ROOT
from helpers.files import write_atomically
from helpers.lesson import BREAKS_MINUTES, EPISODES, EXERCISE_MINUTES

README = ROOT / "README.md"
INSTRUCTORS = ROOT / "instructors.md"


# The command that writes each block, where it is not `python -m tools lesson`: named in the start marker.
WRITERS = {"colab-badges": "python -m tools colab"}


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of the generated block ``name``, the start naming the command that writes it.

    Example: ``markers("results")[0]  # '<!-- results: start (written by `python -m tools lesson`) -->'``
    """
    writer = WRITERS.get(name, "python -m tools lesson")
    return f"<!-- {name}: start (written by `{writer}`) -->", f"<!-- {name}: end -->"


def _checked_markers(text: str, name: str) -> tuple[str, str]:
    """The markers of the block ``name``, once each and in order in ``text``, else a ValueError saying so."""
    start, end = markers(name)
    if text.count(start) != 1 or text.count(end) != 1 or text.index(start) > text.index(end):
        raise ValueError(f"The text needs one pair of markers {start} ... {end}, in that order; "
                         "put them back where the block belongs.")
    return start, end


def replace_block(text: str, name: str, body: str) -> str:
    """``text`` with the block ``name`` between its markers replaced by ``body`` (the one block writer).

    An empty ``body`` leaves the markers on consecutive lines.

    Example: ``replace_block(readme, "results", results_markdown(table))``
    """
    start, end = _checked_markers(text, name)
    before, rest = text.split(start)
    after = rest.split(end)[1]
    body = body.strip()
    return f"{before}{start}\n{body + chr(10) if body else ''}{end}{after}"


def block(text: str, name: str) -> str:
    """What the block ``name`` holds now, without its markers.

    Example: ``block(README.read_text(), "episodes")``
    """
    start, end = _checked_markers(text, name)
    return text.split(start)[1].split(end)[0].strip()


def episodes_table() -> str:
    """The README's table of episodes, one row per notebook, from the manifest.

    Example: ``print(episodes_table())``
    """
    lines = ["| notebook | part | topic |", "|---|---|---|"]
    for entry in EPISODES:
        stem = entry.file.removesuffix(".ipynb")
        lines.append(f"| [`{stem}`](notebooks/{entry.file}) | {entry.part} | {entry.topic} |")
    return "\n".join(lines)


def schedule_table() -> str:
    """instructors.md's schedule, from the manifest: part, teaching minutes, what is typed and what is shown.

    Example: ``print(schedule_table())``
    """
    lines = ["| episode | part | teach | live-code (the room types these cells) | show (do not type) |",
             "|---|---|---|---|---|"]
    for entry in EPISODES:
        teach = f"{entry.minutes} min" if entry.minutes else entry.part
        lines.append(f"| {entry.number} {entry.title} | {entry.part} | {teach} | {entry.live} | {entry.show} |")
    core = sum(entry.minutes for entry in EPISODES if entry.part == "core")
    numbers = [entry.number for entry in EPISODES if entry.part == "core"]
    total = core + BREAKS_MINUTES
    lines.append("")
    lines.append(f"The core ({', '.join(numbers)}) takes {core} minutes of teaching; with two 15-minute breaks, "
                 f"{total // 60} h {total % 60:02d} min. Each episode's minutes add up a minute per typed line, "
                 f"{EXERCISE_MINUTES} per exercise done in the room and its minutes of explaining "
                 "(`tests/test_lesson_rules.py` checks the sums).")
    return "\n".join(lines)


def timings_text(seconds: dict[str, float], total: float, jobs: int | None = None) -> str:
    """The run times of a full run: the whole lesson and each notebook, with the machine it ran on and, given
    ``jobs``, how many notebooks ran at a time.

    Example: ``timings_text({"01": 9.5, "02": 8.1}, 12.0, jobs=2)``
    """
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    if jobs is not None:
        machine += ", one notebook at a time" if jobs == 1 else f", {jobs} notebooks at a time"
    parts = ", ".join(f"{number} {value:.0f} s" for number, value in sorted(seconds.items()))
    return (f"The committed run took {total:.0f} s in all on this project's machine ({machine}); "
            f"each notebook, kernel start included: {parts}.")


def study_commands() -> str:
    """The README's commands of the seed study, with the seeds and years of the manifest (``helpers/lesson.py``).

    Example: ``print(study_commands())``
    """
    from helpers.lesson import BACKTEST_SEEDS, BACKTEST_YEARS, CALIBRATION_SEEDS, HELD_OUT_SEEDS

    fold = BACKTEST_YEARS[1] if len(BACKTEST_YEARS) > 2 else BACKTEST_YEARS[0]
    lines = [
        (f"python3 -m tools seed-spread --seeds {CALIBRATION_SEEDS}",
         "the lesson's split, the calibration seeds: about an hour"),
        (f"python3 -m tools seed-spread --seeds {HELD_OUT_SEEDS} --held-out",
         "seeds kept out of calibration: do the checks hold?"),
        (f"python3 -m tools seed-spread --year {fold} --seeds {BACKTEST_SEEDS}",
         f"one backtest fold: the core episodes, validated on {fold}"),
    ]
    width = max(len(command) for command, _ in lines) + 2
    body = "\n".join(f"{command:<{width}}# {comment}" for command, comment in lines)
    return (f"```bash\n{body}\n```\n\nThe seeds and years are the manifest's (`helpers/lesson.py`: "
            f"`CALIBRATION_SEEDS` {CALIBRATION_SEEDS}, `HELD_OUT_SEEDS` {HELD_OUT_SEEDS}, `BACKTEST_SEEDS` "
            f"{BACKTEST_SEEDS}, `BACKTEST_YEARS` {', '.join(map(str, BACKTEST_YEARS))}); without `--seeds` the study "
            "takes the same ones.")


def study_text() -> str:
    """The README's sentence on the study's seeds and years, counted from its committed tables.

    Example: ``print(study_text())``
    """
    from helpers.checks import load_spread
    from helpers.debrief import load_backtest
    from helpers.lesson import BACKTEST_YEARS, HELD_OUT_SEEDS, MODELS, SPLIT
    from helpers.memory import load_sweep

    spread = load_spread()
    sunshine = spread[spread["task"] == "sunshine"]
    backtest = load_backtest()
    folds = backtest[backtest["year"].isin(BACKTEST_YEARS[:-1])]
    per_year = folds.groupby("year")["seed"].nunique()
    fold_keys = folds["key"].nunique()
    episodes = sorted({MODELS[key].episode for key in folds["key"].unique() if key in MODELS})
    sweep = load_sweep()
    return (f"Committed now: every model of the lesson's split (validation {SPLIT.val_start[:4]}, test "
            f"{SPLIT.test_start[:4]}) trained with {sunshine['seeds'].min()} seeds (held out: {HELD_OUT_SEEDS}); "
            f"the backtest's {fold_keys} models (episodes {', '.join(episodes)}) on the validation years "
            f"{', '.join(str(year) for year in per_year.index)} with {per_year.min()} seeds each; the recall "
            f"sweep with {sweep['seed'].nunique()} seeds per run. (Counted from `helpers/seed_spread.csv`, "
            "`helpers/backtest.csv` and `helpers/recall_sweep.csv`.)")


def fit_times_text(results) -> str:
    """instructors.md's sentence on how long the fits took in the committed run: from the run's results
    (``helpers.results.run_results``, every task), or from a results folder, read here.

    Example: ``fit_times_text(run_results(ROOT / "results"))``
    """
    from helpers.results import run_results

    results = run_results(results).recorded
    timed = results[results["fit_seconds"] > 0].sort_values("fit_seconds")
    if timed.empty:
        return "The committed run recorded no fit times."
    slowest = timed.iloc[-3:][::-1]
    named = ", ".join(f"{row.model} ({row.episode}) {row.fit_seconds:.0f} s" for row in slowest.itertuples())
    return (f"In the committed run (two notebooks side by side), the {len(timed)} recorded fits took from "
            f"{timed['fit_seconds'].iloc[0]:.0f} s to {timed['fit_seconds'].iloc[-1]:.0f} s; the longest: {named}. "
            "A fit run alone is quicker.")


def update_documents(results=None, seconds: dict[str, float] | None = None,
                     total: float | None = None, readme: Path | None = None,
                     instructors: Path | None = None, jobs: int | None = None) -> None:
    """Rewrite the generated blocks; the results table too when results are given, the run times with ``seconds``.

    ``results``: the run's results as computed once (``helpers.results.run_results(folder)``, handed to the
    summary too), or a results folder, read here. ``readme`` and ``instructors`` default to the project's
    README.md and instructors.md; ``jobs`` is how many notebooks the run ran at a time, for the run times.

    Example: ``update_documents(run_results(ROOT / "results"), {"01": 9.5}, 95.0)``
    """
    from helpers.lesson import MODELS
    from helpers.results import results_markdown, run_results

    readme = readme or README  # read here, not when the function is defined
    instructors = instructors or INSTRUCTORS

    text = replace_block(readme.read_text(encoding="utf-8"), "episodes", episodes_table())
    if results is not None:
        results = run_results(results)
        # the lesson's models only: a result of one's own in the results folder stays out of the documents
        results = results._replace(**{name: table[table["key"].isin(list(MODELS))]
                                      for name, table in results._asdict().items()})
        if not results.comparison.empty:
            text = replace_block(text, "results", results_markdown(results.comparison))
    if seconds:
        text = replace_block(text, "timings", timings_text(seconds, total or sum(seconds.values()), jobs))
    text = replace_block(text, "study", study_text())
    text = replace_block(text, "study-commands", study_commands())
    schedule = replace_block(instructors.read_text(encoding="utf-8"), "schedule", schedule_table())
    if results is not None:
        schedule = replace_block(schedule, "fit-times", fit_times_text(results))
    write_atomically(readme, text)  # both written only once both blocks were found
    write_atomically(instructors, schedule)
    print(f"Written: the generated blocks of {readme.name} and {instructors.name}")


def main(argv: list[str] | None = None) -> int:
    if argv if argv is not None else sys.argv[1:]:
        print("Usage: python -m tools.readme   (rewrites the manifest's blocks of README.md and instructors.md)")
        return 2
    update_documents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
