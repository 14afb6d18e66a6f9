"""``crosswalk serve``: the Slack app and the scheduler in one process, stopped gracefully.

Start-up: settings and environment are checked (exit 2 naming what is missing), the database
is upgraded, the bot token is checked with ``auth.test`` (exit 1 when Slack rejects it), the
scheduler starts (polls, alerts, each team's digest in its timezone, and a one-off catch-up
of digests missed in the last 24 h). Then HTTP on ``PORT`` (``/slack/events``, ``/healthz``)
on waitress — or Socket Mode when ``SLACK_APP_TOKEN`` is set, with ``/healthz`` still served
over HTTP so the container's HEALTHCHECK works.

SIGTERM/SIGINT: stop accepting, give in-flight requests ``HTTP_GRACE`` seconds, then share
what is left of ``SHUTDOWN_SECONDS`` between the Bolt listener work already acked (replies
not yet started are dropped) and the scheduler's running job (a poll stops at its next page
boundary, its cursor already safe); close the database; exit 0 — within 10 s, the grace a
container runtime gives before SIGKILL. Work still running at the deadline is abandoned
(logged as ``serve.forced_exit``): nothing half-written stays, a transaction not committed
is rolled back by the database.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import click

from bot.app import Crosswalk, build_app
from bot.cli.db import database_errors
from bot.cli.main import CliContext
from bot.core.logs import event
from bot.slack.app import SocketMode, build_bolt_app
from bot.slack.http import HttpServer, StartResponse, Wsgi, make_wsgi_app
from bot.store.migrate import upgrade

log = logging.getLogger(__name__)

LISTENER_THREADS = 4  # work after the ack: GIL-bound reports vs I/O-bound replies (bench/slash.py)
HTTP_THREADS = 16
HTTP_GRACE = 3.0  # seconds for in-flight HTTP requests (each only acks, within Slack's 3 s)
SHUTDOWN_SECONDS = 8.0  # from SIGTERM to exit, with margin under a container runtime's 10 s


class ListenerExecutor(ThreadPoolExecutor):
    """Bolt's executor for work after the ack, drained within a deadline at shutdown."""

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="bolt")
        self._futures: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._futures.discard(future)

    def drain(self, timeout: float) -> int:
        """Drop work not started, wait up to ``timeout`` s for the rest; how many are left."""
        self.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            running = list(self._futures)
        _, left = wait(running, timeout=max(timeout, 0.0))
        return len(left)
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 (a container listens on all interfaces)


def health_only(app: Wsgi) -> Wsgi:
    """In Socket Mode: ``/healthz`` over HTTP; every other path is 404 (events come by socket)."""

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            return app(environ, start_response)
        body = b"Not Found"
        start_response("404 Not Found", [("Content-Type", "text/plain"),
                                         ("Content-Length", str(len(body)))])
        return [body]

    return wsgi


@click.command("serve")
@click.option("--host", default=ALL_INTERFACES, show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port to listen on (default: $PORT or 3000; 0 picks a free one).")
@click.pass_obj
def serve(cli: CliContext, host: str, port: int | None) -> None:
    """Run the Slack app (HTTP or Socket Mode) and the scheduler until SIGTERM."""
    settings = cli.settings()
    env = cli.env
    cli.require_env("serve", settings)
    with database_errors(env.database_url):
        upgrade(env.database_url)
    crosswalk = build_app(settings, env)
    identity = crosswalk.identity()  # AuthError (exit 1) when Slack rejects the token
    event(log, "serve.slack_identity", team=identity.team_id, bot_user=identity.user_id)
    executor = ListenerExecutor(LISTENER_THREADS)
    bolt = build_bolt_app(crosswalk, executor=executor)
    wsgi = make_wsgi_app(bolt, crosswalk.health, signing_secret=crosswalk.signing_secret)
    shutdown: list[Callable[[], object]] = []
    if env.slack_app_token:
        handler = SocketMode(bolt, env.slack_app_token)
        connected = handler.connect()  # AuthError (exit 1) when the app token is rejected
        event(log, "serve.socket_mode", connected=str(connected).lower())
        shutdown.append(handler.close)
        wsgi = health_only(wsgi)
    server = HttpServer(wsgi, host=host, port=env.port if port is None else port,
                        threads=HTTP_THREADS, grace_seconds=HTTP_GRACE)
    crosswalk.build_scheduler().start()
    event(log, "scheduler.started", teams=len(settings.teams))
    stopping = Stopping(crosswalk, executor, server.stopped_at)
    server.serve(on_shutdown=[*shutdown, stopping.run])
    if stopping.abandoned:
        # Threads still in a Slack or database call would hold the interpreter's exit
        # past the deadline: leave now; flushed logs first.
        logging.shutdown()
        os._exit(0)


class Stopping:
    """The bounded second half of a shutdown: listener work, scheduled jobs, the database."""

    def __init__(
        self, crosswalk: Crosswalk, executor: ListenerExecutor, stopped_at: Callable[[], float]
    ) -> None:
        self.crosswalk = crosswalk
        self.executor = executor
        self.stopped_at = stopped_at
        self.abandoned = False

    def run(self) -> None:
        """Stop the poll, drain replies and jobs until the deadline, close the store."""
        deadline = self.stopped_at() + SHUTDOWN_SECONDS
        self.crosswalk.clients.stop_poll()  # first: it has the longest way to a boundary
        event(log, "serve.listeners_draining")
        replies = self.executor.drain(deadline - time.monotonic())
        idle = self.crosswalk.close(timeout=max(deadline - time.monotonic(), 0.0))
        if replies or not idle:
            self.abandoned = True
            event(log, "serve.forced_exit", logging.WARNING, replies_left=replies,
                  jobs_left=self.crosswalk.jobs.running)
