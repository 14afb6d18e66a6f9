"""Golden release figures: hotfixes, reverts, incidents, downtime, restore, empty weeks."""

from __future__ import annotations

from typing import Any

import pytest


def _release_world(world: Any) -> Any:
    world.pr(60, "PAY-60 feature", "2026-11-05 10:00", "2026-11-06 10:00")
    world.pr(61, "Tidy", "2026-11-05 11:00", "2026-11-06 11:00")
    world.release(300, "v2.0", "2026-11-09 10:00", prs=(60, 61))
    # A hotfix 5 h later: v2.0 failed.
    world.release(301, "v2.0.1-hotfix", "2026-11-09 15:00")
    world.pr(62, "Add ledger export", "2026-11-10 09:00", "2026-11-10 12:00")
    world.release(302, "v2.1", "2026-11-11 10:00", prs=(62,))
    # GitHub's own revert PR of #62, merged 6 h after v2.1: v2.1 failed.
    world.pr(63, 'Revert "Add ledger export"', "2026-11-11 15:00", "2026-11-11 16:00",
             head="revert-62-add-ledger-export", body="Reverts acme/payments-api#62")
    # A revert of #60 merged after v2.1 (the next non-hotfix release) does not fail v2.0 again.
    world.pr(64, "Undo", "2026-11-12 08:00", "2026-11-12 09:00",
             body="Reverts acme/payments-api#60")
    # A draft and a prerelease never count (nor end v2.1's failure window).
    world.release(303, "v2.2", "2026-11-12 08:30", draft=True)
    world.release(304, "v2.2-rc1", "2026-11-12 09:00", prerelease=True)
    # Two overlapping incidents attributed to v2.1 (latest eligible release before them).
    world.item("PAY-70", "2026-11-12 10:00", "Open", ("2026-11-12 14:00", "Done"),
               issue_type="Incident", resolved="2026-11-12 14:00")
    world.item("PAY-71", "2026-11-12 12:00", "Open", ("2026-11-12 18:30", "Done"),
               issue_type="Incident", resolved="2026-11-12 18:30")
    world.release(305, "v2.3", "2026-11-13 10:00")
    # An incident on Monday of W47 fails v2.3 (published in W46, within 72 h).
    world.item("PAY-72", "2026-11-16 09:00", "Open", ("2026-11-16 11:00", "Done"),
               issue_type="Incident", resolved="2026-11-16 11:00")
    return world


def test_release_facts_name_their_failures(world: Any) -> None:
    facts = {f.release_id: f for f in _release_world(world).facts().releases}
    assert set(facts) == {300, 301, 302, 305}  # draft 303 and prerelease 304 left out
    assert facts[300].failure_reasons == ("hotfix v2.0.1-hotfix",)
    assert facts[301].is_hotfix and not facts[301].failed
    assert facts[302].failure_reasons == (
        "revert acme/payments-api#63",
        "incident PAY-70",
        "incident PAY-71",
    )
    # Union of 10:00-14:00 and 12:00-18:30 = 10:00-18:30 = 8.5 h
    assert facts[302].downtime_hours == 8.5
    assert facts[300].downtime_hours is None  # failed, but no incident
    assert facts[305].failure_reasons == ("incident PAY-72",)


def test_release_week(world: Any) -> None:
    report = _release_world(world).report("2026-W46")
    releases = report["releases"]
    assert releases["count"] == 4  # v2.0, v2.0.1-hotfix, v2.1, v2.3
    assert releases["hotfixes"] == 1
    assert releases["failed"] == 3  # v2.0 (hotfix), v2.1 (revert, incidents), v2.3 (incident)
    assert releases["change_failure_rate"] == 0.75  # 3 / 4
    # downtime over failed releases with incidents: v2.1 8.5 h, v2.3 2 h -> [2, 8.5]
    # median 5.25; p85 = 2 + 0.85 * 6.5 = 7.525
    assert releases["downtime_hours"]["count"] == 2
    assert releases["downtime_hours"]["median"] == 5.25
    assert releases["downtime_hours"]["p85"] == pytest.approx(7.525)
    # restore: PAY-70 4 h, PAY-71 6.5 h (both resolved in W46) -> median 5.25,
    # p85 = 4 + 0.85 * 2.5 = 6.125
    incidents = report["incidents"]
    assert incidents["resolved"] == 2
    assert incidents["restore_hours"]["median"] == 5.25
    assert incidents["restore_hours"]["p85"] == pytest.approx(6.125)


def test_incident_resolved_next_week_counts_there_and_failure_stays_with_release(
    world: Any,
) -> None:
    report = _release_world(world).report("2026-W47")
    assert report["releases"]["count"] == 0
    assert report["releases"]["failed"] == 0
    assert report["releases"]["change_failure_rate"] is None
    assert report["incidents"] == {
        "resolved": 1,
        "restore_hours": {"count": 1, "median": 2.0, "p85": 2.0},
    }


def test_empty_week_has_every_key_with_zeros_and_nulls(world: Any) -> None:
    empty = {"count": 0, "median": None, "p85": None}
    assert world.report("2026-W46") == {
        "team": "payments",
        "week": "2026-W46",
        "start": "2026-11-09T00:00:00+00:00",
        "end": "2026-11-16T00:00:00+00:00",
        "timezone": "Europe/London",
        "handoffs": {"handed_off": 0, "picked_up": 0, "returned": 0, "withdrawn": 0,
                     "waiting": 0, "delay_working_hours": empty},
        "delivery": {"items_delivered": 0, "lead_time_hours": empty,
                     "stage_hours": dict.fromkeys(
                         ("pickup", "product", "build", "review", "release"), 0.0)},
        "pull_requests": {"opened": 0, "merged": 0, "merged_without_review": 0,
                          "cycle_hours": empty, "first_review_working_hours": empty},
        "releases": {"count": 0, "hotfixes": 0, "failed": 0, "change_failure_rate": None,
                     "downtime_hours": empty, "change_lead_hours": empty,
                         "deploy_failures": 0},
        "incidents": {"resolved": 0, "restore_hours": empty},
        "wip": 0,
    }


def test_counts_are_ints_and_hours_floats(world: Any) -> None:
    report = _release_world(world).report("2026-W46")
    assert type(report["releases"]["count"]) is int
    assert type(report["releases"]["downtime_hours"]["median"]) is float
    assert type(report["releases"]["change_failure_rate"]) is float
