"""Sync cursors, leases, and the exactly-once ledgers of digests and reviews (alerts:
``bot.store.alert_ledger``).

Claims are single ``INSERT ... ON CONFLICT`` statements, so two replicas racing for the
same digest or alert get exactly one ``True`` on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from bot.store import tables as t
from bot.store.base import StoreBase, dialect_insert


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the last committed sync page of one team/source/scope ended."""

    value: str
    etag: str | None
    updated_at: datetime


POLL_PREFIX = "poll:"  # lease of a team's scheduled poll, held for the poll interval


@dataclass(frozen=True, slots=True)
class _Ledger:
    """A post ledger: one row per team and key (the digest's week, the review's period)."""

    table: Any
    key: str

    @property
    def c(self) -> Any:
        """The table's columns."""
        return self.table.c


_DIGESTS = _Ledger(t.digest_ledger, "week")
_REVIEWS = _Ledger(t.review_ledger, "period")


@dataclass(frozen=True, slots=True)
class DigestEntry:
    """The ledger row of one team's weekly digest (or review: ``week`` is then its period)."""

    team: str
    week: str
    claimed_at: datetime
    claimed_by: str
    channel: str | None
    message_ts: str | None
    posted_at: datetime | None


def claim_row(conn: Connection, table: Any, values: dict[str, Any]) -> bool:
    """Insert ``values`` unless the key exists; True only when this call inserted the row."""
    # RETURNING, not rowcount: psycopg reports -1 for some INSERT ... ON CONFLICT forms.
    key = next(iter(table.primary_key.columns))
    stmt = dialect_insert(conn, table).values(**values).on_conflict_do_nothing().returning(key)
    return conn.execute(stmt).first() is not None


