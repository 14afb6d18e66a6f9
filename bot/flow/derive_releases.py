"""Pull-request, release and incident facts from raw records (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from bot.flow.facts import IncidentFact, PrFact, ReleaseFact
from bot.flow.model import (
    Containment,
    PullRequest,
    Release,
    Review,
    ReviewState,
    WorkItem,
    is_bot_login,
)

_REVERTS_BODY = re.compile(r"Reverts ([\w.-]+/[\w.-]+)#(\d+)")
_REVERT_BRANCH = re.compile(r"^revert-(\d+)-")
_REVERT_TITLE = re.compile(r'^Revert "(.*)"$', re.S)


def first_human_review(pr: PullRequest, reviews: Iterable[Review]) -> datetime | None:
    """First review submitted by a human other than the author, at or before the merge."""
    times = [
        r.submitted_at
        for r in reviews
        if r.submitted_at is not None
        and r.state is not ReviewState.PENDING
        and r.repo == pr.repo
        and r.pr_number == pr.number
        and not (r.reviewer_is_bot or is_bot_login(r.reviewer))
        and r.reviewer.lower() != pr.author.lower()
        and (pr.merged_at is None or r.submitted_at <= pr.merged_at)
    ]
    return min(times, default=None)


def release_of(pr: PullRequest, containing: Iterable[Release]) -> Release | None:
    """The first eligible release of the PR's repository that contains its merge commit."""
    if pr.merged_at is None:
        return None
    eligible = [r for r in containing if r.eligible and r.repo == pr.repo]
    return min(eligible, key=lambda r: (r.published_at, r.release_id), default=None)


def derive_pr_fact(
    pr: PullRequest, reviews: Iterable[Review], containing: Iterable[Release]
) -> PrFact:
    """Phase facts of one PR; ``containing``: releases whose range holds its merge commit."""
    release = release_of(pr, containing)
    return PrFact(
        repo=pr.repo,
        number=pr.number,
        author_is_bot=pr.author_is_bot or is_bot_login(pr.author),
        opened_at=pr.created_at,
        merged_at=pr.merged_at,
        first_review_at=first_human_review(pr, reviews),
        release_id=release.release_id if release is not None else None,
        released_at=release.published_at if release is not None else None,
    )


def is_hotfix(release: Release, pattern: str) -> bool:
    """Whether the team's hotfix pattern matches the release (see ``Release.hotfix_texts``)."""
    rx = re.compile(pattern)
    return any(rx.search(text) is not None for text in release.hotfix_texts)


def reverted_targets(pr: PullRequest, same_repo: Sequence[PullRequest]) -> set[tuple[str, int]]:
    """The ``(repo, number)`` PRs that ``pr`` reverts, by body, head branch or title."""
    targets: set[tuple[str, int]] = set()
    for repo, number in _REVERTS_BODY.findall(pr.body or ""):
        targets.add((repo, int(number)))
    branch = _REVERT_BRANCH.match(pr.head_ref)
    if branch is not None:
        targets.add((pr.repo, int(branch.group(1))))
    title = _REVERT_TITLE.match(pr.title.strip())
    if title is not None:
        for other in same_repo:
            if (
                other.repo == pr.repo
                and other.number != pr.number
                and other.title == title.group(1)
            ):
                targets.add((other.repo, other.number))
    return targets


def attribute_incident(item: WorkItem, releases: Sequence[Release]) -> IncidentFact:
    """Attribute an incident to the latest eligible release published before its creation."""
    before = [
        r for r in releases if r.eligible and r.published_at and r.published_at < item.created
    ]
    latest = max(before, key=lambda r: (r.published_at, r.release_id), default=None)
    return IncidentFact(
        item_key=item.key,
        created=item.created,
        resolved=item.resolved,
        release_repo=latest.repo if latest is not None else None,
        release_id=latest.release_id if latest is not None else None,
    )


