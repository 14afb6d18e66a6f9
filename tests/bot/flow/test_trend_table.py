"""Trend against the previous weeks, DORA levels, and the table rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.flow.report import EMPTY_WEEK, build_report
from bot.flow.table import render_table, render_tables
from bot.flow.trend import (
    Level,
    build_trend,
    change_failure_level,
    deployment_frequency_level,
    lead_time_level,
    restore_level,
)
from bot.flow.weeks import IsoWeek


def test_dora_thresholds() -> None:
    assert deployment_frequency_level(10) is Level.ELITE
    assert deployment_frequency_level(1) is Level.HIGH
    assert deployment_frequency_level(0.25) is Level.MEDIUM
    assert deployment_frequency_level(0.1) is Level.LOW
    assert lead_time_level(23.9) is Level.ELITE
    assert lead_time_level(168) is Level.HIGH
    assert lead_time_level(700) is Level.MEDIUM
    assert lead_time_level(721) is Level.LOW
    assert lead_time_level(None) is None
    assert change_failure_level(0.05) is Level.ELITE
    assert change_failure_level(0.1) is Level.HIGH
    assert change_failure_level(0.15) is Level.MEDIUM
    assert change_failure_level(0.5) is Level.LOW
    assert restore_level(0.5) is Level.ELITE
    assert restore_level(5) is Level.HIGH
    assert restore_level(100) is Level.MEDIUM
    assert restore_level(1000) is Level.LOW


def test_trend_over_previous_four_weeks(world: Any) -> None:
    world.release(1, "v1", "2026-10-14 10:00")
    world.release(2, "v2", "2026-10-21 10:00")
    world.release(3, "v3", "2026-11-02 10:00")
    world.release(4, "v3.0.1-hotfix", "2026-11-02 12:00")  # fails v3
    world.release(5, "v4", "2026-11-10 10:00")
    current = world.typed_report("2026-W46")
    previous = [world.typed_report(w.label) for w in IsoWeek.parse("2026-W46", "UTC").previous(4)]
    trend = build_trend(current, previous)
    assert trend["previous_weeks"] == ["2026-W42", "2026-W43", "2026-W44", "2026-W45"]
    releases = trend["figures"]["releases"]
    assert releases["previous"] == [1.0, 1.0, 0.0, 2.0]
    assert releases["previous_median"] == 1.0  # median of [0, 1, 1, 2]
    assert releases["change"] == 0.0  # 1 now - 1
    dora = trend["dora"]
    # 5 releases in 5 weeks = 1 per week -> high; 1 failed of 5 = 20 % -> low
    assert dora["deployment_frequency"] == {"releases_per_week": 1.0, "level": "high"}
    assert dora["change_failure_rate"] == {"rate": 0.2, "level": "low"}
    assert dora["time_to_restore"] == {"median_hours": None, "level": None}
    assert "2023" in dora["source"]


def test_table_shows_every_section_and_dashes_for_empty(world: Any) -> None:
    team = world.team
    week = IsoWeek.parse("2026-W46", team.calendar.timezone)
    empty = build_report(team, week, datetime(2027, 1, 1, tzinfo=UTC), EMPTY_WEEK)
    text = render_table(empty)
    assert text.startswith("payments  2026-W46  (2026-11-09 to 2026-11-16, Europe/London)")
    for title in ("Handoffs", "Delivery", "Pull requests", "Releases", "Incidents"):
        assert title in text
    assert "handoff delay (working h)         -" in text
    assert "change failure rate               -" in text


def test_table_formats_statistics_and_rates(world: Any) -> None:
    world.release(1, "v1", "2026-11-09 10:00")
    world.release(2, "v1.0.1-hotfix", "2026-11-09 11:00")
    world.item(
        "PAY-1",
        "2026-11-02 10:00",
        "Backlog",
        ("2026-11-13 16:00", "Ready for Development"),
        ("2026-11-16 10:00", "In Progress"),
    )
    text = render_tables([world.typed_report("2026-W46"), world.typed_report("2026-W47")])
    assert "change failure rate               50%" in text
    assert "median 2.0  p85 2.0  (n=1)" in text
    assert text.count("payments  2026-W4") == 2
