"""Read everything a sync stored back as ``Expected``, and the facts, for comparisons."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select

from bot.config.settings import Settings
from bot.flow.derive_team import TeamFacts, derive_team_facts
from bot.flow.model import Containment, FixVersion, ItemLink, TeamFlow
from bot.store import Store
from bot.store import tables as t
from bot.store.convert import to_pull_request, to_release, to_review
from bot.store.facts import to_handoff, to_pr_fact, to_release_fact, to_span
from tests.support.oracle import Expected


def stored_records(store: Store) -> Expected:
    """Every raw record in the store, each list sorted like ``expected_records``."""
    out = Expected()
    with store.transaction(read_only=True) as c:
        keys = list(c.execute(select(t.work_items.c.key)).scalars())
        out.items = sorted(store.work_items(keys, conn=c), key=_item_order)
        out.changes = sorted(store.status_changes_of(keys, conn=c), key=_change_order)
        out.fix_versions = sorted(
            (FixVersion(r.version_id, r.project, r.name, r.released, r.release_date)
             for r in c.execute(select(t.fix_versions))), key=lambda v: int(v.version_id))
        out.pulls = sorted((to_pull_request(r) for r in c.execute(select(t.pull_requests))),
                           key=lambda p: (p.repo, p.number))
        out.reviews = sorted((to_review(r) for r in c.execute(select(t.reviews))),
                             key=lambda r: (r.repo, r.pr_number, r.review_id))
        out.releases = sorted((to_release(r) for r in c.execute(select(t.releases))),
                              key=lambda r: (r.repo, r.release_id))
        out.containments = sorted((Containment(r.repo, r.release_id, r.pr_number)
                                   for r in c.execute(select(t.containments))), key=_astuple)
        out.links = sorted((ItemLink(r.item_key, r.repo, r.pr_number)
                            for r in c.execute(select(t.item_links))), key=_astuple)
    return out


def _astuple(record: Any) -> tuple[Any, ...]:
    return tuple(getattr(record, name) for name in record.__slots__)


def _item_order(item: Any) -> tuple[str, int]:
    project, _, number = item.key.rpartition("-")
    return (project, int(number))


def _change_order(change: Any) -> tuple[str, int, int]:
    history, _, index = change.change_id.partition(":")
    return (change.item_key, int(history), int(index))


def normalised(expected: Expected) -> Expected:
    """``expected`` in the store's orders (items by key, fix versions sorted, ...)."""
    return Expected(
        items=sorted((replace(i, fix_versions=tuple(sorted(i.fix_versions)))
                      for i in expected.items), key=_item_order),
        changes=sorted(expected.changes, key=_change_order),
        fix_versions=sorted(expected.fix_versions, key=lambda v: int(v.version_id)),
        pulls=sorted(expected.pulls, key=lambda p: (p.repo, p.number)),
        reviews=sorted(expected.reviews, key=lambda r: (r.repo, r.pr_number, r.review_id)),
        releases=sorted(expected.releases, key=lambda r: (r.repo, r.release_id)),
        containments=sorted(expected.containments, key=_astuple),
        links=sorted(expected.links, key=_astuple),
    )


def stored_facts(store: Store) -> dict[str, list[Any]]:
    """Every derived fact in the store, sorted."""
    with store.transaction(read_only=True) as c:
        return {
            "handoffs": sorted((to_handoff(r) for r in c.execute(select(t.handoff_facts))),
                               key=lambda h: (h.item_key, h.seq)),
            "spans": sorted((to_span(r) for r in c.execute(select(t.status_spans))),
                            key=lambda s: (s.item_key, s.seq)),
            "items": sorted((r.item_key, r.first_handoff_at, r.delivered_at)
                            for r in c.execute(select(t.item_facts))),
            "prs": sorted((to_pr_fact(r) for r in c.execute(select(t.pr_facts))),
                          key=lambda p: (p.repo, p.number)),
            "releases": sorted((to_release_fact(r) for r in c.execute(select(t.release_facts))),
                               key=lambda r: (r.repo, r.release_id)),
            "incidents": sorted((r.item_key, r.created, r.resolved, r.release_repo, r.release_id)
                                for r in c.execute(select(t.incident_facts))),
        }


def recomputed_facts(store: Store, settings: Settings) -> dict[str, list[Any]]:
    """The facts a full recomputation from the stored raw records gives (the reference)."""
    raw = stored_records(store)
    projects = [p for team in settings.teams.values() for p in team.projects]
    # as the engine links them: a team reading Jira by JQL brings its items' projects
    for team in settings.teams.values():
        if team.jira is not None and team.jira.project is None:
            mine = set(store.team_item_keys(team.name))
            projects += sorted({i.project for i in raw.items if i.key in mine})
    facts: list[tuple[TeamFlow, TeamFacts]] = []
    for team in settings.teams.values():
        flow = team.to_flow()
        mine = set(store.team_item_keys(team.name))
        facts.append((flow, derive_team_facts(
            flow, [i for i in raw.items if i.key in mine], raw.changes, raw.pulls, raw.reviews,
            raw.releases, raw.containments, raw.fix_versions, projects)))
    out: dict[str, list[Any]] = {k: [] for k in
                                 ("handoffs", "spans", "items", "prs", "releases", "incidents")}
    for _flow, f in facts:
        out["handoffs"] += f.handoffs
        out["spans"] += f.spans
        out["items"] += [(i.item_key, i.first_handoff_at, i.delivered_at) for i in f.items]
        out["prs"] += f.prs
        out["releases"] += f.releases
        out["incidents"] += [(i.item_key, i.created, i.resolved, i.release_repo, i.release_id)
                             for i in f.incidents]
    out["handoffs"].sort(key=lambda h: (h.item_key, h.seq))
    out["spans"].sort(key=lambda s: (s.item_key, s.seq))
    out["items"].sort()
    out["prs"].sort(key=lambda p: (p.repo, p.number))
    out["releases"].sort(key=lambda r: (r.repo, r.release_id))
    out["incidents"].sort()
    return out
