"""Contract tests: the GitHub sandbox's responses against GitHub's schemas and real recordings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from github import Auth, Github
from github.GithubObject import GithubObject, _ValuedAttribute
from jsonschema import Draft202012Validator, FormatChecker

from integrations.sandbox import shipping
from integrations.sandbox.github.server import GitHubServer
from integrations.sandbox.world import World
from tests.support.gh_world import REPO, TOKEN, build_world, later

SPECS = Path(__file__).parents[5] / "shared" / "specs" / "github"  # ../shared beside the checkout
pytestmark = pytest.mark.skipif(not SPECS.exists(), reason="shared/specs/github not present")

# One sandbox request per schema'd operation, with the concrete path that exercises it.
SAMPLES = {
    "GET /repos/{owner}/{repo}/pulls": f"/repos/{REPO}/pulls?state=all&per_page=5",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}": f"/repos/{REPO}/pulls/1",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews": f"/repos/{REPO}/pulls/4/reviews",
    "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits": f"/repos/{REPO}/pulls/1/commits",
    "GET /repos/{owner}/{repo}/releases": f"/repos/{REPO}/releases",
    "GET /repos/{owner}/{repo}/releases/latest": f"/repos/{REPO}/releases/latest",
    "GET /repos/{owner}/{repo}/releases/tags/{tag}": f"/repos/{REPO}/releases/tags/v1.1.0",
    "GET /repos/{owner}/{repo}/tags": f"/repos/{REPO}/tags",
    "GET /repos/{owner}/{repo}/compare/{basehead}": f"/repos/{REPO}/compare/v1.1.0...v1.2.0",
    "GET /rate_limit": "/rate_limit",
    "GET /user": "/user",
    # issue #12 (release sources); {deployment} and {tag_sha} name the fixture's objects
    "GET /repos/{owner}/{repo}/commits/{ref}": f"/repos/{REPO}/commits/v1.1.0",
    "GET /repos/{owner}/{repo}/deployments": f"/repos/{REPO}/deployments?per_page=5",
    "GET /repos/{owner}/{repo}/deployments/{deployment_id}":
        f"/repos/{REPO}/deployments/{{deployment}}",
    "GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses":
        f"/repos/{REPO}/deployments/{{deployment}}/statuses",
    "GET /repos/{owner}/{repo}/environments": f"/repos/{REPO}/environments",
    "GET /repos/{owner}/{repo}/git/matching-refs/{ref}": f"/repos/{REPO}/git/matching-refs/tags",
    "GET /repos/{owner}/{repo}/git/ref/{ref}": f"/repos/{REPO}/git/ref/tags/v2.0.0",
    "GET /repos/{owner}/{repo}/git/tags/{tag_sha}": f"/repos/{REPO}/git/tags/{{tag_sha}}",
}
SKIPPED = {"GET /repos/{owner}/{repo}/pulls/{pull_number}/files"}  # not modelled: no files
# Schemas published for operations the sandbox does not serve strictly yet. Listed by name
# so that a new schema, or one of these served without leaving this list, still fails the
# test below.
NOT_YET_SERVED = {
    # served (tests/integrations/sandbox/github/test_events.py), but a pull_request event's
    # payload does not yet validate strictly against the event schema's oneOf
    "GET /repos/{owner}/{repo}/events",
}


def shipped_world() -> World:
    """``build_world``'s releases, plus deployments and an annotated and a lightweight tag."""
    world = build_world(pulls=12, releases=3)
    head = world.github.repos[REPO].tags["v1.3.0"]
    shipping.deploy(world, REPO, "staging", later(1), ref="v1.3.0", sha=head, description="rc")
    for hours in (2, 3):  # the second production success makes the first one inactive
        shipping.deploy(
            world, REPO, "production", later(hours), ref="v1.3.0", sha=head,
            description="v1.3.0", states=(("in_progress", later(hours)),
                                          ("success", later(hours + 0.5))),
        )
    shipping.tag(world, REPO, "v2.0.0", later(4), message="Second major")
    shipping.tag(world, REPO, "v2.0.1", later(5), annotated=False)
    return world


@pytest.fixture(scope="module")
def server() -> Iterator[GitHubServer]:
    with GitHubServer(shipped_world()) as running:
        yield running


def concrete(server: GitHubServer, sample: str) -> str:
    """A sample path with the fixture's first production deployment and tag object."""
    r = server.world.github.repos[REPO]
    first = next(d for d in r.deployments if d.environment == "production")
    return sample.format(deployment=first.id, tag_sha=r.annotated["v2.0.0"].sha)


