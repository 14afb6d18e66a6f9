"""Generated raw records of a large store, and the facts sync would derive from them.

Used by ``bench/report.py`` (and its smoke test): per team, 52 weeks of Jira items
walking a realistic workflow (handoffs, returns, withdrawals, pickups by a linked PR),
incidents after releases, pull requests with reviews (bots, self-reviews), releases
with drafts, prereleases and hotfixes, reverts, and commit-range containment. Everything
is drawn from one seeded ``random.Random`` per team, so a size and seed give one store.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.flow.derive import (
    attribute_incident,
    delivered_from_github,
    derive_handoffs,
    derive_item_fact,
    derive_pr_fact,
    derive_release_facts,
    derive_spans,
    reverted_targets,
)
from bot.flow.derive_team import TeamFacts
from bot.flow.linking import extract_keys
from bot.flow.model import (
    CalendarSpec,
    Containment,
    ItemLink,
    PullRequest,
    Release,
    Review,
    ReviewState,
    StatusChange,
    TeamFlow,
    Workflow,
    WorkItem,
)
from bot.flow.stages import item_history

WEEKS = 52
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday: the current week is partial
START = NOW - timedelta(weeks=WEEKS)
BACKLOG, HANDOFF, CLARIFY = "Backlog", "Ready for Development", "Needs Clarification"
PROGRESS, REVIEW, DONE, PR_PICKUP = "In Progress", "In Review", "Done", "<linked PR opened>"
WORKFLOW = Workflow(
    handoff=frozenset({HANDOFF}),
    started=frozenset({PROGRESS, REVIEW}),
    returned=frozenset({CLARIFY}),
    done=frozenset({DONE}),
)
# From each status: (next status, probability, mean hours until the move).
MOVES: dict[str, list[tuple[str, float, float]]] = {
    BACKLOG: [(HANDOFF, 1.0, 40.0)],
    HANDOFF: [
        (PROGRESS, 0.72, 18.0),
        (CLARIFY, 0.15, 10.0),
        (BACKLOG, 0.08, 30.0),
        (PR_PICKUP, 0.05, 8.0),
    ],
    CLARIFY: [(HANDOFF, 1.0, 16.0)],
    PROGRESS: [(REVIEW, 1.0, 30.0)],
    REVIEW: [(PROGRESS, 0.2, 6.0), (DONE, 0.8, 12.0)],
}
CALENDARS = (("Europe/London", "GB"), ("America/New_York", "US"), ("Europe/Berlin", "DE"))
BOTS = ("dependabot[bot]", "renovate[bot]")


def team_flow(n: int) -> TeamFlow:
    """Team ``n``: Jira project T<n>, two repositories, one of three calendars."""
    tz, country = CALENDARS[n % len(CALENDARS)]
    return TeamFlow(
        name=f"team{n:03d}",
        projects=(f"T{n:03d}",),
        repos=(f"acme/t{n:03d}-api", f"acme/t{n:03d}-web"),
        workflow=WORKFLOW,
        calendar=CalendarSpec(tz, holidays=country),
        incident_types=("Incident",),
    )


@dataclass
class TeamRaw:
    """One team's raw records, as sync would have stored them."""

    items: list[WorkItem] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)
    prs: list[PullRequest] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    containments: list[Containment] = field(default_factory=list)
    links: list[ItemLink] = field(default_factory=list)


def _hours(rng: random.Random, mean: float) -> timedelta:
    return timedelta(hours=rng.expovariate(1 / mean))


def _walk(
    rng: random.Random, created: datetime
) -> tuple[list[tuple[datetime, str]], list[datetime]]:
    """One item's moves ``(at, to)`` until Done or now, and when its linked PRs open."""
    moves: list[tuple[datetime, str]] = []
    prs: list[datetime] = []
    status, at = BACKLOG, created
    while status != DONE and len(moves) < 14:
        if status == BACKLOG and moves and rng.random() < 0.4:
            break  # withdrawn for good
        options = MOVES[status]
        to, _, mean = rng.choices(options, weights=[o[1] for o in options])[0]
        at += _hours(rng, mean)
        if to == PR_PICKUP:  # a linked PR opened while the spec waits picks it up
            prs.append(at)
            to, at = PROGRESS, at + _hours(rng, 3.0)
        elif to == PROGRESS and status == HANDOFF and not prs:
            prs.append(at + _hours(rng, 5.0))
            if rng.random() < 0.3:  # a second PR, often in the other repository
                prs.append(at + _hours(rng, 20.0))
        if at >= NOW:
            break
        moves.append((at, to))
        status = to
    return moves, [p for p in prs if p < NOW]


