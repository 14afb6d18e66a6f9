"""What the report needs of the store, and how one team-week's ``WeekData`` is read.

``WeekSource`` names the store's window reads (``bot.store.windows``); the flow domain
only sees this protocol, never SQL. ``prs_released`` is optional: a store without it
leaves ``releases.change_lead_hours`` empty.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.flow.facts import HandoffFact, IncidentFact, ItemFact, PrFact, ReleaseFact, StatusSpan
from bot.flow.model import TeamFlow
from bot.flow.report import WeekData, snapshot_instant
from bot.flow.weeks import IsoWeek


class WeekSource(Protocol):
    """The store's reads behind one ``WeekData`` (windows are half-open ``[start, end)``)."""

    def handoffs_started(
        self, team: str, start: datetime, end: datetime, *, conn: Any = None
    ) -> list[HandoffFact]: ...

    def handoffs_ended(
        self, team: str, start: datetime, end: datetime, *, conn: Any = None
    ) -> list[HandoffFact]: ...

    def handoffs_waiting_at(
        self, team: str, at: datetime, *, conn: Any = None
    ) -> list[HandoffFact]: ...

    def spans_at(
        self, team: str, at: datetime, statuses: Collection[str], *, conn: Any = None
    ) -> list[StatusSpan]: ...

    def items_delivered(
        self, team: str, start: datetime, end: datetime, *, conn: Any = None
    ) -> list[ItemFact]: ...

    def incidents_resolved(
        self, team: str, start: datetime, end: datetime, *, conn: Any = None
    ) -> list[IncidentFact]: ...

    def prs_opened(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Any = None
    ) -> list[PrFact]: ...

    def prs_merged(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Any = None
    ) -> list[PrFact]: ...

    def prs_first_reviewed(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Any = None
    ) -> list[PrFact]: ...

    def releases_published(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Any = None
    ) -> list[ReleaseFact]: ...

    def first_release_at(self, repos: Collection[str], *, conn: Any = None) -> datetime | None: ...


def load_week_data(
    source: WeekSource, team: TeamFlow, week: IsoWeek, now: datetime, conn: Any = None
) -> WeekData:
    """Read one team-week's facts: one store query per ``WeekData`` field.

    Pass ``conn`` (one read-only transaction of the store) for a consistent snapshot and
    one round of connection set-up instead of one per query.
    """
    week = IsoWeek(week.year, week.week, team.calendar.timezone)
    start, end = week.start.astimezone(UTC), week.end.astimezone(UTC)
    at = snapshot_instant(week, now)
    repos = team.repos
    released = getattr(source, "prs_released", None)
    return WeekData(
        handoffs_started=tuple(source.handoffs_started(team.name, start, end, conn=conn)),
        handoffs_ended=tuple(source.handoffs_ended(team.name, start, end, conn=conn)),
        handoffs_waiting=tuple(source.handoffs_waiting_at(team.name, at, conn=conn)),
        wip_spans=tuple(source.spans_at(team.name, at, team.workflow.started, conn=conn)),
        items_delivered=tuple(source.items_delivered(team.name, start, end, conn=conn)),
        first_release_at=source.first_release_at(repos, conn=conn),
        prs_opened=tuple(source.prs_opened(repos, start, end, conn=conn)),
        prs_merged=tuple(source.prs_merged(repos, start, end, conn=conn)),
        prs_first_reviewed=tuple(source.prs_first_reviewed(repos, start, end, conn=conn)),
        releases=tuple(source.releases_published(repos, start, end, conn=conn)),
        incidents_resolved=tuple(source.incidents_resolved(team.name, start, end, conn=conn)),
        prs_released=tuple(released(repos, start, end, conn=conn)) if callable(released) else (),
    )
