"""Use-case: the weekly digest of one team, posted exactly once per team and week.

Which week: the scheduled digest (``run_due``, ``catch_up``) reports the most recent
*complete* ISO week in the team's timezone (on Monday 09:00 that is last week); ``post`` with
an explicit week (``crosswalk digest --week``) reports that one. The numbers are those of
``bot.usecases.reporting.team_report`` for the week, so they equal ``crosswalk report``.

Exactly once: a ledger row (team, week) is claimed *before* posting and the message ts is
recorded right after, so reruns, restarts and overlapping runs (threads, processes, replicas)
post once. When the post fails:

- Slack answered with an error (auth, not found, rate limited, invalid...): nothing was
  posted, so the claim is released at once and the next run may post;
- the outcome is unknown (timeout, connection reset, 5xx: ``Unavailable``), or the process
  died between claim and record: the claim stays; once it is ``stale_after`` old (30 min)
  with no message ts, a later run takes it over. The only way left to post twice is Slack
  accepting a post whose answer never arrived *and* the run dying before recording it.

The chart (12 weeks, release markers) is uploaded into the digest's thread and the message
is then updated to show it in an image block: never a second top-level post. A failed chart
upload leaves the posted digest as it is (logged), it is not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config.settings import Settings, TeamSettings
from bot.config.types import WEEKDAY_NAMES
from bot.core.clock import Clock, new_holder, utc_now
from bot.core.errors import IntegrationError, Unavailable
from bot.core.logs import event
from bot.core.ports import NOT_IN_CHANNEL, Messenger, PostedRef
from bot.flow.model import TeamFlow
from bot.flow.report import calendar_for, snapshot_instant
from bot.flow.review import target_entries
from bot.flow.sections import Report
from bot.flow.trend import dora
from bot.flow.weeks import IsoWeek, current_week
from bot.render.chart import chart_points, render_chart
from bot.render.digest import (
    Acknowledgement,
    DoraLevels,
    Trend,
    WaitingItem,
    render_digest,
)
from bot.store.ledgers import DigestEntry
from bot.usecases.claims import STALE_CLAIM, claim_or_take_over, digest_post_key, earlier_post
from bot.usecases.reporting import recent_reports, team_report
from bot.usecases.schedule import DigestSlot, last_due, missed_digests
from bot.usecases.stores import DigestStore

log = logging.getLogger(__name__)

TREND_WEEKS = 4
CHART_WEEKS = 12
OLDEST_WAITING = 5
REPO_KINDS = ("review:", "unreleased:")

@dataclass(frozen=True, slots=True)
class DigestOutcome:
    """What one digest run did: posted, already_posted, claimed_elsewhere or dry_run."""

    team: str
    week: str
    status: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    channel: str | None = None
    message_ts: str | None = None
    chart_file_id: str | None = None


@dataclass(frozen=True, slots=True)
class _Composed:
    report: Report
    inputs: dict[str, Any]  # keyword arguments of render_digest except chart_file_id
    chart_png: bytes

    def render(self, chart_file_id: str | None) -> tuple[str, list[dict[str, Any]]]:
        return render_digest(self.report, chart_file_id=chart_file_id, **self.inputs)


def scheduled_week(team: TeamFlow, now: datetime) -> IsoWeek:
    """The most recent complete ISO week at ``now`` in the team's timezone."""
    return current_week(now, team.calendar.timezone).shifted(-1)


def digest_slots(settings: Settings) -> list[DigestSlot]:
    """Each team's weekly digest slot (day, time, timezone) for the scheduler."""
    return [
        DigestSlot(
            team=name, weekday=int(WEEKDAY_NAMES[team.digest.day]), hour=team.digest.time.hour,
            minute=team.digest.time.minute, timezone=team.calendar.timezone,
        )
        for name, team in settings.teams.items()
    ]


