"""Planning one Jira item's life: handoffs, returns, withdrawals, pickups and its PRs.

An :class:`ItemPlan` is decided whole (as if time ran to the end), then cut at ``now``;
:func:`handoff_episodes` reads the cut plan with the handoff definition of docs/metrics.md, which is
what the intent log records.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from integrations.sandbox.generator.common import (
    BACKLOG,
    CLARIFY,
    DONE,
    HANDOFF,
    IN_PROGRESS,
    IN_REVIEW,
    READY,
    STARTED,
    Person,
    hours,
    later,
    log_uniform,
    summary,
    working,
)
from integrations.sandbox.generator.intent import (
    PICKED_UP,
    RETURNED,
    WAITING,
    WITHDRAWN,
    HandoffIntent,
)
from integrations.sandbox.generator.scenarios import TeamPlan


@dataclass(slots=True)
class PrPlan:
    """A pull request to open (and maybe review and merge) during replay."""

    repo: str
    author: str
    opened: datetime
    item: ItemPlan | None = None
    title: str = ""  # for PRs without an item; rendered from the item otherwise
    head_ref: str = ""
    body: str = ""
    link_via: str = "title"  # title | branch | body | all
    extra: list[ItemPlan] = field(default_factory=list)  # done items it also mentions
    reviews: list[tuple[datetime, str, str]] = field(default_factory=list)  # at, login, state
    requested: list[str] = field(default_factory=list)
    merged: datetime | None = None
    closed: datetime | None = None
    bot: bool = False
    revert_of: PrPlan | None = None
    may_draft: bool = True  # an open PR may be a draft
    number: int = 0  # assigned when opened


@dataclass(slots=True)
class ItemPlan:
    """A Jira issue's planned life."""

    created: datetime
    initial: str
    summary: str
    reporter: Person
    issue_type: str = "Story"
    transitions: list[tuple[datetime, str, Person, bool]] = field(default_factory=list)
    prs: list[PrPlan] = field(default_factory=list)
    assignee: Person | None = None
    key: str = ""
    done_at: datetime | None = None

    @property
    def status(self) -> str:
        """The status after the last transition."""
        return self.transitions[-1][1] if self.transitions else self.initial


def plan_item(
    rng: random.Random, team: TeamPlan, product: list[Person], engineers: list[Person],
    created: datetime, tz: ZoneInfo, done_pool: list[ItemPlan],
) -> ItemPlan:
    """Plan one item from creation to done (not yet cut at ``now``)."""
    author = rng.choice(product)
    direct = rng.random() < 0.08
    item = ItemPlan(created, READY if direct else BACKLOG, summary(rng), author)
    if not direct and rng.random() < team.backlog_share:
        return item  # never handed off
    t = created if direct else later(rng, created, (4.0, 240.0), tz)
    if not direct:
        item.transitions.append((t, READY, author, False))
    for episode in range(4):
        roll = rng.random() if episode < 3 else 0.0
        if roll < 0.10:  # returned to product, usually handed off again
            t = later(rng, t, (1.0, 60.0), tz)
            item.transitions.append((t, CLARIFY, rng.choice(engineers), False))
            if rng.random() < 0.15:
                return item
        elif roll < 0.17:  # withdrawn back to the backlog
            t = later(rng, t, (2.0, 120.0), tz)
            item.transitions.append((t, BACKLOG, author, False))
            if rng.random() < 0.5:
                return item
        else:
            _pick_up(rng, team, item, engineers, t, tz, done_pool)
            return item
        t = later(rng, t, (4.0, 120.0), tz)
        item.transitions.append((t, READY, author, False))
    return item


