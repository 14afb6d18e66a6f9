"""JSON shapes of the sandbox's deployments, environments, git refs and tag objects.

Built to GitHub's published schemas (``shared/specs/github/schemas``); the people in them
are :meth:`Payloads.user` shapes, so a creator or tagger reads like every other user.
"""

from __future__ import annotations

import re
import zlib
from datetime import datetime
from urllib.parse import quote

from integrations.sandbox.github.common import WEB, Json, node_id, ts
from integrations.sandbox.github.payloads import Payloads
from integrations.sandbox.shipping import GhDeployment, GhDeploymentStatus, GhTagObject
from integrations.sandbox.world import GhRepo


def environment_id(r: GhRepo, name: str) -> int:
    """A stable environment id: the same repository and name give the same id every run."""
    return zlib.crc32(f"{r.full_name.lower()}\0{name.lower()}".encode()) % 1_000_000_000


class DeployPayloads:
    """Builds the shipping payloads whose URLs point back at the sandbox ``api`` root."""

    def __init__(self, payloads: Payloads) -> None:
        self.payloads = payloads
        self.api = payloads.api

    def _repo_url(self, r: GhRepo) -> str:
        return f"{self.api}/repos/{r.full_name}"

    # ---- deployments --------------------------------------------------------------------

    def deployment(self, r: GhRepo, d: GhDeployment) -> Json:
        """A ``deployment``."""
        url = f"{self._repo_url(r)}/deployments/{d.id}"
        return {
            "url": url,
            "id": d.id,
            "node_id": node_id("Deployment", d.id),
            "sha": d.sha,
            "ref": d.ref,
            "task": d.task,
            "payload": {},
            "original_environment": d.environment,
            "environment": d.environment,
            "description": d.description,  # GitHub's default is "", not null
            "creator": self.payloads.user(d.creator),
            "created_at": ts(d.created_at),
            "updated_at": ts(d.updated_at),
            "statuses_url": f"{url}/statuses",
            "repository_url": self._repo_url(r),
            "transient_environment": False,
            "production_environment": d.environment.lower() == "production",
            "performed_via_github_app": None,
        }

    def status(self, r: GhRepo, d: GhDeployment, s: GhDeploymentStatus) -> Json:
        """A ``deployment-status``."""
        deployment_url = f"{self._repo_url(r)}/deployments/{d.id}"
        # GitHub answers "" for URLs a status was created without; the schema says "uri",
        # so the sandbox names a plausible run log and environment instead
        log = f"{WEB}/{r.full_name}/actions/runs/{d.id}"
        return {
            "url": f"{deployment_url}/statuses/{s.id}",
            "id": s.id,
            "node_id": node_id("DeploymentStatus", s.id),
            "state": s.state,
            "creator": self.payloads.user(s.creator),
            "description": s.description,
            "environment": d.environment,
            "target_url": log,
            "log_url": log,
            "environment_url": _environment_url(r, d.environment),
            "created_at": ts(s.created_at),
            "updated_at": ts(s.created_at),
            "deployment_url": deployment_url,
            "repository_url": self._repo_url(r),
            "performed_via_github_app": None,
        }

    def environment(self, r: GhRepo, name: str, created: datetime) -> Json:
        """An ``environment`` without protection rules (what a deployment alone creates)."""
        ident = environment_id(r, name)
        return {
            "id": ident,
            "node_id": node_id("Environment", ident),
            "name": name,
            "url": f"{self._repo_url(r)}/environments/{quote(name, safe='')}",
            "html_url": f"{WEB}/{r.full_name}/deployments/activity_log"
            f"?environments_filter={quote(name, safe='')}",
            "created_at": ts(created),
            "updated_at": ts(created),  # moves with the environment's settings, not deploys
            "protection_rules": [],
            "deployment_branch_policy": None,
        }

    # ---- git refs and tag objects -------------------------------------------------------

    def ref(self, r: GhRepo, full_ref: str, kind: str, sha: str) -> Json:
        """A ``git-ref``: ``full_ref`` is ``refs/tags/NAME`` or ``refs/heads/NAME``;
        ``kind`` is ``tag`` (``sha`` is a tag object's) or ``commit``."""
        git = f"{self._repo_url(r)}/git"
        objects = "tags" if kind == "tag" else "commits"
        return {
            "ref": full_ref,
            "node_id": node_id("Ref", f"{r.full_name}:{full_ref}"),
            "url": f"{git}/{quote(full_ref)}",
            "object": {"type": kind, "sha": sha, "url": f"{git}/{objects}/{sha}"},
        }

    def git_tag(self, r: GhRepo, obj: GhTagObject) -> Json:
        """A ``git-tag``: an annotated tag's object, unsigned."""
        git = f"{self._repo_url(r)}/git"
        return {
            "node_id": node_id("Tag", obj.sha),
            "tag": obj.tag,
            "sha": obj.sha,
            "url": f"{git}/tags/{obj.sha}",
            "message": obj.message,
            "tagger": {
                "name": obj.tagger,
                "email": f"{obj.tagger}@users.sandbox.test",
                "date": ts(obj.date),
            },
            "object": {"type": "commit", "sha": obj.commit, "url": f"{git}/commits/{obj.commit}"},
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }


def _environment_url(r: GhRepo, environment: str) -> str:
    return f"https://{_label(environment)}.{_label(r.name)}.sandbox.test"


def _label(text: str) -> str:
    """``text`` as one DNS label."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63] or "x"