def team_subjects(store: DigestStore, team: TeamFlow) -> Callable[[str], bool]:
    """Whether a snooze subject or alert key is about ``team`` (its items or repositories)."""
    items = set(store.team_item_keys(team.name))
    repos = set(team.repos)

    def about(name: str) -> bool:
        if name.startswith("handoff:"):
            return name.split(":")[1] in items
        if name.startswith(REPO_KINDS):
            rest = name.partition(":")[2]
            return rest.rpartition(":")[0] in repos or rest.partition("#")[0] in repos
        return name in items or name in repos or name.partition("#")[0] in repos

    return about


def week_acknowledgements(
    store: DigestStore, team: TeamFlow, week: IsoWeek
) -> list[Acknowledgement]:
    """The week's snoozes and acknowledgements of the team's alerts, oldest first."""
    start, end = week.start.astimezone(UTC), week.end.astimezone(UTC)
    about = team_subjects(store, team)
    found = [
        Acknowledgement("snooze", _subject(s.subject), s.by_user, s.created_at, s.until)
        for s in store.snoozes_created_between(start, end) if about(s.subject)
    ]
    seen: set[str] = set()
    for entry in store.acknowledged_between(start, end):
        if entry.alert_key in seen or not about(entry.alert_key) or not entry.acknowledged_by:
            continue
        seen.add(entry.alert_key)
        at = entry.acknowledged_at or start
        found.append(Acknowledgement("ack", _subject(entry.alert_key), entry.acknowledged_by, at))
    return sorted(found, key=lambda a: (a.at, a.subject))


def _subject(name: str) -> str:
    """"PAY-12" for "handoff:PAY-12:0", "acme/api#7" for "review:acme/api#7", etc."""
    if name.startswith("handoff:"):
        return name.split(":")[1]
    if name.startswith("unreleased:"):
        return name.partition(":")[2].rpartition(":")[0]
    if name.startswith("review:"):
        return name.partition(":")[2]
    return name


def oldest_waiting(
    store: DigestStore, team: TeamFlow, week: IsoWeek, now: datetime, limit: int = OLDEST_WAITING
) -> list[WaitingItem]:
    """Handoffs still waiting at the week's snapshot instant, oldest first, with links."""
    as_of = snapshot_instant(week, now)
    waiting = sorted(store.handoffs_waiting_at(team.name, as_of), key=lambda h: h.started_at)
    waiting = waiting[:limit]
    items = {i.key: i for i in store.work_items([h.item_key for h in waiting])}
    calendar = calendar_for(team.calendar)
    out = []
    for h in waiting:
        item = items.get(h.item_key)
        hours = calendar.working_seconds(h.started_at, as_of) / 3600.0
        summary, url = (item.summary, item.url) if item else ("", "")
        out.append(WaitingItem(h.item_key, summary, url, hours))
    return out


def dora_levels(reports: Sequence[Report]) -> DoraLevels:
    """The render's ``DoraLevels`` from ``bot.flow.trend.dora`` over the window."""
    figures = dora(reports)
    return DoraLevels(
        deployment_frequency=figures["deployment_frequency"]["level"],
        lead_time=figures["lead_time_for_changes"]["level"],
        change_failure_rate=figures["change_failure_rate"]["level"],
        time_to_restore=figures["time_to_restore"]["level"],
    )


