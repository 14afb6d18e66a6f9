"""The Jira adapter: ``JiraSource`` implements ``bot.core.ports.IssueSource``."""

from __future__ import annotations

from integrations.jira.client import JiraConfig, JiraSource
from integrations.jira.retry import RetryPolicy

__all__ = ["JiraConfig", "JiraSource", "RetryPolicy"]
