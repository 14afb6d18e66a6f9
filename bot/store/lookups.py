"""Raw lookups for alerts and the slash command: open work, and one item's journey."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from bot.flow.facts import HandoffFact
from bot.flow.model import ItemLink, PullRequest, Release, StatusChange, WorkItem
from bot.store import tables as t
from bot.store.convert import to_pull_request, to_release
from bot.store.facts import to_handoff
from bot.store.records import RecordsMixin

_pr = t.pull_requests.c
_f = t.pr_facts.c
_joined = t.pull_requests.outerjoin(t.pr_facts, and_(_f.repo == _pr.repo, _f.number == _pr.number))


@dataclass(frozen=True, slots=True)
class ItemJourney:
    """One item with everything the ``item KEY`` command shows."""

    item: WorkItem
    changes: tuple[StatusChange, ...]
    handoffs: tuple[HandoffFact, ...]
    links: tuple[ItemLink, ...]
    pull_requests: tuple[PullRequest, ...]
    releases: tuple[Release, ...]  # releases containing any of its pull requests


class LookupsMixin(RecordsMixin):
    """Reads for alerts and the slash command. Every method joins ``conn`` when given."""

    def open_prs_without_review(
        self, repos: Collection[str], *, conn: Connection | None = None
    ) -> list[PullRequest]:
        """Open, non-draft, human-authored PRs of ``repos`` with no first review; oldest first."""
        if not repos:
            return []
        stmt = (
            select(t.pull_requests)
            .select_from(_joined)
            .where(
                _pr.repo.in_(sorted(repos)),
                _pr.state == "open",
                _pr.draft.is_(False),
                _pr.author_is_bot.is_(False),
                _f.first_review_at.is_(None),
            )
            .order_by(_pr.created_at, _pr.repo, _pr.number)
        )
        with self._use(conn, write=False) as c:
            return [to_pull_request(r) for r in c.execute(stmt)]

    def merged_unreleased_prs(
        self, repos: Collection[str], *, conn: Connection | None = None
    ) -> list[PullRequest]:
        """Merged, human-authored PRs of ``repos`` that no eligible release contains yet."""
        if not repos:
            return []
        stmt = (
            select(t.pull_requests)
            .select_from(
                t.pr_facts.join(t.pull_requests, and_(_f.repo == _pr.repo, _f.number == _pr.number))
            )
            .where(
                _f.repo.in_(sorted(repos)),
                _f.released_at.is_(None),
                _f.merged_at.is_not(None),
                _f.author_is_bot.is_(False),
            )
            .order_by(_pr.merged_at, _pr.repo, _pr.number)
        )
        with self._use(conn, write=False) as c:
            return [to_pull_request(r) for r in c.execute(stmt)]

    def open_handoffs(self, team: str, *, conn: Connection | None = None) -> list[HandoffFact]:
        """Handoffs of ``team`` still waiting now; oldest first."""
        h = t.handoff_facts.c
        ti = t.team_items.c
        stmt = (
            select(t.handoff_facts)
            .join(t.team_items, ti.item_key == h.item_key)
            .where(ti.team == team, h.ended_at.is_(None))
            .order_by(h.started_at, h.item_key)
        )
        with self._use(conn, write=False) as c:
            return [to_handoff(r) for r in c.execute(stmt)]

    def item_journey(self, key: str, *, conn: Connection | None = None) -> ItemJourney | None:
        """The item ``key`` with its transitions, handoffs, linked PRs and their releases."""
        with self._use(conn, write=False) as c:
            items = self.work_items([key], conn=c)
            if not items:
                return None
            h = t.handoff_facts.c
            handoffs = c.execute(select(t.handoff_facts).where(h.item_key == key).order_by(h.seq))
            links = self.links_of_items([key], conn=c)
            prs: list[PullRequest] = []
            for repo in sorted({link.repo for link in links}):
                numbers = [link.pr_number for link in links if link.repo == repo]
                prs.extend(self.pull_requests(repo, numbers, conn=c))
            ct = t.containments.c
            lk = t.item_links.c
            rl = t.releases.c
            release_rows = c.execute(
                select(t.releases)
                .join(t.containments, and_(ct.repo == rl.repo, ct.release_id == rl.release_id))
                .join(t.item_links, and_(lk.repo == ct.repo, lk.pr_number == ct.pr_number))
                .where(lk.item_key == key)
                .distinct()
                .order_by(rl.published_at, rl.repo, rl.release_id)
            )
            return ItemJourney(
                item=items[0],
                changes=tuple(self.status_changes_of([key], conn=c)),
                handoffs=tuple(to_handoff(r) for r in handoffs),
                links=tuple(links),
                pull_requests=tuple(prs),
                releases=tuple(to_release(r) for r in release_rows),
            )
