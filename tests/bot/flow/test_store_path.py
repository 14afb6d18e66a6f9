"""The store path gives the same report as the in-memory reference path.

Facts derived from raw records go into a real (SQLite) store; ``load_week`` reads
them back with the store's window queries; the report must equal the one built from
``select_week`` over the same facts — for every week of a busy month, current week too.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.flow.derive_team import select_week
from bot.flow.linking import extract_keys
from bot.flow.model import ItemLink
from bot.flow.report import build_report
from bot.flow.weeks import IsoWeek
from bot.store import Store, migrate
from bot.store.db import make_engine
from bot.usecases.reporting import load_week

READY, BACKLOG, PROGRESS, DONE = "Ready for Development", "Backlog", "In Progress", "Done"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'flow.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        yield Store(engine)
    finally:
        engine.dispose()


def _busy_world(world: Any) -> Any:
    world.release(100, "v1.0", "2026-11-02 12:00")
    world.item("PAY-20", "2026-11-02 09:00", BACKLOG, ("2026-11-03 10:00", READY),
               ("2026-11-04 10:00", PROGRESS), ("2026-11-13 15:00", DONE))
    world.pr(21, "PAY-20 part 1", "2026-11-04 11:00", "2026-11-05 11:00")
    world.review(21, "bob", "2026-11-04 15:00")
    world.pr(22, "Part 2", "2026-11-09 10:00", "2026-11-10 14:00", body="Finishes PAY-20")
    world.release(101, "v1.1", "2026-11-06 16:00", prs=(21,))
    world.release(102, "v1.1.1-hotfix", "2026-11-07 10:00")
    world.release(103, "v1.2", "2026-11-12 12:00", prs=(22,))
    world.item("PAY-21", "2026-11-09 09:00", READY)
    world.item("PAY-22", "2026-11-09 09:00", READY, ("2026-11-10 09:00", "Needs Clarification"),
               ("2026-11-11 09:00", READY))
    world.pr(23, "PAY-22", "2026-11-12 10:00", author="alice")
    world.pr(24, "Bump", "2026-11-12 10:00", "2026-11-12 11:00", author="x[bot]", bot=True)
    world.item("PAY-70", "2026-11-12 13:00", "Open", ("2026-11-12 15:00", DONE),
               issue_type="Incident", resolved="2026-11-12 15:00")
    return world


def test_store_reads_match_the_reference_selection(world: Any, store: Store) -> None:
    _busy_world(world)
    facts = world.facts()
    team = world.team
    store.add_team_items(team.name, [i.key for i in world.items])
    store.replace_item_timelines([i.key for i in world.items], facts.handoffs, facts.spans)
    store.upsert_item_facts(facts.items)
    store.upsert_pr_facts(facts.prs)
    store.upsert_release_facts(facts.releases)
    store.upsert_incident_facts(facts.incidents)
    # The stages read the raw PRs and their links (open, merge and close times).
    store.upsert_pull_requests(world.prs)
    store.upsert_item_links(
        ItemLink(key, p.repo, p.number)
        for p in world.prs
        for key in extract_keys(p.title, p.head_ref, p.body, team.projects)
    )
    nows = [datetime(2027, 1, 1, tzinfo=UTC), datetime(2026, 11, 11, 12, tzinfo=UTC)]
    for label in ("2026-W45", "2026-W46", "2026-W47"):
        week = IsoWeek.parse(label, team.calendar.timezone)
        for now in nows:
            expected = build_report(team, week, now, select_week(facts, team, week, now))
            actual = build_report(team, week, now, load_week(store, team, week, now))
            assert actual == expected, (label, now)
    busy = build_report(team, IsoWeek.parse("2026-W46", "Europe/London"), nows[0],
                        load_week(store, team, IsoWeek.parse("2026-W46", "Europe/London"),
                                       nows[0])).to_json()
    assert busy["handoffs"]["handed_off"] == 3  # PAY-21, PAY-22 twice
    assert busy["releases"]["count"] == 1
    assert busy["incidents"]["resolved"] == 1
    # PAY-20: handed off 11-03 10:00, delivered 11-12 12:00 (v1.2 ships PR 22).
    assert busy["delivery"]["lead_time_hours"]["count"] == 1
    stages = busy["delivery"]["stage_hours"]
    assert stages == {"pickup": 24.0, "product": 0.0, "build": 1.0,
                      "review": 24.0 + 28.0, "release": 95.0 + 46.0}
