"""How one-shot CLI commands open the store and report its failures (exit 1, one line)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from bot.config.env import mask_url
from bot.core.errors import IntegrationError
from bot.store.db import make_engine
from bot.store.repo import Store


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn database failures into one-line ``IntegrationError``s (exit 1, no traceback)."""
    try:
        yield
    except SQLAlchemyError as exc:
        text = str(exc)
        missing = "no such table" in text or "does not exist" in text
        hint = " (has `crosswalk db upgrade` been run?)" if missing else ""
        raise IntegrationError(
            "database", f"{mask_url(url)} failed: {type(exc).__name__}{hint}"
        ) from None


def open_store(url: str) -> Store:
    """A ``Store`` over ``url`` (connections open lazily, inside ``database_errors``)."""
    return Store(make_engine(url))
