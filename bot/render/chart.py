"""The digest chart: 12 weeks of time to delivery and handoff delay, releases, and stages.

Three panels: the medians as lines, the releases (failed in red) as bars, and where each
week's time to delivery went as stacked shares of the five stages (``bot.flow.stages``).

Uses matplotlib's object API (``Figure`` + Agg canvas) so no global pyplot state is touched
and concurrent renders in threads stay independent.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.flow.sections import Report
from bot.flow.stages import STAGES


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """One week of the chart (medians None when the week had no observation)."""

    week: str  # "2026-W46"
    lead_time_median_hours: float | None
    handoff_delay_median_working_hours: float | None
    releases: int = 0
    failed_releases: int = 0
    stage_hours: tuple[float, ...] = ()  # in STAGES order; empty: nothing delivered

    @classmethod
    def from_report(cls, report: Report) -> WeekPoint:
        """The chart point of one weekly report."""
        return cls(
            week=report.week or "",
            lead_time_median_hours=report.delivery.lead_time_hours.median,
            handoff_delay_median_working_hours=report.handoffs.delay_working_hours.median,
            releases=report.releases.count,
            failed_releases=report.releases.failed,
            stage_hours=_stage_hours(report.delivery.stage_hours),
        )


def chart_points(reports: Sequence[Report]) -> list[WeekPoint]:
    """One chart point per weekly report (oldest first): what the digest chart draws."""
    return [WeekPoint.from_report(r) for r in reports]


def render_chart(weeks: Sequence[WeekPoint], *, day_hours: float = 8.0) -> bytes:
    """PNG bytes of the trend chart (deterministic for a given input)."""
    # matplotlib is ~40 MB and ~0.3 s to import: only a process that draws a chart pays it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 6), dpi=100)
    FigureCanvasAgg(fig)
    top, bottom, stages = fig.subplots(
        3, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1, 1.6]}
    )
    xs = list(range(len(weeks)))
    labels = [w.week.split("-")[-1] for w in weeks]

    lead = [_nan(w.lead_time_median_hours, 24.0) for w in weeks]
    delay = [_nan(w.handoff_delay_median_working_hours, day_hours) for w in weeks]
    top.plot(xs, lead, marker="o", color="#1f6feb", label="Time to delivery (median, days)")
    top.plot(xs, delay, marker="s", color="#d97706", label="Handoff delay (median, working days)")
    top.set_ylabel("days")
    values = [v for v in lead + delay if v == v]  # NaN != NaN: skip weeks without data
    top.set_ylim(0, max([*values, 1.0]) * 1.3)  # headroom so the legend never hides a line
    top.grid(True, axis="y", alpha=0.3)
    top.legend(loc="upper left", fontsize=8, frameon=False)
    top.set_title("Last 12 weeks", fontsize=10)

    ok = [w.releases - w.failed_releases for w in weeks]
    failed = [w.failed_releases for w in weeks]
    bottom.bar(xs, ok, color="#16a34a", label="releases")
    bottom.bar(xs, failed, bottom=ok, color="#dc2626", label="failed releases")
    for x, w in zip(xs, weeks, strict=True):
        if w.releases:
            top.axvline(
                x,
                color="#16a34a" if not w.failed_releases else "#dc2626",
                alpha=0.25,
                linewidth=1,
                linestyle=":",
            )
    bottom.set_ylabel("releases", fontsize=8)
    bottom.legend(loc="upper left", fontsize=7, frameon=False, ncols=2)
    bottom.set_ylim(0, max([w.releases for w in weeks] + [1]) * 1.3)
    _stage_panel(stages, xs, weeks)
    stages.set_xticks(xs, labels, fontsize=8)

    # Fixed margins instead of tight_layout: cheaper, and the layout never depends on text.
    fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.06, hspace=0.14)
    buf = io.BytesIO()
    # No Software/date metadata so equal input gives equal bytes.
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


STAGE_COLOURS: dict[str, str] = {
    "pickup": "#f59e0b",
    "product": "#a855f7",
    "build": "#3b82f6",
    "review": "#14b8a6",
    "release": "#ef4444",
}


def _stage_hours(found: Mapping[str, float]) -> tuple[float, ...]:
    hours = tuple(float(found.get(stage) or 0.0) for stage in STAGES)
    return hours if sum(hours) > 0 else ()


def _stage_panel(ax: Any, xs: list[int], weeks: Sequence[WeekPoint]) -> None:
    """Stacked bars: each stage's share (%) of the week's time to delivery."""
    base = [0.0] * len(weeks)
    for i, stage in enumerate(STAGES):
        shares = [
            100 * w.stage_hours[i] / sum(w.stage_hours) if w.stage_hours else 0.0 for w in weeks
        ]
        ax.bar(xs, shares, bottom=base, color=STAGE_COLOURS[stage], label=stage, width=0.7)
        base = [b + v for b, v in zip(base, shares, strict=True)]
    ax.set_ylim(0, 135)  # headroom above the 100 % bars for the legend
    ax.set_yticks([0, 50, 100])
    ax.set_ylabel("% of time to delivery", fontsize=7)
    ax.legend(loc="upper left", fontsize=7, frameon=False, ncols=5)


def _nan(value: float | None, per_day: float) -> float:
    return float("nan") if value is None or per_day <= 0 else value / per_day


def render_review_chart(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """PNG of the review: per figure, before and now as bars (scaled to the larger of the
    two and the target), the target as a line; values printed on the bars."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    shown = [r for r in rows if r.get("baseline") is not None or r.get("current") is not None]
    fig = Figure(figsize=(8, 0.6 + 0.7 * max(len(shown), 1)), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    for i, row in enumerate(reversed(shown)):
        values = [row.get("baseline"), row.get("current"), row.get("target")]
        top = max([v for v in values if v is not None] + [1e-9])
        for offset, key, colour in ((0.18, "baseline", "#9ca3af"), (-0.18, "current", "#1f6feb")):
            value = row.get(key)
            if value is not None:
                ax.barh(i + offset, value / top, height=0.34, color=colour)
        if row.get("target") is not None:
            x = row["target"] / top
            ax.plot([x, x], [i - 0.42, i + 0.42], color="#16a34a", linewidth=2)
    ax.set_yticks(range(len(shown)), [str(r.get("label", "")) for r in reversed(shown)],
                  fontsize=8)
    ax.set_xticks([])
    ax.set_xlim(0, 1.15)
    ax.set_title("Before (grey) and now (blue); the green line is the target", fontsize=9)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.32, right=0.98, top=0.9, bottom=0.04)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()