class DigestService:
    """Posts weekly digests; safe to call from several threads, processes or replicas."""

    def __init__(
        self, store: DigestStore, messenger: Messenger | None, settings: Settings, *,
        clock: Clock = utc_now, holder: str | None = None, stale_after: timedelta = STALE_CLAIM,
    ) -> None:
        self.store = store
        self.messenger = messenger  # None: dry runs only
        self.settings = settings
        self.clock = clock
        self.holder = holder or new_holder("digest")
        self.stale_after = stale_after

    def run_due(self, team: str) -> DigestOutcome:
        """The scheduled digest of ``team``: the most recent complete week, now."""
        now = self.clock()
        return self.post(team, scheduled_week(self._team(team).to_flow(), now), now=now)

    def catch_up(self, now: datetime | None = None) -> list[DigestOutcome]:
        """Post digests due in the last 24 h and not in the ledger (start-up after downtime)."""
        now = now or self.clock()
        slots = {s.team: s for s in digest_slots(self.settings)}
        outcomes = []
        for name in missed_digests(slots.values(), now):
            week = scheduled_week(self._team(name).to_flow(), last_due(slots[name], now))
            entry = self.store.digest_entry(name, week.label)
            if entry is not None and entry.message_ts:
                continue  # posted; a claim without a message is judged by post()
            event(log, "digest.catch_up", team=name, week=week.label)
            try:
                outcomes.append(self.post(name, week, now=now))
            except IntegrationError as error:
                # One team's failing channel must not keep the other teams' digests back.
                event(
                    log, "digest.catch_up_failed", logging.ERROR, team=name, week=week.label,
                    error=error.message
                )
        return outcomes

    def post(
        self, team: str, week: IsoWeek | None = None, *, dry_run: bool = False,
        now: datetime | None = None,
    ) -> DigestOutcome:
        """Post (or with ``dry_run`` only render) ``team``'s digest of ``week``."""
        now = now or self.clock()
        settings = self._team(team)
        flow = settings.to_flow()
        week = IsoWeek(week.year, week.week, flow.calendar.timezone) if week else scheduled_week(
            flow, now)
        label = week.label
        if not dry_run:
            entry = self.store.digest_entry(team, label)
            if entry is not None and entry.message_ts:
                return self._already(team, label, "already_posted", entry.channel, entry.message_ts)
        if dry_run:
            text, blocks = self.compose(flow, week, now).render(None)
            return DigestOutcome(team, label, "dry_run", text, blocks, settings.slack.channel)
        if self.messenger is None:
            raise RuntimeError("DigestService needs a messenger to post")
        claimed, taken_over = self._claim(team, label, now)
        if not claimed:
            entry = self.store.digest_entry(team, label)
            status = "already_posted" if entry and entry.message_ts else "claimed_elsewhere"
            return self._already(team, label, status, entry.channel if entry else None,
                                 entry.message_ts if entry else None)
        channel = settings.slack.channel
        try:
            # Composed after claiming, so overlapping runs do not all read 12 weeks and draw.
            composed = self.compose(flow, week, now)
        except BaseException:
            self.store.release_digest_claim(team, label, self.holder)  # nothing was posted
            raise
        found = earlier_post(self.messenger, channel, digest_post_key(team, label),
                             taken_over.claimed_at if taken_over else None)
        if found is not None:
            return self._recovered(team, label, found, composed, now)
        return self._post_claimed(team, label, channel, composed, now)

    def _recovered(
        self, team: str, week: str, found: PostedRef, composed: _Composed, now: datetime
    ) -> DigestOutcome:
        """A dead run's digest, found in the channel: recorded, its chart added, not posted."""
        self.store.record_digest_posted(team, week, channel=found.channel, message_ts=found.ts,
                                        now=now)
        event(log, "digest.recovered", logging.WARNING, team=team, week=week,
              channel=found.channel, ts=found.ts)
        file_id = self._attach_chart(team, week, found.channel, found.ts, composed)
        return DigestOutcome(team, week, "already_posted", channel=found.channel,
                             message_ts=found.ts, chart_file_id=file_id)

    def compose(self, team: TeamFlow, week: IsoWeek, now: datetime) -> _Composed:
        """Everything the digest shows, read from the store (no Slack calls)."""
        report = team_report(self.store, team, week, now)
        history = recent_reports(self.store, team, week, now, CHART_WEEKS - 1)
        previous = history[-TREND_WEEKS:]
        day_hours = team.calendar.working_day_seconds / 3600.0
        inputs: dict[str, Any] = {
            "trend": Trend(tuple(previous)),
            "dora": dora_levels([*previous, report]),
            "waiting_oldest": oldest_waiting(self.store, team, week, now),
            "acknowledgements": week_acknowledgements(self.store, team, week),
            "day_hours": day_hours,
            "targets": target_entries(team.targets, report),
            "releases_source": team.release_source,
        }
        png = render_chart(chart_points([*history, report]), day_hours=day_hours)
        return _Composed(report, inputs, png)

    # ---- internals -------------------------------------------------------------------------

    def _team(self, name: str) -> TeamSettings:
        return self.settings.team(name)

    def _already(
        self, team: str, week: str, status: str, channel: str | None, ts: str | None
    ) -> DigestOutcome:
        event(log, "digest.skipped", team=team, week=week, status=status)
        return DigestOutcome(team, week, status, channel=channel, message_ts=ts)

    def _claim(self, team: str, week: str, now: datetime) -> tuple[bool, DigestEntry | None]:
        claimed, taken_over = claim_or_take_over(
            lambda: self.store.claim_digest(team, week, self.holder, now),
            lambda: self.store.digest_entry(team, week),
            lambda stale: self.store.take_over_digest_claim(team, week, stale, self.holder, now),
            now, self.stale_after,
        )
        if taken_over is not None:
            event(log, "digest.stale_claim_released", logging.WARNING, team=team, week=week,
                  holder=taken_over.claimed_by)
        return claimed, taken_over

    def _post_claimed(
        self, team: str, week: str, channel: str, composed: _Composed, now: datetime
    ) -> DigestOutcome:
        assert self.messenger is not None
        text, blocks = composed.render(None)
        try:
            posted = self.messenger.post_message(channel, text, blocks,
                                                 key=digest_post_key(team, week))
        except Unavailable:
            event(
                log, "digest.post_outcome_unknown", logging.ERROR, team=team, week=week,
                note='claim kept'
            )
            raise
        except IntegrationError as exc:
            if exc.detail == NOT_IN_CHANNEL:
                # Kept: the catch-up job re-claims it once stale, and posts it then, as soon
                # as someone has invited the bot.
                event(log, "digest.not_in_channel", logging.ERROR, team=team, week=week,
                      channel=channel, fix=f"/invite @Crosswalk in {channel}")
                raise IntegrationError(exc.service, f"the bot is not in {channel}: invite it "
                                       f"(/invite @Crosswalk there); the digest of {week} is "
                                       "posted on the next catch-up after that",
                                       detail=NOT_IN_CHANNEL) from None
            self.store.release_digest_claim(team, week, self.holder)
            event(
                log, "digest.post_failed", logging.ERROR, team=team, week=week,
                note='claim released'
            )
            raise
        self.store.record_digest_posted(
            team, week, channel=posted.channel, message_ts=posted.ts, now=now)
        event(log, "digest.posted", team=team, week=week, channel=posted.channel, ts=posted.ts)
        file_id = self._attach_chart(team, week, posted.channel, posted.ts, composed)
        if file_id is not None:
            text, blocks = composed.render(file_id)
        return DigestOutcome(team, week, "posted", text, blocks, posted.channel, posted.ts, file_id)

    def _attach_chart(
        self, team: str, week: str, channel: str, ts: str, composed: _Composed
    ) -> str | None:
        """Upload the chart into the digest's thread, then show it in the message."""
        assert self.messenger is not None
        try:
            uploaded = self.messenger.upload_png(
                channel, composed.chart_png, f"crosswalk-{team}-{week}.png",
                title=f"{team} · last {CHART_WEEKS} weeks", thread_ts=ts,
                alt_text="12-week trend of time to delivery and handoff delay, with releases",
            )
            text, blocks = composed.render(uploaded.id)
            self.messenger.update_message(channel, ts, text, blocks)
        except IntegrationError as exc:
            event(
                log, "digest.chart_failed", logging.WARNING, team=team, week=week,
                error=type(exc).__name__
            )
            return None
        return uploaded.id
