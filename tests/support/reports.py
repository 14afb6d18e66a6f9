"""Typed reports for render tests, written as (partial) report JSON.

``report_of`` reads the object ``crosswalk report --format json`` prints back into a
``bot.flow.sections.Report``; a section or figure left out is zero, an empty statistic or
no stage time, so a test writes only the figures it is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.flow.sections import Delivery, Handoffs, Incidents, PullRequests, Releases, Report, Stat

START = "2026-11-09T00:00:00+00:00"
END = "2026-11-16T00:00:00+00:00"


def stat_of(data: Mapping[str, Any] | None) -> Stat:
    """``{"count", "median", "p85"}`` (any of them left out: 0 / None) as a ``Stat``."""
    data = data or {}
    return Stat(int(data.get("count", 0)), data.get("median"), data.get("p85"))


def report_of(data: Mapping[str, Any]) -> Report:
    """A report from its JSON object; what is left out is empty."""
    h = data.get("handoffs") or {}
    d = data.get("delivery") or {}
    pr = data.get("pull_requests") or {}
    rel = data.get("releases") or {}
    inc = data.get("incidents") or {}
    return Report(
        team=str(data.get("team", "")),
        week=data.get("week"),
        start=datetime.fromisoformat(data.get("start", START)),
        end=datetime.fromisoformat(data.get("end", END)),
        timezone=str(data.get("timezone", "UTC")),
        handoffs=Handoffs(
            handed_off=h.get("handed_off", 0),
            picked_up=h.get("picked_up", 0),
            returned=h.get("returned", 0),
            withdrawn=h.get("withdrawn", 0),
            waiting=h.get("waiting", 0),
            delay_working_hours=stat_of(h.get("delay_working_hours")),
        ),
        delivery=Delivery(
            items_delivered=d.get("items_delivered", 0),
            lead_time_hours=stat_of(d.get("lead_time_hours")),
            stage_hours=dict(d.get("stage_hours") or {}),
        ),
        pull_requests=PullRequests(
            opened=pr.get("opened", 0),
            merged=pr.get("merged", 0),
            merged_without_review=pr.get("merged_without_review", 0),
            cycle_hours=stat_of(pr.get("cycle_hours")),
            first_review_working_hours=stat_of(pr.get("first_review_working_hours")),
        ),
        releases=Releases(
            count=rel.get("count", 0),
            hotfixes=rel.get("hotfixes", 0),
            failed=rel.get("failed", 0),
            change_failure_rate=rel.get("change_failure_rate"),
            downtime_hours=stat_of(rel.get("downtime_hours")),
            change_lead_hours=stat_of(rel.get("change_lead_hours")),
            deploy_failures=rel.get("deploy_failures", 0),
        ),
        incidents=Incidents(
            resolved=inc.get("resolved", 0), restore_hours=stat_of(inc.get("restore_hours"))
        ),
        wip=int(data.get("wip", 0)),
    )
