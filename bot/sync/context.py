"""What a team's pass over one source needs: the store, the refresher, the team, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.flow.model import TeamFlow
from bot.store import Store
from bot.sync.refresh import Refresher
from bot.sync.report import ProgressFn, no_progress


@dataclass(frozen=True, slots=True)
class TeamJob:
    """One team's pass: ``since`` is where an empty cursor starts (now − initial history,
    or a backfill's date); ``backfill`` also re-reads from ``since`` whatever the cursor."""

    store: Store
    refresher: Refresher
    flow: TeamFlow
    jql: str | None  # the team's query (None: no Jira)
    projects: frozenset[str]  # every configured Jira project (for PR ↔ item links)
    now: datetime
    since: datetime
    backfill: bool = False
    progress: ProgressFn = no_progress
    heartbeat: Callable[[], None] = lambda: None  # renews the team's lease between pages

    @property
    def team(self) -> str:
        """The team's name."""
        return self.flow.name
