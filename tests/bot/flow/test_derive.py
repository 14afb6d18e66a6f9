"""Edge cases of fact derivation that the golden weeks do not reach."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.flow.derive import derive_spans, union_hours
from bot.flow.facts import HandoffEnd
from bot.flow.model import StatusChange, WorkItem

READY, BACKLOG, PROGRESS = "Ready for Development", "Backlog", "In Progress"


def test_status_change_at_the_pr_instant_decides_the_end(world: Any) -> None:
    world.item("PAY-1", "2026-11-09 09:00", READY, ("2026-11-09 12:00", "Needs Clarification"))
    world.pr(1, "PAY-1", "2026-11-09 12:00")
    (handoff,) = world.facts().handoffs
    assert handoff.end is HandoffEnd.RETURNED
    assert handoff.pickup_pr is None


def test_bot_pr_does_not_pick_up(world: Any) -> None:
    world.item("PAY-2", "2026-11-09 09:00", READY)
    world.pr(2, "chore: PAY-2", "2026-11-09 10:00", author="renovate[bot]", bot=True)
    (handoff,) = world.facts().handoffs
    assert handoff.ended_at is None


def test_spans_follow_changes_in_changelog_order() -> None:
    t0 = datetime(2026, 11, 9, 9, tzinfo=UTC)
    item = WorkItem("PAY-3", "PAY", "Story", "s", PROGRESS, t0, t0)
    same = t0 + timedelta(hours=1)
    changes = [
        StatusChange("PAY-3", "10:1", same, READY, PROGRESS),
        StatusChange("PAY-3", "10:0", same, BACKLOG, READY),
    ]
    spans = derive_spans(item, changes)
    assert [(s.seq, s.status, s.end) for s in spans] == [
        (0, BACKLOG, same),
        (1, READY, same),
        (2, PROGRESS, None),
    ]


def test_revert_by_title_alone_and_by_branch_alone(world: Any) -> None:
    world.pr(10, "Faster search", "2026-11-02 10:00", "2026-11-02 11:00")
    world.pr(11, "Cache", "2026-11-02 10:00", "2026-11-02 11:00")
    world.release(1, "v1", "2026-11-03 10:00", prs=(10,))
    world.release(2, "v2", "2026-11-04 10:00", prs=(11,))
    world.pr(12, 'Revert "Faster search"', "2026-11-03 12:00", "2026-11-03 13:00")
    world.pr(13, "Back out", "2026-11-04 12:00", "2026-11-04 13:00", head="revert-11-cache")
    facts = {f.release_id: f for f in world.facts().releases}
    assert facts[1].failure_reasons == ("revert acme/payments-api#12",)
    assert facts[2].failure_reasons == ("revert acme/payments-api#13",)


def test_failure_window_is_bounded_by_the_next_regular_release(world: Any) -> None:
    world.release(1, "v1", "2026-11-02 10:00")
    world.release(2, "v2", "2026-11-02 12:00")
    # A hotfix at v2's very instant is not after v2: it fails neither v1 (closed) nor v2.
    world.release(3, "v2-hotfix", "2026-11-02 12:00")
    world.release(4, "v3-hotfix", "2026-11-05 12:00")  # exactly 72 h after v2: inside
    world.release(5, "other-hotfix", "2026-11-02 13:00", repo="acme/payments-web")
    facts = {f.release_id: f for f in world.facts().releases}
    assert not facts[1].failed
    assert facts[2].failure_reasons == ("hotfix v3-hotfix",)
    assert facts[3].failure_reasons == ("hotfix v3-hotfix",)  # a hotfix that did not hold
    assert not facts[5].failed  # a hotfix fails only its own repository's releases


def test_incident_at_a_release_instant_goes_to_the_release_before(world: Any) -> None:
    world.release(1, "v1", "2026-11-02 10:00")
    world.release(2, "v2", "2026-11-03 10:00")
    world.item("PAY-9", "2026-11-03 10:00", "Open", issue_type="Incident")
    (incident,) = world.facts().incidents
    assert incident.release_id == 1
    facts = {f.release_id: f for f in world.facts().releases}
    # v2 is the next regular release of v1 and was published at the same instant: outside.
    assert not facts[1].failed
    assert facts[1].downtime_hours is None


def test_union_hours_merges_overlaps_and_touching_intervals() -> None:
    t = datetime(2026, 11, 9, tzinfo=UTC)
    h = timedelta(hours=1)
    assert union_hours([(t, t + 2 * h), (t + 2 * h, t + 3 * h), (t + 5 * h, t + 6 * h)]) == 4.0
    assert union_hours([(t, t + 4 * h), (t + h, t + 2 * h)]) == 4.0
    assert union_hours([]) == 0.0


def test_bot_logins_are_bots_even_without_the_type_flag(world: Any) -> None:
    world.pr(20, "Bump", "2026-11-09 09:00", "2026-11-09 11:00", author="renovate[bot]")
    world.pr(21, "Fix", "2026-11-09 09:00", "2026-11-09 12:00", author="alice")
    world.review(21, "coderabbitai[bot]", "2026-11-09 10:00")
    facts = {f.number: f for f in world.facts().prs}
    assert facts[20].author_is_bot
    assert facts[21].first_review_at is None
