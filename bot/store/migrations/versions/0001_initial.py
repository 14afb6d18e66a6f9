"""Initial schema: raw records, derived facts, cursors, leases and ledgers.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 23:45:26.873347
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

# Frozen here (not imported from bot.store.db) so later code changes cannot alter history:
# timestamptz on PostgreSQL, fixed-width ISO-8601 UTC text on SQLite, as UTCDateTime maps them.


def _utc() -> sa.types.TypeEngine[datetime]:
    return sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "alert_ledger",
        sa.Column("alert_key", sa.Text(), nullable=False),
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("claimed_at", _utc(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("message_ts", sa.Text(), nullable=True),
        sa.Column("held_until", _utc(), nullable=True),
        sa.Column("acknowledged_by", sa.Text(), nullable=True),
        sa.Column("acknowledged_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("alert_key", "level", "recipient", name=op.f("pk_alert_ledger")),
    )
    op.create_index(
        op.f("ix_alert_ledger_sent_at_held_until"),
        "alert_ledger",
        ["sent_at", "held_until"],
        unique=False,
    )

    op.create_table(
        "containments",
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("release_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pr_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("repo", "release_id", "pr_number", name=op.f("pk_containments")),
    )
    op.create_index(
        op.f("ix_containments_repo_pr_number"), "containments", ["repo", "pr_number"], unique=False
    )

    op.create_table(
        "digest_ledger",
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("week", sa.Text(), nullable=False),
        sa.Column("claimed_at", _utc(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("message_ts", sa.Text(), nullable=True),
        sa.Column("posted_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("team", "week", name=op.f("pk_digest_ledger")),
    )
    op.create_table(
        "fix_versions",
        sa.Column("version_id", sa.Text(), nullable=False),
        sa.Column("project", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("released", sa.Boolean(), nullable=False),
        sa.Column("release_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("version_id", name=op.f("pk_fix_versions")),
    )
    op.create_table(
        "handoff_facts",
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("ended_at", _utc(), nullable=True),
        sa.Column("end", sa.Text(), nullable=True),
        sa.Column("pickup_pr", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("item_key", "seq", name=op.f("pk_handoff_facts")),
    )
    op.create_index(op.f("ix_handoff_facts_ended_at"), "handoff_facts", ["ended_at"], unique=False)
    op.create_index(
        op.f("ix_handoff_facts_started_at"), "handoff_facts", ["started_at"], unique=False
    )

    op.create_table(
        "incident_facts",
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("created", _utc(), nullable=False),
        sa.Column("resolved", _utc(), nullable=True),
        sa.Column("release_repo", sa.Text(), nullable=True),
        sa.Column("release_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("item_key", name=op.f("pk_incident_facts")),
    )
    op.create_index(op.f("ix_incident_facts_created"), "incident_facts", ["created"], unique=False)
    op.create_index(
        op.f("ix_incident_facts_resolved"), "incident_facts", ["resolved"], unique=False
    )

    op.create_table(
        "item_facts",
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("first_handoff_at", _utc(), nullable=True),
        sa.Column("delivered_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("item_key", name=op.f("pk_item_facts")),
    )
    op.create_index(
        op.f("ix_item_facts_delivered_at"), "item_facts", ["delivered_at"], unique=False
    )

    op.create_table(
        "item_links",
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("pr_number", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("item_key", "repo", "pr_number", name=op.f("pk_item_links")),
    )
    op.create_index(
        op.f("ix_item_links_repo_pr_number"), "item_links", ["repo", "pr_number"], unique=False
    )

    op.create_table(
        "leases",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("holder", sa.Text(), nullable=False),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    op.create_table(
        "pr_facts",
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("author_is_bot", sa.Boolean(), nullable=False),
        sa.Column("opened_at", _utc(), nullable=False),
        sa.Column("merged_at", _utc(), nullable=True),
        sa.Column("first_review_at", _utc(), nullable=True),
        sa.Column("release_id", sa.Integer(), nullable=True),
        sa.Column("released_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("repo", "number", name=op.f("pk_pr_facts")),
    )
    op.create_index(
        op.f("ix_pr_facts_repo_first_review_at"),
        "pr_facts",
        ["repo", "first_review_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_pr_facts_repo_merged_at"), "pr_facts", ["repo", "merged_at"], unique=False
    )
    op.create_index(
        op.f("ix_pr_facts_repo_opened_at"), "pr_facts", ["repo", "opened_at"], unique=False
    )
    op.create_index(
        op.f("ix_pr_facts_repo_released_at"), "pr_facts", ["repo", "released_at"], unique=False
    )

    op.create_table(
        "pull_requests",
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("head_ref", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("author_is_bot", sa.Boolean(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("closed_at", _utc(), nullable=True),
        sa.Column("merged_at", _utc(), nullable=True),
        sa.Column("merge_commit_sha", sa.Text(), nullable=True),
        sa.Column("requested_reviewers", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("repo", "number", name=op.f("pk_pull_requests")),
    )
    op.create_index(
        op.f("ix_pull_requests_repo_state"), "pull_requests", ["repo", "state"], unique=False
    )

    op.create_table(
        "release_facts",
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("release_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("published_at", _utc(), nullable=False),
        sa.Column("is_hotfix", sa.Boolean(), nullable=False),
        sa.Column("failed", sa.Boolean(), nullable=False),
        sa.Column("failure_reasons", sa.Text(), nullable=False),
        sa.Column("downtime_hours", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("repo", "release_id", name=op.f("pk_release_facts")),
    )
    op.create_index(
        op.f("ix_release_facts_repo_published_at"),
        "release_facts",
        ["repo", "published_at"],
        unique=False,
    )

    op.create_table(
        "releases",
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("release_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("prerelease", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("published_at", _utc(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("repo", "release_id", name=op.f("pk_releases")),
        sa.UniqueConstraint("repo", "tag", name=op.f("uq_releases_repo_tag")),
    )
    op.create_table(
        "reviews",
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("review_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pr_number", sa.Integer(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("reviewer_is_bot", sa.Boolean(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("submitted_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("repo", "review_id", name=op.f("pk_reviews")),
    )
    op.create_index(
        op.f("ix_reviews_repo_pr_number"), "reviews", ["repo", "pr_number"], unique=False
    )

    op.create_table(
        "slack_user_cache",
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("tz", sa.Text(), nullable=True),
        sa.Column("fetched_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_slack_user_cache")),
    )
    op.create_table(
        "snoozes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("until", _utc(), nullable=False),
        sa.Column("by_user", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snoozes")),
    )
    op.create_index(op.f("ix_snoozes_subject_until"), "snoozes", ["subject", "until"], unique=False)

    op.create_table(
        "status_changes",
        sa.Column("change_id", sa.Text(), nullable=False),
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("from_status", sa.Text(), nullable=True),
        sa.Column("to_status", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_status_changes")),
    )
    op.create_index(
        op.f("ix_status_changes_item_key_at"), "status_changes", ["item_key", "at"], unique=False
    )

    op.create_table(
        "status_spans",
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("start", _utc(), nullable=False),
        sa.Column("end", _utc(), nullable=True),
        sa.Column("length_class", sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint("item_key", "seq", name=op.f("pk_status_spans")),
    )
    op.create_index(
        op.f("ix_status_spans_status_length_class_start"),
        "status_spans",
        ["status", "length_class", "start"],
        unique=False,
    )
    op.create_index(
        op.f("ix_status_spans_status_start"), "status_spans", ["status", "start"], unique=False
    )

    op.create_table(
        "sync_cursors",
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("team", "source", "scope", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "team_items",
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("team", "item_key", name=op.f("pk_team_items")),
    )
    op.create_index(op.f("ix_team_items_item_key"), "team_items", ["item_key"], unique=False)

    op.create_table(
        "work_items",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("project", sa.Text(), nullable=False),
        sa.Column("issue_type", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created", _utc(), nullable=False),
        sa.Column("updated", _utc(), nullable=False),
        sa.Column("resolved", _utc(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_work_items")),
    )
    op.create_index(
        op.f("ix_work_items_project_updated"), "work_items", ["project", "updated"], unique=False
    )

    op.create_table(
        "item_fix_versions",
        sa.Column("item_key", sa.Text(), nullable=False),
        sa.Column("version_id", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_key"],
            ["work_items.key"],
            name=op.f("fk_item_fix_versions_item_key_work_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_key", "version_id", name=op.f("pk_item_fix_versions")),
    )
    op.create_index(
        op.f("ix_item_fix_versions_version_id"), "item_fix_versions", ["version_id"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_item_fix_versions_version_id"), table_name="item_fix_versions")

    op.drop_table("item_fix_versions")
    op.drop_index(op.f("ix_work_items_project_updated"), table_name="work_items")

    op.drop_table("work_items")
    op.drop_index(op.f("ix_team_items_item_key"), table_name="team_items")

    op.drop_table("team_items")
    op.drop_table("sync_cursors")
    op.drop_index(op.f("ix_status_spans_status_start"), table_name="status_spans")
    op.drop_index(op.f("ix_status_spans_status_length_class_start"), table_name="status_spans")

    op.drop_table("status_spans")
    op.drop_index(op.f("ix_status_changes_item_key_at"), table_name="status_changes")

    op.drop_table("status_changes")
    op.drop_index(op.f("ix_snoozes_subject_until"), table_name="snoozes")

    op.drop_table("snoozes")
    op.drop_table("slack_user_cache")
    op.drop_index(op.f("ix_reviews_repo_pr_number"), table_name="reviews")

    op.drop_table("reviews")
    op.drop_table("releases")
    op.drop_index(op.f("ix_release_facts_repo_published_at"), table_name="release_facts")

    op.drop_table("release_facts")
    op.drop_index(op.f("ix_pull_requests_repo_state"), table_name="pull_requests")

    op.drop_table("pull_requests")
    op.drop_index(op.f("ix_pr_facts_repo_released_at"), table_name="pr_facts")
    op.drop_index(op.f("ix_pr_facts_repo_opened_at"), table_name="pr_facts")
    op.drop_index(op.f("ix_pr_facts_repo_merged_at"), table_name="pr_facts")
    op.drop_index(op.f("ix_pr_facts_repo_first_review_at"), table_name="pr_facts")

    op.drop_table("pr_facts")
    op.drop_table("leases")
    op.drop_index(op.f("ix_item_links_repo_pr_number"), table_name="item_links")

    op.drop_table("item_links")
    op.drop_index(op.f("ix_item_facts_delivered_at"), table_name="item_facts")

    op.drop_table("item_facts")
    op.drop_index(op.f("ix_incident_facts_resolved"), table_name="incident_facts")
    op.drop_index(op.f("ix_incident_facts_created"), table_name="incident_facts")

    op.drop_table("incident_facts")
    op.drop_index(op.f("ix_handoff_facts_started_at"), table_name="handoff_facts")
    op.drop_index(op.f("ix_handoff_facts_ended_at"), table_name="handoff_facts")

    op.drop_table("handoff_facts")
    op.drop_table("fix_versions")
    op.drop_table("digest_ledger")
    op.drop_index(op.f("ix_containments_repo_pr_number"), table_name="containments")

    op.drop_table("containments")
    op.drop_index(op.f("ix_alert_ledger_sent_at_held_until"), table_name="alert_ledger")

    op.drop_table("alert_ledger")
