"""The outcome review in Slack: before → now per shared outcome, the targets, a chart."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from bot.render.common import (
    Block,
    context,
    divider,
    fmt_in_unit,
    header,
    limit_blocks,
    section,
)
from bot.render.escape import esc


def days_text(first: date, end: date) -> str:
    """ "1 Sep 2026 – 30 Nov 2026" for the days from ``first`` to ``end`` (exclusive)."""
    last = end - timedelta(days=1)
    return f"{first:%-d %b %Y} – {last:%-d %b %Y}"


def period_text(report: Mapping[str, Any]) -> str:
    """``days_text`` of a report object in the review's JSON (its ``start`` and ``end``)."""
    first = date.fromisoformat(str(report.get("start", ""))[:10])
    return days_text(first, date.fromisoformat(str(report.get("end", ""))[:10]))


def _change(row: Mapping[str, Any]) -> str:
    before, now = row.get("baseline"), row.get("current")
    if before is None or now is None:
        return ""
    if now == before:
        return "→ same"
    arrow = "↓" if now < before else "↑"
    return f"{arrow} {'better' if row.get('better') else 'worse'}"


def row_line(row: Mapping[str, Any], day_hours: float = 8.0) -> str:
    """ "*Release interval:* 14 days → 3.5 days ↓ better · target ≤ 14 days ✅ met"."""
    unit = str(row.get("unit", "hours"))
    before = fmt_in_unit(unit, row.get("baseline"), day_hours)
    now = fmt_in_unit(unit, row.get("current"), day_hours)
    line = f"*{esc(str(row.get('label', '')))}:* {before} → {now}"
    change = _change(row)
    if change:
        line += f" {change}"
    if row.get("target") is not None:
        verdict = "✅ met" if row.get("met") else "❌ not met"
        line += f" · target ≤ {fmt_in_unit(unit, row['target'], day_hours)} {verdict}"
    return line


def render_review(
    review: Mapping[str, Any], *, day_hours: float = 8.0, chart_file_id: str | None = None
) -> tuple[str, list[Block]]:
    """Text fallback and blocks of one team's outcome review (team-level numbers only)."""
    team = esc(str(review.get("team", "")))
    current, baseline = review.get("current") or {}, review.get("baseline") or {}
    now, before = period_text(current), period_text(baseline)
    rows = list(review.get("comparison") or ())
    blocks: list[Block] = [
        header(f"Crosswalk outcome review · {team}"),
        context(f"*{now}* against *{before}* · lower is better for every figure"),
        section("\n".join(row_line(r, day_hours) for r in rows) or "No figures yet."),
    ]
    targets = list(review.get("targets") or ())
    if targets:
        met = sum(1 for t in targets if t.get("met"))
        blocks.append(section(f"*Targets:* {met} of {len(targets)} met this period"))
    if chart_file_id:
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": chart_file_id},
                "alt_text": "Before and now of each shared outcome, with its target",
            }
        )
    blocks += [divider(), context("Team-level numbers only · `crosswalk review` for every figure")]
    better = sum(1 for r in rows if r.get("better") is True)
    worse = sum(1 for r in rows if r.get("better") is False)
    text = (
        f"Crosswalk outcome review for {team}, {now} against {before}: "
        f"{better} better, {worse} worse."
    )
    return text, limit_blocks(blocks)
