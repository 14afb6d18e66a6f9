"""The Jira sandbox's JQL subset: what it accepts, how it reads dates, what it refuses."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations.sandbox.jira.jql import JqlError, Query, parse
from integrations.sandbox.world import JiraIssue, utc

NY = ZoneInfo("America/New_York")
NOW = utc(2026, 11, 20, 12)


def issue(key: str, *, updated_minute: int = 0, issue_type: str = "Story",
          status: str = "Done", ident: str = "") -> JiraIssue:
    at = utc(2026, 11, 9, 19, updated_minute)  # 14:xx in New York (EST, UTC-5)
    project = key.split("-")[0]
    return JiraIssue(ident or key.split("-")[1], key, project, issue_type, "s", at, at, status,
                     "acc")


def q(jql: str) -> Query:
    return parse(jql, tz=NY, now=NOW, projects={"PAY", "WEB"})


def keys(query: Query, issues: list[JiraIssue]) -> list[str]:
    return [i.key for i in query.sort([i for i in issues if query.matches(i)])]


def test_date_is_read_in_user_timezone_at_minute_precision() -> None:
    issues = [issue("PAY-1", updated_minute=4), issue("PAY-2", updated_minute=5),
              issue("PAY-3", updated_minute=6)]
    assert keys(q('updated >= "2026-11-09 14:05"'), issues) == ["PAY-2", "PAY-3"]
    assert keys(q('updated > "2026/11/09 14:05"'), issues) == ["PAY-3"]
    assert keys(q('updated < "2026-11-09 14:05"'), issues) == ["PAY-1"]
    assert keys(q("updated <= 2026/11/09"), issues) == []  # midnight in New York


def test_relative_dates_count_back_from_now() -> None:
    recent = issue("PAY-1")
    assert q("updated >= -15d").matches(recent)
    assert not q('updated >= "-1w 2d"').matches(recent)


def test_project_issuetype_key_status_and_boolean_logic() -> None:
    issues = [issue("PAY-1", issue_type="Incident"), issue("WEB-2", status="In Progress"),
              issue("PAY-3")]
    assert keys(q("project = pay AND issuetype = incident"), issues) == ["PAY-1"]
    assert keys(q('project in (PAY, "WEB") AND NOT status = Done'), issues) == ["WEB-2"]
    assert keys(q("key in (PAY-3, WEB-2) OR (issuetype in (Incident))"), issues) == [
        "PAY-1", "WEB-2", "PAY-3"]
    assert keys(q("project = WEB OR project = PAY AND status != Done"), issues) == ["WEB-2"]


def test_order_by_with_stable_tie_break_by_id() -> None:
    a = issue("PAY-10", updated_minute=1, ident="30")
    b = issue("PAY-2", updated_minute=1, ident="20")
    c = issue("PAY-3", updated_minute=0, ident="40")
    assert keys(q("project = PAY ORDER BY updated ASC"), [a, b, c]) == ["PAY-3", "PAY-2", "PAY-10"]
    assert keys(q("project = PAY ORDER BY updated DESC"), [a, b, c]) == [
        "PAY-2", "PAY-10", "PAY-3"]
    assert keys(q("ORDER BY key DESC"), [a, b, c]) == ["PAY-10", "PAY-3", "PAY-2"]


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("assignee = me", "Field 'assignee' does not exist"),
        ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
        ('updated >= "09/11/2026"', "Date value '09/11/2026' for field 'updated' is invalid."),
        ("updated >= startOfDay()", "Unable to find JQL function 'startOfDay()'"),
        ("project = PAY AND", "Error in the JQL Query: Expecting a field name but got end"),
        ("project = PAY ORDER BY summary", "Not able to sort using field 'summary'."),
        ("project = PAY project = WEB", "Expecting either 'AND', 'OR' or 'ORDER BY'"),
        ("project ~ PAY", "Expecting operator but got '~'"),
        ("project = PAY & x", "The character '&' is a reserved JQL character."),
    ],
)
def test_anything_outside_the_subset_is_refused_like_jira(jql: str, message: str) -> None:
    with pytest.raises(JqlError) as caught:
        q(jql)
    assert message in str(caught.value)


def test_period_without_sign_counts_forward() -> None:
    query = parse("created <= 1d", tz=NY, now=NOW)
    assert query.matches(issue("PAY-1"))
    assert not parse("created <= 1d", tz=NY, now=NOW - timedelta(days=30)).matches(
        JiraIssue("1", "PAY-1", "PAY", "Story", "s", NOW, NOW, "Done", "acc"))
