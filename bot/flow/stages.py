"""Where the time to delivery went: each delivered item's time split into five stages (pure).

Every instant from an item's first handoff to its delivery belongs to the first stage that
holds at that instant: ``release`` (a linked pull request is merged and none is open),
``review`` (a linked pull request is open), ``product`` (the item is in a returned status),
``pickup`` (the item is in a handoff status), ``build`` (anything else). docs/metrics.md
explains the stages with a worked example.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from bot.flow.facts import StatusSpan

STAGES: tuple[str, ...] = ("pickup", "product", "build", "review", "release")

_HOUR = 3600.0


@dataclass(frozen=True, slots=True)
class PrInterval:
    """A linked pull request's life: open from ``opened_at`` until merged or closed."""

    opened_at: datetime
    merged_at: datetime | None
    closed_at: datetime | None = None  # closed without a merge: not open after this


@dataclass(frozen=True, slots=True)
class ItemTimeline:
    """What the stages of one delivered item are computed from."""

    item_key: str
    first_handoff_at: datetime
    delivered_at: datetime
    spans: tuple[StatusSpan, ...]  # the item's status history
    prs: tuple[PrInterval, ...]  # its linked pull requests


def _pr_end(pr: PrInterval) -> datetime | None:
    return pr.merged_at if pr.merged_at is not None else pr.closed_at


def _status_at(spans: Iterable[StatusSpan], t: datetime) -> str | None:
    # The latest span begun at or before t that has not ended by t.
    found: StatusSpan | None = None
    for span in spans:
        if span.start <= t and (span.end is None or t < span.end):
            if found is None or (span.start, span.seq) > (found.start, found.seq):
                found = span
    return None if found is None else found.status


def stage_at(
    item: ItemTimeline, t: datetime, handoff: Collection[str], returned: Collection[str]
) -> str:
    """The stage ``item`` is in at instant ``t`` (the first rule that holds)."""
    seen = [p for p in item.prs if p.opened_at <= t]
    is_open = any((end := _pr_end(p)) is None or t < end for p in seen)
    merged = any(p.merged_at is not None and p.merged_at <= t for p in seen)
    if merged and not is_open:
        return "release"
    if is_open:
        return "review"
    status = _status_at(item.spans, t)
    if status in returned:
        return "product"
    if status in handoff:
        return "pickup"
    return "build"


def item_stage_hours(
    item: ItemTimeline, handoff: Collection[str], returned: Collection[str]
) -> dict[str, float]:
    """Calendar hours ``item`` spent in each stage; they add up to its time to delivery."""
    hours = dict.fromkeys(STAGES, 0.0)
    first, last = item.first_handoff_at, item.delivered_at
    if last <= first:
        return hours
    # The stage can only change at a status change or a PR event: cut the span there.
    cuts = {first, last}
    for span in item.spans:
        cuts.update(t for t in (span.start, span.end) if t is not None and first < t < last)
    for pr in item.prs:
        events = (pr.opened_at, pr.merged_at, pr.closed_at)
        cuts.update(t for t in events if t is not None and first < t < last)
    # Sort by UTC instant: two datetimes of one ZoneInfo compare by wall clock.
    points = sorted(cuts, key=lambda t: t.timestamp())
    for a, b in pairwise(points):
        hours[stage_at(item, a, handoff, returned)] += (b.timestamp() - a.timestamp()) / _HOUR
    return hours


def stage_hours(
    items: Iterable[ItemTimeline], handoff: Collection[str], returned: Collection[str]
) -> dict[str, float]:
    """``delivery.stage_hours``: each stage's calendar hours summed over ``items``."""
    total = dict.fromkeys(STAGES, 0.0)
    for item in items:
        for stage, h in item_stage_hours(item, handoff, returned).items():
            total[stage] += h
    return total
