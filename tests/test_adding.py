"""tools/adding.py: what adding a model or an episode takes, read from the manifest."""

from __future__ import annotations

import helpers.lesson
from tools import adding


def test_the_lists_name_the_manifests_entries_seeds_and_years(capsys):
    assert adding.main([]) == 0
    out = capsys.readouterr().out
    assert "Adding a model" in out and "Adding an episode" in out
    for field in (*helpers.lesson.Model._fields, *helpers.lesson.Episode._fields):
        assert field in out
    for text in (helpers.lesson.CALIBRATION_SEEDS, helpers.lesson.HELD_OUT_SEEDS, helpers.lesson.BACKTEST_SEEDS,
                 "helpers/seed_spread.csv", "helpers/backtest.csv", "python3 -m tools lesson", "record_result"):
        assert text in out


def test_the_lists_follow_the_manifest(monkeypatch, capsys):
    monkeypatch.setattr(helpers.lesson, "HELD_OUT_SEEDS", "40-44")
    monkeypatch.setattr(helpers.lesson, "BACKTEST_YEARS", (2003, 2004, 2008))
    assert adding.main(["model"]) == 0
    out = capsys.readouterr().out
    assert "--seeds 40-44 --held-out" in out and "2003, 2004 (BACKTEST_YEARS)" in out
    assert "Adding an episode" not in out


def test_an_unknown_word_prints_the_usage(capsys):
    assert adding.main(["models", "please"]) == 2
    assert adding.main(["dataset"]) == 2
    assert "Usage: python3 -m tools adding" in capsys.readouterr().err
