"""Where GitHub is and how Crosswalk signs in: a token or a GitHub App installation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.errors import ConfigError
from integrations.github.app_auth import AppCredentials, app_credentials

DEFAULT_API = "https://api.github.com"


@dataclass(frozen=True, slots=True)
class GitHubConfig:
    """Where GitHub is and the token (kept out of ``repr``)."""

    token: str = field(repr=False)  # "" with a GitHub App
    api_url: str = DEFAULT_API
    timeout: float = 20.0
    # PyGithub's pause between requests (its default is 0.25 s): 10 GETs/s stays under the
    # secondary limit of 900 points a minute; 0 in tests
    throttle: float = 0.1
    graphql: bool = True  # PRs and reviews through GraphQL where the server has it
    app: AppCredentials | None = None  # a GitHub App's installation instead of a token
    # consult proxy and CA variables per request (integrations/github/sessions.py)
    trust_env: bool = False

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], *, timeout: float = 20.0, trust_env: bool = False
    ) -> GitHubConfig:
        """Read GITHUB_TOKEN, or a GitHub App's GITHUB_APP_* (integrations/github/app_auth.py),
        and GITHUB_API_URL (GitHub Enterprise Server)."""
        api = env.get("GITHUB_API_URL", "").strip() or DEFAULT_API
        token = env.get("GITHUB_TOKEN", "").strip()
        app = None if token else app_credentials(env)
        if not token and app is None:
            raise ConfigError("GITHUB_TOKEN is not set (a token that can read the repositories)"
                              " nor GITHUB_APP_ID (a GitHub App installation)")
        return cls(token=token, api_url=api.rstrip("/"), timeout=timeout, app=app,
                   trust_env=trust_env)
