"""Several replicas on one store: a team's poll runs once per interval cluster-wide, and a
dead holder's sync lease frees its team within a minute."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.config.settings import Settings
from bot.core.clock import new_holder
from bot.store.ledgers import POLL_PREFIX
from bot.sync.engine import LEASE_TTL, SyncEngine, poll_order
from integrations.sandbox.runner import Sandbox
from tests.support.sync_world import NOW, make_engine_for, open_store


def test_three_replicas_poll_each_team_once_per_interval(
    sandbox: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'shared.db'}")
    clock = [NOW]
    replicas = [make_engine_for(sandbox, settings, store, clock=lambda: clock[0])
                for _ in range(3)]
    teams = set(settings.teams)
    polled = [{r.team for r in replica.poll().reports if r.status != "skipped"}
              for replica in replicas]  # every scheduler fires at about the same time
    assert polled[0] == teams and polled[1] == polled[2] == set()
    clock[0] = NOW + timedelta(seconds=settings.poll_interval.calendar_seconds)
    again = [{r.team for r in replica.poll().reports if r.status != "skipped"}
             for replica in reversed(replicas)]  # the next interval: whoever comes first
    assert again[0] == teams and again[1] == again[2] == set()
    expiries = store.lease_expiries([POLL_PREFIX + t for t in teams])
    assert set(expiries) == {POLL_PREFIX + t for t in teams}


def test_replicas_firing_together_poll_each_team_once(
    sandbox: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'shared.db'}")
    replicas = [make_engine_for(sandbox, settings, store, clock=lambda: NOW,
                                holder=new_holder("sync")) for _ in range(3)]
    polled: Counter[str] = Counter()
    lock, start = threading.Lock(), threading.Barrier(len(replicas))

    def fire(replica: SyncEngine) -> None:
        start.wait()
        teams = [r.team for r in replica.poll().reports if r.status != "skipped"]
        with lock:
            polled.update(set(teams))

    threads = [threading.Thread(target=fire, args=(r,)) for r in replicas]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert polled == Counter(set(settings.teams))  # every team, each by one replica


def test_each_replica_starts_its_poll_at_its_own_team() -> None:
    teams = [f"team{i:02d}" for i in range(10)]
    orders = [poll_order(teams, new_holder("sync")) for _ in range(200)]
    assert all(sorted(order) == teams for order in orders)  # all of them, each once
    assert all(order == teams[teams.index(order[0]):] + teams[:teams.index(order[0])]
               for order in orders)  # in the configured order, from its own start
    assert {order[0] for order in orders} == set(teams)  # the starts are spread
    holder = new_holder("sync")
    assert poll_order(teams, holder) == poll_order(teams, holder)  # stable per replica
    assert poll_order([], holder) == []


def test_a_dead_holders_sync_lease_is_taken_over_within_a_minute(
    sandbox: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'shared.db'}")
    team = next(iter(settings.teams))
    # A replica on another machine took the lease, then died (no renewal, no release).
    assert store.try_lease(f"sync:{team}", "sync:other-host:4242:dead", LEASE_TTL, NOW)
    engine = make_engine_for(sandbox, settings, store, clock=lambda: NOW + timedelta(seconds=30))
    [skipped] = [r for r in engine.sync_all(NOW, team=team).reports]
    assert skipped.status == "skipped"
    assert LEASE_TTL <= timedelta(minutes=1)
    later = make_engine_for(sandbox, settings, store, clock=lambda: NOW + LEASE_TTL,
                            holder=new_holder("sync"))
    assert all(r.status != "skipped" for r in later.sync_all(NOW + LEASE_TTL, team=team).reports)
