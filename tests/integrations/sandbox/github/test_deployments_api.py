"""Deployments, environments, git refs and tag objects of the GitHub sandbox, through PyGithub."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from github import Auth, Github, UnknownObjectException

from integrations.sandbox import shipping
from integrations.sandbox.github.server import GitHubServer
from integrations.sandbox.shipping import GhDeployment
from integrations.sandbox.world import World
from tests.support.gh_world import REPO, TOKEN, build_world, later

DEPLOYMENTS = f"/repos/{REPO}/deployments"
TAGS = ("v1.1.0", "v1.2.0", "v1.3.0")


def shipped() -> tuple[World, list[GhDeployment]]:
    """``build_world``'s three releases deployed 24 times: alternating staging and
    production, the three tagged commits in turn, every fourth a migration task."""
    world = build_world(pulls=12, releases=3)
    r = world.github.repos[REPO]
    made = []
    for n in range(24):
        tag = TAGS[n % 3]
        made.append(shipping.deploy(
            world, REPO, "production" if n % 2 else "staging", later(n), ref=tag,
            sha=r.tags[tag], description=f"deploy {n}",
        ))
        if n % 4 == 3:  # shipping.deploy always asks for GitHub's default task
            made[-1].task = "deploy:migrations"
    shipping.tag(world, REPO, "v2.0.0", later(30), message="Second major", tagger="alice")
    shipping.tag(world, REPO, "v2.0.1", later(31), annotated=False)
    return world, made


@pytest.fixture
def world() -> World:
    return shipped()[0]


@pytest.fixture
def server(world: World) -> Iterator[GitHubServer]:
    with GitHubServer(world) as running:
        yield running


def client(server: GitHubServer, per_page: int = 5) -> Github:
    # lazy=False: a missing object raises at once; no courtesy throttle between requests
    return Github(auth=Auth.Token(TOKEN), base_url=server.url, per_page=per_page, timeout=5,
                  retry=None, seconds_between_requests=0)


def ids_newest_first(world: World, **wanted: str) -> list[int]:
    deployments = world.github.repos[REPO].deployments
    chosen = [d.id for d in deployments if all(getattr(d, k) == v for k, v in wanted.items())]
    return sorted(chosen, reverse=True)


# ---- deployments ------------------------------------------------------------------------


def test_deployments_of_an_environment_are_listed_newest_first_across_pages(
    server: GitHubServer,
) -> None:
    listed = list(client(server).get_repo(REPO).get_deployments(environment="production"))
    assert [d.id for d in listed] == ids_newest_first(server.world, environment="production")
    assert len(listed) == 12 and {d.environment for d in listed} == {"production"}
    assert [d.description for d in listed[:2]] == ["deploy 23", "deploy 21"]
    pages = [r.query.get("page") for r in server.requests if r.path == DEPLOYMENTS]
    assert pages == [None, ["2"], ["3"]]  # 12 at 5 a page


@pytest.mark.parametrize(
    "wanted",
    [
        {"ref": "v1.2.0"},
        {"task": "deploy:migrations"},
        {"ref": "v1.1.0", "environment": "staging"},
        {"ref": "v1.3.0", "task": "deploy", "environment": "production"},
    ],
)
def test_deployments_filter_by_exact_ref_task_and_environment(
    server: GitHubServer, wanted: dict[str, str]
) -> None:
    listed = list(client(server, per_page=100).get_repo(REPO).get_deployments(**wanted))
    assert [d.id for d in listed] == ids_newest_first(server.world, **wanted)
    assert listed and all(getattr(d, k) == v for d in listed for k, v in wanted.items())


def test_deployments_filter_by_sha_and_match_environment_names_ignoring_case(
    server: GitHubServer,
) -> None:
    sha = server.world.github.repos[REPO].tags["v1.1.0"]
    listed = list(client(server, per_page=100).get_repo(REPO).get_deployments(sha=sha))
    assert len(listed) == 8 and {d.ref for d in listed} == {"v1.1.0"}
    assert [d.id for d in listed] == ids_newest_first(server.world, sha=sha)
    upper = client(server).get_repo(REPO).get_deployments(environment="PRODUCTION")
    assert [d.id for d in upper] == ids_newest_first(server.world, environment="production")
    assert list(client(server).get_repo(REPO).get_deployments(environment="prod")) == []


def test_one_deployment_carries_its_creator_and_production_flag() -> None:
    world, made = shipped()
    with GitHubServer(world) as server:
        repo = client(server).get_repo(REPO)
        production, staging = repo.get_deployment(made[1].id), repo.get_deployment(made[0].id)
        tagged = world.github.repos[REPO].tags["v1.2.0"]
        assert (production.ref, production.sha) == ("v1.2.0", tagged)
        assert production.created_at == later(1) and production.creator.login == "crosswalk-bot"
        assert production.raw_data["production_environment"] is True
        assert staging.raw_data["production_environment"] is False


def test_statuses_are_listed_newest_first_across_pages(world: World) -> None:
    states = ("queued", "in_progress", "pending") * 4
    timed = [(state, later(50) + timedelta(minutes=n)) for n, state in enumerate(states)]
    d = shipping.deploy(world, REPO, "qa", later(50), states=(*timed, ("success", later(51))))
    with GitHubServer(world) as server:
        listed = list(client(server).get_repo(REPO).get_deployment(d.id).get_statuses())
        assert [s.state for s in listed] == ["success", *reversed(states)]
        assert [s.created_at for s in listed][:2] == [later(51), later(50) + timedelta(minutes=11)]
        assert {s.environment for s in listed} == {"qa"}
        pages = [r.query.get("page") for r in server.requests if r.path.endswith("/statuses")]
        assert pages == [None, ["2"], ["3"]]  # 13 at 5 a page


def test_a_second_production_success_makes_the_first_inactive(world: World) -> None:
    first = shipping.deploy(world, REPO, "production", later(60))
    staging = shipping.deploy(world, REPO, "staging", later(61))
    with GitHubServer(world) as server:
        repo = client(server).get_repo(REPO)
        assert [s.state for s in repo.get_deployment(first.id).get_statuses()] == ["success"]
        second = shipping.deploy(world, REPO, "production", later(62), states=(
            ("in_progress", later(62)), ("success", later(63))))
        statuses = list(repo.get_deployment(first.id).get_statuses())
        assert [(s.state, s.created_at) for s in statuses] == [
            ("inactive", later(63)), ("success", later(60))]
        assert [s.state for s in repo.get_deployment(second.id).get_statuses()] == [
            "success", "in_progress"]
        assert [s.state for s in repo.get_deployment(staging.id).get_statuses()] == ["success"]
        assert repo.get_deployment(first.id).updated_at == later(63)


def test_a_listing_etag_answers_304_until_a_deployment_or_status_is_added(
    server: GitHubServer,
) -> None:
    auth = {"Authorization": f"token {TOKEN}"}
    url = f"{server.url}{DEPLOYMENTS}?environment=production"
    first = httpx.get(url, headers=auth, timeout=5)
    again = httpx.get(url, headers={**auth, "If-None-Match": first.headers["etag"]}, timeout=5)
    assert first.status_code == 200 and again.status_code == 304 and again.content == b""
    added = shipping.deploy(server.world, REPO, "production", later(70))
    changed = httpx.get(url, headers={**auth, "If-None-Match": first.headers["etag"]}, timeout=5)
    assert changed.status_code == 200 and changed.json()[0]["id"] == added.id
    assert changed.headers["etag"] != first.headers["etag"]
    statuses = f"{server.url}{DEPLOYMENTS}/{added.id}/statuses"
    seen = {**auth, "If-None-Match": httpx.get(statuses, headers=auth, timeout=5).headers["etag"]}
    assert httpx.get(statuses, headers=seen, timeout=5).status_code == 304
    shipping.add_status(server.world, REPO, added.id, "failure", later(71))
    moved = httpx.get(statuses, headers=seen, timeout=5)
    assert moved.status_code == 200 and moved.json()[0]["state"] == "failure"


def test_a_deployment_added_while_the_server_runs_is_listed_first(server: GitHubServer) -> None:
    repo = client(server).get_repo(REPO)
    before = [d.id for d in repo.get_deployments(environment="staging")]
    added = shipping.deploy(server.world, REPO, "staging", later(80), ref="main")
    after = [d.id for d in repo.get_deployments(environment="staging")]
    assert after == [added.id, *before]
    assert repo.get_deployment(added.id).ref == "main"


def test_unknown_deployments_tags_and_refs_are_404(server: GitHubServer) -> None:
    repo = client(server).get_repo(REPO)
    with pytest.raises(UnknownObjectException):
        repo.get_deployment(1)
    with pytest.raises(UnknownObjectException):
        repo.get_git_ref("tags/v7.7.7")
    with pytest.raises(UnknownObjectException):
        repo.get_git_tag("0" * 40)
    with pytest.raises(UnknownObjectException):  # a lightweight tag has no tag object
        repo.get_git_tag(server.world.github.repos[REPO].tags["v2.0.1"])
    statuses = httpx.get(f"{server.url}{DEPLOYMENTS}/1/statuses",
                         headers={"Authorization": f"token {TOKEN}"}, timeout=5)
    assert statuses.status_code == 404 and statuses.json()["message"] == "Not Found"


# ---- environments -------------------------------------------------------------------------


def test_environments_are_those_deployed_to_with_stable_ids(server: GitHubServer) -> None:
    listed = client(server).get_repo(REPO).get_environments()
    assert listed.totalCount == 2
    assert [(e.name, e.created_at) for e in listed] == [("staging", later(0)),
                                                         ("production", later(1))]
    restarted = shipped()[0]
    for d in restarted.github.repos[REPO].deployments:  # equal names, other str objects
        d.environment = "".join(list(d.environment))
    with GitHubServer(restarted) as other:
        again = client(other).get_repo(REPO).get_environments()
        assert [e.id for e in again] == [e.id for e in listed]
    assert len({e.id for e in listed}) == 2


def test_the_same_environment_name_in_two_repositories_has_two_ids() -> None:
    world = build_world(pulls=2, releases=1, repos=(REPO, "acme/ledger"))
    for full_name in world.github.repos:
        shipping.deploy(world, full_name, "production", later(1))
    with GitHubServer(world) as server:
        gh = client(server)
        ids = {name: [e.id for e in gh.get_repo(name).get_environments()]
               for name in world.github.repos}
    assert len(ids[REPO]) == len(ids["acme/ledger"]) == 1 and ids[REPO] != ids["acme/ledger"]


# ---- git refs, tag objects, commits -------------------------------------------------------


def test_an_annotated_tag_ref_points_at_its_tag_object_a_lightweight_one_at_the_commit(
    server: GitHubServer,
) -> None:
    r = server.world.github.repos[REPO]
    repo = client(server).get_repo(REPO)
    annotated, light = repo.get_git_ref("tags/v2.0.0"), repo.get_git_ref("tags/v1.1.0")
    assert (annotated.object.type, annotated.object.sha) == ("tag", r.annotated["v2.0.0"].sha)
    assert annotated.object.sha != r.tags["v2.0.0"]
    assert (light.object.type, light.object.sha) == ("commit", r.tags["v1.1.0"])
    head = repo.get_git_ref("heads/main")
    assert (head.ref, head.object.type, head.object.sha) == (
        "refs/heads/main", "commit", r.branches["main"])


def test_a_tag_object_carries_the_tagger_date_message_and_commit(server: GitHubServer) -> None:
    r = server.world.github.repos[REPO]
    repo = client(server).get_repo(REPO)
    tag = repo.get_git_tag(repo.get_git_ref("tags/v2.0.0").object.sha)
    assert (tag.tag, tag.message, tag.tagger.name, tag.tagger.date) == (
        "v2.0.0", "Second major", "alice", later(30))
    assert (tag.object.type, tag.object.sha) == ("commit", r.branches["main"])


def test_matching_refs_lists_refs_by_name_prefix_sorted(server: GitHubServer) -> None:
    repo = client(server, per_page=3).get_repo(REPO)
    assert [ref.ref for ref in repo.get_git_matching_refs("tags")] == [
        "refs/tags/v1.1.0", "refs/tags/v1.2.0", "refs/tags/v1.3.0", "refs/tags/v2.0.0",
        "refs/tags/v2.0.1", "refs/tags/v9.0.0", "refs/tags/v9.0.0-rc1",
    ]
    kinds = [(ref.ref, ref.object.type) for ref in repo.get_git_matching_refs("tags/v2")]
    assert kinds == [("refs/tags/v2.0.0", "tag"), ("refs/tags/v2.0.1", "commit")]
    assert list(repo.get_git_matching_refs("tags/nope")) == []


def test_a_commit_reports_its_committer_date(server: GitHubServer) -> None:
    r = server.world.github.repos[REPO]
    for tag in TAGS:
        sha = r.tags[tag]
        commit = client(server).get_repo(REPO).get_commit(sha)
        assert commit.sha == sha and commit.commit.committer.date == r.commits[sha].date


# ---- worlds shipping without releases -----------------------------------------------------


def published() -> dict[str, tuple[str, datetime]]:
    """The releases ``build_world`` publishes as final: tag → (commit, publication time)."""
    world = build_world(pulls=12, releases=3)
    r = world.github.repos[REPO]
    return {rel.tag_name: (r.tags[rel.tag_name], rel.published_at) for rel in r.releases
            if rel.published_at is not None and not rel.prerelease}


def test_as_deployments_ships_each_release_to_production_at_its_time() -> None:
    expected = published()
    assert sorted(expected) == list(TAGS)
    world = shipping.as_deployments(build_world(pulls=12, releases=3))
    with GitHubServer(world) as server:
        repo = client(server, per_page=100).get_repo(REPO)
        assert list(repo.get_releases()) == []
        production = list(repo.get_deployments(environment="production"))
        assert {d.ref: (d.sha, d.created_at) for d in production} == expected
        assert [d.ref for d in production] == ["v1.3.0", "v1.2.0", "v1.1.0"]
        latest = [next(iter(d.get_statuses())).state for d in production]  # newest first
        assert latest == ["success", "inactive", "inactive"]
        staging = {d.ref: d.created_at for d in repo.get_deployments(environment="staging")}
        assert sorted(staging) == [*TAGS, "v9.0.0-rc1"]  # the prerelease: staging only
        assert all(staging[t] == expected[t][1] - timedelta(hours=1) for t in TAGS)
        assert "v9.0.0" not in {d.ref for d in repo.get_deployments()}  # the draft vanished
        assert [e.name for e in repo.get_environments()] == ["staging", "production"]


def test_as_tags_ships_each_release_as_an_annotated_tag_dated_at_publication() -> None:
    expected = published()
    world = shipping.as_tags(build_world(pulls=12, releases=3))
    with GitHubServer(world) as server:
        repo = client(server).get_repo(REPO)
        assert list(repo.get_releases()) == []
        for name, (sha, at) in expected.items():
            ref = repo.get_git_ref(f"tags/{name}")
            assert ref.object.type == "tag"
            tag = repo.get_git_tag(ref.object.sha)
            assert (tag.object.sha, tag.tagger.date, tag.message) == (sha, at, name)
        assert [ref.ref for ref in repo.get_git_matching_refs("tags")] == [
            f"refs/tags/{t}" for t in TAGS]  # the draft's and the prerelease's tags went
