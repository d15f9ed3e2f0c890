"""benchmarks/seed_spread.py: seeds, running notebooks per seed, the spread table, the figure, held-out checks."""

from __future__ import annotations

import importlib
import os

from helpers.checks import check_interval

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook


@pytest.fixture(scope="module")
def seed_spread():
    return importlib.import_module("benchmarks.seed_spread")


def runs_table(rows):
    """(key, model, episode, seed, val, test) rows as the tool's per-seed table."""
    return pd.DataFrame(
        [{"key": k, "model": m, "episode": e, "task": "sunshine", "seed": s, "val_rmse": v, "test_rmse": t,
          "n_weights": 100, "epochs": 10, "backend": "tensorflow", "cpu": "test"}
         for k, m, e, s, v, t in rows],
        columns=RUN_COLUMNS,
    )


RUN_COLUMNS = ["key", "model", "episode", "task", "seed", "val_rmse", "test_rmse", "n_weights", "epochs", "backend",
               "cpu"]


def test_the_run_columns_start_with_the_key(seed_spread):
    assert seed_spread.RUN_COLUMNS == RUN_COLUMNS


@pytest.mark.parametrize(
    "text, seeds",
    [("1-10", list(range(1, 11))), ("3", [3]), ("1,4,7", [1, 4, 7]), ("11-13, 42", [11, 12, 13, 42])],
)
def test_parse_seeds(seed_spread, text, seeds):
    assert seed_spread.parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a-b", "3-1", "1,1", "-1", "4294967296", "1-2-3"])
def test_parse_seeds_rejects_nonsense(seed_spread, text):
    with pytest.raises(ValueError, match="Seeds must"):
        seed_spread.parse_seeds(text)


def test_summarise_gives_the_spread_per_model_in_lesson_order(seed_spread):
    runs = runs_table([
        ("simple_rnn", "SimpleRNN", "03", 1, 3.6, 3.5), ("simple_rnn", "SimpleRNN", "03", 2, 3.7, 3.4),
        ("simple_rnn", "SimpleRNN", "03", 3, 3.5, 3.6),
        ("dense_one_day", "Dense, one day", "01", 1, 3.5, 3.44), ("dense_one_day", "Dense, one day", "01", 2, 3.5, 3.44),
        ("dense_one_day", "Dense, one day", "01", 3, 3.5, 3.44),
    ])
    table = seed_spread.summarise(runs)
    assert list(table.columns[:3]) == ["key", "model", "episode"]
    assert list(table["key"]) == ["dense_one_day", "simple_rnn"]
    assert list(table["model"]) == ["Dense, one day", "SimpleRNN"]
    rnn = table.set_index("key").loc["simple_rnn"]
    assert (rnn.seeds, rnn.test_median, rnn.test_min, rnn.test_max) == (3, 3.5, 3.4, 3.6)
    assert rnn.test_sd == pytest.approx(0.1)
    assert rnn.val_median == pytest.approx(3.6)
    assert table.set_index("key").loc["dense_one_day", "test_sd"] == 0.0


def test_summarise_groups_by_key_and_keeps_the_latest_display_name(seed_spread):
    runs = runs_table([
        ("stacked_lstm", "Stacked LSTM", "05", 1, 3.4, 3.40), ("stacked_lstm", "Stacked LSTM", "05", 2, 3.4, 3.50),
        ("stacked_lstm", "LSTM, two layers", "05", 3, 3.4, 3.60),  # renamed: still the same model
        ("lstm_other", "Stacked LSTM", "06", 1, 3.4, 3.30),  # the old display name on another key: another model
    ])
    table = seed_spread.summarise(runs).set_index("key")
    assert sorted(table.index) == ["lstm_other", "stacked_lstm"]
    assert table.loc["stacked_lstm", "model"] == "LSTM, two layers"
    assert (table.loc["stacked_lstm", "seeds"], table.loc["stacked_lstm", "test_median"]) == (3, 3.5)
    assert (table.loc["lstm_other", "model"], table.loc["lstm_other", "seeds"]) == ("Stacked LSTM", 1)


def test_summarise_gives_a_table_the_checks_can_read(seed_spread, tmp_path):
    from helpers.checks import expected_rmse

    runs = runs_table([("gru", "GRU", "08", 1, 3.20, 3.3), ("gru", "GRU", "08", 2, 3.30, 3.3)])
    path = tmp_path / "seed_spread.csv"
    path.write_text(seed_spread.summarise(runs).to_csv(index=False), encoding="utf-8")
    expected = expected_rmse("gru", path)
    assert (expected.key, expected.model, expected.seeds, expected.median) == ("gru", "GRU", 2, 3.25)


