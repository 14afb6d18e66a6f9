"""The Jira sandbox driven by the real ``jira`` library (raw HTTP where the library hides it)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from jira import JIRA, JIRAError

from integrations.sandbox.jira.server import JiraServer
from integrations.sandbox.world import World
from tests.support.jira_world import EMAIL, TOKEN, add_histories, build_world

PROTOCOL = Path("/work/shared/specs/jira/protocol.json")
if not PROTOCOL.exists():
    PROTOCOL = Path(__file__).parents[5] / "shared" / "specs" / "jira" / "protocol.json"
FIELDS = ["summary", "status", "issuetype", "project", "created", "updated", "fixVersions"]
ALL = "project in (PAY, WEB) ORDER BY updated ASC"


@pytest.fixture
def world() -> World:
    return build_world(issues=30, histories=3)


@pytest.fixture(scope="module")
def running() -> Iterator[JiraServer]:
    server = JiraServer(build_world(issues=1))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server(running: JiraServer, world: World) -> JiraServer:
    """The module's server, serving this test's world with no faults, log or cap changes."""
    running.world = world
    running.clear_faults()
    running.reset_log()
    for cap in ("search_changelog_cap", "issue_changelog_cap", "search_page_cap"):
        vars(running).pop(cap, None)
    return running


def connect(server: JiraServer, *, token: str = TOKEN) -> JIRA:
    return JIRA(server=server.url, basic_auth=(EMAIL, token), timeout=5, max_retries=0)


def searches(server: JiraServer) -> list[dict[str, list[str]]]:
    return [r.query for r in server.requests if r.path.endswith("/search/jql")]


def expected_order(world: World) -> list[str]:
    return [i.key for i in sorted(world.jira.issues.values(),
                                  key=lambda i: (i.updated, int(i.id)))]


def test_enhanced_search_pages_with_next_page_token(server: JiraServer, world: World) -> None:
    jira = connect(server)
    keys: list[str] = []
    token: str | None = None
    while True:
        page = jira.enhanced_search_issues(ALL, nextPageToken=token, maxResults=7, fields=FIELDS,
                                           expand="changelog")
        keys += [issue.key for issue in page]
        assert all(issue.changelog.total == len(issue.changelog.histories) for issue in page)
        token = page.nextPageToken
        if not token:
            break
    assert keys == expected_order(world)
    sent = searches(server)
    assert len(sent) == 5
    assert "nextPageToken" not in sent[0]
    assert all("nextPageToken" in q for q in sent[1:])
    assert all(q["maxResults"] == ["7"] and sorted(q["fields"]) == sorted(FIELDS) for q in sent)
    assert all(q["expand"] == ["changelog"] for q in sent)


def test_max_results_is_capped_and_library_fetch_all_follows_tokens(
    server: JiraServer, world: World
) -> None:
    server.search_page_cap = 10
    issues = connect(server).enhanced_search_issues(ALL, fields=FIELDS, maxResults=False)
    assert [i.key for i in issues] == expected_order(world)
    assert len(searches(server)) == 3  # the library asked for 100, the site gave 10 per page


def test_fields_are_honoured_and_default_to_id_only(server: JiraServer) -> None:
    jira = connect(server)
    raw = jira.enhanced_search_issues(ALL, fields=["summary"], maxResults=2, json_result=True)
    assert set(raw["issues"][0]["fields"]) == {"summary"}
    assert raw["isLast"] is False and "total" not in raw
    bare = requests.get(f"{server.url}/rest/api/3/search/jql", params={"jql": ALL},
                        auth=(EMAIL, TOKEN), timeout=5).json()
    assert "fields" not in bare["issues"][0] and bare["issues"][0]["id"]
    assert len(bare["issues"]) == 30 and bare["isLast"] is True  # default maxResults 50


def test_post_search_jql_takes_a_json_body(server: JiraServer) -> None:
    raw = connect(server).enhanced_search_issues(
        "project = WEB", fields=["status"], maxResults=3, json_result=True, use_post=True)
    assert len(raw["issues"]) == 3 and raw["nextPageToken"]
    assert {r.method for r in server.requests if r.path.endswith("/search/jql")} == {"POST"}


def test_inline_changelog_is_truncated_and_completed_from_the_changelog_endpoint(
    server: JiraServer, world: World
) -> None:
    add_histories(world.jira, world.jira.issues["PAY-2"], 50, world.jira.issues["PAY-2"].updated)
    jira = connect(server)
    raw = jira.enhanced_search_issues("key = PAY-2", fields=FIELDS, expand="changelog",
                                      json_result=True, maxResults=5)
    inline = raw["issues"][0]["changelog"]
    assert (inline["total"], inline["maxResults"], inline["startAt"]) == (53, 40, 13)
    every = [h.id for h in world.jira.issues["PAY-2"].histories]
    assert [h["id"] for h in inline["histories"]] == every[-40:]
    first = jira._get_json("issue/PAY-2/changelog", params={"startAt": 0, "maxResults": 100})
    assert first["total"] == 53 and first["isLast"] is True
    assert [h["id"] for h in first["values"]] == every  # oldest first
    paged = jira._get_json("issue/PAY-2/changelog", params={"startAt": 50, "maxResults": 2})
    assert [h["id"] for h in paged["values"]] == every[50:52] and "nextPage" in paged


def test_issue_endpoint_caps_its_inline_changelog(server: JiraServer, world: World) -> None:
    server.issue_changelog_cap = 2
    issue = connect(server).issue("WEB-1", expand="changelog")
    assert issue.changelog.total == 3 and len(issue.changelog.histories) == 2
    assert issue.fields.status.name == world.jira.issues["WEB-1"].status
    assert issue.fields.updated == "2026-09-01T14:30:00.000+0100"  # the user is in London (BST)


def test_dates_are_rendered_in_the_users_timezone(server: JiraServer) -> None:
    server.world = build_world(issues=2, time_zone="America/New_York")
    issue = connect(server).issue("WEB-1")
    assert issue.fields.created == "2026-09-01T05:00:00.000-0400"  # 09:00 UTC


def test_retired_search_answers_410_with_clouds_body(server: JiraServer) -> None:
    body = json.loads(PROTOCOL.read_text())["search"]["removed"]["now_returns"]["body"]
    for version in ("2", "3"):
        url = f"{server.url}/rest/api/{version}/search"
        got = requests.get(url, params={"jql": ALL}, auth=(EMAIL, TOKEN), timeout=5)
        posted = requests.post(url, json={"jql": ALL}, auth=(EMAIL, TOKEN), timeout=5)
        assert (got.status_code, got.json()) == (410, body)
        assert (posted.status_code, posted.json()) == (410, body)


def test_server_deployment_serves_classic_search_with_a_pat(server: JiraServer) -> None:
    world = server.world = build_world(issues=12, deployment_type="Server")
    jira = JIRA(server=server.url, token_auth=TOKEN, timeout=5, max_retries=0)
    issues = jira.search_issues("project = PAY ORDER BY key ASC", maxResults=False,
                                fields=FIELDS)
    assert [i.key for i in issues] == sorted(
        (k for k in world.jira.issues if k.startswith("PAY")), key=lambda k: int(k[4:]))
    assert issues.total == 8
    missing = requests.get(f"{server.url}/rest/api/2/search/jql", params={"jql": ALL},
                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
    assert missing.status_code == 404


def test_jql_outside_the_subset_is_a_400_with_error_messages(server: JiraServer) -> None:
    with pytest.raises(JIRAError) as caught:
        connect(server).enhanced_search_issues("assignee = currentUser()", fields=["id"])
    assert caught.value.status_code == 400
    assert caught.value.response is not None
    messages = caught.value.response.json()["errorMessages"]
    assert messages == ["Field 'assignee' does not exist or you do not have permission to view it."]


def test_enhanced_search_refuses_unbounded_queries_like_cloud(server: JiraServer) -> None:
    for jql in ("", "ORDER BY updated ASC"):
        response = requests.get(f"{server.url}/rest/api/3/search/jql", params={"jql": jql},
                                auth=(EMAIL, TOKEN), timeout=5)
        assert response.status_code == 400
        assert response.json()["errorMessages"][0].startswith("Unbounded JQL queries")


def test_wrong_credentials_are_401(server: JiraServer) -> None:
    with pytest.raises(JIRAError) as caught:
        connect(server, token="revoked")
    assert caught.value.status_code == 401
    bearer = requests.get(f"{server.url}/rest/api/3/myself", timeout=5,
                          headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 401  # Cloud takes basic auth with an API token, not a PAT
    assert bearer.json()["errorMessages"]
    jira = connect(server)
    server.revoke_token()
    with pytest.raises(JIRAError) as revoked:
        jira.myself()
    assert revoked.value.status_code == 401


def test_injected_429_carries_retry_after_and_jira_rate_limit_headers(server: JiraServer) -> None:
    server.fail_next(1, 429, retry_after=7, path_prefix="/rest/api/3/search/jql")
    response = requests.get(f"{server.url}/rest/api/3/search/jql", params={"jql": ALL},
                            auth=(EMAIL, TOKEN), timeout=5)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.headers["RateLimit-Reason"] == "jira-burst-based"
    assert response.headers["X-RateLimit-Remaining"] == "0"
    assert response.json()["errorMessages"]


def test_injected_500_delay_and_conditional_requests_are_seen_on_jira_paths(
    server: JiraServer,
) -> None:
    jira = connect(server)
    server.fail_next(1, 500)
    with pytest.raises(JIRAError) as caught:
        jira.myself()
    assert caught.value.status_code == 500
    assert jira.myself()["accountId"] == "acc-bot"
    server.delay_all(0.5)
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(f"{server.url}/rest/api/3/myself", auth=(EMAIL, TOKEN), timeout=0.1)
    server.clear_faults()
    requests.get(f"{server.url}/rest/api/3/myself", auth=(EMAIL, TOKEN), timeout=5,
                 headers={"If-None-Match": '"x"'})
    assert server.requests[-1].conditional and server.requests[-1].status == 200


def test_projects_versions_and_count(server: JiraServer, world: World) -> None:
    jira = connect(server)
    assert [p.key for p in jira.projects()] == ["PAY", "WEB"]
    assert jira.project("PAY").name == "PAY team"
    with pytest.raises(JIRAError) as caught:
        jira.project("NOPE")
    assert caught.value.status_code == 404
    versions = {v.name: v.raw for v in jira.project_versions("PAY")}
    assert versions["2026.3"]["released"] is True and versions["2026.3"]["releaseDate"] == \
        "2026-09-30"
    page = jira._get_json("project/PAY/version", params={"maxResults": 1})
    assert (page["total"], page["isLast"], len(page["values"])) == (2, False, 1)
    assert jira.approximate_issue_count("project = WEB") == 10
    fixed = jira.issue("PAY-2", fields="fixVersions").fields.fixVersions
    assert [(v.id, v.released) for v in fixed] == [("20001", True)]


def test_a_transition_added_while_running_is_found_by_updated_since(
    server: JiraServer, world: World
) -> None:
    jira = connect(server)
    last = max(i.updated for i in world.jira.issues.values())
    world.add_transition("WEB-4", "Done", last + timedelta(minutes=30))
    london = ZoneInfo(jira.myself()["timeZone"])
    since = (last + timedelta(minutes=1)).astimezone(london).strftime("%Y-%m-%d %H:%M")
    found = jira.enhanced_search_issues(f'updated >= "{since}"', fields=["status"])
    assert [(i.key, i.fields.status.name) for i in found] == [("WEB-4", "Done")]

