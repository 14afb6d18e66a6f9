"""Use-case: the report of one team and one week, read from stored facts.

The store answers one indexed query per ``WeekData`` field inside a single read
transaction (a consistent snapshot); the pure ``bot.flow.report.build_report`` turns
them into DESIGN.md's report object. ``crosswalk report``, the digest, the slash command
and App Home all go through here, so they always agree on the numbers.

``team_reports`` is the same for many teams at once: one query per field for all of them
(per group of teams whose weeks are the same UTC window), partitioned in Python, so a
report of every team costs a dozen queries per timezone, not a dozen per team.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

from bot.flow.facts import PrFact
from bot.flow.model import TeamFlow
from bot.flow.report import WeekData, build_report, snapshot_instant
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


def team_reports(
    store: Store,
    flows: Sequence[TeamFlow],
    week_or_weeks: IsoWeek | Sequence[IsoWeek],
    now: datetime,
) -> list[dict[str, Any]]:
    """``team_report`` of every team in ``flows`` (same order), read in one transaction.

    ``week_or_weeks``: one ISO week (taken in each team's timezone) or one per team.
    """
    given = [week_or_weeks] * len(flows) if isinstance(week_or_weeks, IsoWeek) else week_or_weeks
    if len(given) != len(flows):
        raise ValueError(f"{len(flows)} teams but {len(given)} weeks")
    pairs = zip(flows, given, strict=True)
    weeks = [IsoWeek(w.year, w.week, f.calendar.timezone) for f, w in pairs]
    # Teams whose weeks are the same UTC window (same timezone offsets) share the queries.
    groups: dict[tuple[datetime, datetime, datetime], list[int]] = {}
    for n, week in enumerate(weeks):
        window = (week.start.astimezone(UTC), week.end.astimezone(UTC))
        groups.setdefault((*window, snapshot_instant(week, now)), []).append(n)
    data: dict[int, WeekData] = {}
    with store.transaction(read_only=True) as conn:
        for (start, end, at), members in groups.items():
            group = [flows[n] for n in members]
            loaded = _load_group(store, group, start, end, at, conn)
            data.update(zip(members, loaded, strict=True))
    return [build_report(f, weeks[n], now, data[n]) for n, f in enumerate(flows)]


def _load_group(
    store: Store,
    flows: Sequence[TeamFlow],
    start: datetime,
    end: datetime,
    at: datetime,
    conn: Connection,
) -> list[WeekData]:
    """``WeekData`` of teams sharing one window: one query per field for all of them."""
    names = {f.name for f in flows}
    repos = {repo for f in flows for repo in f.repos}
    started = store.handoffs_started_by_team(names, start, end, conn=conn)
    ended = store.handoffs_ended_by_team(names, start, end, conn=conn)
    waiting = store.handoffs_waiting_by_team(names, at, conn=conn)
    spans = store.spans_by_team({f.name: f.workflow.started for f in flows}, at, conn=conn)
    delivered = store.items_delivered_by_team(names, start, end, conn=conn)
    incidents = store.incidents_resolved_by_team(names, start, end, conn=conn)
    first = store.first_release_by_repo(repos, conn=conn)
    opened = store.prs_opened(repos, start, end, conn=conn)
    merged = store.prs_merged(repos, start, end, conn=conn)
    reviewed = store.prs_first_reviewed(repos, start, end, conn=conn)
    released = store.prs_released(repos, start, end, conn=conn)
    releases = store.releases_published(repos, start, end, conn=conn)

    def own(prs: list[PrFact], team: TeamFlow) -> tuple[PrFact, ...]:
        return tuple(p for p in prs if p.repo in team.repos)

    return [
        WeekData(
            handoffs_started=tuple(started[f.name]),
            handoffs_ended=tuple(ended[f.name]),
            handoffs_waiting=tuple(waiting[f.name]),
            wip_spans=tuple(spans[f.name]),
            items_delivered=tuple(delivered[f.name]),
            first_release_at=min((first[r] for r in f.repos if r in first), default=None),
            prs_opened=own(opened, f),
            prs_merged=own(merged, f),
            prs_first_reviewed=own(reviewed, f),
            releases=tuple(r for r in releases if r.repo in f.repos),
            incidents_resolved=tuple(incidents[f.name]),
            prs_released=own(released, f),
        )
        for f in flows
    ]
