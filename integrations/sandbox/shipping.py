"""How a sandbox repository ships without GitHub releases: deployments and git tags.

GitHub's behaviour the sandbox plays (see ``shared/specs/github/known-deviations.json``):
a deployment's state is that of its latest status; a ``success`` status adds an
``inactive`` status to the previous successful deployment of the same environment
(``auto_inactive``, GitHub's default); a deployment's ``updated_at`` moves with each new
status. A lightweight tag is a ref to a commit; an annotated tag is a ref to a tag object
that carries the tagger's date and a message.

``as_deployments`` and ``as_tags`` turn a world that ships by releases into the same
world shipping each release as a production deployment (with staging noise) or as an
annotated tag dated at publication: the same commits, the same times, the same names.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from integrations.sandbox.world import GhRepo, World, make_sha

FINAL = frozenset({"success", "failure", "error"})


@dataclass(slots=True)
class GhDeploymentStatus:
    id: int
    state: str  # error | failure | inactive | in_progress | queued | pending | success
    created_at: datetime
    creator: str
    description: str = ""


@dataclass(slots=True)
class GhDeployment:
    id: int
    sha: str
    ref: str
    environment: str
    description: str
    creator: str
    created_at: datetime
    updated_at: datetime
    task: str = "deploy"
    statuses: list[GhDeploymentStatus] = field(default_factory=list)  # oldest first

    @property
    def state(self) -> str:
        """The state of the latest status (``pending`` before the first)."""
        return self.statuses[-1].state if self.statuses else "pending"


@dataclass(slots=True)
class GhTagObject:
    """An annotated tag's object (``GET /git/tags/{sha}``)."""

    sha: str
    tag: str
    message: str
    tagger: str  # login, shown as the tagger's name
    date: datetime
    commit: str  # the tagged commit's sha


def deploy(
    world: World, repo: str, environment: str, at: datetime, *,
    ref: str = "main", sha: str | None = None, description: str = "",
    states: tuple[tuple[str, datetime], ...] | None = None, creator: str | None = None,
    task: str = "deploy",
) -> GhDeployment:
    """Create a deployment of ``sha`` (default: the default branch head) and its statuses.

    ``states`` defaults to one ``success`` at ``at``; each is added as :func:`add_status`.
    """
    with world.lock:
        r = world.github.repos[repo]
        who = creator or world.github.viewer
        deployment = GhDeployment(
            id=world.next_id(), sha=sha or r.branches[r.default_branch], ref=ref,
            environment=environment, description=description, creator=who,
            created_at=at, updated_at=at, task=task,
        )
        r.deployments.append(deployment)
        for state, when in states if states is not None else (("success", at),):
            add_status(world, repo, deployment.id, state, when)
        return deployment


def add_status(
    world: World, repo: str, deployment_id: int, state: str, at: datetime,
    *, description: str = "",
) -> GhDeploymentStatus:
    """Add a status; a ``success`` marks the environment's earlier successes ``inactive``."""
    with world.lock:
        r = world.github.repos[repo]
        deployment = next(d for d in r.deployments if d.id == deployment_id)
        if state == "success":
            for other in r.deployments:
                if (
                    other.id < deployment.id
                    and other.environment == deployment.environment
                    and other.state == "success"
                ):
                    _append(world, other, "inactive", at, "")
        return _append(world, deployment, state, at, description)


def tag(
    world: World, repo: str, name: str, at: datetime, *, annotated: bool = True,
    message: str = "", sha: str | None = None, tagger: str | None = None,
) -> str:
    """Tag ``sha`` (default: the default branch head); returns the tagged commit's sha."""
    with world.lock:
        r = world.github.repos[repo]
        commit = sha or r.branches[r.default_branch]
        r.tags[name] = commit
        r.annotated.pop(name, None)  # a re-pushed tag replaces the old ref
        if annotated:
            obj = make_sha(repo, "tag-object", name, commit)
            r.annotated[name] = GhTagObject(
                obj, name, message or name, tagger or world.github.viewer, at, commit
            )
        return commit


def environments(r: GhRepo) -> list[str]:
    """The repository's environments: every one a deployment named, first use first."""
    return list(dict.fromkeys(d.environment for d in sorted(r.deployments, key=lambda d: d.id)))


def as_deployments(
    world: World, *, staging: bool = True, repos: Collection[str] | None = None
) -> World:
    """Ship every eligible release as a successful ``production`` deployment instead.

    The release's tag becomes the deployment's ``ref`` and its name the description; its
    commit and publication time are kept. With ``staging``, each is preceded by a staging
    deployment of the same commit an hour earlier (noise a production-only reading must
    skip). Drafts vanish; prereleases become staging deployments only. ``repos``: only
    those (default: every repository).
    """
    with world.lock:
        for full_name, r in world.github.repos.items():
            if repos is not None and full_name not in repos:
                continue
            releases, r.releases = r.releases, []
            for rel in sorted(releases, key=lambda x: (x.published_at or x.created_at, x.id)):
                if rel.draft or rel.published_at is None:
                    r.tags.pop(rel.tag_name, None)  # a draft's tag is not pushed yet
                    continue
                sha = r.tags[rel.tag_name]
                if staging or rel.prerelease:
                    deploy(world, full_name, "staging", rel.published_at - timedelta(hours=1),
                           ref=rel.tag_name, sha=sha, description=rel.name)
                if not rel.prerelease:
                    deploy(world, full_name, "production", rel.published_at,
                           ref=rel.tag_name, sha=sha, description=rel.name,
                           states=(("in_progress", rel.published_at - timedelta(minutes=5)),
                                   ("success", rel.published_at)))
    return world


def as_tags(world: World, *, repos: Collection[str] | None = None) -> World:
    """Ship every eligible release as an annotated tag dated at its publication.

    The tag keeps its name and commit; the release's name becomes the tag's message.
    Drafts and prereleases vanish (their tags too), so they match no pattern. ``repos``:
    only those (default: every repository).
    """
    with world.lock:
        for full_name, r in world.github.repos.items():
            if repos is not None and full_name not in repos:
                continue
            releases, r.releases = r.releases, []
            for rel in releases:
                sha = r.tags.pop(rel.tag_name, None)
                if sha is None or rel.draft or rel.prerelease or rel.published_at is None:
                    continue
                tag(world, full_name, rel.tag_name, rel.published_at, message=rel.name,
                    sha=sha, tagger=rel.author)
    return world


def _append(
    world: World, deployment: GhDeployment, state: str, at: datetime, description: str
) -> GhDeploymentStatus:
    status = GhDeploymentStatus(world.next_id(), state, at, world.github.viewer, description)
    deployment.statuses.append(status)
    deployment.updated_at = max(deployment.updated_at, at)
    return status
