"""Two ``crosswalk serve`` processes on one SQLite file (one machine): safe, because every
lease and ledger lives in that file — the start-up poll of a team runs in one of them only,
and both stay healthy. (Several machines need PostgreSQL: docs/operations.md says why.)"""

from __future__ import annotations

import json
import queue
import signal
import time
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from integrations.sandbox.runner import Sandbox
from tests.support.commands_world import make_world, wait_for
from tests.support.serve_process import port_from_logs, start_serve

SEARCH = "/search/jql"


def _events(lines: queue.Queue[str], seen: list[str], wanted: set[str], seconds: float) -> None:
    """Read log lines until one of ``wanted`` events shows up (all lines land in ``seen``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        try:
            if json.loads(line).get("event") in wanted:
                return
        except ValueError:
            continue
    raise AssertionError(f"none of {wanted} within {seconds} s: {seen[-5:]}")


def _healthy(url: str) -> dict[str, Any] | None:
    try:
        answer = httpx.get(f"{url}/healthz", timeout=5)
    except httpx.TransportError:
        return None
    return dict(answer.json()) if answer.status_code == 200 else None


def test_two_serve_processes_on_one_sqlite_file_poll_each_team_once(tmp_path: Path) -> None:
    with Sandbox(make_world()) as box:
        started = [start_serve(tmp_path, box.env()) for _ in range(2)]  # the same serve.db
        logs: list[list[str]] = [[], []]
        try:
            urls = [f"http://127.0.0.1:{port_from_logs(lines, seen)}"
                    for (_, lines), seen in zip(started, logs, strict=True)]
            for (_, lines), seen in zip(started, logs, strict=True):
                _events(lines, seen, {"poll.skipped", "sync.source_done"}, 60)
            for url in urls:
                health = wait_for(partial(_healthy, url), timeout=30)
                assert health["store"] == "ok" and health["scheduler"]["running"] is True
            searches = [r for r in box.jira.requests if r.path.endswith(SEARCH)]
            assert len(searches) == 1  # one team, polled by one of the two
            skipped = [json.loads(line) for seen in logs for line in seen
                       if '"poll.skipped"' in line]
            assert [e.get("team") for e in skipped] == ["payments"]
        finally:
            for proc, _ in started:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc, _ in started:
                assert proc.wait(30) == 0
