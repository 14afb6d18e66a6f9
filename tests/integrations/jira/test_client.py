"""JiraSource through the real ``jira`` library against the Jira sandbox: what it fetches."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, timedelta

import pytest

from bot.core.errors import ConfigError, IntegrationError, NotFound
from bot.core.ports import IssuePage, IssueSource
from bot.flow.model import StatusChange
from integrations.jira import JiraConfig, JiraSource
from integrations.sandbox.jira.server import JiraServer
from integrations.sandbox.world import World, utc
from tests.support.jira_world import add_histories, build_world

ALL = "project in (PAY, WEB)"
NO_OVERLAP = timedelta(0)


def expected_changes(world: World, key: str) -> list[StatusChange]:
    return [
        StatusChange(key, f"{h.id}:{n}", h.created, item.from_string, item.to_string or "")
        for h in world.jira.issues[key].histories
        for n, item in enumerate(h.items) if item.field == "status"
    ]


def search_queries(server: JiraServer) -> list[dict[str, list[str]]]:
    return [r.query for r in server.requests if r.path.endswith("/search/jql")]


def flatten(pages: list[IssuePage]) -> tuple[list[str], list[StatusChange]]:
    return [i.key for p in pages for i in p.items], [c for p in pages for c in p.changes]


def test_source_has_every_method_of_the_issue_source_protocol_with_its_parameters(
    source: JiraSource,
) -> None:
    # mypy checks the types; this checks at run time that no method is missing or renamed
    # and that each takes the protocol's parameters (names and kinds), as the sync calls them.
    wanted = [n for n, v in vars(IssueSource).items()
              if callable(v) and not n.startswith("_")]
    assert wanted  # the protocol has methods to compare
    for name in wanted:
        method = getattr(source, name, None)
        assert callable(method), f"JiraSource lacks {name}"
        expected = inspect.signature(getattr(IssueSource, name)).parameters
        actual = inspect.signature(method).parameters
        shape = [(p.name, p.kind) for p in list(expected.values())[1:]]  # without self
        assert [(p.name, p.kind) for p in actual.values()][: len(shape)] == shape, name


def test_full_fetch_pages_with_next_page_token_oldest_update_first(
    server: JiraServer, world: World, source: JiraSource
) -> None:
    server.search_page_cap = 7  # the adapter asks for 100; the site gives fewer
    pages = list(source.fetch_updated(ALL, None, overlap=NO_OVERLAP))
    keys, changes = flatten(pages)
    ordered = sorted(world.jira.issues.values(), key=lambda i: (i.updated, int(i.id)))
    assert keys == [i.key for i in ordered]
    assert len(pages) == 5
    for page in pages:
        assert page.cursor == max(i.updated for i in page.items)
        assert all(i.updated.tzinfo is UTC and i.created.tzinfo is UTC for i in page.items)
    assert [p.cursor for p in pages] == sorted(p.cursor for p in pages if p.cursor)
    assert sorted(changes, key=lambda c: c.change_id) == sorted(
        (c for key in world.jira.issues for c in expected_changes(world, key)),
        key=lambda c: c.change_id)
    queries = search_queries(server)
    assert len(queries) == 5 and "nextPageToken" not in queries[0]
    assert all("nextPageToken" in q for q in queries[1:])
    assert all(q["maxResults"] == ["100"] and q["expand"] == ["changelog"] for q in queries)
    assert all("*all" not in q["fields"] and "*navigable" not in q["fields"] for q in queries)
    assert queries[0]["jql"] == [f"({ALL}) ORDER BY updated ASC"]


def test_items_carry_fields_and_fix_versions_with_release_dates(
    world: World, source: JiraSource
) -> None:
    pages = list(source.fetch_updated("project = PAY", None, overlap=NO_OVERLAP))
    items = {i.key: i for p in pages for i in p.items}
    pay2 = items["PAY-2"]
    raw = world.jira.issues["PAY-2"]
    assert (pay2.status, pay2.issue_type, pay2.summary, pay2.created, pay2.updated) == (
        raw.status, raw.issue_type, raw.summary, raw.created, raw.updated)
    assert pay2.fix_versions == ("20001",) and pay2.url.endswith("/browse/PAY-2")
    versions = {v.version_id: v for p in pages for v in p.fix_versions}
    assert versions["20001"].released and versions["20001"].release_date == utc(
        2026, 9, 30).date()
    assert {v.name for v in source.versions("PAY")} == {"2026.3", "2026.4"}


def test_thin_embedded_fix_versions_are_completed_from_the_versions_endpoint(
    server: JiraServer, source: JiraSource
) -> None:
    server.thin_versions = True
    pages = list(source.fetch_updated("project = PAY", None, overlap=NO_OVERLAP))
    versions = {v.version_id: v for p in pages for v in p.fix_versions}
    assert versions["20001"].released and versions["20001"].release_date == utc(
        2026, 9, 30).date()
    assert [r.path for r in server.requests if r.path.endswith("/versions")] == [
        "/rest/api/2/project/PAY/versions"]  # once per page and project


def test_truncated_inline_changelog_is_completed_from_the_changelog_endpoint(
    server: JiraServer, world: World, source: JiraSource
) -> None:
    issue = world.jira.issues["WEB-4"]
    add_histories(world.jira, issue, 150, issue.updated)
    pages = list(source.fetch_updated("key = WEB-4", None, overlap=NO_OVERLAP))
    _, changes = flatten(pages)
    assert changes == expected_changes(world, "WEB-4")  # 153, oldest first, no duplicates
    fetched = [r.query for r in server.requests if r.path.endswith("/issue/WEB-4/changelog")]
    assert [q["startAt"] for q in fetched] == [["0"], ["100"]]  # 113 missing: two pages
    # every request is some page's cost: start-up, search and both changelog pages
    assert sum(p.requests for p in pages) == len(server.requests) == source.sent >= 4


def test_each_page_costs_what_it_sent_and_the_first_carries_the_start_up(
    server: JiraServer, source: JiraSource
) -> None:
    server.search_page_cap = 7
    pages = list(source.fetch_updated(ALL, None, overlap=NO_OVERLAP))
    assert [p.requests for p in pages[1:]] == [1] * (len(pages) - 1)
    assert sum(p.requests for p in pages) == len(server.requests) > len(pages)
    server.reset_log()
    again = list(source.fetch_updated(ALL, None, overlap=NO_OVERLAP))
    assert [p.requests for p in again] == [1] * len(again) and len(server.requests) == len(again)


def test_cursor_is_formatted_in_the_users_timezone_at_minute_precision(
    server: JiraServer,
) -> None:
    world = server.world = build_world(issues=30, time_zone="America/New_York")
    source = JiraSource(JiraConfig(server.url, world.jira.email, world.jira.api_token,
                                   timeout=5))
    since = utc(2026, 9, 3, 14, 7) + timedelta(seconds=45)
    pages = list(source.fetch_updated("project = PAY", since, overlap=timedelta(minutes=2)))
    jql = search_queries(server)[0]["jql"][0]
    # 14:05:45 UTC is 10:05 in New York (EDT); seconds are dropped (JQL has minutes only)
    assert jql == '(project = PAY) AND updated >= "2026-09-03 10:05" ORDER BY updated ASC'
    bound = utc(2026, 9, 3, 14, 5)
    expected = {i.key for i in world.jira.issues.values()
                if i.project == "PAY" and i.updated >= bound}
    assert {i.key for p in pages for i in p.items} == expected


def test_overlap_rereads_recent_items_and_rereading_is_idempotent(
    world: World, source: JiraSource
) -> None:
    first = list(source.fetch_updated(ALL, None, overlap=NO_OVERLAP))
    cursor = max(p.cursor for p in first if p.cursor)
    world.add_transition("PAY-5", "Done", cursor + timedelta(minutes=10))
    again = list(source.fetch_updated(ALL, cursor, overlap=timedelta(minutes=5)))
    keys, changes = flatten(again)
    at_cursor = flatten(first)[0][-1]
    assert keys[-1] == "PAY-5" and at_cursor in keys  # the overlap re-reads the cursor's item
    assert len(keys) < len(first_keys := flatten(first)[0]) and set(keys) < set(first_keys)
    assert expected_changes(world, "PAY-5")[-1] in changes
    twice = list(source.fetch_updated(ALL, cursor, overlap=timedelta(minutes=5)))
    assert twice == again  # same records, same change ids: upserts are idempotent


def test_server_deployment_uses_classic_search_with_a_pat(
    server: JiraServer, make_source: Callable[..., JiraSource]
) -> None:
    world = server.world = build_world(issues=12, deployment_type="Server")
    source = make_source(pat=True)
    source.page_size = 5
    keys, changes = flatten(list(source.fetch_updated(ALL, None, overlap=NO_OVERLAP)))
    assert sorted(keys) == sorted(world.jira.issues)
    starts = [r.query["startAt"] for r in server.requests if r.path.endswith("/search")]
    assert starts == [["0"], ["5"], ["10"]]
    assert not [r for r in server.requests if r.path.endswith("/search/jql")]
    assert len(changes) == sum(len(i.histories) for i in world.jira.issues.values())


def test_data_center_with_basic_auth_also_uses_classic_search(
    server: JiraServer, make_source: Callable[..., JiraSource]
) -> None:
    # The path follows serverInfo's deploymentType, not the kind of credentials: a Data
    # Center that allows basic auth (user + password) has no /search/jql.
    world = server.world = build_world(issues=12, deployment_type="DataCenter")
    source = make_source(pat=False)
    source.page_size = 5
    keys, _ = flatten(list(source.fetch_updated(ALL, None, overlap=NO_OVERLAP)))
    assert sorted(keys) == sorted(world.jira.issues)
    assert [r.query["startAt"] for r in server.requests if r.path.endswith("/search")] == [
        ["0"], ["5"], ["10"]]
    assert not [r for r in server.requests if r.path.endswith("/search/jql")]
    assert {r.status for r in server.requests} == {200}  # the sandbox took the basic auth


def test_member_keys_list_every_key_of_the_query_keys_only(
    server: JiraServer, world: World, source: JiraSource
) -> None:
    server.id_page_cap = 7  # the adapter asks for 5,000 keys a page; the site gives fewer
    listing = source.member_keys("project = PAY ORDER BY created DESC")
    assert listing.keys == {k for k, i in world.jira.issues.items() if i.project == "PAY"}
    queries = search_queries(server)
    assert len(queries) == -(-len(listing.keys) // 7) > 1
    assert listing.requests == len(server.requests)  # the searches and the connection's
    assert all(q["fields"] == ["key"] and "expand" not in q for q in queries)
    assert all(q["maxResults"] == ["5000"] for q in queries)
    assert queries[0]["jql"] == ["(project = PAY) ORDER BY key ASC"]  # the team's order goes


def test_member_keys_on_server_page_with_start_at(
    server: JiraServer, make_source: Callable[..., JiraSource]
) -> None:
    world = server.world = build_world(issues=12, deployment_type="Server")
    server.server_search_cap = 5
    listing = make_source(pat=True).member_keys(ALL)
    assert listing.keys == set(world.jira.issues) and listing.requests == len(server.requests)
    starts = [r.query["startAt"] for r in server.requests if r.path.endswith("/search")]
    assert starts == [["0"], ["5"], ["10"]]


def test_myself_timezone_and_projects(source: JiraSource) -> None:
    me = source.myself()
    assert (me.account_id, me.email, me.time_zone) == ("acc-bot", "bot@acme.example",
                                                       "Europe/London")
    assert str(source.timezone()) == "Europe/London"
    assert source.check_project("PAY") == "PAY team"
    with pytest.raises(NotFound) as caught:
        source.check_project("NOPE")
    assert "No project could be found with key 'NOPE'" in str(caught.value)
    assert str(caught.value).startswith("Jira: ")


def test_a_team_query_outside_jql_is_reported_with_jiras_message(source: JiraSource) -> None:
    with pytest.raises(IntegrationError) as caught:
        list(source.fetch_updated("labels = x", None, overlap=NO_OVERLAP))
    assert "HTTP 400" in str(caught.value) and "Field 'labels' does not exist" in str(caught.value)


def test_config_from_env_prefers_a_pat_and_hides_secrets() -> None:
    cloud = JiraConfig.from_env({"JIRA_URL": "https://x.atlassian.net", "JIRA_EMAIL": "a@b.c",
                                 "JIRA_API_TOKEN": "s3cret"})
    assert (cloud.email, cloud.api_token, cloud.credential_var) == ("a@b.c", "s3cret",
                                                                    "JIRA_API_TOKEN")
    assert "s3cret" not in repr(cloud)
    server = JiraConfig.from_env({"JIRA_URL": "https://jira.corp", "JIRA_PAT": "p4t",
                                  "JIRA_EMAIL": "a@b.c", "JIRA_API_TOKEN": "s3cret"})
    assert (server.pat, server.api_token, server.credential_var) == ("p4t", None, "JIRA_PAT")
    with pytest.raises(ConfigError, match="JIRA_URL"):
        JiraConfig.from_env({})
    with pytest.raises(ConfigError, match="JIRA_API_TOKEN"):
        JiraConfig.from_env({"JIRA_URL": "https://x.atlassian.net", "JIRA_EMAIL": "a@b.c"})
