"""Persistence: SQLAlchemy Core tables, Alembic migrations and the ``Store`` repository."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from bot.store.db import UTCDateTime, make_engine
from bot.store.repo import Store
from bot.store.sync_reads import PENDING_SOURCE

# The sync joins store transactions through ``Connection`` without importing SQLAlchemy.
__all__ = ["PENDING_SOURCE", "Connection", "Store", "UTCDateTime", "make_engine"]
