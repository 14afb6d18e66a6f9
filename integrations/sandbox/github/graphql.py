"""The GitHub GraphQL sandbox: ``POST /graphql`` executed against GitHub's published schema.

Queries run through graphql-core against ``schema.graphql`` (GitHub's public schema, shipped
beside this file), so what GitHub rejects — an unknown field, a wrong argument, a connection
without ``first``/``last`` or with more than 100 — is rejected here too, with HTTP 200 and an
``errors`` list as GitHub answers. Resolvers serve what Crosswalk reads from ``world.github``:
``repository { pullRequests { … reviews … reviewRequests … mergeCommit } }`` and ``rateLimit``.

Cost is GitHub's formula: add up the requests each connection needs (the product of the
``first``/``last`` of the connections around it), divide by 100, round, at least 1. It is
spent from a points budget per token (5,000 an hour unless set), reported in ``rateLimit``
and in the ``x-ratelimit-*`` headers with ``x-ratelimit-resource: graphql``. There are no
ETags on GraphQL. ``disable()`` makes the endpoint answer 404, as on a GitHub Enterprise
Server without it.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    execute_sync,
    get_named_type,
    parse,
    validate,
    value_from_ast,
    visit,
)
from graphql.language import DocumentNode

from integrations.sandbox.base import Request, Response
from integrations.sandbox.github.common import WEB, Budget, node_id, ts
from integrations.sandbox.github.connections import connection
from integrations.sandbox.world import GhPull, GhRepo, GhReview, GhUser

if TYPE_CHECKING:
    from integrations.sandbox.github.server import GitHubServer

SCHEMA_FILE = Path(__file__).with_name("schema.graphql")
HOURLY_POINTS = 5000  # a user token's GraphQL budget
MAX_PAGE = 100
MAX_NODES = 500_000
Json = dict[str, Any]


@functools.cache
def github_schema() -> GraphQLSchema:
    """GitHub's schema with the sandbox's resolvers (built once per process, ~1 s)."""
    # GitHub's published SDL repeats a few fields and deprecates interface implementations:
    # graphql-core would refuse it, GitHub serves it; query validation is unaffected.
    schema = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"), assume_valid_sdl=True,
                          assume_valid=True)
    fields = schema.type_map
    fields["Query"].fields["repository"].resolve = _repository  # type: ignore[attr-defined]
    fields["Query"].fields["rateLimit"].resolve = _rate_limit  # type: ignore[attr-defined]
    fields["Repository"].fields["pullRequests"].resolve = _pull_requests  # type: ignore[attr-defined]
    fields["PullRequest"].fields["reviews"].resolve = _reviews  # type: ignore[attr-defined]
    fields["PullRequest"].fields["reviewRequests"].resolve = _review_requests  # type: ignore[attr-defined]
    return schema


@dataclass(frozen=True, slots=True)
class Context:
    """What the resolvers see: the world's GitHub state, the query's cost and the budget."""

    server: GitHubServer
    cost: int
    nodes: int
    points: Budget


class GraphQLEndpoint:
    """``POST /graphql`` of one GitHub sandbox server."""

    def __init__(self, server: GitHubServer, clock: Callable[[], float]) -> None:
        self.server = server
        self.limit = HOURLY_POINTS
        self.enabled = True
        self.queries: list[tuple[str, int]] = []  # (query text, cost) of each executed query
        self._clock = clock
        self._points: dict[str, Budget] = {}
        self._lock = threading.Lock()

    def register(self) -> None:
        """Serve ``/graphql`` (github.com) and ``/api/graphql`` (GitHub Enterprise Server)."""
        self.server.route("POST", "/graphql", self.handle)
        self.server.route("POST", "/api/graphql", self.handle)

    def disable(self) -> None:
        """Answer 404 from now on, as a server without GraphQL does."""
        self.enabled = False

    def points(self, token: str) -> Budget:
        """The current window of ``token``."""
        with self._lock:
            now = int(self._clock())
            current = self._points.get(token)
            if current is None or now >= current.reset:
                current = self._points[token] = Budget(self.limit, now + 3600)
            return current

    def handle(self, request: Request, match: re.Match[str]) -> Response:
        """Parse, validate, cost and execute one query."""
        if not self.enabled:
            return self.server.not_found(request)
        token = self.server.token_of(request)
        if not token:
            return Response.json({"message": "This endpoint requires you to be authenticated.",
                                  "documentation_url": "https://docs.github.com/graphql"}, 401)
        try:
            body = json.loads(request.body or b"{}")
            query, variables = body["query"], body.get("variables") or {}
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return Response.json({"message": "Problems parsing JSON",
                                  "documentation_url": "https://docs.github.com/graphql"}, 400)
        points = self.points(token)
        try:
            document = parse(query)
        except GraphQLError as err:
            return self._errors(points, [err.formatted])
        schema = github_schema()
        invalid = validate(schema, document)
        if invalid:
            return self._errors(points, [_github_validation(e) for e in invalid])
        bounds = connection_bounds(schema, document, variables)
        if bounds.errors:
            return self._errors(points, bounds.errors)
        if bounds.nodes > MAX_NODES:
            message = (f"This query requests up to {bounds.nodes:,} possible nodes which "
                       f"exceeds the maximum limit of {MAX_NODES:,}.")
            return self._errors(points, [{"type": "MAX_NODE_LIMIT_EXCEEDED", "path": [],
                                          "message": message}])
        cost = bounds.cost
        if points.remaining < cost:
            message = f"API rate limit exceeded for user ID {self.server.viewer_id(token)}."
            return self._errors(points, [{"type": "RATE_LIMITED", "message": message}])
        with self._lock:
            points.used += cost
        self.queries.append((query, cost))
        with self.server.world.lock:
            result = execute_sync(schema, document, variable_values=variables,
                             context_value=Context(self.server, cost, bounds.nodes, points))
        payload: Json = {"data": result.data}
        if result.errors:
            payload["errors"] = [_github_error(e) for e in result.errors]
        return Response.json(payload, 200, self._headers(points))

    def _errors(self, points: Budget, errors: list[Any]) -> Response:
        return Response.json({"errors": errors}, 200, self._headers(points))

    @staticmethod
    def _headers(points: Budget) -> dict[str, str]:
        return points.headers("graphql")


# ---- cost and pagination bounds ---------------------------------------------------------------


@dataclass(slots=True)
class Bounds:
    """A query's connections: GitHub's cost, its possible node count, and refusals."""

    cost: int = 1
    nodes: int = 0
    errors: list[Json] | None = None


def connection_bounds(schema: GraphQLSchema, document: DocumentNode,
                      variables: dict[str, Any]) -> Bounds:
    """Walk the query: every connection needs ``first``/``last`` in 1..100; sum the cost."""
    info = TypeInfo(schema)
    errors: list[Json] = []
    requests = 0
    nodes = 0
    stack: list[int] = [1]  # product of the enclosing connections' sizes
    path: list[str] = []
    pushed: list[bool] = []

    class Walk(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            nonlocal requests, nodes
            path.append(node.alias.value if node.alias else node.name.value)
            field_def = info.get_field_def()
            named = get_named_type(info.get_type())
            is_connection = named is not None and named.name.endswith("Connection")
            if not is_connection or field_def is None:
                pushed.append(False)
                return
            size = _page_size(node, field_def.args, variables, path, errors)
            requests += stack[-1]
            nodes += stack[-1] * size
            stack.append(stack[-1] * size)
            pushed.append(True)

        def leave_field(self, node: FieldNode, *_: Any) -> None:
            path.pop()
            if pushed.pop():
                stack.pop()

    visit(document, TypeInfoVisitor(info, Walk()))
    cost = max(round(requests / 100), 1)
    return Bounds(cost, nodes, errors or None)


def _page_size(node: FieldNode, args: dict[str, Any], variables: dict[str, Any],
               path: list[str], errors: list[Json]) -> int:
    given = {a.name.value: a for a in node.arguments or ()}
    name = node.name.value
    where = [{"line": node.loc.start_token.line, "column": node.loc.start_token.column}] \
        if node.loc else []
    for bound in ("first", "last"):
        if bound in given:
            value = value_from_ast(given[bound].value, args[bound].type, variables)
            if isinstance(value, int) and 1 <= value <= MAX_PAGE:
                return value
            if isinstance(value, int) and value > MAX_PAGE:
                message = (f"Requesting {value} records on the `{name}` connection exceeds "
                           f"the `{bound}` limit of {MAX_PAGE} records.")
            else:
                message = f"`{bound}` on the `{name}` connection cannot be less than one."
            errors.append({"type": "EXCESSIVE_PAGINATION", "path": list(path),
                           "locations": where, "message": message})
            return MAX_PAGE
    errors.append({"type": "MISSING_PAGINATION_BOUNDARIES", "path": list(path),
                   "locations": where,
                   "message": f"You must provide a `first` or `last` value to properly paginate "
                              f"the `{name}` connection."})
    return MAX_PAGE


def _github_validation(error: GraphQLError) -> Json:
    """graphql-core's validation error in GitHub's wording where GitHub's differs."""
    formatted: Json = dict(error.formatted)
    unknown = re.match(r"Cannot query field '(\w+)' on type '(\w+)'", error.message)
    if unknown:
        field, type_name = unknown.groups()
        formatted["message"] = f"Field '{field}' doesn't exist on type '{type_name}'"
        formatted["extensions"] = {"code": "undefinedField", "typeName": type_name,
                                   "fieldName": field}
    return formatted


