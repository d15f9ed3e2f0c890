"""helpers/results.py: RMSE, and writing and reading result files."""

from __future__ import annotations

import json
import math
import os
import re
import stat

from helpers.config import Config, current, project_root, using
from helpers.lesson import MODELS
from helpers.results import (
    COMPARISON_COLUMNS,
    FIELDS,
    KEY_PATTERN,
    MANIFEST_FIELDS,
    comparison_figure,
    comparison_table,
    load_forecasts,
    load_predictions,
    load_results,
    observed_sunshine,
    record_result,
    results_dir,
    results_markdown,
    rmse,
    with_manifest,
)
from helpers.settings import RESULTS_VARIABLE

import numpy as np
import pandas as pd
import pytest

PROJECT_ROOT = project_root()

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


def test_record_result_writes_json_to_the_configured_results_folder(tmp_path):
    with using(current().but(results_dir=tmp_path / "results")):
        assert results_dir() == tmp_path / "results"
        path = record_result("my_rnn", "03", name="My RNN", val_rmse=np.float64(3.61), test_rmse=np.float32(3.5),
                             n_weights=np.int64(433), epochs=40, fit_seconds=20.456)
    assert path == tmp_path / "results" / "03_my_rnn.json"  # named by episode and key, not by display name
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record == {"key": "my_rnn", "val_rmse": 3.61, "test_rmse": 3.5, "n_weights": 433, "epochs": 40,
                      "fit_seconds": 20.46, "name": "My RNN", "task": "sunshine"}
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["03_my_rnn.json"]  # no .tmp left
    assert load_results(tmp_path / "results")[FIELDS].values.tolist() == [
        ["my_rnn", "My RNN", "03", 3.61, 3.5, 433, 40, 20.46, "sunshine"]]


def test_results_dir_defaults_to_the_project():
    assert results_dir(Config.from_environ({}, root=PROJECT_ROOT)) == PROJECT_ROOT / "results"


def test_record_result_folder_argument_wins(tmp_path):
    env_folder = tmp_path / "env"
    with using(current().but(results_dir=env_folder)):
        path = record_result("persistence", "01", name="Persistence", test_rmse=4.3, folder=tmp_path / "given")
    assert path.parent == tmp_path / "given"
    assert not env_folder.exists()
    assert json.loads(path.read_text(encoding="utf-8"))["test_rmse"] == 4.3
    assert list((tmp_path / "given").glob("*.tmp")) == []


def test_record_result_overwrites_the_same_key_and_episode(tmp_path):
    first = record_result("lstm", "05", name="LSTM", test_rmse=3.9, folder=tmp_path)
    second = record_result("lstm", "05", name="LSTM", test_rmse=3.4, epochs=12, folder=tmp_path)
    other = record_result("lstm_90_days", "06", name="LSTM", test_rmse=3.0, folder=tmp_path)  # one name, two keys
    assert first == second != other
    assert sorted(p.name for p in tmp_path.iterdir()) == ["05_lstm.json", "06_lstm_90_days.json"]
    record = json.loads(second.read_text(encoding="utf-8"))
    assert (record["test_rmse"], record["epochs"]) == (3.4, 12)
    assert list(load_results(tmp_path)["model"]) == ["LSTM", "LSTM"]  # a display name need not be unique


def test_a_new_display_name_replaces_the_result_under_the_same_key(tmp_path):
    dates = pd.date_range("2009-01-01", periods=2)
    first = record_result("my_lstm", "05", name="My LSTM", test_rmse=3.4, predictions=[1.0, 2.0],
                          dates=dates, folder=tmp_path)
    second = record_result("my_lstm", "05", name="LSTM, two layers", test_rmse=3.3, predictions=[3.0, 4.0],
                           dates=dates, folder=tmp_path)
    assert first == second
    assert [p.name for p in tmp_path.iterdir()] == ["05_my_lstm.json"]
    table = load_results(tmp_path)
    assert table[["key", "model", "test_rmse"]].values.tolist() == [["my_lstm", "LSTM, two layers", 3.3]]
    assert load_predictions("my_lstm", folder=tmp_path).tolist() == [3.0, 4.0]  # found by its key, not its name


