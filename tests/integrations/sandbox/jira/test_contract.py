"""Contract tests: every kind of Jira sandbox response against Atlassian's JSON Schemas.

The schemas (``shared/specs/jira/schemas``) are validated strictly (``additionalProperties:
false`` kept, as known-deviations.json advises for fakes), except where
``known-deviations.json`` records that real Jira disagrees with its own schema:
ChangeDetails ``from``/``to`` strings are nullable and open, ServerInformation and Version
are open. Date-time formats are checked against Jira's own form (``...153+0000``).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker

from integrations.sandbox.jira.server import JiraServer
from tests.support.jira_world import EMAIL, TOKEN, add_histories, build_world

SPECS = Path("/work/shared/specs/jira")
if not SPECS.exists():
    SPECS = Path(__file__).parents[5] / "shared" / "specs" / "jira"
pytestmark = pytest.mark.skipif(not SPECS.exists(), reason="shared/specs/jira not present")
JIRA_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}")
FIELDS = "summary,status,issuetype,project,created,updated,resolutiondate,fixVersions"
JQL = "project in (PAY, WEB) ORDER BY updated ASC"

FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(lambda v: not isinstance(v, str) or bool(JIRA_TIME.fullmatch(v)))
FORMATS.checks("date")(lambda v: not isinstance(v, str) or bool(date.fromisoformat(v)))
FORMATS.checks("uri")(lambda v: not isinstance(v, str) or v.startswith(("http://", "https://")))


def with_deviations(schema: Any) -> Any:
    """The schema with known-deviations.json's overrides applied wherever they match."""
    schema = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("properties")
            if isinstance(props, dict):
                if {"fieldtype", "fromString", "toString"} <= set(props):  # ChangeDetails
                    node["additionalProperties"] = True
                    for name in ("from", "fromString", "to", "toString"):
                        props[name]["type"] = ["string", "null"]
                if {"deploymentType", "versionNumbers"} <= set(props):  # ServerInformation
                    node["additionalProperties"] = True
                if {"releaseDate", "released", "userReleaseDate"} <= set(props):  # Version
                    node["additionalProperties"] = True
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def validate(schema_file: str, payload: Any) -> None:
    schema = with_deviations(json.loads((SPECS / "schemas" / schema_file).read_text()))
    errors = sorted(Draft202012Validator(schema, format_checker=FORMATS).iter_errors(payload),
                    key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.fixture(scope="module")
def server() -> Iterator[JiraServer]:
    world = build_world(issues=20, histories=3, time_zone="America/New_York")
    add_histories(world.jira, world.jira.issues["PAY-2"], 45, world.jira.issues["PAY-2"].updated)
    running = JiraServer(world)
    running.start()
    yield running
    running.stop()


def get(server: JiraServer, path: str, **params: Any) -> requests.Response:
    return requests.get(server.url + path, params=params, auth=(EMAIL, TOKEN), timeout=5)


# (schema, path, query) for every GET the sandbox serves that has an official schema
GETS = [
    ("getServerInfo.200.schema.json", "/rest/api/3/serverInfo", {}),
    ("getCurrentUser.200.schema.json", "/rest/api/3/myself", {}),
    ("getIssue.200.schema.json", "/rest/api/3/issue/PAY-2", {"expand": "changelog"}),
    ("getIssue.200.schema.json", "/rest/api/2/issue/WEB-1", {"fields": "summary"}),
    ("getChangeLogs.200.schema.json", "/rest/api/3/issue/PAY-2/changelog", {"maxResults": 10}),
    ("getChangeLogs.200.schema.json", "/rest/api/3/issue/PAY-2/changelog", {"startAt": 40}),
    ("getProjectVersions.200.schema.json", "/rest/api/3/project/PAY/versions", {}),
    ("getProjectVersions.200.schema.json", "/rest/api/3/project/WEB/versions", {}),
    ("getProjectVersionsPaginated.200.schema.json", "/rest/api/3/project/PAY/version",
     {"maxResults": 1}),
    ("getVersion.200.schema.json", "/rest/api/3/version/20001", {}),
    ("searchAndReconsileIssuesUsingJql.200.schema.json", "/rest/api/3/search/jql",
     {"jql": JQL, "fields": FIELDS, "expand": "changelog", "maxResults": 5}),
    ("searchAndReconsileIssuesUsingJql.200.schema.json", "/rest/api/2/search/jql",
     {"jql": JQL}),
]


@pytest.mark.parametrize(("schema", "path", "params"), GETS)
def test_get_responses_match_the_official_schemas(
    server: JiraServer, schema: str, path: str, params: dict[str, Any]
) -> None:
    response = get(server, path, **params)
    assert response.status_code == 200
    validate(schema, response.json())


def test_post_search_and_count_match_their_schemas(server: JiraServer) -> None:
    body = {"jql": JQL, "fields": FIELDS.split(","), "expand": "changelog", "maxResults": 3}
    validate("searchAndReconsileIssuesUsingJqlPost.request.schema.json", body)
    posted = requests.post(f"{server.url}/rest/api/3/search/jql", json=body,
                           auth=(EMAIL, TOKEN), timeout=5)
    validate("searchAndReconsileIssuesUsingJqlPost.200.schema.json", posted.json())
    second = dict(body, nextPageToken=posted.json()["nextPageToken"])
    validate("searchAndReconsileIssuesUsingJqlPost.request.schema.json", second)
    validate("searchAndReconsileIssuesUsingJqlPost.200.schema.json", requests.post(
        f"{server.url}/rest/api/3/search/jql", json=second, auth=(EMAIL, TOKEN), timeout=5,
    ).json())
    count_body = {"jql": "project = PAY"}
    validate("countIssues.request.schema.json", count_body)
    count = requests.post(f"{server.url}/rest/api/3/search/approximate-count", json=count_body,
                          auth=(EMAIL, TOKEN), timeout=5)
    validate("countIssues.200.schema.json", count.json())


def test_server_deployment_classic_search_matches_the_old_schema(server: JiraServer) -> None:
    world = server.world
    server.world = build_world(issues=5, deployment_type="Server")
    try:
        response = requests.get(f"{server.url}/rest/api/2/search", timeout=5,
                                params={"jql": JQL, "fields": FIELDS, "expand": "changelog"},
                                headers={"Authorization": f"Bearer {TOKEN}"})
        validate("searchForIssuesUsingJql.200.schema.json", response.json())
        validate("getServerInfo.200.schema.json", get(server, "/rest/api/2/serverInfo").json())
        validate("getCurrentUser.200.schema.json", get(server, "/rest/api/2/myself").json())
    finally:
        server.world = world


def test_every_error_body_is_an_error_collection(server: JiraServer) -> None:
    bodies = {
        "400": get(server, "/rest/api/3/search/jql", jql="summary ~ x"),
        "401": requests.get(f"{server.url}/rest/api/3/myself", auth=(EMAIL, "bad"), timeout=5),
        "404 issue": get(server, "/rest/api/3/issue/PAY-999"),
        "404 project": get(server, "/rest/api/3/project/NOPE/versions"),
        "404 path": get(server, "/rest/api/3/nothing"),
        "410": get(server, "/rest/api/3/search", jql=JQL),
    }
    for status in (429, 500, 503):
        server.fail_next(1, status, retry_after=1)
        bodies[str(status)] = get(server, "/rest/api/3/myself")
    for name, response in bodies.items():
        assert response.status_code == int(name.split()[0]), name
        validate("component.ErrorCollection.schema.json", response.json())
        assert response.json()["errorMessages"], name


def test_the_schemas_are_strict_enough_to_catch_a_typo(server: JiraServer) -> None:
    payload = get(server, "/rest/api/3/myself").json()
    payload["timezone"] = payload.pop("timeZone")
    with pytest.raises(AssertionError):
        validate("getCurrentUser.200.schema.json", payload)
    changelog = get(server, "/rest/api/3/issue/PAY-2/changelog").json()
    changelog["values"][0]["created"] = "2026-09-01T05:00:00Z"  # not Jira's form
    with pytest.raises(AssertionError):
        validate("getChangeLogs.200.schema.json", changelog)
