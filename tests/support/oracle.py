"""The test oracle: what a correct sync must leave in the store, computed from a World.

:func:`expected_records` reads the World (never a server or an adapter) and builds the
``bot.flow.model`` records the sync should produce, so sync tests can compare the store
with it: items, status changes (``"<history id>:<index>"``), fix versions, pull requests,
reviews, releases, containment (merge commit in previous eligible release's tag → this
tag, from the commit graph) and item links (keys of configured projects only).

Independent of the code it checks: the bot rule and the issue-key pattern are written here
from docs/metrics.md ("Bots", "Linking"), not imported from ``bot.flow``, so a bug there
shows up as a difference. Only the record dataclasses are shared, to compare with the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.flow.model import (
    Containment,
    FixVersion,
    ItemLink,
    PullRequest,
    Release,
    Review,
    ReviewState,
    StatusChange,
    WorkItem,
)
from integrations.sandbox.github.common import WEB, eligible_releases
from integrations.sandbox.world import GhRepo, World

# docs/metrics.md, "Linking": a project key (a capital letter, then capitals or digits), a
# hyphen and a number, anywhere in the title, branch or body.
KEY_RE = re.compile(r"[A-Z][A-Z0-9]+-\d+")


def is_bot(login: str, account_type: str | None) -> bool:
    """docs/metrics.md, "Bots": an account of type ``Bot``, or a login ending in ``[bot]``."""
    return account_type == "Bot" or login.endswith("[bot]")


@dataclass(slots=True)
class Expected:
    """The records, each list sorted by its natural key."""

    items: list[WorkItem] = field(default_factory=list)
    changes: list[StatusChange] = field(default_factory=list)
    fix_versions: list[FixVersion] = field(default_factory=list)
    pulls: list[PullRequest] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    releases: list[Release] = field(default_factory=list)
    containments: list[Containment] = field(default_factory=list)
    links: list[ItemLink] = field(default_factory=list)


def linked_keys(texts: Iterable[str], projects: Iterable[str]) -> set[str]:
    """Every Jira key of ``projects`` found in ``texts`` (docs/metrics.md "Linking")."""
    wanted = set(projects)
    return {k for text in texts for k in KEY_RE.findall(text) if k.rsplit("-", 1)[0] in wanted}


def expected_records(
    world: World, *, projects: Iterable[str] | None = None, jira_url: str = "",
) -> Expected:
    """The records a correct sync of ``world`` stores (``projects``: configured Jira projects).

    ``jira_url`` makes item URLs (``<jira_url>/browse/<key>``); empty leaves them empty.
    """
    wanted = set(projects) if projects is not None else {t.jira_project for t in world.teams}
    out = Expected()
    with world.lock:
        _jira(world, wanted, jira_url.rstrip("/"), out)
        for full_name in sorted(world.github.repos):
            _github(world, world.github.repos[full_name], wanted, out)
    return out


def _jira(world: World, wanted: set[str], base: str, out: Expected) -> None:
    for issue in sorted(world.jira.issues.values(), key=lambda i: (i.project, int(i.id))):
        if issue.project not in wanted:
            continue
        out.items.append(WorkItem(
            issue.key, issue.project, issue.issue_type, issue.summary, issue.status,
            issue.created, issue.updated, issue.resolutiondate, tuple(issue.fix_version_ids),
            f"{base}/browse/{issue.key}" if base else "",
        ))
        for history in issue.histories:
            for index, change in enumerate(history.items):
                if change.field == "status" and change.to_string is not None:
                    out.changes.append(StatusChange(
                        issue.key, f"{history.id}:{index}", history.created,
                        change.from_string, change.to_string,
                    ))
    # A version is stored when an item names it, and every version of a project that a team
    # shipping by fixVersions reads (only those teams' syncs list a project's versions).
    listed = {t.jira_project for t in world.teams if t.release_source == "jira"}
    named = {v for i in world.jira.issues.values() if i.project in wanted
             for v in i.fix_version_ids}
    for version in sorted(world.jira.versions.values(), key=lambda v: int(v.id)):
        if version.project in wanted and (version.project in listed or version.id in named):
            out.fix_versions.append(FixVersion(
                version.id, version.project, version.name, version.released, version.release_date,
            ))


def _github(world: World, repo: GhRepo, wanted: set[str], out: Expected) -> None:
    name = repo.full_name
    users = world.github.users
    for number in sorted(repo.pulls):
        p = repo.pulls[number]
        author_type = users[p.user].type if p.user in users else None
        out.pulls.append(PullRequest(
            name, number, p.title, p.body, p.head_ref, p.user, is_bot(p.user, author_type),
            p.state, p.draft, p.created_at, p.updated_at, p.closed_at, p.merged_at,
            p.merge_commit_sha, tuple(p.requested_reviewers), f"{WEB}/{name}/pull/{number}",
        ))
        for rv in p.reviews:
            kind = users[rv.user].type if rv.user in users else None
            out.reviews.append(Review(name, number, rv.id, rv.user, is_bot(rv.user, kind),
                                      ReviewState(rv.state), rv.submitted_at))
        for key in sorted(linked_keys((p.title, p.head_ref, p.body), wanted)):
            out.links.append(ItemLink(key, name, number))
    merged = {p.merge_commit_sha: p.number for p in repo.pulls.values() if p.merge_commit_sha}
    previous: set[str] = set()
    for rel in repo.releases:
        out.releases.append(Release(
            name, rel.id, rel.tag_name, rel.name, rel.draft, rel.prerelease, rel.created_at,
            rel.published_at, f"{WEB}/{name}/releases/tag/{rel.tag_name}",
        ))
    for rel in sorted(eligible_releases(repo), key=lambda r: r.published_at or r.created_at):
        reach = repo.ancestors(repo.tags[rel.tag_name])
        for sha in reach - previous:
            if sha in merged:
                out.containments.append(Containment(name, rel.id, merged[sha]))
        previous = reach
    out.containments.sort(key=lambda c: (c.repo, c.release_id, c.pr_number))

