"""Building one team's Jira issues, GitHub history and intent log from its plan."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from integrations.sandbox.generator.common import (
    BOTS,
    STATUSES,
    Person,
    hours,
    working,
)
from integrations.sandbox.generator.intent import IncidentIntent, Intent, PullIntent, ReleaseIntent
from integrations.sandbox.generator.items import (
    ItemPlan,
    PrPlan,
    cut,
    handoff_episodes,
    plan_item,
    staged,
)
from integrations.sandbox.generator.releases import (
    DRAFT,
    HOTFIX,
    REGULAR,
    ReleasePlan,
    extra_prs,
    plan_incidents,
    plan_releases,
)
from integrations.sandbox.generator.replay import KEY_RE, Revert, replay
from integrations.sandbox.generator.scenarios import TeamPlan
from integrations.sandbox.world import JiraHistory, JiraHistoryItem, JiraIssue, JiraVersion, World

WINDOW = timedelta(weeks=16)  # how far back items start
FAILURE_WINDOW = timedelta(hours=72)  # the generated config's releases.failure_window


def build_team(
    world: World, team: TeamPlan, people: list[Person], rng: random.Random,
    projects: frozenset[str], intent: Intent,
) -> None:
    """Generate the team's items, incidents, PRs and releases into ``world``."""
    now, tz = world.now, ZoneInfo(team.timezone)
    start = now - WINDOW
    product = [p for p in people if p.role == "product"]
    engineers = [p for p in people if p.role == "engineering"]
    releases = plan_releases(rng, team, now, tz)
    span = (now - timedelta(days=1) - start).total_seconds()
    created = sorted(working(start + hours(rng.uniform(0, span) / 3600), tz)
                     for _ in range(team.items))
    items: list[ItemPlan] = []
    done_pool: list[ItemPlan] = []
    for at in created:
        item = plan_item(rng, team, product, engineers, min(at, now), tz, done_pool)
        cut(item, now)
        items.append(item)
        if item.done_at is not None:
            done_pool.append(item)
    if team.stage_alerts:
        items += staged(product, engineers, team.repos[-1], now)
    incidents = plan_incidents(rng, team, releases, engineers, now, tz)
    issues = sorted(items + [i for i, _ in incidents], key=lambda i: i.created)
    for number, issue in enumerate(issues, start=1):
        issue.key = f"{team.key}-{number}"
    _write_issues(world, team, issues, rng)
    for item in items:
        intent.handoffs.extend(handoff_episodes(team.name, item))
    prs = [pr for item in items for pr in item.prs]
    prs += extra_prs(rng, team, engineers, releases, start, now, tz)
    reverts = replay(world, rng, team, prs, releases, engineers, tz)
    prs += [r.pr for r in reverts]
    for pr in prs:
        intent.pulls.append(_pull_intent(world, team, pr, projects))
    _release_intents(team, releases, reverts, incidents, intent)
    for incident, follows in incidents:
        intent.incidents.append(IncidentIntent(
            team.name, incident.key, incident.created, incident.done_at,
            follows.repo if follows else None, follows.tag if follows else None,
        ))
    _fix_versions(world, team, releases, items)
    for item in items:  # break item <-> PR cycles so the plans go by reference counting
        item.prs.clear()


