"""The report object of one team and one ISO week or period, from stored facts (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from bot.flow.calendar import WorkingCalendar
from bot.flow.facts import HandoffFact, IncidentFact, ItemFact, PrFact, ReleaseFact, StatusSpan
from bot.flow.metrics import (
    delivery_section,
    handoff_section,
    incident_section,
    pull_request_section,
    release_section,
    wip_count,
)
from bot.flow.model import CalendarSpec, TeamFlow, require_utc
from bot.flow.periods import Span, in_timezone
from bot.flow.sections import Report
from bot.flow.stages import ItemHistory


@dataclass(frozen=True, slots=True)
class WeekData:
    """The facts one team-week report reads; each field is one store query.

    ``[start, end)`` is the week; ``as_of`` is ``snapshot_instant(week, now)``. Fields may
    hold extra facts (the report filters again), never fewer.
    """

    handoffs_started: tuple[HandoffFact, ...]  # team's handoffs with started_at in [start, end)
    handoffs_ended: tuple[HandoffFact, ...]  # team's handoffs with ended_at in [start, end)
    handoffs_waiting: tuple[HandoffFact, ...]  # started_at < as_of, ended_at None or >= as_of
    wip_spans: tuple[StatusSpan, ...]  # spans in workflow.started covering as_of (same rule)
    items_delivered: tuple[ItemFact, ...]  # team's items with delivered_at in [start, end)
    first_release_at: datetime | None  # earliest eligible release of the team's repos, ever
    prs_opened: tuple[PrFact, ...]  # team repos' PRs with opened_at in [start, end)
    prs_merged: tuple[PrFact, ...]  # merged_at in [start, end)
    prs_first_reviewed: tuple[PrFact, ...]  # first_review_at in [start, end)
    releases: tuple[ReleaseFact, ...]  # team repos' releases with published_at in [start, end)
    incidents_resolved: tuple[IncidentFact, ...]  # team's incidents, resolved in [start, end)
    prs_released: tuple[PrFact, ...] = ()  # released_at in [start, end) (change lead time)
    histories: tuple[ItemHistory, ...] = ()  # status spans and linked PRs of items_delivered
    deploy_failures: tuple[datetime, ...] = ()  # last status of failed deployment attempts


EMPTY_WEEK = WeekData((), (), (), (), (), None, (), (), (), (), ())


def snapshot_instant(week: Span, now: datetime) -> datetime:
    """When ``waiting`` and ``wip`` are read: the span's end, or ``now`` if that is earlier."""
    require_utc(now, "now")
    return min(week.end.astimezone(UTC), now.astimezone(UTC))


@lru_cache(maxsize=256)
def calendar_for(spec: CalendarSpec) -> WorkingCalendar:
    """One shared calendar (with its per-day cache) per calendar spec."""
    return WorkingCalendar(spec)


def build_report(team: TeamFlow, week: Span, now: datetime, data: WeekData) -> Report:
    """The report of ``team`` over an ISO week or a period (docs/metrics.md).

    A period's report is the same object with ``week`` None.
    """
    # The span is always read in the team's timezone, whatever the caller built it with.
    week = in_timezone(week, team.calendar.timezone)
    # Filter in UTC: comparing two datetimes of one ZoneInfo ignores the DST fold.
    start, end = week.start.astimezone(UTC), week.end.astimezone(UTC)
    as_of = snapshot_instant(week, now)
    calendar = calendar_for(team.calendar)
    return Report(
        team=team.name,
        week=week.label,
        start=week.start,
        end=week.end,
        timezone=week.timezone,
        handoffs=handoff_section(
            data.handoffs_started,
            data.handoffs_ended,
            data.handoffs_waiting,
            start,
            end,
            as_of,
            calendar,
        ),
        delivery=delivery_section(
            data.items_delivered,
            data.first_release_at,
            start,
            end,
            data.histories,
            team.workflow,
        ),
        pull_requests=pull_request_section(
            data.prs_opened, data.prs_merged, data.prs_first_reviewed, start, end, calendar
        ),
        releases=release_section(
            data.releases, data.prs_released, start, end, data.deploy_failures
        ),
        incidents=incident_section(data.incidents_resolved, start, end),
        wip=wip_count(data.wip_spans, team.workflow.started, as_of),
    )
