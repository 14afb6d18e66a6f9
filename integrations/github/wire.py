"""Small pieces of the GitHub adapter's wire handling: endpoints, links, slim payloads."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import httpx

from bot.flow.model import PullRequest

NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


def graphql_url(api: str) -> str:
    """GitHub's GraphQL endpoint for a REST root (``/api/v3`` → ``/api/graphql`` on GHES)."""
    api = api.rstrip("/")
    if api.endswith("/api/v3"):
        return api.removesuffix("/v3") + "/graphql"
    return api + "/graphql"


def pulls_cursor(pulls: Sequence[PullRequest], since: datetime | None) -> datetime | None:
    """The listing cursor after ``pulls``: the latest update seen, or ``since``."""
    return max([p.updated_at for p in pulls] + ([since] if since else []), default=None)


def slim(item: Any) -> Any:
    """A PR item without the nested repositories and users of ``head``/``base``: never read,
    and most of PyGithub's parsing time (two full repositories and users per PR)."""
    if not isinstance(item, dict) or "head" not in item:
        return item
    slim = {k: v for k, v in item.items() if k != "_links"}
    for side in ("head", "base"):
        if isinstance(item.get(side), dict):
            slim[side] = {k: v for k, v in item[side].items() if k in ("label", "ref", "sha")}
    return slim


def all_items(listing: Callable[[], Iterable[Any]]) -> list[Any]:
    """Every item of a PyGithub listing (it pages lazily)."""
    return list(listing())


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header."""
    match = NEXT_LINK.search(header or "")
    return match.group(1) if match else None


def int_or_none(value: str | None) -> int | None:
    """A header's integer, or None when absent or malformed."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def error_message(response: httpx.Response) -> str:
    """GitHub's ``message`` of an error response (at most 300 characters)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("message", ""))[:300] if isinstance(body, dict) else ""
