"""Every config error names its key path, all problems are listed at once."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot.config.settings import SettingsError, load_settings, parse_settings

BASE: dict[str, Any] = {
    "teams": {
        "payments": {
            "jira": {"project": "PAY"},
            "github": {"repos": ["acme/payments-api"]},
            "slack": {"channel": "C0PAYMENTS"},
            "workflow": {
                "handoff": ["Ready for Development"],
                "started": ["In Progress"],
                "done": ["Done"],
            },
        }
    }
}
DELETE = object()
T = "teams.payments"


def broken(*changes: tuple[str, object]) -> dict[str, Any]:
    """BASE with each dotted ``path`` set to a value (or deleted)."""
    data = copy.deepcopy(BASE)
    for path, value in changes:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


def problems(data: object) -> tuple[str, ...]:
    with pytest.raises(SettingsError) as caught:
        parse_settings(data)
    return caught.value.problems


CASES: list[tuple[tuple[tuple[str, object], ...], str]] = [
    # top level
    (
        (("timezone", "Mars/Olympus"),),
        'timezone: expected an IANA timezone like "Europe/London", got "Mars/Olympus"',
    ),
    (
        (("working_hours", {"start": "9am"}),),
        'working_hours.start: expected a time like "09:00", got "9am"',
    ),
    (
        (("working_hours", {"start": "17:00", "end": "09:00"}),),
        "working_hours.end: expected a time after start (17:00), got 09:00",
    ),
    (
        (("working_hours", {"strat": "09:00"}),),
        'working_hours.strat: unknown key (did you mean "start"?)',
    ),
    (
        (("workdays", ["mon", "funday"]),),
        'workdays[1]: expected a weekday (mon, tue, wed, thu, fri, sat, sun), got "funday"',
    ),
    ((("workdays", []),), "workdays: expected at least 1 item(s), got 0"),
    ((("workdays", "mon"),), 'workdays: expected a list, got "mon"'),
    (
        (("holidays", "XX"),),
        'holidays: expected a country code the holidays package knows, like "GB", got "XX"',
    ),
    (
        (("slash_command", "crosswalk"),),
        'slash_command: expected a slash command like "/crosswalk", got "crosswalk"',
    ),
    ((("poll_interval", "soon"),), 'poll_interval: expected a duration like "2d", got "soon"'),
    ((("initial_history", 90),), 'initial_history: expected a duration like "2d", got 90'),
    ((("admins", ["bob"]),), 'admins[0]: expected a Slack user id like "U012ABCDEF", got "bob"'),
    ((("teams", {}),), "teams: expected at least 1 item(s), got 0"),
    ((("teams", "payments"),), 'teams: expected a mapping (key: value), got "payments"'),
    ((("team", {}),), 'team: unknown key (did you mean "teams"?)'),
    # one team
    (
        (("teams.Payments Team", copy.deepcopy(BASE["teams"]["payments"])),),
        'teams."Payments Team": expected a team name of lowercase letters, digits, "-" and "_"'
        ' like "payments", got "Payments Team"',
    ),
    (((T, "x"),), f'{T}: expected a mapping (key: value), got "x"'),
    (((f"{T}.foo", 1),), f"{T}.foo: unknown key"),
    (((f"{T}.alert", {}),), f'{T}.alert: unknown key (did you mean "alerts"?)'),
    (
        ((f"{T}.jira", DELETE), (f"{T}.github", DELETE)),
        f"{T}.jira: a team needs jira, github or both",
    ),
    (
        ((f"{T}.jira", {"project": "pay"}),),
        f'{T}.jira.project: expected a Jira project key like "PAY", got "pay"',
    ),
    (
        ((f"{T}.jira", {"project": "PAY", "jql": "x"}),),
        f"{T}.jira.project: expected exactly one of project or jql",
    ),
    (((f"{T}.jira", {}),), f"{T}.jira.project: expected exactly one of project or jql"),
    (((f"{T}.jira", {"jql": " "}),), f'{T}.jira.jql: expected a JQL query, got " "'),
    (((f"{T}.jira", {"board": 1}),), f"{T}.jira.board: unknown key"),
    (((f"{T}.github.repos", []),), f"{T}.github.repos: expected at least 1 item(s), got 0"),
    (
        ((f"{T}.github.repos", ["payments-api"]),),
        f'{T}.github.repos[0]: expected a repository like "acme/payments-api", got "payments-api"',
    ),
    (((f"{T}.slack", DELETE),), f"{T}.slack: required key is missing"),
    (
        ((f"{T}.slack.channel", "payments"),),
        f'{T}.slack.channel: expected a channel id like "C0PAYMENTS" or a name like "#payments",'
        ' got "payments"',
    ),
    (
        ((f"{T}.people", {"product": ["alice"]}),),
        f'{T}.people.product[0]: expected an email address like "alice@acme.example", got "alice"',
    ),
    (((f"{T}.people", {"design": []}),), f"{T}.people.design: unknown key"),
    (
        ((f"{T}.people", {"github": {"bob-smith": "bob"}}),),
        f'{T}.people.github.bob-smith: expected an email address like "alice@acme.example", '
        'got "bob"',
    ),
    (
        ((f"{T}.people", {"github": {"bob smith": "bob@acme.example"}}),),
        f'{T}.people.github."bob smith": expected a GitHub login like "bob-smith", '
        'got "bob smith"',
    ),
    (((f"{T}.workflow", DELETE),), f"{T}.workflow: required key is missing (the team has jira)"),
    (((f"{T}.workflow.handoff", DELETE),), f"{T}.workflow.handoff: required key is missing"),
    (((f"{T}.workflow.done", "Done"),), f'{T}.workflow.done: expected a list, got "Done"'),
    (
        ((f"{T}.workflow.started", ["Ready for Development"]),),
        f'{T}.workflow.started: status "Ready for Development" is already listed under handoff',
    ),
    (
        ((f"{T}.workflow.returned", [""]),),
        f'{T}.workflow.returned[0]: expected a status name, got ""',
    ),
    (
        ((f"{T}.releases", {"source": "gitlab"}),),
        f'{T}.releases.source: expected github, deployments, tags or jira, got "gitlab"',
    ),
    (
        ((f"{T}.releases", {"source": "tags"}),),
        f'{T}.releases.tag_pattern: required key is missing (source is "tags")',
    ),
    (
        ((f"{T}.releases", {"source": "tags", "tag_pattern": "^v(\\d+"}),),
        f'{T}.releases.tag_pattern: expected a regular expression, got "^v(\\d+" (missing ),'
        " unterminated subpattern at position 2)",
    ),
    (
        ((f"{T}.releases", {"source": "deployments", "environments": []}),),
        f"{T}.releases.environments: expected at least 1 item(s), got 0",
    ),
    (
        ((f"{T}.releases", {"source": "jira"}), (f"{T}.jira", DELETE), (f"{T}.workflow", DELETE)),
        f'{T}.releases: source "jira" needs the team to have jira',
    ),
    (
        ((f"{T}.releases", {"failure_window": "3 days"}),),
        f'{T}.releases.failure_window: expected a duration like "2d", got "3 days"',
    ),
    (
        ((f"{T}.incidents", {"issue_types": "Incident"}),),
        f'{T}.incidents.issue_types: expected a list, got "Incident"',
    ),
    (
        ((f"{T}.digest", {"day": "someday"}),),
        f'{T}.digest.day: expected a weekday (mon, tue, wed, thu, fri, sat, sun), got "someday"',
    ),
    (
        ((f"{T}.digest", {"time": "25:00"}),),
        f'{T}.digest.time: expected a time like "09:00", got "25:00"',
    ),
    (
        ((f"{T}.alerts", {"handoff_waiting": "soon"}),),
        f'{T}.alerts.handoff_waiting: expected a duration like "2d", got "soon"',
    ),
    (
        ((f"{T}.alerts", {"review_waiting": "0d"}),),
        f'{T}.alerts.review_waiting: expected a duration like "2d", got "0d"',
    ),
    (
        ((f"{T}.alerts", {"unreleased": None}),),
        f'{T}.alerts.unreleased: expected a duration like "2d", got nothing',
    ),
    (
        ((f"{T}.timezone", "London"),),
        f'{T}.timezone: expected an IANA timezone like "Europe/London", got "London"',
    ),
    (
        ((f"{T}.working_hours", {"end": "24:00"}),),
        f'{T}.working_hours.end: expected a time like "09:00", got "24:00"',
    ),
    (((f"{T}.workdays", []),), f"{T}.workdays: expected at least 1 item(s), got 0"),
    # Edge durations that once passed validation and crashed the sync.
    (
        (("initial_history", "999999d"),),
        'initial_history: a duration of at most 36500d (100 years), got "999999d"',
    ),
    (
        ((f"{T}.releases", {"failure_window": "99999999d"}),),
        f"{T}.releases.failure_window: a duration of at most 36500d (100 years),"
        ' got "99999999d"',
    ),
    (
        ((f"{T}.targets", {"change_failure_rate": "115%"}),),
        f'{T}.targets.change_failure_rate: expected a percentage from 0% to 100% like "15%",'
        ' got "115%"',
    ),
    (
        ((f"{T}.targets", {"lead_time": "fast"}),),
        f'{T}.targets.lead_time: expected a duration like "2d", got "fast"',
    ),
    (
        ((f"{T}.targets", {"speed": "1d"}),),
        f"{T}.targets.speed: unknown key",
    ),
    (
        ((f"{T}.review", {"every": "week"}),),
        f'{T}.review.every: expected month or quarter, got "week"',
    ),
    (
        ((f"{T}.review", {"every": "month", "day": 31}),),
        f"{T}.review.day: input should be less than or equal to 28, got 31",
    ),
    (
        ((f"{T}.holidays", "England"),),
        f'{T}.holidays: expected a country code the holidays package knows, like "GB",'
        ' got "England"',
    ),
]


@pytest.mark.parametrize(
    ("changes", "expected"), CASES, ids=[case[1].split(":")[0] for case in CASES]
)
def test_each_bad_value_is_reported_at_its_key_path(
    changes: tuple[tuple[str, object], ...], expected: str
) -> None:
    assert problems(broken(*changes)) == (expected,)


def test_the_issue_example_message_is_exact() -> None:
    data = broken((f"{T}.alerts", {"handoff_waiting": "soon"}))
    assert problems(data) == (
        'teams.payments.alerts.handoff_waiting: expected a duration like "2d", got "soon"',
    )


def test_all_problems_are_listed_at_once_in_document_order() -> None:
    data = broken(
        ("timezone", "Nowhere/Special"),
        (f"{T}.foo", 1),
        (f"{T}.alerts", {"handoff_waiting": "soon"}),
        (f"{T}.slack.channel", "nope"),
    )
    found = problems(data)
    assert len(found) == 4
    assert [line.split(":")[0] for line in found] == [
        "timezone",
        f"{T}.slack.channel",
        f"{T}.alerts.handoff_waiting",
        f"{T}.foo",
    ]


def test_top_level_that_is_not_a_mapping_is_reported() -> None:
    assert problems(["teams"]) == ("(top level): expected a mapping (key: value)",)


def test_error_message_names_the_file_and_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "crosswalk.yaml"
    path.write_text("poll_interval: soon\nteams: {}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert message.splitlines() == [
        f"{path}: 2 problems",
        '  poll_interval: expected a duration like "2d", got "soon"',
        "  teams: expected at least 1 item(s), got 0",
    ]


def test_duplicate_yaml_key_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "crosswalk.yaml"
    path.write_text("timezone: UTC\nteams: {}\ntimezone: Europe/London\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert caught.value.problems == ("line 3, column 1: not valid YAML: duplicate key 'timezone'",)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "crosswalk.yaml"
    path.write_text("teams:\n  payments: [\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings(path)
    assert caught.value.problems[0].startswith("line 3, column 1: not valid YAML:")


def test_missing_file_says_how_to_point_at_one(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path / "absent.yaml")
    assert "absent.yaml: 1 problem" in str(caught.value)
    assert "CROSSWALK_CONFIG" in caught.value.problems[0]


def test_teams_sharing_a_repository_must_read_its_releases_the_same_way() -> None:
    data = copy.deepcopy(BASE)
    data["teams"]["payments"]["releases"] = {"source": "deployments"}
    data["teams"]["billing"] = {
        "github": {"repos": ["acme/payments-api"]}, "slack": {"channel": "C0BILLING"},
        "releases": {"source": "tags", "tag_pattern": "^v"},
    }
    assert problems(data) == (
        "teams.billing.releases: acme/payments-api is also in team 'payments', whose releases"
        " are read differently; teams sharing a repository need the same source, environments"
        " and tag_pattern",
    )
    data["teams"]["billing"]["releases"] = {"source": "deployments",
                                            "environments": ["PRODUCTION"]}
    parse_settings(data)  # environment names compare ignoring case
    data["teams"]["billing"]["releases"] = {"source": "jira"}
    data["teams"]["billing"]["jira"] = {"project": "BIL"}
    data["teams"]["billing"]["workflow"] = data["teams"]["payments"]["workflow"]
    parse_settings(data)  # fixVersions teams read no GitHub releases
