"""App Home: what waits on the viewing user, and their teams' headline outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.flow.sections import Report
from bot.render.common import (
    MAX_VIEW_BLOCKS,
    Block,
    bullet_list,
    context,
    divider,
    fmt_hours,
    fmt_pct,
    fmt_working_hours,
    header,
    limit_blocks,
    section,
    short,
    target_line,
)
from bot.render.digest import stages_text
from bot.render.escape import esc, link
from bot.render.review import days_text


@dataclass(frozen=True, slots=True)
class WaitingHandoff:
    """A handoff waiting on the viewer (their team's item, not yet picked up)."""

    team: str
    key: str
    summary: str
    url: str
    waiting_working_hours: float


@dataclass(frozen=True, slots=True)
class WaitingReview:
    """A pull request waiting on the viewer's review."""

    repo: str
    number: int
    title: str
    url: str
    waiting_working_hours: float


@dataclass(frozen=True, slots=True)
class TeamOutcomes:
    """One of the viewer's teams: this week's and last week's report objects."""

    team: str
    this_week: Report
    last_week: Report | None = None
    last_four_weeks: Report | None = None  # a period report of 4 complete weeks
    targets: tuple[Mapping[str, Any], ...] = ()  # over the last four weeks


HOME_ITEMS = 15  # per list on the Home tab; the slash commands page through the rest


def render_home(
    *,
    handoffs: Sequence[WaitingHandoff],
    reviews: Sequence[WaitingReview],
    teams: Sequence[TeamOutcomes],
    day_hours: float = 8.0,
) -> dict[str, Any]:
    """The ``views.publish`` view for the viewing user (≤ 100 blocks)."""
    blocks: list[Block] = [header("Crosswalk"), section("*Waiting on you*")]
    if handoffs:
        ordered = sorted(handoffs, key=lambda h: -h.waiting_working_hours)
        lines = [
            f"{link(h.url, h.key)} {short(h.summary)} — waiting "
            f"{fmt_working_hours(h.waiting_working_hours, day_hours)} ({esc(h.team)})"
            for h in ordered
        ]
        blocks.append(
            section(bullet_list(lines, intro="_Handoffs waiting for pickup_", max_items=HOME_ITEMS))
        )
    if reviews:
        ordered_r = sorted(reviews, key=lambda r: -r.waiting_working_hours)
        lines = [
            f"{link(r.url, f'{r.repo}#{r.number}')} {short(r.title)} — waiting "
            f"{fmt_working_hours(r.waiting_working_hours, day_hours)}"
            for r in ordered_r
        ]
        blocks.append(
            section(bullet_list(lines, intro="_Reviews requested from you_", max_items=HOME_ITEMS))
        )
    if not handoffs and not reviews:
        blocks.append(section("Nothing is waiting on you. :tada:"))
    if len(handoffs) > HOME_ITEMS or len(reviews) > HOME_ITEMS:
        blocks.append(context("The longest waits first · `/crosswalk handoffs` and "
                              "`/crosswalk prs` list every one, page by page"))
    for t in teams:
        blocks += [divider(), section(_outcomes(t, day_hours))]
    blocks.append(context("Team-level numbers only · `/crosswalk help` for more"))
    return {"type": "home", "blocks": limit_blocks(blocks, MAX_VIEW_BLOCKS)}


def _outcomes(t: TeamOutcomes, day_hours: float) -> str:
    def col(r: Report | None) -> str:
        if r is None:
            return "no data"
        delay = r.handoffs.delay_working_hours.median
        return (
            f"{r.delivery.items_delivered} delivered · time to delivery "
            f"{fmt_hours(r.delivery.lead_time_hours.median)} · "
            f"{r.releases.count} releases "
            f"({fmt_pct(r.releases.change_failure_rate)} failed) · "
            f"handoff delay {fmt_working_hours(delay, day_hours)} · "
            f"{r.handoffs.waiting} waiting"
        )

    last_week = f" ({esc(t.last_week.week or '')})" if t.last_week else ""
    lines = [
        f"*{esc(t.team)}*",
        f"This week ({esc(t.this_week.week or '')}): {col(t.this_week)}",
        f"Last week{last_week}: {col(t.last_week)}",
    ]
    four = t.last_four_weeks
    if four is not None:
        lines.append(f"Last 4 weeks ({days_text(four.start.date(), four.end.date())}): {col(four)}")
        went = stages_text(four.delivery.stage_hours)
        if went:
            lines.append(went.replace("*Where the time went:*", "_Where the time went:_"))
    if t.targets:
        met = sum(1 for x in t.targets if x.get("met"))
        lines.append(f"_Targets over the last 4 weeks: {met} of {len(t.targets)} met_")
        lines += [f"• {target_line(x, day_hours)}" for x in t.targets]
    return "\n".join(lines)
