"""tools/summary.py: the table the runner prints at the end of a run."""

from __future__ import annotations

import shutil

from helpers.config import current, using
from helpers.results import record_result, run_results
from tools.summary import summarise

import pytest


def test_summarise_prints_the_results_ranked_by_validation(tmp_path, capsys):
    record_result("persistence", val_rmse=4.4, test_rmse=4.912, folder=tmp_path)
    record_result("my_lstm", "05", name="My LSTM", val_rmse=3.4, test_rmse=3.3, n_weights=1201, folder=tmp_path)
    record_result("recall_lstm", test_rmse=0.05, folder=tmp_path)  # another task: not in the table
    summarise(tmp_path)
    out = capsys.readouterr().out
    assert "Results, ranked by validation RMSE" in out and "on the same 366 days" in out
    lines = out.strip().splitlines()
    header = lines.index(next(line for line in lines if line.split()[:2] == ["model", "episode"]))
    assert lines[header].split() == ["model", "episode", "val_rmse", "test_rmse", "low", "high", "n_weights"]
    rows = lines[header + 1:]
    assert len(rows) == 2 and rows[0].split()[:5] == ["My", "LSTM", "05", "3.400", "3.300"]
    assert rows[1].split()[:4] == ["Persistence", "01", "4.400", "4.912"] and "NaN" in rows[1]  # no forecasts
    assert "recall" not in out


def test_summarise_without_results_says_so_and_writes_nothing(tmp_path, capsys):
    summarise(tmp_path)
    assert capsys.readouterr().out.strip() == "No results recorded yet."
    assert list(tmp_path.iterdir()) == []


def test_summarise_reads_the_results_folder_of_the_run_by_default(tmp_path, capsys):
    with using(current().but(results_dir=tmp_path)):
        record_result("climatology", val_rmse=3.9, test_rmse=3.7)
        summarise()
    assert capsys.readouterr().out.strip().splitlines()[-1].split()[:4] == ["Climatology", "01", "3.900", "3.700"]


def test_summarise_prints_the_table_it_is_handed_without_reading_the_folder(tmp_path, capsys):
    record_result("climatology", val_rmse=3.9, test_rmse=3.7, folder=tmp_path / "results")
    results = run_results(tmp_path / "results")
    shutil.rmtree(tmp_path / "results")  # what is printed comes from the table, not from the files
    summarise(results)
    first = capsys.readouterr().out
    summarise(results.comparison)
    assert capsys.readouterr().out == first and "Climatology" in first
    with pytest.raises(ValueError, match="columns"):
        summarise(results.comparison[["model"]])
