"""Syncing deployments and tags: incremental, conditional, resumable, and re-read on a change.

The small scenario's two teams ship the same history three ways (integrations/sandbox/
shipping.py); the real GitHub client reads it from the sandbox.
"""

from __future__ import annotations

import signal
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config.settings import Settings, parse_settings
from bot.store import Store
from integrations.sandbox import shipping
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox, scenario_config
from integrations.sandbox.world import World
from tests.bot.sync.test_kill import _child, _go, _state
from tests.support.sync_records import stored_facts, stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for, open_store

TAGS = r"^v\d+\.\d+\.\d+$"
STATUSES = "/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/deployments/(?P<id>\\d+)/statuses"
GIT_TAG = "/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/git/tags/(?P<sha>[0-9a-fA-F]{40})"
SOON = NOW + timedelta(minutes=10)


def shipped(source: str) -> World:
    world = generate("small", seed=3, now=NOW)
    if source == "deployments":
        shipping.as_deployments(world)
        world.teams = [replace(t, release_source="deployments") for t in world.teams]
    elif source == "tags":
        shipping.as_tags(world)
        world.teams = [replace(t, release_source="tags", tag_pattern=TAGS) for t in world.teams]
    return world


@pytest.fixture(params=["deployments", "tags"])
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(source: str) -> World:
    # conftest's sandbox and settings fixtures serve and configure this world
    return shipped(source)


def releases_of(store: Store, world: World) -> dict[str, list[tuple[str, str, bool]]]:
    """Per repository, the stored releases as (kind, commit, rollback), by time."""
    out = {}
    for repo in world.github.repos:
        rows = sorted(store.releases_of(repo), key=lambda r: (r.published_at, r.release_id))
        out[repo] = [(r.kind, r.sha, r.rollback) for r in rows if r.eligible]
    return out


def test_the_releases_are_what_the_source_shipped(
    sandbox: Sandbox, world: World, settings: Settings, store: Store, source: str
) -> None:
    make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    reference = generate("small", seed=3, now=NOW)
    kind = "deployment" if source == "deployments" else "tag"
    for name, repo in reference.github.repos.items():
        eligible = sorted((r for r in repo.releases if r.published_at and not r.draft
                           and not r.prerelease), key=lambda r: (r.published_at, r.id))
        want = [(kind, repo.tags[r.tag_name], False) for r in eligible]
        assert releases_of(store, world)[name] == want
        # dated as the release was published, whatever the source
        stored = sorted((s.published_at, s.sha) for s in store.releases_of(name) if s.eligible)
        assert stored == [(r.published_at, repo.tags[r.tag_name]) for r in eligible]


def test_a_poll_without_changes_is_free_for_every_source(
    sandbox: Sandbox, settings: Settings, store: Store, source: str
) -> None:
    make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    before = (stored_records(store), stored_facts(store), store.releases_of("acme/checkout-web"))
    for later in (SOON, NOW + timedelta(hours=2)):  # the quiet poll, then the hourly recheck
        sandbox.github.reset_log()
        make_engine_for(sandbox, settings, store, clock=lambda t=later: t).sync_all(later)
        requests = sandbox.github.requests
        assert requests and all(r.conditional and r.status == 304 for r in requests)
    # the feed never shows deployments: their listing is asked even when the feed is quiet
    sandbox.github.reset_log()
    quiet = NOW + timedelta(hours=2, minutes=10)
    make_engine_for(sandbox, settings, store, clock=lambda: quiet).sync_all(quiet)
    paths = {r.path.rsplit("/", 1)[-1] for r in sandbox.github.requests}
    assert paths == ({"events", "deployments"} if source == "deployments" else {"events"})
    assert (stored_records(store), stored_facts(store),
            store.releases_of("acme/checkout-web")) == before


@pytest.mark.parametrize("source", ["deployments"], indirect=True)
def test_only_new_or_undecided_deployments_have_their_statuses_read(
    sandbox: Sandbox, world: World, settings: Settings, store: Store, source: str
) -> None:
    repo = "acme/payments-api"
    make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    at = NOW + timedelta(minutes=1)
    pending = shipping.deploy(world, repo, "production", at, ref="v9.0.0",
                              states=(("in_progress", at),))
    sandbox.github.reset_log()
    make_engine_for(sandbox, settings, store, clock=lambda: SOON).sync_all(SOON)
    assert sandbox.github.counts()[f"GET {STATUSES}"] == 1  # the new one only
    assert {d.deployment_id: d.outcome for d in store.deployments_of(repo)}[pending.id] == (
        "pending")
    shipping.add_status(world, repo, pending.id, "failure", at + timedelta(minutes=9))
    sandbox.github.reset_log()
    later = SOON + timedelta(minutes=10)
    make_engine_for(sandbox, settings, store, clock=lambda: later).sync_all(later)
    assert sandbox.github.counts()[f"GET {STATUSES}"] == 1  # the undecided one, again
    failed = {d.deployment_id: d for d in store.deployments_of(repo)}[pending.id]
    assert (failed.outcome, failed.outcome_at) == ("failed", at + timedelta(minutes=9))
    assert pending.id not in {r.release_id for r in store.releases_of(repo)}
    assert store.deploy_failures([repo], NOW, NOW + timedelta(days=1)) == [
        (repo, at + timedelta(minutes=9))]


