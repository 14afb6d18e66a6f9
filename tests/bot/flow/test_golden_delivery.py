"""Golden delivery figures: items delivered through PRs and releases (or fixVersions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from bot.flow.model import FixVersion

READY, BACKLOG, PROGRESS, DONE = "Ready for Development", "Backlog", "In Progress", "Done"


ZERO_STAGES = {"pickup": 0.0, "product": 0.0, "build": 0.0, "review": 0.0, "release": 0.0}


def stat(count: int, median: float | None, p85: float | None) -> dict[str, Any]:
    return {"count": count, "median": median, "p85": p85}


def _two_release_world(world: Any) -> Any:
    world.release(100, "v1.0", "2026-11-02 12:00")  # the first release Crosswalk sees
    # PAY-20: shipped in two releases, done after the second.
    world.item("PAY-20", "2026-11-02 09:00", BACKLOG, ("2026-11-03 10:00", READY),
               ("2026-11-04 10:00", PROGRESS), ("2026-11-13 15:00", DONE))
    world.pr(21, "PAY-20 part 1", "2026-11-04 11:00", "2026-11-05 11:00")
    world.pr(22, "Part 2", "2026-11-09 10:00", "2026-11-10 14:00", body="Finishes PAY-20")
    world.release(101, "v1.1", "2026-11-06 16:00", prs=(21, 24))
    world.release(102, "v1.2", "2026-11-12 12:00", prs=(22, 23))
    # PAY-21: its PR is released but the item is still in progress.
    world.item("PAY-21", "2026-11-02 09:00", BACKLOG, ("2026-11-09 09:00", READY),
               ("2026-11-09 10:00", PROGRESS))
    world.pr(23, "PAY-21", "2026-11-09 11:00", "2026-11-09 15:00")
    # PAY-22: handed off before the first release; done after its release.
    world.item("PAY-22", "2026-10-26 09:00", READY, ("2026-10-27 09:00", PROGRESS),
               ("2026-11-09 09:00", DONE))
    world.pr(24, "PAY-22 refunds", "2026-10-27 10:00", "2026-11-06 10:00")
    return world


def test_item_delivered_in_two_releases_at_the_later_one(world: Any) -> None:
    _two_release_world(world)
    facts = {f.item_key: f for f in world.facts().items}
    assert facts["PAY-20"].delivered_at == world.t("2026-11-12 12:00")  # v1.2, not the Done
    w46 = world.report("2026-W46")["delivery"]
    # PAY-20: Tue 3 Nov 10:00 -> Thu 12 Nov 12:00 = 9 days + 2 h = 218 h
    # Where the 218 h went: waiting for pickup until In Progress on 4 Nov 10:00 (24 h), built
    # 1 h before PR 21, in review 24 h + 28 h (PRs 21, 22), merged work waiting for a
    # release 95 h (PR 21 merged, PR 22 not yet open) + 46 h (PR 22 merged → v1.2).
    stages = {"pickup": 24.0, "product": 0.0, "build": 1.0, "review": 52.0, "release": 141.0}
    assert w46 == {
        "items_delivered": 1,
        "lead_time_hours": stat(1, 218.0, 218.0),
        "stage_hours": stages,
    }


def test_prs_released_but_item_not_done_is_not_delivered(world: Any) -> None:
    _two_release_world(world)
    facts = {f.item_key: f for f in world.facts().items}
    assert facts["PAY-21"].delivered_at is None
    assert facts["PAY-21"].first_handoff_at == world.t("2026-11-09 09:00")


def test_item_handed_off_before_first_release_counts_without_lead_time(world: Any) -> None:
    _two_release_world(world)
    # PAY-22 delivered with v1.1 on Fri 6 Nov (W45), first handed off 26 Oct < v1.0.
    assert world.report("2026-W45")["delivery"] == {
        "items_delivered": 1,
        "lead_time_hours": stat(0, None, None),
        "stage_hours": ZERO_STAGES,  # no time to delivery, nothing to split
    }


def test_lead_time_across_uk_dst_change_is_elapsed_time(world: Any) -> None:
    world.release(200, "v0.9", "2026-10-01 12:00")
    world.item("PAY-30", "2026-10-20 09:00", BACKLOG, ("2026-10-23 12:00", READY),
               ("2026-10-23 13:00", PROGRESS), ("2026-10-26 13:00", DONE))
    world.pr(31, "PAY-30", "2026-10-23 14:00", "2026-10-23 15:00")
    world.release(201, "v0.9.1", "2026-10-26 12:00", prs=(31,))
    # Fri 23 Oct 12:00 BST (11:00Z) -> Mon 26 Oct 12:00 GMT (12:00Z) = 72 h + 1 h = 73 h
    assert world.report("2026-W44")["delivery"]["lead_time_hours"] == stat(1, 73.0, 73.0)


def test_delivery_from_jira_fix_versions(world: Any) -> None:
    world.team = replace(world.team, release_source="jira")
    world.versions += [
        FixVersion("10000", "PAY", "1.0", True, date(2026, 10, 1)),
        FixVersion("10001", "PAY", "1.1", True, date(2026, 11, 11)),
        FixVersion("10002", "PAY", "1.2", True, date(2026, 11, 20)),
        FixVersion("10003", "PAY", "2.0", False, None),
    ]
    world.item("PAY-40", "2026-11-02 09:00", BACKLOG, ("2026-11-02 10:00", READY),
               ("2026-11-03 10:00", PROGRESS), fix_versions=("10003", "10002", "10001"))
    # First released fixVersion: 1.1 on Wed 11 Nov -> 00:00 London (GMT).
    # Mon 2 Nov 10:00 -> Wed 11 Nov 00:00 = 8 days + 14 h = 206 h
    assert world.report("2026-W46")["delivery"] == {
        "items_delivered": 1,
        "lead_time_hours": stat(1, 206.0, 206.0),
        # No PR: 24 h waiting for pickup, then built until the version's release date.
        "stage_hours": {**ZERO_STAGES, "pickup": 24.0, "build": 182.0},
    }


def test_pr_in_another_teams_repository_delivers_the_item(world: Any) -> None:
    # A PR links to keys of any configured project: PAY-50's only PR lives in acme/platform.
    world.release(100, "v1.0", "2026-11-02 12:00")
    world.item("PAY-50", "2026-11-03 09:00", READY, ("2026-11-04 09:00", DONE))
    world.pr(70, "PAY-50 shared lib", "2026-11-03 10:00", "2026-11-03 12:00",
             repo="acme/platform")
    world.release(900, "p1", "2026-11-05 09:00", prs=(70,), repo="acme/platform")
    handoff = world.facts().handoffs[0]
    assert handoff.pickup_pr == "acme/platform#70"  # opened 1 h after the handoff
    report = world.report("2026-W45")
    # Tue 3 Nov 09:00 -> Thu 5 Nov 09:00 = 48 h; the platform PR and release are not
    # payments' PR or release figures.
    assert report["delivery"]["lead_time_hours"]["median"] == 48.0
    assert report["pull_requests"]["opened"] == 0
    assert report["releases"]["count"] == 1  # v1.0 only
