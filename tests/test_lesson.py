"""helpers/lesson.py: the lesson's manifest (episodes, split, goal, models) and what it answers."""

from __future__ import annotations

import datetime
import re

from helpers import PROJECT_ROOT
from helpers.lesson import (
    COMPARISON,
    COMPARISONS,
    EPISODES,
    GOAL,
    MODELS,
    NETWORK_FAMILIES,
    PART_LINES,
    SETUP_CHECK,
    SHOWN_WEEKS,
    SPLIT,
    Split,
    episode,
    episodes_of,
    family,
    models_of,
    trained_episodes,
)
from helpers.results import KEY_PATTERN, TASKS

import pytest


def test_every_key_is_a_result_key_and_every_entry_is_complete():
    for key, model in MODELS.items():
        assert KEY_PATTERN.fullmatch(key), key
        assert model.name.strip() and len(model.episode) == 2 and model.task in TASKS, key
    assert len({model.name for model in MODELS.values()}) == len(MODELS)


def test_families_and_tasks():
    assert family("causal_cnn") == "convolution or attention"
    assert family("my_model") == "your own"
    assert models_of("recall") == ["recall_simple_rnn", "recall_lstm"]
    assert "recall_lstm" not in models_of()


def test_an_unknown_task_is_refused():
    with pytest.raises(ValueError, match="task must be"):
        models_of("rain")


# --- the episodes -------------------------------------------------------------------------------------


def test_episode_numbers_are_two_digit_unique_and_in_file_order():
    numbers = [entry.number for entry in EPISODES]
    assert all(re.fullmatch(r"[0-9]{2}", number) for number in numbers), numbers
    assert len(set(numbers)) == len(numbers)
    assert numbers == sorted(numbers)
    assert [entry.file for entry in EPISODES] == sorted(entry.file for entry in EPISODES)


def test_every_episode_file_starts_with_its_number_and_is_a_notebook_of_the_lesson():
    for entry in EPISODES:
        assert entry.file.startswith(f"{entry.number}_") and entry.file.endswith(".ipynb"), entry
        assert (PROJECT_ROOT / "notebooks" / entry.file).is_file(), entry.file
    on_disk = sorted(path.name for path in (PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [entry.file for entry in EPISODES] == on_disk


def test_every_episode_has_a_known_part_a_title_and_a_topic():
    assert {entry.part for entry in EPISODES} == {"before", "core", "optional"}
    for entry in EPISODES:
        assert entry.title.strip() and entry.topic.strip(), entry.number
        assert entry.minutes >= 0 and (entry.minutes > 0) == (entry.part != "before"), entry.number
    assert set(PART_LINES) == {"core", "optional"}


def test_episode_finds_by_number_and_refuses_an_unknown_one_listing_the_lesson():
    assert episode("03").file == "03_simple_rnn.ipynb"
    assert episode(SETUP_CHECK).part == "before" and episode(COMPARISON).file.startswith(f"{COMPARISON}_")
    listed = ", ".join(entry.number for entry in EPISODES)
    with pytest.raises(ValueError, match=rf"^No episode '99'; the lesson's are {listed}\.$"):
        episode("99")
    with pytest.raises(ValueError, match="No episode 3"):  # a number, not its two-digit text
        episode(3)


def test_episodes_of_each_part_in_order():
    numbers = [entry.number for entry in EPISODES]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    parts = {part: episodes_of(part) for part in ("before", "core", "optional")}
    assert parts["before"] == [SETUP_CHECK] and COMPARISON in parts["core"]
    assert {"01", "02", "03", "04", "05", "06"} <= set(parts["core"])  # the half-day's models
    assert sorted(sum(parts.values(), [])) == numbers  # every episode in exactly one part
    assert all(part == sorted(part) for part in parts.values())
    with pytest.raises(ValueError, match="part must be 'before', 'core' or 'optional', got 'extra'"):
        episodes_of("extra")


def test_trained_episodes_are_those_that_record_models_without_the_setup_check_and_the_comparison():
    trained = trained_episodes()
    assert SETUP_CHECK not in trained and COMPARISON not in trained
    assert trained == [entry.number for entry in EPISODES if entry.number in set(trained)]  # in order
    assert set(trained) == {model.episode for model in MODELS.values()}  # each records a model


# --- the split and the goal ---------------------------------------------------------------------------


def test_the_split_holds_the_366_test_days_of_2009_and_the_first_of_2010():
    assert SPLIT.test_days == 366
    assert SPLIT.test_last == "2010-01-01"
    bounds = [datetime.date.fromisoformat(day) for day in SPLIT]
    assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds)


def test_the_split_counts_days_from_its_own_bounds():
    short = Split(val_start="2000-01-01", test_start="2000-02-28", test_stop="2000-03-01")
    assert (short.test_days, short.test_last) == (2, "2000-02-29")  # a leap day counts


def test_the_shown_weeks_are_six_weeks_of_one_year():
    start, stop = (datetime.date.fromisoformat(f"2009-{day}") for day in SHOWN_WEEKS)
    assert (stop - start).days == 45


@pytest.mark.parametrize("year", [2005, 2006, 2007, 2008])
def test_a_backtest_fold_trains_before_its_year_and_tests_on_the_next(year, _isolated):
    from helpers.config import Config, using
    from helpers.lesson import current_split, split_for

    fold = split_for(year)
    assert fold.val_start == f"{year}-01-01" and fold.test_start == f"{year + 1}-01-01"
    configured = Config.from_environ({"LESSON_VALIDATION_YEAR": str(year)})
    assert current_split(configured) == fold
    assert current_split(_isolated) == SPLIT  # no year: the lesson's split
    with using(configured):
        assert current_split() == fold


@pytest.mark.parametrize("year", [2001, 2009, True, "2006"])
def test_a_year_outside_the_folds_is_refused_with_the_years_there_are(year):
    from helpers.lesson import split_for

    with pytest.raises(ValueError, match=r"validation_year must be a year from 2002 to 2008"):
        split_for(year)


def test_the_goals_yardstick_is_a_sunshine_model_of_the_lesson():
    assert GOAL.yardstick in MODELS and MODELS[GOAL.yardstick].task == "sunshine"
    assert 0 < GOAL.level < 1


# --- the models and their comparisons -------------------------------------------------------------------


def test_every_model_belongs_to_an_episode_that_trains_and_names_its_inputs():
    numbers = {entry.number for entry in EPISODES}
    for key, model in MODELS.items():
        assert model.episode in numbers and model.episode in trained_episodes(), key
        assert model.inputs.strip(), key


def test_every_comparison_pairs_two_listed_models_of_one_task():
    assert COMPARISONS
    for question, key, reference in COMPARISONS:
        assert question.strip() and key != reference, question
        assert key in MODELS and reference in MODELS, question
        assert MODELS[key].task == MODELS[reference].task, question


def test_the_network_families_are_families_of_listed_models():
    assert set(NETWORK_FAMILIES) <= {model.family for model in MODELS.values()}
