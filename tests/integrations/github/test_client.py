"""The GitHub adapter through the sandbox: listings, cursors, conditional polls, containment."""

from __future__ import annotations

from datetime import timedelta

from integrations.github import GitHubHost, item_links
from integrations.sandbox.github.server import GitHubServer
from tests.support.gh_world import REPO, later

OVERLAP = timedelta(minutes=5)
PULL_ROUTES = ("pulls", "pulls/(?P<number>")


def routes(server: GitHubServer) -> list[str]:
    return [r.route.rsplit(")", 1)[-1] or r.route for r in server.requests]


def test_first_poll_lists_every_pull_in_three_requests_without_lazy_completion(
    server: GitHubServer, host: GitHubHost
) -> None:
    poll = host.poll_pulls(REPO, None, None, overlap=OVERLAP)
    assert poll.changed and len(poll.pulls) == 250 and poll.etag
    assert poll.requests == len(server.requests) == 3
    assert routes(server) == ["/pulls"] * 3  # never /pulls/{n}: no lazy completion
    assert poll.cursor == max(p.updated_at for p in poll.pulls)
    world_pulls = server.world.github.repos[REPO].pulls
    for pr in poll.pulls:
        source = world_pulls[pr.number]
        assert (pr.merged_at, pr.merge_commit_sha, pr.head_ref) == (
            source.merged_at,
            source.merge_commit_sha,
            source.head_ref,
        )
        assert pr.author_is_bot == (source.user in ("dependabot[bot]", "renovate"))
    assert {pr.author for pr in poll.pulls if pr.author_is_bot} == {"dependabot[bot]", "renovate"}


def test_listing_stops_at_the_cursor_minus_overlap(server: GitHubServer, host: GitHubHost) -> None:
    everything = host.poll_pulls(REPO, None, None, overlap=OVERLAP).pulls
    since = everything[60].updated_at
    server.reset_log()
    poll = host.poll_pulls(REPO, since, None, overlap=OVERLAP)
    assert [p.number for p in poll.pulls] == [
        p.number for p in everything if p.updated_at >= since - OVERLAP
    ]
    assert len(server.requests) == 1  # the first page already reaches below the cursor
    since = everything[150].updated_at
    server.reset_log()
    assert len(host.poll_pulls(REPO, since, None, overlap=OVERLAP).pulls) >= 151
    assert len(server.requests) == 2  # stops on page 2 of 3


def test_no_change_poll_is_one_conditional_request_answered_304_for_free(
    server: GitHubServer, host: GitHubHost
) -> None:
    first = host.poll_pulls(REPO, None, None, overlap=OVERLAP)
    releases = host.poll_releases(REPO, None)
    server.reset_log()
    remaining = server.budget().remaining
    again = host.poll_pulls(REPO, first.cursor, first.etag, overlap=OVERLAP)
    rel_again = host.poll_releases(REPO, releases.etag)
    assert not again.changed and not again.pulls and again.cursor == first.cursor
    assert again.etag == first.etag and not rel_again.changed and rel_again.etag == releases.etag
    assert [(r.status, r.conditional) for r in server.requests] == [(304, True), (304, True)]
    assert server.budget().remaining == remaining


def test_the_events_feed_is_one_free_304_until_something_happens(
    server: GitHubServer, host: GitHubHost
) -> None:
    first = host.poll_activity(REPO, None)
    assert first.changed and first.etag and first.poll_interval == 60 and first.requests == 1
    remaining = server.budget().remaining
    quiet = host.poll_activity(REPO, first.etag)
    assert (quiet.changed, quiet.etag, quiet.requests) == (False, first.etag, 1)
    assert server.budget().remaining == remaining
    server.world.review_pull(REPO, 7, user="carol", state="APPROVED", at=later(2))
    moved = host.poll_activity(REPO, first.etag)
    assert moved.changed and moved.etag != first.etag
    assert [(r.status, r.conditional) for r in server.requests] == [
        (200, False), (304, True), (200, True)]


def test_a_repository_without_an_events_feed_always_counts_as_changed(
    server: GitHubServer, host: GitHubHost
) -> None:
    server.fail_next(1, 404, path_prefix=f"/repos/{REPO}/events")
    poll = host.poll_activity(REPO, 'W/"stale"')
    assert (poll.changed, poll.etag, poll.requests) == (True, None, 1)


