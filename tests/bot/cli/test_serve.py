"""``crosswalk serve`` as a real process against the sandbox: health, a signed command, SIGTERM."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.cli.serve import health_only
from integrations.sandbox.runner import Sandbox
from integrations.sandbox.slack.signing import send_slash_command
from tests.support.commands_world import (
    ALICE,
    CHANNEL,
    SIGNING_SECRET,
    TOKEN,
    make_world,
    wait_for,
)
from tests.support.serve_process import port_from_logs, start_serve


@dataclass
class Running:
    """A ``crosswalk serve`` process, its HTTP root and its stderr lines."""

    proc: subprocess.Popen[str]
    url: str
    lines: queue.Queue[str]
    box: Sandbox


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    with Sandbox(make_world()) as box:
        proc, lines = start_serve(tmp_path, box.env())
        seen: list[str] = []
        try:
            port = port_from_logs(lines, seen)
            yield Running(proc, f"http://127.0.0.1:{port}", lines, box)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def _healthy(url: str) -> dict[str, Any] | None:
    try:
        answer = httpx.get(f"{url}/healthz", timeout=5)
    except httpx.TransportError:
        return None
    body: dict[str, Any] = answer.json()
    return body if answer.status_code == 200 else None


def test_serve_reports_health_answers_a_signed_command_and_stops_on_sigterm(
    running: Running,
) -> None:
    health = wait_for(lambda: _healthy(running.url), timeout=30)
    assert health["store"] == "ok" and health["scheduler"]["running"] is True

    response_url = running.box.slack.new_response_url()
    answer = send_slash_command(
        f"{running.url}/slack/events", SIGNING_SECRET, command="/crosswalk", text="teams",
        user_id=ALICE, channel_id=CHANNEL, team_id="T0SANDBOX1", response_url=response_url,
        trigger_id="1.2.3",
    )
    assert answer.status_code == 200
    reply = wait_for(lambda: running.box.slack.responses_to(response_url.rsplit("/", 1)[1]))
    assert "*payments*" in str(reply[0]["text"]) + json.dumps(reply[0]["blocks"])

    bad = send_slash_command(
        f"{running.url}/slack/events", "wrong-secret", command="/crosswalk", text="teams",
        user_id=ALICE, channel_id=CHANNEL, team_id="T0SANDBOX1", response_url=response_url,
        trigger_id="1.2.3",
    )
    assert bad.status_code == 401

    running.proc.send_signal(signal.SIGTERM)
    assert running.proc.wait(timeout=30) == 0
    logged = "".join(list(running.lines.queue))
    assert "serve.stopped" in logged and "scheduler.stopped" in logged
    assert SIGNING_SECRET not in logged and TOKEN not in logged


def test_serve_without_the_signing_secret_exits_2_naming_it(tmp_path: Path) -> None:
    with Sandbox(make_world()) as box:
        box_env = box.env()
        del box_env["SLACK_SIGNING_SECRET"]
        proc, lines = start_serve(tmp_path, box_env)
        assert proc.wait(timeout=60) == 2
        err = "".join(list(lines.queue))
    assert "SLACK_SIGNING_SECRET" in err



def test_socket_mode_http_serves_only_healthz() -> None:
    def inner(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [])
        return [b"inner"]

    wsgi = health_only(inner)
    statuses: list[str] = []
    assert wsgi({"PATH_INFO": "/healthz"}, lambda s, h: statuses.append(s)) == [b"inner"]
    assert wsgi({"PATH_INFO": "/slack/events"}, lambda s, h: statuses.append(s)) == [b"Not Found"]
    assert statuses == ["200 OK", "404 Not Found"]


def test_sigterm_stops_within_ten_seconds_with_a_slow_poll_and_a_slow_reply(
    tmp_path: Path,
) -> None:
    """A container runtime sends SIGKILL 10 s after SIGTERM: serve must be gone by then,
    with a poll mid-way (every Jira and GitHub answer takes 2 s) and a reply stuck on a
    Slack that takes 20 s to answer."""
    with Sandbox(make_world()) as box:
        box.jira.delay_all(2.0)
        box.github.delay_all(2.0)
        proc, lines = start_serve(tmp_path, box.env())
        try:
            url = f"http://127.0.0.1:{port_from_logs(lines, [])}"
            wait_for(lambda: _healthy(url), timeout=30)
            box.slack.delay_all(20.0)
            answer = send_slash_command(
                f"{url}/slack/events", SIGNING_SECRET, command="/crosswalk", text="teams",
                user_id=ALICE, channel_id=CHANNEL, team_id="T0SANDBOX1",
                response_url=box.slack.new_response_url(), trigger_id="1.2.3",
            )
            assert answer.status_code == 200  # acked; the reply is now stuck on Slack
            proc.send_signal(signal.SIGTERM)
            # Not a timing measurement: the runtime's deadline, after which it would kill.
            assert proc.wait(timeout=10) == 0
        finally:
            box.slack.delay_all(0.0)
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    logged = "".join(list(lines.queue))
    assert "serve.stopped" in logged
    assert "serve.forced_exit" in logged or "sync.stopped" in logged
    assert "Traceback" not in logged
