"""The workflows of the Jira sandbox's projects: ``GET project/{key}/statuses``."""

from __future__ import annotations

from typing import Any

from integrations.sandbox.jira.payloads import JiraPayloads
from integrations.sandbox.world import World


def project_statuses(world: World, key: str, render: JiraPayloads, base: str) -> list[Any]:
    """Each issue type of project ``key`` with its statuses: the workflows of the scenario's
    teams on the project, and every status its issues are or were in."""
    names: dict[str, None] = {}
    for team in world.teams:
        if team.jira_project == key:
            for group in (team.handoff, team.started, team.returned, team.done):
                names.update(dict.fromkeys(group))
    mine = [i for i in world.jira.issues.values() if i.key.startswith(f"{key}-")]
    for issue in mine:
        names[issue.status] = None
        for history in issue.histories:
            names.update(dict.fromkeys(i.to_string for i in history.items
                                       if i.field == "status" and i.to_string))
    types = sorted({i.issue_type for i in mine} or {"Story"})
    return [
        {"self": f"{base}/rest/api/2/issuetype/{n}", "id": str(n), "name": name,
         "subtask": False, "statuses": [render.status_json(s) for s in names]}
        for n, name in enumerate(types, 10000)
    ]
