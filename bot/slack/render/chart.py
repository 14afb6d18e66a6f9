"""The digest chart: 12-week trend of time to delivery and handoff delay, with releases.

Uses matplotlib's object API (``Figure`` + Agg canvas) so no global pyplot state is touched
and concurrent renders in threads stay independent.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.slack.render.common import dig


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """One week of the chart (medians None when the week had no observation)."""

    week: str  # "2026-W46"
    lead_time_median_hours: float | None
    handoff_delay_median_working_hours: float | None
    releases: int = 0
    failed_releases: int = 0

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> WeekPoint:
        """The chart point of one ``crosswalk report`` object."""
        return cls(
            week=str(report.get("week", "")),
            lead_time_median_hours=dig(report, "delivery", "lead_time_hours", "median"),
            handoff_delay_median_working_hours=dig(
                report, "handoffs", "delay_working_hours", "median"
            ),
            releases=int(dig(report, "releases", "count") or 0),
            failed_releases=int(dig(report, "releases", "failed") or 0),
        )


def render_chart(weeks: Sequence[WeekPoint], *, day_hours: float = 8.0) -> bytes:
    """PNG bytes of the trend chart (deterministic for a given input)."""
    # matplotlib is ~40 MB and ~0.3 s to import: only a process that draws a chart pays it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
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
    bottom.set_xticks(xs, labels, fontsize=8)
    bottom.set_ylim(0, max([w.releases for w in weeks] + [1]) * 1.3)

    # Fixed margins instead of tight_layout: cheaper, and the layout never depends on text.
    fig.subplots_adjust(left=0.08, right=0.98, top=0.93, bottom=0.08, hspace=0.12)
    buf = io.BytesIO()
    # No Software/date metadata so equal input gives equal bytes.
    fig.savefig(buf, format="png", metadata={"Software": None})
    return buf.getvalue()


def _nan(value: float | None, per_day: float) -> float:
    return float("nan") if value is None or per_day <= 0 else value / per_day
