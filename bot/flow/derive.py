"""Derived facts from raw records: one import point for sync (pure functions)."""

from __future__ import annotations

from bot.flow.derive_items import (
    delivered_from_github,
    delivered_from_jira,
    derive_handoffs,
    derive_item_fact,
    derive_spans,
    initial_status,
    ordered_changes,
)
from bot.flow.derive_releases import (
    attribute_incident,
    derive_pr_fact,
    derive_release_facts,
    first_human_review,
    is_hotfix,
    release_of,
    reverted_targets,
    union_hours,
)

__all__ = [
    "attribute_incident",
    "delivered_from_github",
    "delivered_from_jira",
    "derive_handoffs",
    "derive_item_fact",
    "derive_pr_fact",
    "derive_release_facts",
    "derive_spans",
    "first_human_review",
    "initial_status",
    "is_hotfix",
    "ordered_changes",
    "release_of",
    "reverted_targets",
    "union_hours",
]
