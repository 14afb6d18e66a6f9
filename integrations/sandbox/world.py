"""The sandbox's state: one organisation's Jira site, GitHub account and Slack workspace.

The scenario generator fills a :class:`World`; the three loopback servers serve it and
record what clients do to it; tests mutate it while the servers run (add a transition,
open or merge a pull request, publish a release). All datetimes are aware UTC; every
mutation holds ``World.lock`` (the servers are threaded). Deployments and tags: shipping.py.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from integrations.sandbox.slack.state import SlackState

if TYPE_CHECKING:
    from integrations.sandbox.shipping import GhDeployment, GhTagObject


@dataclass(slots=True)
class JiraUser:
    account_id: str
    display_name: str
    email: str
    time_zone: str = "Europe/London"


@dataclass(slots=True)
class JiraHistoryItem:
    field: str  # "status", "assignee", "Fix Version", ...
    from_id: str | None
    from_string: str | None
    to_id: str | None
    to_string: str | None


@dataclass(slots=True)
class JiraHistory:
    id: str  # numeric string, unique across the site
    created: datetime
    author_account_id: str
    items: list[JiraHistoryItem]


@dataclass(slots=True)
class JiraIssue:
    id: str  # numeric string
    key: str
    project: str
    issue_type: str
    summary: str
    created: datetime
    updated: datetime
    status: str
    reporter_account_id: str
    assignee_account_id: str | None = None
    resolutiondate: datetime | None = None
    fix_version_ids: list[str] = field(default_factory=list)
    histories: list[JiraHistory] = field(default_factory=list)  # oldest first


@dataclass(slots=True)
class JiraVersion:
    id: str
    project: str
    name: str
    released: bool = False
    release_date: date | None = None
    archived: bool = False


@dataclass(slots=True)
class JiraProject:
    id: str
    key: str
    name: str
    lead_account_id: str


@dataclass(slots=True)
class JiraState:
    myself: JiraUser
    email: str  # basic-auth user
    api_token: str  # basic-auth password (Cloud) / PAT (bearer)
    projects: dict[str, JiraProject] = field(default_factory=dict)
    issues: dict[str, JiraIssue] = field(default_factory=dict)  # by key
    versions: dict[str, JiraVersion] = field(default_factory=dict)  # by id
    users: dict[str, JiraUser] = field(default_factory=dict)  # by account id
    statuses: dict[str, str] = field(default_factory=dict)  # status name -> id
    deployment_type: str = "Cloud"  # or "Server" / "DataCenter"
    next_history_id: int = 10_000
    next_issue_id: int = 10_000

    def status_id(self, name: str) -> str:
        """The id of a status name, allocating one for a new name."""
        if name not in self.statuses:
            self.statuses[name] = str(10_000 + len(self.statuses))
        return self.statuses[name]


@dataclass(slots=True)
class GhUser:
    login: str
    id: int
    type: str = "User"  # "User" | "Bot"
    name: str | None = None
    email: str | None = None


@dataclass(slots=True)
class GhCommit:
    sha: str
    parents: tuple[str, ...]
    message: str
    author_login: str
    date: datetime


@dataclass(slots=True)
class GhReview:
    id: int
    user: str  # login
    state: str  # APPROVED | CHANGES_REQUESTED | COMMENTED | DISMISSED | PENDING
    submitted_at: datetime | None
    body: str = ""
    commit_id: str = ""


@dataclass(slots=True)
class GhPull:
    number: int
    id: int
    title: str
    body: str
    head_ref: str
    base_ref: str
    user: str  # login
    state: str  # "open" | "closed"
    draft: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    merge_commit_sha: str | None = None
    head_sha: str = ""
    requested_reviewers: list[str] = field(default_factory=list)
    reviews: list[GhReview] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)  # shas on the head branch


@dataclass(slots=True)
class GhRelease:
    id: int
    tag_name: str
    name: str
    draft: bool
    prerelease: bool
    created_at: datetime
    published_at: datetime | None
    author: str
    target_commitish: str = "main"
    body: str = ""


@dataclass(slots=True)
class GhRepo:
    id: int
    owner: str
    name: str
    default_branch: str = "main"
    private: bool = True
    commits: dict[str, GhCommit] = field(default_factory=dict)
    branches: dict[str, str] = field(default_factory=dict)  # name -> head sha
    tags: dict[str, str] = field(default_factory=dict)  # name -> sha
    pulls: dict[int, GhPull] = field(default_factory=dict)
    releases: list[GhRelease] = field(default_factory=list)  # creation order
    deployments: list[GhDeployment] = field(default_factory=list)  # creation order
    annotated: dict[str, GhTagObject] = field(default_factory=dict)  # annotated tags by name
    next_number: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def ancestors(self, sha: str) -> set[str]:
        """Every commit reachable from ``sha`` (itself included)."""
        seen: set[str] = set()
        stack = [sha]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.commits:
                continue
            seen.add(current)
            stack.extend(self.commits[current].parents)
        return seen


@dataclass(slots=True)
class GitHubState:
    token: str
    viewer: str  # login the token belongs to
    users: dict[str, GhUser] = field(default_factory=dict)
    repos: dict[str, GhRepo] = field(default_factory=dict)  # by "owner/name"
    rate_limit: int = 5000  # primary limit per hour
    next_id: int = 1_000_000
    apps: dict[str, str] = field(default_factory=dict)  # GitHub App id -> public key (PEM)
    installations: dict[int, str] = field(default_factory=dict)  # installation id -> app id
    installation_tokens: dict[str, datetime] = field(default_factory=dict)  # -> expiry


@dataclass(slots=True)
class ScenarioTeam:
    """What the generated config says about one team."""

    name: str
    jira_project: str
    repos: list[str]
    channel_id: str
    channel_name: str
    product_emails: list[str]
    engineering_emails: list[str]
    timezone: str = "Europe/London"
    holidays: str | None = "GB"
    handoff: list[str] = field(default_factory=lambda: ["Ready for Development"])
    started: list[str] = field(default_factory=lambda: ["In Progress", "In Review"])
    returned: list[str] = field(default_factory=lambda: ["Needs Clarification"])
    done: list[str] = field(default_factory=lambda: ["Done"])
    incident_types: list[str] = field(default_factory=lambda: ["Incident"])
    release_source: str = "github"  # github | deployments | tags | jira
    environments: list[str] = field(default_factory=lambda: ["production"])
    tag_pattern: str | None = None


@dataclass(slots=True)
class World:
    """One organisation across the three services, plus the scenario's team layout."""

    name: str  # scenario name
    seed: int
    now: datetime  # the scenario's "today"; servers do not move it
    jira: JiraState
    github: GitHubState
    slack: SlackState
    teams: list[ScenarioTeam] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    # ---- mutations used by tests while servers run -------------------------------------

    def add_transition(self, key: str, to_status: str, at: datetime) -> JiraHistory:
        """Move a Jira issue to ``to_status`` at ``at`` (appends a changelog history)."""
        with self.lock:
            jira = self.jira
            issue = jira.issues[key]
            item = JiraHistoryItem(
                "status", jira.status_id(issue.status), issue.status,
                jira.status_id(to_status), to_status,
            )
            history = JiraHistory(str(jira.next_history_id), at, jira.myself.account_id, [item])
            jira.next_history_id += 1
            issue.histories.append(history)
            issue.status = to_status
            issue.updated = max(issue.updated, at)
            return history

    def open_pull(
        self, repo: str, *, title: str, head_ref: str, user: str, at: datetime,
        body: str = "", draft: bool = False, requested_reviewers: list[str] | None = None,
    ) -> GhPull:
        """Open a pull request with one commit on its head branch."""
        with self.lock:
            r = self.github.repos[repo]
            base = r.branches[r.default_branch]
            head = make_sha(repo, "head", str(r.next_number), head_ref)
            r.commits[head] = GhCommit(head, (base,), title, user, at)
            r.branches[head_ref] = head
            pull = GhPull(
                number=r.next_number, id=self.next_id(), title=title, body=body,
                head_ref=head_ref, base_ref=r.default_branch, user=user, state="open",
                draft=draft, created_at=at, updated_at=at, head_sha=head,
                requested_reviewers=list(requested_reviewers or []), commits=[head],
            )
            r.pulls[pull.number] = pull
            r.next_number += 1
            return pull

    def review_pull(
        self, repo: str, number: int, *, user: str, state: str, at: datetime
    ) -> GhReview:
        """Submit a review on an open pull request."""
        with self.lock:
            pull = self.github.repos[repo].pulls[number]
            review = GhReview(self.next_id(), user, state, at, commit_id=pull.head_sha)
            pull.reviews.append(review)
            if user in pull.requested_reviewers:
                pull.requested_reviewers.remove(user)
            pull.updated_at = max(pull.updated_at, at)
            return review

    def merge_pull(self, repo: str, number: int, at: datetime) -> str:
        """Squash-merge a pull request onto the default branch; returns the merge commit sha."""
        with self.lock:
            r = self.github.repos[repo]
            pull = r.pulls[number]
            parent = r.branches[r.default_branch]
            sha = make_sha(repo, "merge", str(number))
            r.commits[sha] = GhCommit(sha, (parent,), f"{pull.title} (#{number})", pull.user, at)
            r.branches[r.default_branch] = sha
            pull.state = "closed"
            pull.merged_at = pull.closed_at = pull.updated_at = at
            pull.merge_commit_sha = sha
            return sha

    def publish_release(
        self, repo: str, tag: str, at: datetime, *, name: str | None = None,
        draft: bool = False, prerelease: bool = False, author: str | None = None,
    ) -> GhRelease:
        """Tag the default branch head and create a release (published unless draft)."""
        with self.lock:
            r = self.github.repos[repo]
            r.tags[tag] = r.branches[r.default_branch]
            release = GhRelease(
                id=self.next_id(), tag_name=tag, name=name or tag, draft=draft,
                prerelease=prerelease, created_at=at, published_at=None if draft else at,
                author=author or self.github.viewer, target_commitish=r.default_branch,
            )
            r.releases.append(release)
            return release

    def next_id(self) -> int:
        """A new GitHub object id."""
        self.github.next_id += 1
        return self.github.next_id

    def iter_pulls(self) -> Iterator[tuple[GhRepo, GhPull]]:
        """Every pull request of every repository."""
        return ((r, p) for r in self.github.repos.values() for p in r.pulls.values())


def make_sha(*parts: str) -> str:
    """A deterministic 40-hex commit sha from its parts."""
    return hashlib.sha1("\0".join(parts).encode(), usedforsecurity=False).hexdigest()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Shorthand for an aware UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
