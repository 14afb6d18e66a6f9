"""Release schedules, hotfix/chore/bot PRs and incidents of one generated team."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from integrations.sandbox.generator.common import (
    DEPENDABOT,
    DONE,
    IN_PROGRESS,
    Person,
    hours,
    log_uniform,
    summary,
    working,
)
from integrations.sandbox.generator.items import ItemPlan, PrPlan, cut_pr, plan_reviews
from integrations.sandbox.generator.scenarios import TeamPlan

REGULAR, HOTFIX, PRERELEASE, DRAFT = "regular", "hotfix", "prerelease", "draft"
_LIBS = ("requests", "pydantic", "urllib3", "react", "lodash", "axios", "sqlalchemy")


@dataclass(slots=True)
class ReleasePlan:
    """A release to create during replay."""

    repo: str
    at: datetime
    tag: str
    name: str
    kind: str  # regular | hotfix | prerelease | draft
    release_id: int = 0

    @property
    def eligible(self) -> bool:
        """Published, non-draft, non-prerelease."""
        return self.kind in (REGULAR, HOTFIX)


def plan_releases(
    rng: random.Random, team: TeamPlan, now: datetime, tz: ZoneInfo,
) -> list[ReleasePlan]:
    """Every repository's releases: a baseline, the cadence, candidates, hotfixes, a draft."""
    out: list[ReleasePlan] = []
    for repo in team.repos:
        baseline = working(now - timedelta(weeks=team.baseline_weeks_ago), tz)
        times = [baseline]
        if team.release_weeks_ago:
            times += [working(now - timedelta(weeks=w) + hours(rng.uniform(0, 6)), tz)
                      for w in team.release_weeks_ago]
        else:
            t = baseline
            while True:
                t = working(t + hours(24 * (team.cadence_days + rng.uniform(-1, 1))), tz)
                if t > now:
                    break
                times.append(t)
        for minor, at in enumerate(times, start=1):
            next_at = times[minor] if minor < len(times) else now
            out.append(ReleasePlan(repo, at, f"v1.{minor}.0", f"v1.{minor}.0", REGULAR))
            if minor > 1 and rng.random() < team.prerelease_rate:
                rc = at - hours(rng.uniform(24, 72))
                if rc > times[minor - 2]:
                    out.append(ReleasePlan(repo, rc, f"v1.{minor}.0-rc.1",
                                           f"v1.{minor}.0 release candidate", PRERELEASE))
            if minor > 1 and rng.random() < team.hotfix_rate:
                hf = at + hours(rng.uniform(8, 40))
                if hf < next_at and hf <= now:
                    out.append(ReleasePlan(repo, hf, f"v1.{minor}.1", f"v1.{minor}.1 (hotfix)",
                                           HOTFIX))
        if team.draft_next:
            out.append(ReleasePlan(repo, now - hours(rng.uniform(1, 30)), f"v1.{len(times) + 1}.0",
                                   f"v1.{len(times) + 1}.0", DRAFT))
    out.sort(key=lambda r: r.at)
    return out


def extra_prs(
    rng: random.Random, team: TeamPlan, engineers: list[Person], releases: list[ReleasePlan],
    start: datetime, now: datetime, tz: ZoneInfo,
) -> list[PrPlan]:
    """PRs that belong to no item: hotfixes, chores and dependabot bumps."""
    out: list[PrPlan] = []
    logins = [e.login for e in engineers]
    for rel in releases:
        if rel.kind == HOTFIX:
            author = rng.choice(logins)
            pr = PrPlan(rel.repo, author, rel.at - hours(rng.uniform(2, 6)),
                        title=f"Hotfix: {summary(rng).lower()}", head_ref=f"hotfix/{rel.tag}",
                        body=f"Hotfix before tagging {rel.tag}.")
            pr.merged = rel.at - hours(rng.uniform(0.3, 1.5))
            plan_reviews(rng, team, pr, [x for x in logins if x != author])
            out.append(pr)
    per_repo = max(1, team.items // 25 // len(team.repos))
    span = (now - start).total_seconds()
    for repo in team.repos:
        for _ in range(per_repo):
            author = rng.choice(logins)
            opened = working(start + hours(rng.uniform(0, span) / 3600), tz)
            text = summary(rng)
            pr = PrPlan(repo, author, opened, title=f"Tidy up: {text.lower()}",
                        head_ref=f"chore/{'-'.join(text.lower().split()[:3])}",
                        body="No ticket. Dates are ISO-8601 now and files UTF-8.")
            if rng.random() < 0.85:
                pr.merged = working(opened + hours(log_uniform(rng, *team.cycle_hours)), tz)
            plan_reviews(rng, team, pr, [x for x in logins if x != author])
            out.append(pr)
        for _ in range(per_repo):
            lib = rng.choice(_LIBS)
            new = f"{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}"
            opened = start + hours(rng.uniform(0, span) / 3600)
            pr = PrPlan(repo, DEPENDABOT, opened, title=f"Bump {lib} to {new}",
                        head_ref=f"dependabot/pip/{lib}-{new}", bot=True,
                        body=f"Bumps {lib} to {new}.\n\nDependabot will resolve conflicts.")
            roll = rng.random()
            if roll < 0.65:
                pr.merged = opened + hours(log_uniform(rng, 2.0, 96.0))
                if rng.random() < 0.5:
                    pr.reviews.append((opened + hours(1.0), rng.choice(logins), "APPROVED"))
            elif roll < 0.85:
                pr.closed = opened + hours(log_uniform(rng, 24.0, 300.0))
            out.append(pr)
    kept = [pr for pr in out if pr.opened <= now]
    for pr in kept:
        cut_pr(pr, now)
    return kept


def plan_incidents(
    rng: random.Random, team: TeamPlan, releases: list[ReleasePlan], people: list[Person],
    now: datetime, tz: ZoneInfo,
) -> list[tuple[ItemPlan, ReleasePlan | None]]:
    """Incidents after some regular releases, with the release each is attributed to."""
    eligible = [r for r in releases if r.eligible]
    out: list[tuple[ItemPlan, ReleasePlan | None]] = []
    first_items = now - timedelta(weeks=16)
    for rel in releases:
        if rel.kind != REGULAR or rel.at < first_items or rng.random() >= team.incident_rate:
            continue
        created = rel.at + hours(rng.uniform(2, 40))
        if created > now:
            continue
        owner = rng.choice(people)
        item = ItemPlan(created, IN_PROGRESS, f"Incident: errors after {rel.tag}", owner,
                        issue_type="Incident", assignee=owner)
        resolved = created + hours(log_uniform(rng, 0.5, 10.0))
        if resolved <= now:
            item.transitions.append((resolved, DONE, owner, False))
            item.done_at = resolved
        follows = max((r for r in eligible if r.at < created), key=lambda r: r.at, default=None)
        out.append((item, follows))
    return out

