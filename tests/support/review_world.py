"""Shared data of the review tests (no tests here): a team with targets, two months of facts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.config.settings import Settings, parse_settings
from bot.flow.facts import ItemFact, ReleaseFact
from bot.store.repo import Store
from tests.support.digest_world import config

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 1 December, 09:00 London


def utc(month: int, day: int, hour: int = 12) -> datetime:
    """Noon (or ``hour``) UTC of a 2026 date."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


def review_settings(every: str = "month") -> Settings:
    """``review_config`` validated."""
    return parse_settings(review_config(every))


def review_config(every: str = "month") -> dict[str, Any]:
    """The digest tests' payments team with targets and a scheduled review."""
    data = config()
    team = data["teams"]["payments"]
    team["targets"] = {"lead_time": "5d", "release_interval": "14d", "change_failure_rate": "20%"}
    team["review"] = {"every": every, "day": 1, "time": "09:00"}
    return data


def seed(store: Store) -> None:
    """October: one failed release and a 20-day delivery. November: four releases, 3 days."""
    store.add_team_items("payments", ["PAY-1", "PAY-2", "PAY-3"])
    store.upsert_release_facts([
        ReleaseFact("acme/api", 1, "v1", utc(9, 1), False, False, (), None),
        ReleaseFact("acme/api", 2, "v2", utc(10, 15), False, True, ("incident PAY-9",), 7.0),
        *(ReleaseFact("acme/api", 10 + i, f"v3.{i}", utc(11, 2 + 7 * i), False, False, (), None)
          for i in range(4)),
    ])
    store.upsert_item_facts([
        ItemFact("PAY-1", utc(9, 25), utc(10, 15)),  # 20 days
        ItemFact("PAY-2", utc(11, 6), utc(11, 9)),  # 3 days
        ItemFact("PAY-3", utc(11, 13), utc(11, 16)),  # 3 days
    ])
