"""Raw lookups for alerts and the slash command."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.flow.facts import HandoffFact, PrFact
from bot.flow.model import Containment, ItemLink, PullRequest, Release, StatusChange, WorkItem
from bot.store.repo import Store

T0 = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _pr(number: int, **changes: object) -> PullRequest:
    pr = PullRequest(
        repo="acme/api",
        number=number,
        title=f"PAY-1 part {number}",
        body="",
        head_ref=f"b{number}",
        author="bob",
        author_is_bot=False,
        state="open",
        draft=False,
        created_at=T0 + number * H,
        updated_at=T0 + number * H,
    )
    return replace(pr, **changes)  # type: ignore[arg-type]


def _fact(pr: PullRequest, **changes: object) -> PrFact:
    fact = PrFact(
        pr.repo, pr.number, pr.author_is_bot, pr.created_at, pr.merged_at, None, None, None
    )
    return replace(fact, **changes)  # type: ignore[arg-type]


def test_open_prs_without_review_skip_drafts_bots_reviewed_and_closed(store: Store) -> None:
    waiting = _pr(1)
    not_derived_yet = _pr(6)
    reviewed = _pr(2)
    draft = _pr(3, draft=True)
    bot = _pr(4, author="renovate[bot]", author_is_bot=True)
    closed = _pr(5, state="closed", closed_at=T0)
    store.upsert_pull_requests([waiting, reviewed, draft, bot, closed, not_derived_yet])
    store.upsert_pr_facts(
        [_fact(waiting), _fact(reviewed, first_review_at=T0 + 3 * H), _fact(draft), _fact(bot)]
    )
    assert store.open_prs_without_review({"acme/api"}) == [waiting, not_derived_yet]
    assert store.open_prs_without_review({"acme/web"}) == []


def test_merged_unreleased_prs(store: Store) -> None:
    merged = _pr(1, state="closed", merged_at=T0 + 5 * H, closed_at=T0 + 5 * H)
    released = _pr(2, state="closed", merged_at=T0 + 4 * H, closed_at=T0 + 4 * H)
    still_open = _pr(3)
    store.upsert_pull_requests([merged, released, still_open])
    store.upsert_pr_facts(
        [
            _fact(merged),
            _fact(released, release_id=9, released_at=T0 + 9 * H),
            _fact(still_open),
        ]
    )
    assert store.merged_unreleased_prs({"acme/api"}) == [merged]


def test_item_journey_gathers_transitions_handoffs_prs_and_releases(store: Store) -> None:
    item = WorkItem("PAY-1", "PAY", "Story", "Refunds", "Done", T0, T0 + 9 * H)
    changes = [
        StatusChange("PAY-1", "10:0", T0 + H, "To Do", "Ready for Development"),
        StatusChange("PAY-1", "11:0", T0 + 2 * H, "Ready for Development", "In Progress"),
    ]
    pr = _pr(7, state="closed", merged_at=T0 + 5 * H, closed_at=T0 + 5 * H)
    release = Release("acme/api", 55, "v1.0", "v1.0", False, False, T0 + 6 * H, T0 + 6 * H)
    handoff = HandoffFact("PAY-1", 0, T0 + H, T0 + 2 * H, None)
    store.upsert_work_items([item])
    store.upsert_status_changes(changes)
    store.upsert_pull_requests([pr])
    store.upsert_item_links([ItemLink("PAY-1", "acme/api", 7)])
    store.upsert_releases([release])
    store.upsert_containments([Containment("acme/api", 55, 7)])
    store.upsert_handoffs([handoff])
    journey = store.item_journey("PAY-1")
    assert journey is not None
    assert journey.item == item
    assert journey.changes == tuple(changes)
    assert journey.handoffs == (handoff,)
    assert journey.pull_requests == (pr,)
    assert journey.releases == (release,)
    assert store.item_journey("PAY-404") is None
