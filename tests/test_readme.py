"""tools/readme.py: the generated blocks of README.md and instructors.md, and that the committed ones are current."""

from __future__ import annotations

import re
import shutil

import helpers.results
from helpers.config import current, project_root, using
from helpers.data import FILENAME
from helpers.lesson import EPISODES, SPLIT, episode, episodes_of
from helpers.results import comparison_table, record_result, results_markdown, rmse
from tools import readme
from tools.readme import block, episodes_table, markers, replace_block, schedule_table, timings_text

import numpy as np
import pandas as pd
import pytest

PROJECT_ROOT = project_root()

START, END = markers("results")
TEXT = f"# Title\n\nBefore.\n{START}\nold table\n{END}\n\n## After\n"


# --- markers and blocks -----------------------------------------------------------------------------------


def test_the_markers_name_the_block_and_the_command_that_writes_it():
    start, end = markers("results")
    assert "results: start" in start and "python -m tools lesson" in start and "results: end" in end


def test_replace_block_replaces_only_what_lies_between_the_markers():
    replaced = replace_block(TEXT, "results", "\n| a | b |\n|---|---|\n")
    assert replaced == f"# Title\n\nBefore.\n{START}\n| a | b |\n|---|---|\n{END}\n\n## After\n"
    assert replace_block(replaced, "results", "| a | b |\n|---|---|") == replaced  # the same body: the same text
    assert block(replaced, "results") == "| a | b |\n|---|---|"


@pytest.mark.parametrize(
    "text",
    [
        "# Title\n\nno markers at all\n",
        f"# Title\n{START}\nonly the start\n",
        f"# Title\nonly the end\n{END}\n",
        f"{START}\none\n{END}\n{START}\ntwo\n{END}\n",
        f"{END}\nreversed\n{START}\n",
    ],
    ids=["none", "no end", "no start", "twice", "reversed"],
)

def test_replace_block_and_block_refuse_missing_duplicated_or_reversed_markers(text):
    message = rf"^The text needs one pair of markers {re.escape(START)} \.\.\. {re.escape(END)}, in that order"
    with pytest.raises(ValueError, match=message):
        replace_block(text, "results", "new")
    with pytest.raises(ValueError, match=message):
        block(text, "results")


def test_a_block_of_another_name_is_not_touched():
    with pytest.raises(ValueError, match="timings: start"):
        replace_block(TEXT, "timings", "new")


def test_an_empty_body_leaves_the_markers_on_consecutive_lines():
    assert replace_block(TEXT, "results", "  \n") == f"# Title\n\nBefore.\n{START}\n{END}\n\n## After\n"


def test_the_colab_badges_are_written_by_the_same_block_writer_and_name_their_command():
    from tools import colab

    start, end = markers("colab-badges")
    assert "`python -m tools colab`" in start
    text = f"# Run in Colab\n{start}\n- old badge\n{end}\nAfter.\n"
    assert colab.with_badges(text, "- a badge") == replace_block(text, "colab-badges", "- a badge")
    assert colab.with_badges(text, "") == f"# Run in Colab\n{start}\n{end}\nAfter.\n"


# --- what the manifest writes --------------------------------------------------------------------------------


def test_the_episodes_table_has_one_row_per_episode_linking_its_notebook():
    lines = episodes_table().splitlines()
    assert lines[:2] == ["| notebook | part | topic |", "|---|---|---|"]
    rows = lines[2:]
    assert len(rows) == len(EPISODES)
    for entry, row in zip(EPISODES, rows, strict=True):
        link = re.match(r"^\| \[`([^`]+)`\]\(([^)]+)\) \| (\w+) \| (.+) \|$", row)
        assert link, row
        assert link.group(1) == entry.file.removesuffix(".ipynb") and link.group(3) == entry.part
        assert (PROJECT_ROOT / link.group(2)).is_file(), link.group(2)  # the link works from the README's folder
        assert link.group(4) == entry.topic


def test_the_schedule_has_a_row_per_episode_and_sums_the_core_minutes():
    lines = schedule_table().splitlines()
    rows = [line for line in lines[2:] if line.startswith("| ")]
    assert len(rows) == len(EPISODES)
    assert rows[1].startswith(f"| 01 {episode('01').title} | core | {episode('01').minutes} min | ")
    assert rows[0].startswith("| 00 set-up check | before | before | ")  # before the workshop: no minutes
    core = episodes_of("core")
    minutes = sum(episode(number).minutes for number in core)
    assert lines[-1].startswith(f"The core ({', '.join(core)}) takes {minutes} minutes of teaching; with two "
                                f"15-minute breaks, {(minutes + 30) // 60} h {(minutes + 30) % 60:02d} min.")


