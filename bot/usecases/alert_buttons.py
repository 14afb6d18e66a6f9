"""The alert buttons: *Acknowledge* and *Snooze 1 day*, on the messages the ledger knows.

Every message an acknowledgement touches is re-rendered from the store; the channel, ts
and blocks a (signed, perhaps forged) button payload carried are never trusted.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.config.settings import Settings
from bot.core.clock import Clock
from bot.core.logs import event
from bot.core.ports import Messenger
from bot.flow.alerts import Alert, alert_subject
from bot.render.alerts import mark_acknowledged, mark_snoozed
from bot.store.alert_ledger import AlertEntry
from bot.store.people import Snooze
from bot.usecases.alert_outcomes import ClickedMessage, TeamState
from bot.usecases.people import People
from bot.usecases.stores import ButtonStore

log = logging.getLogger("bot.usecases.alerts")

CHANNEL = "channel"  # the ledger's recipient of a team-channel post
ALERT_KINDS = ("handoff:", "review:", "unreleased:")
REPLAY_WINDOW = timedelta(minutes=5)  # Slack's signature window: a press seen again is a replay


def subject_of(name: str) -> str:
    """The snooze subject of an alert key ("handoff:PAY-12:0" → "PAY-12"); others unchanged."""
    return alert_subject(name) if name.startswith(ALERT_KINDS) else name


class AlertButtons:
    """What the Bolt buttons call; ``AlertService`` supplies the team state and rendering."""

    store: ButtonStore
    messenger: Messenger | None
    settings: Settings
    clock: Clock

    def _team(self, name: str, now: datetime, directory: People) -> TeamState:
        raise NotImplementedError

    def _render(
        self, team: TeamState, alert: Alert, recipient: str
    ) -> tuple[str, list[dict[str, Any]]]:
        raise NotImplementedError

    def acknowledge(
        self, alert_key: str, user_id: str, *, now: datetime | None = None,
        clicked: ClickedMessage | None = None,
    ) -> int:
        """Record ``user_id``'s acknowledgement and show it on the alert's messages.

        Every message the ledger knows is re-rendered; ``clicked`` is never trusted.

        Returns the ledger rows newly acknowledged (0: already acknowledged, nothing updated).
        """
        now = now or self.clock()
        touched = self.store.acknowledge_alert(alert_key, user_id, now)
        if touched == 0 or self.messenger is None:
            return touched
        event(log, "alerts.acknowledged", key=alert_key)
        # Every message of the alert the ledger knows, re-rendered from the store: never the
        # blocks, channel or ts a (signed, perhaps forged) button payload carried.
        for entry in self.store.alert_entries(alert_key):
            where = (entry.channel or "", entry.message_ts or "")
            if not all(where):
                continue
            rendered = self._rerender(alert_key, entry.level, now, entry.recipient)
            if rendered is None:
                event(log, "alerts.ack_not_shown", key=alert_key, reason="no_longer_waiting")
                continue
            text, blocks = rendered
            self.messenger.update_message(where[0], where[1], text,
                                          mark_acknowledged(blocks, user_id))
        return touched

    def snooze(
        self, subject: str, until: datetime, user_id: str, *, now: datetime | None = None,
        clicked: ClickedMessage | None = None,
    ) -> Snooze:
        """Snooze a subject ("PAY-12", "acme/api#7", "acme/api") or an alert key's subject."""
        now = now or self.clock()
        replayed = self.store.recent_snooze(subject_of(subject), user_id, now - REPLAY_WINDOW)
        if replayed is not None:  # the same press again (Slack or an attacker replays it)
            return replayed
        snooze = self.store.add_snooze(subject_of(subject), until, user_id, now)
        entry = self._clicked_entry(subject, clicked)
        if entry is not None and self.messenger is not None:
            rendered = self._rerender(subject, entry.level, now, entry.recipient)
            if rendered is not None:
                text, blocks = rendered
                blocks = mark_snoozed(blocks, user_id, f"{until:%a %d %b %H:%M} UTC")
                self.messenger.update_message(str(entry.channel), str(entry.message_ts), text,
                                              blocks)
        event(log, "alerts.snoozed", subject=snooze.subject, until=until.isoformat())
        return snooze

    def _clicked_entry(self, alert_key: str, clicked: ClickedMessage | None) -> AlertEntry | None:
        """The ledger entry of the message a button was pressed on; None for a message the
        ledger does not know (a forged channel or ts)."""
        if clicked is None:
            return None
        for entry in self.store.alert_entries(alert_key):
            if (entry.channel, entry.message_ts) == (clicked.channel, clicked.ts):
                return entry
        return None

    def _rerender(
        self, alert_key: str, level: int, now: datetime, recipient: str = CHANNEL
    ) -> tuple[str, list[dict[str, Any]]] | None:
        """The message of ``alert_key`` at ``level`` to ``recipient`` from the current state."""
        directory = People(self.store, self.messenger, now, dry_run=True)
        for name in self.settings.teams:
            team = self._team(name, now, directory)
            alert = team.current.get(alert_key)
            if alert is not None:
                return self._render(team, replace(alert, level=level), recipient)
        return None

