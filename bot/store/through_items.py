"""Long windows of a few teams, read through the teams' items instead of the time index.

For a quarter, a time index walks every team's rows of those 13 weeks and drops the other
teams' after the join, so the cost grows with the organisation. Reading each of the team's
items by key is bounded by the team's size (``bot.store.windows`` switches at
``LONG_WINDOW``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import BindParameter, Select, bindparam, func, select

from bot.flow.facts import HandoffFact, ItemFact
from bot.store import tables as t
from bot.store.db import UTCDateTime

T = TypeVar("T")
# By "filtered by team in SQL", as in bot.store.windows: a SELECT or a UNION of them.
Statements = dict[bool, Any]

LONG_WINDOW = timedelta(days=21)

_TEAMS: BindParameter[str] = bindparam("teams", expanding=True)
_START = bindparam("start", type_=UTCDateTime())
_END = bindparam("end", type_=UTCDateTime())
_TI = t.team_items.c


def through_items(table: Any, key_column: Any, time_column: Any) -> Select[Any]:
    """Rows of ``table`` with ``time_column`` in ``[start, end)`` of the items of ``teams``.

    ``coalesce`` keeps the planner off the time index (SQLite and PostgreSQL alike), so it
    drives from ``team_items``. No ORDER BY: SQLite would walk the time index to skip the
    sort; callers sort the rows (``sort``).
    """
    unindexed = func.coalesce(time_column, time_column)
    stmt = select(_TI.team, table).select_from(t.team_items)
    stmt = stmt.join(table, key_column == _TI.item_key).where(_TI.team.in_(_TEAMS))
    return stmt.where(unindexed >= _START, unindexed < _END)


def long(stmts: Statements, through: Any, start: datetime, end: datetime) -> Statements:
    """``stmts``, with the few-teams statement read through the items for a long window."""
    return {True: through, False: stmts[False]} if end - start >= LONG_WINDOW else stmts


def sort(found: dict[str, list[T]], key: Callable[[T], Any]) -> dict[str, list[T]]:
    """Each team's rows in ``key`` order (the order the time-index statements return)."""
    return {team: sorted(rows, key=key) for team, rows in found.items()}


def by_started(h: HandoffFact) -> tuple[datetime, str, int]:
    """Handoffs by start."""
    return (h.started_at, h.item_key, h.seq)


def by_ended(h: HandoffFact) -> tuple[datetime | None, str, int]:
    """Handoffs by end."""
    return (h.ended_at, h.item_key, h.seq)


def by_delivered(i: ItemFact) -> tuple[datetime | None, str]:
    """Items by delivery."""
    return (i.delivered_at, i.item_key)
