"""The capabilities the use-cases need from the outside world, one small Protocol each.

Adapters in ``integrations/`` implement them and return the domain's frozen records,
never vendor library objects. Keep edits additive: several adapters live behind this file.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bot.flow.model import (
    Containment,
    Deployment,
    FixVersion,
    PullRequest,
    Release,
    Review,
    StatusChange,
    WorkItem,
)

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
    requests: int = 1  # what fetching this page cost (changelog and version pages included)
    total: int | None = None  # issues the whole search matches, where Jira says (progress)


@dataclass(frozen=True, slots=True)
class IssueAccount:
    """Who the issue tracker says we are (``time_zone`` is an IANA name)."""

    account_id: str
    display_name: str
    email: str | None
    time_zone: str


@dataclass(frozen=True, slots=True)
class MemberKeys:
    """Every issue key a team's query matches now, and the requests the listing took."""

    keys: frozenset[str]
    requests: int


class IssueSource(Protocol):
    """Where work items and their status histories come from (Jira)."""

    def member_keys(self, team_query: str) -> MemberKeys:
        """Every issue key ``team_query`` matches now (keys only: the cheapest listing)."""
        ...

    def fetch_updated(
        self, team_query: str, since: datetime | None, *, overlap: timedelta,
        count: bool = False,
    ) -> Iterator[IssuePage]:
        """Pages of issues matching ``team_query`` updated at or after ``since - overlap``
        (``count``: also say the search's total, where that costs a request)."""
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


# --------------------------------------------------------------------------- code host (GitHub)


@dataclass(frozen=True, slots=True)
class ActivityPoll:
    """Whether anything happened in one repository since ``etag`` (its events feed).

    ``changed`` is False only when the conditional request answered 304. A host without a
    usable feed answers ``changed=True`` with ``etag=None``, so the listings always run.
    """

    repo: str
    changed: bool
    etag: str | None = None
    requests: int = 0
    poll_interval: int | None = None  # seconds the host asks to leave between polls


@dataclass(frozen=True, slots=True)
class PullPoll:
    """Pull requests of one repository updated at or after ``since - overlap``.

    ``changed`` is False when the conditional request answered 304 (then ``pulls`` is
    empty). ``cursor`` is the largest ``updated_at`` seen (or the ``since`` passed in) and
    ``etag`` the validator to send next time; the sync stores both after committing.
    """

    repo: str
    changed: bool
    pulls: list[PullRequest] = field(default_factory=list)
    cursor: datetime | None = None
    etag: str | None = None
    requests: int = 0  # requests this poll spent (304s included)
    points: int = 0  # GraphQL points it spent (0 on the REST path)


@dataclass(frozen=True, slots=True)
class ReviewPoll:
    """The reviews of some pull requests, and the requests that cost (0 when the listing
    already carried them, as the GraphQL listing does)."""

    reviews: list[Review]
    requests: int


@dataclass(frozen=True, slots=True)
class ReleasePoll:
    """All releases of one repository (drafts and prereleases included) and its tags."""

    repo: str
    changed: bool
    releases: list[Release] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)  # tag name -> commit sha
    etag: str | None = None
    requests: int = 0


@dataclass(frozen=True, slots=True)
class DeploymentPoll:
    """The deployments of one repository to one environment that are new or changed.

    ``changed`` is False only when the listing answered 304; ``deployments`` holds those
    not already known as they are (``updated_at`` unchanged and decided), statuses read.
    """

    repo: str
    environment: str
    changed: bool
    deployments: list[Deployment] = field(default_factory=list)
    etag: str | None = None
    requests: int = 0


@dataclass(frozen=True, slots=True)
class ContainmentResult:
    """Merge commits found in release ranges, the (previous, this) ref pairs compared, and
    the releases whose commit was behind the previous one's (rollbacks)."""

    containments: list[Containment] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    requests: int = 0
    rollbacks: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CodeHostAccount:
    """Who the code host says we are, and the rate-limit budget left."""

    login: str
    remaining: int
    limit: int
    reset: datetime


