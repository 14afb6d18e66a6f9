"""Migrations: an empty database upgrades to exactly the tables of ``tables.py`` and back."""

from __future__ import annotations

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.store import migrate
from bot.store.db import make_engine
from bot.store.tables import metadata


def _head() -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


def test_upgrade_creates_exactly_the_metadata_schema(empty_url: str) -> None:
    assert migrate.current(empty_url) is None
    migrate.upgrade(empty_url)
    head = _head()
    assert head is not None and head != "0001"  # 0002 added the report indexes
    assert migrate.current(empty_url) == head
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), metadata
            )
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diffs == []
    assert tables == set(metadata.tables) | {"alembic_version"}


def test_upgrade_twice_is_a_no_op(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    migrate.upgrade(empty_url)
    assert migrate.current(empty_url) == _head()


def test_downgrade_base_leaves_no_tables(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "base")
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert tables <= {"alembic_version"}
    assert migrate.current(empty_url) is None
    migrate.upgrade(empty_url)  # and it comes back up
    assert migrate.current(empty_url) == _head()


def test_downgrade_of_0002_restores_the_0001_indexes(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "0001")
    assert migrate.current(empty_url) == "0001"
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            handoff = {ix["name"] for ix in inspect(conn).get_indexes("handoff_facts")}
            item = {ix["name"] for ix in inspect(conn).get_indexes("item_facts")}
    finally:
        engine.dispose()
    assert handoff == {"ix_handoff_facts_started_at", "ix_handoff_facts_ended_at"}
    assert item == {"ix_item_facts_delivered_at"}
    migrate.upgrade(empty_url)
    assert migrate.current(empty_url) == _head()


def test_migrations_ship_inside_the_package() -> None:
    assert (migrate.MIGRATIONS / "env.py").is_file()
    assert (migrate.MIGRATIONS / "versions" / "0001_initial.py").is_file()
    assert (migrate.MIGRATIONS / "versions" / "0002_report_indexes.py").is_file()


def test_replicas_upgrading_at_once_both_succeed(empty_url: str) -> None:
    code = "import sys; from bot.store import migrate; migrate.upgrade(sys.argv[1])"
    replicas = [
        subprocess.Popen([sys.executable, "-c", code, empty_url], stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else b"") for p in replicas]
    assert [rc for rc, _ in outcomes] == [0, 0], outcomes
    assert migrate.current(empty_url) == _head()
