"""``crosswalk sandbox`` as a real process: prints working exports, stops cleanly on signals."""

from __future__ import annotations

import os
import queue
import shlex
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from bot.cli.sandbox import sandbox

CROSSWALK = Path(sys.executable).parent / "crosswalk"


def _start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CROSSWALK_", "JIRA_",
                                                                     "GITHUB_", "SLACK_"))}
    command = [str(CROSSWALK)] if CROSSWALK.exists() else [
        sys.executable, "-c", "from bot.cli.entry import run; run()"]
    proc = subprocess.Popen(
        [*command, "sandbox", "--scenario", "small", "--config-out", str(tmp_path / "c.yaml"),
         *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return proc, lines


def _exports(lines: queue.Queue[str]) -> tuple[dict[str, str], list[str]]:
    exports: dict[str, str] = {}
    comments: list[str] = []
    while True:
        line = lines.get(timeout=60).rstrip("\n")
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            exports[name] = shlex.split(value)[0]
        else:
            comments.append(line)
        if "sandbox running" in line:
            return exports, comments


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_sandbox_prints_working_exports_and_stops_on_signal(
    tmp_path: Path, signum: signal.Signals,
) -> None:
    proc, lines = _start(tmp_path)
    try:
        env, comments = _exports(lines)
        assert env["CROSSWALK_CONFIG"] == str(tmp_path / "c.yaml")
        assert (tmp_path / "c.yaml").is_file()
        assert any("scenario small: 2 teams (payments, checkout)" in c for c in comments)
        with httpx.Client(timeout=10) as http:
            jira = http.get(f"{env['JIRA_URL']}/rest/api/3/myself",
                            auth=(env["JIRA_EMAIL"], env["JIRA_API_TOKEN"]))
            assert jira.status_code == 200 and jira.json()["emailAddress"] == env["JIRA_EMAIL"]
            github = http.get(f"{env['GITHUB_API_URL']}/user",
                              headers={"Authorization": f"token {env['GITHUB_TOKEN']}"})
            assert github.status_code == 200 and github.json()["login"]
            slack = http.post(f"{env['SLACK_API_URL']}auth.test",
                              headers={"Authorization": f"Bearer {env['SLACK_BOT_TOKEN']}"})
            assert slack.json()["ok"] is True
            refused = http.get(f"{env['GITHUB_API_URL']}/user",
                               headers={"Authorization": "token wrong"})
            assert refused.status_code == 401
        proc.send_signal(signum)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_command_object_rejects_an_unknown_scenario() -> None:
    result = CliRunner().invoke(sandbox, ["--scenario", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.output


def test_main_group_lists_the_sandbox_command() -> None:
    from bot.cli.main import main

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0 and "sandbox" in result.output
