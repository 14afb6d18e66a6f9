"""A tiny deterministic Jira world for the Jira sandbox and adapter tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from integrations.sandbox.slack.state import SlackState
from integrations.sandbox.world import (
    GitHubState,
    JiraHistory,
    JiraHistoryItem,
    JiraIssue,
    JiraProject,
    JiraState,
    JiraUser,
    JiraVersion,
    ScenarioTeam,
    World,
    utc,
)

EMAIL = "bot@acme.example"
TOKEN = "jira-token-123"
STATUSES = ["Backlog", "Ready for Development", "In Progress", "In Review", "Done"]
START = utc(2026, 9, 1, 9)


def build_world(
    *, issues: int = 12, histories: int = 4, time_zone: str = "Europe/London",
    deployment_type: str = "Cloud", token: str = TOKEN,
) -> World:
    """Projects PAY and WEB; ``issues`` issues each with ``histories`` status changes."""
    me = JiraUser("acc-bot", "Crosswalk Bot", EMAIL, time_zone)
    dev = JiraUser("acc-dev", "Dana Dev", "dana@acme.example", "America/New_York")
    jira = JiraState(myself=me, email=EMAIL, api_token=token, deployment_type=deployment_type)
    jira.users = {me.account_id: me, dev.account_id: dev}
    for index, key in enumerate(("PAY", "WEB")):
        jira.projects[key] = JiraProject(str(10_000 + index), key, f"{key} team", dev.account_id)
    jira.versions["20001"] = JiraVersion("20001", "PAY", "2026.3", True, date(2026, 9, 30))
    jira.versions["20002"] = JiraVersion("20002", "PAY", "2026.4", False, date(2026, 12, 31))
    jira.versions["20003"] = JiraVersion("20003", "WEB", "web-1", False, None)
    for n in range(issues):
        project = "PAY" if n % 3 else "WEB"
        created = START + timedelta(hours=n * 7)
        issue = JiraIssue(
            id=str(jira.next_issue_id), key=f"{project}-{n + 1}", project=project,
            issue_type="Incident" if n % 5 == 4 else "Story", summary=f"Item {n + 1}",
            created=created, updated=created, status=STATUSES[0],
            reporter_account_id=dev.account_id, assignee_account_id=None,
            fix_version_ids=["20001"] if project == "PAY" and n % 2 else [],
        )
        jira.next_issue_id += 1
        jira.issues[issue.key] = issue
        add_histories(jira, issue, histories, created)
    team = ScenarioTeam("payments", "PAY", [], "C1", "payments", [], [])
    return World("jira-test", 1, utc(2026, 11, 20), jira, _github(), _slack(), [team])


def add_histories(jira: JiraState, issue: JiraIssue, count: int, start: datetime) -> None:
    """Append ``count`` status changes cycling through STATUSES, one per 90 minutes."""
    for step in range(count):
        at = start + timedelta(minutes=90 * (step + 1))
        to_status = STATUSES[(STATUSES.index(issue.status) + 1) % len(STATUSES)]
        items = [JiraHistoryItem("assignee", None, None, "acc-dev", "Dana Dev")] if step % 3 == 2 \
            else []
        items.append(JiraHistoryItem("status", jira.status_id(issue.status), issue.status,
                                     jira.status_id(to_status), to_status))
        issue.histories.append(JiraHistory(str(jira.next_history_id), at, "acc-dev", items))
        jira.next_history_id += 1
        issue.status = to_status
        issue.updated = max(issue.updated, at)
        if to_status == "Done":
            issue.resolutiondate = at


def _github() -> GitHubState:
    return GitHubState(token="gh-unused", viewer="bot")


def _slack() -> SlackState:
    return SlackState("T1", "acme", "xoxb-unused", "secret", "U1", "B1")