def _pick_up(
    rng: random.Random, team: TeamPlan, item: ItemPlan, engineers: list[Person],
    handoff: datetime, tz: ZoneInfo, done_pool: list[ItemPlan],
) -> None:
    """Engineering picks the item up (by status or by opening a PR), builds it, merges."""
    eng = rng.choice(engineers)
    item.assignee = eng
    t = working(handoff + hours(log_uniform(rng, *team.pickup_hours)), tz)
    if rng.random() < 0.12:  # no code needed: straight through to done
        item.transitions.append((t, IN_PROGRESS, eng, True))
        item.done_at = later(rng, t, (2.0, 48.0), tz)
        item.transitions.append((item.done_at, DONE, eng, False))
        return
    by_pr = rng.random() < 0.3
    if by_pr:
        opened = t
        started = later(rng, t, (0.5, 6.0), tz)
    else:
        started = t
        opened = later(rng, t, (2.0, 72.0), tz)
    item.transitions.append((started, IN_PROGRESS, eng, True))
    repo = rng.choice(team.repos)
    last_merge = _build_prs(rng, team, item, eng, engineers, repo, opened, tz, done_pool)
    review_at = max(started, opened) + hours(rng.uniform(0.2, 3.0))
    item.transitions.append((review_at, IN_REVIEW, eng, False))
    if len(team.repos) > 1 and rng.random() < 0.15:  # a second PR in another repository
        other = rng.choice([r for r in team.repos if r != repo])
        second = later(rng, opened, (2.0, 48.0), tz)
        merged = _build_prs(rng, team, item, eng, engineers, other, second, tz, done_pool)
        last_merge = None if last_merge is None or merged is None else max(last_merge, merged)
    if last_merge is not None:
        item.done_at = max(last_merge, review_at) + hours(rng.uniform(0.2, 6.0))
        item.transitions.append((item.done_at, DONE, eng, False))


def _build_prs(
    rng: random.Random, team: TeamPlan, item: ItemPlan, eng: Person, engineers: list[Person],
    repo: str, opened: datetime, tz: ZoneInfo, done_pool: list[ItemPlan],
) -> datetime | None:
    """One PR (or a closed attempt and a second PR); returns the merge time, if planned."""
    while True:
        pr = PrPlan(repo, eng.login, opened, item, link_via=rng.choice(
            ("title", "title", "branch", "body", "all")))
        others = [e.login for e in engineers if e.login != eng.login]
        pr.requested = rng.sample(others, min(len(others), rng.randint(1, 2)))
        done = [d for d in done_pool[-30:] if d.done_at is not None and d.done_at < opened]
        if done and rng.random() < 0.08:
            pr.extra.append(rng.choice(done))
        item.prs.append(pr)
        if rng.random() < 0.06:  # abandoned, then tried again
            pr.closed = later(rng, opened, (12.0, 120.0), tz)
            opened = later(rng, pr.closed, (1.0, 24.0), tz)
            continue
        pr.merged = later(rng, opened, team.cycle_hours, tz)
        plan_reviews(rng, team, pr, others)
        return pr.merged


def plan_reviews(rng: random.Random, team: TeamPlan, pr: PrPlan, others: list[str]) -> None:
    """Bot comments, self-comments and human reviews, all before the merge (or close)."""
    end = pr.merged or pr.closed
    if rng.random() < 0.25:
        pr.reviews.append((pr.opened + hours(rng.uniform(0.05, 0.5)), "sonarcloud[bot]",
                           "COMMENTED"))
    if rng.random() < 0.1:  # the author answering on their own PR
        pr.reviews.append((pr.opened + hours(rng.uniform(0.1, 2.0)), pr.author, "COMMENTED"))
    if others and rng.random() < 0.85:
        at = pr.opened + hours(log_uniform(rng, *team.review_hours))
        if end is None or at < end:
            first = rng.choice(others)
            state = rng.choice(("APPROVED", "APPROVED", "COMMENTED", "CHANGES_REQUESTED"))
            pr.reviews.append((at, first, state))
            if state != "APPROVED" and end is not None:
                approve = at + hours((end - at).total_seconds() / 3600 * 0.8)
                pr.reviews.append((approve, first, "APPROVED"))
    pr.reviews.sort(key=lambda r: r[0])


