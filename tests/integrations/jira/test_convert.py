"""Jira JSON → domain records, and the incremental JQL: plain values, no server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.flow.model import StatusChange
from integrations.jira import convert

NY = ZoneInfo("America/New_York")


def test_jira_timestamps_become_aware_utc() -> None:
    assert convert.parse_time("2026-11-09T14:53:30.153+0000") == datetime(
        2026, 11, 9, 14, 53, 30, 153000, tzinfo=UTC)
    parsed = convert.parse_time("2026-07-01T09:00:00.000-0400")
    assert parsed == datetime(2026, 7, 1, 13, tzinfo=UTC) and parsed.tzinfo is UTC
    assert convert.parse_time("2026-07-01T09:00:00+0530") == datetime(2026, 7, 1, 3, 30,
                                                                       tzinfo=UTC)
    assert convert.parse_time("2026-07-01T09:00:00+02:00").hour == 7
    with pytest.raises(ValueError):
        convert.parse_time("2026-07-01T09:00:00")


def test_incremental_jql_subtracts_overlap_and_floors_to_the_minute_in_user_tz() -> None:
    since = datetime(2026, 1, 15, 17, 0, 59, tzinfo=UTC)  # EST (UTC-5) in January
    jql = convert.incremental_jql("project = PAY", since, timedelta(minutes=3), NY)
    assert jql == '(project = PAY) AND updated >= "2026-01-15 11:57" ORDER BY updated ASC'
    assert convert.incremental_jql("project = PAY", None, timedelta(minutes=3), NY) == (
        "(project = PAY) ORDER BY updated ASC")


def test_a_team_query_keeps_its_filter_but_not_its_order() -> None:
    assert convert.team_query("PAY") == 'project = "PAY"'
    assert convert.team_query("PAY", " project = PAY OR key in (OPS-1) ") == (
        "project = PAY OR key in (OPS-1)")
    jql = convert.incremental_jql("project = PAY order by key DESC", None, timedelta(0), NY)
    assert jql == "(project = PAY) ORDER BY updated ASC"
    with pytest.raises(ValueError):
        convert.team_query(None)


def test_status_change_ids_are_history_id_and_item_index() -> None:
    histories: list[dict[str, Any]] = [
        {"id": "10100", "created": "2026-03-02T10:00:00.000+0000", "items": [
            {"field": "assignee", "fieldId": "assignee", "fromString": None, "toString": "Al"},
            {"field": "status", "fieldId": "status", "from": "1", "fromString": "Backlog",
             "to": "2", "toString": "In Progress"},
        ]},
        {"id": "9999", "created": "2026-03-01T10:00:00.000+0100", "items": [
            {"field": "status", "fieldtype": "jira", "fromString": None, "toString": "Backlog"},
        ]},
    ]
    assert convert.status_changes("PAY-1", histories) == [
        StatusChange("PAY-1", "9999:0", datetime(2026, 3, 1, 9, tzinfo=UTC), None, "Backlog"),
        StatusChange("PAY-1", "10100:1", datetime(2026, 3, 2, 10, tzinfo=UTC), "Backlog",
                     "In Progress"),
    ]


def test_work_item_and_fix_versions_from_an_issue_bean() -> None:
    raw = {"id": "1", "key": "PAY-7", "fields": {
        "summary": "Refunds", "status": {"name": "Done"}, "issuetype": {"name": "Story"},
        "project": {"key": "PAY"}, "created": "2026-03-01T10:00:00.000+0000",
        "updated": "2026-03-05T10:00:00.000+0000", "resolutiondate": None,
        "fixVersions": [{"id": "5", "name": "2026.1", "released": True,
                         "releaseDate": "2026-03-31"}, {"id": "6", "name": "next"}],
    }}
    item = convert.work_item(raw, "https://acme.atlassian.net/")
    assert (item.key, item.project, item.status, item.resolved, item.fix_versions) == (
        "PAY-7", "PAY", "Done", None, ("5", "6"))
    assert item.url == "https://acme.atlassian.net/browse/PAY-7"
    versions = convert.issue_fix_versions(raw)
    assert [(v.version_id, v.released, v.release_date) for v in versions] == [
        ("5", True, date(2026, 3, 31)), ("6", False, None)]
    assert convert.max_updated([item]) == datetime(2026, 3, 5, 10, tzinfo=UTC)
    assert convert.max_updated([]) is None
