"""Hostile HTTP against ``serve``'s WSGI front (issue #14, defects 1-3): a 4xx before anything
is parsed, no traceback in the log, and connections that cannot starve ``/healthz``.

Real sockets on 127.0.0.1 against the real waitress server; every request loop is bounded.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult

from bot.core.logs import configure_logging
from bot.slack.http import MAX_BODY, HttpServer, make_wsgi_app

SECRET = "hostile-test-secret"


@pytest.fixture
def server() -> Iterator[HttpServer]:
    def authorize(**_: Any) -> AuthorizeResult:  # no auth.test: nothing leaves 127.0.0.1
        return AuthorizeResult(enterprise_id=None, team_id="T1", bot_token="xoxb-test",
                               bot_user_id="UBOT", bot_id="BBOT")

    app = App(signing_secret=SECRET, authorize=authorize)

    @app.command("/crosswalk")
    def command(ack: Any, body: dict[str, Any]) -> None:
        ack(f"ok {body['text']}")

    running = HttpServer(make_wsgi_app(app, lambda: {"ok": True}, signing_secret=SECRET),
                         host="127.0.0.1", port=0, grace_seconds=5)
    thread = threading.Thread(target=running.serve, kwargs={"install_signals": False},
                              daemon=True)
    thread.start()
    yield running
    running.stop()
    thread.join(10)


def _url(server: HttpServer, path: str = "/slack/events") -> str:
    return f"http://127.0.0.1:{server.port}{path}"


def _signed(body: bytes, content_type: str = "application/x-www-form-urlencoded",
            timestamp: str | None = None) -> dict[str, str]:
    stamp = timestamp or str(int(time.time()))
    mac = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={mac.hexdigest()}",
            "Content-Type": content_type}


def _rss_mb() -> float:
    line = next(x for x in Path("/proc/self/status").read_text().splitlines()
                if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def test_a_200_mb_unsigned_body_is_refused_413_without_being_read(server: HttpServer) -> None:
    before = _rss_mb()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 209715200\r\n\r\n")
        chunk = b"a" * 65536
        try:
            for _ in range(64):  # 4 MiB at most: enough to show nothing waits for the rest
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: what we want
        status = sock.recv(200).split(b"\r\n", 1)[0]
    assert b" 413 " in status
    assert _rss_mb() - before < 50


def test_a_body_just_over_the_cap_is_413_and_one_under_it_is_judged_by_its_signature(
    server: HttpServer
) -> None:
    big = b"text=" + b"a" * MAX_BODY
    assert httpx.post(_url(server), content=big, headers=_signed(big)).status_code == 413
    small = b"text=" + b"a" * (MAX_BODY - 100)
    assert httpx.post(_url(server), content=small).status_code == 401


@pytest.mark.parametrize("body,content_type", [
    (b"payload=garbage", "application/x-www-form-urlencoded"),
    (b'payload={"type": "block_actions", "actions": [', "application/x-www-form-urlencoded"),
    (b"payload=" + b"[" * 30000 + b"]" * 30000, "application/x-www-form-urlencoded"),
    (b"command=%2Fcrosswalk&text=help", "application/json"),
    (b'{"type": ' * 5000, "application/json"),
    (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
], ids=["garbage", "truncated", "nested", "json-type-form-body", "nested-json", "not-utf8"])
def test_malformed_signed_input_is_400_with_no_traceback(
    server: HttpServer, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    with caplog.at_level(logging.DEBUG):
        signed = httpx.post(_url(server), content=body, headers=_signed(body, content_type))
        unsigned = httpx.post(_url(server), content=body,
                              headers={"Content-Type": content_type})
    assert signed.status_code == 400 and unsigned.status_code == 401
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("timestamp", ["abc", "", "-5", "1e9", "99999999999999999999"])
def test_a_bad_timestamp_is_401_with_no_traceback(
    server: HttpServer, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    body = b"command=%2Fcrosswalk&text=help"
    headers = {**_signed(body), "X-Slack-Request-Timestamp": timestamp}
    with caplog.at_level(logging.DEBUG):
        assert httpx.post(_url(server), content=body, headers=headers).status_code == 401
    assert not [r for r in caplog.records if r.exc_info]


def test_a_signed_command_still_reaches_bolt_with_its_body(server: HttpServer) -> None:
    body = urlencode({"command": "/crosswalk", "text": "help", "user_id": "U1",
                      "team_id": "T1", "channel_id": "C1", "response_url": ""}).encode()
    answer = httpx.post(_url(server), content=body, headers=_signed(body))
    assert answer.status_code == 200 and answer.text == "ok help"


def test_the_rejections_never_log_the_body(
    server: HttpServer, caplog: pytest.LogCaptureFixture
) -> None:
    secret_url = "https://hooks.slack.com/commands/T1/999/SECRETRESPONSEURL"
    body = urlencode({"token": "legacy-verification-token", "response_url": secret_url,
                      "text": "x"}).encode()
    with caplog.at_level(logging.DEBUG):
        httpx.post(_url(server), content=body,
                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    text = "\n".join(f"{r.getMessage()} {json.dumps(getattr(r, 'fields', {}))}"
                     for r in caplog.records)
    assert "SECRETRESPONSEURL" not in text and "legacy-verification-token" not in text


def test_110_half_open_connections_do_not_starve_healthz(server: HttpServer) -> None:
    sockets = []
    try:
        for _ in range(110):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # never finished
            sockets.append(sock)
        answer = httpx.get(_url(server, "/healthz"), timeout=5)
        assert answer.status_code == 200
    finally:
        for sock in sockets:
            sock.close()


def test_other_paths_and_methods_are_refused_before_bolt(server: HttpServer) -> None:
    assert httpx.get(_url(server)).status_code == 405
    assert httpx.post(_url(server, "/elsewhere"), content=b"x").status_code == 404


def test_no_log_line_carries_a_body_response_url_or_token(
    server: HttpServer, tmp_path: Path,
) -> None:
    """A wrong signing secret, then a right one, with every logger at DEBUG through the one
    handler serve installs: the response_url and the legacy token appear in no line."""
    response_url = "https://hooks.slack.com/commands/T1/424242/Zs3cr3tResponseP4th"
    legacy = "gIkuvaNzQIHg97ATvDxqgjtO"
    form = urlencode({"token": legacy, "team_id": "T1", "user_id": "U1", "command":
                      "/crosswalk", "text": "help", "response_url": response_url,
                      "trigger_id": "1.2.3", "channel_id": "C1"}).encode()
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    handler = configure_logging(False, logging.DEBUG, stream=stream)
    try:
        wrong = {**_signed(form), "X-Slack-Signature": "v0=" + "0" * 64}
        assert httpx.post(_url(server), content=form, headers=wrong).status_code == 401
        assert httpx.post(_url(server), content=form, headers=_signed(form)).status_code == 200
        # The same body logged by anything (a library at DEBUG) is redacted too.
        logging.getLogger("slack_bolt.App").debug("Request body: %s", form.decode())
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    logged = stream.getvalue()
    assert logged  # lines were written
    for secret in (legacy, "Zs3cr3tResponseP4th", "424242", "hooks.slack.com%2Fcommands"):
        assert secret not in logged
