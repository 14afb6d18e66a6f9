"""Use-case: the report of one team and one week, read from stored facts.

The store answers one indexed query per ``WeekData`` field inside a single read
transaction (a consistent snapshot); the pure ``bot.flow.report.build_report`` turns
them into DESIGN.md's report object. ``crosswalk report``, the digest, the slash command
and App Home all go through here, so they always agree on the numbers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.flow.model import TeamFlow
from bot.flow.report import WeekData, build_report
from bot.flow.source import load_week_data
from bot.flow.weeks import IsoWeek, current_week
from bot.store.repo import Store


def week_of(team: TeamFlow, label: str | None, now: datetime) -> IsoWeek:
    """The ISO week ``label`` (``YYYY-Www``) in the team's timezone, or the current week."""
    if label is None:
        return current_week(now, team.calendar.timezone)
    return IsoWeek.parse(label, team.calendar.timezone)


def load_week(store: Store, team: TeamFlow, week: IsoWeek, now: datetime) -> WeekData:
    """Every fact the report of ``team`` for ``week`` reads, in one read transaction."""
    with store.transaction(read_only=True) as conn:
        return load_week_data(store, team, week, now, conn=conn)


def team_report(store: Store, team: TeamFlow, week: IsoWeek, now: datetime) -> dict[str, Any]:
    """DESIGN.md's report object for one team and week."""
    return build_report(team, week, now, load_week(store, team, week, now))


def recent_reports(
    store: Store, team: TeamFlow, week: IsoWeek, now: datetime, count: int,
) -> list[dict[str, Any]]:
    """Reports of the ``count`` weeks before ``week``, oldest first (for trends and charts)."""
    return [team_report(store, team, earlier, now) for earlier in week.previous(count)]
