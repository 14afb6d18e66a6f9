"""GitHub App installation tokens, for organisations that forbid personal access tokens.

With ``GITHUB_APP_ID``, ``GITHUB_APP_INSTALLATION_ID`` and the app's private key
(``GITHUB_APP_PRIVATE_KEY``, the PEM text, or ``GITHUB_APP_PRIVATE_KEY_FILE``, its path),
PyGithub's ``Auth.AppInstallationAuth`` signs a JWT with the key and exchanges it for an
installation token, renewed before it expires (an hour). The conditional requests and
GraphQL (httpx) take the same token from it on every request. Every token and every line
of the key is registered for redaction before it can reach a log line.

An installation is no user: ``GET /user`` is refused, so the account check reads the rate
limit, and the repositories it can read come from ``GET /installation/repositories``.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from github import Auth

from bot.core.errors import ConfigError
from bot.core.logs import register_secret
from bot.core.ports import CodeHostAccount
from integrations.github.wire import next_link

if TYPE_CHECKING:
    from integrations.github.client import GitHubHost


@dataclass(frozen=True, slots=True)
class AppCredentials:
    """A GitHub App's id, the installation to act as, and its private key (never shown)."""

    app_id: str
    installation_id: int
    private_key: str = field(repr=False)

    def auth(self) -> Auth.AppInstallationAuth:
        """PyGithub's installation auth (it fetches and renews the token itself)."""
        return Auth.AppInstallationAuth(Auth.AppAuth(self.app_id, self.private_key),
                                        self.installation_id)

    @property
    def label(self) -> str:
        """How check names it."""
        return f"GitHub App {self.app_id} (installation {self.installation_id})"


def app_credentials(env: Mapping[str, str]) -> AppCredentials | None:
    """The App credentials in ``env`` (None without ``GITHUB_APP_ID``); a ``ConfigError``
    naming the variable when one is missing or malformed."""
    app_id = env.get("GITHUB_APP_ID", "").strip()
    if not app_id:
        return None
    if not app_id.isdigit():
        raise ConfigError(f"GITHUB_APP_ID: expected the app's numeric id, got {app_id!r}")
    installation = env.get("GITHUB_APP_INSTALLATION_ID", "").strip()
    if not installation.isdigit():
        raise ConfigError("GITHUB_APP_INSTALLATION_ID: expected the numeric id of the app's "
                          "installation on the organisation (its settings page URL ends in it)")
    key = env.get("GITHUB_APP_PRIVATE_KEY", "").strip().replace("\\n", "\n")
    path = env.get("GITHUB_APP_PRIVATE_KEY_FILE", "").strip()
    if not key and path:
        try:
            key = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"GITHUB_APP_PRIVATE_KEY_FILE: cannot read {path}: "
                              f"{type(exc).__name__}") from None
    if not key:
        raise ConfigError("GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE): missing "
                          "environment variable (the app's private key, PEM)")
    for line in key.splitlines():
        if not line.startswith("-----"):
            register_secret(line.strip())
    if "PRIVATE KEY-----" not in key:
        raise ConfigError("GITHUB_APP_PRIVATE_KEY: not a PEM private key (it starts with "
                          "-----BEGIN RSA PRIVATE KEY-----)")
    return AppCredentials(app_id, int(installation), key)


class InstallationToken(httpx.Auth):
    """httpx auth from PyGithub's installation auth: the current token on each request."""

    def __init__(self, auth: Auth.AppInstallationAuth) -> None:
        self.auth = auth

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.auth.token  # renewed by PyGithub when close to its expiry
        register_secret(token)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request


def app_account(host: GitHubHost, app: AppCredentials) -> CodeHostAccount:
    """The App installation's name and its primary budget (``GET /rate_limit``)."""
    _, data = host._call(
        "read the rate limit",
        partial(host.gh.requester.requestJsonAndCheck, "GET", "/rate_limit"), guard=False)
    core = data["resources"]["core"]
    return CodeHostAccount(app.label, int(core["remaining"]), int(core["limit"]),
                           datetime.fromtimestamp(core["reset"], UTC))


def installation_repos(host: GitHubHost, limit: int) -> list[str]:
    """The repositories the installation can read (``GET /installation/repositories``)."""
    names: list[str] = []
    url: str | None = f"{host.api}/installation/repositories?per_page=100"
    while url is not None and len(names) < limit:
        headers, data = host._call("list the installation's repositories",
                                   partial(host.gh.requester.requestJsonAndCheck, "GET", url))
        names += [str(r["full_name"]) for r in _repositories(data)]
        url = _next(headers)
    return names[:limit]


def _repositories(data: Any) -> list[Any]:
    return list(data.get("repositories", [])) if isinstance(data, dict) else []


def _next(headers: Mapping[str, str]) -> str | None:
    return next_link(headers.get("link") or headers.get("Link"))
