"""The repository JSON of the GitHub sandbox (``repository`` and ``full-repository``)."""

from __future__ import annotations

from datetime import datetime

from integrations.sandbox.github.common import WEB, Json, node_id, ts
from integrations.sandbox.world import GhRepo


def repo_payload(api: str, r: GhRepo, created: datetime, owner: Json) -> Json:
    """A ``repository`` (the shape nested in pull heads and served by ``/repos/{o}/{r}``)."""
    url = f"{api}/repos/{r.full_name}"
    html = f"{WEB}/{r.full_name}"
    names = [
        "assignees/{user}",
        "git/blobs{/sha}",
        "branches{/branch}",
        "collaborators{/collaborator}",
        "comments{/number}",
        "commits{/sha}",
        "compare/{base}...{head}",
        "contents/{+path}",
        "contributors",
        "deployments",
        "downloads",
        "events",
        "forks",
        "git/commits{/sha}",
        "git/refs{/sha}",
        "git/tags{/sha}",
        "hooks",
        "issues/comments{/number}",
        "issues/events{/number}",
        "issues{/number}",
        "keys{/key_id}",
        "labels{/name}",
        "languages",
        "merges",
        "milestones{/number}",
        "notifications{?since,all,participating}",
        "pulls{/number}",
        "releases{/id}",
        "stargazers",
        "statuses/{sha}",
        "subscribers",
        "subscription",
        "tags",
        "teams",
        "git/trees{/sha}",
        "{archive_format}{/ref}",
    ]
    keys = [
        "assignees_url",
        "blobs_url",
        "branches_url",
        "collaborators_url",
        "comments_url",
        "commits_url",
        "compare_url",
        "contents_url",
        "contributors_url",
        "deployments_url",
        "downloads_url",
        "events_url",
        "forks_url",
        "git_commits_url",
        "git_refs_url",
        "git_tags_url",
        "hooks_url",
        "issue_comment_url",
        "issue_events_url",
        "issues_url",
        "keys_url",
        "labels_url",
        "languages_url",
        "merges_url",
        "milestones_url",
        "notifications_url",
        "pulls_url",
        "releases_url",
        "stargazers_url",
        "statuses_url",
        "subscribers_url",
        "subscription_url",
        "tags_url",
        "teams_url",
        "trees_url",
        "archive_url",
    ]
    links = {key: f"{url}/{suffix}" for key, suffix in zip(keys, names, strict=True)}
    open_count = sum(1 for p in r.pulls.values() if p.state == "open")
    return {
        "id": r.id,
        "node_id": node_id("Repository", r.id),
        "name": r.name,
        "full_name": r.full_name,
        "owner": owner,
        "private": r.private,
        "html_url": html,
        "description": None,
        "fork": False,
        "url": url,
        **links,
        "git_url": f"git://github.sandbox.test/{r.full_name}.git",
        "ssh_url": f"git@github.sandbox.test:{r.full_name}.git",
        "clone_url": f"{html}.git",
        "svn_url": html,
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "forks_count": 0,
        "forks": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "watchers": 0,
        "size": len(r.commits),
        "default_branch": r.default_branch,
        "open_issues_count": open_count,
        "open_issues": open_count,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private" if r.private else "public",
        "pushed_at": ts(pushed_at(r, created)),
        "created_at": ts(created),
        "updated_at": ts(pushed_at(r, created)),
        "license": None,
        "permissions": {
            "admin": False,
            "maintain": False,
            "push": True,
            "triage": True,
            "pull": True,
        },
        "allow_forking": True,
        "web_commit_signoff_required": False,
    }


def full_repo_payload(base: Json, organization: Json | None) -> Json:
    """A ``full-repository``: ``/repos/{o}/{r}``, with the settings nested copies lack."""
    return {
        **base,
        **({"organization": organization} if organization is not None else {}),
        "temp_clone_token": "",
        "allow_squash_merge": True,
        "allow_merge_commit": True,
        "allow_rebase_merge": True,
        "allow_auto_merge": False,
        "delete_branch_on_merge": False,
        "allow_update_branch": False,
        "use_squash_pr_title_as_default": False,
        "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
        "squash_merge_commit_message": "COMMIT_MESSAGES",
        "merge_commit_title": "MERGE_MESSAGE",
        "merge_commit_message": "PR_TITLE",
        "custom_properties": {},
        "network_count": 0,
        "subscribers_count": 0,
    }


def pushed_at(r: GhRepo, created: datetime) -> datetime:
    """The time of the newest commit (the repository's ``pushed_at``)."""
    return max((c.date for c in r.commits.values()), default=created)
