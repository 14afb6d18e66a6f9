"""The readable ``--format table`` rendering of report objects (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from bot.flow.sections import Report, Stat
from bot.flow.stages import STAGES, stage_shares

Cell = Callable[[Report], "int | str | Stat"]  # a count, a formatted figure or a statistic

_SECTIONS: tuple[tuple[str, tuple[tuple[str, Cell], ...]], ...] = (
    (
        "Handoffs (product -> engineering)",
        (
            ("handed off", lambda r: r.handoffs.handed_off),
            ("picked up", lambda r: r.handoffs.picked_up),
            ("returned to product", lambda r: r.handoffs.returned),
            ("withdrawn", lambda r: r.handoffs.withdrawn),
            ("still waiting", lambda r: r.handoffs.waiting),
            ("handoff delay (working h)", lambda r: r.handoffs.delay_working_hours),
        ),
    ),
    (
        "Delivery",
        (
            ("items delivered", lambda r: r.delivery.items_delivered),
            ("time to delivery (h)", lambda r: r.delivery.lead_time_hours),
        ),
    ),
    (
        "Pull requests",
        (
            ("opened", lambda r: r.pull_requests.opened),
            ("merged", lambda r: r.pull_requests.merged),
            ("merged without review", lambda r: r.pull_requests.merged_without_review),
            ("open -> merge (h)", lambda r: r.pull_requests.cycle_hours),
            ("first review wait (working h)", lambda r: r.pull_requests.first_review_working_hours),
        ),
    ),
    (
        "Releases",
        (
            ("releases", lambda r: r.releases.count),
            ("hotfixes", lambda r: r.releases.hotfixes),
            ("failed", lambda r: r.releases.failed),
            ("change failure rate", lambda r: _rate(r.releases.change_failure_rate)),
            ("downtime per failed release (h)", lambda r: r.releases.downtime_hours),
            ("PR open -> released (h)", lambda r: r.releases.change_lead_hours),
            ("failed deployment attempts", lambda r: r.releases.deploy_failures),
        ),
    ),
    (
        "Incidents",
        (
            ("resolved", lambda r: r.incidents.resolved),
            ("time to restore (h)", lambda r: r.incidents.restore_hours),
        ),
    ),
)


def _number(value: float) -> str:
    return f"{value:.1f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def _cell(value: int | str | Stat) -> str:
    if isinstance(value, Stat):
        if not value.count or value.median is None or value.p85 is None:
            return "-"
        return f"median {_number(value.median)}  p85 {_number(value.p85)}  (n={value.count})"
    return str(value)


def _stages(hours: Mapping[str, float]) -> str:
    shares = stage_shares(hours)
    if shares is None:
        return "-"
    return "  ".join(f"{stage} {shares[stage]}%" for stage in STAGES)


def render_table(report: Report) -> str:
    """One team-week report as aligned plain text."""
    span = report.week or "period"
    lines = [
        f"{report.team}  {span}  "
        f"({report.start.date()} to {report.end.date()}, {report.timezone})",
    ]
    width = 34
    for title, rows in _SECTIONS:
        lines.append("")
        lines.append(title)
        for label, read in rows:
            lines.append(f"  {label:<{width}}{_cell(read(report))}")
        if title == "Delivery":
            went = _stages(report.delivery.stage_hours)
            lines.append(f"  {'where the time went':<{width}}{went}")
    lines.append("")
    lines.append(f"  {'work in progress':<{width}}{report.wip}")
    return "\n".join(lines) + "\n"


def render_tables(reports: Sequence[Report]) -> str:
    """Several reports, one block each."""
    return "\n".join(render_table(r) for r in reports)


def _days(report: Mapping[str, Any]) -> str:
    first = date.fromisoformat(report["start"][:10])
    last = date.fromisoformat(report["end"][:10]) - timedelta(days=1)
    return f"{first} to {last}"


def _value(unit: str, value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 100:.0f}%" if unit == "fraction" else _number(value)


def render_review_table(review: Mapping[str, Any]) -> str:
    """One team's review as aligned plain text: before, now, better or worse, the target."""
    current, baseline = review["current"], review["baseline"]
    lines = [
        f"{review['team']}  review  {_days(current)} vs {_days(baseline)} ({review['timezone']})",
        "",
        f"  {'':<44}{'before':>10}{'now':>10}  {'':<8}target",
    ]
    for row in review.get("comparison", ()):
        unit = row["unit"]
        label = row["label"] + (
            " (h)" if unit == "hours" else " (working h)" if unit == "working hours" else ""
        )
        better = {True: "better", False: "worse", None: ""}[row["better"]]
        target = ""
        if row["target"] is not None:
            target = f"<= {_value(unit, row['target'])} {'met' if row['met'] else 'not met'}"
        lines.append(
            f"  {label:<44}{_value(unit, row['baseline']):>10}{_value(unit, row['current']):>10}"
            f"  {better:<8}{target}".rstrip()
        )
    return "\n".join(lines) + "\n"


def render_review_tables(reviews: Sequence[Mapping[str, Any]]) -> str:
    """Several reviews, one block each."""
    return "\n".join(render_review_table(r) for r in reviews)
