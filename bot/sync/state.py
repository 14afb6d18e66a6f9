"""Sync state kept in ``sync_cursors``: timestamps, ETags and compared release pairs.

Rows (team, source, scope):
- ``(team, "jira", "")``: the largest ``updated`` committed for the team's JQL;
- ``(team, "jira", "backfill <since>")``: progress of a ``backfill --since``;
- ``(team, "jira", "members <query hash>")``: when the query's full key listing last
  removed the items that left it (a new query starts with no such row);
- ``(team, "github", "pulls <repo>")``: largest PR ``updated_at`` committed, and the ETag;
- ``(team, "github", "releases <repo>")``: the releases listing's ETag;
- ``(team, "github", "events <repo>")``: the events feed's ETag, and when the listings
  were last checked (the recheck that covers what the feed never shows);
- ``(team, "github", "deployments <repo> <environment>")``: a production deployments
  listing's ETag (its value: the repository's shipping key when it was read);
- ``("", "github-compare", repo)``: JSON list of ``[base, head]`` ref pairs compared, ever;
- ``("", "shipping", repo)``: what the stored releases of ``repo`` are
  (``Shipping.key``); a change drops them and reads them again;
- ``("", "links", "projects")``: JSON list of the Jira projects stored PRs were linked by
  (configured ones plus those JQL teams' queries returned).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from bot.store import Connection, Store

COMPARE = "github-compare"
SHIPPING = "shipping"


def parse_instant(value: str) -> datetime | None:
    """A cursor's timestamp (ISO 8601, aware), or None when empty."""
    return datetime.fromisoformat(value) if value else None


def instant_text(value: datetime | None) -> str:
    """The cursor text of ``value``."""
    return value.isoformat() if value is not None else ""


def pulls_scope(repo: str) -> str:
    """Cursor scope of a repository's pull requests."""
    return f"pulls {repo}"


def releases_scope(repo: str) -> str:
    """Cursor scope of a repository's releases."""
    return f"releases {repo}"


def deployments_scope(repo: str, environment: str) -> str:
    """Cursor scope of a repository's deployments listing for one environment."""
    return f"deployments {repo} {environment}"


def events_scope(repo: str) -> str:
    """Cursor scope of a repository's events feed."""
    return f"events {repo}"


def members_scope(jql: str) -> str:
    """Cursor scope of the membership check of one team query."""
    return f"members {hashlib.sha256(jql.encode()).hexdigest()[:16]}"


def backfill_scope(since: datetime) -> str:
    """Cursor scope of a backfill from ``since``."""
    return f"backfill {since.isoformat()}"


def done_pairs(store: Store, conn: Connection, repo: str) -> set[tuple[str, str]]:
    """The release tag pairs of ``repo`` already compared."""
    cursor = store.get_cursor(conn, "", COMPARE, repo)
    if cursor is None or not cursor.value:
        return set()
    return {(str(a), str(b)) for a, b in json.loads(cursor.value)}


def add_pairs(
    store: Store, conn: Connection, repo: str, pairs: list[tuple[str, str]], now: datetime
) -> None:
    """Remember that these pairs of ``repo`` were compared (same transaction as the result)."""
    if not pairs:
        return
    known = done_pairs(store, conn, repo) | set(pairs)
    store.set_cursor(conn, "", COMPARE, repo, json.dumps(sorted(known)), now=now)