def _write_issues(world: World, team: TeamPlan, issues: list[ItemPlan], rng: random.Random) -> None:
    jira = world.jira
    ids = {name: jira.status_id(name) for name in STATUSES}  # tuple order: stable ids
    for plan in issues:
        histories: list[JiraHistory] = []
        status = plan.initial
        for at, to, who, with_assignee in plan.transitions:
            changes = []
            if with_assignee and plan.assignee is not None:
                changes.append(JiraHistoryItem("assignee", None, None, plan.assignee.jira_id,
                                               plan.assignee.name))
            changes.append(JiraHistoryItem("status", ids[status], status, ids[to], to))
            histories.append(JiraHistory(str(jira.next_history_id), at, who.jira_id, changes))
            jira.next_history_id += 1
            status = to
        # a priority change: a history without a status item
        if plan.issue_type == "Story" and rng.random() < 0.1:
            at = plan.created + hours(rng.uniform(1, 48))
            if at <= world.now:
                item = JiraHistoryItem("priority", "3", "Medium", "2", "High")
                histories.append(JiraHistory(str(jira.next_history_id), at,
                                             plan.reporter.jira_id, [item]))
                jira.next_history_id += 1
                histories.sort(key=lambda h: h.created)
        picked = plan.assignee if plan.transitions and plan.status != "Backlog" else None
        jira.issues[plan.key] = JiraIssue(
            id=str(jira.next_issue_id), key=plan.key, project=team.key,
            issue_type=plan.issue_type, summary=plan.summary, created=plan.created,
            updated=histories[-1].created if histories else plan.created, status=status,
            reporter_account_id=plan.reporter.jira_id,
            assignee_account_id=picked.jira_id if picked else None,
            resolutiondate=plan.done_at if status == "Done" else None, histories=histories,
        )
        jira.next_issue_id += 1


def _pull_intent(world: World, team: TeamPlan, pr: PrPlan, projects: frozenset[str]) -> PullIntent:
    pull = world.github.repos[pr.repo].pulls[pr.number]
    keys = {k for text in (pull.title, pull.head_ref, pull.body) for k in KEY_RE.findall(text)
            if k.rsplit("-", 1)[0] in projects}
    humans = [at for at, login, _ in pr.reviews
              if login != pr.author and login not in BOTS
              and (pr.merged is None or at < pr.merged)]
    return PullIntent(
        team.name, pr.repo, pr.number, pr.author, pr.bot, pr.opened, pr.merged, pr.closed,
        min(humans) if humans else None, tuple(sorted(keys)),
        pr.revert_of.number if pr.revert_of else None,
    )


def _release_intents(
    team: TeamPlan, releases: list[ReleasePlan], reverts: list[Revert],
    incidents: list[tuple[ItemPlan, ReleasePlan | None]], intent: Intent,
) -> None:
    """Each release, and whether (and why) it fails by the definition in docs/metrics.md."""
    for rel in releases:
        reasons: list[str] = []
        if rel.eligible:
            nxt = [r.at for r in releases if r.repo == rel.repo and r.kind == REGULAR
                   and r.at > rel.at]
            limit = min([rel.at + FAILURE_WINDOW, *nxt])

            def inside(at: datetime, rel: ReleasePlan = rel, limit: datetime = limit) -> bool:
                # within the failure window and before the repository's next regular release
                return rel.at < at <= limit and (at < limit or at == rel.at + FAILURE_WINDOW)

            reasons += [f"hotfix {h.tag}" for h in releases
                        if h.repo == rel.repo and h.kind == HOTFIX and h is not rel
                        and inside(h.at)]
            reasons += [f"revert #{r.pr.number}" for r in reverts
                        if r.release is rel and r.pr.merged is not None and inside(r.pr.merged)]
            reasons += [f"incident {i.key}" for i, follows in incidents
                        if follows is rel and inside(i.created)]
        intent.releases.append(ReleaseIntent(
            team.name, rel.repo, rel.release_id, rel.tag,
            None if rel.kind == DRAFT else rel.at, rel.kind == DRAFT, rel.kind == "prerelease",
            rel.kind == HOTFIX, bool(reasons), tuple(reasons),
        ))


def _fix_versions(
    world: World, team: TeamPlan, releases: list[ReleasePlan], items: list[ItemPlan],
) -> None:
    """Jira versions mirroring the first repository's regular releases; done items get one."""
    jira = world.jira
    versions: list[tuple[date | None, str]] = []
    for rel in releases:
        if rel.repo != team.repos[0] or rel.kind not in (REGULAR, DRAFT):
            continue
        vid = str(20_000 + len(jira.versions))
        released = rel.kind == REGULAR
        day = rel.at.date() if released else None
        jira.versions[vid] = JiraVersion(vid, team.key, rel.tag.lstrip("v"), released, day)
        versions.append((day, vid))
    for item in items:
        if item.done_at is None:
            continue
        done_day = item.done_at.date()
        for day, vid in versions:
            if day is None or day >= done_day:
                jira.issues[item.key].fix_version_ids.append(vid)
                break
