"""Derived facts: what sync computes from raw records and the report reads.

The report never rescans raw history; it reads these per-item, per-PR and per-release
facts, which sync keeps current for whatever changed. Each is a pure function of the
raw records (see ``bot.flow.derive``), so they can always be rebuilt.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class HandoffEnd(enum.StrEnum):
    """How a handoff ended."""

    PICKED_UP = "picked_up"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class HandoffFact:
    """One handoff episode of an item: from entering a handoff status to its end."""

    item_key: str
    seq: int  # 0 for the item's first handoff, then 1, 2, ...
    started_at: datetime
    ended_at: datetime | None  # None while waiting
    end: HandoffEnd | None
    pickup_pr: str | None = None  # "owner/repo#N" when a linked PR picked it up


@dataclass(frozen=True, slots=True)
class StatusSpan:
    """An item was in ``status`` from ``start`` until ``end`` (None: still is)."""

    item_key: str
    seq: int  # order of the span within the item, 0 = status at creation
    status: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True, slots=True)
class ItemFact:
    """Per-item delivery facts."""

    item_key: str
    first_handoff_at: datetime | None
    delivered_at: datetime | None  # None until delivered


@dataclass(frozen=True, slots=True)
class PrFact:
    """Per-pull-request phase facts (bots are kept here and excluded by the metrics)."""

    repo: str
    number: int
    author_is_bot: bool
    opened_at: datetime
    merged_at: datetime | None
    first_review_at: datetime | None  # first human, non-author review submitted before merge
    release_id: int | None  # the release that shipped it (first containing eligible release)
    released_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReleaseFact:
    """Per-release facts (eligible releases only: published, non-draft, non-prerelease)."""

    repo: str
    release_id: int
    tag: str
    published_at: datetime
    is_hotfix: bool
    failed: bool
    failure_reasons: tuple[str, ...]  # e.g. ("hotfix v1.2.1", "revert #42", "incident INC-3")
    downtime_hours: float | None  # union of attributed incidents' intervals; None: no incident


@dataclass(frozen=True, slots=True)
class IncidentFact:
    """An incident issue and the release it is attributed to."""

    item_key: str
    created: datetime
    resolved: datetime | None
    release_repo: str | None
    release_id: int | None
