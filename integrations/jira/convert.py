"""Jira JSON → the domain's frozen records, and the cursor's JQL date.

Pure functions over plain dicts (the raw REST payloads), so they are tested without a
server. Every datetime leaves here aware UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.flow.model import FixVersion, StatusChange, WorkItem

# The fields the adapter asks for; never "*all" (Cloud charges for and truncates big pages).
SEARCH_FIELDS = ("summary", "status", "issuetype", "project", "created", "updated",
                 "resolutiondate", "fixVersions")
_ORDER_BY = re.compile(r"\s+ORDER\s+BY\s+", re.IGNORECASE)
_FORMATS = ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z")


def parse_time(text: str) -> datetime:
    """A Jira timestamp (``2026-11-09T14:53:30.153+0000``) as aware UTC."""
    for fmt in _FORMATS:
        try:
            return datetime.strptime(text, fmt).astimezone(UTC)
        except ValueError:
            continue
    parsed = datetime.fromisoformat(text)  # last resort: RFC 3339 with a colon offset
    if parsed.tzinfo is None:
        raise ValueError(f"Jira timestamp without an offset: {text!r}")
    return parsed.astimezone(UTC)


def jql_date(moment: datetime, tz: ZoneInfo) -> str:
    """``moment`` as a JQL date literal in ``tz``, floored to the minute (JQL's precision)."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def team_query(project: str | None, jql: str | None = None) -> str:
    """A team's JQL: its own ``jql`` when configured, else ``project = "<key>"``."""
    if jql and jql.strip():
        return jql.strip()
    if not project:
        raise ValueError("a team needs a Jira project or a jql")
    return f'project = "{project}"'


def incremental_jql(team_query: str, since: datetime | None, overlap: timedelta,
                    tz: ZoneInfo) -> str:
    """``(<team query>) AND updated >= "<since − overlap>" ORDER BY updated ASC``."""
    # A configured query may carry its own ORDER BY; ours must be the only one.
    where = f"({_ORDER_BY.split(team_query, maxsplit=1)[0].strip()})"
    if since is not None:
        where += f' AND updated >= "{jql_date(since - overlap, tz)}"'
    return where + " ORDER BY updated ASC"


def member_jql(team_query: str) -> str:
    """``(<team query>) ORDER BY key ASC``: every issue the team's query matches, in an
    order that an update during the listing does not shuffle."""
    return f"({_ORDER_BY.split(team_query, maxsplit=1)[0].strip()}) ORDER BY key ASC"


def fix_version(raw: Mapping[str, Any], project: str) -> FixVersion:
    """A Version bean as a FixVersion."""
    released = raw.get("releaseDate")
    return FixVersion(
        version_id=str(raw["id"]), project=project, name=str(raw.get("name", "")),
        released=bool(raw.get("released", False)),
        release_date=date.fromisoformat(released) if isinstance(released, str) else None,
    )


def work_item(raw: Mapping[str, Any], base_url: str) -> WorkItem:
    """An IssueBean (with ``SEARCH_FIELDS``) as a WorkItem."""
    fields = raw["fields"]
    resolved = fields.get("resolutiondate")
    return WorkItem(
        key=str(raw["key"]), project=str(fields["project"]["key"]),
        issue_type=str(fields["issuetype"]["name"]), summary=str(fields.get("summary") or ""),
        status=str(fields["status"]["name"]), created=parse_time(fields["created"]),
        updated=parse_time(fields["updated"]),
        resolved=parse_time(resolved) if resolved else None,
        fix_versions=tuple(str(v["id"]) for v in fields.get("fixVersions") or ()),
        url=f"{base_url.rstrip('/')}/browse/{raw['key']}",
    )


def issue_fix_versions(raw: Mapping[str, Any]) -> list[FixVersion]:
    """The fix versions embedded in an IssueBean."""
    fields = raw["fields"]
    project = str(fields["project"]["key"])
    return [fix_version(v, project) for v in fields.get("fixVersions") or ()]


def status_changes(key: str, histories: Iterable[Mapping[str, Any]]) -> list[StatusChange]:
    """Status items of changelog histories, ``change_id = "<history id>:<item index>"``."""
    changes: list[StatusChange] = []
    for history in histories:
        at = parse_time(history["created"])
        for index, item in enumerate(history.get("items") or ()):
            if (item.get("fieldId") or item.get("field")) != "status":
                continue
            changes.append(StatusChange(
                item_key=key, change_id=f"{history['id']}:{index}", at=at,
                from_status=item.get("fromString"), to_status=str(item.get("toString") or ""),
            ))
    changes.sort(key=_change_order)
    return changes


def _change_order(change: StatusChange) -> tuple[datetime, int, str, int]:
    history, _, index = change.change_id.partition(":")
    return (change.at, len(history), history, int(index))  # numeric ids: shorter is smaller


def max_updated(items: Iterable[WorkItem]) -> datetime | None:
    """The page cursor: the latest ``updated`` (``None`` for an empty page)."""
    return max((i.updated for i in items), default=None)
