"""Window reads of the derived facts: what the report and the alerts ask for.

Windows are half-open, ``[start, end)``. "At an instant" reads give the state just
before ``at``: a span or handoff covers ``at`` when it began before ``at`` and had not
ended before ``at`` (so with ``at`` = the end of a week it is the state at week end).
Each read is one SQL statement served by an index on its time column.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Subquery, func, select, union_all
from sqlalchemy.engine import Connection

from bot.flow.facts import HandoffFact, IncidentFact, ItemFact, PrFact, ReleaseFact, StatusSpan
from bot.store import tables as t
from bot.store.base import StoreBase
from bot.store.facts import to_handoff, to_pr_fact, to_release_fact, to_span
from bot.store.spans import covering


def _of_team(stmt: Select[Any], key_column: Any, team: str) -> Select[Any]:
    """Restrict a fact query to the items ``team``'s query returned."""
    ti = t.team_items.c
    return stmt.join(t.team_items, ti.item_key == key_column).where(ti.team == team)


def _open_or_ending_after(base: Select[Any], end: Any, at: datetime) -> Subquery:
    """Rows of ``base`` still open, or ended at or after ``at``.

    Two index lookups joined by UNION ALL, not one ``OR``: "began before ``at``" alone
    would scan the whole history, while open and recently ended rows are few for a
    recent ``at`` (the current week and the trend weeks).
    """
    return union_all(base.where(end.is_(None)), base.where(end >= at)).subquery()