def _releases(rng: random.Random, repo: str) -> list[Release]:
    """A release every 2-4 days (some drafts, prereleases), and some hotfixes after them."""
    out: list[Release] = []
    at, minor = START + timedelta(hours=rng.uniform(0, 72)), 0
    while at < NOW:
        minor += 1
        kind = rng.random()
        draft, pre = kind < 0.02, 0.02 <= kind < 0.06
        tag = f"v1.{minor}.0" + ("-rc.1" if pre else "")
        published = None if draft else at
        out.append(Release(repo, len(out) + 1, tag, tag, draft, pre, at, published))
        hot = at + timedelta(hours=rng.uniform(4, 60))
        if not (draft or pre) and rng.random() < 0.1 and hot < NOW:
            out.append(
                Release(
                    repo,
                    len(out) + 1,
                    f"v1.{minor}.1",
                    f"Hotfix 1.{minor}.1",
                    False,
                    False,
                    hot,
                    hot,
                )
            )
        at += timedelta(hours=rng.uniform(40, 100))
    return out


def _pull(
    rng: random.Random,
    team: TeamFlow,
    repo: str,
    number: int,
    opened: datetime,
    key: str | None,
    bot: bool,
) -> PullRequest:
    author = rng.choice(BOTS) if bot else f"{team.name}-dev{rng.randrange(8)}"
    merged: datetime | None = opened + _hours(rng, 18.0) if rng.random() < 0.9 else None
    merged = merged if merged is not None and merged < NOW else None
    closed = merged or (opened + _hours(rng, 40.0) if rng.random() < 0.5 else None)
    closed = closed if closed is not None and closed < NOW else None
    title = f"{key} implement the spec" if key else ("Bump a dependency" if bot else "Tidy CI")
    return PullRequest(
        repo,
        number,
        title,
        f"Part of {key}." if key else "",
        f"feature/{key or number}",
        author,
        bot,
        "closed" if closed else "open",
        closed is None and rng.random() < 0.1,
        opened,
        closed or opened,
        closed,
        merged,
        f"{number:040x}" if merged else None,
        url=f"https://github.com/{repo}/pull/{number}",
    )


def _reviews(rng: random.Random, pr: PullRequest, first_id: int) -> list[Review]:
    """0-3 reviews: mostly teammates, a few self-reviews and bots' reviews."""
    out: list[Review] = []
    for _ in range(rng.choices((0, 1, 2, 3), weights=(12, 50, 28, 10))[0]):
        at = pr.created_at + _hours(rng, 6.0)
        if at >= NOW:
            continue
        roll = rng.random()
        who = (
            "coderabbitai[bot]"
            if roll < 0.05
            else pr.author
            if roll < 0.09
            else (f"{pr.author.rsplit('-', 1)[0]}-dev{rng.randrange(8)}")
        )
        state = rng.choice(
            (ReviewState.APPROVED, ReviewState.COMMENTED, ReviewState.CHANGES_REQUESTED)
        )
        out.append(Review(pr.repo, pr.number, first_id + len(out), who, roll < 0.05, state, at))
    return out


def _contain(prs: list[PullRequest], releases: list[Release]) -> list[Containment]:
    """Each merged PR lies in the next published release's range (and, after a
    prerelease, in the next eligible one's)."""
    out: list[Containment] = []
    published = sorted((r for r in releases if r.published_at), key=lambda r: r.published_at or NOW)
    times = [r.published_at or NOW for r in published]
    for pr in prs:
        if pr.merged_at is None:
            continue
        i = bisect.bisect_right(times, pr.merged_at)
        while i < len(published):
            out.append(Containment(pr.repo, published[i].release_id, pr.number))
            if published[i].eligible:
                break
            i += 1
    return out