def test_timings_text_gives_the_whole_run_and_each_notebook_in_order(monkeypatch):
    monkeypatch.setattr(readme.os, "cpu_count", lambda: 2)
    text = timings_text({"02": 8.4, "01": 9.5, "10": 3.0}, 12.2)
    assert text.startswith("The committed run took 12 s in all on this project's machine (")
    assert ", 2 cores); " in text  # how many ran at a time is said only when known
    assert text.endswith("each notebook, kernel start included: 01 10 s, 02 8 s, 10 3 s.")
    assert ", 2 cores, 2 notebooks at a time); " in timings_text({"01": 9.5}, 9.5, jobs=2)
    assert ", 2 cores, one notebook at a time); " in timings_text({"01": 9.5}, 9.5, jobs=1)


# --- update_documents, on copies of the README and instructors.md ---------------------------------------------

TEST_DAYS = pd.date_range(SPLIT.test_start, SPLIT.test_last, freq="D", name="DATE")
OBSERVED = pd.Series(np.random.default_rng(0).uniform(0, 12, len(TEST_DAYS)), index=TEST_DAYS)


@pytest.fixture
def documents(tmp_path, monkeypatch):
    """Copies of README.md and instructors.md, which the module's defaults point at; the real ones stay as they are."""
    copies = tmp_path / "docs"
    copies.mkdir()
    for name in ("README.md", "instructors.md"):
        shutil.copy2(PROJECT_ROOT / name, copies / name)
    monkeypatch.setattr(readme, "README", copies / "README.md")
    monkeypatch.setattr(readme, "INSTRUCTORS", copies / "instructors.md")
    monkeypatch.setattr(helpers.results, "observed_sunshine", lambda days: OBSERVED.loc[days])
    before = {name: (PROJECT_ROOT / name).read_bytes() for name in ("README.md", "instructors.md")}
    yield copies / "README.md", copies / "instructors.md"
    assert {name: (PROJECT_ROOT / name).read_bytes() for name in before} == before


def results_folder(folder):
    rng = np.random.default_rng(1)
    for key, noise in [("persistence", 4.0), ("simple_rnn", 2.0), ("stacked_lstm", 2.5)]:
        values = OBSERVED.to_numpy() + rng.normal(0, noise, len(OBSERVED))
        record_result(key, val_rmse=noise, test_rmse=rmse(OBSERVED, values), predictions=values, dates=TEST_DAYS,
                      folder=folder)
    return folder


def outside_the_blocks(text):
    return re.sub(r"(<!-- ([\w-]+): start [^>]*-->).*?(<!-- \2: end -->)", r"\1\3", text, flags=re.DOTALL)


def test_update_documents_writes_every_block_and_nothing_else(documents, tmp_path, capsys):
    readme_copy, instructors_copy = documents
    before = {path: path.read_text(encoding="utf-8") for path in documents}
    results = results_folder(tmp_path / "results")
    readme.update_documents(results, {"01": 9.5, "02": 8.1}, 20.0, jobs=2)
    text, schedule = (path.read_text(encoding="utf-8") for path in documents)
    assert block(text, "results") == results_markdown(comparison_table(results, observed=OBSERVED))
    assert block(text, "results").splitlines()[2].startswith("| **SimpleRNN** (chosen) | 2.00 |")
    assert block(text, "timings") == timings_text({"01": 9.5, "02": 8.1}, 20.0, jobs=2)
    assert block(text, "episodes") == episodes_table() and block(schedule, "schedule") == schedule_table()
    assert block(schedule, "fit-times") == readme.fit_times_text(results)
    assert block(text, "study") == readme.study_text()
    for path, new in ((readme_copy, text), (instructors_copy, schedule)):
        assert outside_the_blocks(new) == outside_the_blocks(before[path]), path.name
    assert "Written: the generated blocks of README.md and instructors.md" in capsys.readouterr().out


def test_a_result_of_ones_own_in_the_results_folder_stays_out_of_the_documents(documents, tmp_path):
    results = results_folder(tmp_path / "results")
    values = OBSERVED.to_numpy() + 0.5
    record_result("my_gru", "05", name="My own GRU", val_rmse=0.5, test_rmse=rmse(OBSERVED, values),
                  predictions=values, dates=TEST_DAYS, folder=results)
    readme.update_documents(results, {"01": 9.5}, 9.5)
    text, schedule = (path.read_text(encoding="utf-8") for path in documents)
    assert "My own GRU" not in block(text, "results") and "My own GRU" not in block(schedule, "fit-times")
    assert "SimpleRNN" in block(text, "results")  # the lesson's models are there


