"""The readable ``--format table`` rendering of report objects (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from bot.flow.stages import STAGES, stage_shares

_SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "handoffs",
        "Handoffs (product -> engineering)",
        (
            ("handed_off", "handed off"),
            ("picked_up", "picked up"),
            ("returned", "returned to product"),
            ("withdrawn", "withdrawn"),
            ("waiting", "still waiting"),
            ("delay_working_hours", "handoff delay (working h)"),
        ),
    ),
    (
        "delivery",
        "Delivery",
        (
            ("items_delivered", "items delivered"),
            ("lead_time_hours", "time to delivery (h)"),
        ),
    ),
    (
        "pull_requests",
        "Pull requests",
        (
            ("opened", "opened"),
            ("merged", "merged"),
            ("merged_without_review", "merged without review"),
            ("cycle_hours", "open -> merge (h)"),
            ("first_review_working_hours", "first review wait (working h)"),
        ),
    ),
    (
        "releases",
        "Releases",
        (
            ("count", "releases"),
            ("hotfixes", "hotfixes"),
            ("failed", "failed"),
            ("change_failure_rate", "change failure rate"),
            ("downtime_hours", "downtime per failed release (h)"),
            ("change_lead_hours", "PR open -> released (h)"),
            ("deploy_failures", "failed deployment attempts"),
        ),
    ),
    (
        "incidents",
        "Incidents",
        (
            ("resolved", "resolved"),
            ("restore_hours", "time to restore (h)"),
        ),
    ),
)


def _number(value: float) -> str:
    return f"{value:.1f}"


def _cell(key: str, value: Any) -> str:
    if isinstance(value, Mapping):
        if not value.get("count"):
            return "-"
        return (
            f"median {_number(value['median'])}  p85 {_number(value['p85'])}  (n={value['count']})"
        )
    if value is None:
        return "-"
    if key == "change_failure_rate":
        return f"{value * 100:.0f}%"
    return str(value)


def _stages(hours: Mapping[str, float]) -> str:
    shares = stage_shares(hours)
    if shares is None:
        return "-"
    return "  ".join(f"{stage} {shares[stage]}%" for stage in STAGES)


def render_table(report: Mapping[str, Any]) -> str:
    """One team-week report as aligned plain text."""
    span = report["week"] if report.get("week") else "period"
    lines = [
        f"{report['team']}  {span}  "
        f"({report['start'][:10]} to {report['end'][:10]}, {report['timezone']})",
    ]
    width = 34
    for section, title, rows in _SECTIONS:
        data = report.get(section, {})
        lines.append("")
        lines.append(title)
        for key, label in rows:
            if key in data:
                lines.append(f"  {label:<{width}}{_cell(key, data[key])}")
        if section == "delivery" and "stage_hours" in data:
            lines.append(f"  {'where the time went':<{width}}{_stages(data['stage_hours'])}")
    lines.append("")
    lines.append(f"  {'work in progress':<{width}}{report.get('wip', 0)}")
    return "\n".join(lines) + "\n"


def render_tables(reports: Sequence[Mapping[str, Any]]) -> str:
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
