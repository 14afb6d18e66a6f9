"""Count / median / p85 with linear interpolation between closest ranks."""

from __future__ import annotations

import math
from collections.abc import Iterable


def quantile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile of sorted values, numpy's default (type 7) interpolation."""
    if not sorted_values:
        raise ValueError("quantile of an empty sample")
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def summary(values: Iterable[float]) -> dict[str, int | float | None]:
    """``{"count", "median", "p85"}``; median and p85 are ``None`` when empty."""
    data = sorted(float(v) for v in values)
    if not data:
        return {"count": 0, "median": None, "p85": None}
    return {"count": len(data), "median": quantile(data, 0.5), "p85": quantile(data, 0.85)}
