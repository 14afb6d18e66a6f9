"""One team's Jira pass: pages of changed issues, each committed with its cursor.

Every page is one transaction: items, status changes, fix versions, ``team_items``, the
facts recomputed for the items that changed, and the cursor (the page's largest
``updated``). A crash loses at most the page in flight; the rerun starts from the last
committed cursor minus the overlap (JQL dates have minute precision) and upserts again.

An ``updated >=`` search never returns an issue that left the query (moved, deleted, or
no longer matching a team's JQL), so once a day (``MEMBERS_EVERY``; at once for a query not
seen before) the pass lists every key the query matches, keys only, and the items that
are gone leave the team in one transaction: entirely, when no other team's query has
them. A listing that comes back empty while the team has items removes nothing (a lost
permission looks exactly like that) and says so in the log.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from bot.core.logs import event
from bot.core.ports import IssuePage, IssueSource
from bot.flow.model import FixVersion, WorkItem
from bot.store import Connection
from bot.sync import state
from bot.sync.context import TeamJob
from bot.sync.refresh import Dirty
from bot.sync.report import SourceReport, wants_totals

log = logging.getLogger(__name__)
# JQL compares at minute precision in the Jira user's timezone: re-read a little behind.
OVERLAP = timedelta(minutes=2)
MAIN = ""
MEMBERS_EVERY = timedelta(days=1)


def sync_jira(job: TeamJob, source: IssueSource, report: SourceReport) -> None:
    """Fetch the team's changed issues page by page into the store."""
    assert job.jql is not None
    store = job.store
    scope = state.backfill_scope(job.since) if job.backfill else MAIN
    with store.transaction() as conn:
        cursor = store.get_cursor(conn, job.team, "jira", scope)
    since = state.parse_instant(cursor.value) if cursor is not None else None
    since = since or job.since
    items = 0
    reached = since if cursor is not None else None
    count = wants_totals(job.progress)
    for page in source.fetch_updated(job.jql, since, overlap=OVERLAP, count=count):
        report.requests += page.requests
        with store.transaction() as conn:
            _commit_page(job, conn, page, report)
            if page.cursor is not None:
                reached = max(page.cursor, reached) if reached is not None else page.cursor
                store.set_cursor(conn, job.team, "jira", scope, state.instant_text(reached),
                                 now=job.now)
        items += len(page.items)
        event(log, "sync.page_committed", team=job.team, source="jira", items=len(page.items))
        job.progress(job.team, "jira", items, report.requests, None, total=page.total)
        job.heartbeat()
    if job.backfill and reached is not None:
        with store.transaction() as conn:
            main = store.get_cursor(conn, job.team, "jira", MAIN)
            current = state.parse_instant(main.value) if main is not None else None
            if current is None or current < reached:
                store.set_cursor(conn, job.team, "jira", MAIN, state.instant_text(reached),
                                 now=job.now)
    versions = getattr(source, "versions", None)
    # Only a team that ships by fixVersions reads a version's release date: for the others
    # the versions request would be one more request on every poll, changed or not.
    if callable(versions) and job.flow.release_source == "jira":
        for project in sorted(job.flow.projects):
            fetched = versions(project)
            report.requests += 1
            with store.transaction() as conn:
                _commit_versions(job, conn, list(fetched), report)
    _check_members(job, source, report)


def _check_members(job: TeamJob, source: IssueSource, report: SourceReport) -> None:
    """Remove the team's items its query no longer matches (at most once a day)."""
    assert job.jql is not None
    store, scope = job.store, state.members_scope(job.jql)
    with store.transaction(read_only=True) as conn:
        cursor = store.get_cursor(conn, job.team, "jira", scope)
    last = state.parse_instant(cursor.value) if cursor is not None else None
    if last is not None and timedelta(0) <= job.now - last < MEMBERS_EVERY:
        return
    listing = source.member_keys(job.jql)
    report.requests += listing.requests
    with store.transaction() as conn:
        stored = store.team_item_keys(job.team, conn=conn)
        gone = sorted(set(stored) - listing.keys)
        if gone and not listing.keys:
            event(log, "sync.members_empty", team=job.team, stored=len(stored))
            gone = []
        if gone:
            orphans = store.remove_team_items(job.team, gone, conn=conn)
            store.delete_items(orphans, conn=conn)
            # the rest stay with another team, whose workflow now derives their facts
            dirty = Dirty(items=set(gone) - set(orphans), release_teams={job.team})
            job.refresher.defer(conn, job.team, dirty, job.now)
            event(log, "sync.items_left", team=job.team, items=len(gone), deleted=len(orphans))
        store.set_cursor(conn, job.team, "jira", scope, state.instant_text(job.now),
                         now=job.now)
    report.count("left", len(gone))


def _commit_page(job: TeamJob, conn: Connection, page: IssuePage, report: SourceReport) -> None:
    store = job.store
    keys = [item.key for item in page.items]
    stored = {item.key: item for item in store.work_items(keys, conn=conn)}
    changed = [item for item in page.items if not _same(stored.get(item.key), item)]
    store.upsert_work_items(changed, conn=conn)
    known = {c.change_id for c in store.status_changes_of(keys, conn=conn)}
    new_changes = [c for c in page.changes if c.change_id not in known]
    store.upsert_status_changes(page.changes, conn=conn)
    store.add_team_items(job.team, keys, conn=conn)
    dirty = Dirty(items={i.key for i in changed} | {c.item_key for c in new_changes})
    _versions_into(job, conn, page.fix_versions, dirty)
    job.refresher.defer(conn, job.team, dirty, job.now)
    report.count("items", len(changed))
    report.count("transitions", len(new_changes))


def _same(stored: WorkItem | None, fetched: WorkItem) -> bool:
    # The store returns fix versions sorted; Jira in its own order.
    if stored is None:
        return False
    return stored == replace(fetched, fix_versions=tuple(sorted(fetched.fix_versions)))


def _versions_into(
    job: TeamJob, conn: Connection, versions: list[FixVersion], dirty: Dirty
) -> int:
    """Upsert fix versions that differ from the stored ones; mark their items."""
    stored = {v.version_id: v for v in job.store.fix_versions([v.version_id for v in versions],
                                                              conn=conn)}
    changed = [v for v in versions if stored.get(v.version_id) != v]
    job.store.upsert_fix_versions(changed, conn=conn)
    dirty.items.update(job.store.items_with_versions([v.version_id for v in changed], conn=conn))
    return len(changed)


def _commit_versions(
    job: TeamJob, conn: Connection, versions: list[FixVersion], report: SourceReport
) -> None:
    dirty = Dirty()
    report.count("versions", _versions_into(job, conn, versions, dirty))
    job.refresher.defer(conn, job.team, dirty, job.now)
