"""HTTP serving of the Bolt app: ``/slack/events`` and ``/healthz`` on a production WSGI server.

Waitress (a multi-threaded, production-grade pure-Python WSGI server) serves the app in
the same process as the scheduler, so ``serve`` is one process per replica. SIGTERM and
SIGINT close the listener, let in-flight requests finish and then run the shutdown hooks
(scheduler stop) — nothing is cut half-way through a post.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

log = logging.getLogger(__name__)

HealthCheck = Callable[[], dict[str, Any]]  # {"ok": bool, ...details}
StartResponse = Callable[..., Any]


Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def make_wsgi_app(app: App, health: HealthCheck) -> Wsgi:
    """A WSGI callable routing ``/slack/events`` to Bolt and ``GET /healthz`` to ``health``."""
    bolt = SlackRequestHandler(app, path="/slack/events")

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if environ.get("PATH_INFO") == "/healthz" and method in {"GET", "HEAD"}:
            try:
                report = health()
            except Exception as error:  # noqa: BLE001 (a health probe reports, never raises)
                report = {"ok": False, "error": type(error).__name__}
            body = json.dumps(report).encode()
            status = "200 OK" if report.get("ok") else "503 Service Unavailable"
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            start_response(status, headers)
            return [body]
        return bolt(environ, start_response)

    return wsgi


class HttpServer:
    """A waitress server bound to ``host:port`` that stops gracefully."""

    def __init__(
        self, wsgi: Wsgi, *,
        host: str = "0.0.0.0",  # noqa: S104 (a container listens on all interfaces)
        port: int = 3000, threads: int = 16, grace_seconds: float = 30.0,
    ) -> None:
        self._server: Any = create_server(
            wsgi, host=host, port=port, threads=threads, ident="crosswalk"
        )
        self._stopped = threading.Event()
        self._grace = grace_seconds

    @property
    def port(self) -> int:
        """The bound port (useful with port 0)."""
        return int(self._server.effective_port)

    def serve(
        self, on_shutdown: Iterable[Callable[[], object]] = (), *, install_signals: bool = True,
    ) -> None:
        """Serve until SIGTERM/SIGINT (or ``stop``), drain, then run ``on_shutdown`` in order."""
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self._stopped.set())
        server = self._server
        log.info("serve.listening port=%s", self.port)
        try:
            while not self._stopped.is_set():
                wasyncore.loop(timeout=0.5, map=server._map, use_poll=True, count=1)
            log.info("serve.draining")
            server.accepting = False
            server.del_channel()  # stop listening; open connections stay in the map
            server.socket.close()
            deadline = time.monotonic() + self._grace
            while time.monotonic() < deadline and self._busy():
                wasyncore.loop(timeout=0.1, map=server._map, use_poll=True, count=1)
            server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
            wasyncore.close_all(server._map)
        finally:
            for hook in on_shutdown:
                hook()
            log.info("serve.stopped")

    def _busy(self) -> bool:
        channels = list(self._server.active_channels.values())
        return any(ch.requests or ch.total_outbufs_len for ch in channels)

    def stop(self) -> None:
        """Ask ``serve`` to stop accepting, drain in-flight requests and return."""
        self._stopped.set()
