"""The GitHub sandbox's repository events feed: what GitHub documents for polling it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from github import Auth, Github

from integrations.sandbox import shipping
from integrations.sandbox.github.events import TIMELINE
from integrations.sandbox.github.server import GitHubServer
from tests.support.gh_world import REPO, TOKEN, build_world, later

EVENTS = f"/repos/{REPO}/events"


@pytest.fixture
def server() -> Iterator[GitHubServer]:
    with GitHubServer(build_world(pulls=40, releases=4)) as running:
        yield running


def get(server: GitHubServer, etag: str | None = None, query: str = "") -> httpx.Response:
    headers = {"Authorization": f"token {TOKEN}"}
    if etag is not None:
        headers["If-None-Match"] = etag
    return httpx.get(f"{server.url}{EVENTS}{query}", headers=headers, timeout=5)


def kinds(response: httpx.Response, n: int) -> list[tuple[str, str | None]]:
    return [(e["type"], e["payload"].get("action")) for e in response.json()[:n]]


def test_the_history_is_listed_newest_first_with_increasing_ids(server: GitHubServer) -> None:
    first = get(server, query="?per_page=100")
    assert first.status_code == 200 and first.headers["x-poll-interval"] == "60"
    events = first.json()
    ids = [int(e["id"]) for e in events]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    stamps = [e["created_at"] for e in events]
    assert stamps == sorted(stamps, reverse=True)  # the history is laid out in time order
    types = {e["type"] for e in events}
    assert types == {"PullRequestEvent", "PullRequestReviewEvent", "CreateEvent", "ReleaseEvent"}
    newest = events[0]
    assert set(newest) == {"id", "type", "actor", "repo", "payload", "public", "created_at",
                           "org"}
    assert newest["repo"]["name"] == REPO and newest["public"] is False


def test_the_timeline_holds_at_most_300_events_and_pages(server: GitHubServer) -> None:
    for n in range(200):  # 200 new PRs, each opened: far past the 300 events kept
        server.world.open_pull(REPO, title=f"PAY-{n} more", head_ref=f"more-{n}", user="bob",
                               at=later(10 + n))
    pages = [get(server, query=f"?per_page=100&page={page}").json() for page in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [100, 100, 100, 0]
    assert TIMELINE == 300


def test_no_new_event_is_a_304_that_spends_no_rate_limit(server: GitHubServer) -> None:
    first = get(server)
    again = get(server, first.headers["etag"])
    assert again.status_code == 304 and again.content == b""
    assert again.headers["x-poll-interval"] == "60"
    assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]


def test_each_change_puts_its_events_at_the_head(server: GitHubServer) -> None:
    world = server.world
    etag = get(server).headers["etag"]
    pull = world.open_pull(REPO, title="PAY-900 new", head_ref="pay-900", user="carol",
                           at=later(1))
    opened = get(server, etag)
    assert opened.status_code == 200 and kinds(opened, 1) == [("PullRequestEvent", "opened")]
    assert opened.json()[0]["payload"]["number"] == pull.number
    world.review_pull(REPO, pull.number, user="bob", state="APPROVED", at=later(2))
    world.merge_pull(REPO, pull.number, later(3))
    world.publish_release(REPO, "v9.9.9", later(4))
    changed = get(server, opened.headers["etag"])
    assert kinds(changed, 4) == [("ReleaseEvent", "published"), ("CreateEvent", None),
                                 ("PullRequestEvent", "closed"),
                                 ("PullRequestReviewEvent", "created")]
    assert changed.json()[0]["payload"]["release"]["tag_name"] == "v9.9.9"


def test_a_change_made_directly_to_the_world_is_observed(server: GitHubServer) -> None:
    etag = get(server).headers["etag"]
    server.world.github.repos[REPO].pulls[3].title = "PAY-3 a better title"
    edited = get(server, etag)
    assert edited.status_code == 200 and kinds(edited, 1) == [("PullRequestEvent", "edited")]


def test_what_github_emits_no_event_for_leaves_the_feed_unchanged(server: GitHubServer) -> None:
    # GitHub's event types: a draft marked ready for review, an edited release and a draft
    # release are not among the actions it lists, so the feed does not move for them
    world = server.world
    repo = world.github.repos[REPO]
    etag = get(server).headers["etag"]
    repo.pulls[40].draft = not repo.pulls[40].draft
    repo.releases[0].name = "renamed"
    world.publish_release(REPO, "v10.0.0", later(5), draft=True)
    assert get(server, etag).status_code == 304


def test_a_held_feed_shows_nothing_new_until_resumed(server: GitHubServer) -> None:
    etag = get(server).headers["etag"]
    server.events.hold()
    server.world.open_pull(REPO, title="PAY-901 late", head_ref="pay-901", user="carol",
                           at=later(1))
    assert get(server, etag).status_code == 304
    server.events.resume()
    assert kinds(get(server, etag), 1) == [("PullRequestEvent", "opened")]


def test_pygithub_reads_the_feed(server: GitHubServer) -> None:
    gh = Github(auth=Auth.Token(TOKEN), base_url=server.url, per_page=100, lazy=True,
                seconds_between_requests=0)
    events = list(gh.get_repo(REPO).get_events())
    assert events and events[0].type == "ReleaseEvent"
    assert events[0].repo.full_name == REPO and events[0].actor.login
    assert events[-1].payload["action"] == "opened"
    # one request per page: every attribute read came from the list payload
    assert len(server.requests) == -(-len(events) // 100) > 1


def test_an_event_outlives_what_it_is_about(server: GitHubServer) -> None:
    # Regression: rendering looked the release up in the world, so deleting it broke the feed
    release = server.world.publish_release(REPO, "v9.9.9", later(4))
    first = get(server)
    server.world.github.repos[REPO].releases.remove(release)
    again = get(server)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.json()[0]["payload"]["release"]["tag_name"] == "v9.9.9"


# ---- tags pushed without a release (issue #12) -------------------------------------------


def creates(server: GitHubServer) -> list[tuple[str, str, str]]:
    """Every CreateEvent of the feed as (ref, created_at, actor), newest first."""
    events = [e for page in (1, 2, 3) for e in get(server, query=f"?per_page=100&page={page}")
              .json()]
    return [(e["payload"]["ref"], e["created_at"], e["actor"]["login"]) for e in events
            if e["type"] == "CreateEvent"]


def test_tags_pushed_without_a_release_show_once_at_their_time() -> None:
    world = build_world(pulls=40, releases=4)
    r = world.github.repos[REPO]
    old = r.commits[r.tags["v1.1.0"]]
    shipping.tag(world, REPO, "v5.0.0", later(1), tagger="alice", message="Five")
    shipping.tag(world, REPO, "v5.0.1", later(2), annotated=False, sha=old.sha)
    with GitHubServer(world) as server:
        found = creates(server)
    refs = [ref for ref, _, _ in found]
    # the four releases' tags once each, as before; the draft's tag not at all
    assert sorted(refs) == ["v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0", "v5.0.0", "v5.0.1",
                            "v9.0.0-rc1"]
    by_ref = {ref: (at, actor) for ref, at, actor in found}
    assert by_ref["v5.0.0"] == ("2027-01-29T10:00:00Z", "alice")  # the tag object's date
    assert by_ref["v5.0.1"] == (old.date.strftime("%Y-%m-%dT%H:%M:%SZ"), old.author_login)


def test_a_tag_pushed_while_the_server_runs_shows_and_its_release_adds_no_second(
    server: GitHubServer,
) -> None:
    etag = get(server).headers["etag"]
    shipping.tag(server.world, REPO, "v6.0.0", later(2), annotated=False)
    pushed = get(server, etag)
    assert pushed.status_code == 200 and kinds(pushed, 1) == [("CreateEvent", None)]
    assert pushed.json()[0]["payload"]["ref"] == "v6.0.0"
    assert pushed.json()[0]["payload"]["ref_type"] == "tag"
    server.world.publish_release(REPO, "v6.0.0", later(3))
    released = get(server, pushed.headers["etag"])
    assert kinds(released, 2) == [("ReleaseEvent", "published"), ("CreateEvent", None)]
    assert [ref for ref, _, _ in creates(server)].count("v6.0.0") == 1


def test_deployments_leave_the_feed_unchanged(server: GitHubServer) -> None:
    etag = get(server).headers["etag"]
    deployment = shipping.deploy(server.world, REPO, "production", later(5))
    shipping.add_status(server.world, REPO, deployment.id, "failure", later(6))
    assert get(server, etag).status_code == 304