@pytest.mark.parametrize("source", ["deployments"], indirect=True)
def test_a_redeploy_of_an_older_commit_is_a_rollback_with_no_pull_request(
    sandbox: Sandbox, world: World, settings: Settings, store: Store, source: str
) -> None:
    repo = "acme/payments-api"
    make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    released = sorted((r for r in store.releases_of(repo) if r.eligible),
                      key=lambda r: (r.published_at, r.release_id))
    older = next(r for r in reversed(released) if r.sha != released[-1].sha)
    back = shipping.deploy(world, repo, "production", NOW + timedelta(minutes=2),
                           ref=older.ref, sha=older.sha, description="Roll back")
    make_engine_for(sandbox, settings, store, clock=lambda: SOON).sync_all(SOON)
    rows = {r.release_id: r for r in store.releases_of(repo)}
    assert rows[back.id].rollback and rows[back.id].eligible
    assert not [c for c in store.containments_of(repo) if c.release_id == back.id]
    facts = {f.release_id: f for f in store.releases_published([repo], NOW - timedelta(days=400),
                                                                SOON)}
    replaced = facts[released[-1].release_id]
    assert replaced.failed == (back.created_at - replaced.published_at <= timedelta(hours=72))


@pytest.mark.parametrize("source", ["tags"], indirect=True)
def test_a_tag_object_is_read_once(
    sandbox: Sandbox, world: World, settings: Settings, store: Store, source: str
) -> None:
    make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    repo = "acme/payments-api"
    shipping.tag(world, repo, "v9.1.0", NOW + timedelta(minutes=1), message="v9.1.0")
    shipping.tag(world, repo, "nightly-1", NOW + timedelta(minutes=2), annotated=False)
    sandbox.github.reset_log()
    make_engine_for(sandbox, settings, store, clock=lambda: SOON).sync_all(SOON)
    assert sandbox.github.counts()[f"GET {GIT_TAG}"] == 1  # the new tag; the known ones free
    tags = {r.tag for r in store.releases_of(repo)}
    assert "v9.1.0" in tags and "nightly-1" not in tags


def test_a_sync_killed_mid_way_then_rerun_leaves_the_same_store(
    sandbox: Sandbox, settings: Settings, tmp_path: Path, source: str
) -> None:
    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    make_engine_for(sandbox, settings, reference).sync_all(NOW, backfill_since=SINCE)
    config = sandbox.write_config(tmp_path / "crosswalk.yaml")
    sandbox.jira.delay_all(0.01)  # widen the window between requests and commits
    sandbox.github.delay_all(0.01)
    killed = 0
    for n, delay in enumerate((0.3, 0.6, 0.9)):
        url = f"sqlite:///{tmp_path / f'killed-{n}.db'}"
        store = open_store(url)
        child = _child(sandbox, config, url)
        _go(child)
        time.sleep(delay)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.wait(timeout=30)
        sandbox.jira.delay_all(0)
        sandbox.github.delay_all(0)
        make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
        sandbox.jira.delay_all(0.01)
        sandbox.github.delay_all(0.01)
        assert _state(store)[:2] == _state(reference)[:2], delay
        assert _state(store)[2] == _state(reference)[2], delay  # cursors, ETags, pairs
        assert releases_of(store, sandbox.world) == releases_of(reference, sandbox.world)
    assert killed >= 1  # at least one run really died mid-sync


def test_a_new_source_drops_the_old_releases_and_reads_them_again(
    tmp_path: Path,
) -> None:
    releases_world = generate("small", seed=3, now=NOW)
    store = open_store(f"sqlite:///{tmp_path / 'switch.db'}")
    with Sandbox(releases_world) as box:
        before = parse_settings(scenario_config(releases_world))
        make_engine_for(box, before, store).sync_all(NOW, backfill_since=SINCE)
    assert {r.kind for r in store.releases_of("acme/payments-api")} == {"release"}
    tags_world = shipped("tags")
    with Sandbox(tags_world) as box:
        after = parse_settings(scenario_config(tags_world))
        make_engine_for(box, after, store, clock=lambda: SOON).sync_all(SOON)
    kinds = {r.kind for r in store.releases_of("acme/payments-api")}
    assert kinds == {"tag"}
