"""GitHub App installation tokens in the sandbox, as GitHub issues them.

``POST /app/installations/{id}/access_tokens`` takes a JWT the app signed with its private
key (RS256, ``iss`` the app id, at most 10 minutes long) and answers 201 with an
installation token that expires in an hour. That token then reads what the world's token
reads, except the user endpoints: an installation is no user, so ``GET /user`` answers
403 "Resource not accessible by integration" and ``GET /installation/repositories`` lists
the repositories instead.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

import jwt

from integrations.sandbox.base import Request, Response
from integrations.sandbox.github.common import ts
from integrations.sandbox.github.routes import HttpError, Result

if TYPE_CHECKING:
    from integrations.sandbox.github.server import GitHubServer

ACCESS_TOKENS = r"/app/installations/(?P<id>\d+)/access_tokens"
TOKEN_LIFETIME = timedelta(hours=1)
DOCS = "https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app"


def is_installation_token(server: GitHubServer, token: str | None) -> bool:
    """Whether ``token`` is an unexpired installation token the sandbox issued."""
    expiry = server.world.github.installation_tokens.get(token or "")
    return expiry is not None and expiry > server.clock_now()


def register(server: GitHubServer) -> None:
    """Register the App routes on ``server``."""
    gh = server.world.github

    def access_tokens(request: Request, match: re.Match[str]) -> Response:
        installation = int(match["id"])
        app_id = gh.installations.get(installation)
        if app_id is None:
            return _error(404, "Not Found")
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return _error(401, "A JSON web token could not be decoded")
        try:
            claims = jwt.decode(token.strip(), gh.apps[app_id], algorithms=["RS256"],
                                options={"require": ["iat", "exp", "iss"]})
        except jwt.PyJWTError:
            return _error(401, "A JSON web token could not be decoded")
        if str(claims["iss"]) != app_id or claims["exp"] - claims["iat"] > 660:
            return _error(401, "'Expiration time' claim ('exp') is too far in the future")
        issued = f"ghs_{secrets.token_hex(18)}"
        expires = server.clock_now() + TOKEN_LIFETIME
        with server.world.lock:
            gh.installation_tokens[issued] = expires
        return Response.json({
            "token": issued, "expires_at": ts(expires),
            "permissions": {"contents": "read", "deployments": "read", "metadata": "read",
                            "pull_requests": "read"},
            "repository_selection": "all",
        }, 201)

    def repositories(req: Request, _: re.Match[str]) -> Result:
        if not is_installation_token(server, server.token_of(req)):
            raise HttpError(403, "This endpoint requires an installation access token")
        repos = sorted(gh.repos.values(), key=lambda r: r.full_name.lower())
        chunk, headers = server.paginate(req, repos)
        body = {"total_count": len(repos),
                "repositories": [server.payloads.repo(r, server.repo_created(r)) for r in chunk]}
        return Result(body, headers)

    server.route("POST", ACCESS_TOKENS, access_tokens)
    server.get(r"/installation/repositories", repositories)


def _error(status: int, message: str) -> Response:
    return Response.json({"message": message, "documentation_url": DOCS,
                          "status": str(status)}, status)
