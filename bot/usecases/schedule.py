"""The scheduler of ``crosswalk serve``: polling, weekly digests and alert evaluation.

APScheduler 3 ``BackgroundScheduler`` with stable job ids (a restart replaces, never
duplicates), ``coalesce`` (a backlog of missed runs runs once), ``max_instances=1`` and
an error listener (APScheduler otherwise only logs failures at its own discretion).
Exactly-once across replicas is not the scheduler's job: every job takes a store lease
or ledger claim before it acts, so two replicas firing the same job do the work once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.logs import event as log_event

log = logging.getLogger(__name__)

ALERT_INTERVAL = timedelta(minutes=15)
# A digest more than an hour late is not run by APScheduler's misfire logic; the
# start-up catch-up (``missed_digests``) covers longer outages from the ledger instead.
DIGEST_MISFIRE_GRACE = 3600
# Polls and alert runs are cheap and frequent: a late one is simply skipped.
POLL_MISFIRE_GRACE = 60

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class DigestSlot:
    """When one team's weekly digest is due: weekday (0=Mon), hour, minute, timezone."""

    team: str
    weekday: int
    hour: int
    minute: int
    timezone: str


@dataclass(frozen=True, slots=True)
class ReviewSlot:
    """When one team's outcome review is due: day of the month, hour, minute, timezone and
    the months (``*`` every month, ``1,4,7,10`` each quarter)."""

    team: str
    day: int
    hour: int
    minute: int
    timezone: str
    months: str = "*"


@dataclass(frozen=True, slots=True)
class Jobs:
    """The callables the scheduler runs; each must be safe to run on several replicas."""

    poll: Callable[[], object]
    digest: Callable[[str], object]  # team name
    alerts: Callable[[], object]
    review: Callable[[str], object] | None = None  # team name


class SchedulerHealth:
    """What ``/healthz`` reports about the scheduler."""

    def __init__(self) -> None:
        self.last_error: str | None = None
        self.failures = 0

    def on_event(self, event: JobExecutionEvent) -> None:
        """Record and log a failed or missed job."""
        if event.exception is not None:
            self.failures += 1
            self.last_error = f"{event.job_id}: {type(event.exception).__name__}"
            log.error(
                "scheduler.job_failed",
                extra={"fields": {"job": event.job_id, "error": type(event.exception).__name__}},
                exc_info=event.exception
            )
        else:
            log_event(log, "scheduler.job_missed", logging.WARNING, job=event.job_id)


def build_scheduler(
    jobs: Jobs, slots: Iterable[DigestSlot], poll_interval: timedelta,
    health: SchedulerHealth | None = None, reviews: Iterable[ReviewSlot] = (),
) -> BackgroundScheduler:
    """A configured (not started) scheduler with one poll, one alert and one digest job per team."""
    scheduler = BackgroundScheduler(
        timezone=ZoneInfo("UTC"),
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    listener = (health or SchedulerHealth()).on_event
    scheduler.add_listener(listener, EVENT_JOB_ERROR | EVENT_JOB_MISSED)
    scheduler.add_job(
        jobs.poll, IntervalTrigger(seconds=int(poll_interval.total_seconds())),
        id="poll", name="poll Jira and GitHub", replace_existing=True,
        misfire_grace_time=POLL_MISFIRE_GRACE,
    )
    scheduler.add_job(
        jobs.alerts, IntervalTrigger(seconds=int(ALERT_INTERVAL.total_seconds())),
        id="alerts", name="evaluate alerts", replace_existing=True,
        misfire_grace_time=POLL_MISFIRE_GRACE,
    )
    for slot in slots:
        trigger = CronTrigger(
            day_of_week=_DAY_NAMES[slot.weekday], hour=slot.hour, minute=slot.minute,
            timezone=ZoneInfo(slot.timezone),
        )
        scheduler.add_job(
            jobs.digest, trigger, args=[slot.team], id=f"digest:{slot.team}",
            name=f"weekly digest of {slot.team}", replace_existing=True,
            misfire_grace_time=DIGEST_MISFIRE_GRACE,
        )
    for review in reviews if jobs.review is not None else ():
        trigger = CronTrigger(
            month=review.months, day=review.day, hour=review.hour, minute=review.minute,
            timezone=ZoneInfo(review.timezone),
        )
        scheduler.add_job(
            jobs.review, trigger, args=[review.team], id=f"review:{review.team}",
            name=f"outcome review of {review.team}", replace_existing=True,
            misfire_grace_time=DIGEST_MISFIRE_GRACE,
        )
    return scheduler


def last_due(slot: DigestSlot, now: datetime) -> datetime:
    """The most recent instant at or before ``now`` when ``slot`` was due (aware UTC)."""
    zone = ZoneInfo(slot.timezone)
    local_now = now.astimezone(zone)
    days_back = (local_now.weekday() - slot.weekday) % 7
    day = (local_now - timedelta(days=days_back)).date()
    due = datetime(day.year, day.month, day.day, slot.hour, slot.minute, tzinfo=zone)
    if due > local_now:
        day = day - timedelta(days=7)
        due = datetime(day.year, day.month, day.day, slot.hour, slot.minute, tzinfo=zone)
    return due.astimezone(ZoneInfo("UTC"))


def missed_digests(
    slots: Iterable[DigestSlot], now: datetime, window: timedelta = timedelta(hours=24),
) -> list[str]:
    """Teams whose digest fell due within ``window`` before ``now`` (caller checks the ledger)."""
    return [slot.team for slot in slots if now - last_due(slot, now) <= window]
