"""Start-up figures: ``crosswalk --help``, one ``report`` as a whole process, idle ``serve`` RSS.

- ``--help``: wall time of the whole process, median of ``--repeat`` runs;
- ``report``: ``crosswalk report --team T --week W --format json`` on the demo's store
  (``crosswalk demo`` is run once first, into a temporary directory), median wall time;
- idle ``serve``: VmRSS and its peak (VmHWM) of a ``serve`` on the ``small`` sandbox after
  its start-up poll, ``--idle`` seconds after it started listening.

Each figure is printed beside its target. A benchmark prints, never asserts.

Usage: ``python bench/startup.py [--repeat N] [--idle S]``.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from slash import CROSSWALK, start_serve

from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox

TARGETS = {"help": 0.25, "report": 0.45, "rss_mb": 110.0}
COMMAND = [str(CROSSWALK)] if CROSSWALK.exists() else [
    sys.executable, "-c", "from bot.cli.entry import run; run()"]
REPORT_COMMAND = re.compile(r"DATABASE_URL=(\S+) \S+ report --config (\S+) --week (\S+)")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CROSSWALK_", "JIRA_", "GITHUB_", "SLACK_", "DATABASE_URL"))}
    return {**env, **extra}


def wall(args: list[str], env: dict[str, str], repeat: int) -> float:
    """Median wall seconds of the whole process ``args`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def verdict(figure: float, target: float) -> str:
    return "OK" if figure <= target else "MISSED"


def report_figure(repeat: int, tmp: Path) -> tuple[float, str]:
    demo = subprocess.run([*COMMAND, "demo"], env=clean_env(), cwd=tmp, capture_output=True,
                          text=True, check=True, timeout=600)
    found = REPORT_COMMAND.search(demo.stdout)
    if found is None:
        raise SystemExit("the demo printed no report command")
    database, config, week = found.groups()
    team = next(line.strip().rstrip(":") for line in
                Path(config).read_text(encoding="utf-8").split("teams:", 1)[1].splitlines()
                if line.strip())
    args = [*COMMAND, "report", "--config", config, "--team", team, "--week", week,
            "--format", "json"]
    return wall(args, clean_env(DATABASE_URL=database), repeat), f"{team} {week}"


def idle_rss(idle: float, tmp: Path) -> tuple[float, float]:
    """VmRSS and VmHWM (MB) of an idle serve on the small sandbox."""
    with Sandbox(generate("small", seed=7, now=datetime.now(UTC))) as box:
        config = box.write_config(tmp / "serve.yaml")
        env = clean_env(**box.env(), CROSSWALK_CONFIG=str(config),
                        DATABASE_URL=f"sqlite:///{tmp / 'serve.db'}")
        proc, _port = start_serve(env)
        try:
            time.sleep(idle)
            status = Path(f"/proc/{proc.pid}/status").read_text(encoding="utf-8")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    kb = {k: int(v.split()[0]) for k, v in
          (line.split(":", 1) for line in status.splitlines() if ":" in line)
          if k in ("VmRSS", "VmHWM")}
    return kb["VmRSS"] / 1024, kb["VmHWM"] / 1024


def main(argv: list[str]) -> None:
    """Measure and print each figure beside its target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    help_s = wall([*COMMAND, "--help"], clean_env(), args.repeat)
    print(f"crosswalk --help: {help_s:.2f} s wall, median of {args.repeat} "
          f"(target <= {TARGETS['help']} s) {verdict(help_s, TARGETS['help'])}")
    with tempfile.TemporaryDirectory() as tmp:
        report_s, which = report_figure(args.repeat, Path(tmp))
        print(f"crosswalk report --team --week --format json ({which}, demo store): "
              f"{report_s:.2f} s wall, median of {args.repeat} (target <= {TARGETS['report']} s)"
              f" {verdict(report_s, TARGETS['report'])}")
        rss, peak = idle_rss(args.idle, Path(tmp))
    print(f"idle serve ({args.idle:.0f} s after listening, small sandbox): RSS {rss:.0f} MB, "
          f"peak {peak:.0f} MB (target <= {TARGETS['rss_mb']:.0f} MB) "
          f"{verdict(rss, TARGETS['rss_mb'])}")


if __name__ == "__main__":
    main(sys.argv[1:])