class CodeHost(Protocol):
    """Where pull requests, reviews and releases come from (GitHub)."""

    def poll_activity(self, repo: str, etag: str | None) -> ActivityPoll:
        """Did anything happen in ``repo``? One free 304 when ``etag`` still matches."""
        ...

    def poll_pulls(
        self, repo: str, since: datetime | None, etag: str | None, *, overlap: timedelta
    ) -> PullPoll:
        """PRs updated since ``since - overlap``; one free 304 when ``etag`` still matches."""
        ...

    def reviews(self, repo: str, numbers: Collection[int]) -> ReviewPoll:
        """The reviews of the given PRs (call it only for PRs that changed)."""
        ...

    def poll_releases(self, repo: str, etag: str | None) -> ReleasePoll:
        """Every release and tag; one free 304 when ``etag`` still matches."""
        ...

    def poll_deployments(
        self, repo: str, environment: str, etag: str | None, known: Mapping[int, Deployment]
    ) -> DeploymentPoll:
        """Deployments to ``environment``, newest first, down to what ``known`` holds as it
        is; statuses read for each new or changed one; one free 304 when nothing changed."""
        ...

    def poll_tags(
        self, repo: str, etag: str | None, pattern: str, known: Mapping[str, Release]
    ) -> ReleasePoll:
        """Every tag matching ``pattern`` as a release (tag objects read once: ``known``
        holds them by name); one free 304 when the tag refs did not change."""
        ...

    def containments(
        self, repo: str, releases: Sequence[Release], merged: Mapping[str, int],
        done: Collection[tuple[str, str]],
    ) -> ContainmentResult:
        """Compare consecutive eligible releases not in ``done``; map merge shas to PRs."""
        ...

    def check_repo(self, repo: str) -> str:
        """The repository's full name; raises ``NotFound`` when missing or not visible."""
        ...

    def whoami(self) -> CodeHostAccount:
        """The token's account and budget; raises ``AuthError`` when rejected."""
        ...


# --------------------------------------------------------------------------- messenger (Slack)


class PostedRef(Protocol):
    """Where a message landed (``bot.slack.client.PostedMessage`` fits)."""

    @property
    def channel(self) -> str: ...

    @property
    def ts(self) -> str: ...


class PersonRef(Protocol):
    """A chat user found by email (``bot.slack.client.SlackPerson`` fits)."""

    @property
    def id(self) -> str: ...

    @property
    def tz(self) -> str: ...


class FileRef(Protocol):
    """An uploaded file (``bot.slack.client.UploadedFile`` fits)."""

    @property
    def id(self) -> str: ...

    @property
    def permalink(self) -> str: ...


# The ``detail`` of the IntegrationError a post raises in a channel the bot is not in.
NOT_IN_CHANNEL = "not_in_channel"


class Messenger(Protocol):
    """What the digest and alert use-cases need of Slack (``bot.slack.client.Messenger``).

    Failures raise ``bot.core.errors`` (``Unavailable`` when the outcome of a post is unknown).
    """

    def post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, *,
        thread_ts: str | None = None, key: str | None = None,
    ) -> PostedRef:
        """Post into a channel, or into the DM of a user id; ``key`` (a ledger key) is kept
        with the message so ``find_posted`` can find it again."""
        ...

    def find_posted(self, channel: str, key: str, since: datetime) -> PostedRef | None:
        """Our post carrying ``key`` in ``channel`` since ``since`` (None: there is none)."""
        ...

    def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None,
    ) -> PostedRef:
        """Replace a posted message."""
        ...

    def upload_png(
        self, channel: str, content: bytes, filename: str, *, title: str | None = None,
        thread_ts: str | None = None, initial_comment: str | None = None,
        alt_text: str | None = None,
    ) -> FileRef:
        """Share a PNG into a channel or one of its threads."""
        ...

    def lookup_user_by_email(self, email: str) -> PersonRef:
        """The user with ``email``; ``NotFound`` when there is none."""
        ...


class HomeMessenger(Messenger, Protocol):
    """What the App Home use-case needs of Slack: the messenger, and publishing the tab."""

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """Publish the App Home tab for ``user_id``."""
        ...
