"""GraphQL connections of the GitHub sandbox: pages of a list with GitHub's opaque cursors."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLError

Json = dict[str, Any]


def connection(items: Sequence[Any], args: dict[str, Any],
               node: Callable[[Any], Json]) -> Json:
    """One page of ``items`` as a GraphQL connection (``after``/``before`` cursors)."""
    start, end = 0, len(items)
    if args.get("after"):
        start = _offset(args["after"]) + 1
    if args.get("before"):
        end = min(_offset(args["before"]), end)
    if args.get("first") is not None:
        window = range(start, min(start + args["first"], end))
    else:
        window = range(max(end - args["last"], start), end)
    page = [(i, node(items[i])) for i in window]
    first_i = window.start if len(window) else start
    last_i = window.stop - 1 if len(window) else start - 1
    return {
        "totalCount": len(items),
        "nodes": [n for _, n in page],
        "edges": [{"cursor": _cursor(i), "node": n} for i, n in page],
        "pageInfo": {"hasNextPage": last_i + 1 < end, "hasPreviousPage": first_i > 0,
                     "startCursor": _cursor(first_i) if page else None,
                     "endCursor": _cursor(last_i) if page else None},
    }


def _cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:v2:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError):
        raise GraphQLError(f"`{cursor}` does not appear to be a valid cursor.",
                           extensions={"type": "INVALID_CURSOR_ARGUMENTS"}) from None
