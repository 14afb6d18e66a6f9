"""ISO weeks in a team's timezone: ``YYYY-Www`` labels and their start/end instants."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_LABEL = re.compile(r"^(\d{4})-W(\d{2})$")
# Weeks and dates given by people are read within these years: far enough from the ends of
# Python's calendar that a report's earlier weeks and timezone shifts stay computable.
MIN_YEAR, MAX_YEAR = 1971, 9998


@dataclass(frozen=True, slots=True)
class IsoWeek:
    """One ISO week (Monday 00:00 to Monday 00:00) in an IANA timezone."""

    year: int
    week: int
    timezone: str

    def __post_init__(self) -> None:
        # date.fromisocalendar validates the week number for the year (52 or 53 weeks).
        date.fromisocalendar(self.year, self.week, 1)
        ZoneInfo(self.timezone)

    @classmethod
    def parse(cls, label: str, timezone: str) -> IsoWeek:
        """Parse ``YYYY-Www`` (e.g. ``2026-W46``); ``ValueError`` when malformed."""
        match = _LABEL.match(label.strip())
        if match is None:
            raise ValueError(f"expected a week like 2026-W46, got {label!r}")
        if not MIN_YEAR <= int(match.group(1)) <= MAX_YEAR:
            raise ValueError(f"{label.strip()} is outside the years {MIN_YEAR}-{MAX_YEAR}")
        try:
            return cls(int(match.group(1)), int(match.group(2)), timezone)
        except ValueError:
            raise ValueError(f"no such ISO week: {label!r}") from None

    @classmethod
    def containing(cls, instant: datetime, timezone: str) -> IsoWeek:
        """The week that contains an aware ``instant`` in ``timezone``."""
        local = instant.astimezone(ZoneInfo(timezone))
        year, week, _ = local.isocalendar()
        return cls(year, week, timezone)

    @property
    def label(self) -> str:
        """``YYYY-Www``."""
        return f"{self.year:04d}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        """The local date of the week's Monday."""
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def start(self) -> datetime:
        """Monday 00:00 local, as an aware datetime in the team's timezone."""
        return datetime.combine(self.monday, datetime.min.time(), ZoneInfo(self.timezone))

    @property
    def end(self) -> datetime:
        """The next Monday 00:00 local (exclusive end; 167 or 169 h across DST)."""
        nxt = self.monday + timedelta(days=7)
        return datetime.combine(nxt, datetime.min.time(), ZoneInfo(self.timezone))

    def contains(self, instant: datetime) -> bool:
        """Whether ``start <= instant < end``."""
        return self.start <= instant < self.end

    def shifted(self, weeks: int) -> IsoWeek:
        """The week ``weeks`` weeks later (negative: earlier)."""
        year, week, _ = (self.monday + timedelta(weeks=weeks)).isocalendar()
        return IsoWeek(year, week, self.timezone)

    def previous(self, count: int) -> list[IsoWeek]:
        """The ``count`` weeks before this one, oldest first."""
        return [self.shifted(-n) for n in range(count, 0, -1)]


def current_week(now: datetime, timezone: str) -> IsoWeek:
    """The week containing ``now`` (aware) in ``timezone``."""
    return IsoWeek.containing(now, timezone)
