"""Helpers of the sync tests: the scenario's clock, stores, and engines on the real adapters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.config.settings import Settings
from bot.store import Store, make_engine
from bot.store.migrate import upgrade
from bot.sync import SyncEngine
from integrations.github import GitHubConfig, GitHubHost, Policy
from integrations.jira import JiraConfig, JiraSource, RetryPolicy
from integrations.sandbox.runner import Sandbox

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
SINCE = datetime(2025, 1, 1, tzinfo=UTC)


def open_store(url: str) -> Store:
    """A Store over ``url``, migrated to head."""
    upgrade(url)
    return Store(make_engine(url))


def make_engine_for(
    box: Sandbox, settings: Settings, store: Store, *, timeout: float = 5.0,
    env: dict[str, str] | None = None, graphql: bool = True, **kwargs: Any,
) -> SyncEngine:
    """An engine over fresh adapters pointed at ``box`` (``env`` overrides its variables;
    ``graphql=False`` keeps GitHub on the REST path)."""
    env = {**box.env(), **(env or {})}
    jira = JiraSource(
        JiraConfig(url=env["JIRA_URL"], email=env["JIRA_EMAIL"],
                   api_token=env["JIRA_API_TOKEN"], timeout=timeout),
        retry=RetryPolicy(tries=4, base_delay=0.01, max_delay=5.0),
    )
    github = GitHubHost(
        GitHubConfig(token=env["GITHUB_TOKEN"], api_url=env["GITHUB_API_URL"], timeout=timeout,
                     throttle=0, graphql=graphql),
        policy=Policy(tries=4, base_delay=0.01, max_wait=5.0),
    )
    kwargs.setdefault("clock", lambda: NOW)
    return SyncEngine(store, settings, jira, github, **kwargs)