def union_hours(intervals: Iterable[tuple[datetime, datetime]]) -> float:
    """Length of the union of intervals, in elapsed hours."""
    # POSIX seconds: subtracting two datetimes of one ZoneInfo would give wall-clock time.
    spans = sorted((a.timestamp(), b.timestamp()) for a, b in intervals)
    total = 0.0
    cur: tuple[float, float] | None = None
    for start, end in spans:
        if end <= start:
            continue
        if cur is None or start > cur[1]:
            if cur is not None:
                total += cur[1] - cur[0]
            cur = (start, end)
        else:
            cur = (cur[0], max(cur[1], end))
    if cur is not None:
        total += cur[1] - cur[0]
    return total / 3600.0


def derive_release_facts(
    releases: Sequence[Release],
    prs: Sequence[PullRequest],
    containments: Sequence[Containment],
    incidents: Sequence[IncidentFact],
    hotfix_pattern: str,
    failure_window: timedelta,
) -> list[ReleaseFact]:
    """Facts of every eligible release of the team's repositories, by publication time."""
    eligible = sorted(
        (r for r in releases if r.eligible),
        key=lambda r: (r.published_at or datetime.min, r.release_id),
    )
    hot = {(r.repo, r.release_id): is_hotfix(r, hotfix_pattern) for r in eligible}
    contained: dict[tuple[str, int], set[int]] = {}
    for c in containments:
        contained.setdefault((c.repo, c.release_id), set()).add(c.pr_number)
    reverts = [(pr, reverted_targets(pr, prs)) for pr in prs if pr.merged_at is not None]
    facts: list[ReleaseFact] = []
    for rel in eligible:
        published = rel.published_at
        assert published is not None  # eligible implies published
        limit = published + failure_window
        nxt = [
            o.published_at
            for o in eligible
            if o.repo == rel.repo
            and o.published_at is not None
            and o.published_at > published
            and not hot[(o.repo, o.release_id)]
        ]
        next_regular = min(nxt, default=None)

        def in_window(
            t: datetime,
            published: datetime = published,
            limit: datetime = limit,
            next_regular: datetime | None = next_regular,
        ) -> bool:
            return published < t <= limit and (next_regular is None or t < next_regular)

        reasons: list[str] = []
        for o in eligible:
            if (
                o.repo == rel.repo
                and o.release_id != rel.release_id
                and hot[(o.repo, o.release_id)]
                and o.published_at is not None
                and in_window(o.published_at)
            ):
                reasons.append(f"hotfix {o.tag}")
        mine = {(rel.repo, n) for n in contained.get((rel.repo, rel.release_id), set())}
        for pr, targets in reverts:
            if pr.merged_at is not None and targets & mine and in_window(pr.merged_at):
                reasons.append(f"revert {pr.repo}#{pr.number}")
        successor = _next_in_repo(rel, eligible)
        if (
            successor is not None
            and successor.rollback
            and successor.published_at is not None
            and published < successor.published_at <= limit
        ):
            reasons.append(f"rollback {successor.tag}")  # it replaced this release
        failing = [
            i
            for i in incidents
            if i.release_repo == rel.repo
            and i.release_id == rel.release_id
            and in_window(i.created)
        ]
        reasons.extend(f"incident {i.item_key}" for i in failing)
        resolved = [(i.created, i.resolved) for i in failing if i.resolved is not None]
        facts.append(
            ReleaseFact(
                repo=rel.repo,
                release_id=rel.release_id,
                tag=rel.tag,
                published_at=published,
                is_hotfix=hot[(rel.repo, rel.release_id)],
                failed=bool(reasons),
                failure_reasons=tuple(reasons),
                downtime_hours=union_hours(resolved) if resolved else None,
            )
        )
    return facts


def _next_in_repo(rel: Release, eligible: Sequence[Release]) -> Release | None:
    """The eligible release of the same repository that came right after ``rel``."""
    key = (rel.published_at, rel.release_id)
    later = [
        o
        for o in eligible
        if o.repo == rel.repo
        and o.published_at is not None
        and (o.published_at, o.release_id) > key
    ]
    return min(later, key=lambda o: (o.published_at, o.release_id), default=None)
