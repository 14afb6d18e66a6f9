"""Fixtures of the sync tests: a small generated world behind the sandbox, a SQLite store,
and engines built with the real adapters (tiny backoffs, no throttle)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.settings import Settings, parse_settings
from bot.store import Store, make_engine
from bot.store.migrate import upgrade
from bot.sync import SyncEngine
from integrations.github import GitHubConfig, GitHubHost, Policy
from integrations.jira import JiraConfig, JiraSource, RetryPolicy
from integrations.sandbox.generator import generate
from integrations.sandbox.runner import Sandbox, scenario_config
from integrations.sandbox.world import World

sys.path.insert(0, str(Path(__file__).parent))

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
SINCE = datetime(2025, 1, 1, tzinfo=UTC)


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


def open_store(url: str) -> Store:
    upgrade(url)
    return Store(make_engine(url))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(f"sqlite:///{tmp_path / 'crosswalk.db'}")


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database of this test's own, migrated, dropped afterwards."""
    base = make_url(postgres_url)
    name = f"cw_sync_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = base.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def make_engine_for(
    box: Sandbox, settings: Settings, store: Store, *, timeout: float = 5.0,
    env: dict[str, str] | None = None, **kwargs: Any,
) -> SyncEngine:
    """An engine over fresh adapters pointed at ``box`` (``env`` overrides its variables)."""
    env = {**box.env(), **(env or {})}
    jira = JiraSource(
        JiraConfig(url=env["JIRA_URL"], email=env["JIRA_EMAIL"],
                   api_token=env["JIRA_API_TOKEN"], timeout=timeout),
        retry=RetryPolicy(tries=4, base_delay=0.01, max_delay=5.0),
    )
    github = GitHubHost(
        GitHubConfig(token=env["GITHUB_TOKEN"], api_url=env["GITHUB_API_URL"], timeout=timeout,
                     throttle=0),
        policy=Policy(tries=4, base_delay=0.01, max_wait=5.0),
    )
    return SyncEngine(store, settings, jira, github, clock=lambda: NOW, **kwargs)
