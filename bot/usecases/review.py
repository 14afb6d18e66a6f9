"""Use-case: the outcome review of teams, a period against a baseline, with their targets.

Both periods are read like any period report (``bot.usecases.reporting.team_reports``: one
transaction and a dozen queries for all the teams); ``bot.flow.review`` compares them.
``ReviewService`` posts a review to the team's channel exactly once per team and period
(the ``review_ledger``, claimed like the digest's), on demand or on the team's schedule
(``review: {every: month|quarter, day, time}``: the last complete month or quarter against
the one before it).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.settings import Settings
from bot.core.clock import Clock, new_holder, utc_now
from bot.core.errors import IntegrationError, Unavailable
from bot.core.logs import event
from bot.core.ports import Messenger
from bot.flow.model import TeamFlow
from bot.flow.periods import Period
from bot.flow.review import build_review, default_periods, scheduled_periods
from bot.render.chart import render_review_chart
from bot.render.review import render_review
from bot.store.ledgers import DigestEntry
from bot.usecases.claims import STALE_CLAIM, claim_or_take_over, earlier_post, review_post_key
from bot.usecases.reporting import team_reports
from bot.usecases.schedule import ReviewSlot
from bot.usecases.stores import ReportStore, ReviewStore

log = logging.getLogger(__name__)


def team_reviews(
    store: ReportStore,
    flows: Sequence[TeamFlow],
    currents: Sequence[Period],
    baselines: Sequence[Period],
    now: datetime,
) -> list[dict[str, Any]]:
    """The review object of each team in ``flows`` (same order)."""
    current = team_reports(store, flows, currents, now)
    baseline = team_reports(store, flows, baselines, now)
    return [
        build_review(f.name, f.calendar.timezone, c, b, f.targets)
        for f, c, b in zip(flows, current, baseline, strict=True)
    ]


def default_review(store: ReportStore, team: TeamFlow, now: datetime) -> dict[str, Any]:
    """The review of the last 13 complete weeks against the 13 before them."""
    current, baseline = default_periods(now, team.calendar.timezone)
    return team_reviews(store, [team], [current], [baseline], now)[0]


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    """What one review post did: posted, already_posted or claimed_elsewhere."""

    team: str
    period: str  # the ledger key: "2026-11", "2026-Q4" or "2026-09-01..2026-11-30"
    status: str
    channel: str | None = None
    message_ts: str | None = None


def period_key(review: Mapping[str, Any]) -> str:
    """The ledger key of an unscheduled review: its period's first and last day."""
    current = review["current"]
    last = date.fromisoformat(current["end"][:10]) - timedelta(days=1)
    return f"{current['start'][:10]}..{last}"


