"""All of one team's facts from its raw records, and the week selection the store mirrors.

``derive_team_facts`` is what sync computes (per changed item/PR/release in practice);
``select_week`` is the in-memory reference of the store's window queries.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.flow.derive_items import (
    delivered_from_github,
    delivered_from_jira,
    derive_handoffs,
    derive_item_fact,
    derive_spans,
)
from bot.flow.derive_releases import attribute_incident, derive_pr_fact, derive_release_facts
from bot.flow.facts import HandoffFact, IncidentFact, ItemFact, PrFact, ReleaseFact, StatusSpan
from bot.flow.linking import extract_keys
from bot.flow.metrics import waiting_at
from bot.flow.model import (
    Containment,
    FixVersion,
    PullRequest,
    Release,
    Review,
    StatusChange,
    TeamFlow,
    WorkItem,
)
from bot.flow.report import WeekData, snapshot_instant
from bot.flow.stages import ItemHistory, item_history
from bot.flow.weeks import IsoWeek


@dataclass(frozen=True, slots=True)
class TeamFacts:
    """Every derived fact of one team."""

    handoffs: tuple[HandoffFact, ...]
    spans: tuple[StatusSpan, ...]
    items: tuple[ItemFact, ...]
    prs: tuple[PrFact, ...]
    releases: tuple[ReleaseFact, ...]
    incidents: tuple[IncidentFact, ...]
    first_release_at: datetime | None
    histories: tuple[ItemHistory, ...] = ()  # every item's spans and linked human PRs


def derive_team_facts(
    team: TeamFlow,
    items: Sequence[WorkItem],
    changes: Sequence[StatusChange],
    prs: Sequence[PullRequest],
    reviews: Sequence[Review],
    releases: Sequence[Release],
    containments: Sequence[Containment],
    versions: Sequence[FixVersion] = (),
    projects: Collection[str] | None = None,
) -> TeamFacts:
    """Derive every fact of ``team`` from raw records (``projects``: all configured ones)."""
    keys_of = projects if projects is not None else team.projects
    # Linking and delivery look at every repository's PRs (a PR links to keys of any
    # configured project); the PR figures and release facts use the team's repositories.
    team_prs = [p for p in prs if p.repo in team.repos]
    team_rels = [r for r in releases if r.repo in team.repos]
    rel_by_id = {(r.repo, r.release_id): r for r in releases}
    containing: dict[tuple[str, int], list[Release]] = {}
    for c in containments:
        rel = rel_by_id.get((c.repo, c.release_id))
        if rel is not None:
            containing.setdefault((c.repo, c.pr_number), []).append(rel)
    all_pr_facts = [derive_pr_fact(p, reviews, containing.get((p.repo, p.number), [])) for p in prs]
    pr_facts = [f for f in all_pr_facts if f.repo in team.repos]
    released_at = {f"{f.repo}#{f.number}": f.released_at for f in all_pr_facts}
    linked: dict[str, list[PullRequest]] = {}
    for p in prs:
        for key in extract_keys(p.title, p.head_ref, p.body, keys_of):
            linked.setdefault(key, []).append(p)
    by_version = {v.version_id: v for v in versions}
    handoffs: list[HandoffFact] = []
    spans: list[StatusSpan] = []
    item_facts: list[ItemFact] = []
    histories: list[ItemHistory] = []
    changes_of: dict[str, list[StatusChange]] = {}
    for change in changes:
        changes_of.setdefault(change.item_key, []).append(change)
    for item in items:
        item_changes = changes_of.get(item.key, [])
        mine = linked.get(item.key, [])
        item_handoffs = derive_handoffs(item, item_changes, mine, team.workflow)
        handoffs.extend(item_handoffs)
        item_spans = derive_spans(item, item_changes)
        spans.extend(item_spans)
        histories.append(item_history(item.key, item_spans, mine))
        if team.release_source == "jira":
            delivered = delivered_from_jira(item, by_version, team.calendar.timezone)
        else:
            delivered = delivered_from_github(item, mine, released_at, team.workflow)
        item_facts.append(derive_item_fact(item, item_handoffs, delivered))
    incidents = [
        attribute_incident(i, team_rels) for i in items if i.issue_type in team.incident_types
    ]
    release_facts = derive_release_facts(
        team_rels, team_prs, containments, incidents, team.hotfix_pattern, team.failure_window
    )
    first_release = min((r.published_at for r in release_facts), default=None)
    if team.release_source == "jira":
        dated = [
            at
            for v in versions
            if v.project in team.projects
            and (at := _version_instant(v, team.calendar.timezone)) is not None
        ]
        first_release = min(dated, default=None)
    return TeamFacts(
        handoffs=tuple(handoffs),
        spans=tuple(spans),
        items=tuple(item_facts),
        prs=tuple(pr_facts),
        releases=tuple(release_facts),
        incidents=tuple(incidents),
        first_release_at=first_release,
        histories=tuple(histories),
    )


def _version_instant(version: FixVersion, timezone: str) -> datetime | None:
    if not version.released or version.release_date is None:
        return None
    return datetime.combine(version.release_date, time(0, 0), ZoneInfo(timezone)).astimezone(UTC)


def _in(t: datetime | None, start: datetime, end: datetime) -> bool:
    return t is not None and start <= t < end


def select_week(facts: TeamFacts, team: TeamFlow, week: IsoWeek, now: datetime) -> WeekData:
    """The exact ``WeekData`` the store's queries must return for this team-week."""
    s, e = week.start.astimezone(UTC), week.end.astimezone(UTC)
    at = snapshot_instant(week, now)
    delivered = {i.item_key for i in facts.items if _in(i.delivered_at, s, e)}
    return WeekData(
        handoffs_started=tuple(h for h in facts.handoffs if _in(h.started_at, s, e)),
        handoffs_ended=tuple(h for h in facts.handoffs if _in(h.ended_at, s, e)),
        handoffs_waiting=tuple(waiting_at(facts.handoffs, at)),
        wip_spans=tuple(
            x
            for x in facts.spans
            if x.status in team.workflow.started and x.start < at and (x.end is None or x.end >= at)
        ),
        items_delivered=tuple(i for i in facts.items if _in(i.delivered_at, s, e)),
        first_release_at=facts.first_release_at,
        prs_opened=tuple(p for p in facts.prs if _in(p.opened_at, s, e)),
        prs_merged=tuple(p for p in facts.prs if _in(p.merged_at, s, e)),
        prs_first_reviewed=tuple(p for p in facts.prs if _in(p.first_review_at, s, e)),
        releases=tuple(r for r in facts.releases if _in(r.published_at, s, e)),
        incidents_resolved=tuple(i for i in facts.incidents if _in(i.resolved, s, e)),
        prs_released=tuple(p for p in facts.prs if _in(p.released_at, s, e)),
        histories=tuple(h for h in facts.histories if h.item_key in delivered),
    )
