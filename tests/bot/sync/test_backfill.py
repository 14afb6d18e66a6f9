"""A backfill leaves exactly the scenario in the store, and facts equal to a full recompute."""

from __future__ import annotations

from bot.config.settings import Settings
from bot.store import Store, make_engine
from integrations.sandbox.runner import Sandbox
from integrations.sandbox.world import World
from tests.support.oracle import expected_records
from tests.support.sync_records import normalised, recomputed_facts, stored_facts, stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for


def _assert_store_is_the_scenario(store: Store, box: Sandbox, world: World) -> None:
    expected = normalised(expected_records(world, jira_url=box.jira.url))
    got = stored_records(store)
    for name in ("items", "changes", "fix_versions", "pulls", "reviews", "releases",
                 "containments", "links"):
        assert getattr(got, name) == getattr(expected, name), name
    assert expected.containments and expected.links and expected.reviews  # a real scenario


def test_backfill_leaves_exactly_the_scenarios_records(
    sandbox: Sandbox, world: World, settings: Settings, store: Store
) -> None:
    summary = make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    assert not summary.failed and not summary.deferred
    _assert_store_is_the_scenario(store, sandbox, world)


def test_incremental_facts_equal_a_full_recomputation_from_the_raw_records(
    sandbox: Sandbox, settings: Settings, store: Store
) -> None:
    make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    stored, reference = stored_facts(store), recomputed_facts(store, settings)
    for name in reference:
        assert stored[name] == reference[name], name
    assert reference["handoffs"] and reference["releases"] and reference["incidents"]


def test_backfill_on_postgresql_leaves_exactly_the_scenarios_records_and_facts(
    sandbox: Sandbox, world: World, settings: Settings, pg_url: str
) -> None:
    engine = make_engine(pg_url)
    try:
        store = Store(engine)
        make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
        _assert_store_is_the_scenario(store, sandbox, world)
        assert stored_facts(store) == recomputed_facts(store, settings)
    finally:
        engine.dispose()


def test_backfill_twice_changes_nothing_and_lists_no_review_twice(
    sandbox: Sandbox, world: World, settings: Settings, store: Store
) -> None:
    make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    before = (stored_records(store), stored_facts(store))
    sandbox.github.reset_log()
    again = make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    assert (stored_records(store), stored_facts(store)) == before
    assert all(not r.changed for r in again.reports)
    routes = {r.route for r in sandbox.github.requests}
    assert not any("reviews" in route or "compare" in route for route in routes)
