"""The review object: actuals of a period, targets met or not, before → now rows (pure)."""

from __future__ import annotations

from typing import Any

from bot.flow.model import Targets
from bot.flow.review import actuals, build_review, target_entries
from bot.flow.sections import Report
from tests.support.reports import report_of


def stat(median: float | None) -> dict[str, Any]:
    return {"count": 0 if median is None else 1, "median": median, "p85": median}


def period(*, days: int, releases: int, failed: int, cfr: float | None, lead: float | None,
           delay: float | None, downtime: float | None, picked: int, returned: int,
           withdrawn: int = 0) -> Report:
    start = "2026-09-01T00:00:00+00:00"
    end = f"2026-09-{1 + days:02d}T00:00:00+00:00" if days < 30 else "2026-10-01T00:00:00+00:00"
    return report_of({
        "team": "payments", "week": None, "start": start, "end": end, "timezone": "UTC",
        "handoffs": {"handed_off": picked + returned, "picked_up": picked, "returned": returned,
                     "withdrawn": withdrawn, "waiting": 0, "delay_working_hours": stat(delay)},
        "delivery": {"items_delivered": 3, "lead_time_hours": stat(lead)},
        "releases": {"count": releases, "hotfixes": 0, "failed": failed,
                     "change_failure_rate": cfr, "downtime_hours": stat(downtime)},
    })


# 30 days = 720 h. Now: 6 releases (every 120 h), 1 failed, 1.5 h down, lead 96 h.
NOW = period(days=30, releases=6, failed=1, cfr=1 / 6, lead=96.0, delay=6.0, downtime=1.5,
             picked=9, returned=1)
# Before: 1 release in the 30 days, which failed with 7 h down; lead 600 h.
BEFORE = period(days=30, releases=1, failed=1, cfr=1.0, lead=600.0, delay=20.0, downtime=7.0,
                picked=6, returned=3, withdrawn=1)
TARGETS = Targets(lead_time=240.0, handoff_delay=8.0, release_interval=336.0,
                  change_failure_rate=0.15, downtime=1.0)


def test_actuals_of_a_period() -> None:
    found = actuals(NOW)
    assert found["release_interval"] == 120.0  # 720 h / 6 releases
    assert found["lead_time"] == 96.0
    assert found["change_failure_rate"] == 1 / 6
    assert found["downtime"] == 1.5
    assert found["handoff_delay"] == 6.0
    assert found["returned_share"] == 0.1  # 1 of 10 ended handoffs
    assert actuals(BEFORE)["returned_share"] == 0.3  # 3 of 10 (one withdrawn)


def test_targets_are_met_when_actual_is_at_most_the_target() -> None:
    entries = {e["name"]: e for e in target_entries(TARGETS, NOW)}
    assert list(entries) == ["lead_time", "handoff_delay", "release_interval",
                             "change_failure_rate", "downtime"]
    assert entries["lead_time"] == {"name": "lead_time", "target": 240.0, "actual": 96.0,
                                    "met": True}
    assert entries["release_interval"]["met"] is True
    assert entries["change_failure_rate"]["met"] is False  # 16.7 % > 15 %
    assert entries["downtime"]["met"] is False  # 1.5 h > 1 h
    exactly = target_entries(Targets(lead_time=96.0), NOW)
    assert exactly[0]["met"] is True  # equal counts as met


def test_an_unknown_actual_never_meets_a_target() -> None:
    quiet = period(days=30, releases=0, failed=0, cfr=None, lead=None, delay=None,
                   downtime=None, picked=0, returned=0)
    entries = target_entries(TARGETS, quiet)
    assert all(e["actual"] is None and e["met"] is False for e in entries)
    assert target_entries(Targets(), NOW) == []  # only configured targets are listed


def test_review_compares_before_and_now_lower_is_better() -> None:
    review = build_review("payments", "UTC", NOW, BEFORE, TARGETS)
    assert set(review) >= {"team", "timezone", "current", "baseline", "targets"}
    assert review["current"] == NOW.to_json() and review["baseline"] == BEFORE.to_json()
    rows = {r["name"]: r for r in review["comparison"]}
    assert list(rows) == ["release_interval", "lead_time", "change_failure_rate", "downtime",
                          "handoff_delay", "returned_share"]
    assert rows["release_interval"]["baseline"] == 720.0
    assert rows["release_interval"]["current"] == 120.0
    assert all(r["better"] is True for r in rows.values())
    assert rows["returned_share"]["target"] is None and rows["returned_share"]["met"] is None
    worse = build_review("payments", "UTC", BEFORE, NOW, TARGETS)
    assert all(r["better"] is False for r in worse["comparison"])
