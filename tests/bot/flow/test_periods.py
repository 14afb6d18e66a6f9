"""Periods of local dates: bounds in the team's timezone, validation, the period before."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.flow.periods import Period, in_timezone, period_of
from bot.flow.review import baseline_of, default_periods, scheduled_periods
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


def test_scheduled_reviews_take_the_last_complete_month_or_quarter() -> None:
    key, current, baseline = scheduled_periods("month", date(2026, 12, 1), "UTC")
    assert key == "2026-11"
    assert (current.first, current.last) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (baseline.first, baseline.last) == (date(2026, 10, 1), date(2026, 10, 31))
    key, current, baseline = scheduled_periods("month", date(2027, 1, 5), "UTC")
    assert key == "2026-12" and baseline.first == date(2026, 11, 1)
    key, current, baseline = scheduled_periods("quarter", date(2027, 2, 1), "UTC")
    assert key == "2026-Q4"
    assert (current.first, current.last) == (date(2026, 10, 1), date(2026, 12, 31))
    assert (baseline.first, baseline.last) == (date(2026, 7, 1), date(2026, 9, 30))


def test_default_review_is_13_complete_weeks_against_the_13_before() -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # a Wednesday of 2026-W49
    current, baseline = default_periods(now, "Europe/London")
    assert (current.first, current.last) == (date(2026, 8, 31), date(2026, 11, 29))
    assert current.days == baseline.days == 91
    assert baseline.last == date(2026, 8, 30)


def test_a_baseline_given_by_one_end_keeps_the_periods_length() -> None:
    current = Period(date(2026, 11, 1), date(2026, 11, 30), "UTC")
    assert baseline_of(current, None, None) == Period(date(2026, 10, 2), date(2026, 10, 31), "UTC")
    assert baseline_of(current, date(2026, 1, 1), None) == Period(
        date(2026, 1, 1), date(2026, 10, 31), "UTC")
    assert baseline_of(current, None, date(2026, 6, 30)) == Period(
        date(2026, 6, 1), date(2026, 6, 30), "UTC")