def test_the_table_is_computed_once_and_handed_to_the_summary_and_the_documents(documents, tmp_path, monkeypatch,
                                                                                 capsys):
    from helpers.results import run_results
    from tools.summary import summarise

    folder = results_folder(tmp_path / "results")
    readme.update_documents(folder, {"01": 9.5}, 9.5)
    from_folder = [path.read_text(encoding="utf-8") for path in documents]
    calls = []
    computed = helpers.results.comparison_table
    monkeypatch.setattr(helpers.results, "comparison_table", lambda *args, **kwargs: calls.append(args) or
                        computed(*args, **kwargs))
    results = run_results(folder)
    summarise(results)
    readme.update_documents(results, {"01": 9.5}, 9.5)
    assert len(calls) == 1  # once for the run, not once per reader
    assert [path.read_text(encoding="utf-8") for path in documents] == from_folder
    readme.update_documents(results.comparison, {"01": 9.5}, 9.5)  # the comparison table alone serves too
    assert block(documents[0].read_text(encoding="utf-8"), "results") == block(from_folder[0], "results")
    assert "SimpleRNN" in capsys.readouterr().out


def test_update_documents_without_results_keeps_the_results_and_timings(documents, tmp_path):
    readme_copy, _ = documents
    before = readme_copy.read_text(encoding="utf-8")
    readme.update_documents()  # what `python -m tools.readme` does
    readme.update_documents(tmp_path / "no results yet")  # an empty folder: the table stays
    after = readme_copy.read_text(encoding="utf-8")
    for name in ("results", "timings"):
        assert block(after, name) == block(before, name)


def test_update_documents_writes_neither_file_when_one_lacks_its_markers(documents, tmp_path):
    readme_copy, instructors_copy = documents
    instructors_copy.write_text("# Instructors\n\nno schedule markers\n", encoding="utf-8")
    before = readme_copy.read_bytes()
    with pytest.raises(ValueError, match="schedule: start"):
        readme.update_documents(results_folder(tmp_path / "results"), {"01": 9.5})
    assert readme_copy.read_bytes() == before


def test_main_rewrites_the_manifests_blocks_and_takes_no_arguments(documents, capsys):
    readme_copy, _ = documents
    readme_copy.write_text(replace_block(readme_copy.read_text(encoding="utf-8"), "episodes", "stale"),
                           encoding="utf-8")
    assert readme.main([]) == 0
    assert block(readme_copy.read_text(encoding="utf-8"), "episodes") == episodes_table()
    assert readme.main(["--results"]) == 2 and "Usage: python -m tools.readme" in capsys.readouterr().out


# --- the committed documents ------------------------------------------------------------------------------


def test_the_committed_episodes_and_schedule_are_the_manifests():
    hint = "out of date with helpers/lesson.py: run `python -m tools.readme`"
    assert block((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"), "episodes") == episodes_table(), (
        f"README.md's episodes table is {hint}")
    assert block((PROJECT_ROOT / "instructors.md").read_text(encoding="utf-8"), "schedule") == schedule_table(), (
        f"instructors.md's schedule is {hint}")


def test_the_committed_study_commands_are_the_manifests():
    assert block((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"), "study-commands") == \
        readme.study_commands(), "README.md's study commands are out of date: run `python -m tools.readme`"


def test_the_study_commands_name_the_manifests_seeds_and_years(monkeypatch):
    import helpers.lesson

    monkeypatch.setattr(helpers.lesson, "HELD_OUT_SEEDS", "20-22")
    monkeypatch.setattr(helpers.lesson, "CALIBRATION_SEEDS", "1-19")
    monkeypatch.setattr(helpers.lesson, "BACKTEST_YEARS", (2004, 2005, 2008))
    commands = readme.study_commands()
    assert "--seeds 20-22 --held-out" in commands and "--seeds 1-19 " in commands and "--year 2005" in commands


def test_the_readme_shows_the_committed_results():
    data = PROJECT_ROOT / "data" / FILENAME
    if not data.is_file():
        pytest.skip(f"needs the data file in {data.parent} (`python3 -m tools setup` downloads it)")
    with using(current().but(data_dir=data.parent)):  # conftest points it elsewhere
        table = results_markdown(comparison_table(PROJECT_ROOT / "results"))
    shown = block((PROJECT_ROOT / "README.md").read_text(encoding="utf-8"), "results")
    assert shown == table, "rerun `python -m tools lesson` to refresh the README's results table"
    assert "(chosen)" in shown
