"""The scenario generator's intent log: what it meant each event to be.

The generator records these as it builds a :class:`~integrations.sandbox.world.World`, so
end-to-end tests can compare Crosswalk's figures with what the scenario was built to hold
(handoff episodes and how they ended, pull request timings, releases and why they fail,
incidents and the release they follow) without re-deriving them through the product's code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# How a handoff episode ended (docs/metrics.md "Handoffs").
PICKED_UP = "picked_up"
RETURNED = "returned"
WITHDRAWN = "withdrawn"
WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class HandoffIntent:
    """One handoff episode: the item entered a handoff status at ``start``."""

    team: str
    item_key: str
    start: datetime
    end: datetime | None  # None while waiting at ``world.now``
    outcome: str  # picked_up | returned | withdrawn | waiting
    pickup_by: str | None = None  # "status" | "pr" when picked up


@dataclass(frozen=True, slots=True)
class PullIntent:
    """One pull request as opened, reviewed and merged (or not)."""

    team: str
    repo: str
    number: int
    author: str
    author_is_bot: bool
    opened: datetime
    merged: datetime | None
    closed: datetime | None  # closed without merge
    first_human_review: datetime | None  # by a human other than the author, before merge
    item_keys: tuple[str, ...]  # keys of configured projects it mentions
    revert_of: int | None = None  # number of the PR it reverts


@dataclass(frozen=True, slots=True)
class ReleaseIntent:
    """One GitHub release; ``failed``/``reasons`` follow docs/metrics.md "Releases"."""

    team: str
    repo: str
    release_id: int
    tag: str
    published: datetime | None  # None for drafts
    draft: bool
    prerelease: bool
    hotfix: bool
    failed: bool = False
    reasons: tuple[str, ...] = ()  # "hotfix <tag>", "revert #<n>", "incident <key>", ...
    rollback: bool = False  # a redeploy of an earlier commit: contains no pull request


@dataclass(frozen=True, slots=True)
class DeployFailureIntent:
    """A deployment attempt to production that failed (no release), at its last status."""

    team: str
    repo: str
    at: datetime


@dataclass(frozen=True, slots=True)
class IncidentIntent:
    """A Jira incident created after a release and resolved (or not yet)."""

    team: str
    key: str
    created: datetime
    resolved: datetime | None
    follows_repo: str | None  # the release it is attributed to
    follows_tag: str | None


@dataclass(slots=True)
class Intent:
    """Everything the generator meant, in generation order."""

    handoffs: list[HandoffIntent] = field(default_factory=list)
    pulls: list[PullIntent] = field(default_factory=list)
    releases: list[ReleaseIntent] = field(default_factory=list)
    incidents: list[IncidentIntent] = field(default_factory=list)
    deploy_failures: list[DeployFailureIntent] = field(default_factory=list)
