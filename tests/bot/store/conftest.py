"""Store fixtures: every database test runs on SQLite (a temp file) and on PostgreSQL.

PostgreSQL tests get databases of their own (created here, dropped afterwards), so
test runs never see each other's rows; each store test starts from empty tables.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import Engine

from bot.store import migrate
from bot.store.db import make_engine
from bot.store.repo import Store
from bot.store.tables import metadata
from tests.support.pg import fresh_database

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _fresh_database(request: pytest.FixtureRequest, tmp: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database of the requested backend, removed afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp.mktemp('store') / 'crosswalk.db'}"
        return
    with fresh_database(request.getfixturevalue("postgres_url"), migrated=False) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def empty_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of an empty, unmigrated database (one per test)."""
    yield from _fresh_database(request, tmp_path_factory)


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of a database upgraded to head (one per test run and backend)."""
    for url in _fresh_database(request, tmp_path_factory):
        migrate.upgrade(url)
        yield url


@pytest.fixture(scope="session")
def migrated_engine(migrated_url: str) -> Iterator[Engine]:
    """One engine over the migrated database, shared by the run's store tests."""
    engine = make_engine(migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(migrated_engine: Engine) -> Store:
    """A Store over the shared database, emptied before the test."""
    with migrated_engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
    return Store(migrated_engine)
