"""What the lesson is: its episodes, its one split of the data, its goal and every model it records.

The one place these facts are written. The split's defaults, the checks' test days, notebook 10's
families and comparisons, the seed study's episodes and seeds, the runner's order, the website's pages,
the README's episode table and study commands, instructors.md's schedule, and the names, episodes and
tasks of every result file and study table all read them from here. A new episode or model starts with
its entry below and its notebook; what else it takes (its calibration over seeds, perhaps the backtest,
the committed outputs) is listed by ``python3 -m tools adding``. Standard library only: the tools read
it before anything is installed.

Example:
    >>> MODELS["simple_rnn"].episode
    '03'
    >>> SPLIT.test_days
    366
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from helpers.config import Config, current


class Episode(NamedTuple):
    """One notebook: its number, file, title, part of the workshop, teaching minutes and schedule texts.

    ``part`` is "before" (the set-up check), "core" (the workshop) or "optional". ``live`` names, in
    backticks, the code the room types (each a snippet of a cell tagged ``live``), ``show`` what the
    instructor shows without typing, and ``topic`` is the README's line for the episode. ``minutes`` is the
    teaching time, planned from its parts: a minute per line the room types, ``EXERCISE_MINUTES`` for each
    exercise done in the room (``in_room``, headings of the notebook) and ``explain`` minutes of explaining
    (tests/test_lesson_rules.py checks that they add up).
    """

    number: str
    file: str
    title: str
    part: str
    minutes: int
    topic: str
    live: str = "–"
    show: str = "–"
    explain: int = 0
    in_room: tuple[str, ...] = ()


EPISODES: tuple[Episode, ...] = (
    Episode("00", "00_setup_check.ipynb", "set-up check", "before", 0,
            "before the workshop: Python, package versions, the data and its checksum, one epoch of training, "
            "and what to do when a check fails"),
    Episode("01", "01_dense_baseline.ipynb", "dense baseline", "core", 50,
            "the task, the data, one split for all episodes, standardising with the training years only "
            "(leakage), the persistence and climatology baselines, the lesson's goal, a dense network on one day",
            "`build_dense`, `model.compile`, `model.fit` (early stopping that restores the best epoch)",
            "loading, the split table, standardising and leakage, persistence, climatology, the goal",
            explain=18, in_room=("Challenge 1", "Quiz")),
    Episode("02", "02_lagged_dense.ipynb", "lagged dense", "core", 15,
            "30 manual lags: 270 inputs, and why hand-made lags fall short; a debrief over the seed spread",
            "the call `build_dense(` with 270 inputs",
            "the function (episode 1's), compile and fit (episode 1's), the lag columns, the debrief, the four "
            "reasons after the discussion",
            explain=5, in_room=("Predict", "Discussion")),
    Episode("03", "03_simple_rnn.ipynb", "SimpleRNN", "core", 30,
            "sequences (samples, 30, 9), the recurrence `h_t = f(W x_t + U h_{t-1} + b)`, its weights, weight "
            "sharing, many-to-one, windows checked against the table; the SimpleRNN against both dense networks, "
            "and whether the lesson's recipe is fair to it",
            "`build_simple_rnn`, `compile_and_fit` (shown once, then used)",
            "the window diagram, the windowing check, the unrolled recurrence, the recurrence by hand, the debrief, "
            "the recipe check",
            explain=12, in_room=("Predict", "Quiz")),
    Episode("04", "04_stacked_rnn.ipynb", "stacked SimpleRNN", "core", 20,
            "`return_sequences` and the shapes between two recurrent layers; did stacking help?",
            "`build_stacked_rnn`, `compile_and_fit`",
            "the shape table and the shape cell, the debrief",
            explain=6, in_room=("Predict",)),
    Episode("05", "05_lstm.ipynb", "LSTM", "core", 40,
            "vanishing gradients, the cell state and its forget, input and output gates, the LSTM's weights; a "
            "recall task whose answer lies up to 40 steps back: where the SimpleRNN breaks, and the LSTM's gates "
            "seen from inside",
            "`build_stacked_lstm` (SimpleRNN swapped for LSTM), `compile_and_fit`",
            "the cell diagram and equations, the weight count, the debrief, the recall task (run it, discuss "
            "the plots), the gates from inside",
            explain=18, in_room=("Predict", "Predict", "Quiz")),
    Episode("06", "06_long_window.ipynb", "window lengths", "core", 25,
            "windows of 1, 7, 30 and 90 days: how far back the information goes, what a longer window costs, and "
            "a verdict that depends on the year",
            "the windows with `window=90`",
            "the model (episode 5's), the lost samples, the 90-day fit (the lesson's longest: run it, then talk "
            "through what 90 steps cost while it trains), the 1- and 7-day fits, the window-length plot, the "
            "debriefs",
            explain=10, in_room=("Predict", "Challenge 1")),
    Episode("07", "07_better_training.ipynb", "better training", "optional", 20,
            "what standardising bought (the stacked LSTM on raw inputs) and averaging three seeds, both on 7-day "
            "windows",
            "`build_unscaled_lstm`, `compile_and_fit`",
            "the scale table, the debrief, the average of three seeds"),
    Episode("08", "08_alternatives.ipynb", "alternatives", "optional", 30,
            "beyond recurrence: a GRU, a causal dilated Conv1D network and a small self-attention model, in "
            "weights, time per epoch and error",
            "`train_and_score`, `build_causal_cnn` (short); let the others run",
            "the diagrams, the GRU and attention code, the side-by-side table, the debriefs"),
    Episode("09", "09_more_context.ipynb", "yardsticks, more context", "optional", 25,
            "ridge regression and gradient boosting with their settings chosen on the validation year, and all "
            "11 stations instead of Basel alone: which methods do they help?",
            "`all_columns` (widening to all stations), `build_stacked_lstm`, `compile_and_fit`",
            "the station map, the ridge and boosting code (settings chosen on validation), the verdicts"),
    Episode("10", "10_comparison.ipynb", "comparison", "core", 15,
            "every result ranked by validation RMSE, with block-bootstrap intervals over the test days and the "
            "range over seeds; the goal; every core verdict held against the test year; what recurrence bought, "
            "like with like, in sentences computed from "
            "the numbers; works after a core-only day too",
            "–",
            "the chart, the intervals, the verdicts against the test year, the tables and the day-by-day plots; "
            "discuss",
            explain=11, in_room=("Challenge 1",)),
)

EXERCISE_MINUTES = 4  # an exercise done in the room: reading it, working on it, hearing answers (3-5 minutes)
BREAKS_MINUTES = 2 * 15  # the core's breaks

SETUP_CHECK = "00"  # runs first and fails fast, with advice, on a broken installation
COMPARISON = "10"  # reads the results of all the others, so it runs last
PART_LINES = {  # what each notebook says under its title
    "core": "*Core episode: part of the half-day workshop.*",
    "optional": "*Optional episode: for a second session or self-study.*",
}


def episode(number: str) -> Episode:
    """The episode with this two-digit number.

    Example: ``episode("03").file  # '03_simple_rnn.ipynb'``
    """
    for entry in EPISODES:
        if entry.number == number:
            return entry
    raise ValueError(f"No episode {number!r}; the lesson's are {', '.join(e.number for e in EPISODES)}.")


def episodes_of(part: str) -> list[str]:
    """The numbers of the episodes of one part ("before", "core" or "optional"), in order.

    Example: ``episodes_of("optional")  # ['07', '08', '09']``
    """
    if part not in {entry.part for entry in EPISODES}:
        raise ValueError(f"part must be 'before', 'core' or 'optional', got {part!r}.")
    return [entry.number for entry in EPISODES if entry.part == part]


def trained_episodes() -> list[str]:
    """The episodes that train and record models: all but the set-up check and the comparison.

    Example: ``trained_episodes()[0]  # '01'``
    """
    return [entry.number for entry in EPISODES if entry.number not in (SETUP_CHECK, COMPARISON)]


class Split(NamedTuple):
    """The lesson's one split by target date: each bound is the first day of the next part."""

    val_start: str
    test_start: str
    test_stop: str  # the first day after the test part

    @property
    def test_days(self) -> int:
        """How many days the test part holds."""
        start, stop = (datetime.date.fromisoformat(day) for day in (self.test_start, self.test_stop))
        return (stop - start).days

    @property
    def test_last(self) -> str:
        """The last test day, for messages and titles."""
        return str(datetime.date.fromisoformat(self.test_stop) - datetime.timedelta(days=1))


