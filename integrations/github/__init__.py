"""The GitHub adapter: ``GitHubHost`` implements ``bot.ports.CodeHost``."""

from __future__ import annotations

from integrations.github.client import GitHubConfig, GitHubHost
from integrations.github.convert import item_links
from integrations.github.policy import Policy

__all__ = ["GitHubConfig", "GitHubHost", "Policy", "item_links"]
