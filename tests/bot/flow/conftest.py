"""A small raw-record world for golden tests: records → derive → select_week → report."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.flow.derive_team import TeamFacts, derive_team_facts, select_week
from bot.flow.model import (
    CalendarSpec,
    Containment,
    FixVersion,
    PullRequest,
    Release,
    Review,
    ReviewState,
    StatusChange,
    TeamFlow,
    Workflow,
    WorkItem,
)
from bot.flow.report import build_report
from bot.flow.sections import Report
from bot.flow.weeks import IsoWeek

READY = "Ready for Development"
BACKLOG = "Backlog"
PROGRESS = "In Progress"
CLARIFY = "Needs Clarification"
DONE = "Done"
REPO = "acme/payments-api"
LATER = datetime(2027, 6, 1, tzinfo=UTC)  # "now" for reports of past weeks


def make_team(timezone: str = "Europe/London", holidays: str | None = "GB", **kw: Any) -> TeamFlow:
    """The payments team of DESIGN.md's example config."""
    team = TeamFlow(
        name="payments",
        projects=("PAY",),
        repos=(REPO, "acme/payments-web"),
        workflow=Workflow(
            handoff=frozenset({READY, "Ready (groomed)"}),
            started=frozenset({PROGRESS, "In Review"}),
            returned=frozenset({CLARIFY}),
            done=frozenset({DONE}),
        ),
        calendar=CalendarSpec(timezone, holidays=holidays),
        incident_types=("Incident",),
    )
    return replace(team, **kw) if kw else team


@dataclass
class World:
    """Raw records of one team, built with local times of the team's timezone."""

    team: TeamFlow
    items: list[WorkItem] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)
    prs: list[PullRequest] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    containments: list[Containment] = field(default_factory=list)
    versions: list[FixVersion] = field(default_factory=list)

    def t(self, text: str) -> datetime:
        """``"2026-11-13 16:00"`` in the team's timezone, as UTC."""
        naive = datetime.strptime(text, "%Y-%m-%d %H:%M")
        return naive.replace(tzinfo=ZoneInfo(self.team.calendar.timezone)).astimezone(UTC)

    def item(
        self,
        key: str,
        created: str,
        status: str,
        *moves: tuple[str, str],
        issue_type: str = "Story",
        resolved: str | None = None,
        fix_versions: tuple[str, ...] = (),
    ) -> None:
        """An item created in ``status`` that then moves ``(when, to_status)`` in order."""
        current = status
        for n, (when, to) in enumerate(moves):
            hist = len(self.changes) + 1000
            self.changes.append(StatusChange(key, f"{hist}:{n}", self.t(when), current, to))
            current = to
        last = self.t(moves[-1][0]) if moves else self.t(created)
        self.items.append(
            WorkItem(
                key=key,
                project=key.split("-")[0],
                issue_type=issue_type,
                summary=key,
                status=current,
                created=self.t(created),
                updated=last,
                resolved=self.t(resolved) if resolved else None,
                fix_versions=fix_versions,
            )
        )

    def pr(
        self,
        number: int,
        title: str,
        opened: str,
        merged: str | None = None,
        *,
        repo: str = REPO,
        author: str = "dev",
        bot: bool = False,
        body: str = "",
        head: str = "feature",
        draft: bool = False,
    ) -> None:
        """A pull request (closed when merged)."""
        self.prs.append(
            PullRequest(
                repo=repo,
                number=number,
                title=title,
                body=body,
                head_ref=head,
                author=author,
                author_is_bot=bot,
                state="closed" if merged else "open",
                draft=draft,
                created_at=self.t(opened),
                updated_at=self.t(merged or opened),
                closed_at=self.t(merged) if merged else None,
                merged_at=self.t(merged) if merged else None,
                merge_commit_sha=f"sha{number}" if merged else None,
            )
        )

    def review(
        self,
        number: int,
        reviewer: str,
        when: str,
        state: ReviewState = ReviewState.APPROVED,
        *,
        bot: bool = False,
        repo: str = REPO,
    ) -> None:
        """A submitted review."""
        rid = len(self.reviews) + 1
        self.reviews.append(Review(repo, number, rid, reviewer, bot, state, self.t(when)))

    def release(
        self,
        release_id: int,
        tag: str,
        published: str,
        prs: tuple[int, ...] = (),
        *,
        repo: str = REPO,
        draft: bool = False,
        prerelease: bool = False,
        name: str | None = None,
        **shipped: Any,
    ) -> None:
        """A release whose range (previous eligible tag → tag) contains ``prs``; ``shipped``
        sets ``kind``, ``sha``, ``ref`` or ``rollback``."""
        when = self.t(published)
        created = when - timedelta(minutes=5)
        self.releases.append(Release(repo, release_id, tag, name or tag, draft, prerelease,
                                     created, when, **shipped))
        self.containments.extend(Containment(repo, release_id, n) for n in prs)

    def facts(self) -> TeamFacts:
        """Everything sync would derive."""
        return derive_team_facts(
            self.team,
            self.items,
            self.changes,
            self.prs,
            self.reviews,
            self.releases,
            self.containments,
            self.versions,
        )

    def typed_report(self, week: str, now: datetime = LATER) -> Report:
        """The report of ``week`` through the same path as sync + report."""
        iso = IsoWeek.parse(week, self.team.calendar.timezone)
        return build_report(self.team, iso, now, select_week(self.facts(), self.team, iso, now))

    def report(self, week: str, now: datetime = LATER) -> dict[str, Any]:
        """``typed_report`` as ``crosswalk report --format json`` prints it."""
        return self.typed_report(week, now).to_json()


@pytest.fixture
def world() -> World:
    """An empty world of the London payments team (GB holidays)."""
    return World(make_team())


@pytest.fixture
def ny_world() -> World:
    """An empty world of a New York team (US holidays)."""
    return World(make_team("America/New_York", "US"))