# Train on 2000-2007, choose on 2008, test once on 2009 (and the file's last day, 2010-01-01: 366 days).
SPLIT = Split(val_start="2008-01-01", test_start="2009-01-01", test_stop="2010-01-02")

# Six weeks that plots zoom into (month-day, in the year of the days shown): over a whole year the lines
# blur into each other.
SHOWN_WEEKS = ("03-01", "04-15")  # start, and the first day after

# The backtest (benchmarks/seed_spread.py --year): the lesson's choices rest on one validation year, so the
# study repeats them on earlier years. Fold Y trains on the years before Y, stops early on Y and is scored on
# Y, exactly as the lesson does with 2008; the lesson's own split is fold 2008. Its seeds: BACKTEST_SEEDS.
BACKTEST_YEARS = (2005, 2006, 2007, 2008)
# The study's seeds (benchmarks/seed_spread.py reads its defaults here): the lesson's split is calibrated on
# CALIBRATION_SEEDS and checked on HELD_OUT_SEEDS, which calibration never saw; each backtest fold trains
# BACKTEST_SEEDS.
CALIBRATION_SEEDS, HELD_OUT_SEEDS, BACKTEST_SEEDS = "1-13", "14-16", "1-5"
FIRST_VALIDATION_YEAR, LAST_VALIDATION_YEAR = 2002, 2008  # at least two training years; the test year after


