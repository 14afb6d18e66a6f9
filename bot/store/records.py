"""Raw records: idempotent bulk upserts and lookups of Jira and GitHub records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, delete, select, tuple_
from sqlalchemy.engine import Connection

from bot.flow.model import (
    Containment,
    FixVersion,
    ItemLink,
    PullRequest,
    Release,
    Review,
    StatusChange,
    WorkItem,
)
from bot.store import tables as t
from bot.store.base import BATCH_SIZE, IN_CHUNK, StoreBase, chunked, upsert
from bot.store.convert import (
    pull_request_row,
    to_pull_request,
    to_release,
    to_review,
    to_status_change,
    to_work_item,
    work_item_row,
)


class RecordsMixin(StoreBase):
    """Upserts and lookups of raw records. Every method joins ``conn`` when given."""

    # ------------------------------------------------------------------ writes

    def upsert_work_items(
        self, items: Iterable[WorkItem], *, conn: Connection | None = None
    ) -> int:
        """Insert or update work items and replace their fix-version lists."""
        latest = {item.key: item for item in items}
        with self._use(conn, write=True) as c:
            count = upsert(c, t.work_items, [work_item_row(i) for i in latest.values()])
            keys = list(latest)
            for part in chunked(keys, IN_CHUNK):
                c.execute(
                    delete(t.item_fix_versions).where(t.item_fix_versions.c.item_key.in_(part))
                )
            pairs = [
                {"item_key": item.key, "version_id": version}
                for item in latest.values()
                for version in dict.fromkeys(item.fix_versions)
            ]
            upsert(c, t.item_fix_versions, pairs)
            return count

    def upsert_status_changes(
        self, changes: Iterable[StatusChange], *, conn: Connection | None = None
    ) -> int:
        """Insert or update status changes by ``change_id``."""
        rows = [
            {
                "change_id": ch.change_id,
                "item_key": ch.item_key,
                "at": ch.at,
                "from_status": ch.from_status,
                "to_status": ch.to_status,
            }
            for ch in changes
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.status_changes, rows)

    def upsert_fix_versions(
        self, versions: Iterable[FixVersion], *, conn: Connection | None = None
    ) -> int:
        """Insert or update Jira fix versions."""
        rows = [
            {
                "version_id": v.version_id,
                "project": v.project,
                "name": v.name,
                "released": v.released,
                "release_date": v.release_date,
            }
            for v in versions
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.fix_versions, rows)

    def add_team_items(
        self, team: str, item_keys: Iterable[str], *, conn: Connection | None = None
    ) -> int:
        """Record that ``team``'s query returned these items (idempotent)."""
        rows = [{"team": team, "item_key": key} for key in item_keys]
        with self._use(conn, write=True) as c:
            return upsert(c, t.team_items, rows)

    def remove_team_items(
        self, team: str, item_keys: Sequence[str], *, conn: Connection | None = None
    ) -> list[str]:
        """Forget that ``team``'s query returns these items; the ones no team has any more."""
        ti = t.team_items.c
        keys = sorted(set(item_keys))
        kept: set[str] = set()
        with self._use(conn, write=True) as c:
            for part in chunked(keys, IN_CHUNK):
                c.execute(delete(t.team_items).where(ti.team == team, ti.item_key.in_(part)))
                kept.update(c.execute(select(ti.item_key).where(ti.item_key.in_(part))).scalars())
        return [k for k in keys if k not in kept]

    def delete_items(self, item_keys: Sequence[str], *, conn: Connection | None = None) -> None:
        """Forget items entirely: their records, links and facts (not the Slack ledgers)."""
        by_item = (t.item_fix_versions, t.status_changes, t.team_items, t.item_links,
                   t.handoff_facts, t.status_spans, t.item_facts, t.incident_facts)
        with self._use(conn, write=True) as c:
            for part in chunked(sorted(set(item_keys)), IN_CHUNK):
                for table in by_item:
                    c.execute(delete(table).where(table.c.item_key.in_(part)))
                c.execute(delete(t.work_items).where(t.work_items.c.key.in_(part)))

    def upsert_pull_requests(
        self, prs: Iterable[PullRequest], *, conn: Connection | None = None
    ) -> int:
        """Insert or update pull requests."""
        rows = [pull_request_row(pr) for pr in prs]
        with self._use(conn, write=True) as c:
            return upsert(c, t.pull_requests, rows)

    def upsert_reviews(self, reviews: Iterable[Review], *, conn: Connection | None = None) -> int:
        """Insert or update reviews."""
        rows = [
            {
                "repo": r.repo,
                "review_id": r.review_id,
                "pr_number": r.pr_number,
                "reviewer": r.reviewer,
                "reviewer_is_bot": r.reviewer_is_bot,
                "state": r.state.value,
                "submitted_at": r.submitted_at,
            }
            for r in reviews
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.reviews, rows)

    def upsert_releases(
        self, releases: Iterable[Release], *, conn: Connection | None = None
    ) -> int:
        """Insert or update releases; a tag re-used by a new release id replaces the old row."""
        rows = [
            {
                "repo": r.repo,
                "release_id": r.release_id,
                "tag": r.tag,
                "name": r.name,
                "draft": r.draft,
                "prerelease": r.prerelease,
                "created_at": r.created_at,
                "published_at": r.published_at,
                "url": r.url,
                "kind": r.kind,
                "sha": r.sha,
                "ref": r.ref,
                "rollback": r.rollback,
            }
            for r in releases
        ]
        if not rows:
            return 0
        # (repo, tag) is unique: a release deleted and re-created under the same tag has a new id.
        stale = delete(t.releases).where(
            t.releases.c.repo == bindparam("b_repo"),
            t.releases.c.tag == bindparam("b_tag"),
            t.releases.c.release_id != bindparam("b_id"),
        )
        params = [{"b_repo": r["repo"], "b_tag": r["tag"], "b_id": r["release_id"]} for r in rows]
        with self._use(conn, write=True) as c:
            for batch in chunked(params, BATCH_SIZE):
                c.execute(stale, list(batch))
            return upsert(c, t.releases, rows)

    def delete_releases(
        self, repo: str, release_ids: Sequence[int], *, conn: Connection | None = None
    ) -> None:
        """Forget releases deleted upstream, with their containment and release facts."""
        with self._use(conn, write=True) as c:
            for part in chunked(sorted(set(release_ids)), IN_CHUNK):
                for table in (t.containments, t.release_facts, t.releases):
                    c.execute(delete(table).where(
                        table.c.repo == repo, table.c.release_id.in_(part)))

    def upsert_containments(
        self, containments: Iterable[Containment], *, conn: Connection | None = None
    ) -> int:
        """Record release ↔ pull request containment (idempotent)."""
        rows = [
            {"repo": x.repo, "release_id": x.release_id, "pr_number": x.pr_number}
            for x in containments
        ]
        with self._use(conn, write=True) as c:
            return upsert(c, t.containments, rows)

    def upsert_item_links(
        self, links: Iterable[ItemLink], *, conn: Connection | None = None
    ) -> int:
        """Record item ↔ pull request links (idempotent)."""
        rows = [{"item_key": x.item_key, "repo": x.repo, "pr_number": x.pr_number} for x in links]
        with self._use(conn, write=True) as c:
            return upsert(c, t.item_links, rows)

    def replace_pr_links(
        self, repo: str, number: int, links: Iterable[ItemLink], *, conn: Connection | None = None
    ) -> None:
        """Make ``links`` the complete set of item links of one PR (its text may have changed)."""
        self.replace_links_of_prs(repo, [number], links, conn=conn)

    def replace_links_of_prs(
        self, repo: str, numbers: Sequence[int], links: Iterable[ItemLink], *,
        conn: Connection | None = None,
    ) -> None:
        """Make ``links`` the complete set of item links of these PRs of ``repo``: one delete
        and one insert per page of pull requests, not one of each per pull request."""
        il = t.item_links.c
        with self._use(conn, write=True) as c:
            for part in chunked(sorted(set(numbers)), IN_CHUNK):
                c.execute(delete(t.item_links).where(il.repo == repo, il.pr_number.in_(part)))
            self.upsert_item_links(links, conn=c)

    # ------------------------------------------------------------------ reads

    def work_items(self, keys: Sequence[str], *, conn: Connection | None = None) -> list[WorkItem]:
        """The stored work items among ``keys`` (with their fix versions), ordered by key."""
        found: list[WorkItem] = []
        with self._use(conn, write=False) as c:
            for part in chunked(sorted(set(keys)), IN_CHUNK):
                versions: dict[str, list[str]] = {}
                for key, version in c.execute(
                    select(t.item_fix_versions.c.item_key, t.item_fix_versions.c.version_id)
                    .where(t.item_fix_versions.c.item_key.in_(part))
                    .order_by(t.item_fix_versions.c.version_id)
                ):
                    versions.setdefault(key, []).append(version)
                rows = c.execute(
                    select(t.work_items).where(t.work_items.c.key.in_(part)).order_by("key")
                )
                found.extend(to_work_item(r, tuple(versions.get(r.key, ()))) for r in rows)
        return found

    def status_changes_of(
        self, keys: Sequence[str], *, conn: Connection | None = None
    ) -> list[StatusChange]:
        """Status changes of these items, ordered by item, time and change id."""
        out: list[StatusChange] = []
        sc = t.status_changes.c
        with self._use(conn, write=False) as c:
            for part in chunked(sorted(set(keys)), IN_CHUNK):
                stmt = select(t.status_changes).where(sc.item_key.in_(part))
                rows = c.execute(stmt.order_by(sc.item_key, sc.at, sc.change_id))
                out.extend(to_status_change(r) for r in rows)
        return out

    def fix_versions(
        self, version_ids: Sequence[str], *, conn: Connection | None = None
    ) -> list[FixVersion]:
        """The stored fix versions among ``version_ids``."""
        out: list[FixVersion] = []
        with self._use(conn, write=False) as c:
            for part in chunked(sorted(set(version_ids)), IN_CHUNK):
                stmt = select(t.fix_versions).where(t.fix_versions.c.version_id.in_(part))
                out.extend(
                    FixVersion(r.version_id, r.project, r.name, r.released, r.release_date)
                    for r in c.execute(stmt.order_by("version_id"))
                )
        return out

    def team_item_keys(self, team: str, *, conn: Connection | None = None) -> list[str]:
        """Keys of the items ``team``'s query has returned."""
        stmt = select(t.team_items.c.item_key).where(t.team_items.c.team == team)
        with self._use(conn, write=False) as c:
            return list(c.execute(stmt.order_by("item_key")).scalars())

    def pull_requests(
        self, repo: str, numbers: Sequence[int], *, conn: Connection | None = None
    ) -> list[PullRequest]:
        """The stored pull requests of ``repo`` among ``numbers``."""
        out: list[PullRequest] = []
        pr = t.pull_requests.c
        with self._use(conn, write=False) as c:
            for part in chunked(sorted(set(numbers)), IN_CHUNK):
                stmt = select(t.pull_requests).where(pr.repo == repo, pr.number.in_(part))
                out.extend(to_pull_request(r) for r in c.execute(stmt.order_by(pr.number)))
        return out

    def reviews_of(
        self, repo: str, numbers: Sequence[int], *, conn: Connection | None = None
    ) -> list[Review]:
        """Reviews of these pull requests, ordered by PR and review id."""
        out: list[Review] = []
        rv = t.reviews.c
        with self._use(conn, write=False) as c:
            for part in chunked(sorted(set(numbers)), IN_CHUNK):
                stmt = select(t.reviews).where(rv.repo == repo, rv.pr_number.in_(part))
                out.extend(
                    to_review(r) for r in c.execute(stmt.order_by(rv.pr_number, rv.review_id))
                )
        return out

    def releases_of(self, repo: str, *, conn: Connection | None = None) -> list[Release]:
        """All stored releases of ``repo`` (drafts and prereleases too), oldest first."""
        rl = t.releases.c
        stmt = select(t.releases).where(rl.repo == repo).order_by(rl.created_at, rl.release_id)
        with self._use(conn, write=False) as c:
            return [to_release(r) for r in c.execute(stmt)]

    def containments_of(self, repo: str, *, conn: Connection | None = None) -> list[Containment]:
        """Release ↔ pull request containment of ``repo``."""
        ct = t.containments.c
        stmt = select(t.containments).where(ct.repo == repo).order_by(ct.release_id, ct.pr_number)
        with self._use(conn, write=False) as c:
            return [Containment(r.repo, r.release_id, r.pr_number) for r in c.execute(stmt)]

    def links_of_items(
        self, keys: Sequence[str], *, conn: Connection | None = None
    ) -> list[ItemLink]:
        """Pull request links of these items."""
        out: list[ItemLink] = []
        lk = t.item_links.c
        with self._use(conn, write=False) as c:
            for part in chunked(sorted(set(keys)), IN_CHUNK):
                stmt = select(t.item_links).where(lk.item_key.in_(part))
                rows = c.execute(stmt.order_by(lk.item_key, lk.repo, lk.pr_number))
                out.extend(ItemLink(r.item_key, r.repo, r.pr_number) for r in rows)
        return out

    def links_of_prs(
        self, prs: Sequence[tuple[str, int]], *, conn: Connection | None = None
    ) -> list[ItemLink]:
        """Item links of these ``(repo, number)`` pull requests."""
        out: list[ItemLink] = []
        lk = t.item_links.c
        with self._use(conn, write=False) as c:
            for part in chunked(sorted(set(prs)), IN_CHUNK):
                stmt = select(t.item_links).where(tuple_(lk.repo, lk.pr_number).in_(part))
                rows = c.execute(stmt.order_by(lk.repo, lk.pr_number, lk.item_key))
                out.extend(ItemLink(r.item_key, r.repo, r.pr_number) for r in rows)
        return out
