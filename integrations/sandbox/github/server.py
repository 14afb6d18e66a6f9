"""A loopback GitHub REST server over ``world.github``, faithful to what Crosswalk relies on.

Pagination with RFC 8288 ``Link`` headers, weak ``ETag``s with ``If-None-Match`` → 304
(which does not spend rate limit), ``x-ratelimit-*`` headers counting down per token and
window, primary (403 + ``x-ratelimit-remaining: 0``) and secondary (403 + ``Retry-After``)
limits. Control surface: ``exhaust_rate_limit``, ``set_rate_limit``,
``trigger_secondary_limit``, ``revoke_token``, ``events.hold``/``events.resume`` (GitHub's
event latency) plus the base class's faults.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlencode

from integrations.sandbox.base import Fault, Request, Response, SandboxServer
from integrations.sandbox.github import apps
from integrations.sandbox.github.common import Budget
from integrations.sandbox.github.events import EventFeed
from integrations.sandbox.github.graphql import GraphQLEndpoint
from integrations.sandbox.github.payloads import Payloads
from integrations.sandbox.github.routes import HttpError, Result, register
from integrations.sandbox.world import GhCommit, GhPull, GhRepo, World

DOCS = "https://docs.github.com/rest"
WINDOW = 3600  # the primary limit's window, seconds
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


Handler = Callable[[Request, "re.Match[str]"], Result]


class GitHubServer(SandboxServer):
    """GitHub REST v3 sandbox: ``GitHubServer(world).start()`` then point PyGithub at ``.url``."""

    name = "github"

    def __init__(
        self,
        world: World,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        primary_status: int = 403,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.primary_status = primary_status  # GitHub answers 403 or 429 when exhausted
        self._clock = clock
        self._budgets: dict[str, Budget] = {}
        self.events = EventFeed()  # the repositories' event timelines; hold() delays them
        super().__init__(world, host=host, port=port)

    def start(self) -> GitHubServer:
        """Start listening; responses go out without Nagle's delay (headers and body are
        written separately, and delayed ACKs would add ~40 ms to every keep-alive request)."""
        super().start()
        if self._httpd is not None:
            self._httpd.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
            default = self._httpd.handle_error

            def handle_error(request: Any, client_address: Any) -> None:
                # a client that timed out on a delayed response closed its socket: expected
                if not isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
                    default(request, client_address)

            self._httpd.handle_error = handle_error  # type: ignore[method-assign]
        return self

    def __enter__(self) -> GitHubServer:
        return self.start()

    @property
    def payloads(self) -> Payloads:
        """Payload builder bound to the running server's URL."""
        return Payloads(self.url, self.world.github)

    # ---- control surface ------------------------------------------------------------------

    def budget(self, token: str | None = None) -> Budget:
        """The current rate-limit window of ``token`` (default: the world's token)."""
        key = token if token is not None else self.world.github.token
        with self._lock:
            now = int(self._clock())
            current = self._budgets.get(key)
            if current is None or now >= current.reset:
                limit = self.world.github.rate_limit if key else 60
                current = self._budgets[key] = Budget(limit, now + WINDOW)
            return current

    def exhaust_rate_limit(
        self, reset_in_seconds: float = WINDOW, token: str | None = None
    ) -> None:
        """Spend the whole primary budget; the window resets ``reset_in_seconds`` from now."""
        self.set_rate_limit(0, int(self._clock() + reset_in_seconds), token)

    def set_rate_limit(
        self, remaining: int, reset_at: int | datetime, token: str | None = None
    ) -> None:
        """Set the remaining primary budget and the window's reset time (epoch or datetime)."""
        b = self.budget(token)
        with self._lock:
            b.used = max(b.limit - remaining, 0)
            b.reset = int(reset_at.timestamp()) if isinstance(reset_at, datetime) else int(reset_at)

    def trigger_secondary_limit(self, retry_after: float, n: int = 1, *, status: int = 403) -> None:
        """Answer the next ``n`` requests with a secondary-limit error carrying ``Retry-After``."""
        body = {
            "message": SECONDARY_MESSAGE,
            "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api",
        }
        self.fail_next(n, status, retry_after=retry_after, body=body)

    def revoke_token(self) -> None:
        """Make the world's token invalid (every request then answers 401)."""
        with self.world.lock:
            self.world.github.token = (
                "revoked-"
                + hashlib.sha1(self.world.github.token.encode(), usedforsecurity=False).hexdigest()
            )

    # ---- base overrides -------------------------------------------------------------------

    def error_response(self, fault: Fault) -> Response:
        """Injected faults answer with GitHub's basic-error body."""
        if fault.body is None:
            fault.body = {
                "message": "Server Error" if fault.status >= 500 else "injected fault",
                "documentation_url": DOCS,
            }
        return super().error_response(fault)

    def authorize(self, request: Request) -> Response | None:
        """401 for a token that is not the world's (or an installation token it issued); no
        header is anonymous access; an App's JWT is checked by its one route."""
        if re.fullmatch(apps.ACCESS_TOKENS, request.path) and request.method == "POST":
            return None
        token = self._token(request)
        if token is None or token == self.world.github.token:
            return None
        if apps.is_installation_token(self, token):
            return None
        body = {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
        return Response.json(body, 401, self._github_headers())

    def not_found(self, request: Request) -> Response:
        """GitHub's 404 body."""
        return Response.json(
            {"message": "Not Found", "documentation_url": DOCS, "status": "404"}, 404
        )

    # ---- plumbing -------------------------------------------------------------------------

    @staticmethod
    def _token(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() in ("token", "bearer") and value.strip():
            return value.strip()
        return None if not header else "\0malformed"

    @staticmethod
    def _github_headers() -> dict[str, str]:
        return {
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
        }

    @staticmethod
    def _rate_headers(b: Budget) -> dict[str, str]:
        return b.headers("core")

    def get(self, pattern: str, handler: Handler, *, free: bool = False) -> None:
        """Register a GET route with auth, rate limit, ETag and conditional handling."""

        def wrapped(request: Request, match: re.Match[str]) -> Response:
            token = self._token(request) or ""
            b = self.budget(token)
            if not free and b.remaining <= 0:
                body = {
                    "message": f"API rate limit exceeded for user ID {self._viewer_id(token)}.",
                    "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api",
                }
                return Response.json(
                    body, self.primary_status, {**self._github_headers(), **self._rate_headers(b)}
                )
            try:
                if not token and pattern in ("/user", "/user/repos"):  # viewer-only routes
                    raise HttpError(401, "Requires authentication")
                result = handler(request, match)
            except HttpError as err:
                if not free:
                    with self._lock:
                        b.used += 1
                body = {
                    "message": err.message,
                    "documentation_url": DOCS,
                    "status": str(err.status),
                    **err.extra,
                }
                return Response.json(
                    body, err.status, {**self._github_headers(), **self._rate_headers(b)}
                )
            return self._answer(request, result, b, free)

        self.route("GET", pattern, wrapped)

    def _answer(self, request: Request, result: Result, b: Budget, free: bool) -> Response:
        body = json.dumps(result.payload, separators=(",", ":")).encode()
        # the Link header is part of what a list says (a new page appears), so it is hashed too
        digest = hashlib.sha256(body + result.headers.get("Link", "").encode()).hexdigest()
        etag = f'W/"{digest}"'
        headers = {
            **self._github_headers(),
            "ETag": etag,
            "Cache-Control": "private, max-age=60, s-maxage=60",
            "Vary": "Accept, Authorization, Cookie, X-GitHub-OTP",
            **result.headers,
        }
        if result.last_modified is not None:
            headers["Last-Modified"] = format_datetime(result.last_modified, usegmt=True)
        if self._not_modified(request, etag, result.last_modified):
            headers.pop("Link", None)
            return Response(304, b"", {**headers, **self._rate_headers(b)})  # free, as on GitHub
        if not free:
            with self._lock:
                b.used += 1
        headers.update(self._rate_headers(b))
        headers["Content-Type"] = "application/json; charset=utf-8"
        return Response(200, body, headers)

    @staticmethod
    def _not_modified(request: Request, etag: str, last_modified: datetime | None) -> bool:
        inm = request.headers.get("if-none-match")
        if inm is not None:
            tags = {t.strip().removeprefix("W/") for t in inm.split(",")}  # weak comparison
            return "*" in tags or etag.removeprefix("W/") in tags
        ims = request.headers.get("if-modified-since")
        if ims and last_modified is not None:
            try:
                return last_modified.replace(microsecond=0) <= parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False
        return False

    def _viewer_id(self, token: str) -> int:
        user = self.world.github.users.get(self.world.github.viewer)
        return user.id if user and token else 0

    def paginate(
        self, request: Request, items: Sequence[Any], *, default: int = 30
    ) -> tuple[Sequence[Any], dict[str, str]]:
        """Slice ``items`` by ``page``/``per_page`` and build GitHub's ``Link`` header."""
        per_page = min(max(_int(request.arg("per_page"), default), 1), 100)
        page = max(_int(request.arg("page"), 1), 1)
        last = max((len(items) + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(n: int, rel: str) -> str:
            query = {k: v[0] for k, v in request.query.items()}
            query["page"] = str(n)
            if "per_page" in request.query:
                query["per_page"] = str(per_page)
            return f'<{self.url}{request.path}?{urlencode(query)}>; rel="{rel}"'

        links = []
        if page > 1:
            links.append(link(min(page - 1, last), "prev"))
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links.append(link(1, "first"))
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def repo_of(self, match: re.Match[str]) -> GhRepo:
        """The repository a ``/repos/{o}/{r}`` path names, or 404."""
        full = f"{match['owner']}/{match['repo']}"
        for name, repo in self.world.github.repos.items():
            if name.lower() == full.lower():
                return repo
        raise HttpError(404, "Not Found")

    def repo_created(self, r: GhRepo) -> datetime:
        """A stable creation time: the oldest commit, else the world's now."""
        return min((c.date for c in r.commits.values()), default=self.world.now)

    def pull_of(self, r: GhRepo, match: re.Match[str]) -> GhPull:
        """The pull request a path names, or 404."""
        pull = r.pulls.get(int(match["number"]))
        if pull is None:
            raise HttpError(404, "Not Found")
        return pull

    def resolve(self, r: GhRepo, ref: str) -> GhCommit:
        """A branch, tag or (abbreviated) sha, ``owner:`` prefix allowed, or 404."""
        ref = unquote(ref).split(":", 1)[-1]
        sha = r.branches.get(ref) or r.tags.get(ref)
        if sha is None and len(ref) >= 7:
            sha = next((s for s in r.commits if s.startswith(ref)), None)
        if sha is None or sha not in r.commits:
            raise HttpError(404, "Not Found")
        return r.commits[sha]

    def clock_now(self) -> datetime:
        """The server's clock (real time: installation tokens expire by it)."""
        return datetime.fromtimestamp(self._clock(), UTC)

    def is_installation_token(self, token: str | None) -> bool:
        """Whether ``token`` is an unexpired installation token this server issued."""
        return apps.is_installation_token(self, token)

    def token_of(self, request: Request) -> str | None:
        """The token a request carries (None without one)."""
        return self._token(request)

    def viewer_id(self, token: str) -> int:
        """The user id GitHub names in a rate-limit message."""
        return self._viewer_id(token)

    def setup(self) -> None:
        """Register every GitHub route the sandbox serves (REST, and GraphQL at /graphql)."""
        register(self)
        apps.register(self)
        self.graphql = GraphQLEndpoint(self, self._clock)
        self.graphql.register()


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def epoch(value: datetime) -> int:
    """Seconds since the epoch of an aware datetime."""
    return int(value.astimezone(UTC).timestamp())
