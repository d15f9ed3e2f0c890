"""What the lesson is made of: every model it records, with its key, display name, episode and family.

One list that the comparison notebook (its families), the seed-spread tests and the tools read, so that a
new model is added here once.

Example:
    >>> MODELS["simple_rnn"].episode
    '03'
"""

from __future__ import annotations

from typing import NamedTuple


class Model(NamedTuple):
    """One recorded model: display name, episode, family, and the task it solves."""

    name: str
    episode: str
    family: str
    task: str = "sunshine"


MODELS: dict[str, Model] = {
    "persistence": Model("Persistence", "01", "baseline"),
    "climatology": Model("Climatology", "01", "baseline"),
    "dense_one_day": Model("Dense, one day", "01", "dense"),
    "dense_30_lags": Model("Dense, 30 lags", "02", "dense"),
    "simple_rnn": Model("SimpleRNN", "03", "recurrent"),
    "stacked_simple_rnn": Model("Stacked SimpleRNN", "04", "recurrent"),
    "stacked_lstm": Model("Stacked LSTM", "05", "recurrent"),
    "recall_simple_rnn": Model("SimpleRNN, recall task", "05", "recurrent", "recall"),
    "recall_lstm": Model("LSTM, recall task", "05", "recurrent", "recall"),
    "recall_gru": Model("GRU, recall task", "05", "recurrent", "recall"),
    "stacked_lstm_1_day": Model("Stacked LSTM, 1 day", "06", "recurrent"),
    "stacked_lstm_7_days": Model("Stacked LSTM, 7 days", "06", "recurrent"),
    "stacked_lstm_90_days": Model("Stacked LSTM, 90 days", "06", "recurrent"),
    "stacked_lstm_unscaled": Model("Stacked LSTM, raw inputs", "07", "recurrent"),
    "stacked_lstm_seed_average": Model("Stacked LSTM, average of 3 seeds", "07", "recurrent"),
    "stacked_gru": Model("GRU", "08", "recurrent"),
    "causal_cnn": Model("Causal CNN", "08", "convolution or attention"),
    "self_attention": Model("Self-attention", "08", "convolution or attention"),
    "ridge_basel": Model("Ridge, Basel 7 days", "09", "classical"),
    "boosting_basel": Model("Gradient boosting, Basel 7 days", "09", "classical"),
    "ridge_all_stations": Model("Ridge, all stations 7 days", "09", "classical"),
    "boosting_all_stations": Model("Gradient boosting, all stations 7 days", "09", "classical"),
    "stacked_lstm_all_stations": Model("Stacked LSTM, all stations 7 days", "09", "recurrent"),
    "lstm_boosting_average": Model("LSTM + boosting average, all stations", "09", "average of two"),
}


def family(key: str) -> str:
    """The family a result key belongs to; "your own" for a model the lesson does not list.

    Example: ``family("causal_cnn")  # 'convolution or attention'``
    """
    model = MODELS.get(key)
    return model.family if model else "your own"


def models_of(task: str = "sunshine") -> list[str]:
    """The keys of every model of ``task``, in lesson order.

    Example: ``models_of("recall")  # ['recall_simple_rnn', 'recall_lstm', 'recall_gru']``
    """
    if task not in {model.task for model in MODELS.values()}:
        raise ValueError(f"task must be 'sunshine' or 'recall', got {task!r}.")
    return [key for key, model in MODELS.items() if model.task == task]