class LedgersMixin(StoreBase):
    """Cursors, leases, digest and review ledgers. Every method joins ``conn`` when given."""

    # ------------------------------------------------------------------ cursors

    def get_cursor(
        self, conn: Connection, team: str, source: str, scope: str = ""
    ) -> Cursor | None:
        """The cursor of ``(team, source, scope)``, read inside the caller's transaction."""
        c = t.sync_cursors.c
        row = conn.execute(
            select(c.value, c.etag, c.updated_at).where(
                c.team == team, c.source == source, c.scope == scope
            )
        ).first()
        return Cursor(row.value, row.etag, row.updated_at) if row is not None else None

    def set_cursor(
        self,
        conn: Connection,
        team: str,
        source: str,
        scope: str,
        value: str,
        *,
        now: datetime,
        etag: str | None = None,
    ) -> None:
        """Move the cursor, in the same transaction as the page it covers."""
        insert = dialect_insert(conn, t.sync_cursors).values(
            team=team, source=source, scope=scope, value=value, etag=etag, updated_at=now
        )
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=["team", "source", "scope"],
                set_={"value": value, "etag": etag, "updated_at": now},
            )
        )

    # ------------------------------------------------------------------ leases

    def try_lease(
        self,
        name: str,
        holder: str,
        ttl: timedelta,
        now: datetime,
        *,
        conn: Connection | None = None,
    ) -> bool:
        """Take or renew lease ``name`` until ``now + ttl``; False while another holder has it."""
        with self._use(conn, write=True) as c:
            insert = dialect_insert(c, t.leases).values(
                name=name, holder=holder, expires_at=now + ttl
            )
            stmt = insert.on_conflict_do_update(
                index_elements=["name"],
                set_={"holder": holder, "expires_at": now + ttl},
                where=(t.leases.c.expires_at <= now) | (t.leases.c.holder == holder),
            ).returning(t.leases.c.name)
            return c.execute(stmt).first() is not None

    def lease_expiries(
        self, names: Collection[str], *, conn: Connection | None = None
    ) -> dict[str, datetime]:
        """When each of the leases ``names`` that exists expires (held or not)."""
        if not names:
            return {}
        stmt = select(t.leases.c.name, t.leases.c.expires_at).where(
            t.leases.c.name.in_(sorted(names)))
        with self._use(conn, write=False) as c:
            return {row.name: row.expires_at for row in c.execute(stmt)}

    def release_lease(self, name: str, holder: str, *, conn: Connection | None = None) -> bool:
        """Give lease ``name`` back; False when ``holder`` did not hold it."""
        stmt = delete(t.leases).where(t.leases.c.name == name, t.leases.c.holder == holder)
        with self._use(conn, write=True) as c:
            return bool(c.execute(stmt).rowcount == 1)

    # ------------------------------------------------------------------ digests

    def claim_digest(
        self, team: str, week: str, holder: str, now: datetime, *, conn: Connection | None = None
    ) -> bool:
        """Claim posting ``team``'s digest of ``week``; True only for the first claimer."""
        return self._claim_post(_DIGESTS, team, week, holder, now, conn)

    def record_digest_posted(
        self,
        team: str,
        week: str,
        *,
        channel: str,
        message_ts: str,
        now: datetime,
        conn: Connection | None = None,
    ) -> None:
        """Note where and when the claimed digest was posted."""
        self._record_post(_DIGESTS, team, week, channel, message_ts, now, conn)

    def release_digest_claim(
        self, team: str, week: str, holder: str, *, conn: Connection | None = None
    ) -> bool:
        """Drop an unposted claim of ``holder`` (the post failed before Slack accepted it)."""
        return self._release_post(_DIGESTS, team, week, holder, conn)

    def take_over_digest_claim(
        self, team: str, week: str, stale: str, holder: str, now: datetime, *,
        conn: Connection | None = None,
    ) -> bool:
        """Move ``stale``'s unposted claim to ``holder`` in one statement (True: moved).

        The row is never absent meanwhile, so no run can make a fresh claim and post in
        the gap: whoever holds a taken-over claim knows to look for an earlier post."""
        return self._take_over_post(_DIGESTS, team, week, stale, holder, now, conn)

    def digest_entry(
        self, team: str, week: str, *, conn: Connection | None = None
    ) -> DigestEntry | None:
        """The ledger row of ``team``'s digest of ``week``, if claimed."""
        return self._post_entry(_DIGESTS, team, week, conn)

    # ------------------------------------------------------------------ reviews

    def claim_review(
        self, team: str, period: str, holder: str, now: datetime, *,
        conn: Connection | None = None,
    ) -> bool:
        """Claim posting ``team``'s review of ``period``; True only for the first claimer."""
        return self._claim_post(_REVIEWS, team, period, holder, now, conn)

    def record_review_posted(
        self, team: str, period: str, *, channel: str, message_ts: str, now: datetime,
        conn: Connection | None = None,
    ) -> None:
        """Note where and when the claimed review was posted."""
        self._record_post(_REVIEWS, team, period, channel, message_ts, now, conn)

    def release_review_claim(
        self, team: str, period: str, holder: str, *, conn: Connection | None = None
    ) -> bool:
        """Drop an unposted review claim of ``holder``."""
        return self._release_post(_REVIEWS, team, period, holder, conn)

    def take_over_review_claim(
        self, team: str, period: str, stale: str, holder: str, now: datetime, *,
        conn: Connection | None = None,
    ) -> bool:
        """``take_over_digest_claim`` for the review ledger."""
        return self._take_over_post(_REVIEWS, team, period, stale, holder, now, conn)

    def review_entry(
        self, team: str, period: str, *, conn: Connection | None = None
    ) -> DigestEntry | None:
        """The ledger row of ``team``'s review of ``period`` (``week`` holds the period)."""
        return self._post_entry(_REVIEWS, team, period, conn)

    # ------------------------------------------------------------------ one post per key

    def _claim_post(
        self, ledger: _Ledger, team: str, key: str, holder: str, now: datetime, conn: Any
    ) -> bool:
        values = {"team": team, ledger.key: key, "claimed_at": now, "claimed_by": holder}
        with self._use(conn, write=True) as c:
            return claim_row(c, ledger.table, values)

    def _record_post(
        self, ledger: _Ledger, team: str, key: str, channel: str, ts: str, now: datetime,
        conn: Any,
    ) -> None:
        stmt = (
            update(ledger.table)
            .where(ledger.c.team == team, ledger.c[ledger.key] == key)
            .values(channel=channel, message_ts=ts, posted_at=now)
        )
        with self._use(conn, write=True) as c:
            c.execute(stmt)

    def _release_post(
        self, ledger: _Ledger, team: str, key: str, holder: str, conn: Any
    ) -> bool:
        c_ = ledger.c
        stmt = delete(ledger.table).where(
            c_.team == team, c_[ledger.key] == key, c_.claimed_by == holder,
            c_.posted_at.is_(None),
        )
        with self._use(conn, write=True) as c:
            return bool(c.execute(stmt).rowcount == 1)

    def _take_over_post(
        self, ledger: _Ledger, team: str, key: str, stale: str, holder: str, now: datetime,
        conn: Any,
    ) -> bool:
        c_ = ledger.c
        stmt = (
            update(ledger.table)
            .where(c_.team == team, c_[ledger.key] == key, c_.claimed_by == stale,
                   c_.posted_at.is_(None))
            .values(claimed_by=holder, claimed_at=now)
        )
        with self._use(conn, write=True) as c:
            return bool(c.execute(stmt).rowcount == 1)

    def _post_entry(
        self, ledger: _Ledger, team: str, key: str, conn: Any
    ) -> DigestEntry | None:
        stmt = select(ledger.table).where(ledger.c.team == team, ledger.c[ledger.key] == key)
        with self._use(conn, write=False) as c:
            row = c.execute(stmt).first()
        if row is None:
            return None
        return DigestEntry(
            row.team,
            getattr(row, ledger.key),
            row.claimed_at,
            row.claimed_by,
            row.channel,
            row.message_ts,
            row.posted_at,
        )
