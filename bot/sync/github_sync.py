"""One team's GitHub pass over one repository: pull requests, reviews, releases, containment.

Releases are whatever the repository ships by (``bot/sync/release_sync.py``): GitHub
releases, deployments or tags; "the releases listing" below is that source's listing.

Order, and why:
0. poll the events feed (conditional): a 304 means nothing happened, and unless the
   listings are due their periodic recheck the pass ends there, at one free request.
   GitHub lists no event for some changes (a draft marked ready, an edited release) and
   documents 30 s to 6 h of event latency, so the listings are rechecked at least every
   ``RECHECK`` (two more free 304s when nothing changed). The feed never shows
   deployments, so with deployments each production listing is asked anyway (free 304s);
1. list releases (conditional): a release seen now only contains PRs merged before now;
2. list pull requests (conditional) down to the cursor: so every PR such a release
   contains is in the store before containment is computed;
3. PRs whose ``updated_at`` differs from the stored one are the *changed* ones: only they
   get a reviews request, in chunks, each chunk committed with its reviews, links and
   facts (a rerun after a crash skips the chunks already stored, spending nothing twice);
4. the pulls cursor and ETag are committed after the last chunk;
5. new release pairs are compared (each pair once, ever) and the releases, containment,
   compared pairs and the releases ETag are committed together; a release no longer
   listed was deleted on GitHub and goes, with its containment and facts (the pair
   around the gap is a new pair, so its PRs are found in the next release);
6. the events ETag (taken before the listings, so whatever happened during them shows as
   new events next time) and the time of this check are committed last.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.logs import event
from bot.core.ports import CodeHost
from bot.flow.linking import extract_keys
from bot.flow.model import ItemLink, PullRequest
from bot.sync import release_sync, state
from bot.sync.context import TeamJob
from bot.sync.refresh import Dirty
from bot.sync.report import SourceReport

log = logging.getLogger(__name__)
OVERLAP = timedelta(minutes=5)  # GitHub's updated_at is exact; this covers clock skew
CHUNK = 50  # changed PRs per committed transaction (each costs one reviews request)
RECHECK = timedelta(hours=1)  # longest the listings go unchecked when the feed is quiet


def sync_repo(job: TeamJob, host: CodeHost, repo: str, report: SourceReport) -> None:
    """Bring one repository of the team up to date."""
    store = job.store
    shipping = release_sync.shipping_of(job, repo)
    with store.transaction() as conn:
        events_cur = store.get_cursor(conn, job.team, "github", state.events_scope(repo))
        pulls_cur = store.get_cursor(conn, job.team, "github", state.pulls_scope(repo))
    activity = host.poll_activity(repo, events_cur.etag if events_cur is not None else None)
    report.requests += activity.requests
    checked = state.parse_instant(events_cur.value) if events_cur is not None else None
    if not activity.changed and not job.backfill and _fresh(checked, job.now):
        if shipping.kind == "deployment":  # the feed never shows deployments
            release_sync.poll(job, host, repo, shipping, report)()
        job.progress(job.team, f"github {repo}", 0, report.requests, _remaining(host))
        return
    since = state.parse_instant(pulls_cur.value) if pulls_cur is not None else None
    etag = pulls_cur.etag if pulls_cur is not None else None
    if since is None or (job.backfill and job.since < since):
        since, etag = job.since, None
    store_releases = release_sync.poll(job, host, repo, shipping, report)
    poll = host.poll_pulls(repo, since, etag, overlap=OVERLAP)
    report.requests += poll.requests
    remaining = _remaining(host)
    if poll.changed:
        _store_pulls(job, host, repo, poll.pulls, report)
        with store.transaction() as conn:
            cursor = poll.cursor if poll.cursor is not None else since
            store.set_cursor(conn, job.team, "github", state.pulls_scope(repo),
                             state.instant_text(cursor), etag=poll.etag, now=job.now)
    store_releases()
    with store.transaction() as conn:
        store.set_cursor(conn, job.team, "github", state.events_scope(repo),
                         state.instant_text(job.now), etag=activity.etag, now=job.now)
    job.progress(job.team, f"github {repo}", len(poll.pulls), report.requests, remaining)


def _fresh(checked: datetime | None, now: datetime) -> bool:
    """Were the listings checked less than ``RECHECK`` ago (and not in the future)?"""
    return checked is not None and timedelta(0) <= now - checked < RECHECK


def _looks_like_revert(pr: PullRequest) -> bool:
    # The same three signs reverted_targets() reads; the targets are resolved by the refresh.
    return (pr.title.strip().startswith('Revert "') or pr.head_ref.startswith("revert-")
            or "Reverts " in (pr.body or ""))


def _remaining(host: CodeHost) -> int | None:
    policy = getattr(host, "policy", None)  # GitHubHost keeps the last reported budget there
    budget = getattr(policy, "budget", None)
    value = getattr(budget, "remaining", None)
    return value if isinstance(value, int) and value >= 0 else None


def _store_pulls(
    job: TeamJob, host: CodeHost, repo: str, pulls: list[PullRequest], report: SourceReport
) -> None:
    store = job.store
    latest = {p.number: p for p in pulls}
    with store.transaction(read_only=True) as conn:
        stored = store.pull_updated(repo, list(latest), conn=conn)
    changed = [p for n, p in sorted(latest.items()) if stored.get(n) != p.updated_at]
    done = 0
    for offset in range(0, len(changed), CHUNK):
        chunk = changed[offset : offset + CHUNK]
        numbers = [p.number for p in chunk]
        fetched = host.reviews(repo, numbers)
        reviews = fetched.reviews
        report.requests += fetched.requests
        with store.transaction() as conn:
            dirty = Dirty()
            before = store.links_of_prs([(repo, n) for n in numbers], conn=conn)
            dirty.items.update(link.item_key for link in before)
            store.upsert_pull_requests(chunk, conn=conn)
            store.upsert_reviews(reviews, conn=conn)
            links: list[ItemLink] = []
            for pr in chunk:
                keys = extract_keys(pr.title, pr.head_ref, pr.body, job.projects)
                links += [ItemLink(key, repo, pr.number) for key in sorted(keys)]
                dirty.items.update(keys)
                if pr.merged_at is not None and _looks_like_revert(pr):
                    dirty.release_teams.update(job.refresher.teams_of_repo(repo))
            store.replace_links_of_prs(repo, numbers, links, conn=conn)
            dirty.add_prs(repo, numbers)
            job.refresher.defer(conn, job.team, dirty, job.now)
        done += len(chunk)
        report.count("prs", len(chunk))
        report.count("reviews", len(reviews))
        event(log, "sync.page_committed", team=job.team, source="github", repo=repo,
              prs=len(chunk), reviews=len(reviews))
        job.progress(job.team, f"github {repo}", done, report.requests, _remaining(host),
                     total=len(changed))
        job.heartbeat()