def generate_team(team: TeamFlow, transitions: int, prs: int, seed: int) -> TeamRaw:
    """One team's raw records: exactly ``transitions`` status changes and ``prs`` PRs."""
    rng = random.Random(f"{seed}:{team.name}")
    raw, project = TeamRaw(), team.projects[0]
    for repo in team.repos:
        raw.releases.extend(_releases(rng, repo))
    eligible = [r for r in raw.releases if r.eligible]
    requests: list[tuple[str | None, datetime]] = []
    opens: list[datetime]
    history = int(team.name[4:]) * 10_000_000
    incidents = min(max(1, transitions // 500), transitions // 2)
    while len(raw.changes) < transitions:
        key = f"{project}-{len(raw.items) + 1}"
        incident = len(raw.items) < incidents
        if incident:  # shortly after a release: the release failed
            created = (rng.choice(eligible).published_at or NOW) + _hours(rng, 20.0)
            fixed = created + _hours(rng, 3.0)
            moves = [(created + timedelta(minutes=10), "Investigating"), (fixed, "Resolved")]
            moves, opens = [m for m in moves if m[0] < NOW], []
        else:
            created = START + timedelta(seconds=rng.uniform(0, (NOW - START).total_seconds()))
            moves, opens = _walk(rng, created)
        if created >= NOW:
            continue
        moves = moves[: transitions - len(raw.changes)]
        status = "Open" if incident else BACKLOG
        for at, to in moves:
            history += 1
            raw.changes.append(StatusChange(key, f"{history}:0", at, status, to))
            status = to
        end = moves[-1][0] if moves else created
        resolved = end if status in {DONE, "Resolved"} else None
        raw.items.append(
            WorkItem(
                key,
                project,
                "Incident" if incident else "Story",
                f"Item {key}",
                status,
                created,
                end,
                resolved,
            )
        )
        requests.extend((key, at) for at in opens)
    reverts, others = prs // 100, prs // 6
    linked = requests[: max(0, prs - reverts - others)]
    while len(linked) + reverts < prs:
        when = START + timedelta(seconds=rng.uniform(0, (NOW - START).total_seconds()))
        linked.append((None, when))
    numbers = dict.fromkeys(team.repos, 0)
    for n, (link, opened) in enumerate(linked):
        # An item's second PR (the next request) lands in the other repository.
        repo = team.repos[n % 2 if link else rng.randrange(2)]
        numbers[repo] += 1
        bot = link is None and rng.random() < 0.5
        raw.prs.append(_pull(rng, team, repo, numbers[repo], opened, link, bot))
    merged = [p for p in raw.prs if p.merged_at is not None and not p.author_is_bot]
    for target in rng.sample(merged, min(reverts, len(merged))):
        numbers[target.repo] += 1
        at = (target.merged_at or NOW) + _hours(rng, 30.0)
        at = at if at < NOW - timedelta(hours=2) else NOW - timedelta(hours=2)
        n = numbers[target.repo]
        raw.prs.append(
            PullRequest(
                target.repo,
                n,
                f'Revert "{target.title}"',
                f"Reverts {target.repo}#{target.number}",
                f"revert-{target.number}-{target.head_ref}",
                target.author,
                False,
                "closed",
                False,
                at,
                at + timedelta(hours=1),
                at + timedelta(hours=1),
                at + timedelta(hours=1),
                f"{n:040x}",
            )
        )
    for pr in raw.prs:
        if not pr.author_is_bot:
            raw.reviews.extend(_reviews(rng, pr, len(raw.reviews) + 1))
        raw.links.extend(
            ItemLink(k, pr.repo, pr.number)
            for k in sorted(extract_keys(pr.title, pr.head_ref, pr.body, team.projects))
        )
    for repo in team.repos:
        mine = [r for r in raw.releases if r.repo == repo]
        raw.containments.extend(_contain([p for p in raw.prs if p.repo == repo], mine))
    return raw


def derive_facts(team: TeamFlow, raw: TeamRaw) -> TeamFacts:
    """The facts sync keeps, derived per item, PR and release as sync does (same functions
    as ``derive_team_facts``, with the records grouped first so it stays linear)."""
    by_id = {(r.repo, r.release_id): r for r in raw.releases}
    containing: dict[tuple[str, int], list[Release]] = {}
    for c in raw.containments:
        containing.setdefault((c.repo, c.pr_number), []).append(by_id[(c.repo, c.release_id)])
    reviews: dict[tuple[str, int], list[Review]] = {}
    for r in raw.reviews:
        reviews.setdefault((r.repo, r.pr_number), []).append(r)
    prs = [
        derive_pr_fact(
            p, reviews.get((p.repo, p.number), []), containing.get((p.repo, p.number), [])
        )
        for p in raw.prs
    ]
    released_at = {f"{f.repo}#{f.number}": f.released_at for f in prs}
    pr_of = {(p.repo, p.number): p for p in raw.prs}
    linked: dict[str, list[PullRequest]] = {}
    for link in raw.links:
        linked.setdefault(link.item_key, []).append(pr_of[(link.repo, link.pr_number)])
    changes: dict[str, list[StatusChange]] = {}
    for ch in raw.changes:
        changes.setdefault(ch.item_key, []).append(ch)
    handoffs, spans, items, histories = [], [], [], []
    for item in raw.items:
        mine, own = linked.get(item.key, []), changes.get(item.key, [])
        episodes = derive_handoffs(item, own, mine, team.workflow)
        handoffs.extend(episodes)
        item_spans = derive_spans(item, own)
        spans.extend(item_spans)
        histories.append(item_history(item.key, item_spans, mine))
        delivered = delivered_from_github(item, mine, released_at, team.workflow)
        items.append(derive_item_fact(item, episodes, delivered))
    incidents = [
        attribute_incident(i, raw.releases)
        for i in raw.items
        if i.issue_type in team.incident_types
    ]
    # Only reverting PRs (and what they revert) can fail a release: the rest adds nothing.
    reverting = [p for p in raw.prs if p.merged_at and reverted_targets(p, raw.prs)]
    named = {x for p in reverting for x in reverted_targets(p, raw.prs)}
    releases = derive_release_facts(
        raw.releases,
        reverting + [pr_of[x] for x in sorted(named) if x in pr_of],
        raw.containments,
        incidents,
        team.hotfix_pattern,
        team.failure_window,
    )
    first = min((r.published_at for r in releases), default=None)
    return TeamFacts(
        tuple(handoffs),
        tuple(spans),
        tuple(items),
        tuple(prs),
        tuple(releases),
        tuple(incidents),
        first,
        tuple(histories),
    )
