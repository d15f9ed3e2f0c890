"""helpers/results.py: RMSE, and writing and reading result files."""

from __future__ import annotations

import json
import math
import os
import re
import stat

import numpy as np
import pandas as pd
import pytest

from helpers import PROJECT_ROOT
from helpers.results import FIELDS, load_forecasts, load_predictions, load_results, record_result, results_dir, rmse

# --- rmse -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "y_true, y_pred, expected",
    [
        ([0, 0], [3, 4], math.sqrt(12.5)),
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 0.0),
        ([2], [-2], 4.0),
        (np.array([[1.0], [3.0]]), [2.0, 2.0], 1.0),  # a Keras-shaped column and a flat list
        (pd.Series([0.0, 0.0, 0.0, 0.0]), np.array([1.0, -1.0, 1.0, -1.0], dtype=np.float32), 1.0),
    ],
)
def test_rmse_known_values(y_true, y_pred, expected):
    value = rmse(y_true, y_pred)
    assert isinstance(value, float)
    assert value == pytest.approx(expected)


@pytest.mark.parametrize("y_true, y_pred", [([1, 2, 3], [1, 2]), ([], []), ([1.0], [])])
def test_rmse_mismatch_or_empty_raises(y_true, y_pred):
    with pytest.raises(ValueError, match=r"non-empty and equally long, got \d+ and \d+"):
        rmse(y_true, y_pred)


# --- record_result ----------------------------------------------------------------------------


def test_record_result_writes_json_to_lesson_results_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("LESSON_RESULTS_DIR", str(tmp_path / "results"))
    assert results_dir() == tmp_path / "results"
    path = record_result("Simple RNN", "03", val_rmse=np.float64(3.61), test_rmse=np.float32(3.5),
                         n_weights=np.int64(433), epochs=40, fit_seconds=20.456)
    assert path == tmp_path / "results" / "03_simple-rnn.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert list(record) == FIELDS
    assert record == {"model": "Simple RNN", "episode": "03", "val_rmse": 3.61, "test_rmse": 3.5, "n_weights": 433,
                      "epochs": 40, "fit_seconds": 20.46}
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["03_simple-rnn.json"]  # no .tmp left


def test_results_dir_defaults_to_the_project(monkeypatch):
    monkeypatch.delenv("LESSON_RESULTS_DIR", raising=False)
    assert results_dir() == PROJECT_ROOT / "results"


def test_record_result_folder_argument_wins(tmp_path, monkeypatch):
    env_folder = tmp_path / "env"
    monkeypatch.setenv("LESSON_RESULTS_DIR", str(env_folder))
    path = record_result("Persistence", "01", test_rmse=4.3, folder=tmp_path / "given")
    assert path.parent == tmp_path / "given"
    assert not env_folder.exists()
    assert json.loads(path.read_text(encoding="utf-8"))["test_rmse"] == 4.3
    assert list((tmp_path / "given").glob("*.tmp")) == []


def test_record_result_overwrites_the_same_model_and_episode(tmp_path):
    first = record_result("LSTM", "05", test_rmse=3.9, folder=tmp_path)
    second = record_result("LSTM", "05", test_rmse=3.4, epochs=12, folder=tmp_path)
    other = record_result("LSTM", "06", test_rmse=3.0, folder=tmp_path)
    assert first == second != other
    assert sorted(p.name for p in tmp_path.iterdir()) == ["05_lstm.json", "06_lstm.json"]
    record = json.loads(second.read_text(encoding="utf-8"))
    assert (record["test_rmse"], record["epochs"]) == (3.4, 12)


