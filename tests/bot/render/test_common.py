"""Humane numbers, limit-respecting clipping and lists."""

from __future__ import annotations

import pytest

from bot.render.common import (
    bullet_list,
    clip,
    fmt_hours,
    fmt_pct,
    fmt_when,
    fmt_working_hours,
    header,
    limit_blocks,
    section,
)


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (None, "–"),
        (0.25, "15 min"),
        (1.0, "1 h"),
        (18.0, "18 h"),
        (47.5, "47.5 h"),
        (84.0, "3.5 days"),
    ],
)
def test_calendar_hours_read_humanely(hours: float | None, text: str) -> None:
    assert fmt_hours(hours) == text


@pytest.mark.parametrize(
    ("hours", "text"),
    [
        (0.5, "30 working min"),
        (6.0, "6 working h"),
        (8.0, "1 working day"),
        (8.2, "1 working day"),
        (20.0, "2.5 working days"),
    ],
)
def test_working_hours_read_as_working_days_past_one_day(hours: float, text: str) -> None:
    assert fmt_working_hours(hours) == text


def test_working_days_follow_the_teams_day_length() -> None:
    assert fmt_working_hours(15.0, day_hours=7.5) == "2 working days"


def test_pct_and_when() -> None:
    from datetime import UTC, datetime

    assert fmt_pct(0.125) == "12%" and fmt_pct(None) == "–"
    assert fmt_when(datetime(2026, 7, 1, 8, tzinfo=UTC), "Europe/London") == "Wed 01 Jul 09:00"
    assert fmt_when(datetime(2026, 7, 1, 8, tzinfo=UTC), "Not/AZone") == "Wed 01 Jul 08:00"


def test_clip_never_leaves_half_an_entity_or_link() -> None:
    assert clip("abc &amp; def", 7) == "abc …"
    assert clip("see <https://x.example/a|label> now", 20) == "see …"
    assert clip("short", 10) == "short"


def test_header_and_section_are_clipped_to_block_kit_limits() -> None:
    assert len(header("x" * 500)["text"]["text"]) == 150
    assert len(section("y" * 5000)["text"]["text"]) == 3000


def test_bullet_list_ends_with_and_n_more() -> None:
    lines = [f"item {i}" for i in range(10)]
    assert bullet_list(lines, intro="*List*", max_items=3) == (
        "*List*\n• item 0\n• item 1\n• item 2\n…and 7 more"
    )
    assert bullet_list(lines, max_items=2, more_url="https://j/x").endswith(
        "…<https://j/x|and 8 more>"
    )
    assert len(bullet_list(["z" * 100] * 100, limit=500)) <= 500


def test_limit_blocks_keeps_at_most_the_maximum() -> None:
    blocks = [section(str(i)) for i in range(60)]
    kept = limit_blocks(blocks)
    assert len(kept) == 50
    assert kept[-1]["elements"][0]["text"] == "…and 11 more blocks left out"