def test_summarise_of_one_seed_has_no_spread_rather_than_nan(seed_spread):
    table = seed_spread.summarise(runs_table([("gru", "GRU", "08", 5, 3.3, 3.2)]))
    assert table.loc[0, "test_sd"] == 0.0 and table.loc[0, "val_sd"] == 0.0


def test_compare_marks_results_outside_the_checks_interval(seed_spread):
    spread = seed_spread.summarise(runs_table([("gru", "GRU", "08", 1, 3.20, 3.3), ("gru", "GRU", "08", 2, 3.30, 3.3)]))
    low, high = check_interval(3.20, 3.30, spread.loc[0, "val_sd"])
    held_out = runs_table([("gru", "GRU", "08", 11, 3.25, 3.3), ("gru", "GRU, renamed", "08", 12, high + 0.01, 3.3),
                           ("not_measured", "GRU", "08", 11, 9.9, 3.3)])  # measured display name, unmeasured key
    table = seed_spread.compare(held_out, spread)
    assert list(table.columns) == ["key", "model", "seed", "val_rmse", "low", "high", "inside"]
    assert list(table["key"]) == ["gru", "gru"]  # matched by key, whatever the display name
    assert list(table["inside"]) == [True, False]
    assert table["low"].tolist() == [low, low]


def test_draw_writes_a_png(seed_spread, tmp_path, close_figures):
    runs = runs_table([("gru", "GRU", "08", 1, 3.3, 3.2), ("gru", "GRU", "08", 2, 3.3, 3.3),
                       ("causal_cnn", "CNN", "08", 1, 3.3, 3.4)])
    path = tmp_path / "spread.png"
    seed_spread.draw(runs, seed_spread.summarise(runs), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["spread.png"]


@pytest.mark.slow  # starts a kernel
def test_run_seed_runs_notebooks_with_the_seed_and_leaves_the_environment_alone(seed_spread, tmp_path, monkeypatch):
    monkeypatch.setenv("LESSON_SEED", "99")
    monkeypatch.delenv("LESSON_STRICT_CHECKS", raising=False)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    notebook = new_notebook(cells=[new_code_cell(
        "import os\n"
        "from helpers.results import record_result\n"
        "assert os.environ['LESSON_STRICT_CHECKS'] == '0'\n"
        "seed = int(os.environ['LESSON_SEED'])\n"
        "record_result('toy', '01', name='Toy', val_rmse=seed / 10, test_rmse=seed / 100)\n"
    )])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "01_toy.ipynb"
    nbformat.write(notebook, str(path))
    before = path.read_bytes()
    table = seed_spread.run_seed(7, [path], jobs=1, report=lambda text: None)
    assert table[["key", "model", "episode", "seed", "val_rmse", "test_rmse"]].to_dict("records") == [
        {"key": "toy", "model": "Toy", "episode": "01", "seed": 7, "val_rmse": 0.7, "test_rmse": 0.07}]
    assert list(table.columns) == seed_spread.RUN_COLUMNS and table["backend"].tolist() == ["tensorflow"]
    assert os.environ["LESSON_SEED"] == "99" and "LESSON_STRICT_CHECKS" not in os.environ
    assert path.read_bytes() == before  # the notebook itself is not rewritten


@pytest.fixture
def tool_files(seed_spread, tmp_path, monkeypatch):
    """Point the tool's output files into tmp_path and replace the training by a fake per-seed table."""
    files = {name: tmp_path / name for name in ("seed_runs.csv", "held_out.csv", "spread.csv", "spread.png",
                                                 "backtest_runs.csv", "backtest.csv")}
    monkeypatch.setattr(seed_spread, "RUNS_FILE", files["seed_runs.csv"])
    monkeypatch.setattr(seed_spread, "HELD_OUT_FILE", files["held_out.csv"])
    monkeypatch.setattr(seed_spread, "SPREAD_FILE", files["spread.csv"])
    monkeypatch.setattr(seed_spread, "FIGURE_FILE", files["spread.png"])
    monkeypatch.setattr(seed_spread, "BACKTEST_RUNS_FILE", files["backtest_runs.csv"])
    monkeypatch.setattr(seed_spread, "BACKTEST_FILE", files["backtest.csv"])
    monkeypatch.setattr(seed_spread, "load_spread", lambda: pd.read_csv(files["spread.csv"]))

    def fake_run_seed(seed, paths, jobs, report, year=None):
        rows = []
        for path in paths:
            episode = path.name[:2]
            rows.append((f"model_{episode}", f"Model {episode}", episode, seed,
                         3.0 + seed / 100 + int(episode) / 10 - (year or 2008) / 1e4, 3.5))
        table = runs_table(rows)[seed_spread.RUN_COLUMNS]
        return table if year is None else table.assign(year=year)[["year", *seed_spread.RUN_COLUMNS]]

    monkeypatch.setattr(seed_spread, "run_seed", fake_run_seed)
    return files


def test_calibrating_writes_runs_spread_and_figure(seed_spread, tool_files, close_figures, capsys):
    assert seed_spread.main(["--seeds", "1-3", "03", "05"]) == 0
    runs = pd.read_csv(tool_files["seed_runs.csv"], dtype={"episode": str})
    assert sorted(set(zip(runs["episode"], runs["seed"], strict=True))) == [("03", s) for s in (1, 2, 3)] + [("05", s) for s in (1, 2, 3)]
    assert list(runs.columns) == RUN_COLUMNS
    spread = pd.read_csv(tool_files["spread.csv"])
    assert spread[["key", "model", "seeds"]].values.tolist() == [["model_03", "Model 03", 3], ["model_05", "Model 05", 3]]
    assert tool_files["spread.png"].read_bytes()[:4] == b"\x89PNG"
    # rerunning one notebook for one seed replaces just those rows
    assert seed_spread.main(["--seeds", "2", "05"]) == 0
    again = pd.read_csv(tool_files["seed_runs.csv"], dtype={"episode": str})
    assert len(again) == 6 and pd.read_csv(tool_files["spread.csv"])["seeds"].tolist() == [3, 3]


def test_held_out_seeds_must_not_be_calibration_seeds(seed_spread, tool_files, close_figures, capsys):
    seed_spread.main(["--seeds", "1-3", "03"])
    with pytest.raises(SystemExit):
        seed_spread.main(["--seeds", "3-4", "--held-out", "03"])
    assert "seeds [3] were used for calibration" in capsys.readouterr().err
    assert not tool_files["held_out.csv"].exists()


def test_held_out_seeds_are_compared_with_the_committed_intervals(seed_spread, tool_files, close_figures, capsys):
    seed_spread.main(["--seeds", "1-3", "03"])
    assert seed_spread.main(["--seeds", "4", "--held-out", "03"]) == 0  # 3.34 inside 3.31 .. 3.33 widened
    assert "1 of 1 held-out results inside" in capsys.readouterr().out
    assert seed_spread.main(["--seeds", "40", "--held-out", "03"]) == 1  # 3.70: far outside
    assert "0 of 1 held-out results inside" in capsys.readouterr().out
    assert sorted(pd.read_csv(tool_files["held_out.csv"])["seed"]) == [4, 40]


def test_a_backtest_fold_keeps_its_own_rows_and_the_backtest_joins_it_to_the_lessons_years(
        seed_spread, tool_files, close_figures, capsys):
    seed_spread.main(["--seeds", "1-2", "03"])  # the lesson's split: validation 2008, test 2009
    assert seed_spread.main(["--year", "2006", "--seeds", "1-2", "03"]) == 0
    folds = pd.read_csv(tool_files["backtest_runs.csv"])
    assert set(folds["year"]) == {2006} and len(folds) == 2
    assert pd.read_csv(tool_files["seed_runs.csv"])["seed"].tolist() == [1, 2]  # the lesson's runs untouched
    backtest = pd.read_csv(tool_files["backtest.csv"])
    assert list(backtest.columns) == ["key", "year", "seed", "rmse"]
    assert sorted(set(backtest["year"])) == [2006, 2008, 2009]
    assert backtest.query("year == 2009")["rmse"].tolist() == [3.5, 3.5]  # the test year: the test RMSE
    with pytest.raises(SystemExit):
        seed_spread.main(["--year", "2008", "--seeds", "1", "03"])  # the lesson's own split: no fold
    with pytest.raises(SystemExit):
        seed_spread.main(["--year", "2001", "--seeds", "1", "03"])
