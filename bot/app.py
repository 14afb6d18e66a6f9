"""The composition root: ``build_app(settings, env, clients=None)`` wires every part of serve.

Clients (store, Slack messenger and its Web API client, clock, the poll callable) are built
here and nowhere else, each with an explicit timeout; nothing is built at import time. Tests
pass their own ``Clients`` (a SQLite store, a messenger pointed at the Slack sandbox, a fixed
clock). The Bolt app is built from the result by ``bot.slack.app.build_bolt_app`` and the
process around them by ``bot.cli.serve``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.config.env import Env
from bot.config.settings import Settings
from bot.core.clock import Clock, utc_now
from bot.core.errors import ConfigError
from bot.core.logs import event
from bot.slack.client import Messenger, SlackIdentity, messenger_from_env
from bot.store.db import make_engine
from bot.store.ledgers import POLL_PREFIX
from bot.store.repo import Store
from bot.usecases.alerts import AlertService
from bot.usecases.commands import CommandService
from bot.usecases.digest import DigestService, digest_slots
from bot.usecases.home import HomeService
from bot.usecases.review import ReviewService, review_slots
from bot.usecases.schedule import DIGEST_MISFIRE_GRACE, Jobs, SchedulerHealth, build_scheduler

log = logging.getLogger(__name__)

START_UP_JOB = "start-up"
CATCH_UP_JOB = "catch-up"
Poll = Callable[[], object]


def sync_not_configured() -> None:
    """The poll job of clients given without a sync (tests): says so, does nothing."""
    event(log, "poll.skipped", reason='sync-not-configured')


@dataclass
class Clients:
    """Everything that talks to the outside world; ``build_app`` makes them unless given."""

    store: Store
    messenger: Messenger
    clock: Clock = utc_now
    poll: Poll = sync_not_configured
    # Sources the sync marked unhealthy ("team/source" -> reason), for /healthz.
    unhealthy_sources: Callable[[], dict[str, str]] = dict
    # Asks a running poll to stop at its next page boundary (shutdown).
    stop_poll: Callable[[], None] = lambda: None

    @property
    def web_client(self) -> Any:
        """The ``slack_sdk.WebClient`` behind the messenger (Bolt shares it)."""
        return self.messenger.client


def make_clients(settings: Settings, env: Env) -> Clients:
    """Production clients from the environment (``SLACK_BOT_TOKEN`` must be set).

    Nothing connects here: the Slack, Jira and GitHub clients connect on first use. The poll
    job is the sync engine's ``poll`` (one engine per process: it remembers deferrals).
    """
    messenger = messenger_from_env(env.slack_bot_token, env.slack_api_url)
    if messenger is None:
        raise ConfigError("SLACK_BOT_TOKEN: missing environment variable (Slack bot token)")
    from bot.sync.clients import engine_for  # imports the Jira and GitHub adapters

    store = Store(make_engine(env.database_url))
    engine = engine_for(settings, env, store, serve=True)
    return Clients(
        store=store,
        messenger=messenger,
        poll=engine.poll,
        unhealthy_sources=lambda: _unhealthy(store, engine.unhealthy),
        stop_poll=engine.stop,
    )


class RunningJobs:
    """How many scheduled jobs are running now, so a shutdown can wait for them, bounded."""

    def __init__(self) -> None:
        self.running = 0
        self._idle = threading.Condition()

    def track(self, job: Callable[..., object]) -> Callable[..., object]:
        """``job``, counted while it runs."""

        def tracked(*args: Any) -> object:
            with self._idle:
                self.running += 1
            try:
                return job(*args)
            finally:
                with self._idle:
                    self.running -= 1
                    self._idle.notify_all()

        return tracked

    def wait_idle(self, timeout: float | None) -> bool:
        """Wait until no job runs (at most ``timeout`` seconds); whether none runs."""
        with self._idle:
            return self._idle.wait_for(lambda: self.running == 0, timeout)


@dataclass
class Crosswalk:
    """The wired application: settings, clients and the use-cases serve runs."""

    settings: Settings
    env: Env
    clients: Clients
    digests: DigestService
    alerts: AlertService
    commands: CommandService
    home: HomeService
    reviews: ReviewService
    scheduler_health: SchedulerHealth = field(default_factory=SchedulerHealth)
    jobs: RunningJobs = field(default_factory=lambda: RunningJobs())
    started_at: datetime = field(default_factory=utc_now)
    scheduler: BackgroundScheduler | None = None
    _identity: SlackIdentity | None = None

    @property
    def signing_secret(self) -> str:
        """The Slack request signing secret (``SLACK_SIGNING_SECRET``)."""
        if not self.env.slack_signing_secret:
            raise ConfigError("SLACK_SIGNING_SECRET: missing environment variable")
        return self.env.slack_signing_secret

    def identity(self) -> SlackIdentity:
        """Who the bot token belongs to (``auth.test``, asked once)."""
        if self._identity is None:
            self._identity = self.clients.messenger.auth_test()
        return self._identity

    def poll(self) -> None:
        """The scheduled poll of Jira and GitHub."""
        self.clients.poll()

    def catch_up(self) -> None:
        """Post the digests and reviews due in the last 24 h that the ledger lacks."""
        self.digests.catch_up()
        self.reviews.catch_up()

    def stalled_teams(self, now: datetime) -> list[str]:
        """Teams no replica has polled for two intervals (after this process's first three)."""
        interval = timedelta(seconds=self.settings.poll_interval.calendar_seconds)
        if now - self.started_at < 3 * interval:
            return []
        names = {POLL_PREFIX + team: team for team in self.settings.teams}
        expiries = self.clients.store.lease_expiries(names)
        return sorted(team for lease, team in names.items()
                      if lease not in expiries or now - expiries[lease] > 2 * interval)

    def start_up(self) -> None:
        """The start-up job: a poll (its failure is logged, not fatal), then the catch-up."""
        try:
            self.poll()
        except Exception as exc:  # the digests must still go out
            log.error(
                "poll.failed_on_start", extra={"fields": {"error": type(exc).__name__}},
                exc_info=exc
            )
        self.digests.catch_up()
        self.reviews.catch_up()

    def build_scheduler(self) -> BackgroundScheduler:
        """The (not started) scheduler: poll, alerts, each team's digest and a start-up catch-up."""
        track = self.jobs.track
        jobs = Jobs(poll=track(self.poll), digest=track(self.digests.run_due),
                    alerts=track(self.alerts.run), review=track(self.reviews.run_due))
        interval = timedelta(seconds=self.settings.poll_interval.calendar_seconds)
        scheduler = build_scheduler(jobs, digest_slots(self.settings), interval,
                                    self.scheduler_health, reviews=review_slots(self.settings))
        # On start, as a job so that /healthz does not wait: one poll (fresh numbers after
        # downtime), then the digests due while we were down (last 24 h, not in the ledger).
        # Every 15 minutes: a digest or review whose claim went stale (its post failed or
        # its replica died) is posted by whichever replica comes next, not only at start-up.
        scheduler.add_job(
            track(self.catch_up), IntervalTrigger(minutes=15), id=CATCH_UP_JOB,
            name="post missed digests and reviews", replace_existing=True,
            misfire_grace_time=DIGEST_MISFIRE_GRACE,
        )
        scheduler.add_job(
            track(self.start_up), DateTrigger(), id=START_UP_JOB,
            name="poll, then post missed digests", replace_existing=True,
            misfire_grace_time=DIGEST_MISFIRE_GRACE,
        )
        self.scheduler = scheduler
        return scheduler

    def health(self) -> dict[str, Any]:
        """What ``/healthz`` reports: the store answers and the scheduler runs."""
        report: dict[str, Any] = {"ok": True}
        try:
            with self.clients.store.transaction(read_only=True) as conn:
                conn.exec_driver_sql("SELECT 1")
            report["store"] = "ok"
        except Exception as exc:  # noqa: BLE001 (a probe reports failures, never raises)
            report.update(ok=False, store=f"error: {type(exc).__name__}")
        scheduler = self.scheduler
        running = bool(scheduler is not None and scheduler.running)
        report["scheduler"] = {
            "running": running,
            "failures": self.scheduler_health.failures,
            "last_error": self.scheduler_health.last_error,
        }
        if scheduler is not None and not running:
            report["ok"] = False
        # Reported, not failed: a restart cannot fix a revoked token, so the load balancer
        # should keep the replica; operators see which source needs new credentials.
        try:  # failing sources of every replica's passes (the store's), and this one's
            report["unhealthy_sources"] = self.clients.unhealthy_sources()
        except Exception:  # noqa: BLE001 (the store's own failure is reported above)
            report["unhealthy_sources"] = {}
        # Reported too: no replica polled these for two intervals (a dead lease holder, a
        # scheduler that stopped firing, a source down).
        try:
            report["stalled_teams"] = self.stalled_teams(self.clients.clock())
        except Exception:  # noqa: BLE001 (the store's own failure is reported above)
            report["stalled_teams"] = []
        return report

    def close(self, timeout: float | None = None) -> bool:
        """Stop the scheduler and close the database pool; True when no job is left running.

        A running poll is asked to stop at its next page boundary (its cursor is already
        safe). With ``timeout``, running jobs get that long to finish; without, as long as
        they take.
        """
        self.clients.stop_poll()
        idle = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
            idle = self.jobs.wait_idle(timeout)
            event(log, "scheduler.stopped", running_jobs=self.jobs.running)
        if idle:
            self.clients.store.engine.dispose()
        return idle


def build_app(settings: Settings, env: Env, clients: Clients | None = None) -> Crosswalk:
    """Wire the use-cases to ``clients`` (production ones from ``env`` when not given)."""
    c = clients if clients is not None else make_clients(settings, env)
    alerts = AlertService(c.store, c.messenger, settings, clock=c.clock)
    return Crosswalk(
        settings=settings,
        env=env,
        clients=c,
        digests=DigestService(c.store, c.messenger, settings, clock=c.clock),
        alerts=alerts,
        commands=CommandService(c.store, settings, alerts, c.messenger, c.clock),
        home=HomeService(c.store, settings, c.messenger, c.clock),
        reviews=ReviewService(c.store, c.messenger, settings, clock=c.clock),
    )


def _unhealthy(store: Store, rejected: dict[tuple[str, str], str]) -> dict[str, str]:
    """Sources whose last pass failed on any replica (the store's record), and those this
    process found with rejected credentials (named more precisely)."""
    try:
        failing = store.source_failures()
    except Exception:  # noqa: BLE001 (an unreadable store is reported by /healthz itself)
        failing = {}
    named = {f"{team}/{source}": reason for (team, source), reason in rejected.items()}
    return {**failing, **named}
