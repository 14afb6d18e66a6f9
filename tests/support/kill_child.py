"""A sync run in a child process, to be killed: ``kill_child.py CONFIG DATABASE_URL SINCE``.

Builds the engine as the CLI does (``clients_for`` from the environment), without
PyGithub's pause between requests, says ``ready``, waits for a line on stdin, then
backfills from SINCE.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

from bot.config.env import Env
from bot.config.settings import load_settings
from bot.store import Store, make_engine
from bot.store.migrate import upgrade
from bot.sync import SyncEngine
from bot.sync.clients import clients_for


def main(config: str, url: str, since: str) -> None:
    """Backfill every team of ``config`` into ``url``."""
    settings = load_settings(config)
    upgrade(url)
    issues, code = clients_for(settings, Env.from_mapping(os.environ), throttle=0)
    engine = SyncEngine(Store(make_engine(url)), settings, issues, code)
    start = datetime.fromisoformat(since)
    print("ready", flush=True)
    sys.stdin.readline()  # the test says when: children warm up in parallel, run in turn
    summary = engine.sync_all(datetime.now(UTC), backfill_since=start)
    print("\n".join(summary.lines()), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
