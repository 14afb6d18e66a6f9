"""The outcome review: a team's period against a baseline period, and its targets (pure).

``build_review`` takes two period reports (``bot.flow.report``) and gives the object
``crosswalk review --format json`` prints: ``team``, ``timezone``, ``current``,
``baseline``, ``targets`` (each ``{"name", "target", "actual", "met"}``: hours for
durations, a fraction for the rate; ``met`` is false while the actual is unknown) and
``comparison``, the before → now rows the Slack review shows.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any

from bot.flow.model import Targets
from bot.flow.periods import Period
from bot.flow.sections import Report
from bot.flow.weeks import IsoWeek

REVIEW_WEEKS = 13  # the default current period, and the baseline before it

# (name, label, unit) of each before → now row; lower is better for every one of them.
ROWS: tuple[tuple[str, str, str], ...] = (
    ("release_interval", "Release interval", "hours"),
    ("lead_time", "Time to delivery (median)", "hours"),
    ("change_failure_rate", "Change failure rate", "fraction"),
    ("downtime", "Downtime per failed release (median)", "hours"),
    ("handoff_delay", "Handoff delay (median)", "working hours"),
    ("returned_share", "Returned specs", "fraction"),
)


def default_periods(now: datetime, timezone: str) -> tuple[Period, Period]:
    """The last 13 complete ISO weeks before ``now``'s week, and the 13 weeks before them."""
    monday = IsoWeek.containing(now, timezone).monday
    current = Period(monday - timedelta(weeks=REVIEW_WEEKS), monday - timedelta(days=1), timezone)
    return current, current.before()


def _month_start(year: int, month: int) -> date:
    # Months counted past December or before January roll into the next or previous year.
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, 1)


def scheduled_periods(every: str, today: date, timezone: str) -> tuple[str, Period, Period]:
    """The scheduled review due ``today``: the last complete month (or quarter) and the one
    before, with the ledger key of the period reviewed (``2026-11`` or ``2026-Q4``)."""
    months = 3 if every == "quarter" else 1
    this = _month_start(today.year, today.month)
    if months == 3:
        this = _month_start(today.year, (today.month - 1) // 3 * 3 + 1)
    start = _month_start(this.year, this.month - months)
    before = _month_start(this.year, this.month - 2 * months)
    current = Period(start, this - timedelta(days=1), timezone)
    baseline = Period(before, start - timedelta(days=1), timezone)
    key = f"{start.year}-Q{(start.month - 1) // 3 + 1}" if months == 3 else f"{start:%Y-%m}"
    return key, current, baseline


def baseline_of(current: Period, first: date | None, last: date | None) -> Period:
    """``--vs-from/--vs-to``; either left out: the same length just before ``current``."""
    if first is None and last is None:
        return current.before()
    end = last if last is not None else current.first - timedelta(days=1)
    start = first if first is not None else end - timedelta(days=current.days - 1)
    return Period(start, end, current.timezone)


def _period_hours(report: Report) -> float:
    return (report.end.timestamp() - report.start.timestamp()) / 3600


def actuals(report: Report) -> dict[str, float | None]:
    """Each reviewed figure of one period report (None where the period has no sample)."""
    releases, handoffs = report.releases, report.handoffs
    ended = handoffs.picked_up + handoffs.returned + handoffs.withdrawn
    count = releases.count
    return {
        "release_interval": _period_hours(report) / count if count else None,
        "lead_time": report.delivery.lead_time_hours.median,
        "change_failure_rate": releases.change_failure_rate,
        "downtime": releases.downtime_hours.median,
        "handoff_delay": handoffs.delay_working_hours.median,
        "returned_share": handoffs.returned / ended if ended else None,
    }


UNITS: dict[str, str] = {name: unit for name, _, unit in ROWS}  # each figure's unit


def met(actual: float | None, target: float) -> bool:
    """Whether ``actual`` reaches ``target`` (lower is better; unknown never does)."""
    return actual is not None and actual <= target


def target_entries(targets: Targets, report: Report) -> list[dict[str, Any]]:
    """The configured targets against ``report``, in the config's order."""
    found = actuals(report)
    entries = []
    for spec in fields(Targets):
        target = getattr(targets, spec.name)
        if target is None:
            continue
        actual = found[spec.name]
        entries.append(
            {
                "name": spec.name,
                "target": target,
                "actual": actual,
                "met": met(actual, target),
            }
        )
    return entries


def _better(before: float | None, now: float | None) -> bool | None:
    if before is None or now is None or before == now:
        return None
    return now < before


def comparison(current: Report, baseline: Report, targets: Targets) -> list[dict[str, Any]]:
    """The before → now rows: values, whether now is better (None: no change or unknown)."""
    now, before = actuals(current), actuals(baseline)
    rows = []
    for name, label, unit in ROWS:
        target = getattr(targets, name, None)
        rows.append(
            {
                "name": name,
                "label": label,
                "unit": unit,
                "baseline": before[name],
                "current": now[name],
                "better": _better(before[name], now[name]),
                "target": target,
                "met": None if target is None else met(now[name], target),
            }
        )
    return rows


def build_review(
    team: str,
    timezone: str,
    current: Report,
    baseline: Report,
    targets: Targets,
) -> dict[str, Any]:
    """The review object of ``crosswalk review --format json``."""
    return {
        "team": team,
        "timezone": timezone,
        "current": current.to_json(),
        "baseline": baseline.to_json(),
        "targets": target_entries(targets, current),
        "comparison": comparison(current, baseline, targets),
    }
