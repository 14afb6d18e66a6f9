"""Quantiles with linear interpolation between closest ranks (``Stat.of`` uses them)."""

from __future__ import annotations

import math


def quantile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile of sorted values, numpy's default (type 7) interpolation."""
    if not sorted_values:
        raise ValueError("quantile of an empty sample")
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    frac = pos - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac
