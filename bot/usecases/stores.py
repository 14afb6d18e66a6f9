"""The store as each use-case sees it: one small Protocol per use-case.

A use-case takes the narrowest of these it needs, never the whole ``Store``; the
composition root (``bot/app.py``) and the CLI pass the one ``Store``, which implements them
all (mypy checks it at every call site, and ``tests/bot/usecases/test_stores.py`` names
each). The signatures are ``Store``'s own: a ``conn`` joins an open transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol

from bot.flow.facts import HandoffFact, IncidentFact, ItemFact, PrFact, ReleaseFact, StatusSpan
from bot.flow.model import PullRequest, Release, Review, WorkItem
from bot.flow.stages import ItemHistory
from bot.store import Connection
from bot.store.alert_ledger import AlertEntry
from bot.store.ledgers import DigestEntry
from bot.store.lookups import ItemJourney
from bot.store.people import SlackUser, Snooze

Conn = Connection | None  # an open transaction to join, or None for one of its own


class PeopleStore(Protocol):
    """The Slack user directory cache (``People``)."""

    def put_slack_users(self, users: list[SlackUser], *, conn: Conn = None) -> int: ...

    def slack_user(self, email: str, *, conn: Conn = None) -> SlackUser | None: ...


class ReportStore(Protocol):
    """The indexed window reads a report is computed from (``bot.usecases.reporting``)."""

    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[Connection]: ...

    def deploy_failures(
        self, repos: Collection[str], start: datetime, end: datetime,
        *, conn: Conn = None,
    ) -> list[tuple[str, datetime]]: ...

    def first_release_by_repo(
        self, repos: Collection[str], *, conn: Conn = None
    ) -> dict[str, datetime]: ...

    def handoffs_touching_by_team(
        self, teams: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> dict[str, list[HandoffFact]]: ...

    def handoffs_waiting_by_team(
        self,
        teams: Collection[str],
        at: datetime,
        *,
        until: datetime | None = None,
        conn: Conn = None,
    ) -> dict[str, list[HandoffFact]]: ...

    def incidents_resolved_by_team(
        self, teams: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> dict[str, list[IncidentFact]]: ...

    def item_histories(
        self, keys: Collection[str], *, statuses: Collection[str] | None = None,
        conn: Conn = None,
    ) -> list[ItemHistory]: ...

    def items_delivered_by_team(
        self, teams: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> dict[str, list[ItemFact]]: ...

    def prs_touching(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[PrFact]: ...

    def releases_published(
        self, repos: Collection[str], start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[ReleaseFact]: ...

    def spans_by_team(
        self,
        statuses: Mapping[str, Collection[str]],
        at: datetime,
        *,
        until: datetime | None = None,
        conn: Conn = None,
    ) -> dict[str, list[StatusSpan]]: ...


class ButtonStore(PeopleStore, Protocol):
    """What an alert's buttons write: acknowledgements and snoozes."""

    def acknowledge_alert(
        self, alert_key: str, by_user: str, now: datetime, *, conn: Conn = None
    ) -> int: ...

    def add_snooze(
        self,
        subject: str,
        until: datetime,
        by_user: str,
        now: datetime,
        *,
        conn: Conn = None,
    ) -> Snooze: ...

    def alert_entries(self, alert_key: str, *, conn: Conn = None) -> list[AlertEntry]: ...

    def recent_snooze(
        self, subject: str, by_user: str, since: datetime, *, conn: Conn = None
    ) -> Snooze | None: ...


class OpenWorkStore(Protocol):
    """Work waiting now: open handoffs, PRs without review, merged and unreleased."""

    def merged_unreleased_prs(
        self, repos: Collection[str], *, conn: Conn = None
    ) -> list[PullRequest]: ...

    def open_handoffs(self, team: str, *, conn: Conn = None) -> list[HandoffFact]: ...

    def open_prs_without_review(
        self, repos: Collection[str], *, conn: Conn = None
    ) -> list[PullRequest]: ...

    def work_items(self, keys: Sequence[str], *, conn: Conn = None) -> list[WorkItem]: ...


