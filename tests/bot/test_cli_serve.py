"""``crosswalk serve`` as a real process against the sandbox: health, a signed command, SIGTERM."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.cli_serve import health_only
from integrations.sandbox.runner import Sandbox
from integrations.sandbox.signing import send_slash_command

sys.path.insert(0, str(Path(__file__).parent))
from test_commands_support import (  # type: ignore[import-not-found, unused-ignore]
    ALICE,
    CHANNEL,
    SIGNING_SECRET,
    TOKEN,
    config,
    make_world,
    wait_for,
)

CROSSWALK = Path(sys.executable).parent / "crosswalk"


@dataclass
class Running:
    """A ``crosswalk serve`` process, its HTTP root and its stderr lines."""

    proc: subprocess.Popen[str]
    url: str
    lines: queue.Queue[str]
    box: Sandbox


def _port_from_logs(lines: queue.Queue[str], seen: list[str]) -> int:
    while True:
        line = lines.get(timeout=60)
        seen.append(line)
        text = line
        try:
            text = str(json.loads(line).get("event", line))
        except ValueError:
            pass
        if "serve.listening" in text:
            return int(text.rsplit("port=", 1)[1].split()[0])


def start_serve(
    tmp_path: Path, sandbox_env: dict[str, str], *args: str,
) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """Start ``crosswalk serve --host 127.0.0.1 --port 0`` with the sandbox's environment."""
    data = config()
    del data["teams"]["search"]  # the sandbox workspace has only the payments channel
    path = tmp_path / "crosswalk.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CROSSWALK_", "JIRA_", "GITHUB_", "SLACK_", "DATABASE_URL"))}
    env.update(sandbox_env, CROSSWALK_CONFIG=str(path),
               DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}")
    command = [str(CROSSWALK)] if CROSSWALK.exists() else [
        sys.executable, "-c", "from bot.cli import main; main()"]
    proc = subprocess.Popen(
        [*command, "serve", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    with Sandbox(make_world()) as box:
        proc, lines = start_serve(tmp_path, box.env())
        seen: list[str] = []
        try:
            port = _port_from_logs(lines, seen)
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
