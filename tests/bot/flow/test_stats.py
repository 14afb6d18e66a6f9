"""count / median / p85 with numpy-default interpolation (``Stat.of``), and its JSON."""

from __future__ import annotations

import statistics

from hypothesis import given
from hypothesis import strategies as st

from bot.flow.sections import Stat


def test_empty_sample_is_null() -> None:
    assert Stat.of([]) == Stat(0, None, None)
    assert Stat.of([]).to_json() == {"count": 0, "median": None, "p85": None}


def test_single_value() -> None:
    assert Stat.of([3]).to_json() == {"count": 1, "median": 3.0, "p85": 3.0}
    assert isinstance(Stat.of([3]).median, float)  # an int sample still gives 3.0 in JSON


def test_interpolates_between_closest_ranks() -> None:
    # [1, 2, 3, 10]: median at rank 1.5 -> 2.5; p85 at rank 2.55 -> 3 + 0.55 * 7 = 6.85
    result = Stat.of([10, 1, 3, 2])
    assert result.median == 2.5
    assert abs(float(result.p85 or 0) - 6.85) < 1e-12


def test_one_outlier_does_not_move_the_median() -> None:
    assert Stat.of([1, 2, 3]).median == Stat.of([1, 2, 3000]).median == 2.0


@given(st.lists(st.floats(0, 1e6), min_size=2, max_size=50))
def test_matches_statistics_quantiles_inclusive(values: list[float]) -> None:
    cuts = statistics.quantiles(values, n=20, method="inclusive")  # 5 % steps: 17th is p85
    result = Stat.of(values)
    assert abs(float(result.p85 or 0) - cuts[16]) <= 1e-6 * max(1.0, abs(cuts[16]))
    assert abs(float(result.median or 0) - statistics.median(values)) <= 1e-6 * max(
        1.0, abs(statistics.median(values))
    )
