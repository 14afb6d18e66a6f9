"""Use-case: evaluate the alert rules now and send what is new, once per level and recipient.

Per team: handoffs waiting past ``alerts.handoff_waiting`` → one channel post naming the item,
its wait and the people involved, plus a DM to each ``product`` and ``engineering`` person;
PRs with no human review past ``review_waiting`` → a DM to each requested reviewer whose
GitHub login ``people.github`` maps to an email with a Slack user; when there is none (no
mapping, or no such Slack user), a DM to the team's ``engineering`` people naming the
requested reviewers (logins are never guessed into Slack users); merged work not released past
``unreleased`` → one channel post per repository. The rules are ``bot.flow.alerts.evaluate``.

Quiet and exact: every (alert key, level, recipient) is claimed in the ledger before it is
sent; a run holds a store lease so replicas take turns. The subject is re-read from the store
right before sending (a handoff picked up meanwhile gets nothing). An alert with a channel post
waits, whole, for the team's working time; DMs outside the recipient's working hours (their
Slack tz, the team's hours and workdays) are held and sent by the first run after the hold.
Snoozed subjects stay quiet until the snooze ends; an acknowledged alert key gets no further
reminders (a new handoff of the same item is a new key). Held DMs that became moot (picked
up, superseded by a higher level) are dropped: marked sent with an empty channel. A post whose
answer was lost is held for a retry, and a claim whose run died is picked up once stale;
either first looks for the post in its conversation by the ledger key it carries.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.config.settings import Settings
from bot.core.clock import Clock, new_holder, utc_now
from bot.core.errors import IntegrationError, Unavailable
from bot.core.logs import event
from bot.core.ports import NOT_IN_CHANNEL, Messenger
from bot.flow.alerts import (
    Alert,
    OpenHandoff,
    PendingReview,
    UnreleasedPr,
    UnreleasedWork,
    deliver_at,
    evaluate,
    recipient_calendars,
)
from bot.flow.report import calendar_for
from bot.render.alerts import (
    folded_channel_message,
    handoff_channel_message,
    handoff_dm,
    review_dm,
    review_team_dm,
    unreleased_channel_message,
)
from bot.store.alert_ledger import FOLDED, MAYBE_POSTED, AlertEntry
from bot.usecases.alert_buttons import CHANNEL, AlertButtons, subject_of
from bot.usecases.alert_outcomes import SentAlert, TeamState
from bot.usecases.claims import STALE_CLAIM, alert_post_key, earlier_post
from bot.usecases.people import People
from bot.usecases.stores import AlertStore

__all__ = ["CHANNEL", "AlertService", "subject_of"]

log = logging.getLogger(__name__)

DROPPED = ""  # channel and ts recorded for a held alert dropped as moot
RETRY_AFTER = timedelta(minutes=15)  # a post Slack refused is retried by a later run
RUN_LEASE = timedelta(minutes=10)
LEASE_NAME = "alerts.run"  # one alert run at a time across replicas


class AlertService(AlertButtons):
    """Evaluates and sends alerts; the Bolt buttons call :meth:`acknowledge` and :meth:`snooze`."""

    store: AlertStore

    def __init__(
        self, store: AlertStore, messenger: Messenger | None, settings: Settings, *,
        clock: Clock = utc_now, holder: str | None = None,
    ) -> None:
        self.store = store
        self.messenger = messenger  # None: dry runs from the cache only
        self.settings = settings
        self.clock = clock
        self.holder = holder or new_holder("alerts")
        self._shut_out: set[str] = set()  # channels that answered not_in_channel this run

    # ---- the run ---------------------------------------------------------------------------

    def run(self, now: datetime | None = None, *, dry_run: bool = False) -> list[SentAlert]:
        """Send every alert due at ``now`` and every held DM whose hold has ended."""
        now = now or self.clock()
        if dry_run:
            return self._run(now, dry_run=True)
        if not self.store.try_lease(LEASE_NAME, self.holder, RUN_LEASE, now):
            event(log, "alerts.skipped", reason='another_run_holds_the_lease')
            return []
        try:
            return self._run(now, dry_run=False)
        finally:
            self.store.release_lease(LEASE_NAME, self.holder)

    def _run(self, now: datetime, *, dry_run: bool) -> list[SentAlert]:
        people = People(self.store, self.messenger, now, dry_run=dry_run)
        self._shut_out.clear()  # channels that answered not_in_channel, per run
        teams = [self._team(name, now, people) for name in self.settings.teams]
        out: list[SentAlert] = []
        for team in teams:
            out += self._send_team(team, now, dry_run)
        out += self._deliver_held(teams, now, dry_run)
        event(
            log, "alerts.run_done", sent=sum(a.status == "sent" for a in out),
            held=sum(a.status == "held" for a in out), dry_run=dry_run
        )
        return out

    def _team(self, name: str, now: datetime, directory: People) -> TeamState:
        settings = self.settings.team(name)
        flow = settings.to_flow()
        tz = flow.calendar.timezone
        people = directory.recipients([*settings.people.product, *settings.people.engineering], tz)
        engineering = directory.recipients(settings.people.engineering, tz)
        team = TeamState(name, flow, settings.slack.channel, people)
        facts = self.store.open_handoffs(name)
        items = {i.key: i for i in self.store.work_items([f.item_key for f in facts])}
        handoffs = [
            OpenHandoff(f, items[f.item_key].summary, items[f.item_key].url) if f.item_key in items
            else OpenHandoff(f, "", "")
            for f in facts
        ]
        reviews = []
        for pr in self.store.open_prs_without_review(flow.repos):
            name = f"{pr.repo}#{pr.number}"
            team.reviewers[name] = pr.requested_reviewers
            emails = [settings.people.email_of_login(login) for login in pr.requested_reviewers]
            asked = directory.recipients([e for e in emails if e is not None], tz)
            team.asked.update((name, r.user_id) for r in asked)
            reviews.append(PendingReview(pr.repo, pr.number, pr.title, pr.url, pr.created_at,
                                         tuple(asked or engineering)))
        by_repo: dict[str, list[UnreleasedPr]] = {}
        for pr in self.store.merged_unreleased_prs(flow.repos):
            if pr.merged_at is not None:
                by_repo.setdefault(pr.repo, []).append(
                    UnreleasedPr(pr.number, pr.title, pr.url, pr.merged_at))
        unreleased = [UnreleasedWork(repo, tuple(prs)) for repo, prs in sorted(by_repo.items())]
        team.rules = {
            "handoffs": handoffs, "reviews": reviews, "unreleased": unreleased,
            "thresholds": flow.alerts, "calendar": calendar_for(flow.calendar),
            "calendar_for_tz": recipient_calendars(flow.calendar), "people": people, "now": now,
        }
        team.current = {a.alert_key: a for a in evaluate(**team.rules, sent={}, snoozes={})}
        return team

    def _due(self, team: TeamState, now: datetime) -> list[Alert]:
        """The team's alerts at a level not yet claimed, not snoozed, not acknowledged."""
        sent: dict[str, int] = {}
        acknowledged: set[str] = set()
        snoozes: dict[str, datetime] = {}
        for key, alert in team.current.items():
            entries = self.store.alert_entries(key)
            if entries:
                sent[key] = max(e.level for e in entries)
            if any(e.acknowledged_at is not None for e in entries):
                acknowledged.add(key)
            for name in (key, alert.subject):
                snooze = self.store.active_snooze(name, now)
                if snooze is not None:
                    snoozes[name] = snooze.until
        alerts = evaluate(**team.rules, sent=sent, snoozes=snoozes)
        return [a for a in alerts if a.alert_key not in acknowledged]

    def _send_team(self, team: TeamState, now: datetime, dry_run: bool) -> list[SentAlert]:
        """The team's due alerts; past ``alerts.channel_posts`` channel posts, the rest fold
        into one summary post (their DMs go as usual)."""
        due = [a for a in self._due(team, now) if self._sendable(team, a, now)]
        posts = [a for a in due if a.channel]
        cap = team.flow.alerts.channel_posts
        folded = {a.alert_key for a in posts[cap - 1:]} if len(posts) > cap else set()
        out: list[SentAlert] = []
        for alert in due:
            out += self._send(team, alert, now, dry_run, channel=alert.alert_key not in folded)
        if folded:
            out += self._post_folded(team, [a for a in posts if a.alert_key in folded], now,
                                     dry_run)
        return out

    def _sendable(self, team: TeamState, alert: Alert, now: datetime) -> bool:
        if not self._still_current(team, alert):
            event(log, "alerts.moot", key=alert.alert_key)
            return False
        if alert.channel and deliver_at(calendar_for(team.flow.calendar), now) > now:
            # The channel post (and so the whole alert) waits for the team's working time.
            event(log, "alerts.deferred", key=alert.alert_key, reason='outside_team_hours')
            return False
        return True

    def _send(
        self, team: TeamState, alert: Alert, now: datetime, dry_run: bool, *, channel: bool
    ) -> list[SentAlert]:
        out = []
        if alert.channel and channel:
            out.append(self._deliver(team, alert, CHANNEL, now, dry_run, claim=True))
        for dm in alert.dms:
            if dm.deliver_at > now:
                out.append(self._hold(alert, dm.user_id, dm.deliver_at, now, dry_run))
            else:
                out.append(self._deliver(team, alert, dm.user_id, now, dry_run, claim=True))
        return [a for a in out if a is not None]

    def _post_folded(
        self, team: TeamState, alerts: list[Alert], now: datetime, dry_run: bool, *,
        claim: bool = True,
    ) -> list[SentAlert]:
        """One summary post for the channel alerts past the cap, each claimed first. The
        ledger records them sent with the summary's ts and no channel, so buttons pressed on
        another message never re-render the summary as one alert. When Slack refuses the
        summary (nothing was posted) its alerts are held, marked ``FOLDED``, and a run past
        ``RETRY_AFTER`` folds them into one summary again (``claim`` False: they are this
        run's already); when the outcome is unknown they count as sent (never twice)."""
        mine = alerts if dry_run or not claim else [
            a for a in alerts
            if self.store.claim_alert(a.alert_key, a.level, CHANNEL, self.holder, now)
        ]
        if not mine:
            return []
        day_hours = team.flow.calendar.working_day_seconds / 3600.0
        text, blocks = folded_channel_message(team.name, mine, day_hours=day_hours)
        status = "would_send" if dry_run else "sent"
        posted_ts = ""
        if not dry_run:
            if self.messenger is None:
                raise RuntimeError("AlertService needs a messenger to send")
            try:
                posted_ts = self.messenger.post_message(team.channel, text, blocks).ts
            except Unavailable as exc:  # it may have been posted: at most once, not twice
                status = "failed"
                event(log, "alerts.post_failed", logging.ERROR, key="folded", level=0, error=exc)
            except IntegrationError as exc:  # refused, nothing posted: a later run folds again
                for a in mine:
                    self.store.hold_folded_alert(a.alert_key, a.level, CHANNEL, now + RETRY_AFTER)
                event(log, "alerts.post_failed", logging.ERROR, key="folded", level=0, error=exc)
                return [SentAlert(a.alert_key, a.level, CHANNEL, "failed", text, team.channel)
                        for a in mine]
            for a in mine:
                self.store.mark_alert_sent(a.alert_key, a.level, CHANNEL, channel=DROPPED,
                                           message_ts=posted_ts, now=now)
        event(log, "alerts.folded", team=team.name, alerts=len(mine), status=status)
        return [SentAlert(a.alert_key, a.level, CHANNEL, status, text, team.channel,
                          message_ts=posted_ts or None) for a in mine]

    def _hold(
        self, alert: Alert, user: str, until: datetime, now: datetime, dry_run: bool
    ) -> SentAlert | None:
        base = SentAlert(alert.alert_key, alert.level, user, "would_hold", held_until=until)
        if dry_run:
            return base
        if not self.store.claim_alert(alert.alert_key, alert.level, user, self.holder, now,
                                      held_until=until):
            return None
        event(log, "alerts.held", key=alert.alert_key, level=alert.level, until=until.isoformat())
        return replace(base, status="held")

    def _deliver(
        self, team: TeamState, alert: Alert, recipient: str, now: datetime, dry_run: bool, *,
        claim: bool, look_since: datetime | None = None,
    ) -> SentAlert | None:
        """Claim (unless held) and post one alert level; ``look_since``: an earlier attempt
        since then may have landed, so look for it in the conversation first."""
        text, blocks = self._render(team, alert, recipient)
        target = team.channel if recipient == CHANNEL else recipient
        base = SentAlert(alert.alert_key, alert.level, recipient, "would_send", text, target)
        if dry_run:
            return base
        if claim and not self.store.claim_alert(alert.alert_key, alert.level, recipient,
                                                self.holder, now):
            return None
        if self.messenger is None:
            raise RuntimeError("AlertService needs a messenger to send")
        key = (alert.alert_key, alert.level, recipient)
        if target in self._shut_out:
            self.store.hold_alert(*key, now + RETRY_AFTER)  # kept for when the bot is invited
            return replace(base, status="failed")
        post_key = alert_post_key(*key)
        found = earlier_post(self.messenger, target, post_key, look_since)
        if found is not None:
            self.store.mark_alert_sent(*key, channel=found.channel, message_ts=found.ts, now=now)
            event(log, "alerts.recovered", logging.WARNING, key=key[0], level=key[1])
            return replace(base, status="sent", channel=found.channel, message_ts=found.ts)
        try:
            posted = self.messenger.post_message(target, text, blocks, key=post_key)
        except Unavailable as exc:
            # The outcome is unknown: held for a retry that first looks for it (by the key it
            # carries) in the conversation, so it is sent once, not never and not twice.
            self.store.hold_unknown_alert(*key, now + RETRY_AFTER)
            event(log, "alerts.outcome_unknown", logging.ERROR, key=key[0], level=key[1], error=exc)
            return replace(base, status="failed")
        except IntegrationError as exc:
            # Slack refused it, nothing was posted: a later run retries through the hold queue.
            self.store.hold_alert(*key, now + RETRY_AFTER)
            if exc.detail == NOT_IN_CHANNEL:  # said once per channel and run, not per alert
                self._shut_out.add(target)
                event(log, "alerts.not_in_channel", logging.ERROR, team=team.name,
                      channel=target, fix=f"/invite @Crosswalk in {target}")
                return replace(base, status="failed")
            event(log, "alerts.post_failed", logging.ERROR, key=key[0], level=key[1], error=exc)
            return replace(base, status="failed")
        self.store.mark_alert_sent(*key, channel=posted.channel, message_ts=posted.ts, now=now)
        event(log, "alerts.sent", key=key[0], level=key[1], to=recipient)
        return replace(base, status="sent", channel=posted.channel, message_ts=posted.ts)

    def _render(
        self, team: TeamState, alert: Alert, recipient: str
    ) -> tuple[str, list[dict[str, Any]]]:
        day_hours = team.flow.calendar.working_day_seconds / 3600.0
        about = alert.about
        if isinstance(about, OpenHandoff):
            if recipient == CHANNEL:
                people = [p.user_id for p in team.people]
                return handoff_channel_message(alert, about, people=people, day_hours=day_hours)
            return handoff_dm(alert, about, day_hours=day_hours)
        if isinstance(about, PendingReview):
            name = f"{about.repo}#{about.number}"
            if (name, recipient) in team.asked:
                return review_dm(alert, about, day_hours=day_hours)
            logins = team.reviewers.get(name, ())
            return review_team_dm(alert, about, reviewers=logins, day_hours=day_hours)
        return unreleased_channel_message(alert, about, tz=team.flow.calendar.timezone,
                                          day_hours=day_hours)

    def _still_current(self, team: TeamState, alert: Alert) -> bool:
        """Re-read the subject from the store: is it still waiting?"""
        about = alert.about
        if isinstance(about, OpenHandoff):
            fact = about.fact
            return any((f.item_key, f.seq) == (fact.item_key, fact.seq)
                       for f in self.store.open_handoffs(team.name))
        if isinstance(about, PendingReview):
            return any(p.number == about.number
                       for p in self.store.open_prs_without_review([about.repo]))
        oldest = alert.alert_key.rpartition(":")[2]
        return any(str(p.number) == oldest
                   for p in self.store.merged_unreleased_prs([about.repo]))

    # ---- held alerts -----------------------------------------------------------------------

    def _deliver_held(
        self, teams: Sequence[TeamState], now: datetime, dry_run: bool
    ) -> list[SentAlert]:
        owner = {key: (team, alert) for team in teams for key, alert in team.current.items()}
        out: list[SentAlert] = []
        refold: dict[str, tuple[TeamState, list[Alert]]] = {}
        for entry in self.store.due_held_alerts(now, stale_before=now - STALE_CLAIM):
            key = (entry.alert_key, entry.level, entry.recipient)
            found = owner.get(entry.alert_key)
            if found is None or not self._still_current(*found) or self._superseded(entry):
                if not dry_run:
                    self.store.mark_alert_sent(*key, channel=DROPPED, message_ts=DROPPED, now=now)
                event(log, "alerts.held_dropped", key=key[0], level=key[1])
                continue
            team, alert = found
            until = self._hold_until(team, entry, alert, now)
            if until is not None:
                if not dry_run:
                    self.store.hold_alert(*key, until)
                continue
            if entry.channel == FOLDED:  # its summary was refused: fold again, together
                refold.setdefault(team.name, (team, []))[1].append(
                    replace(alert, level=entry.level))
                continue
            maybe = entry.channel == MAYBE_POSTED or entry.held_until is None  # tried before
            sent = self._deliver(team, replace(alert, level=entry.level), entry.recipient, now,
                                 dry_run, claim=False,
                                 look_since=entry.claimed_at if maybe else None)
            if sent is not None:
                out.append(sent)
        for team, alerts in refold.values():
            out += self._post_folded(team, alerts, now, dry_run, claim=False)
        return out

    def _superseded(self, entry: AlertEntry) -> bool:
        return any(e.recipient == entry.recipient and e.level > entry.level
                   for e in self.store.alert_entries(entry.alert_key))

    def _hold_until(
        self, team: TeamState, entry: AlertEntry, alert: Alert, now: datetime
    ) -> datetime | None:
        """When a due held alert must wait again (snoozed, or outside working hours)."""
        for name in (alert.alert_key, alert.subject):
            snooze = self.store.active_snooze(name, now)
            if snooze is not None:
                return snooze.until
        if entry.recipient == CHANNEL:
            at = deliver_at(calendar_for(team.flow.calendar), now)
        else:
            tz = next((p.tz for p in team.people if p.user_id == entry.recipient),
                      team.flow.calendar.timezone)
            at = deliver_at(recipient_calendars(team.flow.calendar)(tz), now)
        return at if at > now else None
