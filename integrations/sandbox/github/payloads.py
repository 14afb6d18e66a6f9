"""JSON shapes of the GitHub REST sandbox, built to GitHub's published schemas.

Every builder returns exactly the keys GitHub's own responses carry for that endpoint:
a pull request in a list lacks ``merged``, ``additions`` and the other detail keys that
the single-pull payload has, so PyGithub's lazy completion stays observable.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from integrations.sandbox.github.common import WEB, Json, node_id, ts
from integrations.sandbox.github.repo_payload import full_repo_payload, pushed_at, repo_payload
from integrations.sandbox.world import GhCommit, GhPull, GhRelease, GhRepo, GhReview, GitHubState


class Payloads:
    """Builds response bodies whose URLs point back at the sandbox ``api`` root."""

    def __init__(self, api: str, state: GitHubState) -> None:
        self.api = api.rstrip("/")
        self.state = state

    # ---- users --------------------------------------------------------------------------

    def user(self, login: str) -> Json:
        """A ``simple-user``."""
        known = self.state.users.get(login)
        ident = known.id if known else zlib.crc32(login.encode()) % 10_000_000
        kind = known.type if known else ("Bot" if login.endswith("[bot]") else "User")
        if not known and any(r.owner == login for r in self.state.repos.values()):
            kind = "Organization"  # repository owners the world does not list as people
        url = f"{self.api}/users/{login}"
        return {
            "login": login,
            "id": ident,
            "node_id": node_id("User", ident),
            "avatar_url": f"{WEB}/avatars/{ident}",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{WEB}/{login}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": kind,
            "user_view_type": "public",
            "site_admin": False,
        }

    def full_user(self, login: str, created: datetime) -> Json:
        """The ``/user`` and ``/users/{login}`` shape (public-user)."""
        known = self.state.users.get(login)
        return {
            **self.user(login),
            "name": known.name if known else None,
            "company": None,
            "blog": "",
            "location": None,
            "email": known.email if known else None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": ts(created),
            "updated_at": ts(created),
        }

    # ---- repositories -------------------------------------------------------------------

    def repo(self, r: GhRepo, created: datetime) -> Json:
        """A ``repository`` (the shape nested in pull heads)."""
        return repo_payload(self.api, r, created, self.user(r.owner))

    def full_repo(self, r: GhRepo, created: datetime) -> Json:
        """A ``full-repository``: ``/repos/{o}/{r}``, with the settings nested copies lack."""
        org = self.user(r.owner) if r.owner not in self.state.users else None
        return full_repo_payload(self.repo(r, created), org)

    @staticmethod
    def pushed_at(r: GhRepo, created: datetime) -> datetime:
        """The time of the newest commit (the repository's ``pushed_at``)."""
        return pushed_at(r, created)

    # ---- pull requests ------------------------------------------------------------------

    def pull_simple(
        self, r: GhRepo, p: GhPull, created: datetime, repo_json: Json | None = None
    ) -> Json:
        """A ``pull-request-simple``: one item of the pulls list."""
        url = f"{self.api}/repos/{r.full_name}/pulls/{p.number}"
        issue = f"{self.api}/repos/{r.full_name}/issues/{p.number}"
        html = f"{WEB}/{r.full_name}/pull/{p.number}"
        statuses = f"{self.api}/repos/{r.full_name}/statuses/{p.head_sha}"
        repo = repo_json if repo_json is not None else self.repo(r, created)
        base_sha = r.branches.get(p.base_ref, "")

        def side(ref: str, sha: str) -> Json:
            return {
                "label": f"{r.owner}:{ref}",
                "ref": ref,
                "sha": sha,
                "user": self.user(r.owner),
                "repo": repo,
            }

        return {
            "url": url,
            "id": p.id,
            "node_id": node_id("PullRequest", p.id),
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue,
            "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{self.api}/repos/{r.full_name}/pulls/comments{{/number}}",
            "comments_url": f"{issue}/comments",
            "statuses_url": statuses,
            "number": p.number,
            "state": p.state,
            "locked": False,
            "title": p.title,
            "user": self.user(p.user),
            "body": p.body or None,
            "labels": [],
            "milestone": None,
            "active_lock_reason": None,
            "created_at": ts(p.created_at),
            "updated_at": ts(p.updated_at),
            "closed_at": ts(p.closed_at),
            "merged_at": ts(p.merged_at),
            "merge_commit_sha": p.merge_commit_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [self.user(login) for login in p.requested_reviewers],
            "requested_teams": [],
            "head": side(p.head_ref, p.head_sha),
            "base": side(p.base_ref, base_sha),
            "_links": {
                "self": {"href": url},
                "html": {"href": html},
                "issue": {"href": issue},
                "comments": {"href": f"{issue}/comments"},
                "review_comments": {"href": f"{url}/comments"},
                "review_comment": {
                    "href": f"{self.api}/repos/{r.full_name}/pulls/comments{{/number}}"
                },
                "commits": {"href": f"{url}/commits"},
                "statuses": {"href": statuses},
            },
            "author_association": "MEMBER",
            "auto_merge": None,
            "draft": p.draft,
        }

    def pull_full(self, r: GhRepo, p: GhPull, created: datetime) -> Json:
        """A ``pull-request``: the single-pull payload, with the detail keys lists lack."""
        merged = p.merged_at is not None
        return {
            **self.pull_simple(r, p, created),
            "merged": merged,
            "mergeable": None if p.state == "closed" else True,
            "rebaseable": None,
            "mergeable_state": "unknown" if p.state == "closed" else "clean",
            "merged_by": self.user(self.state.viewer) if merged else None,
            "comments": 0,
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": len(p.commits),
            "additions": 10 * len(p.commits),
            "deletions": 2 * len(p.commits),
            "changed_files": len(p.commits),
        }

    def review(self, r: GhRepo, p: GhPull, rv: GhReview) -> Json:
        """A ``pull-request-review``."""
        html = f"{WEB}/{r.full_name}/pull/{p.number}#pullrequestreview-{rv.id}"
        pull_url = f"{self.api}/repos/{r.full_name}/pulls/{p.number}"
        payload: Json = {
            "id": rv.id,
            "node_id": node_id("PullRequestReview", rv.id),
            "user": self.user(rv.user),
            "body": rv.body,
            "state": rv.state,
            "html_url": html,
            "pull_request_url": pull_url,
            "author_association": "MEMBER",
            "_links": {"html": {"href": html}, "pull_request": {"href": pull_url}},
            "commit_id": rv.commit_id or None,
        }
        if rv.submitted_at is not None:  # GitHub omits the key on pending reviews
            payload["submitted_at"] = ts(rv.submitted_at)
        return payload

    # ---- commits, tags, releases --------------------------------------------------------

    def commit(self, r: GhRepo, c: GhCommit) -> Json:
        """A ``commit`` (list item of PR commits and compare)."""
        url = f"{self.api}/repos/{r.full_name}/commits/{c.sha}"
        person = {
            "name": c.author_login,
            "email": f"{c.author_login}@users.sandbox.test",
            "date": ts(c.date),
        }
        return {
            "url": url,
            "sha": c.sha,
            "node_id": node_id("Commit", c.sha),
            "html_url": f"{WEB}/{r.full_name}/commit/{c.sha}",
            "comments_url": f"{url}/comments",
            "commit": {
                "url": f"{self.api}/repos/{r.full_name}/git/commits/{c.sha}",
                "author": person,
                "committer": person,
                "message": c.message,
                "tree": {"url": f"{self.api}/repos/{r.full_name}/git/trees/{c.sha}", "sha": c.sha},
                "comment_count": 0,
                "verification": {
                    "verified": False,
                    "reason": "unsigned",
                    "signature": None,
                    "payload": None,
                    "verified_at": None,
                },
            },
            "author": self.user(c.author_login),
            "committer": self.user(c.author_login),
            "parents": [
                {
                    "url": f"{self.api}/repos/{r.full_name}/commits/{sha}",
                    "html_url": f"{WEB}/{r.full_name}/commit/{sha}",
                    "sha": sha,
                }
                for sha in c.parents
            ],
        }

    def tag(self, r: GhRepo, name: str, sha: str) -> Json:
        """A ``tag`` list item."""
        return {
            "name": name,
            "node_id": node_id("Ref", f"{r.full_name}:{name}"),
            "commit": {"sha": sha, "url": f"{self.api}/repos/{r.full_name}/commits/{sha}"},
            "zipball_url": f"{self.api}/repos/{r.full_name}/zipball/refs/tags/{name}",
            "tarball_url": f"{self.api}/repos/{r.full_name}/tarball/refs/tags/{name}",
        }

    def release(self, r: GhRepo, rel: GhRelease) -> Json:
        """A ``release``."""
        url = f"{self.api}/repos/{r.full_name}/releases/{rel.id}"
        return {
            "url": url,
            "html_url": f"{WEB}/{r.full_name}/releases/tag/{rel.tag_name}",
            "assets_url": f"{url}/assets",
            "upload_url": f"{self.api}/repos/{r.full_name}/releases/{rel.id}/assets{{?name,label}}",
            "tarball_url": f"{self.api}/repos/{r.full_name}/tarball/{rel.tag_name}",
            "zipball_url": f"{self.api}/repos/{r.full_name}/zipball/{rel.tag_name}",
            "id": rel.id,
            "node_id": node_id("Release", rel.id),
            "tag_name": rel.tag_name,
            "target_commitish": rel.target_commitish,
            "name": rel.name,
            "body": rel.body,
            "draft": rel.draft,
            "prerelease": rel.prerelease,
            "immutable": False,
            "created_at": ts(rel.created_at),
            "published_at": ts(rel.published_at),
            "updated_at": ts(rel.published_at or rel.created_at),
            "author": self.user(rel.author),
            "assets": [],
        }

    def compare(
        self,
        r: GhRepo,
        basehead: str,
        status: str,
        ahead: list[GhCommit],
        behind: int,
        base: GhCommit,
        merge_base: GhCommit,
        page: list[GhCommit],
        first_page: bool,
    ) -> Json:
        """A ``commit-comparison`` holding one page of the ahead commits."""
        payload: Json = {
            "url": f"{self.api}/repos/{r.full_name}/compare/{basehead}",
            "html_url": f"{WEB}/{r.full_name}/compare/{basehead}",
            "permalink_url": f"{WEB}/{r.full_name}/compare/{r.owner}:{base.sha}...{r.owner}:"
            f"{ahead[-1].sha if ahead else base.sha}",
            "diff_url": f"{WEB}/{r.full_name}/compare/{basehead}.diff",
            "patch_url": f"{WEB}/{r.full_name}/compare/{basehead}.patch",
            "base_commit": self.commit(r, base),
            "merge_base_commit": self.commit(r, merge_base),
            "status": status,
            "ahead_by": len(ahead),
            "behind_by": behind,
            "total_commits": len(ahead),
            "commits": [self.commit(r, c) for c in page],
        }
        if first_page:  # GitHub sends files only with the first page
            payload["files"] = []
        return payload

    def rate_limit(self, limit: int, used: int, reset: int) -> Json:
        """The ``rate-limit-overview`` of ``/rate_limit`` (only ``core`` moves in the sandbox)."""
        core = {"limit": limit, "used": used, "remaining": max(limit - used, 0), "reset": reset}
        buckets = {
            "search": 30,
            "graphql": 5000,
            "integration_manifest": 5000,
            "source_import": 100,
            "code_scanning_upload": 1000,
            "code_scanning_autofix": 10,
            "actions_runner_registration": 10000,
            "scim": 15000,
            "dependency_snapshots": 100,
            "code_search": 10,
        }
        resources = {
            name: {"limit": size, "used": 0, "remaining": size, "reset": reset}
            for name, size in buckets.items()
        }
        return {"resources": {"core": core, **resources}, "rate": core}
