"""A ``crosswalk serve`` child process for tests: start it, read its port from its logs."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import yaml

from tests.support.commands_world import config

CROSSWALK = Path(sys.executable).parent / "crosswalk"


def port_from_logs(lines: queue.Queue[str], seen: list[str]) -> int:
    """The port of the first ``serve.listening`` line (every line read lands in ``seen``)."""
    while True:
        line = lines.get(timeout=60)
        seen.append(line)
        try:
            data = json.loads(line)
        except ValueError:  # a terminal's key=value line
            if "serve.listening" in line:
                return int(line.rsplit("port=", 1)[1].split()[0])
            continue
        if data.get("event") == "serve.listening":
            return int(data["port"])


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
        sys.executable, "-c", "from bot.cli.entry import run; run()"]
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
