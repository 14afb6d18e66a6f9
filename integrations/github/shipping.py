"""Releases that are not GitHub releases: deployments to production, and matching tags.

Cost model (``bench/sync.py`` compares against it):
- deployments: per environment, one conditional GET of the first listing page
  (``/deployments?environment=…``, newest first), a free 304 when nothing changed; on a
  200, pages only until one holds nothing new (every deployment known as it is, and no
  undecided one older), and one statuses request per new or changed deployment;
- tags: one conditional GET of ``/git/matching-refs/tags`` (a free 304 when no tag ref
  changed); per new tag, one request: the annotated tag object (its tagger date and
  message) or, for a lightweight tag, the tagged commit (its committer date). A tag
  object never changes, so a known tag ref costs nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from functools import partial
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from bot.core.errors import NotFound
from bot.core.logs import event
from bot.core.ports import ContainmentResult, DeploymentPoll, ReleasePoll
from bot.flow.model import Containment, Deployment, Release, Shipping

if TYPE_CHECKING:
    from integrations.github.client import GitHubHost

log = logging.getLogger(__name__)
PER_PAGE = 100
NESTED_TAGS = 4  # an annotated tag may tag another tag object; follow this many


def tag_release_id(name: str) -> int:
    """A stable positive 62-bit id for a tag (tags have no numeric id on GitHub)."""
    return int.from_bytes(hashlib.sha1(name.encode(), usedforsecurity=False).digest()[:8]) >> 2


def poll_deployments(
    host: GitHubHost, repo: str, environment: str, etag: str | None,
    known: Mapping[int, Deployment],
) -> DeploymentPoll:
    """See ``CodeHost.poll_deployments``."""
    operation = f"list deployments of {repo} to {environment}"
    params = {"environment": environment, "per_page": PER_PAGE}
    first = host._conditional(operation, f"/repos/{repo}/deployments", params, etag)
    if first is None:
        return DeploymentPoll(repo, environment, changed=False, etag=etag, requests=1)
    new_etag, items, next_url = first
    requests = 1
    pending = [d.created_at for d in known.values() if not d.final]
    oldest_pending = min(pending, default=None)
    found: list[Deployment] = []
    while True:
        fresh = 0
        for item in items:
            if str(item.get("environment", "")).lower() != environment.lower():
                continue  # GitHub compares environment names case-insensitively too
            seen = known.get(int(item["id"]))
            if seen is not None and seen.final and seen.updated_at == _instant(item["updated_at"]):
                continue
            fresh += 1
            statuses, cost = _statuses(host, repo, int(item["id"]))
            requests += cost
            found.append(_deployment(repo, item, statuses))
        oldest = min((_instant(i["created_at"]) for i in items), default=None)
        further = oldest_pending is not None and (oldest is None or oldest_pending < oldest)
        if next_url is None or (fresh == 0 and known and not further):
            break
        items, next_url = host._page(operation, next_url)
        requests += 1
    return DeploymentPoll(repo, environment, True, found, new_etag, requests)


def poll_tags(
    host: GitHubHost, repo: str, etag: str | None, pattern: str, known: Mapping[str, Release]
) -> ReleasePoll:
    """See ``CodeHost.poll_tags``."""
    operation = f"list tags of {repo}"
    first = host._conditional(
        operation, f"/repos/{repo}/git/matching-refs/tags", {"per_page": PER_PAGE}, etag
    )
    if first is None:
        return ReleasePoll(repo, changed=False, etag=etag, requests=1)
    new_etag, refs, next_url = first
    requests = 1
    while next_url is not None:
        more, next_url = host._page(operation, next_url)
        refs += more
        requests += 1
    rx = re.compile(pattern)
    releases: list[Release] = []
    tags: dict[str, str] = {}
    for ref in refs:
        name = str(ref["ref"]).removeprefix("refs/tags/")
        if rx.search(name) is None:
            continue
        target = ref["object"]
        stored = known.get(name)
        if stored is not None and stored.ref == target["sha"]:
            releases.append(stored)  # the same tag object: it never changes
        else:
            release, cost = _tag_release(host, repo, name, target)
            releases.append(release)
            requests += cost
        tags[name] = releases[-1].sha
    return ReleasePoll(repo, True, releases, tags, new_etag, requests)


def containments(
host: GitHubHost,
    repo: str,
    releases: Sequence[Release],
    merged: Mapping[str, int],
    done: Collection[tuple[str, str]],
) -> ContainmentResult:
    """Compare each consecutive pair of eligible releases not yet ``done``, once (by
    commit where the release has one, else by tag); ``behind`` marks a rollback."""
    eligible = sorted(
        (r for r in releases if r.eligible),
        key=lambda r: (r.published_at or r.created_at, r.release_id),
    )
    found: list[Containment] = []
    pairs: list[tuple[str, str]] = []
    rollbacks: list[int] = []
    requests = 0
    handle = host.gh.get_repo(repo)
    for previous, current in pairwise(eligible):
        pair = (previous.compared_by, current.compared_by)
        if pair in done or pair in pairs:
            continue
        try:
            shas, cost, status = host._call(
                f"compare {repo} {pair[0]}...{pair[1]}", partial(_compare, handle, *pair)
            )
        except NotFound:  # a deleted tag: nothing can be learnt, so never ask again
            event(log, "github.compare_missing", logging.WARNING, repo=repo, base=pair[0],
                  head=pair[1])
            shas, cost, status = [], 1, ""
        requests += cost
        pairs.append(pair)
        if status == "behind":
            rollbacks.append(current.release_id)
        found += [Containment(repo, current.release_id, merged[s]) for s in shas if s in merged]
    return ContainmentResult(found, pairs, requests, rollbacks)


def _compare(handle: Any, base: str, head: str) -> tuple[list[str], int, str]:
    comparison = handle.compare(base, head)
    total = int(comparison.total_commits)  # the first request: page 1 of the commits
    shas = [commit.sha for commit in comparison.commits]
    return shas, max(1, -(-total // PER_PAGE)), str(comparison.status)


def _statuses(host: GitHubHost, repo: str, deployment_id: int) -> tuple[list[Any], int]:
    """Every status of one deployment, newest first."""
    operation = f"list statuses of deployment {deployment_id} of {repo}"
    url: str | None = f"{host.api}/repos/{repo}/deployments/{deployment_id}/statuses"
    url = f"{url}?per_page={PER_PAGE}"
    out: list[Any] = []
    requests = 0
    while url is not None:
        items, url = host._page(operation, url)
        out += items
        requests += 1
    return out, requests


def _deployment(repo: str, item: Mapping[str, Any], statuses: list[Any]) -> Deployment:
    """The record of a deployment: its outcome from its statuses (newest first)."""
    successes = [_instant(s["created_at"]) for s in statuses if s.get("state") == "success"]
    outcome, at = "pending", None
    if successes:
        outcome, at = "success", min(successes)  # later inactive statuses change nothing
    elif statuses and statuses[0].get("state") in ("failure", "error"):
        outcome, at = "failed", _instant(statuses[0]["created_at"])
    return Deployment(
        repo=repo, deployment_id=int(item["id"]), environment=str(item["environment"]),
        sha=str(item["sha"]), ref=str(item.get("ref") or ""),
        description=str(item.get("description") or ""),
        created_at=_instant(item["created_at"]), updated_at=_instant(item["updated_at"]),
        outcome=outcome, outcome_at=at,
    )


def _tag_release(
    host: GitHubHost, repo: str, name: str, target: Mapping[str, Any]
) -> tuple[Release, int]:
    """A tag as a release: dated by its tagger, or by its commit when lightweight."""
    ref_sha, requests = str(target["sha"]), 0
    obj: Mapping[str, Any] = target
    message, date = "", None
    for _ in range(NESTED_TAGS):
        if obj.get("type") != "tag":
            break
        path = f"/repos/{repo}/git/tags/{obj['sha']}"
        _, tag = host._call(
            f"read tag {name} of {repo}",
            partial(host.gh.requester.requestJsonAndCheck, "GET", path),
        )
        requests += 1
        if date is None:
            date, message = _instant(tag["tagger"]["date"]), str(tag.get("message") or "")
        obj = tag["object"]
    commit = str(obj["sha"])
    if date is None:
        _, data = host._call(
            f"read commit {commit[:12]} of {repo}",
            lambda: host.gh.requester.requestJsonAndCheck("GET", f"/repos/{repo}/commits/{commit}"),
        )
        requests += 1
        date = _instant(data["commit"]["committer"]["date"])
    release = Release(
        repo=repo, release_id=tag_release_id(name), tag=name, name=message.strip() or name,
        draft=False, prerelease=False, created_at=date, published_at=date, kind="tag",
        sha=commit, ref=ref_sha,
    )
    return release, requests


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))



def check_shipping(host: GitHubHost, repo: str, shipping: Shipping) -> str:
    """What the token can read of the repository's pull requests and release source, or
    ``NotFound`` naming what is missing (an environment the config names, a listing the
    token cannot read: a fine-grained token lacking *Pull requests*, say)."""
    host._call(
        f"list pull requests of {repo}",
        partial(host.gh.requester.requestJsonAndCheck, "GET", f"/repos/{repo}/pulls",
                parameters={"per_page": 1, "state": "all"}),
    )
    return "pull requests and " + _release_source_check(host, repo, shipping)


def _release_source_check(host: GitHubHost, repo: str, shipping: Shipping) -> str:
    if shipping.kind == "deployment":
        _, data = host._call(
            f"list environments of {repo}",
            partial(host.gh.requester.requestJsonAndCheck, "GET", f"/repos/{repo}/environments"),
        )
        names = {str(e["name"]).lower(): str(e["name"]) for e in data.get("environments", [])}
        missing = [env for env in shipping.environments if env.lower() not in names]
        if missing:
            known = ", ".join(sorted(names.values())) or "none"
            raise NotFound(
                "GitHub", f"no environment {', '.join(missing)} in {repo} (it has: {known});"
                " set releases.environments to the production ones"
            )
        host._call(
            f"list deployments of {repo}",
            partial(host.gh.requester.requestJsonAndCheck, "GET", f"/repos/{repo}/deployments",
                    parameters={"per_page": 1}),
        )
        found = ", ".join(names[e.lower()] for e in shipping.environments)
        return f"deployments to {found} readable"
    if shipping.kind == "tag":
        assert shipping.tag_pattern is not None
        _, refs = host._call(
            f"list tags of {repo}",
            partial(host.gh.requester.requestJsonAndCheck, "GET",
                    f"/repos/{repo}/git/matching-refs/tags", parameters={"per_page": PER_PAGE}),
        )
        rx = re.compile(shipping.tag_pattern)
        matching = sum(1 for r in refs if rx.search(str(r["ref"]).removeprefix("refs/tags/")))
        return f"tags readable; {matching} of the first {len(refs)} match tag_pattern"
    host._call(
        f"list releases of {repo}",
        partial(host.gh.requester.requestJsonAndCheck, "GET", f"/repos/{repo}/releases",
                parameters={"per_page": 1}),
    )
    return "releases readable"
