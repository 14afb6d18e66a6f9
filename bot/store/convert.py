"""Conversions between raw-record rows and the frozen records of ``bot.flow.model``."""

from __future__ import annotations

import json
from typing import Any

from bot.flow.model import PullRequest, Release, Review, ReviewState, StatusChange, WorkItem
from bot.store.base import Row


def work_item_row(item: WorkItem) -> Row:
    """Column values of a work item (its fix versions live in ``item_fix_versions``)."""
    return {
        "key": item.key,
        "project": item.project,
        "issue_type": item.issue_type,
        "summary": item.summary,
        "status": item.status,
        "created": item.created,
        "updated": item.updated,
        "resolved": item.resolved,
        "url": item.url,
    }


def to_work_item(row: Any, fix_versions: tuple[str, ...] = ()) -> WorkItem:
    """A ``WorkItem`` from a ``work_items`` row."""
    return WorkItem(
        key=row.key,
        project=row.project,
        issue_type=row.issue_type,
        summary=row.summary,
        status=row.status,
        created=row.created,
        updated=row.updated,
        resolved=row.resolved,
        fix_versions=fix_versions,
        url=row.url,
    )


def pull_request_row(pr: PullRequest) -> Row:
    """Column values of a pull request."""
    return {
        "repo": pr.repo,
        "number": pr.number,
        "title": pr.title,
        "body": pr.body,
        "head_ref": pr.head_ref,
        "author": pr.author,
        "author_is_bot": pr.author_is_bot,
        "state": pr.state,
        "draft": pr.draft,
        "created_at": pr.created_at,
        "updated_at": pr.updated_at,
        "closed_at": pr.closed_at,
        "merged_at": pr.merged_at,
        "merge_commit_sha": pr.merge_commit_sha,
        "requested_reviewers": json.dumps(list(pr.requested_reviewers)),
        "url": pr.url,
    }


def to_pull_request(row: Any) -> PullRequest:
    """A ``PullRequest`` from a ``pull_requests`` row."""
    return PullRequest(
        repo=row.repo,
        number=row.number,
        title=row.title,
        body=row.body,
        head_ref=row.head_ref,
        author=row.author,
        author_is_bot=row.author_is_bot,
        state=row.state,
        draft=row.draft,
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        merged_at=row.merged_at,
        merge_commit_sha=row.merge_commit_sha,
        requested_reviewers=tuple(json.loads(row.requested_reviewers)),
        url=row.url,
    )


def to_review(row: Any) -> Review:
    """A ``Review`` from a ``reviews`` row."""
    return Review(
        repo=row.repo,
        pr_number=row.pr_number,
        review_id=row.review_id,
        reviewer=row.reviewer,
        reviewer_is_bot=row.reviewer_is_bot,
        state=ReviewState(row.state),
        submitted_at=row.submitted_at,
    )


def to_release(row: Any) -> Release:
    """A ``Release`` from a ``releases`` row."""
    return Release(
        repo=row.repo,
        release_id=row.release_id,
        tag=row.tag,
        name=row.name,
        draft=row.draft,
        prerelease=row.prerelease,
        created_at=row.created_at,
        published_at=row.published_at,
        url=row.url,
        kind=row.kind,
        sha=row.sha,
        ref=row.ref,
        rollback=row.rollback,
    )


def to_status_change(row: Any) -> StatusChange:
    """A ``StatusChange`` from a ``status_changes`` row."""
    return StatusChange(
        item_key=row.item_key,
        change_id=row.change_id,
        at=row.at,
        from_status=row.from_status,
        to_status=row.to_status,
    )
