"""Checks of arguments at the helpers' boundary, with messages that say what is wrong and what to pass instead.

Standard library only, so that the tools can use it before anything is installed.
"""

from __future__ import annotations

import math
import numbers


def whole_number(name: str, value, minimum: int = 1, *, below: int | None = None, unit: str = "") -> int:
    """``value`` as an ``int`` once it is a whole number >= ``minimum`` (and < ``below``); else a ValueError.

    Python and NumPy integers pass; ``True``, ``2.0``, ``2.5`` and ``"2"`` do not. ``unit`` names what is
    counted in the message (``"days"``: "a whole number of days").

    Example: ``whole_number("epochs", 5)  # 5``; ``whole_number("epochs", 2.5)`` raises ValueError
    """
    whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if whole and value >= minimum and (below is None or value < below):
        return int(value)
    suggestion = minimum  # the whole number nearest to what was given, within the bounds
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value):
        suggestion = max(minimum, int(round(value)))
        suggestion = suggestion if below is None else min(suggestion, below - 1)
    kind = f"a whole number of {unit}" if unit else "a whole number"
    bounds = f">= {minimum}" if below is None else f"from {minimum} to {below - 1}"
    raise ValueError(f"{name} must be {kind} {bounds}, got {value!r}; pass a plain integer, e.g. {name}={suggestion}.")