def fetch(server: GitHubServer, path: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json"}
    return httpx.get(server.url + path, headers=headers, timeout=5)


def validator(schema_file: str) -> Draft202012Validator:
    schema = json.loads((SPECS / schema_file).read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def test_every_schema_operation_is_sampled() -> None:
    index = json.loads((SPECS / "schemas" / "index.json").read_text())
    assert set(index) - SKIPPED - NOT_YET_SERVED == set(SAMPLES)
    assert NOT_YET_SERVED <= set(index) and not NOT_YET_SERVED & set(SAMPLES)


@pytest.mark.parametrize("operation", sorted(SAMPLES))
def test_sandbox_response_validates_strictly_against_github_schema(
    server: GitHubServer, operation: str
) -> None:
    entry = json.loads((SPECS / "schemas" / "index.json").read_text())[operation]
    response = fetch(server, concrete(server, SAMPLES[operation]))
    assert response.status_code == int(entry["status"])
    body = response.json()
    if entry["is_array"]:
        assert body, "an empty list proves nothing"
    errors = sorted(validator(entry["schema"]).iter_errors(body), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/repos/{REPO}/pulls/999", 404),
        (f"/repos/{REPO}/releases/tags/nope", 404),
        (f"/repos/{REPO}/deployments/1", 404),
        (f"/repos/{REPO}/git/ref/tags/nope", 404),
        (f"/repos/{REPO}/git/tags/{'0' * 40}", 404),
        ("/repos/acme/missing", 404),
    ],
)
def test_error_bodies_are_basic_errors(server: GitHubServer, path: str, status: int) -> None:
    response = fetch(server, path)
    assert response.status_code == status
    errors = list(
        validator("schemas/component.basic-error.schema.json").iter_errors(response.json())
    )
    assert not errors and response.json()["message"] == "Not Found"


def test_rate_limit_error_bodies_are_basic_errors() -> None:
    basic = validator("schemas/component.basic-error.schema.json")
    with GitHubServer(build_world(pulls=2, releases=1)) as fresh:
        fresh.trigger_secondary_limit(retry_after=30, status=429)
        secondary = fetch(fresh, f"/repos/{REPO}")
        fresh.exhaust_rate_limit(60)
        primary = fetch(fresh, f"/repos/{REPO}")
    assert secondary.status_code == 429 and secondary.headers["retry-after"] == "30"
    assert "secondary rate limit" in secondary.json()["message"]
    assert primary.status_code == 403 and primary.headers["x-ratelimit-remaining"] == "0"
    for response in (secondary, primary):
        assert not list(basic.iter_errors(response.json()))


def test_bad_credentials_matches_the_documented_body(server: GitHubServer) -> None:
    response = httpx.get(server.url + "/user", headers={"Authorization": "token wrong"}, timeout=5)
    assert response.status_code == 401
    assert response.json()["message"] == "Bad credentials"


def test_list_items_lack_the_detail_keys_of_the_single_pull(server: GitHubServer) -> None:
    item = fetch(server, f"/repos/{REPO}/pulls?state=all").json()[0]
    single = fetch(server, f"/repos/{REPO}/pulls/{item['number']}").json()
    detail = {"merged", "additions", "deletions", "changed_files", "commits", "mergeable"}
    assert detail.isdisjoint(item) and detail <= set(single)
    for key in (
        "merged_at",
        "merge_commit_sha",
        "draft",
        "requested_reviewers",
        "body",
        "closed_at",
    ):
        assert key in item
    assert item["head"]["ref"] and item["user"]["type"] in ("User", "Bot")


# ---- replay of real recordings through PyGithub -------------------------------------------

# recorded path regex → (PyGithub class path, sandbox path, list?)
KINDS: list[tuple[str, str, str, bool]] = [
    (
        r"/repos/[^/]+/[^/]+/pulls",
        "github.PullRequest.PullRequest",
        f"/repos/{REPO}/pulls?state=all",
        True,
    ),
    (
        r"/repos/[^/]+/[^/]+/pulls/\d+",
        "github.PullRequest.PullRequest",
        f"/repos/{REPO}/pulls/1",
        False,
    ),
    (
        r"/repos/[^/]+/[^/]+/pulls/\d+/reviews",
        "github.PullRequestReview.PullRequestReview",
        f"/repos/{REPO}/pulls/4/reviews",
        True,
    ),
    (
        r"/repos/[^/]+/[^/]+/pulls/\d+/commits",
        "github.Commit.Commit",
        f"/repos/{REPO}/pulls/1/commits",
        True,
    ),
    (
        r"/(repos/[^/]+/[^/]+|repositories/\d+)/releases",
        "github.GitRelease.GitRelease",
        f"/repos/{REPO}/releases",
        True,
    ),
    (
        r"/repos/[^/]+/[^/]+/releases/(latest|tags/.+)",
        "github.GitRelease.GitRelease",
        f"/repos/{REPO}/releases/latest",
        False,
    ),
    (r"/repos/[^/]+/[^/]+/tags", "github.Tag.Tag", f"/repos/{REPO}/tags", True),
    (
        r"/(repos/[^/]+/[^/]+|repositories/\d+)/compare/.+",
        "github.Comparison.Comparison",
        f"/repos/{REPO}/compare/v1.1.0...v1.2.0?per_page=3&page=1",
        False,
    ),
    (r"/repos/[^/]+/[^/]+", "github.Repository.Repository", f"/repos/{REPO}", False),
    (r"/rate_limit", "github.RateLimitOverview.RateLimitOverview", "/rate_limit", False),
]
# Recorded attributes the sandbox leaves out on purpose: ``parent``/``source`` exist only on
# forks and ``security_and_analysis`` only for repository admins; sandbox repos are neither.
RETIRED = {"_parent", "_source", "_security_and_analysis"}


def recorded_exchanges() -> Iterator[tuple[str, str, Any]]:
    for file in sorted((SPECS / "recorded").glob("*.json")):
        if file.name == "manifest.json":
            continue
        for exchange in json.loads(file.read_text())["exchanges"]:
            request, response = exchange["request"], exchange["response"]
            if request["method"] != "GET" or response["status"] != 200:
                continue
            path = request["url"].split("?")[0]
            for pattern, klass, _, _ in KINDS:
                if re.fullmatch(pattern, path) and response["body"]:
                    yield f"{file.stem}:{path}", klass, response["body"]
                    break


def shape(obj: GithubObject, depth: int = 0) -> dict[str, Any]:
    """Attribute name → type (nested objects as their own shapes), as PyGithub parsed them."""
    out: dict[str, Any] = {}
    for name, value in vars(obj).items():
        if not isinstance(value, _ValuedAttribute):
            continue
        inner = value.value
        if isinstance(inner, GithubObject) and depth < 2:
            out[name] = shape(inner, depth + 1)
        elif isinstance(inner, list) and inner and isinstance(inner[0], GithubObject) and depth < 2:
            out[name] = [shape(inner[0], depth + 1)]
        else:
            out[name] = type(inner).__name__
    return out


def missing(recorded: dict[str, Any], ours: dict[str, Any], where: str = "") -> list[str]:
    problems = []
    for name, kind in recorded.items():
        if name in RETIRED:
            continue
        if name not in ours:
            problems.append(f"{where}{name} absent")
        elif isinstance(kind, dict) and isinstance(ours[name], dict):
            problems += missing(kind, ours[name], f"{where}{name}.")
        elif isinstance(kind, list) or isinstance(ours[name], list):
            if isinstance(kind, list) and isinstance(ours[name], list):
                problems += missing(kind[0], ours[name][0], f"{where}{name}[].")
            elif "list" not in (kind, ours[name]):  # an empty list on one side is a value
                problems.append(f"{where}{name}: recorded {kind}, sandbox {ours[name]}")
        elif "NoneType" in (kind, ours[name]):
            continue  # nullable: present on both sides, null on one is a value, not a shape
        elif kind != ours[name] and {kind, ours[name]} != {"int", "float"}:
            problems.append(f"{where}{name}: recorded {kind}, sandbox {ours[name]}")
    return problems


RECORDED = list(recorded_exchanges()) if SPECS.exists() else []


def build(gh: Github, klass: str, body: Any) -> GithubObject:
    module, _, name = klass.rpartition(".")
    cls = getattr(__import__(module, fromlist=[name]), name)
    item = body[0] if isinstance(body, list) else body
    obj: GithubObject = gh.create_from_raw_data(cls, item)
    return obj


def test_recordings_cover_every_modelled_kind() -> None:
    covered = {
        pattern
        for name, _, _ in RECORDED
        for pattern, _, _, _ in KINDS
        if re.fullmatch(pattern, name.split(":")[1])
    }
    assert covered == {pattern for pattern, _, _, _ in KINDS}


@pytest.mark.parametrize(("name", "klass", "body"), RECORDED, ids=[r[0] for r in RECORDED])
def test_sandbox_shape_matches_real_recording_through_pygithub(
    server: GitHubServer, name: str, klass: str, body: Any
) -> None:
    gh = Github(auth=Auth.Token(TOKEN), base_url=server.url, per_page=100, timeout=5, retry=None)
    sandbox_path = next(
        p for pat, k, p, _ in KINDS if k == klass and re.fullmatch(pat, name.split(":")[1])
    )
    ours = fetch(server, sandbox_path).json()
    problems = missing(shape(build(gh, klass, body)), shape(build(gh, klass, ours)))
    assert not problems, f"{name}: {problems}"
