"""helpers/lesson.py: the lesson's list of models."""

from __future__ import annotations

import pytest

from helpers.lesson import MODELS, family, models_of
from helpers.results import KEY_PATTERN, TASKS


def test_every_key_is_a_result_key_and_every_entry_is_complete():
    for key, model in MODELS.items():
        assert KEY_PATTERN.fullmatch(key), key
        assert model.name.strip() and len(model.episode) == 2 and model.task in TASKS, key
    assert len({model.name for model in MODELS.values()}) == len(MODELS)


def test_families_and_tasks():
    assert family("causal_cnn") == "convolution or attention"
    assert family("my_model") == "your own"
    assert models_of("recall") == ["recall_simple_rnn", "recall_lstm", "recall_gru"]
    assert "recall_lstm" not in models_of()


def test_an_unknown_task_is_refused():
    with pytest.raises(ValueError, match="task must be"):
        models_of("rain")
