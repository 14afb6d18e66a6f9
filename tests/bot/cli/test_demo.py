from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.cli.demo import demo_now


def test_demo_clock_is_the_latest_weekday_eleven_in_london() -> None:
    # Tue 24 Nov 2026 00:20 UTC → Mon 23 Nov 11:00 London (GMT).
    assert demo_now(datetime(2026, 11, 24, 0, 20, tzinfo=UTC)) == datetime(
        2026, 11, 23, 11, 0, tzinfo=UTC)
    # Sunday → Friday; in summer London is UTC+1.
    assert demo_now(datetime(2026, 7, 12, 15, 0, tzinfo=UTC)) == datetime(
        2026, 7, 10, 10, 0, tzinfo=UTC)
    # A weekday after 11:00 is that day.
    assert demo_now(datetime(2026, 11, 25, 12, 0, tzinfo=UTC)) == datetime(
        2026, 11, 25, 11, 0, tzinfo=UTC)


def test_demo_runs_the_whole_flow_with_no_accounts(tmp_path: Path) -> None:
    crosswalk = shutil.which("crosswalk", path=str(Path(sys.executable).parent))
    assert crosswalk is not None
    # Only PATH and HOME: no tokens, no config, no database of the caller's.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    result = subprocess.run(
        [crosswalk, "demo", "--dir", str(tmp_path / "demo")], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    steps = ("1. A sandbox", "2. Sync", "3. The report", "4. Weekly digests", "5. Alerts",
             "6. Slack")
    for step in steps:
        assert step in out
    assert "total:" in out and " 0 failed" in out
    assert out.count("a second run says 'already_posted'") == 3  # one per team
    assert "channel: PAY-" in out  # a handoff waiting past its threshold
    assert "/crosswalk summary →" in out and "/crosswalk item PAY-" in out
    assert "as `crosswalk review`" in out and "payments  review  " in out
    assert "where the time went" in out
    # storefront ships by deployments: read as releases, with its failed attempts counted
    assert "production deployments" in out and "storefront" in out
    assert "failed deployment attempts" in out
    # "What next" names this very executable and the week printed above.
    week = out.split("The report of the last complete week (")[1][:8]
    assert f"{crosswalk} report --config " in out and f"--week {week} --format json" in out
    printed = out.split("the report above as JSON:\n")[1].splitlines()[0].strip()
    again = subprocess.run(["bash", "-c", printed], env=env, cwd=tmp_path, capture_output=True,
                           text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stderr[-2000:]
    assert {r["week"] for r in json.loads(again.stdout)} == {week}
    assert "App Home →" in out and "Waiting on you" in out
    charts = sorted((tmp_path / "demo").glob("*.png"))
    assert [c.name.split("-")[0] for c in charts] == ["checkout", "payments", "storefront"]
    assert all(c.read_bytes().startswith(b"\x89PNG") for c in charts)
    assert "Traceback" not in result.stderr
    # The demo narrates on stdout; info log lines stay out of the way unless asked for.
    assert '"level": "info"' not in result.stderr
    assert "token" not in result.stderr.lower()
