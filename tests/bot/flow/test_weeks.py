"""ISO weeks in a timezone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.flow.weeks import IsoWeek, current_week


def test_parse_and_bounds_in_london() -> None:
    week = IsoWeek.parse("2026-W46", "Europe/London")
    assert week.start.isoformat() == "2026-11-09T00:00:00+00:00"
    assert week.end.isoformat() == "2026-11-16T00:00:00+00:00"
    assert week.label == "2026-W46"


def test_week_across_dst_is_169_hours() -> None:
    week = IsoWeek.parse("2026-W43", "Europe/London")
    assert (week.end.timestamp() - week.start.timestamp()) / 3600 == 169


@pytest.mark.parametrize("bad", ["2026-46", "2026-W54", "2025-W53", "26-W01", "2026-W00"])
def test_bad_labels_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        IsoWeek.parse(bad, "Europe/London")


def test_current_week_uses_the_team_timezone() -> None:
    # Sun 15 Nov 23:30 UTC is already Monday 16 Nov in Tokyo.
    now = datetime(2026, 11, 15, 23, 30, tzinfo=UTC)
    assert current_week(now, "Europe/London").label == "2026-W46"
    assert current_week(now, "Asia/Tokyo").label == "2026-W47"


def test_previous_weeks_cross_the_year() -> None:
    week = IsoWeek.parse("2027-W02", "UTC")
    assert [w.label for w in week.previous(4)] == ["2026-W51", "2026-W52", "2026-W53", "2027-W01"]
