"""The one-team forms of the report's window reads (``bot.store.windows``), for callers that
read a single team: each is the many-teams read for that one team."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.engine import Connection

from bot.flow.facts import HandoffFact, IncidentFact, ItemFact, StatusSpan
from bot.store.windows import WindowsMixin

Conn = Connection | None


class TeamWindowsMixin(WindowsMixin):
    """Window reads of one team."""

    def handoffs_started(
        self, team: str, start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[HandoffFact]:
        """Handoffs of ``team`` that began in ``[start, end)``."""
        return self.handoffs_started_by_team([team], start, end, conn=conn)[team]

    def handoffs_ended(
        self, team: str, start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[HandoffFact]:
        """Handoffs of ``team`` that ended (picked up, returned, withdrawn) in ``[start, end)``."""
        return self.handoffs_ended_by_team([team], start, end, conn=conn)[team]

    def handoffs_waiting_at(
        self, team: str, at: datetime, *, conn: Conn = None
    ) -> list[HandoffFact]:
        """Handoffs of ``team`` begun before ``at`` and not ended before it; oldest first."""
        return self.handoffs_waiting_by_team([team], at, conn=conn)[team]

    def spans_at(
        self,
        team: str,
        at: datetime,
        statuses: Collection[str],
        *,
        conn: Conn = None,
    ) -> list[StatusSpan]:
        """Status spans of ``team``'s items in one of ``statuses`` just before ``at`` (WIP)."""
        return self.spans_by_team({team: statuses}, at, conn=conn)[team]

    def items_delivered(
        self, team: str, start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[ItemFact]:
        """Item facts of ``team`` delivered in ``[start, end)``."""
        return self.items_delivered_by_team([team], start, end, conn=conn)[team]

    def incidents_resolved(
        self, team: str, start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[IncidentFact]:
        """Incident facts of ``team`` resolved in ``[start, end)``."""
        return self.incidents_resolved_by_team([team], start, end, conn=conn)[team]
