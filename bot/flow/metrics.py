"""The report's sections (``bot.flow.sections``), each a pure function of one week's facts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.flow.calendar import WorkingCalendar
from bot.flow.facts import (
    HandoffEnd,
    HandoffFact,
    IncidentFact,
    ItemFact,
    PrFact,
    ReleaseFact,
    StatusSpan,
)
from bot.flow.model import Workflow
from bot.flow.sections import Delivery, Handoffs, Incidents, PullRequests, Releases, Stat
from bot.flow.stages import ItemHistory, stage_hours, timeline

_HOUR = 3600.0


def _in(t: datetime | None, start: datetime, end: datetime) -> bool:
    return t is not None and start <= t < end


def _hours(a: datetime, b: datetime) -> float:
    # Elapsed (UTC) time: subtracting two datetimes of one ZoneInfo gives wall-clock time.
    return (b.timestamp() - a.timestamp()) / _HOUR


def waiting_at(handoffs: Iterable[HandoffFact], at: datetime) -> list[HandoffFact]:
    """Handoffs begun before ``at`` and not ended before it."""
    return [h for h in handoffs if h.started_at < at and (h.ended_at is None or h.ended_at >= at)]


def handoff_section(
    started: Iterable[HandoffFact],
    ended: Iterable[HandoffFact],
    waiting: Iterable[HandoffFact],
    start: datetime,
    end: datetime,
    as_of: datetime,
    calendar: WorkingCalendar,
) -> Handoffs:
    """handed_off / picked_up / returned / withdrawn / waiting / delay_working_hours."""
    began = {(h.item_key, h.seq) for h in started if _in(h.started_at, start, end)}
    finished = {(h.item_key, h.seq): h for h in ended if _in(h.ended_at, start, end)}
    kinds = [h.end for h in finished.values()]
    picked = [h for h in finished.values() if h.end is HandoffEnd.PICKED_UP]
    delays = [
        calendar.working_seconds(h.started_at, h.ended_at) / _HOUR
        for h in picked
        if h.ended_at is not None
    ]
    still = {(h.item_key, h.seq) for h in waiting_at(waiting, as_of)}
    return Handoffs(
        handed_off=len(began),
        picked_up=kinds.count(HandoffEnd.PICKED_UP),
        returned=kinds.count(HandoffEnd.RETURNED),
        withdrawn=kinds.count(HandoffEnd.WITHDRAWN),
        waiting=len(still),
        delay_working_hours=Stat.of(delays),
    )


def delivery_section(
    items: Iterable[ItemFact],
    first_release_at: datetime | None,
    start: datetime,
    end: datetime,
    histories: Iterable[ItemHistory] = (),
    workflow: Workflow | None = None,
) -> Delivery:
    """items_delivered / lead_time_hours (first handoff → delivered) / stage_hours.

    ``stage_hours`` splits the same items' times to delivery into the five stages of
    ``bot.flow.stages`` (from ``histories``, their status spans and linked PRs).
    """
    delivered = {i.item_key: i for i in items if _in(i.delivered_at, start, end)}
    by_key = {h.item_key: h for h in histories}
    leads: list[float] = []
    timelines = []
    for item in delivered.values():
        first, done = item.first_handoff_at, item.delivered_at
        if first is None or done is None or first_release_at is None:
            continue
        if first < first_release_at or done < first:
            continue  # history before Crosswalk saw a release; or delivered before handoff
        leads.append(_hours(first, done))
        found = timeline(item, by_key.get(item.item_key))
        if found is not None:
            timelines.append(found)
    handoff = workflow.handoff if workflow is not None else frozenset()
    returned = workflow.returned if workflow is not None else frozenset()
    return Delivery(
        items_delivered=len(delivered),
        lead_time_hours=Stat.of(leads),
        stage_hours=stage_hours(timelines, handoff, returned),
    )


def _humans(prs: Iterable[PrFact]) -> dict[tuple[str, int], PrFact]:
    return {(p.repo, p.number): p for p in prs if not p.author_is_bot}


def pull_request_section(
    opened: Iterable[PrFact],
    merged: Iterable[PrFact],
    reviewed: Iterable[PrFact],
    start: datetime,
    end: datetime,
    calendar: WorkingCalendar,
) -> PullRequests:
    """opened / merged / merged_without_review / cycle_hours / first_review_working_hours."""
    opened_h = [p for p in _humans(opened).values() if _in(p.opened_at, start, end)]
    merged_h = [p for p in _humans(merged).values() if _in(p.merged_at, start, end)]
    reviewed_h = [p for p in _humans(reviewed).values() if _in(p.first_review_at, start, end)]
    cycles = [_hours(p.opened_at, p.merged_at) for p in merged_h if p.merged_at is not None]
    waits = [
        calendar.working_seconds(p.opened_at, p.first_review_at) / _HOUR
        for p in reviewed_h
        if p.first_review_at is not None
    ]
    return PullRequests(
        opened=len(opened_h),
        merged=len(merged_h),
        merged_without_review=sum(1 for p in merged_h if p.first_review_at is None),
        cycle_hours=Stat.of(cycles),
        first_review_working_hours=Stat.of(waits),
    )


def change_lead_hours(released: Iterable[PrFact], start: datetime, end: datetime) -> list[float]:
    """PR opened → released, calendar hours, for human PRs released in the week."""
    return [
        _hours(p.opened_at, p.released_at)
        for p in _humans(released).values()
        if p.released_at is not None and _in(p.released_at, start, end)
    ]


def release_section(
    releases: Iterable[ReleaseFact],
    released_prs: Iterable[PrFact],
    start: datetime,
    end: datetime,
    deploy_failures: Iterable[datetime] = (),
) -> Releases:
    """count / hotfixes / failed / change_failure_rate / downtime_hours / deploy_failures
    (+ change_lead_hours); a failed deployment attempt counts in the week of its last status."""
    week = list(
        {(r.repo, r.release_id): r for r in releases if _in(r.published_at, start, end)}.values()
    )
    failed = [r for r in week if r.failed]
    downtime = [r.downtime_hours for r in failed if r.downtime_hours is not None]
    return Releases(
        count=len(week),
        hotfixes=sum(1 for r in week if r.is_hotfix),
        failed=len(failed),
        change_failure_rate=(len(failed) / len(week)) if week else None,
        downtime_hours=Stat.of(downtime),
        change_lead_hours=Stat.of(change_lead_hours(released_prs, start, end)),
        deploy_failures=sum(1 for at in deploy_failures if _in(at, start, end)),
    )


def incident_section(
    incidents: Iterable[IncidentFact], start: datetime, end: datetime
) -> Incidents:
    """resolved / restore_hours (created → resolved, calendar hours)."""
    done = {i.item_key: i for i in incidents if _in(i.resolved, start, end)}
    hours = [_hours(i.created, i.resolved) for i in done.values() if i.resolved is not None]
    return Incidents(resolved=len(done), restore_hours=Stat.of(hours))


def wip_count(spans: Iterable[StatusSpan], started: frozenset[str], at: datetime) -> int:
    """Distinct items in a ``started`` status just before ``at``."""
    return len(
        {
            s.item_key
            for s in spans
            if s.status in started and s.start < at and (s.end is None or s.end >= at)
        }
    )