def test_the_same_key_from_another_episode_is_refused_and_names_the_file(tmp_path):
    earlier = record_result("gru", "08", name="GRU", test_rmse=3.3, folder=tmp_path)
    before = earlier.read_bytes()
    with pytest.raises(ValueError, match=r"08_gru\.json in the results folder already holds a result with the key "
                                         r"'gru', from another episode\. Give this model a key of its own, or delete "
                                         r"08_gru\.json"):
        record_result("gru", "09", name="GRU, all stations", test_rmse=3.0, folder=tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["08_gru.json"]  # nothing written for 09
    assert earlier.read_bytes() == before
    # another key in 09 is fine, and so is the same key in 08 again
    record_result("gru_all_stations", "09", name="GRU, all stations", test_rmse=3.0, folder=tmp_path)
    record_result("gru", "08", name="GRU", test_rmse=3.2, folder=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["08_gru.json", "09_gru_all_stations.json"]
    # a key that only begins like another is another key
    record_result("gr", "09", name="GR", test_rmse=3.0, folder=tmp_path)


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
        record_result("gru", "05", name="GRU", test_rmse=bad, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("score", [np.array(3.25), np.array([3.25]), np.float32(3.25)])
def test_record_result_accepts_a_one_element_array_or_tensor(tmp_path, score):
    path = record_result("gru", "05", name="GRU", test_rmse=score, folder=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["test_rmse"] == 3.25


def test_record_result_accepts_a_keras_scalar_tensor(tmp_path):
    keras = pytest.importorskip("keras")
    path = record_result("gru", "05", name="GRU", test_rmse=keras.ops.convert_to_tensor(3.5), folder=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["test_rmse"] == 3.5


def test_non_finite_predictions_are_refused_not_written_as_bare_nan(tmp_path):
    dates = pd.date_range("2009-01-01", periods=3)
    with pytest.raises(ValueError, match=r"1 predictions are NaN or infinite"):
        record_result("gru", "08", name="GRU", test_rmse=3.0, predictions=[1.0, float("nan"), 2.0], dates=dates,
                      folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "content, problem",
    [
        ("[1, 2]", "a list, not an object"),
        ('{"key": "gru", "model": "GRU", "episode": "08", "test_rmse": "3.2"}', "test_rmse is '3.2', not a number"),
        ('{"key": "gru", "name": 8, "test_rmse": 3.2}', "name is 8, not text"),
        ('{"key": "gru", "model": "GRU", "episode": 8, "test_rmse": 3.2}', "episode is 8, not text"),
        ('{"key": "gru", "model": "GRU", "episode": "08", "test_rmse": 3.2, "val_rmse": true}', "val_rmse is True, not a number"),
        ('{"key": "gru", "model": "GRU", "episode": "08", "test_rmse": 3.2, "predictions": [1.0, null], '
         '"dates": ["2009-01-01", "2009-01-02"]}', "a prediction is not a number"),
        ('{"key": "gru", "model": "GRU", "episode": "08", "test_rmse": 3.2, "predictions": [1.0], "dates": []}',
         "predictions and dates do not match"),
        ('{"key": "gru", "model": "GRU", "episode": "08", "test_rmse": 3.2, "predictions": [1.0], "dates": [20090101]}',
         "a date is not text"),
        # written before results had keys, or with a key this lesson would not write
        ('{"model": "GRU", "episode": "08", "test_rmse": 3.2}', "no key"),
        ('{"key": "GRU", "model": "GRU", "episode": "08", "test_rmse": 3.2}', "no key"),
        ('{"key": "", "model": "GRU", "episode": "08", "test_rmse": 3.2}', "no key"),
        ('{"key": 8, "model": "GRU", "episode": "08", "test_rmse": 3.2}', "no key"),
        ('{"key": null, "model": "GRU", "episode": "08", "test_rmse": 3.2}', "no key"),
    ],
)
def test_a_hand_edited_or_foreign_results_file_is_named_with_the_fix(tmp_path, content, problem):
    (tmp_path / "08_gru.json").write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=rf"08_gru\.json is not a result this lesson wrote \({re.escape(problem)}\).*own"):
        load_results(tmp_path)
    with pytest.raises(ValueError, match="is not a result this lesson wrote"):
        load_predictions("gru", folder=tmp_path)
    with pytest.raises(ValueError, match="is not a result this lesson wrote"):
        load_forecasts(folder=tmp_path)


@pytest.mark.parametrize(
    "field, value", [("n_weights", -1), ("epochs", float("nan")), ("fit_seconds", -2.0), ("epochs", "40")]
)
def test_record_result_rejects_bad_numbers(tmp_path, field, value):
    with pytest.raises(ValueError, match=rf"{field} must be a number >= 0"):
        record_result("gru", "05", name="GRU", test_rmse=1.0, folder=tmp_path, **{field: value})
    assert list(tmp_path.iterdir()) == []


KEY_MESSAGE = r"^A result key is a short identifier in lower case with underscores, such as 'stacked_lstm'; got "


@pytest.mark.parametrize(
    "key", ["", "GRU", "Simple RNN", "simple-rnn", "simple rnn", "3d_cnn", "_gru", "gru.v2", "grü", "gru\n", None, 3]
)
def test_record_result_rejects_a_key_that_is_not_an_identifier(tmp_path, key):
    with pytest.raises(ValueError, match=KEY_MESSAGE + re.escape(repr(key)) + r"\.$"):
        record_result(key, "05", name="GRU", test_rmse=1.0, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["gru", "my_simple_rnn", "lstm2", "lstm_90_days", "a", "gru_"])
def test_record_result_accepts_lower_case_identifiers_as_keys(tmp_path, key):
    assert KEY_PATTERN.fullmatch(key)
    path = record_result(key, "05", name="Any name, with spaces (and capitals)", test_rmse=1.0, folder=tmp_path)
    assert path.name == f"05_{key}.json"
    assert list(load_results(tmp_path)["key"]) == [key]


@pytest.mark.parametrize("episode", ["", "5", "005", "ab", "3a", " 05", "05 ", "٠٥", 5, 5.0])
def test_record_result_rejects_an_episode_that_is_not_two_digits_as_text(tmp_path, episode):
    with pytest.raises(ValueError, match=r"^episode must be the notebook's two-digit number as text, such as '03'; "
                                         rf"got {re.escape(repr(episode))}\.$"):
        record_result("gru", episode, name="GRU", test_rmse=1.0, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("episode", ["00", "05", "10", "99"])
def test_record_result_accepts_two_digit_episodes(tmp_path, episode):
    assert record_result("gru", episode, name="GRU", test_rmse=1.0, folder=tmp_path).name == f"{episode}_gru.json"


@pytest.mark.parametrize("name", ["", "   ", 5])
def test_record_result_rejects_an_empty_display_name(tmp_path, name):
    with pytest.raises(ValueError, match=r"^name must be the model's name for tables and plots, such as 'Stacked LSTM'"):
        record_result("gru", "05", name=name, test_rmse=1.0, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_model_of_your_own_needs_an_episode_and_is_named_by_its_key_by_default(tmp_path):
    with pytest.raises(ValueError, match=r"'gru' is not a model of the lesson's manifest.*episode"):
        record_result("gru", name="GRU", test_rmse=1.0, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []
    path = record_result("gru", "05", test_rmse=1.0, folder=tmp_path)
    assert path.name == "05_gru.json"
    assert load_results(tmp_path)[["key", "model", "episode", "task"]].values.tolist() == [
        ["gru", "gru", "05", "sunshine"]]
    assert comparison_table(tmp_path)[["model", "family"]].values.tolist() == [["gru", "your own"]]


def test_a_result_file_holds_the_key_the_numbers_and_the_forecasts_only(tmp_path):
    days = pd.date_range("2009-01-01", periods=2)
    path = record_result("recall_lstm", test_rmse=0.05, folder=tmp_path)
    assert path.name == "05_recall_lstm.json"
    assert not set(json.loads(path.read_text(encoding="utf-8"))) & {"model", "name", "episode", "task", "family"}
    path = record_result("simple_rnn", "03", name="SimpleRNN", task="sunshine", test_rmse=3.3, predictions=[1, 2],
                         dates=days, folder=tmp_path)  # what the manifest says may be repeated (the notebooks do)
    assert path.name == "03_simple_rnn.json"
    assert set(json.loads(path.read_text(encoding="utf-8"))) == {"key", "val_rmse", "test_rmse", "n_weights",
                                                                  "epochs", "fit_seconds", "predictions", "dates"}


def test_names_episodes_and_tasks_are_joined_from_the_manifest_when_read(tmp_path, monkeypatch):
    import helpers.lesson

    record_result("recall_lstm", test_rmse=0.05, folder=tmp_path)
    record_result("simple_rnn", test_rmse=3.3, folder=tmp_path)
    table = load_results(tmp_path, task=None).set_index("key")
    assert table.loc["recall_lstm", ["model", "episode", "task"]].tolist() == ["LSTM, recall task", "05", "recall"]
    renamed = dict(MODELS, simple_rnn=MODELS["simple_rnn"]._replace(name="Elman network"))
    monkeypatch.setattr(helpers.lesson, "MODELS", renamed)  # a renamed model: an edit of the manifest, no rerun
    assert load_results(tmp_path).set_index("key").loc["simple_rnn", "model"] == "Elman network"
    assert comparison_table(tmp_path).set_index("key").loc["simple_rnn", "model"] == "Elman network"


def test_a_result_file_in_the_old_format_reads_the_same(tmp_path):
    old = {"key": "simple_rnn", "model": "SimpleRNN", "episode": "03", "val_rmse": 3.4, "test_rmse": 3.3,
           "n_weights": 433, "epochs": 9, "fit_seconds": 1.5, "task": "sunshine"}
    (tmp_path / "03_simple_rnn.json").write_text(json.dumps(old), encoding="utf-8")
    mine = {"key": "my_gru", "model": "My GRU", "episode": "08", "test_rmse": 3.0}
    (tmp_path / "08_my_gru.json").write_text(json.dumps(mine), encoding="utf-8")
    table = load_results(tmp_path).set_index("key")
    assert table.loc["simple_rnn", ["model", "episode", "val_rmse", "epochs"]].tolist() == ["SimpleRNN", "03", 3.4, 9]
    assert table.loc["my_gru", ["model", "episode"]].tolist() == ["My GRU", "08"]


def test_a_model_of_the_manifest_refuses_another_episode_name_or_task_and_says_to_change_the_manifest(tmp_path):
    with pytest.raises(ValueError) as error:
        record_result("simple_rnn", "05", name="Simple RNN", test_rmse=3.3, folder=tmp_path)
    message = str(error.value)
    assert "episode='05'" in message and "'03'" in message and "name='Simple RNN'" in message
    assert "helpers/lesson.py" in message and "MODELS" in message
    with pytest.raises(ValueError, match=r"task='recall' \(the manifest says 'sunshine'\)"):
        record_result("simple_rnn", task="recall", test_rmse=3.3, folder=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_with_manifest_joins_names_to_a_table_of_keys_and_keeps_its_own_models():
    table = pd.DataFrame({"key": ["simple_rnn", "my_gru"], "model": ["stale name", "My GRU"], "seeds": [13, 2]})
    joined = with_manifest(table)
    assert joined[["key", "model", "episode", "family", "seeds"]].values.tolist() == [
        ["simple_rnn", "SimpleRNN", "03", "recurrent", 13], ["my_gru", "My GRU", "", "your own", 2]]
    assert set(MANIFEST_FIELDS) - {"inputs"} <= set(joined.columns)
    with pytest.raises(ValueError, match="key"):
        with_manifest(pd.DataFrame({"model": ["x"]}))


# --- load_results -----------------------------------------------------------------------------


def test_load_results_ranks_by_validation_not_by_test(tmp_path):
    # the test order is the reverse of the validation order: the table must follow validation
    record_result("climatology", "01", name="Climatology", val_rmse=4.0, test_rmse=3.1, folder=tmp_path)
    record_result("lstm", "05", name="LSTM", val_rmse=3.2, test_rmse=3.9, n_weights=1000, folder=tmp_path)
    record_result("dense", "02", name="Dense", val_rmse=3.5, test_rmse=3.5, folder=tmp_path)
    record_result("unvalidated", "09", name="Unvalidated", test_rmse=1.0, folder=tmp_path)  # no validation: last
    table = load_results(tmp_path)
    assert list(table.columns) == FIELDS
    assert list(table["key"]) == ["lstm", "dense", "climatology", "unvalidated"]
    assert list(table["model"]) == ["LSTM", "Dense", "Climatology", "Unvalidated"]
    assert list(table["val_rmse"])[:3] == [3.2, 3.5, 4.0]
    assert list(table.index) == [0, 1, 2, 3]
    assert table.loc[0, "n_weights"] == 1000


def test_load_forecasts_one_column_per_key_in_the_results_order(tmp_path):
    dates = pd.date_range("2009-01-01", periods=3)
    record_result("b", "02", name="Model B", val_rmse=3.5, test_rmse=3.0, predictions=[1.0, 2.0, 3.0], dates=dates,
                  folder=tmp_path)
    record_result("a", "01", name="Model A", val_rmse=3.0, test_rmse=3.0, predictions=[4.0, 5.0, 6.0], dates=dates,
                  folder=tmp_path)
    forecasts = load_forecasts(folder=tmp_path)
    assert list(forecasts.columns) == ["a", "b"] and list(forecasts.index) == list(dates)
    assert list(forecasts.columns) == list(load_results(tmp_path)["key"])
    assert forecasts["b"].tolist() == [1.0, 2.0, 3.0]
    assert list(load_forecasts(["b"], folder=tmp_path).columns) == ["b"]
    assert list(load_forecasts(["b", "a"], folder=tmp_path).columns) == ["b", "a"]  # the order asked for
    with pytest.raises(ValueError, match=r"No result recorded under the key 'c'\. Recorded: a, b\."):
        load_forecasts(["a", "c"], folder=tmp_path)
    with pytest.raises(ValueError, match=KEY_MESSAGE + "'Model A'"):  # display names are not keys
        load_forecasts(["Model A"], folder=tmp_path)
    with pytest.raises(ValueError, match=r"keys must be a list of keys, not the string 'a'; wrap it: \['a'\]"):
        load_forecasts("a", folder=tmp_path)
    record_result("short", "03", name="Short", val_rmse=3.9, test_rmse=3.0, predictions=[1.0], dates=dates[:1],
                  folder=tmp_path)
    with pytest.raises(ValueError, match=r"^short did not forecast every day the others did"):
        load_forecasts(folder=tmp_path)


def test_load_results_uses_the_configured_results_folder(tmp_path):
    with using(current().but(results_dir=tmp_path)):
        record_result("dense", "02", name="Dense", test_rmse=3.8)
        assert list(load_results()["key"]) == ["dense"]
    assert list(load_results(tmp_path)["model"]) == ["Dense"]
    assert load_results().empty  # the test's own results folder again


@pytest.mark.parametrize("exists", [True, False])
def test_load_results_empty_table_has_the_columns(tmp_path, exists):
    folder = tmp_path / "results"
    if exists:
        folder.mkdir()
    table = load_results(folder)
    assert table.empty
    assert list(table.columns) == FIELDS


def test_load_results_bad_json_names_the_file(tmp_path):
    record_result("dense", "02", name="Dense", test_rmse=3.8, folder=tmp_path)
    (tmp_path / "03_broken.json").write_text('{"key": "rnn", "model": "RNN", "test_rmse": ', encoding="utf-8")
    with pytest.raises(ValueError, match=r"03_broken\.json is not valid JSON"):
        load_results(tmp_path)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_record_result_file_mode_follows_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = record_result("dense", "02", name="Dense", test_rmse=3.8, folder=tmp_path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_record_result_keeps_predictions_and_dates(tmp_path):
    dates = pd.date_range("2009-01-01", periods=3, freq="D")
    record_result("model_a", "07", name="Model A", test_rmse=3.2, predictions=np.array([[1.0], [2.5], [0.25]]), dates=dates,
                  folder=tmp_path)
    series = load_predictions("model_a", folder=tmp_path)
    assert series.name == "model_a" and series.index.name == "DATE"
    assert list(series.index) == list(dates)
    assert series.tolist() == [1.0, 2.5, 0.25]
    # the table stays the plain summary
    assert list(load_results(tmp_path).columns) == FIELDS


def test_record_result_rejects_predictions_without_dates_or_of_other_length(tmp_path):
    with pytest.raises(ValueError, match="together"):
        record_result("model_a", "07", name="Model A", test_rmse=3.2, predictions=[1.0, 2.0], folder=tmp_path)
    with pytest.raises(ValueError, match="2 predictions for 3 dates"):
        record_result(
            "model_a", "07", name="Model A", test_rmse=3.2, predictions=[1.0, 2.0],
            dates=pd.date_range("2009-01-01", periods=3), folder=tmp_path,
        )
    assert not list(tmp_path.glob("*.json"))


def test_load_predictions_errors_name_the_fix(tmp_path):
    record_result("scores_only", "09", name="Scores only", test_rmse=3.0, folder=tmp_path)
    with pytest.raises(ValueError, match=r"^09_scores_only\.json holds no predictions; rerun its notebook"):
        load_predictions("scores_only", folder=tmp_path)
    with pytest.raises(ValueError, match=r"^No result recorded under the key 'missing'\. Recorded: scores_only\. "
                                         r"Run the notebook that records it\.$"):
        load_predictions("missing", folder=tmp_path)


def test_load_predictions_finds_a_result_by_its_key_not_its_display_name(tmp_path):
    dates = pd.date_range("2009-01-01", periods=2)
    record_result("climatology", val_rmse=4.0, test_rmse=4.0, predictions=[1.0, 2.0], dates=dates, folder=tmp_path)
    record_result("gru", "08", name="GRU", val_rmse=3.2, test_rmse=3.1, predictions=[3.0, 4.0], dates=dates,
                  folder=tmp_path)
    record_result("dense", "02", name="Climatology", val_rmse=3.5, test_rmse=3.5, predictions=[5.0, 6.0], dates=dates,
                  folder=tmp_path)  # the same display name as another result: the keys still tell them apart
    assert load_predictions("climatology", folder=tmp_path).tolist() == [1.0, 2.0]
    assert load_predictions("dense", folder=tmp_path).tolist() == [5.0, 6.0]
    gru = load_predictions("gru", folder=tmp_path)
    assert gru.name == "gru" and gru.tolist() == [3.0, 4.0]
    # the missing key's message lists the recorded keys, in the results' order (by validation RMSE)
    with pytest.raises(ValueError, match=r"No result recorded under the key 'lstm'\. Recorded: gru, dense, climatology\."):
        load_predictions("lstm", folder=tmp_path)
    with pytest.raises(ValueError, match=KEY_MESSAGE + "'GRU'"):  # the display name is refused, with what a key is
        load_predictions("GRU", folder=tmp_path)


def test_load_predictions_without_any_results_says_none_yet(tmp_path):
    with pytest.raises(ValueError, match=r"No result recorded under the key 'gru'\. Recorded: none yet\."):
        load_predictions("gru", folder=tmp_path)


def test_two_files_with_one_key_are_refused_on_load_naming_both(tmp_path):
    dates = pd.date_range("2009-01-01", periods=2)
    first = record_result("gru", "08", name="GRU", val_rmse=3.2, test_rmse=3.1, predictions=[3.0, 4.0], dates=dates,
                          folder=tmp_path)
    # a copy under another episode's file name (record_result refuses to write one; a person or a move can make it)
    second = tmp_path / "09_gru.json"
    second.write_text(first.read_text(encoding="utf-8").replace('"episode": "08"', '"episode": "09"'), encoding="utf-8")
    message = (rf"^{re.escape(str(first))} and {re.escape(str(second))} both hold a result with the key 'gru'; "
               r"delete the one that is left over and rerun its notebook\.$")
    with pytest.raises(ValueError, match=message):
        load_results(tmp_path)
    with pytest.raises(ValueError, match=message):
        load_predictions("gru", folder=tmp_path)
    with pytest.raises(ValueError, match=message):
        load_forecasts(folder=tmp_path)
    second.unlink()
    assert list(load_results(tmp_path)["episode"]) == ["08"]


def test_a_copy_of_a_result_holding_a_recorded_key_is_refused_on_load(tmp_path):
    first = record_result("gru", "08", name="GRU", test_rmse=3.1, folder=tmp_path)
    other = tmp_path / "08_gru copy.json"  # what a file manager's copy is called
    other.write_text(first.read_text(encoding="utf-8").replace('"GRU"', '"Another GRU"'), encoding="utf-8")
    with pytest.raises(ValueError, match=r"both hold .* key 'gru'") as error:
        load_results(tmp_path)
    assert str(first) in str(error.value) and str(other) in str(error.value)  # both named


def test_record_result_without_a_validation_score_stores_null(tmp_path):
    path = record_result("persistence", "01", name="Persistence", test_rmse=4.3, folder=tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["val_rmse"] is None
    assert math.isnan(load_results(tmp_path)["val_rmse"].iloc[0])


@pytest.mark.parametrize("bad", [float("nan"), -0.1, "3.2", float("inf")])
def test_record_result_rejects_a_bad_validation_score(tmp_path, bad):
    with pytest.raises(ValueError, match=r"^val_rmse (is|must)"):
        record_result("gru", "08", name="GRU", val_rmse=bad, test_rmse=3.0, folder=tmp_path)
    assert not list(tmp_path.glob("*.json"))


def test_record_result_takes_scores_by_keyword_only(tmp_path):
    with pytest.raises(TypeError):
        record_result("gru", "08", 3.0, name="GRU", folder=tmp_path)
    with pytest.raises(TypeError):
        record_result("gru", "08", "GRU", 3.0, folder=tmp_path)  # nor the display name by position


def test_a_relative_results_folder_is_taken_from_the_project():
    assert results_dir(Config.from_environ({RESULTS_VARIABLE: "my-results"})) == PROJECT_ROOT / "my-results"


# --- the one renderer: comparison_table, results_markdown, comparison_figure, observed_sunshine ----------

DAYS = pd.date_range("2009-01-01", periods=28, freq="D", name="DATE")
OBSERVED = pd.Series(np.random.default_rng(1).uniform(0, 12, len(DAYS)), index=DAYS, name="BASEL_sunshine")


def forecast(noise: float, seed: int) -> np.ndarray:
    return OBSERVED.to_numpy() + np.random.default_rng(seed).normal(0, noise, len(DAYS))


@pytest.fixture
def recorded(tmp_path):
    """A results folder: two lesson models and one of your own with forecasts, one without (no interval)."""
    for seed, (key, val, noise) in enumerate([("simple_rnn", 3.4, 1.0), ("persistence", 4.4, 3.0)]):
        values = forecast(noise, seed)
        record_result(key, val_rmse=val, test_rmse=rmse(OBSERVED, values), predictions=values, dates=DAYS,
                      folder=tmp_path)
    values = forecast(2.0, 7)
    record_result("my_gru", "08", name="My GRU", val_rmse=3.0, test_rmse=rmse(OBSERVED, values), predictions=values,
                  dates=DAYS, folder=tmp_path)
    record_result("climatology", val_rmse=3.9, test_rmse=3.7, folder=tmp_path)  # scores only
    return tmp_path


def test_comparison_table_ranks_by_validation_with_the_manifests_family_and_inputs(recorded):
    table = comparison_table(recorded, observed=OBSERVED)
    assert list(table.columns) == COMPARISON_COLUMNS
    assert list(table["key"]) == ["my_gru", "simple_rnn", "climatology", "persistence"]
    assert list(table["val_rmse"]) == sorted(table["val_rmse"])
    rows = table.set_index("key")
    assert (rows.loc["simple_rnn", "family"], rows.loc["simple_rnn", "inputs"]) == (
        "recurrent", "Basel, 30 days, standardised")
    assert rows.loc["climatology", "family"] == "baseline" and rows.loc["climatology", "inputs"] == "calendar day"
    assert (rows.loc["my_gru", "family"], rows.loc["my_gru", "inputs"]) == ("your own", "your own")


def test_comparison_table_intervals_are_the_bootstrap_and_nan_without_forecasts(recorded):
    from helpers.uncertainty import bootstrap_rmse

    rows = comparison_table(recorded, observed=OBSERVED).set_index("key")
    expected = bootstrap_rmse(load_forecasts(["my_gru", "simple_rnn", "persistence"], recorded), OBSERVED)
    for key in expected.index:
        assert rows.loc[key, ["low", "high"]].tolist() == pytest.approx(expected.loc[key, ["low", "high"]].tolist())
        assert rows.loc[key, "low"] < rows.loc[key, "test_rmse"] < rows.loc[key, "high"], key
    assert rows.loc["persistence", "low"] > rows.loc["simple_rnn", "high"]  # three times the noise
    assert math.isnan(rows.loc["climatology", "low"]) and math.isnan(rows.loc["climatology", "high"])


def test_comparison_table_joins_the_seed_range_of_the_committed_spread(recorded):
    from helpers.checks import load_spread

    rows = comparison_table(recorded, observed=OBSERVED).set_index("key")
    spread = load_spread().set_index("key")
    for key in ("simple_rnn", "persistence", "climatology"):
        assert rows.loc[key, ["seed_min", "seed_max"]].tolist() == spread.loc[key, ["test_min", "test_max"]].tolist()
    assert math.isnan(rows.loc["my_gru", "seed_min"]) and math.isnan(rows.loc["my_gru", "seed_max"])


def test_comparison_table_reads_the_observed_sunshine_of_the_forecast_days_when_not_given(recorded, monkeypatch):
    import helpers.results

    asked = []
    monkeypatch.setattr(helpers.results, "observed_sunshine", lambda days: asked.append(days) or OBSERVED)
    table = comparison_table(recorded)
    assert len(asked) == 1 and list(asked[0]) == list(DAYS)
    assert table.equals(comparison_table(recorded, observed=OBSERVED))


def test_comparison_table_needs_no_data_without_forecasts_and_leaves_out_other_tasks(tmp_path):
    record_result("climatology", val_rmse=3.9, test_rmse=3.7, folder=tmp_path)
    record_result("recall_lstm", test_rmse=0.05, folder=tmp_path)  # a recall score is no sunshine forecast
    table = comparison_table(tmp_path)  # no observed and no data file: none is needed
    assert list(table["key"]) == ["climatology"] and table["low"].isna().all()


@pytest.mark.parametrize("exists", [True, False])
def test_comparison_table_of_an_empty_folder_is_empty_with_the_columns(tmp_path, exists):
    folder = tmp_path / "results"
    if exists:
        folder.mkdir()
    table = comparison_table(folder)
    assert table.empty and list(table.columns) == COMPARISON_COLUMNS


def test_results_markdown_bolds_the_model_chosen_on_validation(recorded):
    lines = results_markdown(comparison_table(recorded, observed=OBSERVED)).splitlines()
    assert lines[0].startswith("| model, ranked by validation RMSE | validation RMSE (h) | test RMSE (h) |")
    assert lines[1] == "|---|---|---|---|" and len(lines) == 2 + 4
    assert lines[2].startswith("| **My GRU** (chosen) | 3.00 | ")
    assert re.fullmatch(r"\| SimpleRNN \| 3\.40 \| \d\.\d\d \| \d\.\d\d to \d\.\d\d \|", lines[3])
    assert lines[4] == "| Climatology | 3.90 | 3.70 | – |"  # recorded without forecasts: no interval
    assert sum("(chosen)" in line for line in lines) == 1


def test_results_markdown_shows_a_dash_for_a_missing_validation_score():
    table = pd.DataFrame({"model": ["A", "B"], "val_rmse": [3.0, np.nan], "test_rmse": [3.1, 3.2],
                          "low": [2.9, np.nan], "high": [3.3, np.nan]})
    assert results_markdown(table).splitlines()[2:] == ["| **A** (chosen) | 3.00 | 3.10 | 2.90 to 3.30 |",
                                                        "| B | – | 3.20 | – |"]


def test_results_markdown_refuses_a_table_without_the_columns_it_shows():
    with pytest.raises(ValueError, match=r"table lacks the columns \['high', 'low'\]; pass comparison_table\(\)"):
        results_markdown(pd.DataFrame({"model": ["A"], "val_rmse": [3.0], "test_rmse": [3.1]}))  # load_results'


def test_comparison_figure_draws_every_model_with_its_interval(recorded, close_figures):
    from matplotlib.axes import Axes

    ax = comparison_figure(comparison_table(recorded, observed=OBSERVED), title="The chart")
    assert isinstance(ax, Axes) and ax.get_title() == "The chart"
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == ["My GRU (08)", "SimpleRNN (03)", "Climatology (01)", "Persistence (01)"]
    assert [line.get_label() for line in ax.get_lines()] == ["your own", "recurrent", "baseline"]
    assert len(ax.collections) == 2  # the range over seeds and the bootstrap intervals


def test_observed_sunshine_is_basels_sunshine_on_the_days_asked(monkeypatch):
    import helpers.data

    weather = pd.DataFrame({"DATE": DAYS, "BASEL_sunshine": OBSERVED.to_numpy(), "BASEL_temp_mean": 1.0})
    monkeypatch.setattr(helpers.data, "load_weather", lambda: weather)
    observed = observed_sunshine(DAYS[[3, 1]])
    assert observed.tolist() == OBSERVED.iloc[[3, 1]].tolist() and list(observed.index) == list(DAYS[[3, 1]])


def test_observed_sunshine_refuses_days_that_are_not_in_the_data(monkeypatch):
    import helpers.data

    weather = pd.DataFrame({"DATE": DAYS, "BASEL_sunshine": OBSERVED.to_numpy()})
    monkeypatch.setattr(helpers.data, "load_weather", lambda: weather)
    later = pd.date_range(DAYS[-1], periods=3, freq="D")
    with pytest.raises(ValueError, match=r"^2 forecast days are not in the data \(the first 2009-01-29\); the "
                                         r"results were recorded on other data"):
        observed_sunshine(later)


def test_json_of_ones_own_in_the_results_folder_is_left_out_not_an_error(tmp_path):
    record_result("gru", "08", name="GRU", test_rmse=3.1, folder=tmp_path)
    (tmp_path / "notes.json").write_text('{"todo": "try a GRU"}', encoding="utf-8")  # not named <episode>_<key>
    assert load_results(tmp_path)["key"].tolist() == ["gru"]
