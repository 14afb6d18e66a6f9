"""Use-case: the report of one team and one week, read from stored facts.

The store answers one indexed query per ``WeekData`` field inside a single read
transaction (a consistent snapshot); the pure ``bot.flow.report.build_report`` turns
them into the typed report (``bot.flow.sections.Report``; its JSON is in docs/metrics.md).
``crosswalk report``, the digest, the slash command and App Home all go through here, so
they always agree on the numbers.

``team_reports`` is the same for many teams at once: one query per field for all of them,
partitioned (by team, or repository) and cut to each team's own week in Python, so a
report of every team costs a dozen queries, not a dozen per team.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.flow.model import TeamFlow
from bot.flow.periods import Period, Span, in_timezone
from bot.flow.report import WeekData, build_report, snapshot_instant
from bot.flow.sections import Report
from bot.flow.weeks import IsoWeek, current_week
from bot.store import Connection
from bot.usecases.stores import ReportStore


def week_of(team: TeamFlow, label: str | None, now: datetime) -> IsoWeek:
    """The ISO week ``label`` (``YYYY-Www``) in the team's timezone, or the current week."""
    if label is None:
        return current_week(now, team.calendar.timezone)
    return IsoWeek.parse(label, team.calendar.timezone)


def load_week(store: ReportStore, team: TeamFlow, week: Span, now: datetime) -> WeekData:
    """Every fact the report of ``team`` for ``week`` (or a period) reads, in one transaction."""
    with store.transaction(read_only=True) as conn:
        return _load_all(store, [team], [window_of(team, week, now)], conn)[0]


def team_report(store: ReportStore, team: TeamFlow, week: Span, now: datetime) -> Report:
    """The report object for one team and week (or period)."""
    return build_report(team, week, now, load_week(store, team, week, now))


def recent_reports(
    store: ReportStore,
    team: TeamFlow,
    week: IsoWeek,
    now: datetime,
    count: int,
) -> list[Report]:
    """Reports of the ``count`` weeks before ``week``, oldest first (for trends and charts)."""
    return [team_report(store, team, earlier, now) for earlier in week.previous(count)]


def team_reports(
    store: ReportStore,
    flows: Sequence[TeamFlow],
    week_or_weeks: Span | Sequence[Span],
    now: datetime,
) -> list[Report]:
    """``team_report`` of every team in ``flows`` (same order), read in one transaction.

    ``week_or_weeks``: one ISO week or period (taken in each team's timezone) or one per team.
    """
    if isinstance(week_or_weeks, IsoWeek | Period):
        given: list[Span] = [week_or_weeks] * len(flows)
    else:
        given = list(week_or_weeks)
    if len(given) != len(flows):
        raise ValueError(f"{len(flows)} teams but {len(given)} weeks")
    spans = [in_timezone(w, f.calendar.timezone) for f, w in zip(flows, given, strict=True)]
    if not flows:
        return []
    windows = [window_of(f, w, now) for f, w in zip(flows, spans, strict=True)]
    with store.transaction(read_only=True) as conn:
        data = _load_all(store, flows, windows, conn)
    return [build_report(f, w, now, d) for f, w, d in zip(flows, spans, data, strict=True)]


def window_of(team: TeamFlow, span: Span, now: datetime) -> Window:
    """``span`` in ``team``'s timezone, as the UTC window its facts are read over."""
    local = in_timezone(span, team.calendar.timezone)
    return Window(
        local.start.astimezone(UTC), local.end.astimezone(UTC), snapshot_instant(local, now)
    )


@dataclass(frozen=True, slots=True)
class Window:
    """One team's week in UTC, and the instant its waiting and WIP figures are read at."""

    start: datetime
    end: datetime
    at: datetime

    def has(self, instant: datetime | None) -> bool:
        """Whether ``instant`` is in ``[start, end)``."""
        return instant is not None and self.start <= instant < self.end

    def waiting(self, started: datetime, ended: datetime | None) -> bool:
        """Whether something begun at ``started`` and ended at ``ended`` covers ``at``."""
        return started < self.at and (ended is None or ended >= self.at)


def _load_all(
    store: ReportStore, flows: Sequence[TeamFlow], windows: Sequence[Window], conn: Connection
) -> list[WeekData]:
    """``WeekData`` of every team: one query per field over the union of their windows.

    Weeks in different timezones are hours apart: each query reads from the earliest
    start to the latest end, and each team keeps the rows of its own window.
    """
    names = {f.name for f in flows}
    repos = sorted({repo for f in flows for repo in f.repos})
    start, end = min(w.start for w in windows), max(w.end for w in windows)
    first_at, last_at = min(w.at for w in windows), max(w.at for w in windows)
    # One read for both handoff windows: each team keeps those of its own window (below).
    started = ended = store.handoffs_touching_by_team(names, start, end, conn=conn)
    waiting = store.handoffs_waiting_by_team(names, first_at, until=last_at, conn=conn)
    statuses = {f.name: f.workflow.started for f in flows}
    spans = store.spans_by_team(statuses, first_at, until=last_at, conn=conn)
    delivered = store.items_delivered_by_team(names, start, end, conn=conn)
    incidents = store.incidents_resolved_by_team(names, start, end, conn=conn)
    first = store.first_release_by_repo(repos, conn=conn)
    # One read for the four PR windows: each team keeps the PRs of its own (below).
    opened = merged = reviewed = released = store.prs_touching(repos, start, end, conn=conn)
    releases = store.releases_published(repos, start, end, conn=conn)
    attempts = store.deploy_failures(repos, start, end, conn=conn)
    keys = {i.item_key for team_items in delivered.values() for i in team_items}
    # The stages tell only handoff and returned statuses apart: no other span is read.
    telling = {s for f in flows for s in f.workflow.handoff | f.workflow.returned}
    histories = {h.item_key: h for h in store.item_histories(keys, statuses=telling, conn=conn)}
    result = []
    for f, w in zip(flows, windows, strict=True):
        mine = set(f.repos)
        items = tuple(i for i in delivered[f.name] if w.has(i.delivered_at))
        result.append(
            WeekData(
                handoffs_started=tuple(h for h in started[f.name] if w.has(h.started_at)),
                handoffs_ended=tuple(h for h in ended[f.name] if w.has(h.ended_at)),
                handoffs_waiting=tuple(
                    h for h in waiting[f.name] if w.waiting(h.started_at, h.ended_at)
                ),
                wip_spans=tuple(s for s in spans[f.name] if w.waiting(s.start, s.end)),
                items_delivered=items,
                first_release_at=min((first[r] for r in mine if r in first), default=None),
                prs_opened=tuple(p for p in opened if p.repo in mine and w.has(p.opened_at)),
                prs_merged=tuple(p for p in merged if p.repo in mine and w.has(p.merged_at)),
                prs_first_reviewed=tuple(
                    p for p in reviewed if p.repo in mine and w.has(p.first_review_at)
                ),
                releases=tuple(r for r in releases if r.repo in mine and w.has(r.published_at)),
                incidents_resolved=tuple(i for i in incidents[f.name] if w.has(i.resolved)),
                prs_released=tuple(p for p in released if p.repo in mine and w.has(p.released_at)),
                histories=tuple(histories[i.item_key] for i in items),
                deploy_failures=tuple(a for r, a in attempts if r in mine and w.has(a)),
            )
        )
    return result
