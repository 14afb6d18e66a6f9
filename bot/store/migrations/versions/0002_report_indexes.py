"""Report indexes: time columns paired with the item key, so team reads join cheaply.

A time range on ``handoff_facts``/``item_facts`` finds every team's rows; with the item
key in the same index the ``team_items`` join is decided from the index alone, not by
fetching each table row first (bench/report.py: 14.4 → 6.2 ms, 14.7 → 6.9, 5.6 → 1.8).
The single-column indexes they extend are dropped: the composite ones serve the same
ranges.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 01:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, columns of the 0001 index replaced, columns of the 0002 index)
REPLACED = (
    ("handoff_facts", ["started_at"], ["started_at", "item_key"]),
    ("handoff_facts", ["ended_at"], ["ended_at", "item_key"]),
    ("item_facts", ["delivered_at"], ["delivered_at", "item_key"]),
)


def _name(table: str, columns: list[str]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    """Apply this revision."""
    for table, old, new in REPLACED:
        op.create_index(op.f(_name(table, new)), table, new, unique=False)
        op.drop_index(op.f(_name(table, old)), table_name=table)


def downgrade() -> None:
    """Revert this revision."""
    for table, old, new in REPLACED:
        op.create_index(op.f(_name(table, old)), table, old, unique=False)
        op.drop_index(op.f(_name(table, new)), table_name=table)
