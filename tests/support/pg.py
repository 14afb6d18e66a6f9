"""A PostgreSQL database of a test's own on the test server (created, migrated, dropped)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot.store.migrate import upgrade


@contextmanager
def fresh_database(
    server_url: str, prefix: str = "cw_test", *, migrated: bool = True
) -> Iterator[str]:
    """The URL of a new database on ``server_url``'s server (migrated to head unless
    ``migrated=False``); dropped afterwards (``WITH (FORCE)``: connections a killed process
    left behind do not keep it)."""
    base = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    # pre-ping: a test may restart the server between the CREATE and the DROP
    admin = create_engine(base, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = base.set(database=name).render_as_string(hide_password=False)
        if migrated:
            upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
