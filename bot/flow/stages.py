"""Where the time to delivery went: each delivered item's time split into five stages (pure).

Every instant from an item's first handoff to its delivery belongs to the first stage that
holds at that instant: ``release`` (a linked pull request is merged and none is open),
``review`` (a linked pull request is open), ``product`` (the item is in a returned status),
``pickup`` (the item is in a handoff status), ``build`` (anything else). docs/metrics.md
explains the stages with a worked example.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from bot.flow.facts import ItemFact, StatusSpan
from bot.flow.model import PullRequest, is_bot_login

STAGES: tuple[str, ...] = ("pickup", "product", "build", "review", "release")


@dataclass(frozen=True, slots=True)
class PrInterval:
    """A linked pull request's life: open from ``opened_at`` until merged or closed."""

    opened_at: datetime
    merged_at: datetime | None
    closed_at: datetime | None = None  # closed without a merge: not open after this


@dataclass(frozen=True, slots=True)
class ItemHistory:
    """What the store keeps of one item for its stages: status spans and linked human PRs."""

    item_key: str
    spans: tuple[StatusSpan, ...]
    prs: tuple[PrInterval, ...]


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


@dataclass(frozen=True, slots=True)
class StageSegment:
    """One stretch of an item's time in one stage (``[start, end)``, UTC)."""

    stage: str
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        """The stretch's length in calendar hours."""
        return (self.end - self.start) / timedelta(hours=1)


def _utc(t: datetime) -> datetime:
    return t if t.tzinfo is UTC else t.astimezone(UTC)  # the store's are UTC already


def _pieces(
    item: ItemTimeline, handoff: Collection[str], returned: Collection[str]
) -> Iterable[StageSegment]:
    first, last = _utc(item.first_handoff_at), _utc(item.delivered_at)
    if last <= first:
        return
    # The stage can only change at a status change or a PR event: cut the span there.
    cuts = {first, last}
    for span in item.spans:
        cuts.update(_utc(t) for t in (span.start, span.end) if t is not None)
    for pr in item.prs:
        events = (pr.opened_at, pr.merged_at, pr.closed_at)
        cuts.update(_utc(t) for t in events if t is not None)
    # In UTC: two datetimes of one ZoneInfo compare and subtract by wall clock.
    points = sorted(t for t in cuts if first <= t <= last)
    for a, b in pairwise(points):
        yield StageSegment(stage_at(item, a, handoff, returned), a, b)


def stage_segments(
    item: ItemTimeline, handoff: Collection[str], returned: Collection[str]
) -> list[StageSegment]:
    """``item``'s time as a timeline: consecutive stretches of one stage merged."""
    merged: list[StageSegment] = []
    for piece in _pieces(item, handoff, returned):
        if merged and merged[-1].stage == piece.stage:
            merged[-1] = StageSegment(piece.stage, merged[-1].start, piece.end)
        else:
            merged.append(piece)
    return merged


def _stage_times(
    item: ItemTimeline, handoff: Collection[str], returned: Collection[str]
) -> dict[str, timedelta]:
    # Exact (microsecond) sums, so the result does not depend on the order of the items.
    times = dict.fromkeys(STAGES, timedelta(0))
    for piece in _pieces(item, handoff, returned):
        times[piece.stage] += piece.end - piece.start
    return times


def _hours(times: dict[str, timedelta]) -> dict[str, float]:
    return {stage: times[stage] / timedelta(hours=1) for stage in STAGES}


def item_stage_hours(
    item: ItemTimeline, handoff: Collection[str], returned: Collection[str]
) -> dict[str, float]:
    """Calendar hours ``item`` spent in each stage; they add up to its time to delivery."""
    return _hours(_stage_times(item, handoff, returned))


def stage_hours(
    items: Iterable[ItemTimeline], handoff: Collection[str], returned: Collection[str]
) -> dict[str, float]:
    """``delivery.stage_hours``: each stage's calendar hours summed over ``items``."""
    total = dict.fromkeys(STAGES, timedelta(0))
    for item in items:
        for stage, spent in _stage_times(item, handoff, returned).items():
            total[stage] += spent
    return _hours(total)


def pr_interval(pr: PullRequest) -> PrInterval | None:
    """A linked pull request's interval, or None for a bot's (bots are never in a metric)."""
    if pr.author_is_bot or is_bot_login(pr.author):
        return None
    return PrInterval(pr.created_at, pr.merged_at, pr.closed_at)


def item_history(
    key: str, spans: Iterable[StatusSpan], linked: Iterable[PullRequest]
) -> ItemHistory:
    """``key``'s history: its spans, and its linked human PRs in (repo, number) order."""
    ordered = sorted(linked, key=lambda p: (p.repo, p.number))
    intervals = (pr_interval(p) for p in ordered)
    return ItemHistory(key, tuple(spans), tuple(i for i in intervals if i is not None))


def timeline(item: ItemFact, history: ItemHistory | None) -> ItemTimeline | None:
    """The timeline of a delivered, handed-off item (None when it is not both)."""
    if item.first_handoff_at is None or item.delivered_at is None:
        return None
    spans = history.spans if history is not None else ()
    prs = history.prs if history is not None else ()
    return ItemTimeline(item.item_key, item.first_handoff_at, item.delivered_at, spans, prs)


def stage_shares(hours: Mapping[str, float]) -> dict[str, int] | None:
    """Each stage's share of the total as whole percentages adding up to 100 (None: no time).

    Largest remainder: each share is rounded down, and the points left go to the stages
    with the largest remainders (ties in ``STAGES`` order), so the shares always sum to 100.
    """
    total = sum(max(hours.get(s, 0.0), 0.0) for s in STAGES)
    if total <= 0:
        return None
    exact = {s: max(hours.get(s, 0.0), 0.0) * 100 / total for s in STAGES}
    shares = {s: int(exact[s]) for s in STAGES}
    left = 100 - sum(shares.values())
    order = sorted(STAGES, key=lambda s: (-(exact[s] - shares[s]), STAGES.index(s)))
    for stage in order[:left]:
        shares[stage] += 1
    return shares


STAGE_WORDS: dict[str, str] = {
    "pickup": "handed-off specs waiting to be picked up",
    "product": "specs back with product for clarification",
    "build": "work being built before review",
    "review": "pull requests in review",
    "release": "merged work waiting for a release",
}


def largest_stage(hours: Mapping[str, float]) -> str | None:
    """The stage with the most time (the first in ``STAGES`` order on a tie); None: no time."""
    if sum(max(hours.get(s, 0.0), 0.0) for s in STAGES) <= 0:
        return None
    return max(STAGES, key=lambda s: (hours.get(s, 0.0), -STAGES.index(s)))
