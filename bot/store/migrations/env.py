"""Alembic environment: runs online against the URL passed by ``bot.store.migrate``."""

from __future__ import annotations

from alembic import context

from bot.store.db import make_engine
from bot.store.tables import metadata

# Arbitrary, fixed key of the PostgreSQL advisory lock held while migrating.
MIGRATION_LOCK = 7_204_220_001

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
if not url:
    raise RuntimeError("no database URL: call bot.store.migrate.upgrade(url)")

engine = make_engine(str(url))
try:
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # SQLite can roll DDL back, but Alembic assumes it cannot and would commit after
            # each statement: two processes upgrading a new file at once then both ran 0002.
            # One transaction (BEGIN IMMEDIATE, see bot.store.db) serialises them instead.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Replicas starting together upgrade one after another; the later ones
                # then find the database at head. (SQLite's BEGIN IMMEDIATE does the same.)
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            context.run_migrations()
finally:
    engine.dispose()
