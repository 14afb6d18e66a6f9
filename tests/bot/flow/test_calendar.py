"""Working calendar: examples across weekends, DST and holidays, plus properties."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flow.calendar import WorkingCalendar
from bot.flow.model import CalendarSpec

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
GB = WorkingCalendar(CalendarSpec("Europe/London", holidays="GB"))
US = WorkingCalendar(CalendarSpec("America/New_York", holidays="US"))
H = 3600.0


def local(tz: ZoneInfo, y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


def test_friday_afternoon_to_monday_morning_counts_two_working_hours() -> None:
    # Fri 13 Nov 2026 16:00-17:00 (1 h) + Mon 16 Nov 09:00-10:00 (1 h) = 2 h
    a, b = local(LONDON, 2026, 11, 13, 16), local(LONDON, 2026, 11, 16, 10)
    assert GB.working_seconds(a, b) == 2 * H


def test_uk_dst_weekend_does_not_change_working_hours() -> None:
    # Clocks go back Sun 25 Oct 2026; Fri 16:00 BST -> Mon 10:00 GMT is still 1 h + 1 h.
    a, b = local(LONDON, 2026, 10, 23, 16), local(LONDON, 2026, 10, 26, 10)
    assert GB.working_seconds(a, b) == 2 * H
    assert b.astimezone(UTC) - a.astimezone(UTC) == timedelta(hours=67)  # 66 h wall + 1


def test_us_dst_weekend_does_not_change_working_hours() -> None:
    # Clocks go back Sun 1 Nov 2026 in New York; Fri 16:00 EDT -> Mon 10:00 EST.
    a, b = local(NEW_YORK, 2026, 10, 30, 16), local(NEW_YORK, 2026, 11, 2, 10)
    assert US.working_seconds(a, b) == 2 * H


def test_public_holidays_count_nothing() -> None:
    # Thu 24 Dec 16:00 -> Tue 29 Dec 10:00: Fri 25 (Christmas) and Mon 28 (Boxing Day
    # observed) are holidays in GB, so 1 h (Thu) + 1 h (Tue) = 2 h.
    a, b = local(LONDON, 2026, 12, 24, 16), local(LONDON, 2026, 12, 29, 10)
    assert GB.working_seconds(a, b) == 2 * H
    plain = WorkingCalendar(CalendarSpec("Europe/London"))
    assert plain.working_seconds(a, b) == 2 * H + 16 * H  # the two holidays as workdays


def test_multi_week_span_counts_every_working_day() -> None:
    # Mon 2 Nov 00:00 -> Mon 16 Nov 00:00: 10 workdays x 8 h.
    a, b = local(LONDON, 2026, 11, 2, 0), local(LONDON, 2026, 11, 16, 0)
    assert GB.working_seconds(a, b) == 80 * H


def test_reversed_interval_is_zero() -> None:
    a, b = local(LONDON, 2026, 11, 13, 16), local(LONDON, 2026, 11, 16, 10)
    assert GB.working_seconds(b, a) == 0.0


def test_add_working_crosses_the_weekend_and_ends_at_a_day_end() -> None:
    start = local(LONDON, 2026, 11, 13, 16)
    assert GB.add_working(start, 2 * H) == local(LONDON, 2026, 11, 16, 10)
    assert GB.add_working(start, 1 * H) == local(LONDON, 2026, 11, 13, 17)
    assert GB.add_working(start, 0) == start


def test_add_working_from_a_weekend_starts_monday_morning() -> None:
    sat = local(LONDON, 2026, 11, 14, 12)
    assert GB.add_working(sat, 16 * H) == local(LONDON, 2026, 11, 17, 17)


def test_next_working_instant_and_is_working() -> None:
    assert GB.is_working(local(LONDON, 2026, 11, 13, 9))
    assert not GB.is_working(local(LONDON, 2026, 11, 13, 17))
    assert not GB.is_working(local(LONDON, 2026, 12, 25, 11))
    inside = local(LONDON, 2026, 11, 13, 11)
    assert GB.next_working_instant(inside) == inside
    evening = local(LONDON, 2026, 12, 24, 18)
    assert GB.next_working_instant(evening) == local(LONDON, 2026, 12, 29, 9)


def test_calendar_without_workdays_has_no_working_time() -> None:
    empty = WorkingCalendar(CalendarSpec("UTC", workdays=frozenset()))
    a = datetime(2026, 1, 1, tzinfo=UTC)
    assert empty.working_seconds(a, a + timedelta(days=30)) == 0.0
    with pytest.raises(ValueError):
        empty.add_working(a, 1.0)


def test_custom_hours_and_timezone() -> None:
    cal = WorkingCalendar(CalendarSpec("Asia/Tokyo", start=time(10), end=time(18, 30)))
    day = datetime(2026, 11, 11, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert cal.working_seconds(day, day + timedelta(days=1)) == 8.5 * H


# --------------------------------------------------------------------------- properties

instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
calendars = st.sampled_from([GB, US])
zones = st.sampled_from(["UTC", "Asia/Kolkata", "America/Los_Angeles", "Pacific/Chatham"])


@settings(max_examples=120, deadline=None)
@given(calendars, instants, instants, instants)
def test_additive_over_any_split_point(
    cal: WorkingCalendar, x: datetime, y: datetime, z: datetime
) -> None:
    a, m, b = sorted((x, y, z))
    whole = cal.working_seconds(a, b)
    assert whole == pytest.approx(cal.working_seconds(a, m) + cal.working_seconds(m, b), abs=1e-6)


@settings(max_examples=120, deadline=None)
@given(calendars, instants, instants)
def test_never_more_than_wall_time(cal: WorkingCalendar, x: datetime, y: datetime) -> None:
    a, b = sorted((x, y))
    assert 0.0 <= cal.working_seconds(a, b) <= (b - a).total_seconds() + 1e-6


@settings(max_examples=100, deadline=None)
@given(
    st.dates(min_value=datetime(2026, 1, 1).date(), max_value=datetime(2027, 12, 31).date()),
    st.integers(0, 86399),
    st.integers(0, 86399),
)
def test_zero_inside_a_weekend_or_holiday(day: object, s1: int, s2: int) -> None:
    assert isinstance(day, type(datetime(2026, 1, 1).date()))
    if GB.is_workday(day):
        return
    midnight = datetime.combine(day, time(0), LONDON)
    a, b = sorted((s1, s2))
    # Seconds since local midnight, kept within the same local date.
    start = (midnight.astimezone(UTC) + timedelta(seconds=a)).astimezone(LONDON)
    end = (midnight.astimezone(UTC) + timedelta(seconds=b)).astimezone(LONDON)
    if end.date() != day:
        return
    assert GB.working_seconds(start, end) == 0.0


@settings(max_examples=100, deadline=None)
@given(calendars, instants, instants, zones, zones)
def test_invariant_to_timezone_representation(
    cal: WorkingCalendar, x: datetime, y: datetime, z1: str, z2: str
) -> None:
    a, b = sorted((x, y))
    moved = cal.working_seconds(a.astimezone(ZoneInfo(z1)), b.astimezone(ZoneInfo(z2)))
    assert moved == cal.working_seconds(a, b)


@settings(max_examples=100, deadline=None)
@given(calendars, instants, st.floats(min_value=0, max_value=400 * 3600))
def test_add_working_is_the_inverse_of_working_seconds(
    cal: WorkingCalendar, a: datetime, seconds: float
) -> None:
    deadline = cal.add_working(a, seconds)
    assert deadline >= a
    assert cal.working_seconds(a, deadline) == pytest.approx(seconds, abs=1e-3)


def _walk(cal: WorkingCalendar, a: datetime, b: datetime) -> float:
    """Reference: intersect [a, b) with every local day's working interval, one by one."""
    total, day = 0.0, a.astimezone(cal.zone).date()
    while day <= b.astimezone(cal.zone).date():
        iv = cal.interval(day)
        if iv is not None:
            total += max(0.0, min(iv[1], b.timestamp()) - max(iv[0], a.timestamp()))
        day += timedelta(days=1)
    return total


@settings(max_examples=100, deadline=None)
@given(calendars, instants, instants)
def test_prefix_sums_match_a_day_by_day_walk(
    cal: WorkingCalendar, x: datetime, y: datetime
) -> None:
    a, b = sorted((x, y))
    assert cal.working_seconds(a, b) == pytest.approx(_walk(cal, a, b), abs=1e-6)
