"""Test helpers: canonical bytes of a World, and DESIGN.md's definitions applied to Expected.

The oracle re-derives handoff episodes and failed releases from the records a sync would
store (``expected_records``), independently of the generator's own bookkeeping, so the
tests can check that the intent log says what the data says.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from integrations.sandbox.world import World
from tests.support.oracle import Expected

HANDOFF = {"Ready for Development"}
STARTED = {"In Progress", "In Review"}
RETURNED = {"Needs Clarification"}
DONE = {"Done"}
WINDOW = timedelta(hours=72)
HOTFIX = re.compile(r"(?i)hotfix")
REVERTS = re.compile(r"Reverts (\S+/\S+)#(\d+)")


def plain(value: Any) -> Any:
    """JSON-ready form of a World (sets sorted, datetimes ISO, the lock left out)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name))
                for f in dataclasses.fields(value) if f.name != "lock"}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(plain(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def canonical(world: World) -> bytes:
    """Canonical JSON bytes of a World."""
    return json.dumps(plain(world), sort_keys=True, separators=(",", ":")).encode()


def episodes(exp: Expected) -> set[tuple[str, datetime, datetime | None, str]]:
    """Handoff episodes (key, start, end, outcome) by DESIGN.md, from the records."""
    changes = defaultdict(list)
    for c in exp.changes:
        changes[c.item_key].append(c)
    opened = {(p.repo, p.number): p.created_at for p in exp.pulls}
    pr_opens = defaultdict(list)
    for link in exp.links:
        pr_opens[link.item_key].append(opened[(link.repo, link.pr_number)])
    out: set[tuple[str, datetime, datetime | None, str]] = set()
    for item in exp.items:
        history = sorted(changes[item.key], key=lambda c: c.at)
        initial = history[0].from_status if history else item.status
        events = [(c.at, 0, c.to_status) for c in history]
        events += [(at, 1, "") for at in pr_opens[item.key]]
        events.sort(key=lambda e: (e[0], e[1]))
        start = item.created if initial in HANDOFF else None
        for at, kind, to in events:
            if start is not None and at >= start:
                outcome = ("picked_up" if kind == 1 or to in STARTED | DONE
                           else "returned" if to in RETURNED
                           else None if to in HANDOFF else "withdrawn")
                if outcome is not None:
                    out.add((item.key, start, at, outcome))
                    start = None
            elif kind == 0 and to in HANDOFF:
                start = at
        if start is not None:
            out.add((item.key, start, None, "waiting"))
    return out


def failed_releases(exp: Expected, teams: dict[str, tuple[str, list[str]]]) -> dict[int, set[str]]:
    """Release id → failure reasons by DESIGN.md ("Failed release"), from the records.

    ``teams``: team name → (Jira project, repos).
    """
    eligible = [r for r in exp.releases if r.eligible]
    pulls = {(p.repo, p.number): p for p in exp.pulls}
    contained = defaultdict(set)
    for c in exp.containments:
        contained[c.release_id].add((c.repo, c.pr_number))
    out: dict[int, set[str]] = {}
    for rel in eligible:
        assert rel.published_at is not None
        later = [r.published_at for r in eligible if r.repo == rel.repo and r.published_at
                 and r.published_at > rel.published_at and not _hotfix(r)]
        limit = min(later, default=None)

        def inside(at: datetime, rel=rel, limit=limit) -> bool:
            return (rel.published_at < at and at - rel.published_at <= WINDOW
                    and (limit is None or at < limit))

        reasons = {f"hotfix {h.tag}" for h in eligible if h.repo == rel.repo and _hotfix(h)
                   and h.published_at is not None and inside(h.published_at)}
        for p in exp.pulls:
            match = REVERTS.search(p.body)
            if p.merged_at and match and (match[1], int(match[2])) in contained[rel.release_id]:
                if inside(p.merged_at):
                    reasons.add(f"revert #{p.number}")
        for _name, (project, repos) in teams.items():
            if rel.repo not in repos:
                continue
            team_rel = [r for r in eligible if r.repo in repos]
            for item in exp.items:
                if item.project != project or item.issue_type != "Incident":
                    continue
                before = [r for r in team_rel
                          if r.published_at is not None and r.published_at < item.created]
                target = max(before, key=lambda r: r.published_at or item.created, default=None)
                if target is rel and inside(item.created):
                    reasons.add(f"incident {item.key}")
        _ = pulls
        if reasons:
            out[rel.release_id] = reasons
    return out


def _hotfix(rel: Any) -> bool:
    return bool(HOTFIX.search(rel.tag) or HOTFIX.search(rel.name))
