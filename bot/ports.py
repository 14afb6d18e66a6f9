"""The capabilities the use-cases need from the outside world, one small Protocol each.

Adapters in ``integrations/`` implement them and return the domain's frozen records,
never vendor library objects. Keep edits additive: several adapters live behind this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.flow.model import FixVersion, StatusChange, WorkItem

# --------------------------------------------------------------------------- issues (Jira)


@dataclass(frozen=True, slots=True)
class IssuePage:
    """One page of changed issues with their complete status changes and fix versions.

    ``cursor`` is the largest ``updated`` on the page (aware UTC), or ``None`` for an
    empty page; the sync commits the page, then advances its cursor to it.
    """

    items: list[WorkItem] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)
    fix_versions: list[FixVersion] = field(default_factory=list)
    cursor: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssueAccount:
    """Who the issue tracker says we are (``time_zone`` is an IANA name)."""

    account_id: str
    display_name: str
    email: str | None
    time_zone: str


class IssueSource(Protocol):
    """Where work items and their status histories come from (Jira)."""

    def fetch_updated(
        self, team_query: str, since: datetime | None, *, overlap: timedelta
    ) -> Iterator[IssuePage]:
        """Pages of issues matching ``team_query`` updated at or after ``since - overlap``."""
        ...

    def timezone(self) -> ZoneInfo:
        """The tracker user's timezone (the one its query dates are read in)."""
        ...

    def check_project(self, key: str) -> str:
        """The project's name; raises ``NotFound`` when it is missing or not visible."""
        ...

    def myself(self) -> IssueAccount:
        """The account the credentials belong to; raises ``AuthError`` when rejected."""
        ...
