"""Score models and keep their results as JSON under ``results/`` for the lesson's comparison.

Example:
    >>> record_result("simple_rnn", val_rmse=3.6, test_rmse=3.5, n_weights=433, epochs=40)

Each result has a key (``"simple_rnn"``): the short, stable identifier that every lookup uses
(``load_predictions("simple_rnn")``, ``check_rmse("simple_rnn", ...)``). A result file holds the key, the
numbers and the forecasts only; the display name (``"SimpleRNN"``), episode, task and family are joined from
the lesson's manifest (``helpers.lesson.MODELS``) when results are read, so renaming a model is an edit of the
manifest, not a rerun. A model of your own (a key the manifest does not list) keeps the name you give it.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import NamedTuple

from helpers.config import Config, current
from helpers.files import write_atomically

import numpy as np
import pandas as pd

FIELDS = ["key", "model", "episode", "val_rmse", "test_rmse", "n_weights", "epochs", "fit_seconds", "task"]
NUMBERS = ["val_rmse", "test_rmse", "n_weights", "epochs", "fit_seconds"]  # what a result file holds, with the key
MANIFEST_FIELDS = ["model", "episode", "task", "family", "inputs"]  # joined from the manifest when read
TASKS = ("sunshine", "recall")  # the forecasts of the lesson, and episode 5's synthetic memory task


def results_dir(config: Config | None = None) -> Path:
    """Folder for result files: the configuration's (``$LESSON_RESULTS_DIR``, else ``results/`` in the project).

    Example: ``results_dir() / "summary.csv"``
    """
    return (config or current()).results_dir


def rmse(y_true, y_pred) -> float:
    """Root mean squared error of two equally long sequences of numbers.

    Example: ``rmse([0, 0], [3, 4])  # 3.5355...``
    """
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"y_true and y_pred must be non-empty and equally long, got {y_true.size} and {y_pred.size}.")
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def _check_key(key) -> str:
    """``key`` if it is a result key (lower case letters, digits and underscores), else a ValueError saying so."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise ValueError(
            f"A result key is a short identifier in lower case with underscores, such as 'stacked_lstm'; got {key!r}."
        )
    return key


