"""Helpers shared by the GitHub sandbox's payload builders."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.sandbox.world import GhRelease, GhRepo

Json = dict[str, Any]
WEB = "https://github.sandbox.test"  # html_url host: people follow these, clients never do


def ts(value: datetime | None) -> str | None:
    """RFC 3339 UTC with a ``Z``, as GitHub writes timestamps."""
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, ident: object) -> str:
    """An opaque GraphQL node id."""
    return base64.b64encode(f"{kind}:{ident}".encode()).decode()


@dataclass(slots=True)
class Budget:
    """One token's rate-limit window: REST requests, or GraphQL points."""

    limit: int
    reset: int  # epoch seconds
    used: int = 0

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def headers(self, resource: str) -> dict[str, str]:
        """GitHub's ``x-ratelimit-*`` headers for this window (``core`` or ``graphql``)."""
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-resource": resource,
        }


def eligible_releases(repo: GhRepo) -> list[GhRelease]:
    """Published, non-draft, non-prerelease releases whose tag exists."""
    return [r for r in repo.releases if not r.draft and not r.prerelease
            and r.published_at is not None and r.tag_name in repo.tags]
