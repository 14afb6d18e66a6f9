"""The GitHub sandbox's route handlers: what each endpoint answers from ``world.github``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from integrations.sandbox.base import Request
from integrations.sandbox.github import events as github_events
from integrations.sandbox.github.common import Json
from integrations.sandbox.world import GhCommit, GhPull, GhRepo

if TYPE_CHECKING:
    from integrations.sandbox.github.server import GitHubServer

Match = re.Match[str]
REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
PULL_SORTS = {"created", "updated", "popularity", "long-running"}
COMPARE_UNPAGED_CAP = 250  # GitHub lists at most 250 commits when no page params are given


class HttpError(Exception):
    """Raised by a handler to answer with GitHub's error body."""

    def __init__(self, status: int, message: str, extra: Json | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra or {}


@dataclass(slots=True)
class Result:
    """What a route handler produces before conditional handling and headers."""

    payload: Any
    headers: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None


def register(server: GitHubServer) -> None:
    """Register the routes on ``server``."""
    from integrations.sandbox.github import deploy_routes  # here: it imports this module

    gh = server.world.github
    chains: Chains = {}  # first-parent chains of default branches, for fast compares

    def user(req: Request, __: Match) -> Result:
        if server.is_installation_token(server.token_of(req)):  # an App is no user
            raise HttpError(403, "Resource not accessible by integration")
        created = server.world.now.replace(year=server.world.now.year - 5)
        return Result(server.payloads.full_user(gh.viewer, created))

    def users(_: Request, m: Match) -> Result:
        login = m["login"]
        owners = {r.owner for r in gh.repos.values()}
        if login not in gh.users and login not in owners:
            raise HttpError(404, "Not Found")
        created = server.world.now.replace(year=server.world.now.year - 5)
        return Result(server.payloads.full_user(login, created), last_modified=created)

    def user_repos(req: Request, _: Match) -> Result:
        repos = sorted(gh.repos.values(), key=lambda r: r.full_name.lower())
        chunk, headers = server.paginate(req, repos)
        return Result([server.payloads.repo(r, server.repo_created(r)) for r in chunk], headers)

    def rate_limit(req: Request, _: Match) -> Result:
        b = server.budget(server._token(req) or "")
        return Result(server.payloads.rate_limit(b.limit, b.used, b.reset))

    def repo(_: Request, m: Match) -> Result:
        r = server.repo_of(m)
        created = server.repo_created(r)
        return Result(
            server.payloads.full_repo(r, created),
            last_modified=server.payloads.pushed_at(r, created),
        )

    def pulls(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        state = req.arg("state", "open")
        sort = req.arg("sort", "created") or "created"
        direction = req.arg("direction") or ("desc" if sort == "created" else "asc")
        if (
            state not in ("open", "closed", "all")
            or sort not in PULL_SORTS
            or direction not in ("asc", "desc")
        ):
            raise HttpError(
                422, "Validation Failed", {"errors": [{"resource": "Search", "code": "invalid"}]}
            )
        chosen = [p for p in r.pulls.values() if state == "all" or p.state == state]
        chosen.sort(key=_pull_key(sort), reverse=direction == "desc")
        chunk, headers = server.paginate(req, chosen)
        created = server.repo_created(r)
        payloads = server.payloads
        repo_json = payloads.repo(r, created)  # shared by every item's head and base
        return Result([payloads.pull_simple(r, p, created, repo_json) for p in chunk], headers)

    def pull(_: Request, m: Match) -> Result:
        r = server.repo_of(m)
        p = server.pull_of(r, m)
        return Result(
            server.payloads.pull_full(r, p, server.repo_created(r)), last_modified=p.updated_at
        )

    def reviews(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        p = server.pull_of(r, m)
        # a pending review is visible to its author only
        shown = [rv for rv in p.reviews if rv.state != "PENDING" or rv.user == gh.viewer]
        chunk, headers = server.paginate(req, shown)
        return Result([server.payloads.review(r, p, rv) for rv in chunk], headers)

    def pull_commits(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        p = server.pull_of(r, m)
        commits = [r.commits[s] for s in p.commits if s in r.commits][:250]  # GitHub's cap
        chunk, headers = server.paginate(req, commits)
        return Result([server.payloads.commit(r, c) for c in chunk], headers)

    def releases(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        # drafts are visible to users with push access, which the sandbox token has
        ordered = sorted(r.releases, key=lambda rel: (rel.created_at, rel.id), reverse=True)
        chunk, headers = server.paginate(req, ordered)
        return Result([server.payloads.release(r, rel) for rel in chunk], headers)

    def latest(_: Request, m: Match) -> Result:
        r = server.repo_of(m)
        eligible = [rel for rel in r.releases if not rel.draft and not rel.prerelease]
        if not eligible:
            raise HttpError(404, "Not Found")
        rel = max(eligible, key=lambda x: (x.created_at, x.id))
        return Result(server.payloads.release(r, rel), last_modified=rel.published_at)

    def by_tag(_: Request, m: Match) -> Result:
        r = server.repo_of(m)
        found = [rel for rel in r.releases if rel.tag_name == m["tag"] and not rel.draft]
        if not found:
            raise HttpError(404, "Not Found")
        return Result(server.payloads.release(r, found[-1]), last_modified=found[-1].published_at)

    def tags(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        ordered = sorted(r.tags.items(), key=lambda kv: kv[0], reverse=True)
        chunk, headers = server.paginate(req, ordered)
        return Result([server.payloads.tag(r, name, sha) for name, sha in chunk], headers)

    def compare(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        base_ref, sep, head_ref = m["basehead"].partition("...")
        if not sep:
            raise HttpError(404, "Not Found")
        base, head = server.resolve(r, base_ref), server.resolve(r, head_ref)
        status, ahead, behind, merge_base = _comparison(r, base, head, chains)
        if "page" in req.query or "per_page" in req.query:
            chunk, headers = server.paginate(req, ahead)
            first = (req.arg("page") or "1") == "1"
        else:
            chunk, headers, first = ahead[:COMPARE_UNPAGED_CAP], {}, True
        payload = server.payloads.compare(
            r, m["basehead"], status, ahead, behind, base, merge_base, list(chunk), first
        )
        return Result(payload, headers)

    def events(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        with server.world.lock:  # a test thread may be mutating the world
            timeline = server.events.timeline(r)
        chunk, headers = server.paginate(req, timeline)
        body = [github_events.render(server.payloads, r, e) for e in chunk]
        return Result(body, {**headers, "X-Poll-Interval": str(github_events.POLL_INTERVAL)})

    def commit(_: Request, m: Match) -> Result:
        r = server.repo_of(m)
        c = server.resolve(r, m["sha"])
        payload = {
            **server.payloads.commit(r, c),
            "stats": {"total": 0, "additions": 0, "deletions": 0},
            "files": [],
        }
        return Result(payload, last_modified=c.date)

    server.get(r"/user", user)
    server.get(r"/user/repos", user_repos)
    server.get(r"/users/(?P<login>[^/]+)", users)
    server.get(r"/rate_limit", rate_limit, free=True)  # does not count against the limit
    server.get(REPO, repo)
    server.get(REPO + r"/pulls", pulls)
    server.get(REPO + r"/pulls/(?P<number>\d+)", pull)
    server.get(REPO + r"/pulls/(?P<number>\d+)/reviews", reviews)
    server.get(REPO + r"/pulls/(?P<number>\d+)/commits", pull_commits)
    server.get(REPO + r"/releases", releases)
    server.get(REPO + r"/releases/latest", latest)
    server.get(REPO + r"/releases/tags/(?P<tag>.+)", by_tag)
    server.get(REPO + r"/tags", tags)
    server.get(REPO + r"/compare/(?P<basehead>.+)", compare)
    server.get(REPO + r"/commits/(?P<sha>[^/]+)", commit)
    server.get(REPO + r"/events", events)
    deploy_routes.register(server)


def _pull_key(sort: str) -> Callable[[GhPull], tuple[float, int]]:
    def key(p: GhPull) -> tuple[float, int]:
        if sort == "updated":
            value = p.updated_at.timestamp()
        elif sort == "popularity":
            value = float(len(p.reviews))
        elif sort == "long-running":
            value = (p.updated_at - p.created_at).total_seconds()
        else:
            value = p.created_at.timestamp()
        return value, p.number

    return key


Chains = dict[str, tuple[str, list[str], dict[str, int]]]  # repo -> (head, chain, index)


def _first_parent_chain(r: GhRepo, chains: Chains) -> tuple[list[str], dict[str, int]]:
    """The default branch's first-parent chain, oldest first, and each commit's position."""
    head = r.branches.get(r.default_branch, "")
    cached = chains.get(r.full_name)
    if cached is not None and cached[0] == head:  # rebuilt only when the branch moved
        return cached[1], cached[2]
    chain: list[str] = []
    sha: str | None = head
    while sha and sha in r.commits:
        chain.append(sha)
        parents = r.commits[sha].parents
        sha = parents[0] if parents else None
    chain.reverse()
    index = {s: i for i, s in enumerate(chain)}
    chains[r.full_name] = (head, chain, index)
    return chain, index


def _comparison(
    r: GhRepo, base: GhCommit, head: GhCommit, chains: Chains
) -> tuple[str, list[GhCommit], int, GhCommit]:
    """Status, the ahead commits oldest first, the behind count and the merge base."""
    chain, index = _first_parent_chain(r, chains)
    b, h = index.get(base.sha), index.get(head.sha)
    if b is not None and h is not None and _linear(r, chain, min(b, h), max(b, h)):
        # both on a linear stretch of the default branch (release tags are): no set walk
        if b == h:
            return "identical", [], 0, base
        if b < h:
            return "ahead", [r.commits[s] for s in chain[b + 1 : h + 1]], 0, base
        return "behind", [], b - h, head
    base_anc, head_anc = r.ancestors(base.sha), r.ancestors(head.sha)
    ahead = sorted((r.commits[s] for s in head_anc - base_anc), key=_chrono)
    behind = len(base_anc - head_anc)
    common = base_anc & head_anc
    merge_base = max((r.commits[s] for s in common), key=_chrono, default=base)
    if not ahead and not behind:
        status = "identical"
    elif not behind:
        status = "ahead"
    elif not ahead:
        status = "behind"
    else:
        status = "diverged"
    return status, ahead, behind, merge_base


def _linear(r: GhRepo, chain: list[str], low: int, high: int) -> bool:
    """Whether every commit between two chain positions has a single parent."""
    return all(len(r.commits[s].parents) <= 1 for s in chain[low + 1 : high + 1])


def _chrono(c: GhCommit) -> tuple[datetime, str]:
    return c.date, c.sha
