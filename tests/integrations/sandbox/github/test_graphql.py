"""The GitHub sandbox's GraphQL endpoint: GitHub's schema, cost formula and refusals.

Driven through PyGithub's own ``Requester.graphql_query`` (and raw httpx where the point is
the wire: HTTP 200 with an ``errors`` list, the rate-limit headers).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from github import Auth, Github, GithubException, UnknownObjectException

from integrations.sandbox.github.server import GitHubServer
from tests.support.gh_world import REPO, TOKEN, build_world

OWNER, NAME = REPO.split("/")
PULLS = """
query($owner: String!, $name: String!, $after: String) {
  rateLimit { cost remaining limit used }
  repository(owner: $owner, name: $name) {
    pullRequests(first: 5, after: $after, orderBy: {field: UPDATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number title headRefName state isDraft createdAt updatedAt mergedAt
        mergeCommit { oid }
        author { __typename login }
        reviews(first: 20) { totalCount nodes { databaseId state submittedAt author { login } } }
        reviewRequests(first: 10) { nodes { requestedReviewer { ... on User { login } } } }
      }
    }
  }
}
"""


@pytest.fixture
def server() -> Iterator[GitHubServer]:
    with GitHubServer(build_world(pulls=12, releases=3)) as running:
        yield running


@pytest.fixture
def github(server: GitHubServer) -> Iterator[Github]:
    client = Github(base_url=server.url, auth=Auth.Token(TOKEN), retry=None)
    yield client
    client.close()


def query(github: Github, text: str, **variables: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    headers, data = github.requester.graphql_query(text, variables)
    return headers, data


def post(server: GitHubServer, text: str, token: str | None = TOKEN) -> httpx.Response:
    headers = {"Authorization": f"bearer {token}"} if token else {}
    return httpx.post(f"{server.url}/graphql", json={"query": text}, headers=headers, timeout=10)


def test_pull_requests_page_newest_updated_first_with_their_reviews(
    server: GitHubServer, github: Github
) -> None:
    seen: list[int] = []
    after = None
    while True:
        _, data = query(github, PULLS, owner=OWNER, name=NAME, after=after)
        connection = data["data"]["repository"]["pullRequests"]
        seen += [n["number"] for n in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    world = server.world.github.repos[REPO]
    newest_first = sorted(world.pulls.values(), key=lambda p: (p.updated_at, p.number),
                          reverse=True)
    assert seen == [p.number for p in newest_first]
    assert connection["totalCount"] == len(world.pulls)


def test_a_pull_request_reads_as_github_writes_it(server: GitHubServer, github: Github) -> None:
    _, data = query(github, PULLS, owner=OWNER, name=NAME, after=None)
    nodes = data["data"]["repository"]["pullRequests"]["nodes"]
    pulls = server.world.github.repos[REPO].pulls
    for node in nodes:
        pull = pulls[node["number"]]
        assert node["title"] == pull.title and node["headRefName"] == pull.head_ref
        assert node["state"] == ("MERGED" if pull.merged_at else pull.state.upper())
        assert (node["mergeCommit"] or {}).get("oid") == (
            pull.merge_commit_sha if pull.merged_at else None)
        assert [r["databaseId"] for r in node["reviews"]["nodes"]] == [r.id for r in pull.reviews]
        assert node["createdAt"].endswith("Z")


def test_a_bot_is_a_bot_without_its_suffix(server: GitHubServer, github: Github) -> None:
    pulls = server.world.github.repos[REPO].pulls
    first = min(pulls)
    pulls[first].user = "dependabot[bot]"
    _, data = query(github, PULLS.replace("first: 5,", "first: 100,"), owner=OWNER, name=NAME,
                    after=None)
    nodes = {n["number"]: n for n in data["data"]["repository"]["pullRequests"]["nodes"]}
    assert nodes[first]["author"] == {"__typename": "Bot", "login": "dependabot"}


def test_the_cost_is_github_formula_and_spends_the_points_budget(
    server: GitHubServer, github: Github
) -> None:
    # 1 request for the PR page + 5 for the reviews + 5 for the review requests = 11 -> 1 point
    headers, data = query(github, PULLS, owner=OWNER, name=NAME, after=None)
    assert data["data"]["rateLimit"]["cost"] == 1
    assert headers["x-ratelimit-resource"] == "graphql"
    big = ("{ repository(owner: $o, name: $n) { pullRequests(first: 100) { nodes {"
           " reviews(first: 100) { nodes { state } }"
           " reviewRequests(first: 100) { nodes { asCodeOwner } } } } } rateLimit { cost used } }")
    big = "query($o: String!, $n: String!) " + big
    _, data = query(github, big, o=OWNER, n=NAME)
    assert data["data"]["rateLimit"]["cost"] == 2  # (1 + 100 + 100) / 100 = 2.01 -> 2
    assert data["data"]["rateLimit"]["used"] == 3
    assert server.graphql.queries[-1][1] == 2


def test_an_unknown_field_is_refused_with_http_200_and_githubs_message(
    server: GitHubServer
) -> None:
    answer = post(server, '{ repository(owner: "a", name: "b") { nameWithOwner colour } }')
    assert answer.status_code == 200
    (error,) = answer.json()["errors"]
    assert error["message"] == "Field 'colour' doesn't exist on type 'Repository'"
    assert "data" not in answer.json()


def test_a_connection_without_first_or_last_is_refused(server: GitHubServer) -> None:
    answer = post(server, f'{{ repository(owner: "{OWNER}", name: "{NAME}") '
                          "{ pullRequests { nodes { number } } } }")
    (error,) = answer.json()["errors"]
    assert error["type"] == "MISSING_PAGINATION_BOUNDARIES"
    assert error["path"] == ["repository", "pullRequests"]
    assert post(server, f'{{ repository(owner: "{OWNER}", name: "{NAME}") '
                        "{ pullRequests(first: 101) { nodes { number } } } }"
                ).json()["errors"][0]["type"] == "EXCESSIVE_PAGINATION"


def test_pygithub_raises_on_errors_and_on_a_missing_repository(github: Github) -> None:
    with pytest.raises(UnknownObjectException):
        query(github, '{ repository(owner: "acme", name: "nope") { name } }')
    with pytest.raises(GithubException):
        query(github, "{ viewer { login } repository { name } }")


def test_an_exhausted_budget_answers_rate_limited(server: GitHubServer) -> None:
    server.graphql.points(TOKEN).used = server.graphql.limit
    answer = post(server, f'{{ repository(owner: "{OWNER}", name: "{NAME}") {{ name }} }}')
    assert answer.status_code == 200
    assert answer.json()["errors"][0]["type"] == "RATE_LIMITED"
    assert answer.headers["x-ratelimit-remaining"] == "0"


def test_without_a_token_or_when_disabled_there_is_no_graphql(server: GitHubServer) -> None:
    assert post(server, "{ viewer { login } }", token=None).status_code == 401
    server.graphql.disable()
    assert post(server, "{ viewer { login } }").status_code == 404