class ReviewService:
    """Posts outcome reviews, each team and period once (a ledger claim, like the digest)."""

    def __init__(
        self, store: ReviewStore, messenger: Messenger | None, settings: Settings, *,
        clock: Clock = utc_now, holder: str | None = None, stale_after: timedelta = STALE_CLAIM,
    ) -> None:
        self.store = store
        self.messenger = messenger
        self.settings = settings
        self.clock = clock
        self.holder = holder or new_holder("review")
        self.stale_after = stale_after

    def run_due(self, team: str, due: datetime | None = None) -> ReviewOutcome | None:
        """The scheduled review of ``team`` (its ``review.every``) due at ``due`` (default:
        now): the last complete month or quarter against the one before; None when the team
        has no ``review``. Claims are timestamped now, whenever it was due."""
        settings = self.settings.team(team)
        if settings.review is None:
            return None
        now = self.clock()
        flow = settings.to_flow()
        today = (due or now).astimezone(ZoneInfo(flow.calendar.timezone)).date()
        key, current, baseline = scheduled_periods(settings.review.every, today,
                                                   flow.calendar.timezone)
        entry = self.store.review_entry(team, key)
        if entry is not None and entry.message_ts:
            return ReviewOutcome(team, key, "already_posted", entry.channel, entry.message_ts)
        found = team_reviews(self.store, [flow], [current], [baseline], now)[0]
        return self.post_review(found, now=now, key=key)

    def catch_up(self, now: datetime | None = None,
                 window: timedelta = timedelta(hours=24)) -> list[ReviewOutcome]:
        """Post scheduled reviews that fell due within ``window`` and are not in the ledger
        (start-up after downtime, like the digests' catch-up)."""
        now = now or self.clock()
        outcomes = []
        for slot in review_slots(self.settings):
            due = last_review_due(slot, now)
            if due is None or now - due > window:
                continue
            try:
                outcome = self.run_due(slot.team, due)
            except IntegrationError as error:
                event(log, "review.catch_up_failed", logging.ERROR, team=slot.team,
                      error=error.message)
                continue
            if outcome is not None and outcome.status == "posted":
                outcomes.append(outcome)
        return outcomes

    def post_review(
        self, review: Mapping[str, Any], *, now: datetime | None = None, key: str | None = None
    ) -> ReviewOutcome:
        """Post ``review`` to its team's channel once per ``key`` (default: its period)."""
        if self.messenger is None:
            raise RuntimeError("ReviewService needs a messenger to post")
        now = now or self.clock()
        team = str(review["team"])
        key = key or period_key(review)
        settings = self.settings.team(team)
        claimed, taken_over = self._claim(team, key, now)
        if not claimed:
            entry = self.store.review_entry(team, key)
            status = "already_posted" if entry and entry.message_ts else "claimed_elsewhere"
            event(log, "review.skipped", team=team, period=key, status=status)
            return ReviewOutcome(team, key, status, entry.channel if entry else None,
                                 entry.message_ts if entry else None)
        day_hours = settings.calendar.working_day_seconds / 3600
        ledger_key = review_post_key(team, key)
        found = earlier_post(self.messenger, settings.slack.channel, ledger_key,
                             taken_over.claimed_at if taken_over else None)
        if found is not None:  # a dead run posted it: record it, add its chart, post nothing
            self.store.record_review_posted(team, key, channel=found.channel,
                                            message_ts=found.ts, now=now)
            event(log, "review.recovered", logging.WARNING, team=team, period=key)
            self._attach_chart(review, found.channel, found.ts, day_hours, key)
            return ReviewOutcome(team, key, "already_posted", found.channel, found.ts)
        text, blocks = render_review(review, day_hours=day_hours)
        try:
            posted = self.messenger.post_message(settings.slack.channel, text, blocks,
                                                 key=ledger_key)
        except Unavailable:
            event(log, "review.post_outcome_unknown", logging.ERROR, team=team, period=key)
            raise
        except IntegrationError:
            self.store.release_review_claim(team, key, self.holder)
            event(log, "review.post_failed", logging.ERROR, team=team, period=key)
            raise
        self.store.record_review_posted(team, key, channel=posted.channel,
                                        message_ts=posted.ts, now=now)
        event(log, "review.posted", team=team, period=key, channel=posted.channel)
        self._attach_chart(review, posted.channel, posted.ts, day_hours, key)
        return ReviewOutcome(team, key, "posted", posted.channel, posted.ts)

    def _claim(self, team: str, key: str, now: datetime) -> tuple[bool, DigestEntry | None]:
        return claim_or_take_over(
            lambda: self.store.claim_review(team, key, self.holder, now),
            lambda: self.store.review_entry(team, key),
            lambda stale: self.store.take_over_review_claim(team, key, stale, self.holder, now),
            now, self.stale_after,
        )

    def _attach_chart(
        self, review: Mapping[str, Any], channel: str, ts: str, day_hours: float, key: str
    ) -> None:
        assert self.messenger is not None
        team = str(review["team"])
        try:
            png = render_review_chart(review.get("comparison") or ())
            uploaded = self.messenger.upload_png(
                channel, png, f"crosswalk-review-{team}-{key}.png",
                title=f"{team} · before and now", thread_ts=ts,
                alt_text="Before and now of each shared outcome, with its target",
            )
            text, blocks = render_review(review, day_hours=day_hours, chart_file_id=uploaded.id)
            self.messenger.update_message(channel, ts, text, blocks)
        except IntegrationError as exc:
            event(log, "review.chart_failed", logging.WARNING, team=team, period=key,
                  error=type(exc).__name__)


def last_review_due(slot: ReviewSlot, now: datetime) -> datetime | None:
    """The latest instant at or before ``now`` when ``slot`` fell due (aware UTC)."""
    zone = ZoneInfo(slot.timezone)
    local = now.astimezone(zone)
    months = {1, 4, 7, 10} if slot.months != "*" else set(range(1, 13))
    year, month = local.year, local.month
    for _ in range(13):
        if month in months:
            due = datetime(year, month, slot.day, slot.hour, slot.minute, tzinfo=zone)
            if due <= local:
                return due.astimezone(UTC)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def review_slots(settings: Settings) -> list[ReviewSlot]:
    """Each team's scheduled review (day of month, time, timezone, months) for the scheduler."""
    slots = []
    for name, team in settings.teams.items():
        if team.review is None:
            continue
        months = "1,4,7,10" if team.review.every == "quarter" else "*"
        slots.append(ReviewSlot(name, team.review.day, team.review.time.hour,
                                team.review.time.minute, team.calendar.timezone, months))
    return slots