class AlertStore(ButtonStore, OpenWorkStore, Protocol):
    """The alert run: open work, the alert ledger, snoozes and the run's lease."""

    def active_snooze(
        self, subject: str, now: datetime, *, conn: Conn = None
    ) -> Snooze | None: ...

    def claim_alert(
        self,
        alert_key: str,
        level: int,
        recipient: str,
        holder: str,
        now: datetime,
        *,
        held_until: datetime | None = None,
        conn: Conn = None,
    ) -> bool: ...

    def due_held_alerts(
        self, now: datetime, *, stale_before: datetime | None = None, conn: Conn = None,
    ) -> list[AlertEntry]: ...

    def hold_alert(
        self,
        alert_key: str,
        level: int,
        recipient: str,
        until: datetime,
        *,
        conn: Conn = None,
    ) -> bool: ...

    def mark_alert_sent(
        self,
        alert_key: str,
        level: int,
        recipient: str,
        *,
        channel: str,
        message_ts: str,
        now: datetime,
        conn: Conn = None,
    ) -> bool: ...

    def release_lease(self, name: str, holder: str, *, conn: Conn = None) -> bool: ...

    def hold_folded_alert(
        self, alert_key: str, level: int, recipient: str, until: datetime, *,
        conn: Conn = None,
    ) -> bool: ...

    def hold_unknown_alert(
        self, alert_key: str, level: int, recipient: str, until: datetime, *,
        conn: Conn = None,
    ) -> bool: ...

    def try_lease(
        self,
        name: str,
        holder: str,
        ttl: timedelta,
        now: datetime,
        *,
        conn: Conn = None,
    ) -> bool: ...


class DigestStore(ReportStore, PeopleStore, Protocol):
    """The weekly digest: its report, the digest ledger, acknowledgements and snoozes."""

    def acknowledged_between(
        self, start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[AlertEntry]: ...

    def claim_digest(
        self, team: str, week: str, holder: str, now: datetime, *, conn: Conn = None
    ) -> bool: ...

    def digest_entry(
        self, team: str, week: str, *, conn: Conn = None
    ) -> DigestEntry | None: ...

    def handoffs_waiting_at(
        self, team: str, at: datetime, *, conn: Conn = None
    ) -> list[HandoffFact]: ...

    def record_digest_posted(
        self,
        team: str,
        week: str,
        *,
        channel: str,
        message_ts: str,
        now: datetime,
        conn: Conn = None,
    ) -> None: ...

    def release_digest_claim(
        self, team: str, week: str, holder: str, *, conn: Conn = None
    ) -> bool: ...

    def take_over_digest_claim(
        self, team: str, week: str, stale: str, holder: str, now: datetime, *,
        conn: Conn = None,
    ) -> bool: ...

    def snoozes_created_between(
        self, start: datetime, end: datetime, *, conn: Conn = None
    ) -> list[Snooze]: ...

    def team_item_keys(self, team: str, *, conn: Conn = None) -> list[str]: ...

    def work_items(self, keys: Sequence[str], *, conn: Conn = None) -> list[WorkItem]: ...


class ReviewStore(ReportStore, Protocol):
    """The scheduled review: its reports and the review ledger."""

    def claim_review(
        self, team: str, period: str, holder: str, now: datetime, *,
        conn: Conn = None,
    ) -> bool: ...

    def record_review_posted(
        self, team: str, period: str, *, channel: str, message_ts: str, now: datetime,
        conn: Conn = None,
    ) -> None: ...

    def release_review_claim(
        self, team: str, period: str, holder: str, *, conn: Conn = None
    ) -> bool: ...

    def take_over_review_claim(
        self, team: str, period: str, stale: str, holder: str, now: datetime, *,
        conn: Conn = None,
    ) -> bool: ...

    def review_entry(
        self, team: str, period: str, *, conn: Conn = None
    ) -> DigestEntry | None: ...


class CommandStore(ReportStore, PeopleStore, OpenWorkStore, Protocol):
    """The slash command: reports, open work, one item's journey, releases."""

    def item_journey(self, key: str, *, conn: Conn = None) -> ItemJourney | None: ...

    def releases_of(self, repo: str, *, conn: Conn = None) -> list[Release]: ...

    def reviews_of(
        self, repo: str, numbers: Sequence[int], *, conn: Conn = None
    ) -> list[Review]: ...

    def team_item_keys(self, team: str, *, conn: Conn = None) -> list[str]: ...


class HomeStore(ReportStore, PeopleStore, OpenWorkStore, Protocol):
    """App Home: the team's reports and its open work."""
