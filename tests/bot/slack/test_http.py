from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from slack_bolt import App

from bot.slack.http import HttpServer, make_wsgi_app


def _app() -> App:
    return App(token="xoxb-test", signing_secret="secret", token_verification_enabled=False)


def _serve(health: Any) -> tuple[HttpServer, threading.Thread, list[str]]:
    hooks: list[str] = []
    server = HttpServer(make_wsgi_app(_app(), health, signing_secret="secret"), host="127.0.0.1",
                        port=0, grace_seconds=10)
    thread = threading.Thread(
        target=server.serve, kwargs={"on_shutdown": [lambda: hooks.append("stopped")],
                                     "install_signals": False},
        daemon=True,
    )
    thread.start()
    return server, thread, hooks


def test_healthz_reports_ok_and_failure() -> None:
    state = {"ok": True}
    server, thread, _ = _serve(lambda: {"ok": state["ok"], "store": "ok"})
    try:
        url = f"http://127.0.0.1:{server.port}/healthz"
        assert httpx.get(url).json() == {"ok": True, "store": "ok"}
        state["ok"] = False
        assert httpx.get(url).status_code == 503
    finally:
        server.stop()
        thread.join(10)


def test_unsigned_slack_request_is_rejected_with_401() -> None:
    server, thread, _ = _serve(lambda: {"ok": True})
    try:
        response = httpx.post(
            f"http://127.0.0.1:{server.port}/slack/events", data={"command": "/crosswalk"}
        )
        assert response.status_code == 401
    finally:
        server.stop()
        thread.join(10)


def test_stop_drains_a_request_in_flight_then_runs_hooks() -> None:
    started = threading.Event()

    def slow_health() -> dict[str, Any]:
        started.set()
        time.sleep(1.0)
        return {"ok": True}

    server, thread, hooks = _serve(slow_health)
    result: dict[str, Any] = {}

    def call() -> None:
        result["response"] = httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=10)

    client = threading.Thread(target=call)
    client.start()
    assert started.wait(5)
    server.stop()
    client.join(10)
    thread.join(10)
    assert result["response"].status_code == 200
    assert not thread.is_alive()
    assert hooks == ["stopped"]
