"""The GitHub adapter: ``GitHubHost`` implements ``bot.core.ports.CodeHost``."""

from __future__ import annotations

import logging

import github  # noqa: F401 (imported first so its logger set-up is undone below)

from integrations.github.client import GitHubHost
from integrations.github.config import GitHubConfig
from integrations.github.convert import item_links
from integrations.github.policy import Policy

# Importing PyGithub sets its logger to INFO and attaches a bare StreamHandler of its own,
# which would print past our redacting, formatted root handler (and undo the WARNING level
# the CLI set). Take that handler off again: our logging configuration is the only one.
_pygithub_logger = logging.getLogger("github")
for _handler in list(_pygithub_logger.handlers):
    if type(_handler) is logging.StreamHandler:
        _pygithub_logger.removeHandler(_handler)
_pygithub_logger.setLevel(logging.WARNING)

__all__ = ["GitHubConfig", "GitHubHost", "Policy", "item_links"]
