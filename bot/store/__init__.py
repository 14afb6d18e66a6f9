"""Persistence: SQLAlchemy Core tables, Alembic migrations and the ``Store`` repository."""

from __future__ import annotations

from bot.store.db import UTCDateTime, make_engine
from bot.store.repo import Store

__all__ = ["Store", "UTCDateTime", "make_engine"]
