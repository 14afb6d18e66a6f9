"""The report object's types: one frozen dataclass per section (pure).

``Report.to_json()`` is the JSON object ``crosswalk report --format json`` prints
(docs/metrics.md and the JSON schema in docs/ describe it): fields become keys in the order
they are declared here, so the order of the fields below is part of the output contract.
Every renderer reads these attributes, so a misspelt figure is a type error, not a silent
``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from typing import Any

from bot.flow.stats import quantile


def _json(value: Any) -> Any:
    """A section, a mapping, a datetime or a plain value, as JSON data."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class _Section:
    """What every section shares: its JSON object."""

    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        """This section as the JSON object of docs/metrics.md (keys in field order)."""
        data: dict[str, Any] = _json(self)
        return data


@dataclass(frozen=True, slots=True)
class Stat(_Section):
    """``count`` samples, their median and 85th percentile (both None without a sample)."""

    count: int
    median: float | None
    p85: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> Stat:
        """The statistic of ``values`` (linear interpolation between closest ranks)."""
        data = sorted(float(v) for v in values)
        if not data:
            return cls(0, None, None)
        return cls(len(data), quantile(data, 0.5), quantile(data, 0.85))


NO_DATA = Stat(0, None, None)


@dataclass(frozen=True, slots=True)
class Handoffs(_Section):
    """Specs handed off to engineering, and how their handoffs ended, in the span."""

    handed_off: int
    picked_up: int
    returned: int
    withdrawn: int
    waiting: int  # still waiting at the snapshot instant
    delay_working_hours: Stat  # handoff → picked up, working hours


@dataclass(frozen=True, slots=True)
class Delivery(_Section):
    """Items delivered in the span, their time to delivery and where it went."""

    items_delivered: int
    lead_time_hours: Stat  # first handoff → delivered, calendar hours
    stage_hours: Mapping[str, float]  # hours per stage, in ``bot.flow.stages.STAGES`` order


@dataclass(frozen=True, slots=True)
class PullRequests(_Section):
    """Human pull requests opened, merged and first reviewed in the span."""

    opened: int
    merged: int
    merged_without_review: int
    cycle_hours: Stat  # opened → merged, calendar hours
    first_review_working_hours: Stat  # opened → first review, working hours


@dataclass(frozen=True, slots=True)
class Releases(_Section):
    """Releases published in the span, the failed ones and their downtime."""

    count: int
    hotfixes: int
    failed: int
    change_failure_rate: float | None  # failed / count; None without a release
    downtime_hours: Stat  # per failed release
    change_lead_hours: Stat  # PR opened → released, calendar hours
    deploy_failures: int  # failed deployment attempts (counted in their last status's week)


@dataclass(frozen=True, slots=True)
class Incidents(_Section):
    """Incidents resolved in the span and their time to restore."""

    resolved: int
    restore_hours: Stat  # created → resolved, calendar hours


@dataclass(frozen=True, slots=True)
class Report(_Section):
    """One team's report over an ISO week (``week`` its label) or a period (``week`` None)."""

    team: str
    week: str | None
    start: datetime  # in the team's timezone
    end: datetime  # exclusive
    timezone: str
    handoffs: Handoffs
    delivery: Delivery
    pull_requests: PullRequests
    releases: Releases
    incidents: Incidents
    wip: int  # items in a started status at the snapshot instant
