"""Three replicas' digest jobs on one PostgreSQL database over a simulated month, with Slack
failing in a different way each week: every team's digest goes out exactly once a week.

Each replica is a ``DigestService`` with its own connection pool and holder, run as serve
runs it: every replica's scheduler fires the team's slot at the same instant (three
threads racing for the ledger claim), and every replica's catch-up job runs every 15
minutes for the next day. The clock is driven (Slack's too), nothing waits.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.config.settings import Settings, parse_settings
from bot.core.clock import new_holder
from bot.core.errors import IntegrationError
from bot.store import Store, make_engine
from bot.usecases.digest import DigestService
from integrations.sandbox.slack.server import SlackServer
from tests.support.digest_world import CHANNEL, config, messenger, utc
from tests.support.slack_world import make_world

PRIVATE = "G0PRIVATE1"  # the second team's channel is private: groups:history is searched
MONDAYS = [utc(9, 9), utc(16, 9), utc(23, 9), utc(30, 9)]  # 09:00 London = UTC in November
TICK = timedelta(minutes=15)


def two_teams() -> Settings:
    data = config()
    search = dict(data["teams"]["payments"], slack={"channel": PRIVATE},
                  jira={"project": "SRCH"}, github={"repos": ["acme/search"]})
    data["teams"]["search"] = search
    return parse_settings(data)


@pytest.fixture
def server() -> Iterator[SlackServer]:
    with SlackServer(make_world()) as s:
        assert isinstance(s, SlackServer)
        yield s


def top_level(server: SlackServer, channel: str) -> list[Any]:
    return [m for m in server.messages_in(channel) if m.thread_ts is None]


def test_each_teams_digest_goes_out_once_a_week_across_a_month_of_slack_failures(
    pg_url: str, server: SlackServer,
) -> None:
    settings = two_teams()
    clock = [MONDAYS[0]]
    stores = [Store(make_engine(pg_url)) for _ in range(3)]  # a connection pool each
    replicas = [DigestService(store, messenger(server), settings, clock=lambda: clock[0],
                              holder=new_holder("digest")) for store in stores]
    failures = {
        MONDAYS[1]: lambda: server.fail_next(1, 500, path_prefix="/api/chat.postMessage"),
        MONDAYS[2]: lambda: server.lose_answer_next(1, path_prefix="/api/chat.postMessage"),
        MONDAYS[3]: lambda: server.rate_limit_next(3, retry_after=120,
                                                   method="chat.postMessage"),
    }
    errors: list[str] = []

    def job(replica: DigestService, slot: bool, now: datetime) -> None:
        # serve schedules one digest job per team at its slot, and one catch-up job; a job
        # that raises is logged by the scheduler, and the next one runs.
        for run in ([lambda t=t: replica.run_due(t) for t in settings.teams] if slot else []) + [
                lambda: replica.catch_up(now)]:
            try:
                run()
            except IntegrationError as exc:
                errors.append(type(exc).__name__)

    with ThreadPoolExecutor(3) as pool:
        for monday in MONDAYS:
            failures.get(monday, lambda: None)()
            for n in range(96):  # the slot, then a day of 15-minute catch-ups
                now = monday + n * TICK
                clock[0] = now
                with server.world.lock:
                    server.world.now = now
                list(pool.map(job, replicas, [n == 0] * 3, [now] * 3))

    weeks = ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    for team, channel in (("payments", CHANNEL), ("search", PRIVATE)):
        posted = top_level(server, channel)
        keys = [(m.metadata or {}).get("event_payload", {}).get("key") for m in posted]
        assert keys == [f"digest:{team}:{w}" for w in weeks], (team, keys)
        for week, message in zip(weeks, posted, strict=True):
            entry = stores[0].digest_entry(team, week)
            assert entry is not None and entry.message_ts == message.ts, (team, week)
    # The failures happened, and were survived: a 500 and a lost answer (outcome unknown,
    # retried once stale), a rate limit (refused, released, retried).
    assert "Unavailable" in errors and "RateLimited" in errors
    assert server.calls("conversations.history") >= 2  # the stale claims looked first
    for store in stores:
        store.engine.dispose()

