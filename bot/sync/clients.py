"""The Jira and GitHub adapters built from the ``Env`` (the CLI's and serve's composition)."""

from __future__ import annotations

from dataclasses import replace

from bot.config.env import Env
from bot.config.settings import Settings
from bot.store import Store
from bot.sync.engine import SyncEngine
from integrations.github import GitHubConfig, GitHubHost
from integrations.jira import JiraConfig, JiraSource

TIMEOUT = 20.0  # seconds per request; retries are the adapters' bounded policies


def _mapping(env: Env, *names: str) -> dict[str, str]:
    return {name: str(value) for name in names if (value := env.get(name)) not in (None, "")}


def jira_from(env: Env, *, timeout: float = TIMEOUT) -> JiraSource:
    """A ``JiraSource`` from JIRA_URL with JIRA_EMAIL + JIRA_API_TOKEN, or JIRA_PAT."""
    names = ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT")
    config = JiraConfig.from_env(_mapping(env, *names), timeout=timeout, trust_env=env.trust_env)
    return JiraSource(config)


def github_from(
    env: Env, *, timeout: float = TIMEOUT, throttle: float | None = None
) -> GitHubHost:
    """A ``GitHubHost`` from GITHUB_TOKEN (or a GitHub App's GITHUB_APP_*) and GITHUB_API_URL
    (``throttle``: seconds between
    requests; PyGithub's polite default when None)."""
    names = ("GITHUB_TOKEN", "GITHUB_API_URL", "GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID",
             "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_FILE")
    config = GitHubConfig.from_env(_mapping(env, *names), timeout=timeout,
                                   trust_env=env.trust_env)
    if throttle is not None:
        config = replace(config, throttle=throttle)
    return GitHubHost(config)


def clients_for(
    settings: Settings, env: Env, *, throttle: float | None = None
) -> tuple[JiraSource | None, GitHubHost | None]:
    """The adapters the config uses (None for a service no team reads)."""
    jira = jira_from(env) if settings.uses_jira else None
    github = github_from(env, throttle=throttle) if settings.uses_github else None
    return jira, github


def engine_for(
    settings: Settings, env: Env, store: Store, *, serve: bool = False
) -> SyncEngine:
    """A ``SyncEngine`` over the adapters of ``env``; ``serve=True`` marks sources unhealthy
    on rejected credentials instead of raising. Keep one per process: it remembers deferrals."""
    issues, code = clients_for(settings, env)
    return SyncEngine(store, settings, issues, code, raise_auth=not serve)
