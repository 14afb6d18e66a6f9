"""The store's connection handling and the one batched upsert every write goes through."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection, Engine

from bot.store.db import READ_ONLY

# Rows per executemany: large enough to amortise round trips, small enough for memory.
BATCH_SIZE = 2000
# Values per IN (...) list: well under SQLite's bound-parameter limit.
IN_CHUNK = 500

Row = dict[str, Any]


def chunked(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of ``values`` of at most ``size`` items."""
    for offset in range(0, len(values), size):
        yield values[offset : offset + size]


def dialect_insert(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT construct, which has ``on_conflict_do_update``/``do_nothing``."""
    # imported here: a SQLite process never loads the PostgreSQL dialect (~20 ms at start)
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table)
    raise NotImplementedError(f"unsupported database dialect {conn.dialect.name!r}")


def upsert(conn: Connection, table: Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert ``rows``, or update every non-key column where the primary key exists."""
    keys = [column.name for column in table.primary_key.columns]
    # A key repeated within one call: the last row wins, as sequential upserts would.
    unique = list({tuple(row[k] for k in keys): dict(row) for row in rows}.values())
    if not unique:
        return 0
    insert = dialect_insert(conn, table)
    others = [column.name for column in table.columns if column.name not in keys]
    if others:
        stmt = insert.on_conflict_do_update(
            index_elements=keys, set_={name: insert.excluded[name] for name in others}
        )
    else:
        stmt = insert.on_conflict_do_nothing(index_elements=keys)
    for batch in chunked(unique, BATCH_SIZE):
        conn.execute(stmt, list(batch))
    return len(unique)


class StoreBase:
    """Holds the Engine; hands out connections and transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Connection]:
        """One connection in one transaction: committed on exit, rolled back on an exception."""
        with self.engine.connect() as conn:
            if read_only:
                conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _use(self, conn: Connection | None, *, write: bool) -> Iterator[Connection]:
        """The caller's open connection, or a transaction of our own."""
        if conn is not None:
            yield conn
            return
        with self.transaction(read_only=not write) as own:
            yield own
