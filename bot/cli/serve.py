"""``crosswalk serve``: the Slack app and the scheduler in one process, stopped gracefully.

Start-up: settings and environment are checked (exit 2 naming what is missing), the database
is upgraded, the bot token is checked with ``auth.test`` (exit 1 when Slack rejects it), the
scheduler starts (polls, alerts, each team's digest in its timezone, and a one-off catch-up
of digests missed in the last 24 h). Then HTTP on ``PORT`` (``/slack/events``, ``/healthz``)
on waitress — or Socket Mode when ``SLACK_APP_TOKEN`` is set, with ``/healthz`` still served
over HTTP so the container's HEALTHCHECK works.

SIGTERM/SIGINT: stop accepting, let in-flight requests finish, let the Bolt listener work
already acked finish (our own executor, shut down with ``wait=True``), stop the scheduler
after its running job, close the database; exit 0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import click

from bot.app import build_app
from bot.cli.db import database_errors
from bot.cli.main import CliContext
from bot.slack.app import SocketMode, build_bolt_app
from bot.slack.http import HttpServer, StartResponse, Wsgi, make_wsgi_app
from bot.store.migrate import upgrade

log = logging.getLogger(__name__)

LISTENER_THREADS = 4  # work after the ack: GIL-bound reports vs I/O-bound replies (bench/slash.py)
HTTP_THREADS = 16
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
    log.info("serve.slack_identity team=%s bot_user=%s", identity.team_id, identity.user_id)
    executor = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bolt")
    bolt = build_bolt_app(crosswalk, executor=executor)
    wsgi = make_wsgi_app(bolt, crosswalk.health, signing_secret=crosswalk.signing_secret)
    shutdown: list[Callable[[], object]] = []
    if env.slack_app_token:
        handler = SocketMode(bolt, env.slack_app_token)
        connected = handler.connect()  # AuthError (exit 1) when the app token is rejected
        log.info("serve.socket_mode connected=%s", str(connected).lower())
        shutdown.append(handler.close)
        wsgi = health_only(wsgi)
    server = HttpServer(wsgi, host=host, port=env.port if port is None else port,
                        threads=HTTP_THREADS)
    crosswalk.build_scheduler().start()
    log.info("scheduler.started teams=%d", len(settings.teams))
    shutdown += [lambda: _drain(executor), crosswalk.close]
    server.serve(on_shutdown=shutdown)


def _drain(executor: ThreadPoolExecutor) -> None:
    """Let acked listener work (replies already promised) finish before the process exits."""
    log.info("serve.listeners_draining")
    executor.shutdown(wait=True)
