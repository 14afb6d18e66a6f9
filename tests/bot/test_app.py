"""The composition root: clients, scheduler wiring, the poll seam, health, start-up catch-up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.app import (
    CATCH_UP_JOB,
    START_UP_JOB,
    Clients,
    build_app,
    make_clients,
    sync_not_configured,
)
from bot.config.env import Env
from bot.core.errors import ConfigError
from bot.store.db import make_engine
from bot.store.ledgers import POLL_PREFIX
from bot.store.repo import Store
from integrations.sandbox.slack.server import SlackServer
from tests.support.commands_world import (
    CHANNEL,
    NOW,
    TOKEN,
    crosswalk,
    fill,
    messenger,
    new_store,
    wait_for,
)
from tests.support.commands_world import settings as team_settings


@pytest.fixture
def store(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store, _ = new_store(tmp_path, tmp_path_factory.getbasetemp())
    fill(store)
    yield store
    store.engine.dispose()


def test_production_clients_need_the_bot_token() -> None:
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        make_clients(team_settings(), Env())


def test_production_clients_have_explicit_timeouts_urls_and_the_sync_as_poll(
    tmp_path: Path,
) -> None:
    env = Env(slack_bot_token=TOKEN, slack_api_url="http://127.0.0.1:9/api/",
              database_url=f"sqlite:///{tmp_path / 'x.db'}", jira_url="http://127.0.0.1:9",
              jira_email="bot@acme.example", jira_api_token="jira-token",
              github_token="ghp_test", github_api_url="http://127.0.0.1:9")
    clients = make_clients(team_settings(), env)  # builds, connects to nothing
    try:
        assert clients.web_client.timeout == 10
        assert clients.web_client.base_url == "http://127.0.0.1:9/api/"
        assert str(clients.store.engine.url).endswith("x.db")
        assert getattr(clients.poll, "__name__", "") == "poll"  # SyncEngine.poll, bound
        assert clients.poll is not sync_not_configured
        # A source the sync marks unhealthy (revoked token in serve) shows in /healthz.
        assert clients.unhealthy_sources() == {}
        engine = clients.poll.__self__  # type: ignore[attr-defined]
        engine.unhealthy[("payments", "jira")] = "Jira: credentials rejected; check JIRA_API_TOKEN"
        assert clients.unhealthy_sources() == {
            "payments/jira": "Jira: credentials rejected; check JIRA_API_TOKEN"}
    finally:
        clients.store.engine.dispose()


def test_scheduler_has_stable_jobs_and_team_digests_in_the_team_timezone(
    store: Store, slack: SlackServer,
) -> None:
    app = crosswalk(store, slack)
    scheduler = app.build_scheduler()
    ids = {job.id for job in scheduler.get_jobs()}
    assert ids == {"poll", "alerts", "digest:payments", "digest:search", START_UP_JOB,
                   CATCH_UP_JOB}
    # Stale digest and review claims are retried by a periodic job, not only at start-up.
    catch_up = scheduler.get_job(CATCH_UP_JOB)
    assert isinstance(catch_up.trigger, IntervalTrigger)
    assert catch_up.trigger.interval == timedelta(minutes=15)
    digest = scheduler.get_job("digest:payments")
    assert isinstance(digest.trigger, CronTrigger)
    assert str(digest.trigger.timezone) == "Europe/London"


def test_the_poll_job_calls_the_given_sync_and_says_so_when_there_is_none(
    store: Store, slack: SlackServer, caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []
    given = build_app(team_settings(), Env(), Clients(store, messenger(slack), lambda: NOW,
                                                      lambda: calls.append(1)))
    given.poll()
    assert calls == [1]
    default = crosswalk(store, slack)
    with caplog.at_level(logging.INFO, logger="bot.app"):
        default.poll()
    [skipped] = [r for r in caplog.records if r.getMessage() == "poll.skipped"]
    assert skipped.fields == {"reason": "sync-not-configured"}  # type: ignore[attr-defined]


def test_health_reports_store_and_scheduler(store: Store, slack: SlackServer,
                                            tmp_path: Path) -> None:
    app = crosswalk(store, slack)
    assert app.health()["ok"] is True and app.health()["store"] == "ok"
    assert app.health()["unhealthy_sources"] == {}
    app.build_scheduler().start(paused=True)
    assert app.health()["scheduler"]["running"] is True
    app.close()
    assert app.health()["ok"] is False  # the scheduler stopped
    broken = crosswalk(Store(make_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")),
                       slack)
    report = broken.health()
    assert report["ok"] is False and report["store"].startswith("error")


def test_start_up_polls_then_posts_a_digest_missed_while_down_once(
    store: Store, slack: SlackServer,
) -> None:
    data = team_settings()
    one_team = data.model_copy(update={"teams": {"payments": data.teams["payments"]}})
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # an hour after Monday's 09:00 digest
    before = len(slack.messages_in(CHANNEL))
    polled: list[int] = []

    def poll() -> None:  # records how many messages the channel had when the poll ran
        polled.append(len(slack.messages_in(CHANNEL)))

    app = build_app(one_team, Env(), Clients(store, messenger(slack), lambda: monday, poll))
    app.build_scheduler().start()
    try:
        wait_for(lambda: getattr(store.digest_entry("payments", "2026-W47"), "message_ts", None),
                 timeout=60)
    finally:
        app.close()  # waits for the running job
    assert polled == [before]  # the start-up poll ran first, before the digest went out
    top_level = [m for m in slack.messages_in(CHANNEL)[before:] if m.thread_ts is None]
    assert len(top_level) == 1 and "2026-W47" in top_level[0].text
    again = crosswalk(store, slack, one_team, clock=lambda: monday)
    assert [o.status for o in again.digests.catch_up()] == []


def test_health_names_teams_no_replica_polled_for_two_intervals(
    store: Store, slack: SlackServer,
) -> None:
    clock = [NOW]
    app = crosswalk(store, slack, clock=lambda: clock[0])
    interval = timedelta(seconds=app.settings.poll_interval.calendar_seconds)
    assert app.health()["stalled_teams"] == []  # just started: nothing to judge yet
    app.started_at = NOW - 10 * interval
    assert app.health()["stalled_teams"] == ["payments", "search"]  # never polled
    # A replica polled payments a moment ago: its poll lease runs to about now + interval.
    store.try_lease(POLL_PREFIX + "payments", "sync:elsewhere:1:x", interval, NOW)
    assert app.health()["stalled_teams"] == ["search"]
    clock[0] = NOW + 4 * interval  # and then no one again, for three intervals
    assert app.health()["stalled_teams"] == ["payments", "search"]
    assert app.health()["ok"] is True  # reported, not failed: a restart would not help
