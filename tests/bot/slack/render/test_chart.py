"""The digest chart is a deterministic, readable PNG."""

from __future__ import annotations

import struct
from functools import cache

from bot.slack.render.chart import WeekPoint, render_chart

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def twelve_weeks() -> list[WeekPoint]:
    return [
        WeekPoint(
            f"2026-W{35 + i:02d}",
            lead_time_median_hours=None if i == 5 else 120.0 + 12 * i,
            handoff_delay_median_working_hours=8.0 + (i % 4) * 6,
            releases=i % 3,
            failed_releases=1 if i == 7 else 0,
        )
        for i in range(12)
    ]


@cache
def twelve_week_png() -> bytes:
    return render_chart(twelve_weeks())


def png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])  # IHDR follows the signature
    return width, height


def test_chart_is_a_png_of_useful_size() -> None:
    data = twelve_week_png()
    assert data.startswith(PNG_MAGIC)
    assert data[12:16] == b"IHDR"
    assert png_size(data) == (800, 450)
    assert len(data) > 10_000  # lines, bars and labels, not an empty canvas


def test_chart_is_deterministic_for_fixed_input() -> None:
    assert render_chart(twelve_weeks()) == twelve_week_png()


def test_chart_changes_with_the_data() -> None:
    weeks = twelve_weeks()
    other = [*weeks[:-1], WeekPoint("2026-W46", 600.0, 40.0, 3, 2)]
    assert twelve_week_png() != render_chart(other)


def test_chart_survives_empty_and_all_missing_weeks() -> None:
    assert render_chart([]).startswith(PNG_MAGIC)
    blank = [WeekPoint(f"2026-W{w:02d}", None, None) for w in range(1, 13)]
    assert render_chart(blank).startswith(PNG_MAGIC)


def test_week_point_from_report() -> None:
    report = {
        "week": "2026-W46",
        "handoffs": {"delay_working_hours": {"count": 2, "median": 6.0, "p85": 9.0}},
        "delivery": {"lead_time_hours": {"count": 0, "median": None, "p85": None}},
        "releases": {"count": 3, "failed": 1},
    }
    assert WeekPoint.from_report(report) == WeekPoint("2026-W46", None, 6.0, 3, 1)
