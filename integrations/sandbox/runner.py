"""Run the three sandbox servers for one World and point Crosswalk at them.

``with Sandbox(world) as box:`` starts Jira, GitHub and Slack on ephemeral 127.0.0.1
ports; :meth:`Sandbox.env` gives the environment that points the bot at them and
:meth:`Sandbox.write_config` a ready Crosswalk config for the scenario's teams.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from integrations.sandbox.github.server import GitHubServer
from integrations.sandbox.jira.server import JiraServer
from integrations.sandbox.slack.server import SlackServer
from integrations.sandbox.world import ScenarioTeam, World


class Sandbox:
    """The Jira, GitHub and Slack sandbox servers of one World, as a context manager."""

    def __init__(self, world: World, *, host: str = "127.0.0.1") -> None:
        self.world = world
        self.jira = JiraServer(world, host=host)
        self.github = GitHubServer(world, host=host)
        self.slack = SlackServer(world, host=host)

    def start(self) -> Sandbox:
        """Start the three servers (each on its own ephemeral port)."""
        started = []
        try:
            for server in (self.jira, self.github, self.slack):
                server.start()
                started.append(server)
        except BaseException:
            for server in started:
                server.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the servers and close their sockets."""
        for server in (self.slack, self.github, self.jira):
            server.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """The environment variables that point Crosswalk at this sandbox."""
        w = self.world
        return {
            "JIRA_URL": self.jira.url,
            "JIRA_EMAIL": w.jira.email,
            "JIRA_API_TOKEN": w.jira.api_token,
            "GITHUB_TOKEN": w.github.token,
            "GITHUB_API_URL": self.github.url,
            "SLACK_BOT_TOKEN": w.slack.bot_token,
            "SLACK_SIGNING_SECRET": w.slack.signing_secret,
            "SLACK_API_URL": f"{self.slack.url}/api/",
        }

    def write_config(self, path: str | Path) -> Path:
        """Write a Crosswalk YAML config for the scenario's teams; returns the path."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(scenario_config(self.world), sort_keys=False, width=100)
        header = f"# Crosswalk config for the sandbox scenario {self.world.name!r}\n"
        target.write_text(header + text, encoding="utf-8")
        return target

    def summary(self) -> str:
        """One line: what the scenario holds."""
        return summary_line(self.world)


def summary_line(world: World) -> str:
    """``scenario demo: 3 teams (payments, …), 128 items, 98 PRs, 24 releases, 39 production
    deployments`` (deployments only where some team ships by them)."""
    with world.lock:
        pulls = sum(len(r.pulls) for r in world.github.repos.values())
        releases = sum(len(r.releases) for r in world.github.repos.values())
        deployed = sum(1 for r in world.github.repos.values() for d in r.deployments
                       if d.environment == "production")
        names = [t.name for t in world.teams]
        shown = ", ".join(names[:6]) + (", …" if len(names) > 6 else "")
        more = f", {deployed} production deployments" if deployed else ""
        return (f"scenario {world.name}: {len(names)} teams ({shown}), "
                f"{len(world.jira.issues)} items, {pulls} PRs, {releases} releases{more}")


def scenario_config(world: World) -> dict[str, Any]:
    """The config (config/crosswalk.example.yaml) as plain data."""
    admins = [u.id for u in world.slack.users.values()
              if world.teams and u.email == world.teams[0].product_emails[0]]
    logins = {u.email: u.login for u in world.github.users.values() if u.email}
    return {
        "timezone": "Europe/London",
        "working_hours": {"start": "09:00", "end": "17:00"},
        "workdays": ["mon", "tue", "wed", "thu", "fri"],
        "holidays": "GB",
        "slash_command": "/crosswalk",
        "poll_interval": "10m",
        "initial_history": "180d",  # the scenario reaches ~23 weeks back (baseline releases)
        "admins": admins,
        "teams": {team.name: _team(team, logins) for team in world.teams},
    }


def _team(team: ScenarioTeam, logins: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if team.timezone != "Europe/London":
        out["timezone"] = team.timezone
    if team.holidays != "GB":
        out["holidays"] = team.holidays
    out.update({
        "jira": {"project": team.jira_project},
        "github": {"repos": list(team.repos)},
        "slack": {"channel": team.channel_id},
        "people": {"product": list(team.product_emails),
                   "engineering": list(team.engineering_emails),
                   # the engineers' GitHub logins: review alerts reach the reviewers asked
                   "github": {logins[e]: e for e in team.engineering_emails if e in logins}},
        "workflow": {"handoff": list(team.handoff), "started": list(team.started),
                     "returned": list(team.returned), "done": list(team.done)},
        "releases": _releases(team),
        "incidents": {"issue_types": list(team.incident_types)},
        "digest": {"day": "mon", "time": "09:00"},
        "alerts": {"handoff_waiting": "2d", "review_waiting": "1d", "unreleased": "5d"},
        # What such a turn-around aims for: releases every two weeks, under an hour down.
        "targets": dict(SCENARIO_TARGETS),
        "review": {"every": "month", "day": 1, "time": "09:00"},
    })
    return out


def _releases(team: ScenarioTeam) -> dict[str, Any]:
    out: dict[str, Any] = {"source": team.release_source}
    if team.release_source == "deployments":
        out["environments"] = list(team.environments)
    if team.release_source == "tags":
        out["tag_pattern"] = team.tag_pattern
    return {**out, "hotfix_pattern": "(?i)hotfix", "failure_window": "72h"}


SCENARIO_TARGETS = {"lead_time": "10d", "handoff_delay": "1d", "release_interval": "14d",
                    "change_failure_rate": "15%", "downtime": "1h"}
