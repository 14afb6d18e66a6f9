"""``crosswalk serve`` in Socket Mode as a real process, through the sandbox's WebSocket server."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.render.alerts import SNOOZE_ACTION
from integrations.sandbox.runner import Sandbox
from integrations.sandbox.slack.socket import APP_TOKEN, SocketModeServer
from tests.support.commands_world import (
    ALICE,
    CHANNEL,
    SIGNING_SECRET,
    TOKEN,
    make_world,
    wait_for,
)
from tests.support.serve_process import port_from_logs, start_serve

TEAM = "T0SANDBOX1"


@dataclass
class Socketed:
    """A ``crosswalk serve`` connected over Socket Mode, its HTTP root and the sandbox."""

    proc: subprocess.Popen[str]
    url: str
    lines: Any  # queue.Queue[str] of stderr lines
    box: Sandbox

    @property
    def sockets(self) -> SocketModeServer:
        return self.box.slack.socket


@pytest.fixture
def socketed(tmp_path: Path) -> Iterator[Socketed]:
    with Sandbox(make_world()) as box:
        proc, lines = start_serve(tmp_path, box.env() | {"SLACK_APP_TOKEN": APP_TOKEN})
        try:
            port = port_from_logs(lines, [])
            box.slack.socket.wait_connected(timeout=30)
            yield Socketed(proc, f"http://127.0.0.1:{port}", lines, box)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def _command(text: str, response_url: str) -> dict[str, Any]:
    """A slash command's payload as Socket Mode delivers it (the HTTP form, as JSON)."""
    return {
        "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "sandbox",
        "channel_id": CHANNEL, "channel_name": "payments", "user_id": ALICE,
        "user_name": "alice", "command": "/crosswalk", "text": text, "api_app_id": "A0SANDBOX1",
        "is_enterprise_install": "false", "response_url": response_url, "trigger_id": "1.2.3",
    }


def _button(value: str, response_url: str) -> dict[str, Any]:
    """A ``block_actions`` payload for the *Snooze 1 day* button."""
    return {
        "type": "block_actions", "team": {"id": TEAM, "domain": "sandbox"},
        "user": {"id": ALICE, "username": "alice", "team_id": TEAM},
        "api_app_id": "A0SANDBOX1", "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1.000100", "channel_id": CHANNEL},
        "trigger_id": "1.2.4", "channel": {"id": CHANNEL, "name": "payments"},
        "response_url": response_url,
        "actions": [{"action_id": SNOOZE_ACTION, "block_id": "b1", "type": "button",
                     "value": value, "action_ts": "1.000200",
                     "text": {"type": "plain_text", "text": "Snooze 1 day"}}],
    }


def _reply_text(box: Sandbox, response_url: str) -> str:
    replies = wait_for(lambda: box.slack.responses_to(response_url.rsplit("/", 1)[1]))
    assert len(replies) == 1
    return str(replies[0]["text"]) + json.dumps(replies[0]["blocks"])


def test_socket_mode_acks_envelopes_replies_reconnects_and_stops_on_sigterm(
    socketed: Socketed,
) -> None:
    box, sockets = socketed.box, socketed.sockets
    assert box.slack.calls("apps.connections.open") == 1

    for text, expected in (("help", "summary"), ("teams", "*payments*")):
        response_url = box.slack.new_response_url()
        envelope = sockets.push("slash_commands", _command(text, response_url))
        assert sockets.wait_ack(envelope) == {"envelope_id": envelope}
        assert expected in _reply_text(box, response_url)

    response_url = box.slack.new_response_url()
    envelope = sockets.push("interactive", _button("no-such-alert", response_url))
    assert sockets.wait_ack(envelope)["envelope_id"] == envelope
    assert "nothing Crosswalk follows" in _reply_text(box, response_url)

    # Events come as events_api envelopes: the whole event callback as the payload.
    home = {"type": "app_home_opened", "user": ALICE, "channel": "D0ALICE", "tab": "home",
            "event_ts": "1763560800.000200"}
    envelope = sockets.push("events_api", {
        "token": "legacy-verification-token", "team_id": TEAM, "api_app_id": "A0SANDBOX1",
        "event": home, "type": "event_callback", "event_id": "Ev0HOME1",
        "event_time": 1763560800, "authorizations": [
            {"team_id": TEAM, "user_id": "U0BOT", "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False, "event_context": "4-home"})
    assert sockets.wait_ack(envelope) == {"envelope_id": envelope}
    view = wait_for(lambda: box.slack.home_view(ALICE))
    assert view is not None and view["type"] == "home" and view["blocks"]

    # Slack recycles connections: "disconnect" → a fresh URL, a new socket, same service.
    sockets.disconnect("refresh_requested")
    sockets.wait_connected(count=2)
    assert box.slack.calls("apps.connections.open") == 2
    response_url = box.slack.new_response_url()
    envelope = sockets.push("slash_commands", _command("teams", response_url))
    assert sockets.wait_ack(envelope) == {"envelope_id": envelope}
    assert "*payments*" in _reply_text(box, response_url)

    # In Socket Mode HTTP serves only the health check: events come by socket.
    assert httpx.get(f"{socketed.url}/healthz", timeout=5).status_code == 200
    assert httpx.post(f"{socketed.url}/slack/events", timeout=5).status_code == 404

    socketed.proc.send_signal(signal.SIGTERM)
    assert socketed.proc.wait(timeout=30) == 0
    logged = "".join(list(socketed.lines.queue))
    assert "serve.stopped" in logged and "Traceback" not in logged
    for secret in (APP_TOKEN, TOKEN, SIGNING_SECRET):
        assert secret not in logged


def test_serve_with_a_bad_app_token_exits_1_with_one_line(tmp_path: Path) -> None:
    with Sandbox(make_world()) as box:
        proc, lines = start_serve(tmp_path, box.env() | {"SLACK_APP_TOKEN": "xapp-1-wrong"})
        try:
            code = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        err = "".join(list(lines.queue))
        assert box.slack.calls("apps.connections.open") == 1
    assert code == 1
    assert "Traceback" not in err and "xapp-1-wrong" not in err
    assert "invalid_auth" in err and "SLACK_APP_TOKEN" in err


def test_apps_connections_open_wants_the_app_token_and_urls_are_single_use() -> None:
    with Sandbox(make_world()) as box:
        api = f"{box.slack.url}/api/"
        for token, error in (("xapp-1-wrong", "invalid_auth"),
                             (box.world.slack.bot_token, "not_allowed_token_type")):
            with pytest.raises(SlackApiError) as failed:
                WebClient(token=token, base_url=api).apps_connections_open(app_token=token)
            assert failed.value.response["error"] == error

        url = str(WebClient(base_url=api).apps_connections_open(app_token=APP_TOKEN)["url"])
        assert url.startswith("ws://127.0.0.1:")
        host, port = url.removeprefix("ws://").split("/", 1)[0].split(":")
        path = "/" + url.split("/", 3)[3]
        first = _upgrade(host, int(port), path)
        assert first.startswith("HTTP/1.1 101")
        assert _upgrade(host, int(port), path).startswith("HTTP/1.1 400")  # used ticket
    wait_for(lambda: not box.slack.socket.running, timeout=5)  # stops with the Slack server


def _upgrade(host: str, port: int, path: str) -> str:
    """The status line and headers a raw WebSocket upgrade request gets."""
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            if not chunk:
                break
            head += chunk
    text = head.decode("latin-1")
    if text.startswith("HTTP/1.1 101"):
        assert "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in text  # RFC 6455 1.3
    return text