def split_for(validation_year: int) -> Split:
    """The split of one backtest fold: train before ``validation_year``, validate on it, test on the next year.

    Fold 2008 is the lesson's own split (``SPLIT``, whose test part runs to the file's last day).

    Example: ``split_for(2006).val_start  # '2006-01-01'``
    """
    if isinstance(validation_year, bool) or not isinstance(validation_year, int) or not (
            FIRST_VALIDATION_YEAR <= validation_year <= LAST_VALIDATION_YEAR):
        raise ValueError(f"validation_year must be a year from {FIRST_VALIDATION_YEAR} to {LAST_VALIDATION_YEAR} "
                         f"(the lesson's is {SPLIT.val_start[:4]}), got {validation_year!r}.")
    if validation_year == int(SPLIT.val_start[:4]):
        return SPLIT
    year = validation_year
    return Split(val_start=f"{year}-01-01", test_start=f"{year + 1}-01-01", test_stop=f"{year + 2}-01-01")


def current_split(config: Config | None = None) -> Split:
    """The split every episode uses: the lesson's, or a backtest fold's when the configuration names a year.

    Only the backtest sets a validation year (``$LESSON_VALIDATION_YEAR``, one kernel per fold).

    Example: ``current_split(current().but(validation_year=2006)).test_start  # '2007-01-01'``
    """
    year = (current() if config is None else config).validation_year
    return SPLIT if year is None else split_for(year)


class Goal(NamedTuple):
    """The lesson's goal, set in 01 and judged in 10: beat ``yardstick`` with a paired interval below zero."""

    yardstick: str
    level: float


GOAL = Goal(yardstick="climatology", level=0.95)


class Model(NamedTuple):
    """One recorded model: display name, episode, family, inputs, and the task it solves."""

    name: str
    episode: str
    family: str
    inputs: str
    task: str = "sunshine"


MODELS: dict[str, Model] = {
    "persistence": Model("Persistence", "01", "baseline", "Basel, 1 day"),
    "climatology": Model("Climatology", "01", "baseline", "calendar day"),
    "dense_one_day": Model("Dense, one day", "01", "dense", "Basel, 1 day, standardised"),
    "dense_30_lags": Model("Dense, 30 lags", "02", "dense", "Basel, 30 days, standardised"),
    "simple_rnn": Model("SimpleRNN", "03", "recurrent", "Basel, 30 days, standardised"),
    "stacked_simple_rnn": Model("Stacked SimpleRNN", "04", "recurrent", "Basel, 30 days, standardised"),
    "stacked_lstm": Model("Stacked LSTM", "05", "recurrent", "Basel, 30 days, standardised"),
    "recall_simple_rnn": Model("SimpleRNN, recall task", "05", "recurrent", "synthetic, 40 steps", "recall"),
    "recall_lstm": Model("LSTM, recall task", "05", "recurrent", "synthetic, 40 steps", "recall"),
    "stacked_lstm_1_day": Model("Stacked LSTM, 1 day", "06", "recurrent", "Basel, 1 day, standardised"),
    "stacked_lstm_7_days": Model("Stacked LSTM, 7 days", "06", "recurrent", "Basel, 7 days, standardised"),
    "stacked_lstm_90_days": Model("Stacked LSTM, 90 days", "06", "recurrent", "Basel, 90 days, standardised"),
    "stacked_lstm_unscaled": Model("Stacked LSTM, 7 days, raw inputs", "07", "recurrent", "Basel, 7 days, raw"),
    "stacked_lstm_seed_average": Model("Stacked LSTM, 7 days, average of 3 seeds", "07", "recurrent",
                                       "Basel, 7 days, standardised"),
    "stacked_gru": Model("GRU", "08", "recurrent", "Basel, 30 days, standardised"),
    "causal_cnn": Model("Causal CNN", "08", "convolution or attention", "Basel, 30 days, standardised"),
    "self_attention": Model("Self-attention", "08", "convolution or attention", "Basel, 30 days, standardised"),
    "ridge_basel": Model("Ridge, Basel 7 days", "09", "classical", "Basel, 7 days, standardised"),
    "boosting_basel": Model("Gradient boosting, Basel 7 days", "09", "classical", "Basel, 7 days"),
    "ridge_all_stations": Model("Ridge, all stations 7 days", "09", "classical",
                                "all stations, 7 days, standardised"),
    "boosting_all_stations": Model("Gradient boosting, all stations 7 days", "09", "classical",
                                   "all stations, 7 days"),
    "stacked_lstm_all_stations": Model("Stacked LSTM, all stations 7 days", "09", "recurrent",
                                       "all stations, 7 days, standardised"),
    "lstm_boosting_average": Model("LSTM + boosting average, all stations", "09", "average of two",
                                   "all stations, 7 days"),
}

