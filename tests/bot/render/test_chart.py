"""The digest chart is a deterministic, readable PNG."""

from __future__ import annotations

import io
import struct
from dataclasses import replace
from functools import cache
from typing import Any

from bot.flow.stages import STAGES
from bot.render.chart import STAGE_COLOURS, WeekPoint, chart_points, render_chart
from tests.support.reports import report_of

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
    assert png_size(data) == (800, 600)
    assert len(data) > 10_000  # lines, bars and labels, not an empty canvas


def test_chart_is_deterministic_for_fixed_input() -> None:
    assert render_chart(twelve_weeks()) == twelve_week_png()


def _pixels_of(data: bytes, colour: str) -> int:
    """How many pixels of the PNG have ``colour`` (``#rrggbb``), antialiasing aside."""
    import numpy as np
    from matplotlib.image import imread

    image = imread(io.BytesIO(data), format="png")[:, :, :3]
    want = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(image - want).max(axis=2) < 0.02).sum())


def test_failed_releases_are_drawn_in_red_only_when_there_are_some() -> None:
    red = "#dc2626"
    calm = [replace(w, failed_releases=0) for w in twelve_weeks()]
    legend = _pixels_of(render_chart(calm), red)  # the legend's swatch only
    assert 0 < legend < 400
    one = [*calm[:-1], replace(calm[-1], releases=2, failed_releases=1)]
    assert _pixels_of(render_chart(one), red) - legend > 200  # a bar, not a stray pixel


def test_stage_shares_are_stacked_in_their_colours() -> None:
    weeks = twelve_weeks()
    legend = {s: _pixels_of(twelve_week_png(), c) for s, c in STAGE_COLOURS.items()}
    assert all(0 < n < 400 for n in legend.values())  # swatches, no bars without stages
    # The last week's time went mostly to waiting for a release, some to review.
    staged = [*weeks[:-1], replace(weeks[-1], stage_hours=(0.0, 0.0, 0.0, 25.0, 75.0))]
    data = render_chart(staged)
    bars = {s: _pixels_of(data, c) - legend[s] for s, c in STAGE_COLOURS.items()}
    assert bars["review"] > 100 and bars["release"] > 2 * bars["review"]  # 75 % vs 25 %
    assert bars["pickup"] == bars["product"] == bars["build"] == 0


def test_chart_survives_empty_and_all_missing_weeks() -> None:
    assert render_chart([]).startswith(PNG_MAGIC)
    blank = [WeekPoint(f"2026-W{w:02d}", None, None) for w in range(1, 13)]
    assert render_chart(blank).startswith(PNG_MAGIC)


def test_week_point_from_report() -> None:
    report: dict[str, Any] = {
        "week": "2026-W46",
        "handoffs": {"delay_working_hours": {"count": 2, "median": 6.0, "p85": 9.0}},
        "delivery": {"lead_time_hours": {"count": 0, "median": None, "p85": None}},
        "releases": {"count": 3, "failed": 1},
    }
    assert WeekPoint.from_report(report_of(report)) == WeekPoint("2026-W46", None, 6.0, 3, 1)
    stages = {"pickup": 1.0, "product": 0.0, "build": 2.0, "review": 3.0, "release": 4.0}
    report["delivery"]["stage_hours"] = stages
    assert WeekPoint.from_report(report_of(report)).stage_hours == (1.0, 0.0, 2.0, 3.0, 4.0)


def test_the_digest_charts_the_points_of_its_reports() -> None:
    report = {"week": "2026-W46", "releases": {"count": 2, "failed": 0},
              "delivery": {"stage_hours": dict.fromkeys(STAGES, 0.0)}}
    assert chart_points([report_of(report)]) == [WeekPoint("2026-W46", None, None, 2, 0, ())]
