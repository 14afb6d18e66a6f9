"""Helpers shared by the GitHub sandbox's payload builders."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

Json = dict[str, Any]
WEB = "https://github.sandbox.test"  # html_url host: people follow these, clients never do


def ts(value: datetime | None) -> str | None:
    """RFC 3339 UTC with a ``Z``, as GitHub writes timestamps."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, ident: object) -> str:
    """An opaque GraphQL node id."""
    return base64.b64encode(f"{kind}:{ident}".encode()).decode()
