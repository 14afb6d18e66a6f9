"""Report figures the scenario generator intended, computed by hand from its Intent log.

Nothing here reads the store or calls ``bot.flow`` derivation or metrics code: DESIGN.md's
"Metric definitions" (and docs/metrics.md's choices) are applied directly to the
generator's :class:`~integrations.sandbox.generator.intent.Intent`. Working hours use
``WorkingCalendar`` (property-tested on its own); everything else is plain arithmetic.
Item status (for delivery) comes from the generated World's Jira issues, the generator's
own output.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.flow.calendar import WorkingCalendar
from bot.flow.model import CalendarSpec
from integrations.sandbox.generator.intent import PICKED_UP, RETURNED, WITHDRAWN, Intent
from integrations.sandbox.world import ScenarioTeam, World

Stat = dict[str, int | float | None]


def stat(values: list[float]) -> Stat:
    """count/median/p85 with linear interpolation between closest ranks (numpy type 7)."""
    data = sorted(values)
    if not data:
        return {"count": 0, "median": None, "p85": None}

    def q(p: float) -> float:
        pos = (len(data) - 1) * p
        lo = math.floor(pos)
        hi = min(lo + 1, len(data) - 1)
        return data[lo] + (data[hi] - data[lo]) * (pos - lo)

    return {"count": len(data), "median": q(0.5), "p85": q(0.85)}


@dataclass(frozen=True, slots=True)
class Week:
    """One ISO week of a team: label and its UTC bounds (Monday 00:00 local, half-open)."""

    label: str
    start: datetime
    end: datetime

    def holds(self, at: datetime | None) -> bool:
        """Whether ``at`` falls in the week."""
        return at is not None and self.start <= at < self.end


def weeks_covering(first: datetime, last: datetime, timezone: str) -> list[Week]:
    """Every ISO week in ``timezone`` from the one holding ``first`` to the one holding ``last``."""
    tz = ZoneInfo(timezone)
    local = first.astimezone(tz).date()
    monday = local - timedelta(days=local.weekday())
    out: list[Week] = []
    while True:
        start = datetime(monday.year, monday.month, monday.day, tzinfo=tz).astimezone(UTC)
        if start > last:
            return out
        nxt = monday + timedelta(days=7)
        end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz).astimezone(UTC)
        year, number, _ = monday.isocalendar()
        out.append(Week(f"{year}-W{number:02d}", start, end))
        monday = nxt


def calendar_of(team: ScenarioTeam) -> WorkingCalendar:
    """The team's calendar as the scenario config states it (09:00-17:00, Mon-Fri)."""
    return WorkingCalendar(CalendarSpec(team.timezone, holidays=team.holidays))


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


