"""A tiny deterministic GitHub world for the GitHub sandbox and adapter tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from integrations.sandbox.slack.state import SlackState
from integrations.sandbox.world import (
    GhCommit,
    GhRepo,
    GhUser,
    GitHubState,
    JiraState,
    JiraUser,
    World,
    make_sha,
    utc,
)

TOKEN = "gh-token-123"
VIEWER = "crosswalk-bot"
REPO = "acme/payments-api"
START = utc(2026, 9, 1, 9)
HUMANS = ["alice", "bob", "carol"]
BOTS = ["dependabot[bot]", "renovate"]  # renovate is type Bot without the suffix


def build_world(
    *, pulls: int = 12, releases: int = 3, token: str = TOKEN, repos: tuple[str, ...] = (REPO,)
) -> World:
    """A world with ``pulls`` PRs per repo (most merged, some reviewed) and ``releases``."""
    jira_user = JiraUser("acc-1", "Bot", "bot@acme.example")
    gh = GitHubState(token=token, viewer=VIEWER)
    for index, login in enumerate([VIEWER, *HUMANS, *BOTS]):
        kind = "Bot" if login in BOTS else "User"
        gh.users[login] = GhUser(login, 100 + index, kind, name=login.title())
    world = World(
        name="github-test",
        seed=1,
        now=START + timedelta(days=200),
        jira=JiraState(myself=jira_user, email="bot@acme.example", api_token="x"),
        github=gh,
        slack=SlackState("T1", "Acme", "xoxb-1", "secret", "UBOT", "BBOT"),
    )
    for repo_index, full_name in enumerate(repos):
        owner, name = full_name.split("/")
        root = make_sha(full_name, "root")
        repo = GhRepo(id=500 + repo_index, owner=owner, name=name)
        repo.commits[root] = GhCommit(root, (), "Initial commit", "alice", START)
        repo.branches["main"] = root
        gh.repos[full_name] = repo
        populate(world, full_name, pulls=pulls, releases=releases)
    return world


def populate(world: World, repo: str, *, pulls: int, releases: int) -> None:
    """Open, review and merge ``pulls`` PRs, publishing ``releases`` releases along the way."""
    every = max(pulls // max(releases, 1), 1)
    tag_no = 0
    for n in range(pulls):
        at = START + timedelta(hours=6 * (n + 1))
        author = (HUMANS + BOTS)[n % 5]
        pull = world.open_pull(
            repo,
            title=f"PAY-{n + 1}: change {n + 1}",
            head_ref=f"feature/pay-{n + 1}",
            user=author,
            at=at,
            body=f"Implements PAY-{n + 1}.",
            draft=n % 11 == 10,
            requested_reviewers=[HUMANS[(n + 1) % 3]],
        )
        if n % 3 != 2:
            world.review_pull(
                repo,
                pull.number,
                user=HUMANS[(n + 1) % 3],
                state="APPROVED",
                at=at + timedelta(hours=1),
            )
        if n % 7 == 3:
            world.review_pull(
                repo,
                pull.number,
                user="dependabot[bot]",
                state="COMMENTED",
                at=at + timedelta(hours=1, minutes=30),
            )
        if n % 4 != 3:
            world.merge_pull(repo, pull.number, at + timedelta(hours=2))
        if (n + 1) % every == 0 and tag_no < releases:
            tag_no += 1
            world.publish_release(repo, f"v1.{tag_no}.0", at + timedelta(hours=3))
    # a draft and a prerelease that never count
    last = START + timedelta(hours=6 * (pulls + 1))
    world.publish_release(repo, "v9.0.0-rc1", last, prerelease=True)
    world.publish_release(repo, "v9.0.0", last + timedelta(hours=1), draft=True)


def later(hours: float) -> datetime:
    """A time well after everything ``build_world`` creates."""
    return START + timedelta(days=150, hours=hours)