def _github_error(error: GraphQLError) -> Json:
    formatted: Json = dict(error.formatted)
    extensions = formatted.pop("extensions", None) or {}
    if "type" in extensions:
        formatted["type"] = extensions["type"]
    return formatted


# ---- resolvers --------------------------------------------------------------------------------


def _repository(_: Any, info: Any, owner: str, name: str, **__: Any) -> Json | None:
    ctx: Context = info.context
    full = f"{owner}/{name}".lower()
    for repo_name, repo in ctx.server.world.github.repos.items():
        if repo_name.lower() == full:
            return _repo(repo)
    raise GraphQLError(f"Could not resolve to a Repository with the name '{owner}/{name}'.",
                       extensions={"type": "NOT_FOUND"})


def _rate_limit(_: Any, info: Any, **__: Any) -> Json:
    ctx: Context = info.context
    reset = datetime.fromtimestamp(ctx.points.reset, UTC)
    return {"cost": ctx.cost, "limit": ctx.points.limit, "remaining": ctx.points.remaining,
            "used": ctx.points.used, "resetAt": ts(reset), "nodeCount": ctx.nodes}


def _repo(repo: GhRepo) -> Json:
    return {"_repo": repo, "id": node_id("Repository", repo.id), "databaseId": repo.id,
            "name": repo.name, "nameWithOwner": f"{repo.owner}/{repo.name}",
            "isPrivate": repo.private}


