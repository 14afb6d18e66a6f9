"""Periods of local dates: bounds in the team's timezone, validation, the period before."""

from __future__ import annotations

from datetime import date

import pytest

from bot.flow.periods import Period, in_timezone, period_of
from bot.flow.weeks import IsoWeek


def test_bounds_are_local_midnights_across_a_dst_change() -> None:
    # London leaves summer time on Sun 25 Oct 2026.
    period = Period(date(2026, 10, 19), date(2026, 11, 1), "Europe/London")
    assert period.start.isoformat() == "2026-10-19T00:00:00+01:00"
    assert period.end.isoformat() == "2026-11-02T00:00:00+00:00"
    assert period.days == 14
    assert (period.end.timestamp() - period.start.timestamp()) / 3600 == 14 * 24 + 1


def test_the_period_before_has_the_same_length_and_ends_the_day_before() -> None:
    period = Period(date(2026, 9, 1), date(2026, 11, 30), "UTC")
    before = period.before()
    assert before.last == date(2026, 8, 31) and before.days == period.days == 91


def test_in_timezone_keeps_local_dates_and_weeks() -> None:
    period = Period(date(2026, 11, 2), date(2026, 11, 8), "UTC")
    ny = in_timezone(period, "America/New_York")
    assert isinstance(ny, Period) and ny.start.isoformat() == "2026-11-02T00:00:00-05:00"
    week = in_timezone(IsoWeek(2026, 45, "UTC"), "Asia/Tokyo")
    assert isinstance(week, IsoWeek) and week.label == "2026-W45" and week.timezone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("first", "last", "needle"),
    [
        ("2026-11-09", "2026-11-01", "before --from"),
        ("nov", None, "--from"),
        ("2026-11-01", "someday", "--to"),
        ("0001-01-01", "2026-01-01", "1971-9998"),
        ("2026-01-01", "9999-12-31", "1971-9998"),
    ],
)
def test_bad_periods_name_the_option(first: str, last: str | None, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        period_of(first, last, date(2026, 12, 2), "UTC")


def test_from_alone_runs_to_today() -> None:
    period = period_of("2026-11-01", None, date(2026, 12, 2), "UTC")
    assert (period.first, period.last) == (date(2026, 11, 1), date(2026, 12, 2))
