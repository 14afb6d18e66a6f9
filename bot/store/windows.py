"""Window reads of the derived facts: what the report and the alerts ask for.

Windows are half-open, ``[start, end)``. "At an instant" reads give the state just
before ``at``: a span or handoff covers ``at`` when it began before ``at`` and had not
ended before ``at`` (so with ``at`` = the end of a week it is the state at week end).
Each read is one SQL statement served by an index on its time column.

Every team read has a many-teams form (``*_by_team``: one statement for all the teams,
rows partitioned by the ``team_items`` team), which ``bot.usecases.reporting.team_reports`` uses.
The statements are built once, with bound parameters, at import: building a SQLAlchemy
statement cost more Python than SQLite spent on the query.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    BindParameter,
    Select,
    and_,
    bindparam,
    func,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.engine import Connection

from bot.flow.facts import HandoffFact, IncidentFact, ItemFact, PrFact, ReleaseFact, StatusSpan
from bot.store import tables as t
from bot.store.base import StoreBase
from bot.store.db import UTCDateTime
from bot.store.facts import to_handoff, to_pr_fact, to_release_fact, to_span
from bot.store.spans import OPEN, TOP
from bot.store.through_items import by_delivered, by_ended, by_started, long, sort, through_items

T = TypeVar("T")
Conn = Connection | None  # every read joins the caller's connection when given

_TEAMS: BindParameter[str] = bindparam("teams", expanding=True)
_REPOS: BindParameter[str] = bindparam("repos", expanding=True)
_STATUSES: BindParameter[str] = bindparam("statuses", expanding=True)
_START = bindparam("start", type_=UTCDateTime())
_END = bindparam("end", type_=UTCDateTime())
# "At an instant" reads take a range of instants ``[at_first, at_last]`` (equal for one
# team): the many-teams form reads once for teams whose weeks end at different instants.
_AT_FIRST = bindparam("at_first", type_=UTCDateTime())
_AT_LAST = bindparam("at_last", type_=UTCDateTime())
_TI = t.team_items.c
_H, _S, _F, _I = t.handoff_facts.c, t.status_spans.c, t.item_facts.c, t.incident_facts.c
_P, _R = t.pr_facts.c, t.release_facts.c
# Up to this many teams a read filters by team in SQL (and PostgreSQL reads waiting
# handoffs through the teams' items); for more, one pass over the window serves every
# team and the rows of other teams are dropped in Python: with many teams in the
# ``IN`` list SQLite drove the join from each team's items instead of the time index.
FEW_TEAMS = 5

Statements = dict[bool, Any]  # by "filtered by team in SQL": a SELECT, or a UNION of them


def _of_teams(table: Any, key_column: Any, filtered: bool) -> Select[Any]:
    """Rows of ``table`` for the items of the teams bound to ``teams``, with the team."""
    stmt = select(_TI.team, table).join(t.team_items, _TI.item_key == key_column)
    return stmt.where(_TI.team.in_(_TEAMS)) if filtered else stmt


def _both(make: Callable[[bool], Select[Any]]) -> Statements:
    return {filtered: make(filtered) for filtered in (True, False)}




def _covering_spans(filtered: bool) -> Select[Any]:
    """Spans in ``statuses`` covering an instant in ``[at_first, at_last]``.

    One start range per length class, as ``bot.store.spans.covering``, but every bound
    is a parameter (``lower_<c>`` is ``at_first - 2**c`` hours), so the 22-branch
    condition is built once, not per read. Not ORDER BY: SQLite would then walk the
    primary key (every span) to skip a sort of the few rows found; reads sort in Python.
    """
    ranges = [and_(_S.length_class == OPEN, _S.start < _AT_LAST)]
    for klass in range(TOP):
        lower = bindparam(f"lower_{klass}", type_=UTCDateTime())
        ranges.append(and_(_S.length_class == klass, _S.start >= lower, _S.start < _AT_LAST))
    ranges.append(and_(_S.length_class == TOP, _S.start < _AT_LAST))
    stmt = _of_teams(t.status_spans, _S.item_key, filtered).where(_S.status.in_(_STATUSES))
    return stmt.where(or_(*ranges), or_(_S.end.is_(None), _S.end >= _AT_FIRST))


def _waiting(filtered: bool) -> Select[Any]:
    """Handoffs begun before ``at_last`` and still open, or ended at or after ``at_first``.

    Two index lookups joined by UNION ALL, not one ``OR``: "began before ``at``" alone
    would scan the whole history, while open and recently ended rows are few for a
    recent ``at`` (the current week and the trend weeks).
    """
    base = _of_teams(t.handoff_facts, _H.item_key, filtered).where(_H.started_at < _AT_LAST)
    ended = base.where(_H.ended_at >= _AT_FIRST)
    sub = union_all(base.where(_H.ended_at.is_(None)), ended).subquery()
    return select(sub).order_by(sub.c.started_at, sub.c.item_key, sub.c.seq)


def _waiting_of_team_items() -> Select[Any]:
    """The same, found through the teams' items (PostgreSQL, a few teams).

    For a past ``at``, "ended at or after ``at``" holds for every later handoff of every
    team, and PostgreSQL then scanned the whole table in parallel. Reading each of the
    team's items' handoffs by primary key is bounded by the team's size instead. The
    ``OFFSET 0`` keeps the planner from flattening the LATERAL subquery back into the
    plain join it would plan as that scan.
    """
    covering = or_(_H.ended_at.is_(None), _H.ended_at >= _AT_FIRST)
    inner = select(t.handoff_facts).where(_H.item_key == _TI.item_key, _H.started_at < _AT_LAST)
    each = inner.where(covering).offset(0).lateral("h")
    stmt = select(_TI.team, each).select_from(t.team_items).join(each, true())
    stmt = stmt.where(_TI.team.in_(_TEAMS))
    return stmt.order_by(each.c.started_at, each.c.item_key, each.c.seq)


_HANDOFFS_STARTED = _both(
    lambda filtered: (
        _of_teams(t.handoff_facts, _H.item_key, filtered)
        .where(_H.started_at >= _START, _H.started_at < _END)
        .order_by(_H.started_at, _H.item_key, _H.seq)
    )
)
_HANDOFFS_ENDED = _both(
    lambda filtered: (
        _of_teams(t.handoff_facts, _H.item_key, filtered)
        .where(_H.ended_at >= _START, _H.ended_at < _END)
        .order_by(_H.ended_at, _H.item_key, _H.seq)
    )
)
_HANDOFFS_STARTED_LONG = through_items(t.handoff_facts, _H.item_key, _H.started_at)
_HANDOFFS_ENDED_LONG = through_items(t.handoff_facts, _H.item_key, _H.ended_at)
# Begun or ended in the window, each once: the handoff reads of a report in one statement.
_HANDOFFS_TOUCHING = {
    f: union(_HANDOFFS_STARTED[f].order_by(None), _HANDOFFS_ENDED[f].order_by(None))
    for f in (True, False)
}
_HANDOFFS_TOUCHING_LONG = union(_HANDOFFS_STARTED_LONG, _HANDOFFS_ENDED_LONG)
_ITEMS_DELIVERED_LONG = through_items(t.item_facts, _F.item_key, _F.delivered_at)
_HANDOFFS_WAITING = _both(_waiting)
_HANDOFFS_WAITING_OF_ITEMS = _waiting_of_team_items()
_SPANS_AT = _both(_covering_spans)
_ITEMS_DELIVERED = _both(
    lambda filtered: (
        _of_teams(t.item_facts, _F.item_key, filtered)
        .where(_F.delivered_at >= _START, _F.delivered_at < _END)
        .order_by(_F.delivered_at, _F.item_key)
    )
)
_INCIDENTS_RESOLVED = _both(
    lambda filtered: (
        _of_teams(t.incident_facts, _I.item_key, filtered)
        .where(_I.resolved >= _START, _I.resolved < _END)
        .order_by(_I.resolved, _I.item_key)
    )
)
_PRS_BETWEEN = {
    column: select(t.pr_facts)
    .where(_P.repo.in_(_REPOS), _P[column] >= _START, _P[column] < _END)
    .order_by(_P[column], _P.repo, _P.number)
    for column in ("opened_at", "merged_at", "first_review_at", "released_at")
}
_PRS_TOUCHING = union(*(s.order_by(None) for s in _PRS_BETWEEN.values()))
_RELEASES_PUBLISHED = (
    select(t.release_facts)
    .where(_R.repo.in_(_REPOS), _R.published_at >= _START, _R.published_at < _END)
    .order_by(_R.published_at, _R.repo, _R.release_id)
)
_FIRST_RELEASE_BY_REPO = (
    select(_R.repo, func.min(_R.published_at).label("first")).where(_R.repo.in_(_REPOS))
).group_by(_R.repo)


def _to_item(row: Any) -> ItemFact:
    return ItemFact(row.item_key, row.first_handoff_at, row.delivered_at)


def _to_incident(row: Any) -> IncidentFact:
    return IncidentFact(row.item_key, row.created, row.resolved, row.release_repo, row.release_id)


def _span_order(span: StatusSpan) -> tuple[str, int]:
    return (span.item_key, span.seq)


class WindowsMixin(StoreBase):
    """The report's reads. Every method joins ``conn`` when given."""

    def _by_team(
        self,
        stmts: Statements,
        teams: Collection[str],
        params: Mapping[str, Any],
        convert: Callable[[Any], T],
        conn: Connection | None,
    ) -> dict[str, list[T]]:
        """Run a team statement for ``teams``; rows in statement order, per team."""
        found: dict[str, list[T]] = {team: [] for team in teams}
        if not found:
            return found
        filtered = len(found) <= FEW_TEAMS
        values = {"teams": sorted(found), **params} if filtered else params
        with self._use(conn, write=False) as c:
            for row in c.execute(stmts[filtered], values):
                rows = found.get(row.team)
                if rows is not None:
                    rows.append(convert(row))
        return found

    # ------------------------------------------------------------------ many teams

    def handoffs_started_by_team(
        self, teams: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> dict[str, list[HandoffFact]]:
        """``handoffs_started`` of each of ``teams``, in one statement."""
        window = {"start": start, "end": end}
        stmts = long(_HANDOFFS_STARTED, _HANDOFFS_STARTED_LONG, start, end)
        return sort(self._by_team(stmts, teams, window, to_handoff, conn), by_started)

    def handoffs_ended_by_team(
        self, teams: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> dict[str, list[HandoffFact]]:
        """``handoffs_ended`` of each of ``teams``, in one statement."""
        window = {"start": start, "end": end}
        stmts = long(_HANDOFFS_ENDED, _HANDOFFS_ENDED_LONG, start, end)
        return sort(self._by_team(stmts, teams, window, to_handoff, conn), by_ended)

    def handoffs_touching_by_team(
        self, teams: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> dict[str, list[HandoffFact]]:
        """Handoffs of each of ``teams`` begun or ended in ``[start, end)``, each once."""
        window = {"start": start, "end": end}
        stmts = long(_HANDOFFS_TOUCHING, _HANDOFFS_TOUCHING_LONG, start, end)
        return sort(self._by_team(stmts, teams, window, to_handoff, conn), by_started)

    def handoffs_waiting_by_team(
        self,
        teams: Collection[str],
        at: datetime,
        *,
        until: datetime | None = None,
        conn: Conn = None,
    ) -> dict[str, list[HandoffFact]]:
        """``handoffs_waiting_at`` of each of ``teams``, in one statement.

        With ``until``: those waiting at some instant in ``[at, until]`` (callers keep
        the ones waiting at each team's own instant).
        """
        stmts = _HANDOFFS_WAITING
        if self.engine.dialect.name == "postgresql" and len(teams) <= FEW_TEAMS:
            stmts = {True: _HANDOFFS_WAITING_OF_ITEMS, False: _HANDOFFS_WAITING[False]}
        params = {"at_first": at, "at_last": until or at}
        return self._by_team(stmts, teams, params, to_handoff, conn)

    def spans_by_team(
        self,
        statuses: Mapping[str, Collection[str]],
        at: datetime,
        *,
        until: datetime | None = None,
        conn: Conn = None,
    ) -> dict[str, list[StatusSpan]]:
        """``spans_at`` of each team (``statuses``: team → its statuses), in one statement.

        With ``until``: spans covering some instant in ``[at, until]`` (as above).
        """
        wanted = sorted({s for team_statuses in statuses.values() for s in team_statuses})
        teams = [team for team, team_statuses in statuses.items() if team_statuses]
        params: dict[str, Any] = {"at_first": at, "at_last": until or at, "statuses": wanted}
        params.update({f"lower_{k}": at - timedelta(hours=2**k) for k in range(TOP)})
        found = self._by_team(_SPANS_AT, teams, params, lambda r: r, conn)
        spans: dict[str, list[StatusSpan]] = {team: [] for team in statuses}
        for team, rows in found.items():
            own = statuses[team]
            spans[team] = sorted((to_span(r) for r in rows if r.status in own), key=_span_order)
        return spans

    def items_delivered_by_team(
        self, teams: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> dict[str, list[ItemFact]]:
        """``items_delivered`` of each of ``teams``, in one statement."""
        window = {"start": start, "end": end}
        stmts = long(_ITEMS_DELIVERED, _ITEMS_DELIVERED_LONG, start, end)
        return sort(self._by_team(stmts, teams, window, _to_item, conn), by_delivered)

    def incidents_resolved_by_team(
        self, teams: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> dict[str, list[IncidentFact]]:
        """``incidents_resolved`` of each of ``teams``, in one statement."""
        window = {"start": start, "end": end}
        return self._by_team(_INCIDENTS_RESOLVED, teams, window, _to_incident, conn)

    def first_release_by_repo(
        self, repos: Collection[str], *, conn: Conn = None
    ) -> dict[str, datetime]:
        """When each of ``repos`` first published an eligible release (absent: none yet)."""
        if not repos:
            return {}
        with self._use(conn, write=False) as c:
            rows = c.execute(_FIRST_RELEASE_BY_REPO, {"repos": sorted(repos)})
            return {row.repo: row.first for row in rows if isinstance(row.first, datetime)}

    # ------------------------------------------------------------------ repository reads

    def _pr_facts_between(
        self, column: str, repos: Collection[str], start: datetime, end: datetime, conn: Any
    ) -> list[PrFact]:
        if not repos:
            return []
        params = {"repos": sorted(repos), "start": start, "end": end}
        with self._use(conn, write=False) as c:
            return [to_pr_fact(r) for r in c.execute(_PRS_BETWEEN[column], params)]

    def prs_touching(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[PrFact]:
        """PR facts of ``repos`` opened, merged, first reviewed or released in ``[start,
        end)``, each once: the four reads of a report in one statement (a PR of a long
        window is usually in several of them)."""
        if not repos:
            return []
        params = {"repos": sorted(repos), "start": start, "end": end}
        with self._use(conn, write=False) as c:
            return [to_pr_fact(r) for r in c.execute(_PRS_TOUCHING, params)]

    def prs_opened(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[PrFact]:
        """PR facts of ``repos`` opened in ``[start, end)`` (bots included; metrics drop them)."""
        return self._pr_facts_between("opened_at", repos, start, end, conn)

    def prs_merged(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[PrFact]:
        """PR facts of ``repos`` merged in ``[start, end)``."""
        return self._pr_facts_between("merged_at", repos, start, end, conn)

    def prs_first_reviewed(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[PrFact]:
        """PR facts of ``repos`` first reviewed in ``[start, end)``."""
        return self._pr_facts_between("first_review_at", repos, start, end, conn)

    def prs_released(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[PrFact]:
        """PR facts of ``repos`` released (first eligible release) in ``[start, end)``."""
        return self._pr_facts_between("released_at", repos, start, end, conn)

    def releases_published(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[ReleaseFact]:
        """Release facts (eligible releases) of ``repos`` published in ``[start, end)``."""
        if not repos:
            return []
        params = {"repos": sorted(repos), "start": start, "end": end}
        with self._use(conn, write=False) as c:
            return [to_release_fact(row) for row in c.execute(_RELEASES_PUBLISHED, params)]

    def first_release_at(self, repos: Collection[str], *, conn: Conn = None) -> datetime | None:
        """When the first eligible release of any of ``repos`` was published (None: none yet)."""
        return min(self.first_release_by_repo(repos, conn=conn).values(), default=None)
