"""Golden handoff figures: raw records → derive → report, every number worked by hand.

Calendar: 09:00-17:00 Mon-Fri in the team's timezone, minus public holidays.
2026-W46 is Mon 9 Nov - Sun 15 Nov 2026; 2026-W47 is Mon 16 - Sun 22 Nov.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.flow.facts import HandoffEnd

READY, GROOMED = "Ready for Development", "Ready (groomed)"
BACKLOG, PROGRESS, CLARIFY = "Backlog", "In Progress", "Needs Clarification"


def stat(count: int, median: float | None, p85: float | None) -> dict[str, Any]:
    return {"count": count, "median": median, "p85": p85}


def test_friday_1600_handoff_picked_up_monday_1000(world: Any) -> None:
    world.item("PAY-1", "2026-11-02 10:00", BACKLOG,
               ("2026-11-13 16:00", READY), ("2026-11-16 10:00", PROGRESS))
    w46 = world.report("2026-W46")["handoffs"]
    # Began in W46, still waiting at Mon 16 Nov 00:00.
    assert w46 == {"handed_off": 1, "picked_up": 0, "returned": 0, "withdrawn": 0,
                   "waiting": 1, "delay_working_hours": stat(0, None, None)}
    w47 = world.report("2026-W47")
    # Fri 16:00-17:00 = 1 WH, Sat+Sun = 0, Mon 09:00-10:00 = 1 WH -> 2.0 WH
    assert w47["handoffs"] == {"handed_off": 0, "picked_up": 1, "returned": 0, "withdrawn": 0,
                               "waiting": 0, "delay_working_hours": stat(1, 2.0, 2.0)}
    assert w47["wip"] == 1  # still In Progress at the end of W47


def test_handoff_across_uk_dst_change(world: Any) -> None:
    # Clocks go back Sun 25 Oct 2026 02:00 BST -> 01:00 GMT.
    world.item("PAY-2", "2026-10-19 10:00", BACKLOG,
               ("2026-10-23 16:00", READY), ("2026-10-26 10:00", PROGRESS))
    w43 = world.report("2026-W43")
    assert w43["start"] == "2026-10-19T00:00:00+01:00"  # BST
    assert w43["end"] == "2026-10-26T00:00:00+00:00"  # GMT: a 169-hour week
    assert w43["handoffs"]["waiting"] == 1
    # Fri 16:00-17:00 BST = 1 WH + Mon 09:00-10:00 GMT = 1 WH -> 2.0
    assert world.report("2026-W44")["handoffs"]["delay_working_hours"] == stat(1, 2.0, 2.0)


def test_handoff_across_us_dst_change(ny_world: Any) -> None:
    # New York clocks go back Sun 1 Nov 2026 02:00 EDT -> 01:00 EST.
    ny_world.item("PAY-3", "2026-10-26 10:00", BACKLOG,
                  ("2026-10-30 16:00", READY), ("2026-11-02 10:00", PROGRESS))
    w45 = ny_world.report("2026-W45")
    assert w45["start"] == "2026-11-02T00:00:00-05:00"
    assert w45["timezone"] == "America/New_York"
    # Fri 16:00-17:00 EDT = 1 WH + Mon 09:00-10:00 EST = 1 WH -> 2.0
    assert w45["handoffs"]["delay_working_hours"] == stat(1, 2.0, 2.0)
    assert ny_world.report("2026-W44")["handoffs"]["handed_off"] == 1


def test_handoff_across_christmas_holidays(world: Any) -> None:
    # Fri 25 Dec (Christmas) and Mon 28 Dec (Boxing Day observed) are GB holidays.
    world.item("PAY-4", "2026-12-21 10:00", BACKLOG,
               ("2026-12-24 16:00", READY), ("2026-12-29 10:00", PROGRESS))
    # Thu 16:00-17:00 = 1 WH + Tue 09:00-10:00 = 1 WH -> 2.0 (2026 has 53 ISO weeks)
    assert world.report("2026-W53")["handoffs"]["delay_working_hours"] == stat(1, 2.0, 2.0)


def test_pickup_by_pr_opened_before_any_status_change(world: Any) -> None:
    # PAY-5 is created directly in the handoff status: its handoff starts at creation.
    world.item("PAY-5", "2026-11-09 09:00", READY, ("2026-11-11 09:00", PROGRESS))
    world.pr(5, "PAY-5 card limits", "2026-11-10 11:30")
    # PAY-6's PR was opened before its handoff began, so it cannot pick it up.
    world.item("PAY-6", "2026-11-02 09:00", BACKLOG,
               ("2026-11-10 09:00", READY), ("2026-11-12 09:00", PROGRESS))
    world.pr(6, "Spike", "2026-11-09 10:00", head="PAY-6-spike")
    facts = {h.item_key: h for h in world.facts().handoffs}
    assert facts["PAY-5"].end is HandoffEnd.PICKED_UP
    assert facts["PAY-5"].pickup_pr == "acme/payments-api#5"
    assert facts["PAY-6"].pickup_pr is None
    handoffs = world.report("2026-W46")["handoffs"]
    # PAY-5: Mon 09:00-17:00 = 8 + Tue 09:00-11:30 = 2.5 -> 10.5 WH
    # PAY-6: Tue 8 + Wed 8 -> 16 WH (Thu 09:00 is the start of the day: +0)
    # median of [10.5, 16] = 13.25; p85 = 10.5 + 0.85 * (16 - 10.5) = 15.175
    assert handoffs["handed_off"] == 2
    assert handoffs["picked_up"] == 2
    assert handoffs["delay_working_hours"]["count"] == 2
    assert handoffs["delay_working_hours"]["median"] == 13.25
    assert abs(handoffs["delay_working_hours"]["p85"] - 15.175) < 1e-9


def test_returned_then_handed_off_again(world: Any) -> None:
    world.item(
        "PAY-7", "2026-11-02 09:00", BACKLOG,
        ("2026-11-09 09:00", READY),       # handoff 0 begins
        ("2026-11-09 13:00", CLARIFY),     # ... returned (no delay)
        ("2026-11-10 09:00", READY),       # handoff 1 begins
        ("2026-11-10 12:00", GROOMED),     # handoff -> handoff: not a new handoff
        ("2026-11-11 11:00", PROGRESS),    # handoff 1 picked up
    )
    handoffs = world.report("2026-W46")["handoffs"]
    # handoff 1: Tue 09:00-17:00 = 8 + Wed 09:00-11:00 = 2 -> 10.0 WH
    assert handoffs == {"handed_off": 2, "picked_up": 1, "returned": 1, "withdrawn": 0,
                        "waiting": 0, "delay_working_hours": stat(1, 10.0, 10.0)}


def test_withdrawn_handoff_has_no_delay(world: Any) -> None:
    world.item("PAY-8", "2026-11-02 09:00", BACKLOG,
               ("2026-11-09 09:00", READY), ("2026-11-09 15:00", BACKLOG))
    handoffs = world.report("2026-W46")["handoffs"]
    assert handoffs == {"handed_off": 1, "picked_up": 0, "returned": 0, "withdrawn": 1,
                        "waiting": 0, "delay_working_hours": stat(0, None, None)}


def test_handoffs_waiting_at_week_end_and_now(world: Any) -> None:
    world.item("PAY-9", "2026-11-02 09:00", BACKLOG, ("2026-11-04 10:00", READY))
    world.item("PAY-10", "2026-11-02 09:00", BACKLOG, ("2026-11-12 10:00", READY))
    world.item("PAY-11", "2026-11-02 09:00", BACKLOG, ("2026-11-10 10:00", PROGRESS))
    # At the end of W46 both handoffs wait (one began in W45), one item is in progress.
    w46 = world.report("2026-W46")
    assert w46["handoffs"]["waiting"] == 2
    assert w46["handoffs"]["handed_off"] == 1
    assert w46["wip"] == 1
    # Current week, now = Wed 11 Nov 12:00 UTC (= London): PAY-10 not handed off yet,
    # PAY-11 already in progress.
    now = datetime(2026, 11, 11, 12, 0, tzinfo=UTC)
    current = world.report("2026-W46", now=now)
    assert current["handoffs"]["waiting"] == 1
    assert current["wip"] == 1
    # As of Mon 9 Nov 12:00, PAY-11 had not started: wip 0.
    assert world.report("2026-W46", now=datetime(2026, 11, 9, 12, tzinfo=UTC))["wip"] == 0