def _score(name: str, value) -> float:
    """A score as a float: plain numbers, NumPy scalars and one-element arrays or tensors are accepted."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        raise ValueError(f"{name} must be a number of hours, got {value!r}.")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number of hours, got {value!r}.") from None
    if array.size != 1:
        raise ValueError(f"{name} must be one number, got {array.size} values; pass the score, e.g. evaluate(...)[1].")
    number = float(array.ravel()[0])
    if not math.isfinite(number):
        raise ValueError(f"{name} is {number}, not a finite number: did training diverge? Rerun the notebook from the top.")
    if number < 0:
        raise ValueError(f"{name} must be >= 0, got {number}; an RMSE is never negative.")
    return number


def _described(key: str, episode: str | None, name: str | None, task: str | None) -> tuple[str, str, str]:
    """The episode, name and task of ``key``: the manifest's for a model it lists (a different value given is an
    error that says to change the manifest), else those given (the name defaults to the key)."""
    from helpers.lesson import MODELS

    listed = MODELS.get(key)
    if listed is not None:
        given = {"episode": episode, "name": name, "task": task}
        listed_values = {"episode": listed.episode, "name": listed.name, "task": listed.task}
        clash = [f"{field}={value!r} (the manifest says {listed_values[field]!r})"
                 for field, value in given.items() if value is not None and value != listed_values[field]]
        if clash:
            raise ValueError(f"{key!r} is a model of the lesson's manifest, and {', '.join(clash)}. The manifest "
                             "holds its name, episode and task: to change them, change its entry in MODELS in "
                             "helpers/lesson.py (and leave them out here); to record another model, give it a key "
                             "of its own.")
        return listed.episode, listed.name, listed.task
    if episode is None:
        raise ValueError(f"{key!r} is not a model of the lesson's manifest (helpers/lesson.py), so give the "
                         "two-digit number of the episode it belongs to, e.g. record_result(key, '03', ...).")
    return episode, key if name is None else name, task or "sunshine"


def record_result(
    key: str,
    episode: str | None = None,
    *,
    test_rmse: float,
    name: str | None = None,
    val_rmse: float | None = None,
    n_weights: int = 0,
    epochs: int = 0,
    fit_seconds: float = 0.0,
    folder: str | Path | None = None,
    predictions=None,
    dates=None,
    task: str | None = None,
) -> Path:
    """Write one model's result to ``results/<episode>_<key>.json`` (atomically) and return the path.

    ``key`` identifies the result in every lookup; the file holds it, the numbers and the forecasts. For a
    model of the lesson's manifest (``helpers/lesson.py``) its episode, display ``name`` and ``task`` come from
    there when results are read (given here, they must agree with it). A model of your own needs its episode
    (the file's prefix); its ``name`` (default: the key) and ``task`` are kept in its file. ``val_rmse`` is the score on the validation year, the one to choose models
    by; ``test_rmse`` the score on the test days. With ``predictions`` and their ``dates`` (the test days),
    the forecasts are kept too, for plots. ``task`` is "sunshine" for the lesson's forecasts; episode 5's
    synthetic memory task records under "recall", which tables of sunshine forecasts leave out.

    Example: ``record_result("persistence", val_rmse=4.4, test_rmse=4.3, predictions=p, dates=d)``
    """
    _check_key(key)
    episode, name, task = _described(key, episode, name, task)
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name must be the model's name for tables and plots, such as 'Stacked LSTM'; got {name!r}.")
    if not isinstance(episode, str) or not re.fullmatch(r"[0-9]{2}", episode):
        raise ValueError(f"episode must be the notebook's two-digit number as text, such as '03'; got {episode!r}.")
    if task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}.")
    test_rmse = _score("test_rmse", test_rmse)
    val_rmse = None if val_rmse is None else _score("val_rmse", val_rmse)
    for field, value in {"n_weights": n_weights, "epochs": epochs, "fit_seconds": fit_seconds}.items():
        if not isinstance(value, (int, float, np.integer, np.floating)) or not value >= 0:
            raise ValueError(f"{field} must be a number >= 0, got {value!r}.")
    record = {
        "key": key,
        "val_rmse": None if val_rmse is None else float(val_rmse),
        "test_rmse": float(test_rmse),
        "n_weights": int(n_weights),
        "epochs": int(epochs),
        "fit_seconds": round(float(fit_seconds), 2),
    }
    if not _listed(key):  # a model of your own: what the manifest would say is kept in its file
        record.update(name=name, task=task)
    if (predictions is None) != (dates is None):
        raise ValueError("Pass predictions and dates together (the forecasts and the test days they are for).")
    if predictions is not None:
        values = np.asarray(predictions, dtype=np.float64).ravel()
        days = pd.DatetimeIndex(dates)
        if len(values) != len(days):
            raise ValueError(f"{len(values)} predictions for {len(days)} dates; pass the test part's dates.")
        if not np.isfinite(values).all():
            raise ValueError(f"{int((~np.isfinite(values)).sum())} predictions are NaN or infinite; did training diverge?")
        record["predictions"] = [round(float(value), 4) for value in values]
        record["dates"] = [day.strftime("%Y-%m-%d") for day in days]
    folder = Path(folder) if folder is not None else results_dir()
    path = folder / f"{episode}_{key}.json"
    for other in folder.glob(f"[0-9][0-9]_{key}.json"):  # one key, one result
        if other.name != path.name:
            raise ValueError(
                f"{other.name} in the results folder already holds a result with the key {key!r}, from another "
                f"episode. Give this model a key of its own, or delete {other.name} if it is left over."
            )
    return write_atomically(path, json.dumps(record, indent=2, allow_nan=False))


def _records(folder: str | Path | None) -> list[tuple[Path, dict]]:
    """Every result file in ``folder`` (default: the results folder) with its parsed record, by file name."""
    folder = Path(folder) if folder is not None else results_dir()
    records = []
    # record_result names every file "<episode>_<key>.json": other JSON in the folder (notes of one's own) is not
    # a result, and is left alone
    for path in sorted(folder.glob("[0-9][0-9]_*.json")):
        remedy = ("move it out of the results folder if it is a file of your own; if a notebook wrote it, delete it "
                  f"and rerun notebook {path.name[:2]}")
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise ValueError(f"{path} is not valid JSON ({error}): {remedy}.") from None
        problem = _record_problem(record)
        if problem:
            raise ValueError(f"{path} is not a result this lesson wrote ({problem}): {remedy}.")
        earlier = [other for other, seen in records if seen["key"] == record["key"]]
        if earlier:
            raise ValueError(
                f"{earlier[0]} and {path} both hold a result with the key {record['key']!r}; "
                "delete the one that is left over and rerun its notebook."
            )
        records.append((path, record))
    return records


def _listed(key: str) -> bool:
    """Whether ``key`` is a model of the lesson's manifest."""
    from helpers.lesson import MODELS

    return key in MODELS


def _record_problem(record) -> str:
    """What is wrong with a parsed result file, or '' when it is a result record_result could have written."""
    if not isinstance(record, dict):
        return f"a {type(record).__name__}, not an object"
    if not isinstance(record.get("key"), str) or not KEY_PATTERN.fullmatch(record["key"]):
        return "no key"
    for name in ("name", "model", "episode", "task"):  # a model of your own; "model" and "episode": older files
        if name in record and not isinstance(record[name], str):
            return f"{name} is {record[name]!r}, not text"
    for name in ("test_rmse", "val_rmse"):
        value = record.get(name)
        if value is None and name == "val_rmse":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{name} is {value!r}, not a number"
    if "predictions" in record:
        predictions, dates = record["predictions"], record.get("dates")
        if not isinstance(predictions, list) or not isinstance(dates, list) or len(predictions) != len(dates):
            return "predictions and dates do not match"
        if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in predictions):
            return "a prediction is not a number"
        if not all(isinstance(day, str) for day in dates):
            return "a date is not text"
    return ""


