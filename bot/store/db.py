"""Engines for SQLite and PostgreSQL, and the UTC datetime column type."""

from __future__ import annotations

import sqlite3
import time
import weakref
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String, event
from sqlalchemy.engine import URL, Connection, Dialect, Engine, make_url
from sqlalchemy.engine import create_engine as _create_engine
from sqlalchemy.exc import ArgumentError
from sqlalchemy.types import TypeDecorator, TypeEngine

from bot.core.errors import ConfigError

# Writers wait this long for SQLite's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Connection execution option: a SQLite transaction that only reads (plain BEGIN, no lock).
READ_ONLY = "crosswalk_read_only"
_SQLITE_TEXT_WIDTH = 26  # "2026-11-09T08:00:00.000000": fixed width, so text order = time order


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC: ``timestamptz`` on PostgreSQL, fixed-width text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Pick the column type of the backend."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(_SQLITE_TEXT_WIDTH))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        """Refuse naive datetimes; convert aware ones to UTC."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} refused: the store keeps aware UTC datetimes"
            )
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None).isoformat(timespec="microseconds")
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if isinstance(value, str):
            try:
                # Stored naive UTC: parsing it with the offset is 5x cheaper than .replace()
                # (a report reads tens of thousands of these) and gives the same UTC instant.
                return datetime.fromisoformat(value + "+00:00")
            except ValueError:  # written with an offset by something else
                parsed = datetime.fromisoformat(value)
                aware = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
                return aware.astimezone(UTC)
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected stored datetime {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


SUPPORTED = "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB"


def make_engine(url: str) -> Engine:
    """An Engine for ``url``: SQLite in WAL mode with a busy timeout, or PostgreSQL (psycopg 3).

    ``ConfigError`` (naming ``DATABASE_URL``) for a URL that is not one of those two, or
    whose driver is not installed.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL: not a database URL; expected {SUPPORTED}") from None
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql", "postgres"}:
        raise ConfigError(
            f"DATABASE_URL: {backend!r} databases are not supported; use {SUPPORTED}"
        )
    try:
        engine = _engine_for(parsed)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"DATABASE_URL: its driver {exc.name!r} is not installed (PostgreSQL needs the "
            "package's `postgres` extra: pip install 'crosswalk-flow[postgres]')"
        ) from None
    # Its idle connections close at exit even when the process leaves without tearing down
    # (bot/cli/entry.py): SQLite moves its WAL into the database file as the last connection
    # closes, so the file alone holds every commit (a copy of it is a whole backup).
    weakref.finalize(engine, _dispose, weakref.ref(engine))
    return engine


def _dispose(ref: weakref.ref[Engine]) -> None:
    engine = ref()  # None when it was collected (its connections closed with it)
    if engine is not None:
        engine.dispose()


def _engine_for(parsed: URL) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        engine = _create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine)
        return engine
    if parsed.drivername.split("+")[0] in {"postgres", "postgresql"}:
        # psycopg 3 is the driver we ship (the ``postgres`` extra), whatever the URL named.
        parsed = parsed.set(drivername="postgresql+psycopg")
    return _create_engine(parsed, pool_pre_ping=True)


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL (persistent, so only a new file needs it).

    The switch needs the file to itself and SQLite does not wait for that: when two processes
    open a new database at once (two replicas migrating it), one gets "database is locked"
    straight away. Retry until the other has switched it or the busy timeout is spent.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _configure_sqlite(engine: Engine) -> None:
    """Pragmas on every connection, and explicit BEGINs that take the write lock up front."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver's own implicit BEGIN is turned off so ours (below) is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            _enable_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A deferred transaction that reads and then writes cannot wait for the lock
        # (SQLITE_BUSY at once), so writing transactions take it at BEGIN and wait there.
        read_only = bool(conn.get_execution_options().get(READ_ONLY))
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
