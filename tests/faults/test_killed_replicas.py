"""A replica SIGKILLed in the middle of its work, on PostgreSQL: another replica finishes
it, nothing is posted twice and nothing is lost.

The killed replica is a real ``crosswalk`` process; the one that carries on runs in the
test, with its clock driven past the dead replica's claim (no waiting for it to go stale).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from bot.config.settings import parse_settings
from bot.core.clock import new_holder
from bot.store import Store, make_engine
from bot.usecases.digest import DigestService, scheduled_week
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox, scenario_config
from integrations.sandbox.slack.server import SlackServer
from tests.support.digest_world import CHANNEL, TOKEN, config, messenger
from tests.support.oracle import expected_records
from tests.support.slack_world import make_world
from tests.support.sync_records import normalised, recomputed_facts, stored_facts, stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for

CROSSWALK = Path(sys.executable).parent / "crosswalk"
ROOT = Path(__file__).resolve().parents[2]
KILL_CHILD = ROOT / "tests" / "support" / "kill_child.py"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CROSSWALK_", "JIRA_", "GITHUB_", "SLACK_", "DATABASE_URL"))}
    env.update(extra)
    return env


def _wait_for(check: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_replica_killed_after_slack_took_its_digest_leaves_it_posted_once(
    pg_url: str, tmp_path: Path,
) -> None:
    path = tmp_path / "crosswalk.yaml"
    path.write_text(yaml.safe_dump(config()), encoding="utf-8")
    settings = parse_settings(config())
    with SlackServer(make_world()) as server:
        assert isinstance(server, SlackServer)
        now = datetime.now(UTC)
        server.world.now = now  # the child runs on the real clock
        # Slack takes the post and the answer never comes: the replica is killed waiting.
        server.lose_answer_next(1, path_prefix="/api/chat.postMessage", hold=20)
        child = subprocess.Popen(
            [str(CROSSWALK), "digest", "--team", "payments"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=_clean_env(CROSSWALK_CONFIG=str(path), DATABASE_URL=pg_url,
                           SLACK_BOT_TOKEN=TOKEN, SLACK_API_URL=server.url + "/api/"))
        _wait_for(lambda: server.messages_in(CHANNEL))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        store = Store(make_engine(pg_url))
        scheduled = scheduled_week(settings.team("payments").to_flow(), now)
        week = scheduled.label
        entry = store.digest_entry("payments", week)
        assert entry is not None and entry.message_ts is None  # claimed, never recorded

        later = now + timedelta(minutes=31)
        successor = DigestService(store, messenger(server), settings, clock=lambda: later,
                                  holder=new_holder("digest"))
        outcome = successor.post("payments", scheduled, now=later)  # `crosswalk digest` again
        [posted] = [m for m in server.messages_in(CHANNEL) if m.thread_ts is None]
        assert outcome.status == "already_posted" and outcome.message_ts == posted.ts
        entry = store.digest_entry("payments", week)
        assert entry is not None and entry.message_ts == posted.ts
        assert successor.post("payments", scheduled, now=later).status == "already_posted"
        store.engine.dispose()


def test_a_replica_killed_mid_sync_loses_nothing_and_another_carries_on(
    pg_url: str, tmp_path: Path,
) -> None:
    world = generate("small", seed=3, now=NOW)
    settings = parse_settings(scenario_config(world))
    with Sandbox(world) as box:
        config_path = box.write_config(tmp_path / "crosswalk.yaml")
        box.jira.delay_all(0.02)  # pages commit one by one, slowly enough to die between
        box.github.delay_all(0.02)
        env = _clean_env(**box.env(), PYTHONPATH=str(ROOT))
        child = subprocess.Popen(
            [sys.executable, str(KILL_CHILD), str(config_path), pg_url, SINCE.isoformat()],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True)
        assert child.stdin is not None and child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        child.stdin.write("go\n")
        child.stdin.flush()
        store = Store(make_engine(pg_url))
        _wait_for(lambda: len(stored_records(store).items) > 0)  # some pages are in
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        box.jira.delay_all(0)
        box.github.delay_all(0)
        partial = stored_records(store)
        expected = normalised(expected_records(world, jira_url=box.jira.url))
        assert partial != expected  # it died part-way

        # Another replica (its lease taken over once the dead one's expires) carries on.
        carried = make_engine_for(box, settings, store, clock=lambda: NOW + timedelta(minutes=2))
        summary = carried.sync_all(NOW + timedelta(minutes=2), backfill_since=SINCE)
        assert not summary.failed and not summary.deferred
        assert stored_records(store) == expected
        assert stored_facts(store) == recomputed_facts(store, settings)
        assert all(store.pending_refreshes(team) == [] for team in settings.teams)
        store.engine.dispose()
