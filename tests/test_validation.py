"""helpers/validation.py: one check for whole numbers, with a message that names the problem and the fix."""

from __future__ import annotations

from helpers.validation import whole_number

import numpy as np
import pytest


@pytest.mark.parametrize("value", [1, 7, np.int64(3), np.uint32(2)])
def test_whole_numbers_pass_as_ints(value):
    result = whole_number("epochs", value)
    assert result == value and type(result) is int


@pytest.mark.parametrize("value, suggestion", [
    (0, 1), (-3, 1), (2.5, 2), (3.0, 3), ("3", 1), (True, 1), (None, 1), (np.bool_(True), 1), (float("nan"), 1),
])
def test_other_values_are_refused_with_a_suggestion(value, suggestion):
    with pytest.raises(ValueError) as error:
        whole_number("epochs", value)
    assert str(error.value) == (f"epochs must be a whole number >= 1, got {value!r}; "
                                f"pass a plain integer, e.g. epochs={suggestion}.")


def test_the_bounds_and_the_unit_go_into_the_message():
    assert whole_number("seed", 0, minimum=0, below=2**32) == 0
    with pytest.raises(ValueError, match=r"^seed must be a whole number from 0 to 4294967295, got 4294967296; "
                                         r"pass a plain integer, e.g. seed=4294967295\.$"):
        whole_number("seed", 2**32, minimum=0, below=2**32)
    with pytest.raises(ValueError, match=r"^window must be a whole number of days >= 1, got 0; .* window=1\.$"):
        whole_number("window", 0, unit="days")
    with pytest.raises(ValueError, match=r"resamples must be a whole number >= 100, got 10; .* resamples=100\."):
        whole_number("resamples", 10, minimum=100)