class WindowsMixin(StoreBase):
    """The report's reads. Every method joins ``conn`` when given."""

    # ------------------------------------------------------------------ team reads

    def handoffs_started(
        self, team: str, start: datetime, end: datetime, *, conn: Connection | None = None
    ) -> list[HandoffFact]:
        """Handoffs of ``team`` that began in ``[start, end)``."""
        h = t.handoff_facts.c
        stmt = _of_team(select(t.handoff_facts), h.item_key, team)
        stmt = stmt.where(h.started_at >= start, h.started_at < end)
        with self._use(conn, write=False) as c:
            return [to_handoff(r) for r in c.execute(stmt.order_by(h.started_at, h.item_key))]

    def handoffs_ended(
        self, team: str, start: datetime, end: datetime, *, conn: Connection | None = None
    ) -> list[HandoffFact]:
        """Handoffs of ``team`` that ended (picked up, returned, withdrawn) in ``[start, end)``."""
        h = t.handoff_facts.c
        stmt = _of_team(select(t.handoff_facts), h.item_key, team)
        stmt = stmt.where(h.ended_at >= start, h.ended_at < end)
        with self._use(conn, write=False) as c:
            return [to_handoff(r) for r in c.execute(stmt.order_by(h.ended_at, h.item_key))]

    def handoffs_waiting_at(
        self, team: str, at: datetime, *, conn: Connection | None = None
    ) -> list[HandoffFact]:
        """Handoffs of ``team`` begun before ``at`` and not ended before it; oldest first."""
        h = t.handoff_facts.c
        base = _of_team(select(t.handoff_facts), h.item_key, team).where(h.started_at < at)
        both = _open_or_ending_after(base, h.ended_at, at)
        with self._use(conn, write=False) as c:
            return [
                to_handoff(r) for r in c.execute(select(both).order_by("started_at", "item_key"))
            ]

    def spans_at(
        self,
        team: str,
        at: datetime,
        statuses: Collection[str],
        *,
        conn: Connection | None = None,
    ) -> list[StatusSpan]:
        """Status spans of ``team``'s items in one of ``statuses`` just before ``at`` (WIP)."""
        if not statuses:
            return []
        s = t.status_spans.c
        stmt = _of_team(select(t.status_spans), s.item_key, team)
        stmt = stmt.where(s.status.in_(sorted(statuses)), covering(s, at))
        with self._use(conn, write=False) as c:
            # Sorted here, not by ORDER BY: SQLite would then walk the primary key (every
            # span) to skip a sort of the few rows the length-class ranges find.
            rows = [to_span(r) for r in c.execute(stmt)]
        return sorted(rows, key=lambda span: (span.item_key, span.seq))

    def items_delivered(
        self, team: str, start: datetime, end: datetime, *, conn: Connection | None = None
    ) -> list[ItemFact]:
        """Item facts of ``team`` delivered in ``[start, end)``."""
        f = t.item_facts.c
        stmt = _of_team(select(t.item_facts), f.item_key, team)
        stmt = stmt.where(f.delivered_at >= start, f.delivered_at < end)
        with self._use(conn, write=False) as c:
            return [
                ItemFact(r.item_key, r.first_handoff_at, r.delivered_at)
                for r in c.execute(stmt.order_by(f.delivered_at, f.item_key))
            ]

    def incidents_resolved(
        self, team: str, start: datetime, end: datetime, *, conn: Connection | None = None
    ) -> list[IncidentFact]:
        """Incident facts of ``team`` resolved in ``[start, end)``."""
        f = t.incident_facts.c
        stmt = _of_team(select(t.incident_facts), f.item_key, team)
        stmt = stmt.where(f.resolved >= start, f.resolved < end)
        with self._use(conn, write=False) as c:
            return [
                IncidentFact(r.item_key, r.created, r.resolved, r.release_repo, r.release_id)
                for r in c.execute(stmt.order_by(f.resolved, f.item_key))
            ]

    # ------------------------------------------------------------------ repository reads

    def _pr_facts_between(
        self, column: str, repos: Collection[str], start: datetime, end: datetime, conn: Any
    ) -> list[PrFact]:
        if not repos:
            return []
        col = t.pr_facts.c[column]
        stmt = select(t.pr_facts).where(
            t.pr_facts.c.repo.in_(sorted(repos)), col >= start, col < end
        )
        with self._use(conn, write=False) as c:
            rows = c.execute(stmt.order_by(col, t.pr_facts.c.repo, t.pr_facts.c.number))
            return [to_pr_fact(r) for r in rows]

    def prs_opened(
        self,
        repos: Collection[str],
        start: datetime,
        end: datetime,
        *,
        conn: Connection | None = None,
    ) -> list[PrFact]:
        """PR facts of ``repos`` opened in ``[start, end)`` (bots included; metrics drop them)."""
        return self._pr_facts_between("opened_at", repos, start, end, conn)

    def prs_merged(
        self,
        repos: Collection[str],
        start: datetime,
        end: datetime,
        *,
        conn: Connection | None = None,
    ) -> list[PrFact]:
        """PR facts of ``repos`` merged in ``[start, end)``."""
        return self._pr_facts_between("merged_at", repos, start, end, conn)

    def prs_first_reviewed(
        self,
        repos: Collection[str],
        start: datetime,
        end: datetime,
        *,
        conn: Connection | None = None,
    ) -> list[PrFact]:
        """PR facts of ``repos`` first reviewed in ``[start, end)``."""
        return self._pr_facts_between("first_review_at", repos, start, end, conn)

    def releases_published(
        self,
        repos: Collection[str],
        start: datetime,
        end: datetime,
        *,
        conn: Connection | None = None,
    ) -> list[ReleaseFact]:
        """Release facts (eligible releases) of ``repos`` published in ``[start, end)``."""
        if not repos:
            return []
        r = t.release_facts.c
        stmt = select(t.release_facts).where(
            r.repo.in_(sorted(repos)), r.published_at >= start, r.published_at < end
        )
        with self._use(conn, write=False) as c:
            rows = c.execute(stmt.order_by(r.published_at, r.repo, r.release_id))
            return [to_release_fact(row) for row in rows]

    def first_release_at(
        self, repos: Collection[str], *, conn: Connection | None = None
    ) -> datetime | None:
        """When the first eligible release of any of ``repos`` was published (None: none yet)."""
        if not repos:
            return None
        r = t.release_facts.c
        stmt = select(func.min(r.published_at)).where(r.repo.in_(sorted(repos)))
        with self._use(conn, write=False) as c:
            value = c.execute(stmt).scalar()
        return value if isinstance(value, datetime) else None
