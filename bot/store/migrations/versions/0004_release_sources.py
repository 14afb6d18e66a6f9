"""Release sources: deployments and tags as releases, 64-bit release ids.

Releases gain their kind (release, deployment or tag), the commit they are compared by
(``sha``), a deployment's ``ref`` and the ``rollback`` flag; ``deployments`` keeps every
production deployment as last seen (the failed attempts are counted from it). Release
ids become 64-bit, as deployment ids outgrow 32 bits.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 18:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDENED = ("releases", "containments", "pr_facts", "release_facts", "incident_facts")


def _utc() -> sa.types.TypeEngine[datetime]:
    # As in 0001: timestamptz on PostgreSQL, ISO text on SQLite (bot.store.db.UTCDateTime).
    return sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def _release_id(old: sa.types.TypeEngine[int], new: sa.types.TypeEngine[int]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite's INTEGER is 64-bit already; a table copy would rename its indexes
    for table in WIDENED:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("release_id", existing_type=old, type_=new)


def upgrade() -> None:
    """Apply this revision."""
    _release_id(sa.Integer(), sa.BigInteger())
    with op.batch_alter_table("releases") as batch:
        batch.add_column(
            sa.Column("kind", sa.Text(), nullable=False, server_default="release")
        )
        batch.add_column(sa.Column("sha", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("ref", sa.Text(), nullable=False, server_default=""))
        batch.add_column(
            sa.Column("rollback", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "deployments",
        sa.Column("repo", sa.Text(), nullable=False),
        sa.Column("deployment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=False, nullable=False),
        sa.Column("environment", sa.Text(), nullable=False),
        sa.Column("sha", sa.Text(), nullable=False),
        sa.Column("ref", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("outcome_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("repo", "deployment_id", name=op.f("pk_deployments")),
    )
    op.create_index(
        op.f("ix_deployments_repo_outcome_outcome_at"),
        "deployments",
        ["repo", "outcome", "outcome_at"],
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_deployments_repo_outcome_outcome_at"), table_name="deployments")
    op.drop_table("deployments")
    with op.batch_alter_table("releases") as batch:
        batch.drop_column("rollback")
        batch.drop_column("ref")
        batch.drop_column("sha")
        batch.drop_column("kind")
    _release_id(sa.BigInteger(), sa.Integer())
