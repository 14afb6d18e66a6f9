"""How one-shot CLI commands open the store and report its failures (exit 1, one line)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from bot.config.env import mask_url
from bot.core.errors import IntegrationError
from bot.core.logs import redact
from bot.store.db import make_engine
from bot.store.repo import Store


def describe_database_error(exc: BaseException, url: str) -> str:
    """One line naming the database (password masked), the driver's own first line of the
    cause (redacted), and what to do about it."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    text = str(exc).lower()
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        hint = "run `crosswalk db upgrade` first"
    elif "unable to open database file" in text or "readonly database" in text:
        hint = "check that the SQLite file's directory exists and is writable"
    elif "connection refused" in text or "could not connect" in text or "timeout" in text:
        hint = "is the database server running and reachable at that address?"
    elif "password authentication failed" in text or "authentication" in text:
        hint = "check the user and password in DATABASE_URL"
    elif "does not exist" in text:
        hint = "create the database, or correct its name in DATABASE_URL"
    else:
        hint = ""
    line = f"{mask_url(url)} failed: {redact(first[:300])}"
    return f"{line} ({hint})" if hint else line


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn database failures into one-line ``IntegrationError``s (exit 1, no traceback)."""
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise IntegrationError("database", describe_database_error(exc, url)) from None


def open_store(url: str) -> Store:
    """A ``Store`` over ``url`` (connections open lazily, inside ``database_errors``)."""
    return Store(make_engine(url))
