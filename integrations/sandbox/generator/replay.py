"""Replaying a team's planned GitHub events in time order into the World.

Pull request numbers, merge commits and release tags must follow time, so every planned
event goes through one heap; reverts are planned when a release is published (they need
to know what the release contains).
"""

from __future__ import annotations

import heapq
import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from integrations.sandbox.generator.common import Person, hours, later, slug
from integrations.sandbox.generator.items import PrPlan
from integrations.sandbox.generator.releases import (
    DRAFT,
    PRERELEASE,
    REGULAR,
    ReleasePlan,
)
from integrations.sandbox.generator.scenarios import TeamPlan
from integrations.sandbox.world import GhRelease, World

KEY_RE = re.compile(r"[A-Z][A-Z0-9]+-\d+")


@dataclass(slots=True)
class Revert:
    """A merged revert of a PR contained in ``release``."""

    pr: PrPlan
    release: ReleasePlan


@dataclass(slots=True)
class _Heap:
    items: list[tuple[datetime, int, str, object]] = field(default_factory=list)
    seq: int = 0

    def push(self, at: datetime, kind: str, obj: object) -> None:
        self.seq += 1
        heapq.heappush(self.items, (at, self.seq, kind, obj))


def render(pr: PrPlan) -> tuple[str, str, str]:
    """Title, head branch and body of a PR (keys placed where its plan says)."""
    if pr.item is None:
        return pr.title, pr.head_ref, pr.body
    key, text = pr.item.key, pr.item.summary
    via = pr.link_via
    title = f"{key}: {text}" if via in ("title", "all") else text
    branch = f"feature/{key}-{slug(text)}" if via in ("branch", "all") else f"feature/{slug(text)}"
    lines = [f"Fixes {key}" if via in ("body", "all") else "Implements the spec."]
    lines += [f"Follow-up of {extra.key}." for extra in pr.extra]
    return title, branch, "\n\n".join(lines)


def replay(
    world: World, rng: random.Random, team: TeamPlan, prs: list[PrPlan],
    releases: list[ReleasePlan], engineers: list[Person], tz: ZoneInfo,
) -> list[Revert]:
    """Apply every PR and release event in time order; returns the reverts it added."""
    now = world.now
    heap = _Heap()
    for pr in prs:
        _push_pr(heap, pr)
    for rel in releases:
        heap.push(rel.at, "release", rel)
    merged_since: dict[str, list[PrPlan]] = {repo: [] for repo in team.repos}
    reverts: list[Revert] = []
    while heap.items:
        at, _, kind, obj = heapq.heappop(heap.items)
        if kind == "open":
            assert isinstance(obj, PrPlan)
            _open(world, rng, obj)
        elif kind == "review":
            assert isinstance(obj, tuple)
            pr, login, state = obj
            world.review_pull(pr.repo, pr.number, user=login, state=state, at=at)
        elif kind == "merge":
            assert isinstance(obj, PrPlan)
            world.merge_pull(obj.repo, obj.number, at)
            if not obj.bot and obj.item is not None:
                merged_since[obj.repo].append(obj)
        elif kind == "close":
            assert isinstance(obj, PrPlan)
            pull = world.github.repos[obj.repo].pulls[obj.number]
            pull.state, pull.closed_at, pull.updated_at = "closed", at, at
        else:
            assert isinstance(obj, ReleasePlan)
            _release(world, obj)
            if obj.eligible:
                contained, merged_since[obj.repo] = merged_since[obj.repo], []
                revert = _plan_revert(rng, team, obj, contained, releases, engineers, tz, now)
                if revert is not None:
                    reverts.append(revert)
                    _push_pr(heap, revert.pr)
    return reverts


def _push_pr(heap: _Heap, pr: PrPlan) -> None:
    heap.push(pr.opened, "open", pr)
    for at, login, state in pr.reviews:
        heap.push(at, "review", (pr, login, state))
    if pr.merged is not None:
        heap.push(pr.merged, "merge", pr)
    elif pr.closed is not None:
        heap.push(pr.closed, "close", pr)


def _open(world: World, rng: random.Random, pr: PrPlan) -> None:
    title, head, body = render(pr)
    still_open = pr.merged is None and pr.closed is None
    pull = world.open_pull(
        pr.repo, title=title, head_ref=head, user=pr.author, at=pr.opened, body=body,
        draft=still_open and pr.may_draft and rng.random() < 0.15, requested_reviewers=pr.requested,
    )
    pr.number = pull.number


def _release(world: World, rel: ReleasePlan) -> None:
    if rel.kind == DRAFT:  # GitHub creates no tag until a draft is published
        world.github.next_id += 1
        release = GhRelease(world.github.next_id, rel.tag, rel.name, True, False, rel.at, None,
                            world.github.viewer)
        world.github.repos[rel.repo].releases.append(release)
    else:
        release = world.publish_release(rel.repo, rel.tag, rel.at, name=rel.name,
                                        prerelease=rel.kind == PRERELEASE)
    rel.release_id = release.id


def _plan_revert(
    rng: random.Random, team: TeamPlan, rel: ReleasePlan, contained: list[PrPlan],
    releases: list[ReleasePlan], engineers: list[Person], tz: ZoneInfo, now: datetime,
) -> Revert | None:
    """Maybe revert one PR of a regular release, merged before the next regular release."""
    if rel.kind != REGULAR or not contained or rng.random() >= team.revert_rate:
        return None
    target = rng.choice(contained)
    following = [r.at for r in releases
                 if r.repo == rel.repo and r.kind == REGULAR and r.at > rel.at]
    opened = later(rng, rel.at, (3.0, 30.0), tz)
    merged = opened + hours(rng.uniform(0.5, 3.0))
    if merged > now or (following and merged >= min(following)):
        return None
    title, head, _ = render(target)
    author = rng.choice(engineers).login
    pr = PrPlan(rel.repo, author, opened, title=f'Revert "{title}"',
                head_ref=f"revert-{target.number}-{head}",
                body=f"Reverts {rel.repo}#{target.number}", revert_of=target, merged=merged)
    return Revert(pr, rel)

