"""The typed report: its JSON is docs/metrics.md's object key for key, and it is frozen."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.flow.report import EMPTY_WEEK, build_report
from bot.flow.sections import Report, Stat
from bot.flow.weeks import IsoWeek
from tests.support.reports import report_of

METRICS = Path(__file__).resolve().parents[3] / "docs" / "metrics.md"


def documented_object() -> Any:
    """The JSON object under "## JSON keys" in docs/metrics.md."""
    text = METRICS.read_text(encoding="utf-8").split("## JSON keys", 1)[1]
    found = re.search(r"```json\n(.*?)```", text, re.S)
    assert found, "docs/metrics.md has no JSON object under '## JSON keys'"
    return json.loads(found.group(1))


def test_an_empty_weeks_json_is_the_documented_object_byte_for_byte(world: Any) -> None:
    week = IsoWeek.parse("2026-W46", "Europe/London")
    report = build_report(world.team, week, datetime(2027, 1, 1, tzinfo=UTC), EMPTY_WEEK)
    # Same keys in the same order, ints as ints and floats as floats (0 is not 0.0).
    assert json.dumps(report.to_json()) == json.dumps(documented_object())


def test_a_full_report_survives_its_json(world: Any) -> None:
    world.release(1, "v1", "2026-11-09 10:00")
    world.release(2, "v1.0.1-hotfix", "2026-11-10 11:00")
    world.item("PAY-1", "2026-11-02 10:00", "Backlog",
               ("2026-11-06 16:00", "Ready for Development"), ("2026-11-09 10:00", "In Progress"))
    report = world.typed_report("2026-W46")
    assert report.releases.count == 2 and report.handoffs.picked_up == 1
    data = report.to_json()
    assert report_of(data) == report
    assert json.loads(json.dumps(data)) == data  # plain JSON: no datetimes or objects left


def test_reports_are_frozen() -> None:
    report = report_of({"team": "payments", "week": "2026-W46"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.wip = 3  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.releases.count = 3  # type: ignore[misc]
    assert isinstance(report, Report) and report.handoffs.delay_working_hours == Stat(0, None, None)
