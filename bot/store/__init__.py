"""Persistence: SQLAlchemy Core tables, Alembic migrations and the ``Store`` repository."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from bot.store.db import UTCDateTime, make_engine
from bot.store.repo import Store

# The sync joins store transactions through ``Connection`` without importing SQLAlchemy.
__all__ = ["Connection", "Store", "UTCDateTime", "make_engine"]
