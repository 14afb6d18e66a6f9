"""A team's working calendar: working hours on workdays minus public holidays, DST-correct.

Each local date's working interval is converted to UTC once (``09:00`` and ``17:00`` local
are resolved through ``zoneinfo``, so a day across a DST change has its true length) and
cached; whole days between two instants come from per-year prefix sums, so a query costs
O(years) after the first touch of a year (and O(days) for deadlines).
"""

from __future__ import annotations

from collections.abc import Container
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.flow.model import CalendarSpec, require_utc
from bot.flow.public_holidays import country

# How far ``add_working``/``next_working_instant`` look ahead before giving up (a calendar
# with workdays but every day a holiday cannot exist; this only bounds pathological specs).
_MAX_SCAN_DAYS = 366 * 5


class WorkingCalendar:
    """Working time of one team (``spec``): seconds between instants, deadlines, checks."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self._holidays: Container[date] = (
            country(spec.holidays) if spec.holidays else frozenset()
        )
        self._workdays = frozenset(int(d) for d in spec.workdays)
        self._has_hours = spec.end > spec.start and bool(self._workdays)
        self._interval = lru_cache(maxsize=8192)(self._compute_interval)
        self._prefix: dict[int, list[float]] = {}

    # ------------------------------------------------------------------ days

    def is_workday(self, day: date) -> bool:
        """A configured workday that is not a public holiday."""
        return day.weekday() in self._workdays and day not in self._holidays

    def _compute_interval(self, day: date) -> tuple[float, float] | None:
        if not self._has_hours or not self.is_workday(day):
            return None
        start = datetime.combine(day, self.spec.start, self.zone).timestamp()
        end = datetime.combine(day, self.spec.end, self.zone).timestamp()
        return (start, end) if end > start else None

    def interval(self, day: date) -> tuple[float, float] | None:
        """The working interval of a local date as POSIX seconds, or ``None``."""
        return self._interval(day)

    def _local_date(self, ts: float) -> date:
        return datetime.fromtimestamp(ts, self.zone).date()

    # ------------------------------------------------------------------ queries

    def _year_prefix(self, year: int) -> list[float]:
        """``p[i]``: working seconds of the year's first ``i`` days (``p[-1]``: the year)."""
        cached = self._prefix.get(year)
        if cached is None:
            cached = [0.0]
            day = date(year, 1, 1)
            while day.year == year:
                iv = self._interval(day)
                cached.append(cached[-1] + (iv[1] - iv[0] if iv is not None else 0.0))
                day += timedelta(days=1)
            self._prefix[year] = cached
        return cached

    def _full_days(self, first: date, last: date) -> float:
        """Working seconds of the whole days ``first`` .. ``last`` - 1 (O(years))."""
        if last <= first:
            return 0.0
        a = self._year_prefix(first.year)
        i = first.timetuple().tm_yday - 1
        if first.year == last.year:
            return self._year_prefix(last.year)[last.timetuple().tm_yday - 1] - a[i]
        total = a[-1] - a[i]
        for year in range(first.year + 1, last.year):
            total += self._year_prefix(year)[-1]
        return total + self._year_prefix(last.year)[last.timetuple().tm_yday - 1]

    def _partial(self, day: date, a: float, b: float) -> float:
        iv = self._interval(day)
        if iv is None:
            return 0.0
        return max(0.0, min(iv[1], b) - max(iv[0], a))

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working seconds in ``[start, end)``; 0 when ``end <= start``."""
        require_utc(start, "start")
        require_utc(end, "end")
        a, b = start.timestamp(), end.timestamp()
        if b <= a or not self._has_hours:
            return 0.0
        first, last = self._local_date(a), self._local_date(b)
        if first == last:
            return self._partial(first, a, b)
        # Two partial days at the ends, whole days in between from per-year prefix sums.
        inner = self._full_days(first + timedelta(days=1), last)
        return self._partial(first, a, b) + inner + self._partial(last, a, b)

    def is_working(self, instant: datetime) -> bool:
        """Whether ``instant`` lies inside working hours (start inclusive, end exclusive)."""
        require_utc(instant, "instant")
        ts = instant.timestamp()
        iv = self._interval(self._local_date(ts))
        return iv is not None and iv[0] <= ts < iv[1]

    def next_working_instant(self, instant: datetime) -> datetime:
        """``instant`` when working, else the start of the next working interval (UTC)."""
        require_utc(instant, "instant")
        ts = instant.timestamp()
        day = self._local_date(ts)
        for _ in range(_MAX_SCAN_DAYS):
            iv = self._interval(day)
            if iv is not None and ts < iv[1]:
                return datetime.fromtimestamp(max(ts, iv[0]), UTC)
            day += timedelta(days=1)
        raise ValueError("the calendar has no working time ahead")

    def add_working(self, instant: datetime, seconds: float) -> datetime:
        """The instant when ``seconds`` of working time after ``instant`` have passed (UTC).

        With ``seconds == 0`` it is ``instant`` itself; a deadline that ends a working day
        is that day's end, not the next morning.
        """
        require_utc(instant, "instant")
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        ts = instant.timestamp()
        if seconds == 0:
            return instant.astimezone(UTC)
        remaining = float(seconds)
        day = self._local_date(ts)
        for _ in range(_MAX_SCAN_DAYS * 10):
            iv = self._interval(day)
            if iv is not None and ts < iv[1]:
                lo = max(ts, iv[0])
                available = iv[1] - lo
                if remaining <= available:
                    return datetime.fromtimestamp(lo + remaining, UTC)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("the calendar has no working time ahead")
