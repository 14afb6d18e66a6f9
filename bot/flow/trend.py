"""Trend against the previous weeks, and DORA performance levels (DORA 2023 clusters).

Thresholds: Accelerate State of DevOps Report 2023 (DORA, Google Cloud), "software
delivery performance" clusters; docs/metrics.md cites them and explains the cut points.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Callable, Sequence
from typing import Any

from bot.flow.sections import Report

DORA_REPORT = "Accelerate State of DevOps Report 2023 (DORA)"

HOURS_PER_DAY = 24.0
HOURS_PER_WEEK = 7 * 24.0
HOURS_PER_MONTH = 30 * 24.0


class Level(enum.StrEnum):
    """DORA performance levels."""

    ELITE = "elite"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


# The figures compared week over week: name -> how to read it off a report.
FIGURES: dict[str, Callable[[Report], float | None]] = {
    "handed_off": lambda r: r.handoffs.handed_off,
    "returned": lambda r: r.handoffs.returned,
    "waiting": lambda r: r.handoffs.waiting,
    "handoff_delay_median_wh": lambda r: r.handoffs.delay_working_hours.median,
    "items_delivered": lambda r: r.delivery.items_delivered,
    "lead_time_median_hours": lambda r: r.delivery.lead_time_hours.median,
    "prs_merged": lambda r: r.pull_requests.merged,
    "merged_without_review": lambda r: r.pull_requests.merged_without_review,
    "cycle_median_hours": lambda r: r.pull_requests.cycle_hours.median,
    "first_review_median_wh": lambda r: r.pull_requests.first_review_working_hours.median,
    "releases": lambda r: r.releases.count,
    "failed_releases": lambda r: r.releases.failed,
    "change_failure_rate": lambda r: r.releases.change_failure_rate,
    "restore_median_hours": lambda r: r.incidents.restore_hours.median,
    "wip": lambda r: r.wip,
}


def figure(report: Report, name: str) -> float | None:
    """The figure ``name`` of ``FIGURES`` in ``report``, as a float (None: no sample)."""
    value = FIGURES[name](report)
    return None if value is None else float(value)


def deployment_frequency_level(releases_per_week: float) -> Level:
    """Elite: daily or more; high: weekly or more; medium: monthly or more; else low."""
    if releases_per_week >= 7.0:
        return Level.ELITE
    if releases_per_week >= 1.0:
        return Level.HIGH
    if releases_per_week >= 7.0 / 30.0:
        return Level.MEDIUM
    return Level.LOW


def lead_time_level(hours: float | None) -> Level | None:
    """Elite: < 1 day; high: <= 1 week; medium: <= 1 month; else low (None: no data)."""
    if hours is None:
        return None
    if hours < HOURS_PER_DAY:
        return Level.ELITE
    if hours <= HOURS_PER_WEEK:
        return Level.HIGH
    if hours <= HOURS_PER_MONTH:
        return Level.MEDIUM
    return Level.LOW


def change_failure_level(rate: float | None) -> Level | None:
    """Elite: <= 5 %; high: <= 10 %; medium: <= 15 %; else low (None: no releases)."""
    if rate is None:
        return None
    if rate <= 0.05:
        return Level.ELITE
    if rate <= 0.10:
        return Level.HIGH
    if rate <= 0.15:
        return Level.MEDIUM
    return Level.LOW


def restore_level(hours: float | None) -> Level | None:
    """Elite: < 1 hour; high: < 1 day; medium: <= 1 week; else low (None: no incidents)."""
    if hours is None:
        return None
    if hours < 1.0:
        return Level.ELITE
    if hours < HOURS_PER_DAY:
        return Level.HIGH
    if hours <= HOURS_PER_WEEK:
        return Level.MEDIUM
    return Level.LOW


def _median_of(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(statistics.median(present)) if present else None


def dora(reports: Sequence[Report]) -> dict[str, Any]:
    """DORA figures and levels over a window of weekly reports (oldest first)."""
    weeks = len(reports)
    released = float(sum(r.releases.count for r in reports))
    failed = float(sum(r.releases.failed for r in reports))
    per_week = released / weeks if weeks else 0.0
    rate = failed / released if released else None
    # A median of weekly medians: the stored weekly reports do not keep every sample.
    lead = _median_of([r.releases.change_lead_hours.median for r in reports])
    restore = _median_of([r.incidents.restore_hours.median for r in reports])
    return {
        "source": DORA_REPORT,
        "weeks": weeks,
        "deployment_frequency": {
            "releases_per_week": per_week,
            "level": deployment_frequency_level(per_week).value if weeks else None,
        },
        "lead_time_for_changes": {"median_hours": lead, "level": _value(lead_time_level(lead))},
        "change_failure_rate": {"rate": rate, "level": _value(change_failure_level(rate))},
        "time_to_restore": {"median_hours": restore, "level": _value(restore_level(restore))},
    }


def _value(level: Level | None) -> str | None:
    return level.value if level is not None else None


def build_trend(current: Report, previous: Sequence[Report]) -> dict[str, Any]:
    """Each figure now, in each previous week (oldest first), their median and the change.

    DORA levels are taken over the whole window: the previous weeks and the current one.
    """
    figures: dict[str, Any] = {}
    for name in FIGURES:
        now = figure(current, name)
        before = [figure(r, name) for r in previous]
        baseline = _median_of(before)
        figures[name] = {
            "current": now,
            "previous": before,
            "previous_median": baseline,
            "change": (now - baseline) if now is not None and baseline is not None else None,
        }
    return {
        "team": current.team,
        "week": current.week,
        "previous_weeks": [r.week for r in previous],
        "figures": figures,
        "dora": dora([*previous, current]),
    }
