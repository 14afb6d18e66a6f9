"""Item facts from raw records: status spans, handoff episodes, delivery (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.flow.facts import HandoffEnd, HandoffFact, ItemFact, StatusSpan
from bot.flow.model import FixVersion, PullRequest, StatusChange, Workflow, WorkItem, is_bot_login


def _change_order(change: StatusChange) -> tuple[datetime, int, int, str]:
    # change_id is "<history id>:<index>"; numeric order settles same-second transitions.
    history, _, index = change.change_id.partition(":")
    h = int(history) if history.isdigit() else 0
    i = int(index) if index.isdigit() else 0
    return (change.at, h, i, change.change_id)


def ordered_changes(item: WorkItem, changes: Sequence[StatusChange]) -> list[StatusChange]:
    """The item's status changes in time order (other items' changes dropped)."""
    return sorted((c for c in changes if c.item_key == item.key), key=_change_order)


def initial_status(item: WorkItem, changes: Sequence[StatusChange]) -> str:
    """The status at creation: the first change's ``from_status``, else the current one."""
    ordered = ordered_changes(item, changes)
    if ordered and ordered[0].from_status is not None:
        return ordered[0].from_status
    return item.status


def derive_spans(item: WorkItem, changes: Sequence[StatusChange]) -> list[StatusSpan]:
    """Consecutive status spans from creation; the last one is open (``end`` None)."""
    ordered = ordered_changes(item, changes)
    spans: list[StatusSpan] = []
    status, start = initial_status(item, changes), item.created
    for change in ordered:
        spans.append(StatusSpan(item.key, len(spans), status, start, change.at))
        status, start = change.to_status, change.at
    spans.append(StatusSpan(item.key, len(spans), status, start, None))
    return spans


def _first_pr_pickup(
    started: datetime, until: datetime | None, prs: Sequence[PullRequest]
) -> PullRequest | None:
    """The earliest human PR opened at/after ``started`` and strictly before ``until``."""
    best: PullRequest | None = None
    for pr in prs:
        if pr.author_is_bot or is_bot_login(pr.author) or pr.created_at < started:
            continue
        if until is not None and pr.created_at >= until:
            continue
        if best is None or (pr.created_at, pr.repo, pr.number) < (
            best.created_at,
            best.repo,
            best.number,
        ):
            best = pr
    return best


def _end_kind(status: str, workflow: Workflow) -> HandoffEnd:
    if status in workflow.started or status in workflow.done:
        return HandoffEnd.PICKED_UP
    if status in workflow.returned:
        return HandoffEnd.RETURNED
    return HandoffEnd.WITHDRAWN


def derive_handoffs(
    item: WorkItem,
    changes: Sequence[StatusChange],
    linked_prs: Sequence[PullRequest],
    workflow: Workflow,
) -> list[HandoffFact]:
    """Handoff episodes of one item, in order; the last may still be waiting."""
    # Each episode: entering a handoff status from a non-handoff one (or creation in one)
    # until the first of: leaving the handoff statuses, or a linked PR opened.
    episodes: list[tuple[datetime, datetime | None, str | None]] = []  # start, end, to
    in_handoff = False
    for span in derive_spans(item, changes):
        entering = span.status in workflow.handoff
        if entering and not in_handoff:
            episodes.append((span.start, None, None))
        elif not entering and in_handoff:
            start, _, _ = episodes[-1]
            episodes[-1] = (start, span.start, span.status)
        in_handoff = entering
    facts: list[HandoffFact] = []
    for seq, (start, status_end, to_status) in enumerate(episodes):
        pr = _first_pr_pickup(start, status_end, linked_prs)
        if pr is not None:
            ref = f"{pr.repo}#{pr.number}"
            facts.append(
                HandoffFact(item.key, seq, start, pr.created_at, HandoffEnd.PICKED_UP, ref)
            )
        elif status_end is None or to_status is None:
            facts.append(HandoffFact(item.key, seq, start, None, None))
        else:
            kind = _end_kind(to_status, workflow)
            facts.append(HandoffFact(item.key, seq, start, status_end, kind))
    return facts


def delivered_from_github(
    item: WorkItem,
    linked_prs: Sequence[PullRequest],
    released_at: Mapping[str, datetime | None],
    workflow: Workflow,
) -> datetime | None:
    """Latest release time of the item's merged human PRs, once all released and done.

    ``released_at`` maps ``"owner/repo#N"`` to the PR's release time (``PrFact.released_at``).
    """
    if item.status not in workflow.done:
        return None
    times: list[datetime] = []
    for pr in linked_prs:
        if pr.author_is_bot or is_bot_login(pr.author) or pr.merged_at is None:
            continue
        at = released_at.get(f"{pr.repo}#{pr.number}")
        if at is None:
            return None
        times.append(at)
    return max(times) if times else None


def delivered_from_jira(
    item: WorkItem, versions: Mapping[str, FixVersion], timezone: str
) -> datetime | None:
    """Start (00:00 in the team's timezone) of the release date of the first released fixVersion."""
    dates = [
        v.release_date
        for vid in item.fix_versions
        if (v := versions.get(vid)) is not None and v.released and v.release_date is not None
    ]
    if not dates:
        return None
    return datetime.combine(min(dates), time(0, 0), ZoneInfo(timezone)).astimezone(UTC)


def derive_item_fact(
    item: WorkItem, handoffs: Sequence[HandoffFact], delivered_at: datetime | None
) -> ItemFact:
    """The item's first handoff time and delivery time."""
    first = min((h.started_at for h in handoffs), default=None)
    return ItemFact(item.key, first, delivered_at)