_ORDER_KEYS: dict[str, Callable[[GhPull], Any]] = {
    "CREATED_AT": lambda p: (p.created_at, p.number),
    "UPDATED_AT": lambda p: (p.updated_at, p.number),
}


def _pull_requests(parent: Json, info: Any, **args: Any) -> Json:
    repo: GhRepo = parent["_repo"]
    pulls: Iterable[GhPull] = repo.pulls.values()
    states = set(args.get("states") or ())
    if states:
        pulls = (p for p in pulls if _state(p) in states)
    if args.get("headRefName"):
        pulls = (p for p in pulls if p.head_ref == args["headRefName"])
    if args.get("baseRefName"):
        pulls = (p for p in pulls if p.base_ref == args["baseRefName"])
    order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}
    ordered = sorted(pulls, key=_ORDER_KEYS[order["field"]],
                     reverse=order.get("direction") == "DESC")
    repo_name = f"{repo.owner}/{repo.name}"
    users = info.context.server.world.github.users
    return connection(ordered, args, lambda p: _pull(repo_name, p, users))


def _state(pull: GhPull) -> str:
    if pull.merged_at is not None:
        return "MERGED"
    return "OPEN" if pull.state == "open" else "CLOSED"


def _pull(repo_name: str, p: GhPull, users: dict[str, GhUser]) -> Json:
    merge = {"oid": p.merge_commit_sha} if p.merged_at and p.merge_commit_sha else None
    return {
        "_pull": p, "id": node_id("PullRequest", p.id), "databaseId": p.id, "number": p.number,
        "title": p.title, "body": p.body, "headRefName": p.head_ref, "baseRefName": p.base_ref,
        "state": _state(p), "isDraft": p.draft, "merged": p.merged_at is not None,
        "createdAt": ts(p.created_at), "updatedAt": ts(p.updated_at),
        "closedAt": ts(p.closed_at), "mergedAt": ts(p.merged_at), "mergeCommit": merge,
        "url": f"{WEB}/{repo_name}/pull/{p.number}",
        "author": _actor(p.user, users), "_users": users,
    }


def _actor(login: str | None, users: dict[str, GhUser]) -> Json | None:
    """A ``User`` or a ``Bot`` (whose GraphQL login has no ``[bot]`` suffix, as on GitHub)."""
    if not login:
        return None  # a deleted account: GitHub answers null
    user = users.get(login)
    bot = login.endswith("[bot]") or (user is not None and user.type == "Bot")
    if bot:
        return {"__typename": "Bot", "login": login.removesuffix("[bot]")}
    return {"__typename": "User", "login": login}


def _reviews(parent: Json, info: Any, **args: Any) -> Json:
    pull: GhPull = parent["_pull"]
    states = set(args.get("states") or ())
    reviews: Sequence[GhReview] = [r for r in pull.reviews if not states or r.state in states]
    users = parent["_users"]
    return connection(reviews, args, lambda r: _review(r, users))


def _review(r: GhReview, users: dict[str, GhUser]) -> Json:
    return {"id": node_id("PullRequestReview", r.id), "databaseId": r.id, "state": r.state,
            "submittedAt": ts(r.submitted_at), "body": r.body, "author": _actor(r.user, users),
            "commit": {"oid": r.commit_id} if r.commit_id else None}


def _review_requests(parent: Json, info: Any, **args: Any) -> Json:
    pull: GhPull = parent["_pull"]
    return connection(pull.requested_reviewers, args, lambda login: {
        "id": node_id("ReviewRequest", f"{pull.id}:{login}"), "asCodeOwner": False,
        "requestedReviewer": {"__typename": "User", "login": login}})
