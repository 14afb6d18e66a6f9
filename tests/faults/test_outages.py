"""Upstream outages on PostgreSQL: Jira down for an hour of scheduled polls (the team shown
failing on every replica's ``/healthz``, then caught up without a gap), and the database
itself stopped and started again under a running backfill (``/healthz`` says so meanwhile)."""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.app import build_app, make_clients
from bot.cli.main import main
from bot.config.env import DESCRIPTIONS, Env
from bot.config.settings import parse_settings
from bot.store import Store, make_engine
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox, scenario_config
from tests.support.oracle import expected_records
from tests.support.sync_records import normalised, recomputed_facts, stored_facts, stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for

# pg_ctl of the test server, up to its action: the test appends "stop -m fast -w", "start -w"
PG_CTL = "CROSSWALK_TEST_POSTGRES_CTL"


def _check(box: Sandbox, tmp_path: Path, url: str) -> Result:
    path = box.write_config(tmp_path / "crosswalk.yaml")
    env: dict[str, str | None] = {name: None for name in DESCRIPTIONS}
    env.update({**box.env(), "DATABASE_URL": url})
    return CliRunner().invoke(main, ["--config", str(path), "check"], env=env)


def test_jira_down_for_an_hour_of_polls_is_reported_then_caught_up_without_a_gap(
    pg_url: str, tmp_path: Path,
) -> None:
    world = generate("small", seed=3, now=NOW)
    settings = parse_settings(scenario_config(world))
    store = Store(make_engine(pg_url))
    clock = [NOW]
    with Sandbox(world) as box:
        # Two replicas; their schedulers fire the poll every 15 minutes.
        replicas = [make_engine_for(box, settings, store, clock=lambda: clock[0], timeout=2)
                    for _ in range(2)]
        replicas[0].sync_all(NOW, backfill_since=SINCE)
        item = next(i for i in world.jira.issues.values()
                    if i.project == "PAY" and i.status != "Ready for Development")
        box.jira.fail_next(100_000, 503)  # down: every request, retries included
        for n in range(1, 5):  # an hour of scheduled polls
            clock[0] = NOW + n * timedelta(minutes=15)
            if n == 2:  # work goes on in Jira meanwhile
                world.add_transition(item.key, "Ready for Development", clock[0])
            for replica in replicas:
                replica.poll()
        # /healthz on any replica, as serve wires it (a replica that never polled included):
        clients = make_clients(settings, Env.from_mapping({**box.env(), "DATABASE_URL": pg_url}))
        failing = clients.unhealthy_sources()
        clients.store.engine.dispose()
        assert set(failing) == {f"{team}/jira" for team in settings.teams}
        reason = failing[f"{next(iter(settings.teams))}/jira"]
        assert "503" in reason and "4 passes in a row" in reason
        assert f"since {(NOW + timedelta(minutes=15)).isoformat()}" in reason

        checked = _check(box, tmp_path, pg_url)  # `crosswalk check` probes Jira live
        assert checked.exit_code == 1
        assert any(line.startswith("FAIL") and "jira" in line
                   for line in checked.stdout.splitlines()), checked.stdout

        box.jira.clear_faults()  # back
        clock[0] = NOW + timedelta(minutes=75)
        for replica in replicas:
            replica.poll()
        assert store.source_failures() == {}
        assert stored_records(store) == normalised(expected_records(world, jira_url=box.jira.url))
        assert stored_facts(store) == recomputed_facts(store, settings)
    store.engine.dispose()


def test_the_database_restarted_under_load_costs_a_reconnect_not_a_record(
    pg_url: str,
) -> None:
    ctl = os.environ.get(PG_CTL, "")
    if not ctl:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{PG_CTL} is not set: CI must restart its PostgreSQL here")
        pytest.skip(f"set {PG_CTL} to the test PostgreSQL's pg_ctl (with -D and -l)")
    world = generate("small", seed=3, now=NOW)
    settings = parse_settings(scenario_config(world))
    store = Store(make_engine(pg_url))
    with Sandbox(world) as box:
        app = build_app(settings, Env.from_mapping({**box.env(), "DATABASE_URL": pg_url}))
        assert app.health()["store"] == "ok"
        engine = make_engine_for(box, settings, store)
        box.jira.delay_all(0.02)  # a backfill in flight, page after page, when it goes down
        box.github.delay_all(0.02)
        died: list[BaseException] = []

        def backfill() -> None:
            try:
                engine.sync_all(NOW, backfill_since=SINCE)
            except Exception as exc:  # noqa: BLE001 (the transaction it was in is lost)
                died.append(exc)

        running = threading.Thread(target=backfill)
        running.start()
        deadline = time.monotonic() + 30
        while not stored_records(store).items:  # pages are committing
            assert time.monotonic() < deadline
            time.sleep(0.05)
        _pg_ctl(ctl, "stop -m fast -w")
        down = app.health()  # /healthz meanwhile: 503, naming the store
        assert down["ok"] is False and down["store"].startswith("error: ")
        _pg_ctl(ctl, "start -w")
        assert app.health()["store"] == "ok"  # reconnected, nothing to restart
        running.join(120)
        box.jira.delay_all(0)
        box.github.delay_all(0)
        # The pass in flight lost its transaction (or reconnected and finished); the next one
        # reconnects, carries on from the last committed page, and nothing is lost.
        summary = engine.sync_all(NOW, backfill_since=SINCE)
        assert not summary.failed
        assert stored_records(store) == normalised(expected_records(world, jira_url=box.jira.url))
        assert stored_facts(store) == recomputed_facts(store, settings)
        assert all(store.pending_refreshes(team) == [] for team in settings.teams)
        app.clients.store.engine.dispose()
    store.engine.dispose()


def _pg_ctl(ctl: str, action: str) -> None:
    # The server inherits no pipe of ours: with one, run() would wait for it forever.
    subprocess.run([*shlex.split(ctl), *action.split()], check=True, timeout=120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
