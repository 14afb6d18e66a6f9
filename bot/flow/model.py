"""Frozen records of the flow domain.

Adapters (``integrations/``) translate Jira and GitHub payloads into these records;
the store persists them; metrics read them. Every datetime is timezone-aware UTC.
Nothing here performs I/O or knows a vendor library.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta


def require_utc(value: datetime, name: str) -> None:
    """Raise ``ValueError`` when ``value`` is naive (records carry aware datetimes only)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


# --------------------------------------------------------------------------- Jira side


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A Jira issue as the flow sees it (specs, stories, bugs, incidents alike)."""

    key: str  # "PAY-12"
    project: str  # "PAY"
    issue_type: str  # "Story", "Incident", ...
    summary: str
    status: str  # current status name
    created: datetime
    updated: datetime
    resolved: datetime | None = None  # Jira resolutiondate
    fix_versions: tuple[str, ...] = ()  # FixVersion.version_id values
    url: str = ""  # browse link for people

    def __post_init__(self) -> None:
        require_utc(self.created, "WorkItem.created")
        require_utc(self.updated, "WorkItem.updated")
        if self.resolved is not None:
            require_utc(self.resolved, "WorkItem.resolved")


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One status transition from a Jira changelog.

    ``change_id`` is ``"<history id>:<index of the status item in the history>"``, unique
    per Jira site, so re-reading a changelog upserts the same rows.
    """

    item_key: str
    change_id: str
    at: datetime
    from_status: str | None
    to_status: str

    def __post_init__(self) -> None:
        require_utc(self.at, "StatusChange.at")


@dataclass(frozen=True, slots=True)
class FixVersion:
    """A Jira project version (used when ``releases.source`` is ``jira``)."""

    version_id: str
    project: str
    name: str
    released: bool
    release_date: date | None


# --------------------------------------------------------------------------- GitHub side


def is_bot_login(login: str, user_type: str | None = None) -> bool:
    """Whether a GitHub account is a bot (type ``Bot`` or a login ending in ``[bot]``)."""
    return (user_type or "").lower() == "bot" or login.lower().endswith("[bot]")


@dataclass(frozen=True, slots=True)
class PullRequest:
    """A GitHub pull request, built only from list-payload attributes."""

    repo: str  # "acme/payments-api"
    number: int
    title: str
    body: str
    head_ref: str  # head branch name
    author: str  # login
    author_is_bot: bool
    state: str  # "open" | "closed"
    draft: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    requested_reviewers: tuple[str, ...] = ()  # logins
    url: str = ""  # html_url

    def __post_init__(self) -> None:
        require_utc(self.created_at, "PullRequest.created_at")
        require_utc(self.updated_at, "PullRequest.updated_at")
        for name in ("closed_at", "merged_at"):
            value = getattr(self, name)
            if value is not None:
                require_utc(value, f"PullRequest.{name}")

    @property
    def merged(self) -> bool:
        """Whether the PR was merged."""
        return self.merged_at is not None


class ReviewState(enum.StrEnum):
    """GitHub review states."""

    APPROVED = "APPROVED"
    CHANGES_REQUESTED = "CHANGES_REQUESTED"
    COMMENTED = "COMMENTED"
    DISMISSED = "DISMISSED"
    PENDING = "PENDING"


@dataclass(frozen=True, slots=True)
class Review:
    """A review submitted on a pull request."""

    repo: str
    pr_number: int
    review_id: int
    reviewer: str  # login
    reviewer_is_bot: bool
    state: ReviewState
    submitted_at: datetime | None  # None while PENDING

    def __post_init__(self) -> None:
        if self.submitted_at is not None:
            require_utc(self.submitted_at, "Review.submitted_at")


@dataclass(frozen=True, slots=True)
class Release:
    """A release as the team's source defines it (drafts and prereleases never count).

    ``kind`` is ``release`` (a GitHub release), ``deployment`` (a successful production
    deployment: ``release_id`` is the deployment id, ``ref`` its git ref, ``name`` its
    description, ``published_at`` its first success) or ``tag`` (a matching tag: ``name``
    is an annotated tag's message, ``ref`` the sha of the object the tag ref points to).
    ``sha`` is the commit the release is compared by (its tag when empty); a ``rollback``
    is a release whose commit is behind the previous release's.
    """

    repo: str
    release_id: int
    tag: str
    name: str
    draft: bool
    prerelease: bool
    created_at: datetime
    published_at: datetime | None
    url: str = ""
    kind: str = "release"
    sha: str = ""
    ref: str = ""
    rollback: bool = False

    def __post_init__(self) -> None:
        require_utc(self.created_at, "Release.created_at")
        if self.published_at is not None:
            require_utc(self.published_at, "Release.published_at")

    @property
    def eligible(self) -> bool:
        """Published, non-draft, non-prerelease: the releases that count."""
        return not self.draft and not self.prerelease and self.published_at is not None

    @property
    def compared_by(self) -> str:
        """The git ref a commit range ends at: the commit when known, else the tag."""
        return self.sha or self.tag

    @property
    def hotfix_texts(self) -> tuple[str, str]:
        """What ``hotfix_pattern`` is matched against: a deployment's ref and description,
        otherwise the tag and the name (an annotated tag's message)."""
        return (self.ref, self.name) if self.kind == "deployment" else (self.tag, self.name)