def described(path: Path, record: dict) -> dict:
    """A result file's record with its name, episode, task, family and inputs joined from the manifest.

    A model of your own keeps what its file says (its name, default the key; the episode of its file name).
    Files written before the manifest held these (with "model" and "episode") read the same.

    Example: ``described(Path("03_simple_rnn.json"), {"key": "simple_rnn", "test_rmse": 3.5})["model"]``
    """
    from helpers.lesson import describe

    key = record["key"]
    episode = record.get("episode") or (path.name[:2] if path.name[:2].isdigit() else "")
    model = describe(key, record.get("name") or record.get("model"), episode, record.get("task"))
    values = {name: record.get(name) for name in NUMBERS}
    return {"key": key, "model": model.name, "episode": model.episode, "task": model.task,
            "family": model.family, "inputs": model.inputs, **values}


def with_manifest(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` (one row per model ``key``, as the seed study's tables) with its model, episode, task and family
    joined from the manifest; columns of the same names in ``table`` serve only models the manifest lacks.

    Example: ``with_manifest(pd.DataFrame({"key": ["simple_rnn"], "seeds": [13]}))["model"]  # SimpleRNN``
    """
    from helpers.lesson import describe

    if "key" not in table:
        raise ValueError("table needs a 'key' column (the models' keys) to join the manifest's names to.")
    rows = table.reset_index(drop=True)

    def given(name: str, at: int) -> str | None:
        value = rows[name].iloc[at] if name in rows else None
        return None if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)

    models = [describe(key, given("model", at), given("episode", at) or "", given("task", at))
              for at, key in enumerate(rows["key"])]
    joined = pd.DataFrame({"model": [m.name for m in models], "episode": [m.episode for m in models],
                           "task": [m.task for m in models], "family": [m.family for m in models]})
    rest = rows.drop(columns=[name for name in ("model", "episode", "task", "family") if name in rows])
    joined = pd.concat([rows[["key"]], joined, rest.drop(columns="key")], axis=1)
    joined.index = table.index
    return joined


def _table(records: list[tuple[Path, dict]]) -> pd.DataFrame:
    table = pd.DataFrame([described(path, record) for path, record in records], columns=FIELDS)
    table = table.astype({"val_rmse": float, "test_rmse": float})  # a missing validation score is NaN
    # the validation year decides the order (and so any choice made from it); the test column is only read
    return table.sort_values(["val_rmse", "test_rmse"], ignore_index=True, na_position="last")


def load_results(folder: str | Path | None = None, task: str | None = "sunshine") -> pd.DataFrame:
    """The recorded results of ``task`` (None: all) as a table sorted by validation RMSE (empty if none).

    Example: ``load_results().head()``
    """
    table = _table(_records(folder))
    if task is None:
        return table
    return table[table["task"] == task].reset_index(drop=True)


def load_predictions(key: str, folder: str | Path | None = None) -> pd.Series:
    """The test-day forecasts recorded under ``key``, indexed by date.

    Example: ``load_predictions("persistence").plot()``
    """
    _check_key(key)
    records = _records(folder)
    for path, record in records:
        if record["key"] == key:
            if "predictions" not in record:
                raise ValueError(f"{path.name} holds no predictions; rerun its notebook to record them.")
            return pd.Series(record["predictions"], index=pd.DatetimeIndex(record["dates"], name="DATE"), name=key)
    known = ", ".join(_table(records)["key"]) or "none yet"
    raise ValueError(f"No result recorded under the key {key!r}. Recorded: {known}. Run the notebook that records it.")


def load_forecasts(keys: list[str] | None = None, folder: str | Path | None = None) -> pd.DataFrame:
    """The recorded test-day forecasts under ``keys`` (default: all, in the results' order), one column per key.

    Example: ``load_forecasts(["persistence", "dense_one_day"]).head()``
    """
    if isinstance(keys, str):
        raise ValueError(f"keys must be a list of keys, not the string {keys!r}; wrap it: [{keys!r}].")
    names = list(load_results(folder)["key"]) if keys is None else list(keys)
    forecasts = pd.DataFrame({name: load_predictions(name, folder) for name in names})
    if forecasts.isna().any().any():
        uneven = [name for name in names if forecasts[name].isna().any()]
        raise ValueError(f"{', '.join(uneven)} did not forecast every day the others did; rerun their notebooks.")
    return forecasts


# --- The one renderer: notebook 10, the runner's summary, the README and the website all call these ---------

COMPARISON_COLUMNS = ["key", "model", "episode", "family", "inputs", "val_rmse", "test_rmse", "low", "high",
                      "seed_min", "seed_max", "n_weights", "epochs", "fit_seconds"]


def observed_sunshine(days) -> pd.Series:
    """Basel's observed sunshine on ``days`` (test days), from the lesson's data file.

    Example: ``observed_sunshine(load_forecasts().index)``
    """
    from helpers.data import load_weather

    weather = load_weather().set_index("DATE")
    days = pd.DatetimeIndex(days)
    missing = days.difference(weather.index)
    if len(missing):
        raise ValueError(f"{len(missing)} forecast days are not in the data (the first {missing[0].date()}); "
                         "the results were recorded on other data: rerun the episodes.")
    return weather.loc[days, "BASEL_sunshine"]


def comparison_table(folder: str | Path | None = None, observed: pd.Series | None = None) -> pd.DataFrame:
    """Every sunshine result, ranked by validation RMSE, with its 95% bootstrap interval over the test days
    (``low``, ``high``), the range its test RMSE covered over the seed study's seeds, its family and inputs.

    ``observed`` (the test days' sunshine) is read from the data when not given. A result recorded without
    its forecasts has no interval (NaN). Empty when nothing is recorded.

    Example: ``comparison_table().head()``
    """
    from helpers.checks import load_spread
    from helpers.lesson import MODELS, family
    from helpers.uncertainty import bootstrap_rmse

    results = load_results(folder)
    if results.empty:
        return pd.DataFrame(columns=COMPARISON_COLUMNS)
    with_forecasts = {record["key"] for _, record in _records(folder) if "predictions" in record}
    keys = [key for key in results["key"] if key in with_forecasts]  # the others get no interval
    intervals = pd.DataFrame(columns=["low", "high"], dtype=float)
    if keys:
        forecasts = load_forecasts(keys, folder)
        if observed is None:
            observed = observed_sunshine(forecasts.index)
        intervals = bootstrap_rmse(forecasts, observed)[["low", "high"]]
    spread = load_spread().set_index("key")[["test_min", "test_max"]]
    seeds = spread.rename(columns={"test_min": "seed_min", "test_max": "seed_max"})
    table = results.join(intervals, on="key").join(seeds, on="key")
    table["family"] = table["key"].map(family)  # "your own" for a model the lesson does not list
    table["inputs"] = table["key"].map(lambda key: MODELS[key].inputs if key in MODELS else "your own")
    return table[COMPARISON_COLUMNS]


class RunResults(NamedTuple):
    """A run's results, read and ranked once and handed to the summary and the README writer.

    ``recorded``: every result of every task (``load_results(task=None)``); ``comparison``: the sunshine
    results with their intervals and seed ranges (``comparison_table``).
    """

    recorded: pd.DataFrame
    comparison: pd.DataFrame


def run_results(source: RunResults | pd.DataFrame | str | Path | None = None) -> RunResults:
    """The results of a run, computed once: from a results folder (default: the configured one), or passed
    through when they are computed already (a ``RunResults``, or a comparison table alone).

    Example: ``results = run_results(Path("results")); summarise(results); update_documents(results)``
    """
    if isinstance(source, RunResults):
        return source
    if isinstance(source, pd.DataFrame):
        missing = sorted(set(COMPARISON_COLUMNS) - set(source.columns))
        if missing:
            raise ValueError(f"the table lacks the columns {missing}; pass comparison_table()'s result, a "
                             "results folder, or run_results(folder).")
        return RunResults(recorded=source, comparison=source)
    if source is not None and not isinstance(source, (str, Path)):
        raise ValueError(f"Pass a results folder, comparison_table()'s result or run_results(folder); got "
                         f"{type(source).__name__}.")
    return RunResults(recorded=load_results(source, task=None), comparison=comparison_table(source))


def results_markdown(table: pd.DataFrame) -> str:
    """The comparison table as Markdown, the model chosen on validation (the first row) in bold.

    Example: ``Markdown(results_markdown(comparison_table()))`` in a notebook
    """
    needed = {"model", "val_rmse", "test_rmse", "low", "high"}
    if not needed <= set(table.columns):
        raise ValueError(f"table lacks the columns {sorted(needed - set(table.columns))}; "
                         "pass comparison_table()'s result.")
    lines = ["| model, ranked by validation RMSE | validation RMSE (h) | test RMSE (h) | 95% interval, test (h) |",
             "|---|---|---|---|"]
    for number, row in enumerate(table.itertuples()):
        name = f"**{row.model}** (chosen)" if number == 0 else row.model
        interval = "–" if pd.isna(row.low) else f"{row.low:.2f} to {row.high:.2f}"
        validation = "–" if pd.isna(row.val_rmse) else f"{row.val_rmse:.2f}"
        lines.append(f"| {name} | {validation} | {row.test_rmse:.2f} | {interval} |")
    return "\n".join(lines)


def comparison_figure(table: pd.DataFrame, title: str = "Test RMSE per model, ranked by validation RMSE "
                      "(best on top)"):
    """The comparison chart: test RMSE, bootstrap interval and range over seeds per model; returns the Axes.

    Example: ``comparison_figure(comparison_table()).figure.savefig("comparison.png")``
    """
    from helpers.plotting import plot_comparison

    return plot_comparison(table.drop(columns=["key", "inputs"], errors="ignore"), title=title)
