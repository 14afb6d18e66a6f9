"""PyGithub objects → the flow's frozen records, reading only attributes of list payloads.

Any attribute a list payload lacks (``merged``, ``additions``, a user's ``name``...) would
make PyGithub fetch the full object: one more request per item. The readers below touch
only what ``GET /pulls``, ``/reviews`` and ``/releases`` items carry.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from github.GitRelease import GitRelease
from github.NamedUser import NamedUser
from github.PullRequest import PullRequest as GhPullRequest
from github.PullRequestReview import PullRequestReview

from bot.flow.linking import extract_keys
from bot.flow.model import ItemLink, PullRequest, Release, Review, ReviewState, is_bot_login

GHOST = "ghost"  # GitHub's login for deleted accounts (user is null in payloads)


def aware(value: datetime | None) -> datetime | None:
    """PyGithub's datetimes as aware UTC (older versions returned naive UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _user(user: NamedUser | None) -> tuple[str, bool]:
    if user is None:
        return GHOST, False
    login = user.login
    return login, is_bot_login(login, user.type)


def pull_request(repo: str, pr: GhPullRequest) -> PullRequest:
    """A ``PullRequest`` record from one item of the pulls list."""
    author, bot = _user(pr.user)
    created, updated = aware(pr.created_at), aware(pr.updated_at)
    assert created is not None and updated is not None  # always present in list payloads
    return PullRequest(
        repo=repo,
        number=pr.number,
        title=pr.title or "",
        body=pr.body or "",
        head_ref=pr.head.ref,
        author=author,
        author_is_bot=bot,
        state=pr.state,
        draft=bool(pr.draft),
        created_at=created,
        updated_at=updated,
        closed_at=aware(pr.closed_at),
        merged_at=aware(pr.merged_at),
        merge_commit_sha=pr.merge_commit_sha,
        requested_reviewers=tuple(u.login for u in pr.requested_reviewers),
        url=pr.html_url or "",
    )


def review(repo: str, number: int, rv: PullRequestReview) -> Review:
    """A ``Review`` record from one item of a PR's reviews list."""
    login, bot = _user(rv.user)
    try:
        state = ReviewState(rv.state)
    except ValueError:  # an unknown future state counts as a comment, never as approval
        state = ReviewState.COMMENTED
    return Review(
        repo=repo,
        pr_number=number,
        review_id=rv.id,
        reviewer=login,
        reviewer_is_bot=bot,
        state=state,
        submitted_at=aware(rv.submitted_at) if state != ReviewState.PENDING else None,
    )


def release(repo: str, rel: GitRelease) -> Release:
    """A ``Release`` record from one item of the releases list."""
    created = aware(rel.created_at)
    assert created is not None
    return Release(
        repo=repo,
        release_id=rel.id,
        tag=rel.tag_name,
        name=rel.name or rel.tag_name,
        draft=rel.draft,
        prerelease=rel.prerelease,
        created_at=created,
        published_at=None if rel.draft else aware(rel.published_at),
        url=rel.html_url or "",
    )


def item_links(pr: PullRequest, projects: Collection[str]) -> list[ItemLink]:
    """Links to every key of ``projects`` in the PR's title, head branch and body."""
    keys = extract_keys(pr.title, pr.head_ref, pr.body, projects)
    return [ItemLink(key, pr.repo, pr.number) for key in sorted(keys)]
