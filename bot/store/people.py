"""Snoozes set from Slack, and the cache of Slack users resolved by email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from bot.store import tables as t
from bot.store.base import StoreBase, upsert


@dataclass(frozen=True, slots=True)
class Snooze:
    """Alerts about ``subject`` stay quiet until ``until``."""

    subject: str
    until: datetime
    by_user: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SlackUser:
    """A Slack user found by email (``user_id`` None: no Slack user has that email)."""

    email: str
    user_id: str | None
    tz: str | None
    fetched_at: datetime


class PeopleMixin(StoreBase):
    """Snoozes and the Slack user cache. Every method joins ``conn`` when given."""

    def add_snooze(
        self,
        subject: str,
        until: datetime,
        by_user: str,
        now: datetime,
        *,
        conn: Connection | None = None,
    ) -> Snooze:
        """Snooze alerts about ``subject`` until ``until``."""
        snooze = Snooze(subject, until, by_user, now)
        values = {"subject": subject, "until": until, "by_user": by_user, "created_at": now}
        with self._use(conn, write=True) as c:
            c.execute(insert(t.snoozes).values(**values))
        return snooze

    def recent_snooze(
        self, subject: str, by_user: str, since: datetime, *, conn: Connection | None = None
    ) -> Snooze | None:
        """The snooze ``by_user`` set on ``subject`` at or after ``since``, if any."""
        s = t.snoozes.c
        stmt = (select(t.snoozes)
                .where(s.subject == subject, s.by_user == by_user, s.created_at >= since)
                .order_by(s.created_at.desc()).limit(1))
        with self._use(conn, write=False) as c:
            row = c.execute(stmt).first()
        return None if row is None else Snooze(row.subject, row.until, row.by_user, row.created_at)

    def active_snooze(
        self, subject: str, now: datetime, *, conn: Connection | None = None
    ) -> Snooze | None:
        """The snooze of ``subject`` lasting longest past ``now``, if any."""
        s = t.snoozes.c
        stmt = (
            select(s.subject, s.until, s.by_user, s.created_at)
            .where(s.subject == subject, s.until > now)
            .order_by(s.until.desc())
            .limit(1)
        )
        with self._use(conn, write=False) as c:
            row = c.execute(stmt).first()
        return Snooze(row.subject, row.until, row.by_user, row.created_at) if row else None

    def snoozes_created_between(
        self, start: datetime, end: datetime, *, conn: Connection | None = None
    ) -> list[Snooze]:
        """Snoozes set in ``[start, end)``, oldest first (the digest lists the week's)."""
        s = t.snoozes.c
        stmt = (
            select(s.subject, s.until, s.by_user, s.created_at)
            .where(s.created_at >= start, s.created_at < end)
            .order_by(s.created_at, s.subject)
        )
        with self._use(conn, write=False) as c:
            return [Snooze(r.subject, r.until, r.by_user, r.created_at) for r in c.execute(stmt)]

    def slack_user(self, email: str, *, conn: Connection | None = None) -> SlackUser | None:
        """The cached Slack user of ``email`` (callers judge staleness by ``fetched_at``)."""
        stmt = select(t.slack_user_cache).where(t.slack_user_cache.c.email == email.lower())
        with self._use(conn, write=False) as c:
            row = c.execute(stmt).first()
        return SlackUser(row.email, row.user_id, row.tz, row.fetched_at) if row else None

    def put_slack_users(self, users: list[SlackUser], *, conn: Connection | None = None) -> int:
        """Cache Slack users by (lower-cased) email."""
        rows = [
            {"email": u.email.lower(), "user_id": u.user_id, "tz": u.tz, "fetched_at": u.fetched_at}
            for u in users
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.slack_user_cache, rows)
