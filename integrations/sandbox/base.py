"""The small HTTP server every sandbox service is built on.

A :class:`SandboxServer` listens on an ephemeral port of 127.0.0.1 in a daemon thread,
dispatches requests to routes, records every request (method, path, query, status,
whether it was conditional) and applies injected faults (fail the next N requests with a
status, with ``Retry-After``, or delay them). Subclasses register routes in ``setup``.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from integrations.sandbox.world import World


@dataclass(slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """The body parsed as JSON (``{}`` when empty)."""
        return json.loads(self.body) if self.body else {}

    def form(self) -> dict[str, str]:
        """The body parsed as ``application/x-www-form-urlencoded``."""
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass(slots=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, payload: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        """A JSON response."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        merged = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return cls(status, body, merged)


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    conditional: bool  # carried If-None-Match / If-Modified-Since
    route: str  # the route pattern that answered ("" when none)
    at: float  # time.monotonic()


@dataclass(slots=True)
class Fault:
    status: int
    retry_after: float | None = None
    delay: float = 0.0
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    path_prefix: str = ""  # only requests whose path starts with this
    body_contains: bytes = b""  # ... and whose raw body holds this (e.g. a message's text)


Handler = Callable[[Request, "re.Match[str]"], Response]


class SandboxServer:
    """Base of the Jira, GitHub and Slack sandbox servers."""

    name = "sandbox"

    def __init__(self, world: World, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.world = world
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._faults: list[Fault] = []
        self._lost: list[tuple[str, float]] = []  # (path prefix, hold s): answers to drop
        self._delay = 0.0
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self._host, self._port = host, port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.setup()

    # ---- to override ---------------------------------------------------------------------

    def setup(self) -> None:
        """Register routes."""

    def authorize(self, request: Request) -> Response | None:
        """Return an error response when the request is not authenticated."""
        return None

    def error_response(self, fault: Fault) -> Response:
        """The response an injected fault produces (services override the body shape)."""
        headers = dict(fault.headers)
        if fault.retry_after is not None:
            headers["Retry-After"] = str(int(fault.retry_after))
        body = fault.body if fault.body is not None else {"message": "injected fault"}
        return Response.json(body, fault.status, headers)

    # ---- routes and control --------------------------------------------------------------

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` and a full-match regular expression."""
        self._routes.append((method, re.compile(pattern), pattern, handler))

    def fail_next(
        self, n: int, status: int, *, retry_after: float | None = None, body: Any = None,
        headers: dict[str, str] | None = None, path_prefix: str = "", delay: float = 0.0,
        body_contains: str = "",
    ) -> None:
        """Make the next ``n`` matching requests fail with ``status`` (matching: the path
        starts with ``path_prefix`` and the raw body contains ``body_contains``)."""
        with self._lock:
            for _ in range(n):
                self._faults.append(
                    Fault(status, retry_after, delay, body, dict(headers or {}), path_prefix,
                          body_contains.encode())
                )

    def lose_answer_next(self, n: int = 1, *, path_prefix: str = "", hold: float = 0.0) -> None:
        """Serve the next ``n`` matching requests, then (after ``hold`` seconds: time for a
        test to kill the client) close the connection instead of answering: the work is
        done and the client never learns it (a lost answer)."""
        with self._lock:
            self._lost += [(path_prefix, hold)] * n

    def _take_lost(self, path: str) -> float | None:
        with self._lock:
            for index, (prefix, hold) in enumerate(self._lost):
                if path.startswith(prefix):
                    del self._lost[index]
                    return hold
        return None

    def delay_all(self, seconds: float) -> None:
        """Delay every response by ``seconds`` until set back to 0."""
        self._delay = seconds

    def clear_faults(self) -> None:
        """Forget injected faults, lost answers and delays."""
        with self._lock:
            self._faults.clear()
            self._lost.clear()
            self._delay = 0.0

    def reset_log(self) -> None:
        """Forget recorded requests."""
        with self._lock:
            self.requests.clear()

    def counts(self) -> Counter[str]:
        """Requests per ``"METHOD route"``."""
        with self._lock:
            return Counter(f"{r.method} {r.route}" for r in self.requests)

    # ---- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._httpd is None:
            raise RuntimeError(f"{self.name} server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SandboxServer:
        """Start listening in a daemon thread."""
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without this Nagle's algorithm
            # adds ~40 ms to every answer.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: requests are recorded, not printed

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    self.command, parts.path, parse_qs(parts.query, keep_blank_values=True),
                    {k.lower(): v for k, v in self.headers.items()}, body,
                )
                response = server.dispatch(request)
                hold = server._take_lost(request.path)
                if hold is not None:
                    time.sleep(hold)
                    self.close_connection = True  # done, and never answered
                    return
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                if self.command != "HEAD" and response.body:
                    self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        self._httpd = ThreadingHTTPServer((self._host, self._port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.name}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and close the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- dispatch ------------------------------------------------------------------------

    def _take_fault(self, request: Request) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if request.path.startswith(fault.path_prefix) and (
                        fault.body_contains in request.body):
                    return self._faults.pop(index)
        return None

    def _route(self, request: Request) -> tuple[str, Response]:
        for method, pattern, name, handler in self._routes:
            if method != request.method and not (method == "GET" and request.method == "HEAD"):
                continue
            match = pattern.fullmatch(request.path)
            if match:
                with self.world.lock:
                    return name, handler(request, match)
        return "", self.not_found(request)

    def not_found(self, request: Request) -> Response:
        """The answer for a path no route knows."""
        return Response.json({"message": "Not Found"}, 404)

    def dispatch(self, request: Request) -> Response:
        """Answer one request: faults, auth, route; record the outcome."""
        conditional = "if-none-match" in request.headers or "if-modified-since" in request.headers
        route_name = ""
        if self._delay:
            time.sleep(self._delay)
        fault = self._take_fault(request)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            response = self.error_response(fault)
        else:
            denied = self.authorize(request)
            if denied is not None:
                response = denied
            else:
                route_name, response = self._route(request)
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    request.method, request.path, request.query, response.status,
                    conditional, route_name, time.monotonic(),
                )
            )
        return response
