"""The review ledger: each team's scheduled outcome review is posted once per period.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 15:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.types.TypeEngine[datetime]:
    # As in 0001: timestamptz on PostgreSQL, ISO text on SQLite (bot.store.db.UTCDateTime).
    return sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "review_ledger",
        sa.Column("team", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("claimed_at", _utc(), nullable=False),
        sa.Column("claimed_by", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("message_ts", sa.Text(), nullable=True),
        sa.Column("posted_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("team", "period", name=op.f("pk_review_ledger")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("review_ledger")
