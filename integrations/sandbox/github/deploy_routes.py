"""The GitHub sandbox's shipping routes: deployments, environments, git refs and tag objects.

What GitHub does beyond the schemas (``shared/specs/github/known-deviations.json``):
deployments are listed newest first by id and filtered by exact ``sha``, ``ref`` and
``task``, and by ``environment`` ignoring case (GitHub's environment names are not
case-sensitive); statuses are listed newest first; ``git/ref/tags/NAME`` points at a
tag object (``type: tag``) for an annotated tag and at the commit for a lightweight one.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from integrations.sandbox import shipping
from integrations.sandbox.base import Request
from integrations.sandbox.github.deploy_payloads import DeployPayloads
from integrations.sandbox.github.routes import REPO, HttpError, Result
from integrations.sandbox.shipping import GhDeployment
from integrations.sandbox.world import GhRepo

if TYPE_CHECKING:
    from integrations.sandbox.github.server import GitHubServer

Match = re.Match[str]
FILTERS = ("sha", "ref", "task", "environment")


def register(server: GitHubServer) -> None:
    """Register the shipping routes on ``server``."""

    def payloads() -> DeployPayloads:
        return DeployPayloads(server.payloads)

    def deployments(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        # an empty filter (``?ref=``) filters nothing, as a missing one
        wanted = {name: value for name in FILTERS if (value := req.arg(name))}
        # GitHub's environment names are not case-sensitive; the other filters are exact
        chosen = [
            d for d in r.deployments
            if all(_same(name, getattr(d, name), value) for name, value in wanted.items())
        ]
        chosen.sort(key=lambda d: d.id, reverse=True)
        chunk, headers = server.paginate(req, chosen)
        build = payloads()
        return Result([build.deployment(r, d) for d in chunk], headers)

    def deployment(_: Request, m: Match) -> Result:
        r = server.repo_of(m)
        d = _deployment_of(r, m)
        return Result(payloads().deployment(r, d), last_modified=d.updated_at)

    def statuses(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        d = _deployment_of(r, m)
        ordered = sorted(d.statuses, key=lambda s: s.id, reverse=True)
        chunk, headers = server.paginate(req, ordered)
        build = payloads()
        return Result([build.status(r, d, s) for s in chunk], headers)

    def environments(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        names = shipping.environments(r)
        chunk, headers = server.paginate(req, names)
        build = payloads()
        listed = [build.environment(r, name, _first_deployed(r, name)) for name in chunk]
        return Result({"total_count": len(names), "environments": listed}, headers)

    def ref(_: Request, m: Match) -> Result:
        r = server.repo_of(m)
        wanted = "refs/" + unquote(m["ref"])
        found = next((ref for ref in _refs(r) if ref[0] == wanted), None)
        if found is None:
            raise HttpError(404, "Not Found")
        return Result(payloads().ref(r, *found))

    def matching_refs(req: Request, m: Match) -> Result:
        r = server.repo_of(m)
        prefix = "refs/" + unquote(m["ref"])
        matching = [ref for ref in _refs(r) if ref[0].startswith(prefix)]
        chunk, headers = server.paginate(req, matching)
        build = payloads()
        return Result([build.ref(r, *ref) for ref in chunk], headers)

    def git_tag(_: Request, m: Match) -> Result:
        r = server.repo_of(m)
        sha = m["sha"].lower()
        obj = next((o for o in r.annotated.values() if o.sha == sha), None)
        if obj is None:
            raise HttpError(404, "Not Found")
        return Result(payloads().git_tag(r, obj))

    server.get(REPO + r"/deployments", deployments)
    server.get(REPO + r"/deployments/(?P<id>\d+)", deployment)
    server.get(REPO + r"/deployments/(?P<id>\d+)/statuses", statuses)
    server.get(REPO + r"/environments", environments)
    server.get(REPO + r"/git/ref/(?P<ref>.+)", ref)
    server.get(REPO + r"/git/matching-refs/(?P<ref>.*)", matching_refs)
    server.get(REPO + r"/git/tags/(?P<sha>[0-9a-fA-F]{40})", git_tag)


def _deployment_of(r: GhRepo, m: Match) -> GhDeployment:
    wanted = int(m["id"])
    found = next((d for d in r.deployments if d.id == wanted), None)
    if found is None:
        raise HttpError(404, "Not Found")
    return found


def _first_deployed(r: GhRepo, environment: str) -> datetime:
    return min(d.created_at for d in r.deployments if d.environment == environment)


def _refs(r: GhRepo) -> list[tuple[str, str, str]]:
    """Every branch and tag as (full ref, object type, object sha), sorted by ref name."""
    refs = [(f"refs/heads/{name}", "commit", sha) for name, sha in r.branches.items()]
    for name, sha in r.tags.items():
        obj = r.annotated.get(name)
        refs.append((f"refs/tags/{name}", "tag", obj.sha) if obj else
                    (f"refs/tags/{name}", "commit", sha))
    return sorted(refs)


def _same(name: str, have: str, wanted: str) -> bool:
    return have.lower() == wanted.lower() if name == "environment" else have == wanted
