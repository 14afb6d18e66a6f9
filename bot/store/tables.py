"""SQLAlchemy Core tables: raw records, derived facts, and the sync/ledger infrastructure.

Raw tables mirror ``bot.flow.model``; fact tables mirror ``bot.flow.facts`` column for
column. Every datetime column is ``UTCDateTime``. Indexes serve the report's week-range
queries (``<time column> >= :start AND < :end``) and the alerts' "still open" lookups.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from bot.store.db import UTCDateTime

# Release ids: 64-bit on PostgreSQL (deployment ids outgrow 32 bits); SQLite's INTEGER is
# 64-bit already.
ReleaseId = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# --------------------------------------------------------------------------- raw: Jira

work_items = Table(
    "work_items",
    metadata,
    Column("key", Text, primary_key=True),
    Column("project", Text, nullable=False),
    Column("issue_type", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("created", UTCDateTime, nullable=False),
    Column("updated", UTCDateTime, nullable=False),
    Column("resolved", UTCDateTime),
    Column("url", Text, nullable=False),
    Index(None, "project", "updated"),
)

item_fix_versions = Table(
    "item_fix_versions",
    metadata,
    Column(
        "item_key",
        Text,
        ForeignKey("work_items.key", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("version_id", Text, primary_key=True),
    Index(None, "version_id"),
)

status_changes = Table(
    "status_changes",
    metadata,
    Column("change_id", Text, primary_key=True),  # "<history id>:<index>"
    Column("item_key", Text, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("from_status", Text),
    Column("to_status", Text, nullable=False),
    Index(None, "item_key", "at"),
)

fix_versions = Table(
    "fix_versions",
    metadata,
    Column("version_id", Text, primary_key=True),
    Column("project", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("released", Boolean, nullable=False),
    Column("release_date", Date),
)

team_items = Table(
    "team_items",
    metadata,
    Column("team", Text, primary_key=True),
    Column("item_key", Text, primary_key=True),
    Index(None, "item_key"),
)

# --------------------------------------------------------------------------- raw: GitHub

pull_requests = Table(
    "pull_requests",
    metadata,
    Column("repo", Text, primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("head_ref", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("author_is_bot", Boolean, nullable=False),
    Column("state", Text, nullable=False),
    Column("draft", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("merged_at", UTCDateTime),
    Column("merge_commit_sha", Text),
    Column("requested_reviewers", Text, nullable=False),  # JSON list of logins
    Column("url", Text, nullable=False),
    Index(None, "repo", "state"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("repo", Text, primary_key=True),
    Column("review_id", Integer, primary_key=True, autoincrement=False),
    Column("pr_number", Integer, nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("reviewer_is_bot", Boolean, nullable=False),
    Column("state", Text, nullable=False),
    Column("submitted_at", UTCDateTime),
    Index(None, "repo", "pr_number"),
)

releases = Table(
    "releases",
    metadata,
    Column("repo", Text, primary_key=True),
    # a GitHub release or deployment id, or a tag's stable id
    Column("release_id", ReleaseId, primary_key=True, autoincrement=False),
    Column("tag", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("draft", Boolean, nullable=False),
    Column("prerelease", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime),
    Column("url", Text, nullable=False),
    Column("kind", Text, nullable=False, server_default="release"),  # | deployment | tag
    Column("sha", Text, nullable=False, server_default=""),  # compared by sha when set
    Column("ref", Text, nullable=False, server_default=""),  # a deployment's ref
    Column("rollback", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("repo", "tag"),
)

deployments = Table(  # every deployment to a production environment, as last seen
    "deployments",
    metadata,
    Column("repo", Text, primary_key=True),
    Column("deployment_id", ReleaseId, primary_key=True, autoincrement=False),
    Column("environment", Text, nullable=False),
    Column("sha", Text, nullable=False),
    Column("ref", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("outcome", Text, nullable=False),  # success | failed | pending
    Column("outcome_at", UTCDateTime),  # first success, or the last status of a failure
    Index(None, "repo", "outcome", "outcome_at"),
)

containments = Table(
    "containments",
    metadata,
    Column("repo", Text, primary_key=True),
    Column("release_id", ReleaseId, primary_key=True, autoincrement=False),
    Column("pr_number", Integer, primary_key=True, autoincrement=False),
    Index(None, "repo", "pr_number"),
)

item_links = Table(
    "item_links",
    metadata,
    Column("item_key", Text, primary_key=True),
    Column("repo", Text, primary_key=True),
    Column("pr_number", Integer, primary_key=True, autoincrement=False),
    Index(None, "repo", "pr_number"),
)

# --------------------------------------------------------------------------- derived facts

handoff_facts = Table(
    "handoff_facts",
    metadata,
    Column("item_key", Text, primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("end", Text),  # HandoffEnd value
    Column("pickup_pr", Text),
    # With the item key, a time range decides the team_items join from the index alone.
    Index(None, "started_at", "item_key"),
    Index(None, "ended_at", "item_key"),
)

status_spans = Table(
    "status_spans",
    metadata,
    Column("item_key", Text, primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("status", Text, nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime),
    # Not a fact field: the store's own bucket of the span's length (see bot.store.spans),
    # so "in status S at instant t" reads only spans that can cover t, for any t.
    Column("length_class", SmallInteger, nullable=False),
    Index(None, "status", "start"),
    Index(None, "status", "length_class", "start"),
)

item_facts = Table(
    "item_facts",
    metadata,
    Column("item_key", Text, primary_key=True),
    Column("first_handoff_at", UTCDateTime),
    Column("delivered_at", UTCDateTime),
    Index(None, "delivered_at", "item_key"),
)

pr_facts = Table(
    "pr_facts",
    metadata,
    Column("repo", Text, primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("author_is_bot", Boolean, nullable=False),
    Column("opened_at", UTCDateTime, nullable=False),
    Column("merged_at", UTCDateTime),
    Column("first_review_at", UTCDateTime),
    Column("release_id", ReleaseId),
    Column("released_at", UTCDateTime),
    # Every read filters by the team's repos first, then a time range.
    Index(None, "repo", "opened_at"),
    Index(None, "repo", "merged_at"),
    Index(None, "repo", "first_review_at"),
    Index(None, "repo", "released_at"),
)

release_facts = Table(
    "release_facts",
    metadata,
    Column("repo", Text, primary_key=True),
    Column("release_id", ReleaseId, primary_key=True, autoincrement=False),
    Column("tag", Text, nullable=False),
    Column("published_at", UTCDateTime, nullable=False),
    Column("is_hotfix", Boolean, nullable=False),
    Column("failed", Boolean, nullable=False),
    Column("failure_reasons", Text, nullable=False),  # JSON list of strings
    Column("downtime_hours", Float),
    Index(None, "repo", "published_at"),
)

incident_facts = Table(
    "incident_facts",
    metadata,
    Column("item_key", Text, primary_key=True),
    Column("created", UTCDateTime, nullable=False),
    Column("resolved", UTCDateTime),
    Column("release_repo", Text),
    Column("release_id", ReleaseId),
    Index(None, "resolved"),
    Index(None, "created"),
)

# --------------------------------------------------------------------------- infrastructure

sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("team", Text, primary_key=True),
    Column("source", Text, primary_key=True),  # "jira" | "github" | ...
    Column("scope", Text, primary_key=True),  # e.g. a repo name, or "" for the team's JQL
    Column("value", Text, nullable=False),
    Column("etag", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", Text, primary_key=True),
    Column("holder", Text, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

digest_ledger = Table(
    "digest_ledger",
    metadata,
    Column("team", Text, primary_key=True),
    Column("week", Text, primary_key=True),  # "2026-W46"
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("claimed_by", Text, nullable=False),
    Column("channel", Text),
    Column("message_ts", Text),
    Column("posted_at", UTCDateTime),
)

review_ledger = Table(
    "review_ledger",
    metadata,
    Column("team", Text, primary_key=True),
    Column("period", Text, primary_key=True),  # "2026-11" (a month) or "2026-Q4"
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("claimed_by", Text, nullable=False),
    Column("channel", Text),
    Column("message_ts", Text),
    Column("posted_at", UTCDateTime),
)

alert_ledger = Table(
    "alert_ledger",
    metadata,
    Column("alert_key", Text, primary_key=True),  # e.g. "handoff:PAY-12:0"
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("recipient", Text, primary_key=True),  # Slack user or channel id
    Column("claimed_at", UTCDateTime, nullable=False),
    Column("claimed_by", Text, nullable=False),
    Column("sent_at", UTCDateTime),
    Column("channel", Text),
    Column("message_ts", Text),
    Column("held_until", UTCDateTime),
    Column("acknowledged_by", Text),
    Column("acknowledged_at", UTCDateTime),
    Index(None, "sent_at", "held_until"),
)

snoozes = Table(
    "snoozes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject", Text, nullable=False),  # e.g. "PAY-12" or an alert key
    Column("until", UTCDateTime, nullable=False),
    Column("by_user", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "subject", "until"),
)

slack_user_cache = Table(
    "slack_user_cache",
    metadata,
    Column("email", Text, primary_key=True),
    Column("user_id", Text),  # None: no Slack user has this email (cached as such)
    Column("tz", Text),
    Column("fetched_at", UTCDateTime, nullable=False),
)
