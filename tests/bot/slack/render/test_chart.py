"""The digest chart is a deterministic, readable PNG."""

from __future__ import annotations

import struct

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


def png_size(data: bytes) -> tuple[int, int]:
    width, height = struct.unpack(">II", data[16:24])  # IHDR follows the signature
    return width, height


def test_chart_is_a_png_of_useful_size() -> None:
    data = render_chart(twelve_weeks())
    assert data.startswith(PNG_MAGIC)
    assert data[12:16] == b"IHDR"
    assert png_size(data) == (800, 450)
    assert len(data) > 10_000  # lines, bars and labels, not an empty canvas


def test_chart_is_deterministic_for_fixed_input() -> None:
    assert render_chart(twelve_weeks()) == render_chart(twelve_weeks())


def test_chart_changes_with_the_data() -> None:
    weeks = twelve_weeks()
    other = [*weeks[:-1], WeekPoint("2026-W46", 600.0, 40.0, 3, 2)]
    assert render_chart(weeks) != render_chart(other)


def test_chart_survives_empty_and_all_missing_weeks() -> None:
    assert render_chart([]).startswith(PNG_MAGIC)
    blank = [WeekPoint(f"2026-W{w:02d}", None, None) for w in range(1, 13)]
    assert render_chart(blank).startswith(PNG_MAGIC)
