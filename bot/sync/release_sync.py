"""One repository's releases, whatever the team ships by: GitHub releases, deployments to
production, or matching tags (``Shipping``); their commit ranges, rollbacks and failed
deployment attempts.

- GitHub releases and tags are complete listings (conditional, a free 304 when nothing
  changed): a release no longer listed was deleted upstream and goes, with its
  containment and facts (the pair around the gap is a new pair, so its PRs are found in
  the next release).
- Deployments are listed per production environment, newest first, down to what is known;
  the feed never shows them, so a quiet feed still asks each listing (free 304s). Their
  raw records go to ``deployments`` (failed attempts are counted from there); each success
  is a release.
- New consecutive pairs are compared once, ever; a pair whose head is ``behind`` its base
  marks the later release a rollback. Releases, containment, compared pairs, rollbacks and
  the listing's cursor are committed together, so a rerun after a crash repeats nothing
  that was committed and loses nothing that was not.
- When what counts as a release changes (config), the repository's releases are dropped
  and read again the new way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.core.ports import CodeHost
from bot.flow.model import Deployment, Release, Shipping
from bot.store import Connection
from bot.sync import state
from bot.sync.context import TeamJob
from bot.sync.refresh import Dirty
from bot.sync.report import SourceReport

Write = Callable[[Connection], None]


def shipping_of(job: TeamJob, repo: str) -> Shipping:
    """How ``repo`` ships: as the teams that read its releases say (config makes them agree);
    a repository only Jira-released teams have keeps GitHub releases."""
    for flow in job.refresher.teams.values():
        if flow.release_source != "jira" and repo in flow.repos:
            return flow.shipping
    return job.flow.shipping


def release_cursor_etag(job: TeamJob, repo: str, shipping: Shipping) -> str | None:
    """The listing's ETag; a repository whose shipping changed is first forgotten (None).

    What the stored releases are is marked per repository, not per team: teams sharing it
    read it the same way, so a change drops and re-reads it once. A store from before the
    marker holds GitHub releases."""
    store = job.store
    with store.transaction(read_only=True) as conn:
        marker = store.get_cursor(conn, "", state.SHIPPING, repo)
        cur = store.get_cursor(conn, job.team, "github", state.releases_scope(repo))
    if (marker.value if marker is not None else Shipping().key) != shipping.key:
        forget(job, repo, shipping)
        return None
    return cur.etag if cur is not None else None


def forget(job: TeamJob, repo: str, shipping: Shipping) -> None:
    """Drop every release, deployment and compared pair of ``repo``."""
    store = job.store
    with store.transaction() as conn:
        dirty = Dirty()
        ids = [r.release_id for r in store.releases_of(repo, conn=conn)]
        dirty.add_prs(repo, store.prs_in_releases(repo, ids, conn=conn))
        store.delete_releases(repo, ids, conn=conn)
        store.forget_deployments(repo, conn=conn)
        store.set_cursor(conn, "", state.COMPARE, repo, "[]", now=job.now)
        store.set_cursor(conn, "", state.SHIPPING, repo, shipping.key, now=job.now)
        dirty.release_teams.update(job.refresher.teams_of_repo(repo))
        job.refresher.defer(conn, job.team, dirty, job.now)


def poll(
    job: TeamJob, host: CodeHost, repo: str, shipping: Shipping, report: SourceReport
) -> Callable[[], None]:
    """Ask the source (before the pulls are read, so every PR a release seen now contains is
    stored first); the returned step stores what changed (after the pulls)."""
    etag = release_cursor_etag(job, repo, shipping)
    if shipping.kind == "deployment":
        return _poll_deployments(job, host, repo, shipping, report)
    if shipping.kind == "tag":
        assert shipping.tag_pattern is not None  # the config requires it
        with job.store.transaction(read_only=True) as conn:
            known = {r.tag: r for r in job.store.releases_of(repo, conn=conn)}
        listing = host.poll_tags(repo, etag, shipping.tag_pattern, known)
    else:
        listing = host.poll_releases(repo, etag)
    report.requests += listing.requests
    if not listing.changed:
        return lambda: None

    def cursor(conn: Connection) -> None:
        job.store.set_cursor(conn, job.team, "github", state.releases_scope(repo), shipping.key,
                             etag=listing.etag, now=job.now)

    return lambda: store_releases(job, host, repo, listing.releases, report,
                                  complete=True, write=cursor)


def _poll_deployments(
    job: TeamJob, host: CodeHost, repo: str, shipping: Shipping, report: SourceReport
) -> Callable[[], None]:
    store = job.store
    with store.transaction(read_only=True) as conn:
        known = {d.deployment_id: d for d in store.deployments_of(repo, conn=conn)}
        cursors = {
            env: store.get_cursor(conn, job.team, "github", _scope(repo, env))
            for env in shipping.environments
        }
    changed: list[Deployment] = []
    etags: dict[str, str | None] = {}
    for env in shipping.environments:
        cur = cursors[env]
        etag = cur.etag if cur is not None and cur.value == shipping.key else None
        mine = {i: d for i, d in known.items() if d.environment.lower() == env.lower()}
        found = host.poll_deployments(repo, env, etag, mine)
        report.requests += found.requests
        if found.changed:
            changed += found.deployments
            etags[env] = found.etag
    if not etags:
        return lambda: None
    latest = {**known, **{d.deployment_id: d for d in changed}}
    releases = [d.as_release() for _, d in sorted(latest.items()) if d.outcome == "success"]

    def write(conn: Connection) -> None:
        store.upsert_deployments(changed, conn=conn)
        for env, etag in etags.items():
            store.set_cursor(conn, job.team, "github", _scope(repo, env), shipping.key,
                             etag=etag, now=job.now)
        store.set_cursor(conn, job.team, "github", state.releases_scope(repo), shipping.key,
                         etag=None, now=job.now)
        report.count("deployments", len(changed))

    return lambda: store_releases(job, host, repo, releases, report, complete=False, write=write)


def store_releases(
    job: TeamJob, host: CodeHost, repo: str, releases: list[Release], report: SourceReport,
    *, complete: bool, write: Write,
) -> None:
    """Compare new pairs and commit the releases with ``write``'s rows in one transaction;
    with ``complete`` (a whole listing), a stored release not in it was deleted upstream."""
    store = job.store
    with store.transaction(read_only=True) as conn:
        merged = store.merged_shas(repo, conn=conn)
        pairs = state.done_pairs(store, conn, repo)
        stored = {r.release_id: r for r in store.releases_of(repo, conn=conn)}
    found = host.containments(repo, releases, merged, pairs)
    report.requests += found.requests
    rollbacks = {i for i, r in stored.items() if r.rollback} | set(found.rollbacks)
    releases = [replace(r, rollback=r.release_id in rollbacks) for r in releases]
    changed = [r for r in releases if stored.get(r.release_id) != r]
    gone = sorted(set(stored) - {r.release_id for r in releases}) if complete else []
    with store.transaction() as conn:
        dirty = Dirty()
        if gone:  # deleted upstream: their PRs fall to the next release that contains them
            dirty.add_prs(repo, store.prs_in_releases(repo, gone, conn=conn))
            store.delete_releases(repo, gone, conn=conn)
        store.upsert_releases(changed, conn=conn)
        known = {(c.release_id, c.pr_number) for c in store.containments_of(repo, conn=conn)}
        new = [c for c in found.containments if (c.release_id, c.pr_number) not in known]
        store.upsert_containments(new, conn=conn)
        state.add_pairs(store, conn, repo, found.pairs, job.now)
        write(conn)
        dirty.add_prs(repo, store.prs_in_releases(
            repo, [r.release_id for r in changed], conn=conn))
        dirty.add_prs(repo, [c.pr_number for c in new])
        if changed or new or gone:
            dirty.release_teams.update(job.refresher.teams_of_repo(repo))
        job.refresher.defer(conn, job.team, dirty, job.now)
    report.count("releases", len(changed) + len(gone))
    report.count("containments", len(new))


def _scope(repo: str, environment: str) -> str:
    return state.deployments_scope(repo, environment)
