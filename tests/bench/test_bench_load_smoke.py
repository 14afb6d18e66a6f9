"""Smoke test of ``bench/load.py`` at a tiny stretch: it runs replicas as child processes
against the ``load`` scenario and every team is polled exactly once per cycle.

No timing is asserted (benchmarks print, tests assert)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_two_replicas_poll_each_of_100_teams_once_per_cycle() -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CROSSWALK_", "JIRA_", "GITHUB_", "SLACK_", "DATABASE_URL"))}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--replicas", "2", "--days", "0.025",
         "--items", "100", "--no-slash"],
        capture_output=True, text=True, env=env, timeout=600, check=True).stdout
    assert "scenario: 100 teams, 500 repositories" in out, out
    found = re.search(r"each team polled exactly once per cycle across the replicas in "
                      r"(\d+) of (\d+) cycles", out)
    assert found is not None and found.group(1) == found.group(2) == "2", out
    assert re.search(r"replica peak RSS: \d+ MB, \d+ MB", out), out
    assert re.search(r"teams polled per replica: \d+ \(\d+%\), \d+ \(\d+%\)", out), out
    assert "GitHub rate limit spent in the busiest hour" in out and "(OK)" in out, out
