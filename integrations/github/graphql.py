"""Pull requests with their reviews in one paginated GraphQL query per repository.

The REST path needs one request per 100 PRs plus one per PR for its reviews; here one query
returns up to ``PAGE`` PRs (newest updated first) with their first 100 reviews and review
requests, and only a PR with more reviews costs a follow-up query. GraphQL has no
conditional requests, so the free no-change poll stays on REST (the events feed and the
pulls listing's ETag); this runs only when those say something changed.

Records are the same as the REST path's: a ``Bot`` actor's GraphQL login lacks the
``[bot]`` suffix that REST shows, so it is put back; a deleted account is ``ghost``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.core.errors import IntegrationError, NotFound, Unavailable
from bot.core.logs import event
from bot.flow.model import PullRequest, Review, ReviewState, is_bot_login
from integrations.github.convert import GHOST

log = logging.getLogger(__name__)
SERVICE = "GitHub"

PAGE = 50  # PRs per query: 50 x (1 + 100 reviews + 10 requests) keeps the cost at ~6 points

_ACTOR = "author { __typename login }"
_REVIEWS = f"""totalCount pageInfo {{ hasNextPage endCursor }}
      nodes {{ databaseId state submittedAt {_ACTOR} }}"""
PULLS_QUERY = f"""
query($owner: String!, $name: String!, $first: Int!, $after: String) {{
  rateLimit {{ cost remaining resetAt }}
  repository(owner: $owner, name: $name) {{
    pullRequests(first: $first, after: $after, orderBy: {{field: UPDATED_AT, direction: DESC}}) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        number title body headRefName state isDraft url
        createdAt updatedAt closedAt mergedAt mergeCommit {{ oid }}
        {_ACTOR}
        reviewRequests(first: 100) {{ nodes {{ requestedReviewer {{
          __typename ... on User {{ login }} ... on Bot {{ login }} ... on Mannequin {{ login }}
        }} }} }}
        reviews(first: 100) {{ {_REVIEWS} }}
      }}
    }}
  }}
}}
"""
MORE_REVIEWS_QUERY = f"""
query($owner: String!, $name: String!, $number: Int!, $after: String) {{
  rateLimit {{ cost remaining resetAt }}
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{ reviews(first: 100, after: $after) {{ {_REVIEWS} }} }}
  }}
}}
"""

Query = Callable[[str, dict[str, Any]], dict[str, Any]]  # (query, variables) -> "data"


@dataclass(slots=True)
class PullsPage:
    """What one listing found: PRs updated since the threshold, their reviews, its cost."""

    pulls: list[PullRequest] = field(default_factory=list)
    reviews: dict[int, list[Review]] = field(default_factory=dict)
    queries: int = 0
    points: int = 0


class GraphQLUnavailable(IntegrationError):
    """The server has no GraphQL for this token (404, disabled, or refused): use REST."""


def list_pulls(query: Query, repo: str, threshold: datetime | None,
               *, page: int = PAGE) -> PullsPage:
    """Every PR of ``repo`` updated at or after ``threshold`` (all without one), with reviews."""
    owner, name = repo.split("/", 1)
    out = PullsPage()
    after: str | None = None
    while True:
        data = _run(query, PULLS_QUERY, {"owner": owner, "name": name, "first": page,
                                         "after": after}, out)
        repository = data.get("repository")
        if repository is None:
            raise NotFound(SERVICE, f"repository {repo} not found or not visible to GITHUB_TOKEN")
        connection = repository["pullRequests"]
        nodes = connection["nodes"] or []
        for node in nodes:
            pull = pull_request(repo, node)
            if threshold is not None and pull.updated_at < threshold:
                _log_listed(repo, out)
                return out
            out.pulls.append(pull)
            out.reviews[pull.number] = _all_reviews(query, repo, node, out)
        info = connection["pageInfo"]
        if not info["hasNextPage"] or not nodes:
            _log_listed(repo, out)
            return out
        after = info["endCursor"]


def _log_listed(repo: str, out: PullsPage) -> None:
    event(log, "github.graphql_pulls_listed", repo=repo, pulls=len(out.pulls),
          queries=out.queries, points=out.points)


def _run(query: Query, text: str, variables: dict[str, Any], out: PullsPage) -> dict[str, Any]:
    data = query(text, variables)
    out.queries += 1
    cost = (data.get("rateLimit") or {}).get("cost")
    out.points += cost if isinstance(cost, int) else 1
    return data


def _all_reviews(query: Query, repo: str, node: dict[str, Any], out: PullsPage) -> list[Review]:
    number = int(node["number"])
    connection = node["reviews"]
    reviews = [review(repo, number, r) for r in connection["nodes"] or []]
    owner, name = repo.split("/", 1)
    while connection["pageInfo"]["hasNextPage"]:
        data = _run(query, MORE_REVIEWS_QUERY, {"owner": owner, "name": name, "number": number,
                                                "after": connection["pageInfo"]["endCursor"]},
                    out)
        pull = (data.get("repository") or {}).get("pullRequest")
        if pull is None:
            raise Unavailable(SERVICE, f"reviews of {repo}#{number} vanished while paging them")
        connection = pull["reviews"]
        reviews += [review(repo, number, r) for r in connection["nodes"] or []]
    return reviews


def _login(actor: dict[str, Any] | None) -> tuple[str, bool]:
    if actor is None:
        return GHOST, False
    login = str(actor.get("login") or GHOST)
    if actor.get("__typename") == "Bot":
        return (login if login.endswith("[bot]") else f"{login}[bot]"), True
    return login, is_bot_login(login)


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def pull_request(repo: str, node: dict[str, Any]) -> PullRequest:
    """A ``PullRequest`` record from one GraphQL ``PullRequest`` node."""
    author, bot = _login(node.get("author"))
    created, updated = _time(node["createdAt"]), _time(node["updatedAt"])
    assert created is not None and updated is not None  # non-null in GitHub's schema
    merged = _time(node.get("mergedAt"))
    requested: list[str] = []
    for request in (node.get("reviewRequests") or {}).get("nodes") or []:
        reviewer = (request or {}).get("requestedReviewer") or {}
        if reviewer.get("login"):  # teams have no login and are no reviewer record
            requested.append(_login(reviewer)[0])
    return PullRequest(
        repo=repo,
        number=int(node["number"]),
        title=node.get("title") or "",
        body=node.get("body") or "",
        head_ref=node.get("headRefName") or "",
        author=author,
        author_is_bot=bot,
        state="open" if node.get("state") == "OPEN" else "closed",
        draft=bool(node.get("isDraft")),
        created_at=created,
        updated_at=updated,
        closed_at=_time(node.get("closedAt")),
        merged_at=merged,
        merge_commit_sha=(node.get("mergeCommit") or {}).get("oid"),
        requested_reviewers=tuple(requested),
        url=node.get("url") or "",
    )


def review(repo: str, number: int, node: dict[str, Any]) -> Review:
    """A ``Review`` record from one GraphQL ``PullRequestReview`` node."""
    login, bot = _login(node.get("author"))
    try:
        state = ReviewState(str(node.get("state")))
    except ValueError:  # an unknown future state counts as a comment, never as approval
        state = ReviewState.COMMENTED
    submitted = _time(node.get("submittedAt")) if state != ReviewState.PENDING else None
    return Review(repo=repo, pr_number=number, review_id=int(node["databaseId"]),
                  reviewer=login, reviewer_is_bot=bot, state=state, submitted_at=submitted)


def reviews_of(page: PullsPage, numbers: Collection[int]) -> list[Review] | None:
    """The reviews of ``numbers`` when the listing fetched all of them, else None."""
    if not all(n in page.reviews for n in numbers):
        return None
    return [r for n in sorted(set(numbers)) for r in page.reviews[n]]
