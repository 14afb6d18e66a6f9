"""Engines and the UTC datetime column type, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import StatementError

from bot.store.db import UTCDateTime, make_engine

_meta = MetaData()
moments = Table(
    "moments",
    _meta,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime),
)


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    """An engine over an empty database with one UTCDateTime table."""
    eng = make_engine(empty_url)
    _meta.create_all(eng)
    try:
        yield eng
    finally:
        eng.dispose()


def test_aware_datetimes_round_trip_as_the_same_utc_instant(engine: Engine) -> None:
    values = [
        datetime(2026, 11, 9, 8, 30, 15, 123456, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 30, tzinfo=ZoneInfo("Europe/London")),  # BST, just after the jump
        datetime(2026, 11, 9, 23, 59, 59, tzinfo=timezone(timedelta(hours=-8))),
        datetime(2026, 11, 10, 5, 45, tzinfo=timezone(timedelta(hours=5, minutes=45))),
        None,
    ]
    with engine.begin() as conn:
        conn.execute(insert(moments), [{"id": i, "at": v} for i, v in enumerate(values)])
    with engine.connect() as conn:
        back = [row.at for row in conn.execute(select(moments).order_by(moments.c.id))]
    for sent, got in zip(values, back, strict=True):
        if sent is None:
            assert got is None
            continue
        assert got == sent
        assert got.utcoffset() == timedelta(0)
        assert got.tzinfo is UTC


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as conn:
        conn.execute(insert(moments), {"id": 1, "at": datetime(2026, 11, 9, 9, 0)})
    with engine.connect() as conn:
        assert conn.execute(select(moments)).all() == []


def test_ordering_and_ranges_in_sql_follow_the_instant_not_the_offset(engine: Engine) -> None:
    base = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)
    rows = [
        {"id": 1, "at": base.astimezone(timezone(timedelta(hours=-10)))},  # 02:00 local
        {"id": 2, "at": base + timedelta(microseconds=1)},
        {"id": 3, "at": (base - timedelta(hours=1)).astimezone(timezone(timedelta(hours=9)))},
        {"id": 4, "at": base + timedelta(days=400)},
    ]
    with engine.begin() as conn:
        conn.execute(insert(moments), rows)
    start = base.astimezone(timezone(timedelta(hours=3)))  # same instant, other offset
    with engine.connect() as conn:
        ordered = list(conn.execute(select(moments.c.id).order_by(moments.c.at)).scalars())
        in_range = conn.execute(
            select(moments.c.id)
            .where(moments.c.at >= start, moments.c.at < base + timedelta(days=1))
            .order_by(moments.c.id)
        ).scalars()
        assert list(in_range) == [1, 2]
    assert ordered == [3, 1, 2, 4]


def test_sqlite_engine_uses_wal_busy_timeout_and_foreign_keys(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    ["postgresql://u@127.0.0.1:1/db", "postgres://u@127.0.0.1:1/db", "postgresql+psycopg://u@h/db"],
)
def test_postgresql_urls_use_psycopg_3(url: str) -> None:
    engine = make_engine(url)
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    engine.dispose()