@dataclass
class TeamExpect:
    """The intended facts of one team, precomputed once for all its weeks."""

    world: World
    intent: Intent
    team: ScenarioTeam

    def __post_init__(self) -> None:
        self.calendar = calendar_of(self.team)
        name = self.team.name
        self.handoffs = [h for h in self.intent.handoffs if h.team == name]
        self.pulls = [p for p in self.intent.pulls if p.team == name and not p.author_is_bot]
        self.releases = [r for r in self.intent.releases if r.team == name
                         and r.published is not None and not r.draft and not r.prerelease]
        self.incidents = [i for i in self.intent.incidents if i.team == name]
        self.delivered = self._delivered()

    def _delivered(self) -> dict[str, datetime]:
        """Item key → delivery instant (DESIGN.md "Delivered", GitHub source)."""
        published: dict[str, list[datetime]] = defaultdict(list)
        for rel in self.releases:
            assert rel.published is not None
            if not rel.rollback:  # a redeploy of an earlier commit releases nothing new
                published[rel.repo].append(rel.published)
        for times in published.values():
            times.sort()
        # Every repository's merges are replayed before a release at the same instant, so a
        # merge at the release's second is inside its tag.
        released: dict[str, list[datetime | None]] = defaultdict(list)
        for pull in self.intent.pulls:  # any team's PR may mention the item
            if pull.author_is_bot or pull.merged is None:
                continue
            merged = pull.merged
            at = next((t for t in published.get(pull.repo, []) if t >= merged), None)
            for key in pull.item_keys:
                released[key].append(at)
        out: dict[str, datetime] = {}
        project = self.team.jira_project
        for key, shipped in released.items():
            issue = self.world.jira.issues.get(key)
            if (issue is None or issue.project != project or issue.status not in self.team.done
                    or issue.issue_type in self.team.incident_types):
                continue
            times = [t for t in shipped if t is not None]
            if len(times) == len(shipped):  # every merged linked PR is released
                out[key] = max(times)
        return out

    def report(self, week: Week) -> dict[str, Any]:
        """The figures of DESIGN.md's report object this module can state for ``week``."""
        tz = ZoneInfo(self.team.timezone)
        return {
            "bounds": {"start": week.start.astimezone(tz).isoformat(),
                       "end": week.end.astimezone(tz).isoformat(),
                       "timezone": self.team.timezone},
            "handoffs": self._handoffs(week),
            "delivery": self._delivery(week),
            "pull_requests": self._pull_requests(week),
            "releases": self._releases(week),
            "incidents": self._incidents(week),
            "wip": self._wip(week),
        }

    def _wip(self, week: Week) -> int:
        """Issues in a started status at the week's end, replaying the World's histories.

        The Intent has no status timelines, so this reads the generated Jira issues (the
        generator's own output). Nothing happens after the world's now, so for the current
        week "as of now" equals "at the week's end".
        """
        count = 0
        for issue in self.world.jira.issues.values():
            if issue.project != self.team.jira_project or issue.created >= week.end:
                continue
            moves = [(h.created, i.from_string, i.to_string) for h in issue.histories
                     for i in h.items if i.field == "status"]
            status = moves[0][1] if moves else issue.status
            for at, _, to in moves:
                if at < week.end and to is not None:
                    status = to
            count += status in self.team.started
        return count

    def _handoffs(self, week: Week) -> dict[str, Any]:
        ended = [h for h in self.handoffs if week.holds(h.end)]
        delays = [self.calendar.working_seconds(h.start, h.end) / 3600
                  for h in ended if h.outcome == PICKED_UP and h.end is not None]
        return {
            "handed_off": sum(1 for h in self.handoffs if week.holds(h.start)),
            "picked_up": sum(1 for h in ended if h.outcome == PICKED_UP),
            "returned": sum(1 for h in ended if h.outcome == RETURNED),
            "withdrawn": sum(1 for h in ended if h.outcome == WITHDRAWN),
            # Nothing happens after the world's now, so "as of now" equals "at the week's end".
            "waiting": sum(1 for h in self.handoffs
                           if h.start < week.end and (h.end is None or h.end >= week.end)),
            "delay_working_hours": stat(delays),
        }

    def _delivery(self, week: Week) -> dict[str, Any]:
        count, leads = self._leads(week)
        return {"items_delivered": count, "lead_time_hours": stat(leads)}

    def lead_total(self, week: Week) -> float:
        """The sum of the week's times to delivery: what its five stages must add up to."""
        return sum(self._leads(week)[1])

    def _leads(self, week: Week) -> tuple[int, list[float]]:
        first_seen = min((r.published for r in self.releases if r.published), default=None)
        first_handoff: dict[str, datetime] = {}
        for h in self.handoffs:
            if h.item_key not in first_handoff or h.start < first_handoff[h.item_key]:
                first_handoff[h.item_key] = h.start
        leads: list[float] = []
        count = 0
        for key, at in self.delivered.items():
            if not week.holds(at):
                continue
            count += 1
            start = first_handoff.get(key)
            # Left out of the lead time: never handed off, handed off before the first
            # release seen, or handed off only after it shipped (docs/metrics.md choice 6).
            if start is None or first_seen is None or start < first_seen or start > at:
                continue
            leads.append(_hours(start, at))
        return count, leads

    def _pull_requests(self, week: Week) -> dict[str, Any]:
        merged = [p for p in self.pulls if week.holds(p.merged)]
        reviewed = [p for p in self.pulls if week.holds(p.first_human_review)]
        return {
            "opened": sum(1 for p in self.pulls if week.holds(p.opened)),
            "merged": len(merged),
            "merged_without_review": sum(1 for p in merged if p.first_human_review is None),
            "cycle_hours": stat([_hours(p.opened, p.merged) for p in merged
                                 if p.merged is not None]),
            "first_review_working_hours": stat([
                self.calendar.working_seconds(p.opened, p.first_human_review) / 3600
                for p in reviewed if p.first_human_review is not None]),
        }

    def _releases(self, week: Week) -> dict[str, Any]:
        mine = [r for r in self.releases if week.holds(r.published)]
        failed = [r for r in mine if r.failed]
        incidents = {i.key: i for i in self.incidents}
        downtime: list[float] = []
        for rel in failed:
            spans = sorted((incidents[k].created, incidents[k].resolved)
                           for k in (x.split(" ", 1)[1] for x in rel.reasons
                                     if x.startswith("incident "))
                           if incidents[k].resolved is not None)
            if spans:
                downtime.append(_union_hours(spans))
        out = {
            "count": len(mine),
            "hotfixes": sum(1 for r in mine if r.hotfix),
            "failed": len(failed),
            "change_failure_rate": len(failed) / len(mine) if mine else None,
            "downtime_hours": stat(downtime),
        }
        if self.team.release_source == "deployments":
            out["deploy_failures"] = sum(
                1 for f in self.intent.deploy_failures
                if f.team == self.team.name and week.holds(f.at)
            )
        return out

    def _incidents(self, week: Week) -> dict[str, Any]:
        done = [i for i in self.incidents if week.holds(i.resolved)]
        return {"resolved": len(done), "restore_hours": stat(
            [_hours(i.created, i.resolved) for i in done if i.resolved is not None])}


def _union_hours(spans: list[tuple[datetime, datetime | None]]) -> float:
    """Length in hours of the union of sorted closed intervals."""
    total = 0.0
    cur_start: datetime | None = None
    cur_end: datetime | None = None
    for start, end in spans:
        assert end is not None
        if cur_end is None or start > cur_end:
            if cur_start is not None and cur_end is not None:
                total += _hours(cur_start, cur_end)
            cur_start, cur_end = start, end
        elif end > cur_end:
            cur_end = end
    if cur_start is not None and cur_end is not None:
        total += _hours(cur_start, cur_end)
    return total


def differences(expected: Any, actual: Any, path: str = "", rel: float = 1e-6) -> list[str]:
    """Every leaf of ``expected`` that ``actual`` does not match (floats within ``rel``)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        out: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{path}.{key}: missing")
            else:
                out += differences(value, actual[key], f"{path}.{key}", rel)
        return out
    if isinstance(expected, float):
        ok = (isinstance(actual, float)
              and math.isclose(actual, expected, rel_tol=rel, abs_tol=1e-9))
    else:
        # Counts must be ints (not floats or bools) and None must be null.
        ok = type(actual) is type(expected) and actual == expected
    return [] if ok else [f"{path}: expected {expected!r}, got {actual!r}"]
