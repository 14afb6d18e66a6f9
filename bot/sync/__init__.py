"""Incremental, resumable polling of Jira and GitHub into the store (see ``engine``)."""

from __future__ import annotations

from bot.sync.engine import SyncEngine
from bot.sync.report import SourceReport, SyncSummary

__all__ = ["SourceReport", "SyncEngine", "SyncSummary"]
