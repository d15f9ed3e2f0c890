"""Hypothesis draws shared by the tests of the windows and of the benchmark's baseline loops."""

from __future__ import annotations

import pandas as pd
from hypothesis import strategies as st


def draw_daily_frame(data) -> tuple[pd.DataFrame, list[str], int]:
    """A daily frame of 2-60 rows (DATE, 1-4 columns x0.., "target") and a window that leaves samples.

    Example: ``frame, columns, window = draw_daily_frame(data)`` inside a ``@given(data=st.data())`` test
    """
    rows = data.draw(st.integers(2, 60), label="rows")
    features = data.draw(st.integers(1, 4), label="features")
    window = data.draw(st.integers(1, rows - 1), label="window")
    values = data.draw(
        st.lists(
            st.lists(st.floats(-1e4, 1e4, allow_nan=False, width=32), min_size=features + 1, max_size=features + 1),
            min_size=rows,
            max_size=rows,
        ),
        label="values",
    )
    columns = [f"x{j}" for j in range(features)]
    frame = pd.DataFrame(values, columns=[*columns, "target"])
    frame.insert(0, "DATE", pd.date_range("2001-03-01", periods=rows, freq="D"))
    return frame, columns, window