def staged(
    product: list[Person], engineers: list[Person], repo: str, now: datetime,
) -> list[ItemPlan]:
    """Three items whose waits are past the default alert thresholds at ``now``.

    A handoff waiting 9 days, a PR waiting 4 days for its first review, and work merged
    12 days ago (after the demo's last release) that no release contains yet.
    """
    pm, eng, other = product[0], engineers[0], engineers[1]
    day = timedelta(days=1)
    waiting = ItemPlan(now - 20 * day, BACKLOG, "Show refund status to customers", pm)
    waiting.transitions.append((now - 9 * day, READY, pm, False))
    review = ItemPlan(now - 18 * day, BACKLOG, "Retry failed payouts overnight", pm,
                      assignee=eng)
    review.transitions += [(now - 8 * day, READY, pm, False),
                           (now - 6 * day, IN_PROGRESS, eng, True)]
    review.prs.append(PrPlan(repo, eng.login, now - 4 * day, review, requested=[other.login],
                             may_draft=False))
    review.transitions.append((now - 4 * day + hours(1), IN_REVIEW, eng, False))
    merged = ItemPlan(now - 30 * day, BACKLOG, "Export payouts as CSV", pm, assignee=other)
    pr = PrPlan(repo, other.login, now - 13 * day, merged, merged=now - 12 * day)
    pr.reviews.append((now - 13 * day + hours(3), eng.login, "APPROVED"))
    merged.prs.append(pr)
    merged.done_at = now - 12 * day + hours(2)
    merged.transitions += [(now - 16 * day, READY, pm, False),
                           (now - 14 * day, IN_PROGRESS, other, True),
                           (now - 13 * day + hours(1), IN_REVIEW, other, False),
                           (merged.done_at, DONE, other, False)]
    return [waiting, review, merged]


def cut(item: ItemPlan, now: datetime) -> None:
    """Drop everything planned after ``now``."""
    item.transitions = [t for t in item.transitions if t[0] <= now]
    if item.done_at is not None and item.done_at > now:
        item.done_at = None
    kept: list[PrPlan] = []
    for pr in item.prs:
        if pr.opened > now:
            continue
        cut_pr(pr, now)
        kept.append(pr)
    item.prs = kept


def cut_pr(pr: PrPlan, now: datetime) -> None:
    """Drop a PR's events after ``now`` (it stays open)."""
    if pr.merged is not None and pr.merged > now:
        pr.merged = None
    if pr.closed is not None and pr.closed > now:
        pr.closed = None
    pr.reviews = [r for r in pr.reviews if r[0] <= now]


def handoff_episodes(team: str, item: ItemPlan) -> list[HandoffIntent]:
    """The item's handoff episodes by the definition in docs/metrics.md, from its (cut) plan."""
    events: list[tuple[datetime, int, str]] = [(t, 0, to) for t, to, _, _ in item.transitions]
    events += [(pr.opened, 1, "") for pr in item.prs]
    events.sort(key=lambda e: (e[0], e[1]))
    out: list[HandoffIntent] = []
    start = item.created if item.initial in HANDOFF else None
    for at, kind, to in events:
        if start is not None:
            outcome, by = _ending(kind, to)
            if outcome is not None:
                out.append(HandoffIntent(team, item.key, start, at, outcome, by))
                start = None
        elif kind == 0 and to in HANDOFF:
            start = at
    if start is not None:
        out.append(HandoffIntent(team, item.key, start, None, WAITING))
    return out


def _ending(kind: int, to: str) -> tuple[str | None, str | None]:
    if kind == 1:
        return PICKED_UP, "pr"
    if to in STARTED or to == DONE:
        return PICKED_UP, "status"
    if to == CLARIFY:
        return RETURNED, None
    if to in HANDOFF:
        return None, None
    return WITHDRAWN, None
