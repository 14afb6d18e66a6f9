"""Stopping a sync (serve's SIGTERM) at a page boundary: the rerun completes the same store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config.settings import Settings
from integrations.sandbox.runner import Sandbox
from tests.support.sync_records import stored_facts, stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for, open_store


def test_a_stop_between_pages_then_a_rerun_equals_an_uninterrupted_run(
    sandbox: Sandbox, settings: Settings, tmp_path: Path,
) -> None:
    whole = open_store(f"sqlite:///{tmp_path / 'whole.db'}")
    make_engine_for(sandbox, settings, whole).sync_all(NOW, backfill_since=SINCE)

    store = open_store(f"sqlite:///{tmp_path / 'stopped.db'}")
    pages: list[Any] = []
    engine = make_engine_for(sandbox, settings, store)

    def progress(*args: Any, **kwargs: Any) -> None:
        pages.append(args)
        if len(pages) == 2:
            engine.stop()  # as serve's shutdown does, from another thread

    engine.progress = progress
    stopped = engine.sync_all(NOW, backfill_since=SINCE)
    assert engine.stopping.is_set()
    assert stored_records(store) != stored_records(whole)  # it did stop part-way
    assert not any(r.status == "failed" for r in stopped.reports)
    # No lease is left behind: a fresh engine (a restart) carries on at once.
    rerun = make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    assert not rerun.failed
    assert stored_records(store) == stored_records(whole)
    assert stored_facts(store) == stored_facts(whole)
