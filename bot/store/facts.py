"""Derived facts: bulk upserts and per-item replacement of what sync derives."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Connection

from bot.flow.facts import (
    HandoffEnd,
    HandoffFact,
    IncidentFact,
    ItemFact,
    PrFact,
    ReleaseFact,
    StatusSpan,
)
from bot.store import tables as t
from bot.store.base import IN_CHUNK, StoreBase, chunked, upsert
from bot.store.spans import length_class


def to_handoff(row: Any) -> HandoffFact:
    """A ``HandoffFact`` from a ``handoff_facts`` row."""
    end = HandoffEnd(row.end) if row.end is not None else None
    return HandoffFact(row.item_key, row.seq, row.started_at, row.ended_at, end, row.pickup_pr)


def to_span(row: Any) -> StatusSpan:
    """A ``StatusSpan`` from a ``status_spans`` row."""
    return StatusSpan(row.item_key, row.seq, row.status, row.start, row.end)


def to_pr_fact(row: Any) -> PrFact:
    """A ``PrFact`` from a ``pr_facts`` row."""
    return PrFact(
        row.repo,
        row.number,
        row.author_is_bot,
        row.opened_at,
        row.merged_at,
        row.first_review_at,
        row.release_id,
        row.released_at,
    )


def to_release_fact(row: Any) -> ReleaseFact:
    """A ``ReleaseFact`` from a ``release_facts`` row."""
    return ReleaseFact(
        row.repo,
        row.release_id,
        row.tag,
        row.published_at,
        row.is_hotfix,
        row.failed,
        tuple(json.loads(row.failure_reasons)),
        row.downtime_hours,
    )


class FactsMixin(StoreBase):
    """Writes and reads of the derived facts. Every method joins ``conn`` when given."""

    # ------------------------------------------------------------------ writes

    def upsert_handoffs(
        self, facts: Iterable[HandoffFact], *, conn: Connection | None = None
    ) -> int:
        """Insert or update handoff facts by (item, seq)."""
        rows = [
            {
                "item_key": f.item_key,
                "seq": f.seq,
                "started_at": f.started_at,
                "ended_at": f.ended_at,
                "end": f.end.value if f.end is not None else None,
                "pickup_pr": f.pickup_pr,
            }
            for f in facts
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.handoff_facts, rows)

    def upsert_status_spans(
        self, spans: Iterable[StatusSpan], *, conn: Connection | None = None
    ) -> int:
        """Insert or update status spans by (item, seq)."""
        rows = [
            {
                "item_key": s.item_key,
                "seq": s.seq,
                "status": s.status,
                "start": s.start,
                "end": s.end,
                "length_class": length_class(s.start, s.end),
            }
            for s in spans
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.status_spans, rows)

    def replace_item_timelines(
        self,
        item_keys: Sequence[str],
        handoffs: Iterable[HandoffFact],
        spans: Iterable[StatusSpan],
        *,
        conn: Connection | None = None,
    ) -> None:
        """Make these the complete handoffs and spans of ``item_keys`` (a re-derivation may
        produce fewer episodes than before, which an upsert alone would leave behind)."""
        with self._use(conn, write=True) as c:
            for part in chunked(sorted(set(item_keys)), IN_CHUNK):
                c.execute(delete(t.handoff_facts).where(t.handoff_facts.c.item_key.in_(part)))
                c.execute(delete(t.status_spans).where(t.status_spans.c.item_key.in_(part)))
            self.upsert_handoffs(handoffs, conn=c)
            self.upsert_status_spans(spans, conn=c)

    def upsert_item_facts(
        self, facts: Iterable[ItemFact], *, conn: Connection | None = None
    ) -> int:
        """Insert or update per-item delivery facts."""
        rows = [
            {
                "item_key": f.item_key,
                "first_handoff_at": f.first_handoff_at,
                "delivered_at": f.delivered_at,
            }
            for f in facts
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.item_facts, rows)

    def upsert_pr_facts(self, facts: Iterable[PrFact], *, conn: Connection | None = None) -> int:
        """Insert or update per-PR facts."""
        rows = [
            {
                "repo": f.repo,
                "number": f.number,
                "author_is_bot": f.author_is_bot,
                "opened_at": f.opened_at,
                "merged_at": f.merged_at,
                "first_review_at": f.first_review_at,
                "release_id": f.release_id,
                "released_at": f.released_at,
            }
            for f in facts
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.pr_facts, rows)

    def upsert_release_facts(
        self, facts: Iterable[ReleaseFact], *, conn: Connection | None = None
    ) -> int:
        """Insert or update per-release facts."""
        rows = [
            {
                "repo": f.repo,
                "release_id": f.release_id,
                "tag": f.tag,
                "published_at": f.published_at,
                "is_hotfix": f.is_hotfix,
                "failed": f.failed,
                "failure_reasons": json.dumps(list(f.failure_reasons)),
                "downtime_hours": f.downtime_hours,
            }
            for f in facts
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.release_facts, rows)

    def upsert_incident_facts(
        self, facts: Iterable[IncidentFact], *, conn: Connection | None = None
    ) -> int:
        """Insert or update incident facts."""
        rows = [
            {
                "item_key": f.item_key,
                "created": f.created,
                "resolved": f.resolved,
                "release_repo": f.release_repo,
                "release_id": f.release_id,
            }
            for f in facts
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.incident_facts, rows)