@dataclass(frozen=True, slots=True)
class Deployment:
    """A deployment to a production environment, as last seen.

    ``outcome`` is ``success`` (``outcome_at``: its first success status), ``failed`` (its
    statuses end in failure or error with no success; ``outcome_at``: the last status) or
    ``pending`` (not decided yet).
    """

    repo: str
    deployment_id: int
    environment: str
    sha: str
    ref: str
    description: str
    created_at: datetime
    updated_at: datetime
    outcome: str
    outcome_at: datetime | None = None

    @property
    def final(self) -> bool:
        """Decided: a later status can only change it by moving ``updated_at``."""
        return self.outcome != "pending"

    def as_release(self) -> Release:
        """The release a successful deployment is."""
        return Release(
            repo=self.repo, release_id=self.deployment_id, tag=f"{self.ref} #{self.deployment_id}",
            name=self.description, draft=False, prerelease=False, created_at=self.created_at,
            published_at=self.outcome_at, kind="deployment", sha=self.sha,
            ref=self.ref,
        )


@dataclass(frozen=True, slots=True)
class Containment:
    """A merged PR's merge commit lies in a release's commit range (previous tag → tag)."""

    repo: str
    release_id: int
    pr_number: int


@dataclass(frozen=True, slots=True)
class ItemLink:
    """A Jira key found in a PR's title, head branch or body."""

    item_key: str
    repo: str
    pr_number: int


# --------------------------------------------------------------------------- team configuration


class Weekday(enum.IntEnum):
    """ISO weekday numbers minus one, as ``datetime.weekday()`` returns them."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A team's working calendar: hours on workdays, minus public holidays."""

    timezone: str  # IANA name
    start: time = time(9, 0)
    end: time = time(17, 0)
    workdays: frozenset[Weekday] = frozenset(
        {Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI}
    )
    holidays: str | None = None  # country code for the ``holidays`` package, e.g. "GB"

    @property
    def working_day_seconds(self) -> float:
        """Length of one working day in seconds (``1d`` of working time)."""
        start = self.start.hour * 3600 + self.start.minute * 60
        end = self.end.hour * 3600 + self.end.minute * 60
        return float(end - start)


@dataclass(frozen=True, slots=True)
class Workflow:
    """Which Jira statuses mean what for one team."""

    handoff: frozenset[str]
    started: frozenset[str]
    returned: frozenset[str]
    done: frozenset[str]


@dataclass(frozen=True, slots=True)
class AlertThresholds:
    """Working-time thresholds, in working seconds."""

    handoff_waiting: float
    review_waiting: float
    unreleased: float
    channel_posts: int = 5  # channel messages per team and alert run; the rest fold into one


@dataclass(frozen=True, slots=True)
class Targets:
    """A team's agreed targets: hours (handoff delay in working hours), the rate a fraction."""

    lead_time: float | None = None
    handoff_delay: float | None = None
    release_interval: float | None = None
    change_failure_rate: float | None = None
    downtime: float | None = None


@dataclass(frozen=True, slots=True)
class Shipping:
    """What a release of a repository is on GitHub: a ``release``, a ``deployment`` to one of
    ``environments`` (names compared ignoring case) that succeeded, or a ``tag`` matching
    ``tag_pattern``."""

    kind: str = "release"
    environments: tuple[str, ...] = ("production",)
    tag_pattern: str | None = None

    @property
    def key(self) -> str:
        """A text that changes when what counts as a release of the repository changes."""
        if self.kind == "deployment":
            return "deployment:" + ",".join(sorted({e.lower() for e in self.environments}))
        return f"tag:{self.tag_pattern}" if self.kind == "tag" else "release"


@dataclass(frozen=True, slots=True)
class TeamFlow:
    """Everything the flow domain needs to know about one team."""

    name: str
    projects: tuple[str, ...]  # Jira project keys of this team (empty with a custom JQL)
    repos: tuple[str, ...]  # "owner/name"
    workflow: Workflow
    calendar: CalendarSpec
    release_source: str = "github"  # "github" | "deployments" | "tags" | "jira"
    shipping: Shipping = field(default_factory=Shipping)  # how the repos ship on GitHub
    hotfix_pattern: str = "(?i)hotfix"
    failure_window: timedelta = timedelta(hours=72)
    incident_types: tuple[str, ...] = ()
    alerts: AlertThresholds = field(
        default_factory=lambda: AlertThresholds(2 * 8 * 3600.0, 8 * 3600.0, 5 * 8 * 3600.0)
    )
    targets: Targets = field(default_factory=Targets)
