"""The reads the sync needs beyond the report's: whole-repo, by-version and lease lookups,
and the queue of facts a team's pass has yet to recompute.

The sync computes facts from raw records and needs a few lookups no report makes; they live
here so that every statement on a store table stays in ``bot.store`` (the import-boundary
test keeps ``bot.sync`` off the tables). Every method joins ``conn`` when given.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, delete, select
from sqlalchemy.engine import Connection

from bot.flow.facts import PrFact
from bot.flow.model import PullRequest
from bot.store import tables as t
from bot.store.base import IN_CHUNK, StoreBase, chunked, dialect_insert
from bot.store.convert import to_pull_request
from bot.store.facts import to_pr_fact

PENDING_SOURCE = "refresh"  # sync_cursors rows of the facts a pass has yet to recompute
HEALTH_SOURCE = "health"  # sync_cursors rows of sources failing now (scope: the source)


class SyncReadsMixin(StoreBase):
    """Lookups only the incremental sync makes."""

    def pending_refreshes(self, team: str, *, conn: Connection | None = None) -> list[str]:
        """The values (JSON) of ``team``'s queued refreshes, oldest first."""
        c = t.sync_cursors.c
        stmt = (select(c.value).where(c.team == team, c.source == PENDING_SOURCE)
                .order_by(c.updated_at, c.scope))
        with self._use(conn, write=False) as db:
            return [str(v) for v in db.execute(stmt).scalars()]

    def record_source_failure(
        self, team: str, source: str, error: str, now: datetime, *,
        conn: Connection | None = None,
    ) -> None:
        """Note that ``team``'s ``source`` failed at ``now``: since when it has been failing
        (the first failure in a row), how many passes in a row, and the last error."""
        c = t.sync_cursors.c
        with self._use(conn, write=True) as db:
            row = db.execute(select(c.value).where(
                c.team == team, c.source == HEALTH_SOURCE, c.scope == source)).first()
            before = json.loads(row.value) if row is not None else {}
            value = json.dumps({"since": before.get("since", now.isoformat()),
                                "failures": int(before.get("failures", 0)) + 1,
                                "error": error})
            stmt = dialect_insert(db, t.sync_cursors).values(
                team=team, source=HEALTH_SOURCE, scope=source, value=value, updated_at=now)
            db.execute(stmt.on_conflict_do_update(index_elements=["team", "source", "scope"],
                                                  set_={"value": value, "updated_at": now}))

    def clear_source_failure(
        self, team: str, source: str, *, conn: Connection | None = None
    ) -> None:
        """``team``'s ``source`` answered again."""
        c = t.sync_cursors.c
        with self._use(conn, write=True) as db:
            db.execute(delete(t.sync_cursors).where(
                c.team == team, c.source == HEALTH_SOURCE, c.scope == source))

    def source_failures(self, *, conn: Connection | None = None) -> dict[str, str]:
        """``"team/source": "error (failing since ..., N passes in a row)"`` for every source
        whose last pass failed, whichever replica ran it."""
        c = t.sync_cursors.c
        stmt = (select(c.team, c.scope, c.value).where(c.source == HEALTH_SOURCE)
                .order_by(c.team, c.scope))
        with self._use(conn, write=False) as db:
            rows = list(db.execute(stmt))
        out = {}
        for team, source, text in rows:
            data = json.loads(text)
            out[f"{team}/{source}"] = (f"{data['error']} (failing since {data['since']}, "
                                       f"{data['failures']} passes in a row)")
        return out

    def clear_pending_refreshes(self, team: str, *, conn: Connection | None = None) -> None:
        """Drop ``team``'s queued refreshes (in the transaction that applied them)."""
        c = t.sync_cursors.c
        with self._use(conn, write=True) as db:
            db.execute(delete(t.sync_cursors).where(c.team == team,
                                                    c.source == PENDING_SOURCE))

    def pulls_of_repo(
        self, repo: str, *, conn: Connection | None = None
    ) -> list[PullRequest]:
        """Every stored pull request of ``repo`` (release facts need reverts and titles)."""
        with self._use(conn, write=False) as db:
            pr = t.pull_requests.c
            stmt = select(t.pull_requests).where(pr.repo == repo).order_by(pr.number)
            return [to_pull_request(r) for r in db.execute(stmt)]

    def merged_shas(
        self, repo: str, *, conn: Connection | None = None
    ) -> dict[str, int]:
        """Merge commit sha → PR number of the stored merged pull requests of ``repo``."""
        with self._use(conn, write=False) as db:
            pr = t.pull_requests.c
            stmt = select(pr.merge_commit_sha, pr.number).where(
                pr.repo == repo, pr.merged_at.is_not(None), pr.merge_commit_sha.is_not(None)
            )
            return {sha: number for sha, number in db.execute(stmt)}

    def pull_updated(
        self, repo: str, numbers: Sequence[int], *, conn: Connection | None = None
    ) -> dict[int, object]:
        """``updated_at`` of the stored pull requests of ``repo`` among ``numbers``."""
        with self._use(conn, write=False) as db:
            pr = t.pull_requests.c
            out: dict[int, object] = {}
            for part in chunked(sorted(set(numbers)), IN_CHUNK):
                stmt = select(pr.number, pr.updated_at).where(pr.repo == repo, pr.number.in_(part))
                out.update({n: at for n, at in db.execute(stmt)})
            return out

    def pr_facts_of(
        self, prs: Collection[tuple[str, int]], *, conn: Connection | None = None
    ) -> list[PrFact]:
        """Stored PR facts of these ``(repo, number)`` pull requests."""
        with self._use(conn, write=False) as db:
            f = t.pr_facts.c
            out: list[PrFact] = []
            by_repo: dict[str, list[int]] = {}
            for repo, number in prs:
                by_repo.setdefault(repo, []).append(number)
            for repo, numbers in sorted(by_repo.items()):
                for part in chunked(sorted(set(numbers)), IN_CHUNK):
                    stmt = select(t.pr_facts).where(f.repo == repo, f.number.in_(part))
                    out.extend(to_pr_fact(r) for r in db.execute(stmt))
            return out

    def items_with_versions(
        self, version_ids: Collection[str], *, conn: Connection | None = None
    ) -> list[str]:
        """Keys of items that carry any of these fix versions."""
        with self._use(conn, write=False) as db:
            v = t.item_fix_versions.c
            keys: set[str] = set()
            for part in chunked(sorted(set(version_ids)), IN_CHUNK):
                keys.update(db.execute(select(v.item_key).where(v.version_id.in_(part))).scalars())
            return sorted(keys)

    def team_items_of_types(
        self, team: str, types: Collection[str], *, conn: Connection | None = None
    ) -> list[str]:
        """Keys of ``team``'s items whose issue type is one of ``types`` (its incidents)."""
        with self._use(conn, write=False) as db:
            if not types:
                return []
            ti, wi = t.team_items.c, t.work_items.c
            stmt = (
                select(wi.key)
                .select_from(t.team_items.join(t.work_items, wi.key == ti.item_key))
                .where(and_(ti.team == team, wi.issue_type.in_(sorted(types))))
                .order_by(wi.key)
            )
            return list(db.execute(stmt).scalars())

    def teams_of_items(
        self, keys: Collection[str], *, conn: Connection | None = None
    ) -> dict[str, list[str]]:
        """Item key → the teams whose query returned it."""
        with self._use(conn, write=False) as db:
            ti = t.team_items.c
            out: dict[str, list[str]] = {}
            for part in chunked(sorted(set(keys)), IN_CHUNK):
                stmt = select(ti.item_key, ti.team).where(ti.item_key.in_(part)).order_by(ti.team)
                for key, team in db.execute(stmt):
                    out.setdefault(key, []).append(team)
            return out

    def prs_in_releases(
        self, repo: str, release_ids: Collection[int], *, conn: Connection | None = None
    ) -> list[int]:
        """Numbers of the PRs contained in these releases of ``repo``."""
        with self._use(conn, write=False) as db:
            c = t.containments.c
            found: set[int] = set()
            for part in chunked(sorted(set(release_ids)), IN_CHUNK):
                stmt = select(c.pr_number).where(c.repo == repo, c.release_id.in_(part))
                found.update(db.execute(stmt).scalars())
            return sorted(found)

    def containing_releases(
        self, repo: str, numbers: Sequence[int], *, conn: Connection | None = None
    ) -> dict[int, list[int]]:
        """PR number → ids of the releases of ``repo`` that contain it."""
        with self._use(conn, write=False) as db:
            c = t.containments.c
            out: dict[int, list[int]] = {}
            for part in chunked(sorted(set(numbers)), IN_CHUNK):
                stmt = select(c.pr_number, c.release_id).where(
                    c.repo == repo, c.pr_number.in_(part))
                for number, release_id in db.execute(stmt):
                    out.setdefault(number, []).append(release_id)
            return out

    def projects_of_teams(
        self, teams: Collection[str], *, conn: Connection | None = None
    ) -> frozenset[str]:
        """Jira projects of the items the queries of ``teams`` returned."""
        if not teams:
            return frozenset()
        stmt = (
            select(t.work_items.c.project).distinct()
            .join(t.team_items, t.team_items.c.item_key == t.work_items.c.key)
            .where(t.team_items.c.team.in_(sorted(teams)))
        )
        with self._use(conn, write=False) as db:
            return frozenset(str(p) for p in db.execute(stmt).scalars())

    def lease_holder(self, name: str, *, conn: Connection | None = None) -> str | None:
        """Who holds lease ``name`` now, expired or not (None when nobody took it)."""
        stmt = select(t.leases.c.holder).where(t.leases.c.name == name)
        with self._use(conn, write=False) as db:
            holder = db.execute(stmt).scalar()
        return holder if isinstance(holder, str) else None
