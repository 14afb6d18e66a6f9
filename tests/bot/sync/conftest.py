"""Fixtures of the sync tests: a small generated world behind the sandbox, a SQLite store,
and a PostgreSQL database of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config.settings import Settings, parse_settings
from bot.store import Store
from integrations.sandbox.generator.organisation import generate
from integrations.sandbox.runner import Sandbox, scenario_config
from integrations.sandbox.world import World
from tests.support.pg import fresh_database
from tests.support.sync_world import NOW, open_store


@pytest.fixture
def world() -> World:
    return generate("small", seed=3, now=NOW)


@pytest.fixture
def sandbox(world: World) -> Iterator[Sandbox]:
    with Sandbox(world) as box:
        yield box


@pytest.fixture
def settings(world: World) -> Settings:
    return parse_settings(scenario_config(world))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'crosswalk.db'}")


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database of this test's own, migrated, dropped afterwards."""
    with fresh_database(postgres_url, "cw_sync") as url:
        yield url