@pytest.mark.parametrize(
    "bad, message",
    [
        (float("nan"), r"test_rmse is nan, not a finite number: did training diverge\?"),
        (float("inf"), r"test_rmse is inf, not a finite number: did training diverge\?"),
        (-0.1, r"test_rmse must be >= 0, got -0\.1; an RMSE is never negative"),
        ("3.5", r"test_rmse must be a number of hours, got '3\.5'"),
        (None, r"test_rmse must be a number of hours, got None"),
        ([3.5, 3.6], r"test_rmse must be one number, got 2 values"),
    ],
)
def test_record_result_rejects_bad_rmse(tmp_path, bad, message):
    with pytest.raises(ValueError, match=message):
        record_result("GRU", "05", test_rmse=bad, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("score", [np.array(3.25), np.array([3.25]), np.float32(3.25)])
def test_record_result_accepts_a_one_element_array_or_tensor(tmp_path, score):
    path = record_result("GRU", "05", test_rmse=score, folder=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["test_rmse"] == 3.25


def test_record_result_accepts_a_keras_scalar_tensor(tmp_path):
    keras = pytest.importorskip("keras")
    path = record_result("GRU", "05", test_rmse=keras.ops.convert_to_tensor(3.5), folder=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["test_rmse"] == 3.5


def test_two_names_with_one_file_name_do_not_overwrite_each_other(tmp_path):
    first = record_result("Stacked LSTM", "05", test_rmse=3.4, folder=tmp_path)
    before = first.read_bytes()
    with pytest.raises(ValueError, match=r"05_stacked-lstm\.json already holds the result of 'Stacked LSTM', and 'stacked-lstm'"):
        record_result("stacked-lstm", "05", test_rmse=3.9, folder=tmp_path)
    assert first.read_bytes() == before
    record_result("Stacked LSTM", "05", test_rmse=3.3, folder=tmp_path)  # the same model may be recorded again


def test_non_finite_predictions_are_refused_not_written_as_bare_nan(tmp_path):
    dates = pd.date_range("2009-01-01", periods=3)
    with pytest.raises(ValueError, match=r"1 predictions are NaN or infinite"):
        record_result("GRU", "08", test_rmse=3.0, predictions=[1.0, float("nan"), 2.0], dates=dates, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content, problem",
    [
        ("[1, 2]", "a list, not an object"),
        ('{"model": "GRU", "episode": "08", "test_rmse": "3.2"}', "test_rmse is '3.2', not a number"),
        ('{"episode": "08", "test_rmse": 3.2}', "no model name or episode"),
        ('{"model": "GRU", "episode": "08", "test_rmse": 3.2, "predictions": [1.0, null], "dates": ["2009-01-01", "2009-01-02"]}',
         "a prediction is not a number"),
        ('{"model": "GRU", "episode": "08", "test_rmse": 3.2, "predictions": [1.0], "dates": []}',
         "predictions and dates do not match"),
    ],
)
def test_a_hand_edited_or_foreign_results_file_is_named_with_the_fix(tmp_path, content, problem):
    (tmp_path / "08_gru.json").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=rf"08_gru\.json is not a result this lesson wrote \({re.escape(problem)}\); delete it"):
        load_results(tmp_path)
    with pytest.raises(ValueError, match="is not a result this lesson wrote"):
        load_predictions("GRU", folder=tmp_path)


@pytest.mark.parametrize(
    "field, value", [("n_weights", -1), ("epochs", float("nan")), ("fit_seconds", -2.0), ("epochs", "40")]
)
def test_record_result_rejects_bad_numbers(tmp_path, field, value):
    with pytest.raises(ValueError, match=rf"{field} must be a number >= 0"):
        record_result("GRU", "05", test_rmse=1.0, folder=tmp_path, **{field: value})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("model, episode, message", [("", "05", "model"), ("!!", "05", "model"),
                                                     ("GRU", "", "episode"), ("GRU", 5, "episode")])
def test_record_result_rejects_bad_names(tmp_path, model, episode, message):
    with pytest.raises(ValueError, match=rf"^{message} must be"):
        record_result(model, episode, test_rmse=1.0, folder=tmp_path)


# --- load_results -----------------------------------------------------------------------------


def test_load_results_ranks_by_validation_not_by_test(tmp_path):
    # the test order is the reverse of the validation order: the table must follow validation
    record_result("Climatology", "01", val_rmse=4.0, test_rmse=3.1, folder=tmp_path)
    record_result("LSTM", "05", val_rmse=3.2, test_rmse=3.9, n_weights=1000, folder=tmp_path)
    record_result("Dense", "02", val_rmse=3.5, test_rmse=3.5, folder=tmp_path)
    record_result("Unvalidated", "09", test_rmse=1.0, folder=tmp_path)  # no validation score: last, never chosen
    table = load_results(tmp_path)
    assert list(table.columns) == FIELDS
    assert list(table["model"]) == ["LSTM", "Dense", "Climatology", "Unvalidated"]
    assert list(table["val_rmse"])[:3] == [3.2, 3.5, 4.0]
    assert list(table.index) == [0, 1, 2, 3]
    assert table.loc[0, "n_weights"] == 1000


def test_load_forecasts_one_column_per_model_in_the_results_order(tmp_path):
    dates = pd.date_range("2009-01-01", periods=3)
    record_result("B", "02", val_rmse=3.5, test_rmse=3.0, predictions=[1.0, 2.0, 3.0], dates=dates, folder=tmp_path)
    record_result("A", "01", val_rmse=3.0, test_rmse=3.0, predictions=[4.0, 5.0, 6.0], dates=dates, folder=tmp_path)
    forecasts = load_forecasts(folder=tmp_path)
    assert list(forecasts.columns) == ["A", "B"] and list(forecasts.index) == list(dates)
    assert forecasts["B"].tolist() == [1.0, 2.0, 3.0]
    assert list(load_forecasts(["B"], folder=tmp_path).columns) == ["B"]
    with pytest.raises(ValueError, match=r"No result recorded for 'C'"):
        load_forecasts(["A", "C"], folder=tmp_path)
    with pytest.raises(ValueError, match=r"not the string 'A'; wrap it"):
        load_forecasts("A", folder=tmp_path)
    record_result("Short", "03", val_rmse=3.9, test_rmse=3.0, predictions=[1.0], dates=dates[:1], folder=tmp_path)
    with pytest.raises(ValueError, match=r"Short did not forecast every day the others did"):
        load_forecasts(folder=tmp_path)


def test_load_results_uses_lesson_results_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("LESSON_RESULTS_DIR", str(tmp_path))
    record_result("Dense", "02", test_rmse=3.8)
    assert list(load_results()["model"]) == ["Dense"]


@pytest.mark.parametrize("exists", [True, False])
def test_load_results_empty_table_has_the_columns(tmp_path, exists):
    folder = tmp_path / "results"
    if exists:
        folder.mkdir()
    table = load_results(folder)
    assert table.empty
    assert list(table.columns) == FIELDS


def test_load_results_bad_json_names_the_file(tmp_path):
    record_result("Dense", "02", test_rmse=3.8, folder=tmp_path)
    (tmp_path / "03_broken.json").write_text('{"model": "RNN", "test_rmse": ', encoding="utf-8")
    with pytest.raises(ValueError, match=r"03_broken\.json is not valid JSON"):
        load_results(tmp_path)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_record_result_file_mode_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = record_result("Dense", "02", test_rmse=3.8, folder=tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_record_result_keeps_predictions_and_dates(tmp_path):
    dates = pd.date_range("2009-01-01", periods=3, freq="D")
    record_result("Model A", "07", test_rmse=3.2, predictions=np.array([[1.0], [2.5], [0.25]]), dates=dates, folder=tmp_path)
    series = load_predictions("Model A", folder=tmp_path)
    assert list(series.index) == list(dates)
    assert series.tolist() == [1.0, 2.5, 0.25]
    # the table stays the plain summary
    assert list(load_results(tmp_path).columns) == FIELDS


def test_record_result_rejects_predictions_without_dates_or_of_other_length(tmp_path):
    with pytest.raises(ValueError, match="together"):
        record_result("Model A", "07", test_rmse=3.2, predictions=[1.0, 2.0], folder=tmp_path)
    with pytest.raises(ValueError, match="2 predictions for 3 dates"):
        record_result(
            "Model A", "07", test_rmse=3.2, predictions=[1.0, 2.0], dates=pd.date_range("2009-01-01", periods=3), folder=tmp_path
        )
    assert not list(tmp_path.glob("*.json"))


def test_load_predictions_errors_name_the_fix(tmp_path):
    record_result("Scores only", "09", test_rmse=3.0, folder=tmp_path)
    with pytest.raises(ValueError, match="holds no predictions"):
        load_predictions("Scores only", folder=tmp_path)
    with pytest.raises(ValueError, match="No result recorded for 'Missing'. Recorded: Scores only"):
        load_predictions("Missing", folder=tmp_path)


def test_record_result_without_a_validation_score_stores_null(tmp_path):
    path = record_result("Persistence", "01", test_rmse=4.3, folder=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["val_rmse"] is None
    assert math.isnan(load_results(tmp_path)["val_rmse"].iloc[0])


@pytest.mark.parametrize("bad", [float("nan"), -0.1, "3.2", float("inf")])
def test_record_result_rejects_a_bad_validation_score(tmp_path, bad):
    with pytest.raises(ValueError, match=r"^val_rmse (is|must)"):
        record_result("GRU", "08", val_rmse=bad, test_rmse=3.0, folder=tmp_path)
    assert not list(tmp_path.glob("*.json"))


def test_record_result_takes_scores_by_keyword_only(tmp_path):
    with pytest.raises(TypeError):
        record_result("GRU", "08", 3.0, folder=tmp_path)


def test_a_relative_results_folder_is_taken_from_the_project(monkeypatch):
    monkeypatch.setenv("LESSON_RESULTS_DIR", "my-results")
    assert results_dir() == PROJECT_ROOT / "my-results"
