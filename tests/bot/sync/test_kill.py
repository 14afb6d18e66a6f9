"""SIGKILL at random points, then a rerun: the store is as if nothing had happened."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.config.settings import Settings
from bot.store import Store
from bot.store import tables as t
from integrations.sandbox.runner import Sandbox
from tests.support.sync_records import stored_facts, stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for, open_store

CHILD = Path(__file__).resolve().parents[2] / "support" / "kill_child.py"
ROOT = Path(__file__).resolve().parents[3]


def _state(store: Store) -> tuple[object, ...]:
    """Everything a sync leaves, but the cursors' own write times and the times of the
    last listings and membership checks (the clock's: the children run on the real one)."""
    with store.transaction(read_only=True) as c:
        cursors = sorted((r.team, r.source, r.scope,
                          "" if r.scope.startswith(("events ", "members ")) else r.value, r.etag)
                         for r in c.execute(select(t.sync_cursors)))
        teams = sorted(tuple(r) for r in c.execute(select(t.team_items)))
    return stored_records(store), stored_facts(store), cursors, teams


def _child(box: Sandbox, config: Path, url: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIRA_", "GITHUB_"))}
    env.update(box.env())
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(config), url, SINCE.isoformat()],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True,
    )


def _size(records: Any) -> int:
    """How many records of every kind a store holds (GraphQL stores PRs in pages of 50, so
    a killed backfill may have all PRs but not yet their releases or containments)."""
    kinds = ("items", "changes", "fix_versions", "pulls", "reviews", "releases",
             "containments", "links")
    return sum(len(getattr(records, kind)) for kind in kinds)


def _go(child: subprocess.Popen[str]) -> None:
    assert child.stdin is not None and child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    child.stdin.write("go\n")
    child.stdin.flush()


def test_sigkill_at_random_points_then_a_rerun_equals_an_uninterrupted_run(
    sandbox: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    reference = open_store(f"sqlite:///{tmp_path / 'reference.db'}")
    make_engine_for(sandbox, settings, reference).sync_all(NOW, backfill_since=SINCE)
    config = sandbox.write_config(tmp_path / "crosswalk.yaml")
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    store = open_store(url)
    sandbox.jira.delay_all(0.01)  # widen the window between requests and commits
    sandbox.github.delay_all(0.01)
    rng = random.Random(4)
    children = [_child(sandbox, config, url) for _ in range(4)]  # warm up side by side
    kills = 0
    for child in children[:3]:
        _go(child)
        time.sleep(rng.uniform(0.1, 0.9))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            kills += 1
        child.wait(timeout=30)
    assert kills == 3
    assert _size(stored_records(store)) < _size(stored_records(reference))  # killed mid-sync
    final = children[3]
    _go(final)
    out, _ = final.communicate(timeout=60)
    assert final.returncode == 0, out
    assert _state(store)[:2] == _state(reference)[:2]
    assert _state(store)[3] == _state(reference)[3]
    assert _state(store)[2] == _state(reference)[2]  # cursors, ETags, compared pairs