# Notebook 10's like-with-like comparisons: (question, model, reference); each pair changes one thing.
COMPARISONS: tuple[tuple[str, str, str], ...] = (
    ("Order and shared weights instead of lag columns, the same 30 days", "simple_rnn", "dense_30_lags"),
    ("Gated cells instead of plain ones", "stacked_lstm", "stacked_simple_rnn"),
    ("A longer memory (90 days instead of 30)", "stacked_lstm_90_days", "stacked_lstm"),
    ("A week against one day", "stacked_lstm_7_days", "stacked_lstm_1_day"),
    ("Standardised inputs against raw ones, 7 days", "stacked_lstm_7_days", "stacked_lstm_unscaled"),
    ("All 11 stations against Basel alone, 7 days", "stacked_lstm_all_stations", "stacked_lstm_7_days"),
)

# The verdicts of the core episodes' debriefs, (model, the model it is held against): made on the validation
# years of the backtest, and held against the test year once, in notebook 10 (tests/test_lesson_rules.py checks
# that the debriefs and this list agree).
CORE_VERDICTS: tuple[tuple[str, str], ...] = (
    ("dense_30_lags", "dense_one_day"),
    ("simple_rnn", "dense_30_lags"),
    ("simple_rnn", "dense_one_day"),
    ("stacked_simple_rnn", "simple_rnn"),
    ("stacked_simple_rnn", "dense_one_day"),
    ("stacked_lstm", "stacked_simple_rnn"),
    ("stacked_lstm", "simple_rnn"),
    ("stacked_lstm", "dense_30_lags"),
    ("stacked_lstm", "dense_one_day"),
    ("stacked_lstm_90_days", "stacked_lstm"),
    ("stacked_lstm", "stacked_lstm_7_days"),
    ("stacked_lstm_7_days", "stacked_lstm_1_day"),
)

NETWORK_FAMILIES = ("dense", "recurrent", "convolution or attention")  # trained end to end by Keras


def family(key: str) -> str:
    """The family a result key belongs to; "your own" for a model the lesson does not list.

    Example: ``family("causal_cnn")  # 'convolution or attention'``
    """
    model = MODELS.get(key)
    return model.family if model else "your own"


def describe(key: str, name: str | None = None, episode: str = "", task: str | None = None) -> Model:
    """The manifest's entry for ``key``; for a model the lesson does not list, one made of what its result
    file gives (``name``, default the key; the ``episode`` of its file name; ``task``, default sunshine).

    Result files and the seed study's tables keep keys and numbers only: readers join names, episodes, tasks
    and families from here, so renaming a model is an edit of its entry, not a rerun.

    Example: ``describe("simple_rnn").name, describe("my_gru").name  # ('SimpleRNN', 'my_gru')``
    """
    listed = MODELS.get(key)
    if listed is not None:
        return listed
    return Model(name or key, episode, "your own", "your own", task or "sunshine")


def models_of(task: str = "sunshine") -> list[str]:
    """The keys of every model of ``task``, in lesson order.

    Example: ``models_of("recall")  # ['recall_simple_rnn', 'recall_lstm']``
    """
    if task not in {model.task for model in MODELS.values()}:
        raise ValueError(f"task must be 'sunshine' or 'recall', got {task!r}.")
    return [key for key, model in MODELS.items() if model.task == task]
