"""The GitHub adapter: a :class:`~bot.core.ports.CodeHost` over PyGithub; httpx for conditional
GETs.

Cost model (what ``bench/sync.py`` compares against):
- no-change poll of a repository: one conditional GET of its events feed answered 304,
  which GitHub does not count against the rate limit (``poll_activity``);
- on a change (or the sync's periodic recheck): a conditional GET of the first pulls page
  and of the first releases page, each a free 304 when it did not change; a 200 is page 1
  of the listing (``state=all, sort=updated, direction=desc, per_page=100``), further pages
  only until ``updated_at`` drops below the cursor minus the overlap; one reviews request
  per changed PR; one compare per new release pair. Only list-payload attributes are read,
  so PyGithub never completes lazily.
- with GraphQL (the default where the server has it): after a 200 on the pulls page, the
  changed PRs come with their reviews from one GraphQL query per 50 PRs
  (``integrations/github/graphql.py``) instead of one reviews request per PR. A server or
  token without GraphQL (404, or refused) falls back to the REST path above, said once in
  the log (``github.graphql_unavailable``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import islice
from typing import Any, TypeVar

import httpx
from github import Auth, Github
from github.GithubObject import GithubObject
from github.GitRelease import GitRelease
from github.PullRequest import PullRequest as GhPullRequest

from bot.core.errors import IntegrationError, NotFound, RateLimited
from bot.core.logs import event
from bot.core.ports import (
    ActivityPoll,
    CodeHostAccount,
    ContainmentResult,
    DeploymentPoll,
    PullPoll,
    ReleasePoll,
    ReviewPoll,
)
from bot.flow.model import Deployment, PullRequest, Release, Review, Shipping
from integrations.github import convert, shipping
from integrations.github.app_auth import (
    InstallationToken,
    app_account,
    installation_repos,
)
from integrations.github.config import GitHubConfig
from integrations.github.graphql import GraphQLUnavailable, PullsPage, list_pulls, reviews_of
from integrations.github.policy import SERVICE, Budget, HttpStatusError, Policy
from integrations.github.sessions import skip_environment
from integrations.github.wire import (
    all_items,
    error_message,
    graphql_url,
    int_or_none,
    next_link,
    pulls_cursor,
    slim,
)

log = logging.getLogger(__name__)
PER_PAGE = 100
G = TypeVar("G", bound=GithubObject)


class GitHubHost:
    """GitHub as a CodeHost: pull requests, reviews, releases and release containment."""

    def __init__(self, config: GitHubConfig, *, policy: Policy | None = None) -> None:
        self.config = config
        self.policy = policy or Policy()
        self.api = config.api_url.rstrip("/")
        # retry=None: PyGithub's GithubRetry would sleep until a primary reset (up to an
        # hour); Policy bounds every retry and turns long waits into RateLimited instead.
        auth = config.app.auth() if config.app is not None else Auth.Token(config.token)
        self.gh = Github(
            auth=auth,
            base_url=self.api,
            per_page=PER_PAGE,
            timeout=max(1, math.ceil(config.timeout)),  # PyGithub insists on an int
            retry=None,
            lazy=True,
            seconds_between_requests=config.throttle,
            seconds_between_writes=config.throttle,
        )
        if not config.trust_env:
            skip_environment(self.gh)
        self.graphql_url = graphql_url(self.api)
        self.graphql_budget = Budget()  # GraphQL points: a budget apart from REST's
        # None: not tried yet; False: unavailable, REST only from then on
        self.graphql: bool | None = None if config.graphql else False
        self._listed: dict[str, PullsPage] = {}  # the last GraphQL listing per repository
        bearer = {} if config.app is not None else {"Authorization": f"Bearer {config.token}"}
        self.http = httpx.Client(
            timeout=config.timeout,
            follow_redirects=True,
            trust_env=config.trust_env,
            auth=InstallationToken(auth) if isinstance(auth, Auth.AppInstallationAuth) else None,
            headers={
                **bearer,
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "crosswalk",
            },
        )

    def close(self) -> None:
        """Release the HTTP connections."""
        self.http.close()
        self.gh.close()

    # ---- CodeHost ---------------------------------------------------------------------

    def poll_activity(self, repo: str, etag: str | None) -> ActivityPoll:
        """The repository's events feed, conditionally: a free 304 when nothing happened.

        Only the validator matters, not the events: any new one sends the sync to the
        (conditional) listings. A feed that is not there (404, e.g. switched off on a GitHub
        Enterprise Server) says "changed" with no ETag, so the listings always run; a
        missing repository is then reported by the listing itself.
        """
        operation = f"list events of {repo}"
        try:
            response = self.policy.call(
                operation,
                partial(self._get, f"/repos/{repo}/events", {"per_page": PER_PAGE}, etag),
            )
        except NotFound:
            event(log, "github.events_unavailable", repo=repo)
            return ActivityPoll(repo, changed=True, etag=None, requests=1)
        interval = int_or_none(response.headers.get("X-Poll-Interval"))
        if response.status_code == 304:
            event(log, "github.not_modified", logging.DEBUG, op=operation)
            return ActivityPoll(repo, False, etag, requests=1, poll_interval=interval)
        return ActivityPoll(
            repo, True, response.headers.get("ETag"), requests=1, poll_interval=interval
        )

    def poll_pulls(
        self,
        repo: str,
        since: datetime | None,
        etag: str | None,
        *,
        overlap: timedelta = timedelta(minutes=5),
    ) -> PullPoll:
        """PRs updated since ``since - overlap``, newest first; a free 304 when nothing changed."""
        path = f"/repos/{repo}/pulls"
        params = {"state": "all", "sort": "updated", "direction": "desc", "per_page": PER_PAGE}
        first = self._conditional(f"list pull requests of {repo}", path, params, etag)
        if first is None:
            return PullPoll(repo, changed=False, cursor=since, etag=etag, requests=1)
        new_etag, items, next_url = first
        threshold = since - overlap if since is not None else None
        listed = self._graphql_pulls(repo, threshold)
        if listed is not None:
            return PullPoll(repo, changed=True, pulls=listed.pulls,
                            cursor=pulls_cursor(listed.pulls, since), etag=new_etag,
                            requests=1 + listed.queries, points=listed.points)
        pulls: list[PullRequest] = []
        requests = 1
        while True:
            records = [convert.pull_request(repo, pr) for pr in self._objects(GhPullRequest, items)]
            fresh = [p for p in records if threshold is None or p.updated_at >= threshold]
            pulls += fresh
            if len(fresh) < len(records) or next_url is None:
                break
            items, next_url = self._page(f"list pull requests of {repo}", next_url)
            requests += 1
        cursor = pulls_cursor(pulls, since)
        event(log, "github.pulls_listed", repo=repo, pulls=len(pulls), requests=requests)
        return PullPoll(
            repo, changed=True, pulls=pulls, cursor=cursor, etag=new_etag, requests=requests
        )

    def reviews(self, repo: str, numbers: Collection[int]) -> ReviewPoll:
        """The reviews of the given PRs: free when the GraphQL listing carried them, else one
        REST request per PR (per 100 reviews)."""
        listed = self._listed.get(repo)
        cached = reviews_of(listed, numbers) if listed is not None else None
        if cached is not None:
            return ReviewPoll(cached, requests=0)
        out: list[Review] = []
        for number in sorted(set(numbers)):
            pull = self.gh.get_repo(repo).get_pull(number)  # lazy: no request
            listing = partial(all_items, pull.get_reviews)
            items = self._call(f"list reviews of {repo}#{number}", listing)
            out += [convert.review(repo, number, rv) for rv in items]
        return ReviewPoll(out, requests=len(set(numbers)))

    # ---- GraphQL ----------------------------------------------------------------------

    def _graphql_pulls(self, repo: str, threshold: datetime | None) -> PullsPage | None:
        """The PRs and reviews through GraphQL; None (REST from then on) when unavailable."""
        self._listed.pop(repo, None)
        if self.graphql is False:
            return None
        try:
            listed = list_pulls(self._graphql_query, repo, threshold)
        except GraphQLUnavailable as err:
            self.graphql = False
            event(log, "github.graphql_unavailable", logging.WARNING, fallback="rest",
                  reason=err.detail or "refused")
            return None
        self.graphql = True
        self._listed[repo] = listed
        return listed

    def _graphql_query(self, text: str, variables: dict[str, Any]) -> dict[str, Any]:
        """POST one query; its ``data``. Errors GitHub sends with HTTP 200 are raised."""
        body = self.policy.call("GraphQL query", partial(self._post_graphql, text, variables),
                                guard=False)
        errors = body.get("errors") or []
        kinds = {str(e.get("type") or "") for e in errors if isinstance(e, dict)}
        if "RATE_LIMITED" in kinds:
            wait = max(self.graphql_budget.reset - self.policy.clock(), 0.0)
            raise RateLimited(SERVICE, f"GraphQL points exhausted; resets in {wait:.0f} s",
                              retry_after=wait, detail="event=github.graphql_rate_limited")
        if kinds & {"FORBIDDEN", "INSUFFICIENT_SCOPES"}:
            raise GraphQLUnavailable(SERVICE, "GraphQL refused for this token",
                                     detail="type=" + ",".join(sorted(kinds)))
        data = body.get("data")
        if errors and (not isinstance(data, dict) or kinds - {"NOT_FOUND"}):
            first = errors[0] if isinstance(errors[0], dict) else {}
            message = str(first.get("message", ""))[:200]
            raise IntegrationError(SERVICE, f"GraphQL query rejected: {message}",
                                   detail="event=github.graphql_error")
        return data if isinstance(data, dict) else {}

    def _post_graphql(self, text: str, variables: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(self.graphql_url, json={"query": text, "variables": variables})
        self.graphql_budget.update(response.headers)
        if response.status_code == 404:
            raise GraphQLUnavailable(SERVICE, "no GraphQL endpoint", detail="status=404")
        if response.status_code != 200:
            raise HttpStatusError(response.status_code, response.headers, error_message(response))
        body = response.json()
        return body if isinstance(body, dict) else {}

    def poll_releases(self, repo: str, etag: str | None) -> ReleasePoll:
        """Every release (drafts included) and tag; a free 304 when nothing changed."""
        first = self._conditional(
            f"list releases of {repo}", f"/repos/{repo}/releases", {"per_page": PER_PAGE}, etag
        )
        if first is None:
            return ReleasePoll(repo, changed=False, etag=etag, requests=1)
        new_etag, items, next_url = first
        raw, requests = list(items), 1
        while next_url is not None:
            items, next_url = self._page(f"list releases of {repo}", next_url)
            raw += items
            requests += 1
        releases = [convert.release(repo, rel) for rel in self._objects(GitRelease, raw)]
        handle = self.gh.get_repo(repo)
        tags = self._call(
            f"list tags of {repo}", lambda: {t.name: t.commit.sha for t in handle.get_tags()}
        )
        requests += max(1, -(-len(tags) // PER_PAGE))
        return ReleasePoll(
            repo, changed=True, releases=releases, tags=tags, etag=new_etag, requests=requests
        )

    def poll_deployments(
        self, repo: str, environment: str, etag: str | None, known: Mapping[int, Deployment]
    ) -> DeploymentPoll:
        """See ``integrations/github/shipping.py``."""
        return shipping.poll_deployments(self, repo, environment, etag, known)

    def poll_tags(
        self, repo: str, etag: str | None, pattern: str, known: Mapping[str, Release]
    ) -> ReleasePoll:
        """See ``integrations/github/shipping.py``."""
        return shipping.poll_tags(self, repo, etag, pattern, known)

    def containments(
        self,
        repo: str,
        releases: Sequence[Release],
        merged: Mapping[str, int],
        done: Collection[tuple[str, str]],
    ) -> ContainmentResult:
        """See ``integrations/github/shipping.py``."""
        return shipping.containments(self, repo, releases, merged, done)

    def check_shipping(self, repo: str, how: Shipping) -> str:
        """See ``integrations/github/shipping.py``."""
        return shipping.check_shipping(self, repo, how)

    def check_repo(self, repo: str) -> str:
        """The repository's full name; ``NotFound`` names it when missing or not visible."""
        _, data = self._call(
            f"read repository {repo}",
            lambda: self.gh.requester.requestJsonAndCheck("GET", f"/repos/{repo}"),
        )
        return str(data["full_name"])

    def viewer_repos(self, limit: int = 300) -> list[str]:
        """Repositories the token can read (``GET /user/repos``), most recently pushed first;
        an App's, those of its installation."""
        if self.config.app is not None:
            return installation_repos(self, limit)
        listing = self.gh.get_user().get_repos(sort="pushed")
        repos = self._call("list the token's repositories",
                           lambda: [r.full_name for r in islice(listing, limit)])
        return [str(name) for name in repos]

    def whoami(self) -> CodeHostAccount:
        """The token's login and the primary budget left (``GET /user``); an App installation
        is no user: its name and the budget of ``GET /rate_limit``."""
        if self.config.app is not None:
            return app_account(self, self.config.app)
        _, data = self._call(
            "read the authenticated user",
            lambda: self.gh.requester.requestJsonAndCheck("GET", "/user"),
            guard=False,
        )
        b = self.policy.budget
        return CodeHostAccount(
            str(data["login"]), b.remaining, b.limit, datetime.fromtimestamp(b.reset, UTC)
        )

    # ---- plumbing ---------------------------------------------------------------------

    def _call(self, operation: str, fn: Callable[[], Any], *, guard: bool = True) -> Any:
        try:
            return self.policy.call(operation, fn, guard=guard)
        finally:
            self._note_pygithub_budget()

    def _note_pygithub_budget(self) -> None:
        remaining, limit = self.gh.requester.rate_limiting
        if remaining >= 0:
            b = self.policy.budget
            b.remaining, b.limit = remaining, limit
            b.reset = float(self.gh.requester.rate_limiting_resettime or b.reset)

    def _conditional(
        self, operation: str, path: str, params: Mapping[str, Any], etag: str | None
    ) -> tuple[str | None, list[Any], str | None] | None:
        """GET the first page with ``If-None-Match``; ``None`` when it answered 304."""
        # A 304 costs nothing, but an exhausted budget answers 403 even then: guard anyway.
        response = self.policy.call(operation, partial(self._get, path, params, etag))
        if response.status_code == 304:
            event(log, "github.not_modified", logging.DEBUG, op=operation)
            return None
        return (
            response.headers.get("ETag"),
            list(response.json()),
            next_link(response.headers.get("Link")),
        )

    def _get(self, path: str, params: Mapping[str, Any], etag: str | None) -> httpx.Response:
        headers = {"If-None-Match": etag} if etag else {}
        response = self.http.get(self.api + path, params=dict(params), headers=headers)
        self.policy.budget.update(response.headers)
        if response.status_code not in (200, 304):
            raise HttpStatusError(response.status_code, response.headers, error_message(response))
        return response

    def _page(self, operation: str, url: str) -> tuple[list[Any], str | None]:
        headers, data = self._call(
            operation, lambda: self.gh.requester.requestJsonAndCheck("GET", url)
        )
        return list(data), next_link(headers.get("link") or headers.get("Link"))

    def _objects(self, klass: type[G], items: Sequence[Any]) -> list[G]:
        return [self.gh.create_from_raw_data(klass, slim(item)) for item in items]
