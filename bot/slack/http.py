"""HTTP serving of the Bolt app: ``/slack/events`` and ``/healthz`` on a production WSGI server.

Waitress (a multi-threaded, production-grade pure-Python WSGI server) serves the app in
the same process as the scheduler, so ``serve`` is one process per replica. SIGTERM and
SIGINT close the listener, let in-flight requests finish and then run the shutdown hooks
(scheduler stop) — nothing is cut half-way through a post.

Before Bolt sees a request to ``/slack/events`` it must pass, in this order and without
anything being parsed first: a size cap (``MAX_BODY``; Slack's slash commands and
interactions are a few KiB, so 413 beyond it, read no further), the v0 signature over the
raw body (401, logged as ``http.rejected`` without the body), and a well-formed payload
(400 for garbage, truncated or absurdly nested JSON). Waitress keeps connections bounded:
idle or half-open ones are closed after ``CHANNEL_TIMEOUT``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import wasyncore
from waitress.server import create_server

from bot.core.logs import event

log = logging.getLogger(__name__)

HealthCheck = Callable[[], dict[str, Any]]  # {"ok": bool, ...details}
StartResponse = Callable[..., Any]


Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

MAX_BODY = 64 * 1024  # bytes; Slack's largest (an interaction with a whole message) is ~10 KiB
MAX_HEADERS = 16 * 1024  # bytes of request headers
CHANNEL_TIMEOUT = 10  # seconds an idle or half-open connection is kept
CONNECTION_LIMIT = 1000  # open connections; past this new ones wait in the listen backlog


def _answer(start_response: StartResponse, status: str, message: str) -> list[bytes]:
    body = json.dumps({"error": message}).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]


def _read_capped(environ: dict[str, Any]) -> bytes | None:
    """The raw body, or None when it is (or claims to be) larger than ``MAX_BODY``."""
    try:
        declared = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if declared > MAX_BODY:
        return None
    stream = environ.get("wsgi.input")
    body = stream.read(min(declared, MAX_BODY) if declared else MAX_BODY + 1) if stream else b""
    return None if len(body) > MAX_BODY else bytes(body)


def _well_formed(body: bytes, content_type: str) -> bool:
    """Whether the body parses as Slack sends it (form, with a JSON ``payload``, or JSON)."""
    try:
        text = body.decode("utf-8")
        if content_type.startswith("application/json"):
            return isinstance(json.loads(text), dict)
        form = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text))
        payload = form.get("payload")
        return payload is None or isinstance(json.loads(payload[0]), dict)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        return False


SIGNATURE_AGE = 300  # seconds: Slack's replay window for a request timestamp


def signature_ok(secret: bytes, body: bytes, timestamp: str, signature: str,
                 now: float) -> bool:
    """Slack's v0 signature over the raw bytes (no decoding: a body that is not UTF-8 is
    simply unsigned), within the replay window."""
    if not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > SIGNATURE_AGE:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def guard_slack_requests(bolt: Wsgi, signing_secret: str) -> Wsgi:
    """Cap, verify and sanity-check a request before ``bolt`` parses anything of it."""
    secret = signing_secret.encode()

    def wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _answer(start_response, "405 Method Not Allowed", "POST only")
        body = _read_capped(environ)
        if body is None:
            log.info("http.rejected", extra={"fields": {"status": 413, "reason": "too_large"}})
            return _answer(start_response, "413 Payload Too Large", "request too large")
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
        if not signature_ok(secret, body, timestamp, signature, time.time()):
            log.info("http.rejected", extra={"fields": {"status": 401, "reason": "signature"}})
            return _answer(start_response, "401 Unauthorized", "invalid signature")
        if not _well_formed(body, str(environ.get("CONTENT_TYPE", ""))):
            log.info("http.rejected", extra={"fields": {"status": 400, "reason": "malformed"}})
            return _answer(start_response, "400 Bad Request", "malformed request")
        environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return bolt(environ, start_response)

    return wsgi


def make_wsgi_app(app: App, health: HealthCheck, *, signing_secret: str) -> Wsgi:
    """A WSGI callable routing ``/slack/events`` (guarded) to Bolt and ``GET /healthz`` to
    ``health``."""
    bolt = guard_slack_requests(SlackRequestHandler(app, path="/slack/events"), signing_secret)

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
        if environ.get("PATH_INFO") != "/slack/events":
            return _answer(start_response, "404 Not Found", "not found")
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
            wsgi, host=host, port=port, threads=threads, ident="crosswalk",
            max_request_body_size=MAX_BODY, max_request_header_size=MAX_HEADERS,
            channel_timeout=CHANNEL_TIMEOUT, cleanup_interval=2,
            connection_limit=CONNECTION_LIMIT,
        )
        self._stopped = threading.Event()
        self._stopped_at: float | None = None
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
                signal.signal(sig, lambda *_: self.stop())
        server = self._server
        event(log, "serve.listening", port=self.port)
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

    def stopped_at(self) -> float:
        """When the stop was asked (``time.monotonic()``), or now when it was not."""
        return self._stopped_at if self._stopped_at is not None else time.monotonic()

    def stop(self) -> None:
        """Ask ``serve`` to stop accepting, drain in-flight requests and return."""
        if self._stopped_at is None:
            self._stopped_at = time.monotonic()
        self._stopped.set()
