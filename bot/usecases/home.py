"""Use-case: App Home. For the viewing user, what waits on them and their teams' outcomes.

"Their teams" are the teams listing the user among their people (config emails resolved
through the Slack user cache). Handoffs wait on the whole team (product to answer, engineering
to pick up), so every open handoff of the user's teams is shown. Reviews: the pull requests of
a team's repositories still waiting for a first review are shown to its ``engineering``
people, and to each requested reviewer whose GitHub login ``people.github`` maps to the
user (logins are never guessed). Outcomes are ``crosswalk report``'s numbers for this week
and last week.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.config.settings import Settings, TeamSettings
from bot.core.clock import Clock
from bot.core.ports import HomeMessenger
from bot.flow.periods import Period
from bot.flow.report import calendar_for
from bot.flow.review import target_entries
from bot.render.home import TeamOutcomes, WaitingHandoff, WaitingReview, render_home
from bot.usecases.commands import team_user_ids
from bot.usecases.people import People
from bot.usecases.reporting import team_report, week_of
from bot.usecases.stores import HomeStore

log = logging.getLogger(__name__)



class HomeService:
    """Builds and publishes the App Home view of one user."""

    def __init__(
        self, store: HomeStore, settings: Settings, messenger: HomeMessenger, clock: Clock,
    ) -> None:
        self.store = store
        self.settings = settings
        self.messenger = messenger
        self.clock = clock

    def publish(self, user_id: str) -> dict[str, Any]:
        """Render the user's home view and publish it with ``views.publish``; returns it."""
        view = self.view(user_id, self.clock())
        self.messenger.publish_home(user_id, view)
        log.info("home.published")
        return view

    def view(self, user_id: str, now: datetime) -> dict[str, Any]:
        """The home view of ``user_id`` at ``now`` (reads only)."""
        people = People(self.store, self.messenger, now)
        handoffs: list[WaitingHandoff] = []
        reviews: list[WaitingReview] = []
        outcomes: list[TeamOutcomes] = []
        for team in self.settings.teams.values():
            logins = self._logins_of(people, team, user_id)
            if user_id not in team_user_ids(people, team):
                reviews += self._reviews(team, now, logins) if logins else []
                continue
            handoffs += self._handoffs(team, now)
            if user_id in team_user_ids(people, team, ("engineering",)):
                reviews += self._reviews(team, now)
            elif logins:
                reviews += self._reviews(team, now, logins)
            flow = team.to_flow()
            week = week_of(flow, None, now)
            # The last four complete weeks as one period: stages and targets need a sample.
            four = Period(week.shifted(-4).monday, week.monday - timedelta(days=1),
                          flow.calendar.timezone)
            last_four = team_report(self.store, flow, four, now)
            outcomes.append(TeamOutcomes(
                team.name, team_report(self.store, flow, week, now),
                team_report(self.store, flow, week.shifted(-1), now),
                last_four, tuple(target_entries(flow.targets, last_four)),
            ))
        day_hours = self._day_hours(outcomes)
        return render_home(handoffs=handoffs, reviews=reviews, teams=outcomes,
                           day_hours=day_hours)

    def _handoffs(self, team: TeamSettings, now: datetime) -> list[WaitingHandoff]:
        facts = self.store.open_handoffs(team.name)
        items = {i.key: i for i in self.store.work_items([f.item_key for f in facts])}
        calendar = calendar_for(team.calendar)
        out = []
        for f in facts:
            item = items.get(f.item_key)
            hours = calendar.working_seconds(f.started_at, now) / 3600.0
            out.append(WaitingHandoff(team.name, f.item_key, item.summary if item else "",
                                      item.url if item else "", hours))
        return out

    @staticmethod
    def _logins_of(people: People, team: TeamSettings, user_id: str) -> set[str]:
        """The GitHub logins ``team``'s ``people.github`` maps to ``user_id`` (lower case)."""
        tz = team.calendar.timezone
        return {login.lower() for login, email in team.people.github.items()
                if any(r.user_id == user_id for r in people.recipients([email], tz))}

    def _reviews(
        self, team: TeamSettings, now: datetime, logins: set[str] | None = None
    ) -> list[WaitingReview]:
        """The team's PRs waiting for a first review; with ``logins``, those asking them."""
        calendar = calendar_for(team.calendar)
        return [
            WaitingReview(p.repo, p.number, p.title, p.url,
                          calendar.working_seconds(p.created_at, now) / 3600.0)
            for p in self.store.open_prs_without_review(team.repos)
            if logins is None or logins & {r.lower() for r in p.requested_reviewers}
        ]

    def _day_hours(self, outcomes: list[TeamOutcomes]) -> float:
        # One view, one unit: the first team's working day (8 h unless configured otherwise).
        if not outcomes:
            return 8.0
        return self.settings.teams[outcomes[0].team].calendar.working_day_seconds / 3600.0
