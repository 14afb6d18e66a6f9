"""Any period of local dates, and the span a report covers (an ISO week or a period).

``report --from DATE --to DATE`` reads both dates in the team's timezone, both inclusive:
the period starts at ``--from`` 00:00 and ends (exclusive) at 00:00 of the day after
``--to``. A report of a period has ``week`` null; everything else reads as for a week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.flow.weeks import MAX_YEAR, MIN_YEAR, IsoWeek


@dataclass(frozen=True, slots=True)
class Period:
    """Local dates ``first`` to ``last`` (both inclusive) in an IANA timezone."""

    first: date
    last: date
    timezone: str

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")
        for day in (self.first, self.last):
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise ValueError(f"{day} is outside the years {MIN_YEAR}-{MAX_YEAR}")
        ZoneInfo(self.timezone)

    @property
    def label(self) -> None:
        """A period has no week label (the report's ``week`` is null)."""
        return None

    @property
    def start(self) -> datetime:
        """``first`` 00:00 local, aware in the team's timezone."""
        return datetime.combine(self.first, datetime.min.time(), ZoneInfo(self.timezone))

    @property
    def end(self) -> datetime:
        """00:00 local of the day after ``last`` (exclusive)."""
        nxt = self.last + timedelta(days=1)
        return datetime.combine(nxt, datetime.min.time(), ZoneInfo(self.timezone))

    @property
    def days(self) -> int:
        """How many calendar days the period has."""
        return (self.last - self.first).days + 1

    def in_timezone(self, timezone: str) -> Period:
        """The same local dates in another timezone."""
        return Period(self.first, self.last, timezone)

    def before(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last, self.timezone)


Span = IsoWeek | Period  # what one report covers


def in_timezone(span: Span, timezone: str) -> Span:
    """``span`` read in ``timezone`` (a week or a period keeps its local dates)."""
    if isinstance(span, IsoWeek):
        return IsoWeek(span.year, span.week, timezone)
    return span.in_timezone(timezone)


def parse_date(text: str, option: str) -> date:
    """A ``YYYY-MM-DD`` date; ``ValueError`` naming ``option`` when it is not one."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option}: expected a date like 2026-11-02, got {text!r}") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"{option}: {day} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return day


def period_of(first: str, last: str | None, today: date, timezone: str) -> Period:
    """``--from first --to last`` (``last`` None: to ``today``) in ``timezone``."""
    start = parse_date(first, "--from")
    end = parse_date(last, "--to") if last is not None else today
    if end < start:
        raise ValueError(f"--to ({end}) is before --from ({start})")
    return Period(start, end, timezone)
