"""The alert ledger: each alert level claimed once per recipient, held, sent, acknowledged.

Claims are single ``INSERT ... ON CONFLICT`` statements (``bot.store.ledgers.claim_row``), so
two replicas racing for the same alert level get exactly one ``True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from bot.store import tables as t
from bot.store.base import StoreBase
from bot.store.ledgers import claim_row


@dataclass(frozen=True, slots=True)
class AlertEntry:
    """The ledger row of one alert level sent (or held) to one recipient."""

    alert_key: str
    level: int
    recipient: str
    claimed_at: datetime
    claimed_by: str
    sent_at: datetime | None
    channel: str | None
    message_ts: str | None
    held_until: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None



MAYBE_POSTED = "?"  # channel of a held alert whose earlier post may have landed
FOLDED = "+"  # channel of a held alert whose folded summary Slack refused


class AlertLedgerMixin(StoreBase):
    """The alert ledger. Every method joins ``conn`` when given."""

    def claim_alert(
        self,
        alert_key: str,
        level: int,
        recipient: str,
        holder: str,
        now: datetime,
        *,
        held_until: datetime | None = None,
        conn: Connection | None = None,
    ) -> bool:
        """Claim sending ``level`` of an alert to ``recipient``; True only for the first claimer."""
        values = {
            "alert_key": alert_key,
            "level": level,
            "recipient": recipient,
            "claimed_at": now,
            "claimed_by": holder,
            "held_until": held_until,
        }
        with self._use(conn, write=True) as c:
            return claim_row(c, t.alert_ledger, values)

    def _alert_update(
        self, key: tuple[str, int, str], conn: Connection | None, **values: Any
    ) -> bool:
        a = t.alert_ledger.c
        stmt = (
            update(t.alert_ledger)
            .where(a.alert_key == key[0], a.level == key[1], a.recipient == key[2])
            .values(**values)
        )
        with self._use(conn, write=True) as c:
            return bool(c.execute(stmt).rowcount == 1)

    def mark_alert_sent(
        self,
        alert_key: str,
        level: int,
        recipient: str,
        *,
        channel: str,
        message_ts: str,
        now: datetime,
        conn: Connection | None = None,
    ) -> bool:
        """Note that a claimed alert was delivered (clears any hold)."""
        key = (alert_key, level, recipient)
        values = {"channel": channel, "message_ts": message_ts, "sent_at": now, "held_until": None}
        return self._alert_update(key, conn, **values)

    def hold_alert(
        self,
        alert_key: str,
        level: int,
        recipient: str,
        until: datetime,
        *,
        conn: Connection | None = None,
    ) -> bool:
        """Hold a claimed, unsent alert until the recipient's next working hour."""
        return self._alert_update((alert_key, level, recipient), conn, held_until=until)

    def hold_unknown_alert(
        self, alert_key: str, level: int, recipient: str, until: datetime, *,
        conn: Connection | None = None,
    ) -> bool:
        """Hold a claimed alert whose post had an unknown outcome until ``until``, marked
        (``channel`` ``MAYBE_POSTED``) so the retry first looks for it in the conversation."""
        return self._alert_update((alert_key, level, recipient), conn, held_until=until,
                                  channel=MAYBE_POSTED)

    def hold_folded_alert(
        self, alert_key: str, level: int, recipient: str, until: datetime, *,
        conn: Connection | None = None,
    ) -> bool:
        """Hold a claimed alert of a folded summary Slack refused until ``until``, marked
        (``channel`` ``FOLDED``) so the retry folds it again with the others held so."""
        return self._alert_update((alert_key, level, recipient), conn, held_until=until,
                                  channel=FOLDED)

    def acknowledge_alert(
        self, alert_key: str, by_user: str, now: datetime, *, conn: Connection | None = None
    ) -> int:
        """Acknowledge every level and recipient of ``alert_key``; returns the rows touched."""
        a = t.alert_ledger.c
        stmt = (
            update(t.alert_ledger)
            .where(a.alert_key == alert_key, a.acknowledged_at.is_(None))
            .values(acknowledged_by=by_user, acknowledged_at=now)
        )
        with self._use(conn, write=True) as c:
            return int(c.execute(stmt).rowcount)

    def alert_entries(self, alert_key: str, *, conn: Connection | None = None) -> list[AlertEntry]:
        """Every ledger row of ``alert_key`` (levels claimed, sent, held, acknowledged)."""
        a = t.alert_ledger.c
        stmt = select(t.alert_ledger).where(a.alert_key == alert_key).order_by(a.level, a.recipient)
        with self._use(conn, write=False) as c:
            return [AlertEntry(*row) for row in c.execute(stmt)]

    def acknowledged_between(
        self, start: datetime, end: datetime, *, conn: Connection | None = None
    ) -> list[AlertEntry]:
        """Ledger rows acknowledged in ``[start, end)``, by acknowledgement time."""
        a = t.alert_ledger.c
        stmt = (
            select(t.alert_ledger)
            .where(a.acknowledged_at >= start, a.acknowledged_at < end)
            .order_by(a.acknowledged_at, a.alert_key, a.level, a.recipient)
        )
        with self._use(conn, write=False) as c:
            return [AlertEntry(*row) for row in c.execute(stmt)]

    def due_held_alerts(
        self, now: datetime, *, stale_before: datetime | None = None,
        conn: Connection | None = None,
    ) -> list[AlertEntry]:
        """Claimed, unsent alerts whose hold has expired by ``now``; with ``stale_before``,
        also those claimed before it and never held nor sent (their run died between the
        claim and the post, or between the post and its record)."""
        a = t.alert_ledger.c
        due = a.held_until <= now
        if stale_before is not None:
            due = or_(due, and_(a.held_until.is_(None), a.claimed_at < stale_before))
        stmt = (
            select(t.alert_ledger)
            .where(a.sent_at.is_(None), due, a.acknowledged_at.is_(None))
            .order_by(a.held_until, a.alert_key, a.level, a.recipient)
        )
        with self._use(conn, write=False) as c:
            return [AlertEntry(*row) for row in c.execute(stmt)]
