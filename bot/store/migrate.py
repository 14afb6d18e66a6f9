"""Alembic migrations, configured in code: no alembic.ini is needed at runtime."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from bot.store.db import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Alembic's ``context`` is module-global: migrations in one process run one at a time.
# Across processes the database serialises them (see migrations/env.py).
_LOCK = threading.Lock()


def alembic_config(url: str) -> Config:
    """An Alembic ``Config`` pointing at the packaged migrations and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Passed as an attribute, not an ini option: URLs may hold "%" (ini interpolation).
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    with _LOCK:
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Revert migrations down to ``revision`` (``"base"`` removes every table)."""
    with _LOCK:
        command.downgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database is at, or None for an unmigrated database."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
