"""Facts are derived once per team pass, from a queue the pages fill in their own
transactions; a pass that dies before deriving leaves the queue to the next pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlalchemy import event

from bot.config.settings import Settings
from bot.store import Connection, Store
from bot.sync.refresh import Dirty, Refresher
from integrations.sandbox.runner import Sandbox
from tests.support.sync_records import recomputed_facts, stored_facts
from tests.support.sync_world import NOW, SINCE, make_engine_for


@dataclass(frozen=True, slots=True)
class CountingRefresher(Refresher):
    """The real refresher, remembering which items and PRs each team's recompute covered."""

    items: Counter[tuple[str, str]] = field(default_factory=Counter)
    prs: Counter[tuple[str, str, int]] = field(default_factory=Counter)

    def apply(self, conn: Connection, team: str, dirty: Dirty) -> None:
        self.items.update((team, key) for key in dirty.items)
        self.prs.update((team, repo, n) for repo, ns in dirty.prs.items() for n in ns)
        Refresher.apply(self, conn, team, dirty)


class Dies(Exception):
    """The process dying between a pass's last page and its recompute."""


@dataclass(frozen=True, slots=True)
class DyingRefresher(Refresher):
    def flush(self, team: str) -> Dirty:
        raise Dies(team)


def test_a_backfill_derives_each_item_and_pull_request_once_per_team(
    sandbox: Sandbox, settings: Settings, store: Store
) -> None:
    engine = make_engine_for(sandbox, settings, store)
    counting = CountingRefresher(store, engine.refresher.teams)
    engine.refresher = counting
    engine.sync_all(NOW, backfill_since=SINCE)
    # Jira pages, then PR pages linking the same items, then releases containing the same
    # PRs: each page queues what it touched, and each team's pass derives the union once.
    assert counting.items and counting.prs
    assert set(counting.items.values()) == {1}
    assert set(counting.prs.values()) == {1}
    assert stored_facts(store) == recomputed_facts(store, settings)
    assert all(store.pending_refreshes(team) == [] for team in settings.teams)


def test_a_pass_that_dies_before_deriving_leaves_its_queue_to_the_next_pass(
    sandbox: Sandbox, settings: Settings, store: Store
) -> None:
    engine = make_engine_for(sandbox, settings, store)
    engine.refresher = DyingRefresher(store, engine.refresher.teams)
    first = next(iter(settings.teams))
    with pytest.raises(Dies):
        engine.sync_all(NOW, backfill_since=SINCE, team=first)
    queued = store.pending_refreshes(first)
    assert queued  # the pages committed their records and what they changed
    assert stored_facts(store)["handoffs"] == []  # ... and nothing was derived yet

    # The next pass finds nothing new at the sources, and still derives what was queued.
    make_engine_for(sandbox, settings, store).sync_all(NOW, team=first)
    assert store.pending_refreshes(first) == []
    stored, reference = stored_facts(store), recomputed_facts(store, settings)
    assert stored["handoffs"] and stored["prs"]
    assert stored["handoffs"] == reference["handoffs"] and stored["prs"] == reference["prs"]
    assert stored["items"] == reference["items"] and stored["spans"] == reference["spans"]


@contextmanager
def write_transactions(store: Store) -> Iterator[list[str]]:
    """The BEGINs of SQLite write transactions (``BEGIN IMMEDIATE``) issued meanwhile."""
    begun: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            begun.append(statement)

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        yield begun
    finally:
        event.remove(store.engine, "before_cursor_execute", record)


def test_a_pass_with_nothing_queued_takes_no_write_lock(
    sandbox: Sandbox, settings: Settings, store: Store
) -> None:
    engine = make_engine_for(sandbox, settings, store)
    first = next(iter(settings.teams))
    engine.sync_all(NOW, backfill_since=SINCE, team=first)
    refresher = engine.refresher
    with write_transactions(store) as begun:
        assert refresher.flush(first) == Dirty()
    assert begun == []
    with store.transaction() as conn:
        refresher.defer(conn, first, Dirty(set(), {}, {first}), NOW)
    with write_transactions(store) as begun:
        assert refresher.flush(first) == Dirty(set(), {}, {first})
    assert len(begun) == 1
    assert store.pending_refreshes(first) == []


def test_the_queue_round_trips_and_merges() -> None:
    a = Dirty({"PAY-1"}, {"acme/api": {1, 2}}, {"payments"})
    b = Dirty({"PAY-2"}, {"acme/api": {3}, "acme/web": {4}}, set())
    assert Dirty.from_json(a.to_json()) == a
    a.update(b)
    assert a == Dirty({"PAY-1", "PAY-2"}, {"acme/api": {1, 2, 3}, "acme/web": {4}},
                      {"payments"})
