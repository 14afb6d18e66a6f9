"""Jira REST payloads for the sandbox: users, statuses, versions, projects, issues, changelogs.

A :class:`JiraPayloads` renders ``world.jira`` the way Jira Cloud (or Server, by
``deployment_type``) shapes it, with timestamps in the *user's* timezone and ``self`` links
pointing back at the sandbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from integrations.sandbox.base import Response
from integrations.sandbox.world import JiraHistory, JiraIssue, JiraUser, JiraVersion, World

ALL_FIELDS = ("summary", "status", "issuetype", "project", "created", "updated",
              "resolutiondate", "fixVersions", "reporter", "assignee")
_CATEGORIES = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {
        "id": 4, "key": "indeterminate", "colorName": "yellow", "name": "In Progress"},
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}


def jira_time(moment: datetime, tz: ZoneInfo) -> str:
    """Jira's timestamp form, e.g. ``2026-11-09T14:53:30.153+0000``, in ``tz``."""
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}" + \
        local.strftime("%z")


def errors(*messages: str, status: int) -> Response:
    """Jira's ErrorCollection body."""
    return Response.json({"errorMessages": list(messages), "errors": {}}, status)


class JiraPayloads:
    """Renders ``world.jira`` for one request (``base`` is the URL the client used)."""

    def __init__(self, world: World, base: str, *, thin_versions: bool = False) -> None:
        self.world, self.base = world, base
        self.thin_versions = thin_versions  # embed fixVersions as {self, id, name} only

    @property
    def cloud(self) -> bool:
        """Whether the site claims ``deploymentType: Cloud``."""
        return self.world.jira.deployment_type == "Cloud"

    @property
    def tz(self) -> ZoneInfo:
        """The user's timezone, which Jira renders timestamps in."""
        return ZoneInfo(self.world.jira.myself.time_zone)

    def user_json(self, user: JiraUser, *, full: bool = False) -> dict[str, Any]:
        """A user as Jira embeds it (``full`` adds what ``/myself`` says)."""
        out: dict[str, Any] = {
            "self": f"{self.base}/rest/api/2/user?accountId={user.account_id}",
            "accountId": user.account_id, "accountType": "atlassian",
            "emailAddress": user.email,
            "avatarUrls": {s: f"https://avatar.example/{user.account_id}/{s}"
                           for s in ("16x16", "24x24", "32x32", "48x48")},
            "displayName": user.display_name, "active": True, "timeZone": user.time_zone,
        }
        if not self.cloud:
            out["name"] = out["key"] = user.email.split("@")[0]
        if full:
            out["locale"] = "en_US"
        return out

    def _user(self, account_id: str | None) -> JiraUser | None:
        jira = self.world.jira
        if account_id is None:
            return None
        if account_id == jira.myself.account_id:
            return jira.myself
        return jira.users.get(account_id) or JiraUser(account_id, account_id, "")

    def version_json(self, version: JiraVersion) -> dict[str, Any]:
        """A project version."""
        project = self.world.jira.projects.get(version.project)
        out: dict[str, Any] = {
            "self": f"{self.base}/rest/api/2/version/{version.id}", "id": version.id,
            "name": version.name, "archived": version.archived, "released": version.released,
            "projectId": int(project.id) if project else 0,
        }
        if version.release_date is not None:
            out["releaseDate"] = version.release_date.isoformat()
            out["userReleaseDate"] = version.release_date.strftime("%d/%b/%y")
            out["overdue"] = not version.released and version.release_date < self.world.now.date()
        return out

    def embedded_version(self, version: JiraVersion) -> dict[str, Any]:
        """A fix version as embedded in an issue (full, or thin when so configured)."""
        out = self.version_json(version)
        return {k: out[k] for k in ("self", "id", "name")} if self.thin_versions else out

    def status_json(self, name: str) -> dict[str, Any]:
        """A status with its category (from the scenario's team workflows)."""
        category = "new"
        for team in self.world.teams:
            if name in team.done:
                category = "done"
            elif name in team.started and category != "done":
                category = "indeterminate"
        if name.lower() in ("done", "closed", "resolved"):
            category = "done"
        status_id = self.world.jira.status_id(name)
        cat = dict(_CATEGORIES[category])
        cat["self"] = f"{self.base}/rest/api/2/statuscategory/{cat['id']}"
        return {"self": f"{self.base}/rest/api/2/status/{status_id}", "description": "",
                "iconUrl": "", "name": name, "id": status_id, "statusCategory": cat}

    def history_json(self, history: JiraHistory) -> dict[str, Any]:
        """One changelog history with its items."""
        author = self._user(history.author_account_id)
        out: dict[str, Any] = {"id": history.id, "created": jira_time(history.created, self.tz),
                               "items": []}
        if author is not None:
            out["author"] = self.user_json(author)
        for item in history.items:
            field_id = "fixVersions" if item.field == "Fix Version" else item.field.lower()
            out["items"].append({
                "field": item.field, "fieldtype": "jira", "fieldId": field_id,
                "from": item.from_id, "fromString": item.from_string,
                "to": item.to_id, "toString": item.to_string,
            })
        return out

    def issue_json(
        self, issue: JiraIssue, fields: set[str], *, expand: set[str],
        changelog_cap: int,
    ) -> dict[str, Any]:
        """An IssueBean with the asked ``fields`` and an inline changelog if expanded."""
        base, tz, jira = self.base, self.tz, self.world.jira
        out: dict[str, Any] = {"expand": "operations,versionedRepresentations,editmeta,changelog",
                               "id": issue.id, "self": f"{base}/rest/api/2/issue/{issue.id}",
                               "key": issue.key}
        values: dict[str, Any] = {
            "summary": lambda: issue.summary,
            "status": lambda: self.status_json(issue.status),
            "issuetype": lambda: {"self": f"{base}/rest/api/2/issuetype/1", "id": "1",
                                  "name": issue.issue_type, "subtask": False},
            "project": lambda: self.project_json(issue.project, brief=True),
            "created": lambda: jira_time(issue.created, tz),
            "updated": lambda: jira_time(issue.updated, tz),
            "resolutiondate": lambda: issue.resolutiondate and jira_time(issue.resolutiondate, tz),
            "fixVersions": lambda: [self.embedded_version(jira.versions[v])
                                    for v in issue.fix_version_ids if v in jira.versions],
            "reporter": lambda: self._user_or_none(issue.reporter_account_id),
            "assignee": lambda: self._user_or_none(issue.assignee_account_id),
        }
        if fields - {"id", "key"}:
            out["fields"] = {name: values[name]() for name in ALL_FIELDS if name in fields}
        if "changelog" in expand:
            shown = issue.histories[-changelog_cap:] if changelog_cap else []
            out["changelog"] = {
                "startAt": len(issue.histories) - len(shown), "maxResults": len(shown),
                "total": len(issue.histories),
                "histories": [self.history_json(h) for h in shown],
            }
        return out

    def _user_or_none(self, account_id: str | None) -> dict[str, Any] | None:
        user = self._user(account_id)
        return None if user is None else self.user_json(user)

    def project_json(self, key: str, *, brief: bool = False) -> dict[str, Any]:
        """A project (``brief`` is the form embedded in issues)."""
        project = self.world.jira.projects[key]
        out: dict[str, Any] = {"self": f"{self.base}/rest/api/2/project/{project.id}",
                               "id": project.id, "key": project.key, "name": project.name,
                               "projectTypeKey": "software", "simplified": False}
        if not brief:
            lead = self._user(project.lead_account_id)
            out.update(style="classic", isPrivate=False, properties={},
                       lead=self.user_json(lead) if lead else None)
        return out
