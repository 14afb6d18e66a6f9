"""The stage reads: each delivered item's status spans and linked pull requests.

``delivery.stage_hours`` splits an item's time to delivery by its status history and its
linked pull requests' open, merge and close times (``bot.flow.stages``); these two
statements read both for a set of items, in chunks small enough for any database.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import BindParameter, and_, bindparam, select
from sqlalchemy.engine import Connection

from bot.flow.facts import StatusSpan
from bot.flow.model import is_bot_login
from bot.flow.stages import ItemHistory, PrInterval
from bot.store import tables as t
from bot.store.base import StoreBase
from bot.store.facts import to_span

_KEYS: BindParameter[str] = bindparam("keys", expanding=True)
_STATUSES: BindParameter[str] = bindparam("statuses", expanding=True)
_S, _L, _P = t.status_spans.c, t.item_links.c, t.pull_requests.c
_SPANS = select(t.status_spans).where(_S.item_key.in_(_KEYS)).order_by(_S.item_key, _S.seq)
_SPANS_IN = _SPANS.where(_S.status.in_(_STATUSES))
_LINKED = (
    select(_L.item_key, _P.author, _P.author_is_bot, _P.created_at, _P.merged_at, _P.closed_at)
    .join(t.pull_requests, and_(_P.repo == _L.repo, _P.number == _L.pr_number))
    .where(_L.item_key.in_(_KEYS))
    .order_by(_L.item_key, _L.repo, _L.pr_number)
)
CHUNK = 2000  # keys per statement: well under every database's bound-parameter limit


def _chunks(keys: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(set(keys))
    for i in range(0, len(ordered), CHUNK):
        yield ordered[i : i + CHUNK]


class HistoriesMixin(StoreBase):
    """``item_histories``: what the stages of delivered items are computed from."""

    def item_histories(
        self, keys: Collection[str], *, statuses: Collection[str] | None = None,
        conn: Connection | None = None,
    ) -> list[ItemHistory]:
        """Spans and linked human PRs of each of ``keys`` (sorted by key; bots left out).

        With ``statuses``, only the spans in those statuses: the stages tell only handoff
        and returned statuses apart (any other is ``build``), so that is all they need.
        """
        spans_stmt = _SPANS if statuses is None else _SPANS_IN
        extra = {} if statuses is None else {"statuses": sorted(statuses)}
        spans: dict[str, list[StatusSpan]] = {}
        prs: dict[str, list[PrInterval]] = {}
        with self._use(conn, write=False) as c:
            for chunk in _chunks(keys):
                for row in c.execute(spans_stmt, {"keys": chunk, **extra}):
                    spans.setdefault(row.item_key, []).append(to_span(row))
                for row in c.execute(_LINKED, {"keys": chunk}):
                    if row.author_is_bot or is_bot_login(row.author):
                        continue
                    interval = PrInterval(row.created_at, row.merged_at, row.closed_at)
                    prs.setdefault(row.item_key, []).append(interval)
        return [
            ItemHistory(key, tuple(spans.get(key, ())), tuple(prs.get(key, ())))
            for key in sorted(set(keys))
        ]
