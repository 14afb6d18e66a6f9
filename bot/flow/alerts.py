"""Alert rules: which nudges are due now, at which level, to whom and when (pure).

A subject waiting past its threshold gets level 1; level n is due once the wait reaches
``threshold * 2**(n-1)`` ("reminders as the wait doubles"). Each level is sent once; a first
evaluation past several levels yields one alert at the highest level only. Waits are working
time in the team's calendar; DMs are held until the recipient's next working instant.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.flow.calendar import WorkingCalendar
from bot.flow.facts import HandoffFact
from bot.flow.model import AlertThresholds, CalendarSpec, require_utc


class Calendar(Protocol):
    """What the rules need of ``bot.flow.calendar.WorkingCalendar``."""

    def working_seconds(self, start: datetime, end: datetime) -> float: ...

    def add_working(self, instant: datetime, seconds: float) -> datetime: ...

    def next_working_instant(self, instant: datetime) -> datetime: ...


class AlertKind(enum.StrEnum):
    """What an alert is about."""

    HANDOFF = "handoff"
    REVIEW = "review"
    UNRELEASED = "unreleased"


@dataclass(frozen=True, slots=True)
class Recipient:
    """A person to DM: our resolved Slack user id and their Slack timezone (IANA)."""

    user_id: str
    tz: str


@dataclass(frozen=True, slots=True)
class OpenHandoff:
    """A handoff with its item's summary and link (outside text, escaped when rendered)."""

    fact: HandoffFact
    summary: str
    url: str


@dataclass(frozen=True, slots=True)
class PendingReview:
    """A pull request with no human review yet, and its requested reviewers."""

    repo: str
    number: int
    title: str
    url: str
    waiting_since: datetime  # opened, or marked ready for review
    reviewers: tuple[Recipient, ...]


@dataclass(frozen=True, slots=True)
class UnreleasedPr:
    """A merged pull request not yet in a release."""

    number: int
    title: str
    url: str
    merged_at: datetime


@dataclass(frozen=True, slots=True)
class UnreleasedWork:
    """One repository's merged, unreleased pull requests."""

    repo: str
    prs: tuple[UnreleasedPr, ...]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One DM and when it may be sent (now, or the recipient's next working instant)."""

    user_id: str
    deliver_at: datetime


@dataclass(frozen=True, slots=True)
class Alert:
    """One due alert."""

    alert_key: str  # stable: "handoff:PAY-12:0", "review:acme/api#7", "unreleased:acme/api:41"
    subject: str  # what a snooze names: "PAY-12", "acme/api#7", "acme/api"
    kind: AlertKind
    level: int
    waited_working_seconds: float
    since: datetime
    channel: bool  # post in the team channel
    dms: tuple[Delivery, ...]
    about: OpenHandoff | PendingReview | UnreleasedWork


def level_for(waited: float, threshold: float) -> int:
    """0 below the threshold, 1 at it, 2 at twice it, 3 at four times, ..."""
    if threshold <= 0 or waited < threshold:
        return 0
    level = 1
    while waited >= threshold * 2**level:
        level += 1
    return level


def alert_subject(alert_key: str) -> str:
    """The snooze subject of an alert key (the button value carries the key)."""
    kind, _, rest = alert_key.partition(":")
    if kind == AlertKind.HANDOFF:
        return rest.rpartition(":")[0]
    if kind == AlertKind.UNRELEASED:
        return rest.rpartition(":")[0]
    return rest


def is_snoozed(alert_key: str, snoozes: Mapping[str, datetime], now: datetime) -> bool:
    """Whether a snooze (by alert key or by subject) covers ``now``."""
    for name in (alert_key, alert_subject(alert_key)):
        until = snoozes.get(name)
        if until is not None and now < until:
            return True
    return False


def deliver_at(calendar: Calendar, now: datetime) -> datetime:
    """``now`` inside working time, else the calendar's next working instant."""
    nxt = calendar.next_working_instant(now)
    return now if nxt <= now else nxt


def recipient_calendars(spec: CalendarSpec) -> Callable[[str], Calendar]:
    """``calendar_for_tz`` for :func:`evaluate`: the team's hours and workdays in a person's tz.

    An unknown or empty Slack ``tz`` falls back to the team's timezone.
    """
    cache: dict[str, Calendar] = {}

    def for_tz(tz: str) -> Calendar:
        if tz not in cache:
            try:
                ZoneInfo(tz)
                zone = tz
            except (ZoneInfoNotFoundError, ValueError):
                zone = spec.timezone
            cache[tz] = WorkingCalendar(replace(spec, timezone=zone))
        return cache[tz]

    return for_tz


def evaluate(
    *,
    handoffs: Sequence[OpenHandoff],
    reviews: Sequence[PendingReview],
    unreleased: Sequence[UnreleasedWork],
    thresholds: AlertThresholds,
    calendar: Calendar,
    calendar_for_tz: Callable[[str], Calendar],
    people: Sequence[Recipient],
    sent: Mapping[str, int],
    snoozes: Mapping[str, datetime],
    now: datetime,
) -> list[Alert]:
    """The alerts due at ``now`` (``sent``: highest level already sent per alert key).

    ``calendar`` is the team's; ``calendar_for_tz(tz)`` is the team's working hours and
    workdays in a recipient's timezone. ``snoozes`` maps alert keys or subjects to the
    end of their snooze.
    """
    require_utc(now, "now")
    alerts: list[Alert] = []

    def consider(
        key: str,
        kind: AlertKind,
        since: datetime,
        threshold: float,
        channel: bool,
        recipients: Sequence[Recipient],
        about: OpenHandoff | PendingReview | UnreleasedWork,
    ) -> None:
        if since >= now or is_snoozed(key, snoozes, now):
            return
        waited = calendar.working_seconds(since, now)
        level = level_for(waited, threshold)
        if level <= sent.get(key, 0):
            return
        dms = tuple(
            Delivery(r.user_id, deliver_at(calendar_for_tz(r.tz), now)) for r in _unique(recipients)
        )
        alerts.append(
            Alert(key, alert_subject(key), kind, level, waited, since, channel, dms, about)
        )

    for h in handoffs:
        fact = h.fact
        if fact.ended_at is not None and fact.ended_at <= now:
            continue  # picked up, returned or withdrawn: nothing is waiting any more
        key = f"handoff:{fact.item_key}:{fact.seq}"
        consider(
            key, AlertKind.HANDOFF, fact.started_at, thresholds.handoff_waiting, True, people, h
        )
    for r in reviews:
        key = f"review:{r.repo}#{r.number}"
        consider(
            key, AlertKind.REVIEW, r.waiting_since, thresholds.review_waiting, False, r.reviewers, r
        )
    for w in unreleased:
        if not w.prs:
            continue
        oldest = min(w.prs, key=lambda p: (p.merged_at, p.number))
        key = f"unreleased:{w.repo}:{oldest.number}"
        consider(key, AlertKind.UNRELEASED, oldest.merged_at, thresholds.unreleased, True, (), w)
    return alerts


def _unique(recipients: Sequence[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    out = []
    for r in recipients:
        if r.user_id not in seen:
            seen.add(r.user_id)
            out.append(r)
    return out