def test_a_change_runs_the_listing_and_returns_only_what_changed(
    server: GitHubServer, host: GitHubHost
) -> None:
    first = host.poll_pulls(REPO, None, None, overlap=OVERLAP)
    server.world.open_pull(REPO, title="PAY-900 new", head_ref="pay-900", user="bob", at=later(1))
    server.world.review_pull(REPO, 7, user="carol", state="APPROVED", at=later(2))
    server.reset_log()
    poll = host.poll_pulls(REPO, first.cursor, first.etag, overlap=OVERLAP)
    assert poll.changed and poll.etag != first.etag
    # 250 comes back through the overlap, unchanged: the sync sees that from its stored copy
    assert [p.number for p in poll.pulls] == [7, 251, 250] and poll.cursor == later(2)
    assert len(server.requests) == 1
    known = {p.number: p.updated_at for p in first.pulls}
    changed = [p.number for p in poll.pulls if known.get(p.number) != p.updated_at]
    server.reset_log()
    reviews = host.reviews(REPO, changed).reviews
    assert [r.route.endswith("/reviews") for r in server.requests] == [True, True]
    assert {(r.pr_number, r.reviewer, r.state.value) for r in reviews} >= {(7, "carol", "APPROVED")}


def test_reviews_flag_bot_reviewers(server: GitHubServer, host: GitHubHost) -> None:
    reviews = host.reviews(REPO, [4]).reviews
    assert {(r.reviewer, r.reviewer_is_bot) for r in reviews} == {
        ("bob", False),
        ("dependabot[bot]", True),
    }
    assert all(r.submitted_at is not None and r.submitted_at.tzinfo for r in reviews)


def test_releases_and_tags_with_drafts_and_prereleases(
    server: GitHubServer, host: GitHubHost
) -> None:
    poll = host.poll_releases(REPO, None)
    assert poll.requests == len(server.requests) == 2  # releases + tags, no lazy completion
    tags = {r.tag: r for r in poll.releases}
    assert set(tags) == {"v1.1.0", "v1.2.0", "v1.3.0", "v1.4.0", "v1.5.0", "v9.0.0-rc1", "v9.0.0"}
    assert tags["v9.0.0"].draft and tags["v9.0.0"].published_at is None
    assert tags["v9.0.0-rc1"].prerelease and not tags["v9.0.0-rc1"].eligible
    assert "v1.1.0" in poll.tags and len(poll.tags["v1.1.0"]) == 40


def test_containment_compares_each_release_pair_once(
    server: GitHubServer, host: GitHubHost
) -> None:
    pulls = host.poll_pulls(REPO, None, None, overlap=OVERLAP).pulls
    releases = host.poll_releases(REPO, None).releases
    merged = {p.merge_commit_sha: p.number for p in pulls if p.merge_commit_sha}
    server.reset_log()
    result = host.containments(REPO, releases, merged, done=set())
    assert result.pairs == [
        ("v1.1.0", "v1.2.0"),
        ("v1.2.0", "v1.3.0"),
        ("v1.3.0", "v1.4.0"),
        ("v1.4.0", "v1.5.0"),
    ]
    assert len(server.requests) == result.requests == 4
    by_release = {r.release_id: r.tag for r in releases}
    repo = server.world.github.repos[REPO]
    for c in result.containments:
        tag = by_release[c.release_id]
        number = c.pr_number
        assert 50 * (int(tag[3]) - 1) < number <= 50 * int(tag[3])
        assert repo.pulls[number].merge_commit_sha in repo.ancestors(repo.tags[tag])
    expected = sum(1 for n, p in repo.pulls.items() if p.merged_at and 50 < n <= 250)
    assert len(result.containments) == expected
    server.reset_log()
    again = host.containments(REPO, releases, merged, done=set(result.pairs))
    assert again.pairs == [] and again.containments == [] and not server.requests


def test_check_repo_and_whoami(host: GitHubHost) -> None:
    assert host.check_repo(REPO) == REPO
    account = host.whoami()
    assert account.login == "crosswalk-bot" and 0 < account.remaining <= account.limit == 5000


def test_item_links_use_the_configured_projects(host: GitHubHost) -> None:
    pr = host.poll_pulls(REPO, None, None, overlap=OVERLAP).pulls[0]
    assert [link.item_key for link in item_links(pr, {"PAY"})] == [f"PAY-{pr.number}"]
    assert item_links(pr, {"OPS"}) == []


def test_pygithub_prints_nothing_past_our_logging() -> None:
    # PyGithub attaches a bare stderr handler at INFO on import; the adapter removes it.
    import logging

    import integrations.github  # noqa: F401

    logger = logging.getLogger("github")
    assert not [h for h in logger.handlers if type(h) is logging.StreamHandler]
    assert logger.level == logging.WARNING
