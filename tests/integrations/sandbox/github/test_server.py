"""The GitHub sandbox driven by the real PyGithub and httpx clients over loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from github import Auth, BadCredentialsException, Github, GithubRetry, RateLimitExceededException
from urllib3.util.retry import Retry

from integrations.sandbox.github.server import GitHubServer
from integrations.sandbox.world import GhCommit, make_sha
from tests.support.gh_world import REPO, TOKEN, build_world, later

PULLS = f"/repos/{REPO}/pulls"


@pytest.fixture
def server() -> Iterator[GitHubServer]:
    with GitHubServer(build_world(pulls=250, releases=5)) as running:
        yield running


def client(server: GitHubServer, retry: int | Retry | None = None, token: str = TOKEN) -> Github:
    # seconds_between_requests=0: PyGithub's 0.25 s courtesy throttle would only slow tests
    return Github(
        auth=Auth.Token(token),
        base_url=server.url,
        per_page=100,
        timeout=5,
        retry=retry,
        lazy=True,
        seconds_between_requests=0,
    )


def get(server: GitHubServer, path: str, **headers: str) -> httpx.Response:
    names = {k.replace("_", "-"): v for k, v in headers.items()}
    return httpx.get(
        server.url + path, headers={"Authorization": f"token {TOKEN}", **names}, timeout=5
    )


def test_pygithub_lists_all_pulls_by_updated_desc_across_pages(server: GitHubServer) -> None:
    pulls = list(
        client(server).get_repo(REPO).get_pulls(state="all", sort="updated", direction="desc")
    )
    assert len(pulls) == 250
    stamps = [p.updated_at.timestamp() for p in pulls if p.updated_at is not None]
    assert stamps == sorted(stamps, reverse=True)
    assert [r.query.get("page") for r in server.requests] == [None, ["2"], ["3"]]
    assert len(server.requests) == 3  # list attributes only: no lazy completion


def test_link_header_carries_prev_next_last_first_on_a_middle_page(server: GitHubServer) -> None:
    link = get(server, f"{PULLS}?state=all&per_page=100&page=2").headers["link"]
    rels = {
        part.split('rel="')[1].rstrip('"'): part.split(">")[0].lstrip("<")
        for part in link.split(", ")
    }
    assert list(rels) == ["prev", "next", "last", "first"]
    assert rels["last"].endswith("page=3") and "per_page=100" in rels["next"]
    assert "link" not in get(server, f"{PULLS}?state=all&per_page=100&page=3").headers.get(
        "link", "next"
    )


def test_single_page_has_no_link_and_per_page_caps_at_100(server: GitHubServer) -> None:
    assert len(get(server, f"{PULLS}?state=all&per_page=500").json()) == 100
    assert "link" not in get(server, f"/repos/{REPO}/tags").headers


def test_state_filter_and_default_sort(server: GitHubServer) -> None:
    open_ = get(server, f"{PULLS}?state=open&per_page=100").json()
    assert open_ and {p["state"] for p in open_} == {"open"}
    numbers = [p["number"] for p in get(server, f"{PULLS}?state=all&per_page=5").json()]
    assert numbers == sorted(numbers, reverse=True)  # created desc by default
    assert get(server, f"{PULLS}?state=weird").status_code == 422


def test_reviews_releases_and_tags_through_pygithub(server: GitHubServer) -> None:
    repo = client(server).get_repo(REPO)
    reviews = list(repo.get_pull(4).get_reviews())
    assert {(r.user.login, r.state) for r in reviews} == {
        ("bob", "APPROVED"),
        ("dependabot[bot]", "COMMENTED"),
    }
    assert reviews[1].user.type == "Bot"
    releases = list(repo.get_releases())
    assert releases[0].draft and releases[1].prerelease  # drafts are visible to the token
    assert repo.get_latest_release().tag_name == "v1.5.0"
    assert repo.get_release("v1.2.0").tag_name == "v1.2.0"
    assert "v1.1.0" in [t.name for t in repo.get_tags()]


def test_compare_walks_the_commit_graph(server: GitHubServer) -> None:
    repo = client(server).get_repo(REPO)
    world = server.world
    comparison = repo.compare("v1.1.0", "v1.2.0")
    merged = {
        p.merge_commit_sha
        for p in world.github.repos[REPO].pulls.values()
        if p.merge_commit_sha and 50 < p.number <= 100
    }
    assert comparison.status == "ahead" and comparison.behind_by == 0
    assert comparison.total_commits == len(merged) > 30
    assert {c.sha for c in comparison.commits} == merged
    assert repo.compare("v1.2.0", "v1.1.0").status == "behind"
    assert repo.compare("v1.2.0", "v1.2.0").status == "identical"
    world.open_pull(REPO, title="side", head_ref="side", user="bob", at=later(1))
    world.merge_pull(REPO, 251, later(2))
    assert repo.compare("side", "main").status == "diverged"


def test_compare_across_a_true_merge_commit_includes_the_merged_branch(
    server: GitHubServer,
) -> None:
    world = server.world
    repo = world.github.repos[REPO]
    side = world.open_pull(REPO, title="side", head_ref="side", user="bob", at=later(1))
    head = repo.branches["main"]
    merge = make_sha("true-merge")
    repo.commits[merge] = GhCommit(merge, (head, side.head_sha), "Merge side", "bob", later(3))
    repo.branches["main"] = merge
    world.publish_release(REPO, "v3.0.0", later(4))
    body = get(server, f"/repos/{REPO}/compare/v1.5.0...v3.0.0").json()
    shas = [c["sha"] for c in body["commits"]]
    assert body["status"] == "ahead" and set(shas) == {side.head_sha, merge}
    assert shas[-1] == merge  # oldest first: the merge comes last
    fast = get(server, f"/repos/{REPO}/compare/v1.1.0...v1.2.0").json()
    assert fast["total_commits"] == sum(
        1 for p in repo.pulls.values() if p.merge_commit_sha and 50 < p.number <= 100
    )


def test_compare_paginates_commits_with_page_params(server: GitHubServer) -> None:
    first = get(server, f"/repos/{REPO}/compare/v1.1.0...v1.2.0?per_page=10&page=1")
    body = first.json()
    assert len(body["commits"]) == 10 and body["total_commits"] > 10 and "files" in body
    assert 'rel="next"' in first.headers["link"]
    second = get(server, f"/repos/{REPO}/compare/v1.1.0...v1.2.0?per_page=10&page=2").json()
    assert "files" not in second and second["commits"][0]["sha"] != body["commits"][0]["sha"]


def test_conditional_get_answers_304_without_spending_rate_limit(server: GitHubServer) -> None:
    first = get(server, f"{PULLS}?state=all&sort=updated&direction=desc&per_page=1")
    etag, remaining = first.headers["etag"], int(first.headers["x-ratelimit-remaining"])
    assert etag.startswith('W/"')
    again = get(
        server, f"{PULLS}?state=all&sort=updated&direction=desc&per_page=1", if_none_match=etag
    )
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["x-ratelimit-remaining"]) == remaining
    assert server.requests[-1].conditional
    server.world.review_pull(REPO, 3, user="bob", state="COMMENTED", at=later(3))
    changed = get(
        server, f"{PULLS}?state=all&sort=updated&direction=desc&per_page=1", if_none_match=etag
    )
    assert changed.status_code == 200 and changed.json()[0]["number"] == 3
    assert int(changed.headers["x-ratelimit-remaining"]) == remaining - 1


def test_if_modified_since_on_a_single_pull(server: GitHubServer) -> None:
    first = get(server, f"{PULLS}/7")
    assert (
        get(server, f"{PULLS}/7", if_modified_since=first.headers["last-modified"]).status_code
        == 304
    )


def test_rate_limit_headers_count_down_and_rate_limit_endpoint_is_free(
    server: GitHubServer,
) -> None:
    a = get(server, f"/repos/{REPO}")
    b = get(server, f"/repos/{REPO}")
    assert int(a.headers["x-ratelimit-remaining"]) - 1 == int(b.headers["x-ratelimit-remaining"])
    assert int(b.headers["x-ratelimit-used"]) == 2 and b.headers["x-ratelimit-resource"] == "core"
    assert int(b.headers["x-ratelimit-reset"]) > time.time() + 3000
    core = client(server).get_rate_limit().resources.core
    assert core.remaining == int(b.headers["x-ratelimit-remaining"])


def test_exhausted_primary_limit_is_403_with_remaining_zero(server: GitHubServer) -> None:
    server.exhaust_rate_limit(reset_in_seconds=120)
    response = get(server, f"/repos/{REPO}")
    assert response.status_code == 403 and response.headers["x-ratelimit-remaining"] == "0"
    assert "rate limit exceeded" in response.json()["message"]
    assert abs(int(response.headers["x-ratelimit-reset"]) - (time.time() + 120)) < 5
    with pytest.raises(RateLimitExceededException):
        client(server).get_repo(REPO).get_pulls(state="all")[0]


def test_set_rate_limit_controls_the_budget(server: GitHubServer) -> None:
    server.set_rate_limit(3, int(time.time()) + 60)
    assert get(server, "/user").headers["x-ratelimit-remaining"] == "2"
    server.set_rate_limit(3, int(time.time()) - 1)  # a window in the past starts afresh
    assert get(server, "/user").headers["x-ratelimit-remaining"] == "4999"


def test_secondary_limit_429_with_retry_after_is_honoured_by_the_client(
    server: GitHubServer,
) -> None:
    server.trigger_secondary_limit(retry_after=0, n=1, status=429)
    retry = Retry(
        total=2, status_forcelist=[429], respect_retry_after_header=True, backoff_factor=0
    )
    assert client(server, retry).get_repo(REPO).get_pull(5).title == "PAY-5: change 5"
    assert [r.status for r in server.requests] == [429, 200]


def test_secondary_limit_403_is_retried_by_githubretry(server: GitHubServer) -> None:
    server.trigger_secondary_limit(retry_after=0, n=1)
    assert (
        client(server, GithubRetry(total=2, backoff_factor=0)).get_repo(REPO).get_pull(5).title
        == "PAY-5: change 5"
    )
    assert [r.status for r in server.requests] == [403, 200]


def test_bad_token_is_401_bad_credentials(server: GitHubServer) -> None:
    with pytest.raises(BadCredentialsException) as raised:
        _ = client(server, token="nope").get_user().login
    assert raised.value.status == 401
    server.revoke_token()
    assert get(server, "/user").status_code == 401


def test_anonymous_requests_get_the_small_budget_and_no_viewer(server: GitHubServer) -> None:
    public = httpx.get(f"{server.url}/users/alice", timeout=5)
    assert public.status_code == 200 and public.headers["x-ratelimit-limit"] == "60"
    assert httpx.get(f"{server.url}/user", timeout=5).status_code == 401


def test_mutations_while_running_are_served(server: GitHubServer) -> None:
    world = server.world
    world.open_pull(REPO, title="PAY-999 new", head_ref="pay-999", user="carol", at=later(5))
    world.merge_pull(REPO, 251, later(6))
    world.publish_release(REPO, "v2.0.0", later(7))
    repo = client(server).get_repo(REPO)
    newest = repo.get_pulls(state="all", sort="updated", direction="desc")[0]
    assert newest.number == 251 and newest.merged_at == later(6)
    assert repo.get_latest_release().tag_name == "v2.0.0"
    assert any(c.sha == newest.merge_commit_sha for c in repo.compare("v1.5.0", "v2.0.0").commits)
    assert newest.updated_at == later(6)
