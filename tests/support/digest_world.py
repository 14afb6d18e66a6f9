"""Shared fixtures of the digest, alert and CLI tests (no tests here).

A migrated SQLite template is copied per test; the Slack sandbox server serves a small
workspace (alice in Los Angeles, bob in London, carol in Kolkata; channel C0PAYMENTS).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config.settings import Settings, parse_settings
from bot.flow.facts import HandoffEnd, HandoffFact, ItemFact, PrFact, ReleaseFact
from bot.flow.model import PullRequest, WorkItem
from bot.slack.client import Messenger, make_web_client
from bot.store import migrate
from bot.store.db import make_engine
from bot.store.repo import Store
from integrations.sandbox.slack.server import SlackServer
from integrations.sandbox.slack.state import SlackMessage
from tests.support.slack_world import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    TOKEN,
    make_world,
)

__all__ = ["ALICE", "BOB", "CAROL", "CHANNEL", "TOKEN", "make_world"]

H = timedelta(hours=1)
# Week 2026-W47 runs Mon 16 Nov to Mon 23 Nov (London is on UTC in November).
W47 = datetime(2026, 11, 16, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # Monday 10:00, the digest's day
HOSTILE = "<!channel> <!here> urgent <https://evil.example|click me> & more"


def utc(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant in November 2026, UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


_TEMPLATE: dict[str, Path] = {}


def new_store(tmp_path: Path, template_dir: Path) -> tuple[Store, str]:
    """A Store over a fresh copy of a migrated SQLite file, and its URL."""
    if "db" not in _TEMPLATE:
        path = template_dir / "template.db"
        migrate.upgrade(f"sqlite:///{path}")
        _TEMPLATE["db"] = path
    target = tmp_path / "crosswalk.db"
    shutil.copy(_TEMPLATE["db"], target)
    for suffix in ("-wal", "-shm"):
        extra = Path(str(_TEMPLATE["db"]) + suffix)
        if extra.exists():
            shutil.copy(extra, Path(str(target) + suffix))
    url = f"sqlite:///{target}"
    return Store(make_engine(url)), url


def config(
    *, product: Iterable[str] = ("alice@acme.example",),
    engineering: Iterable[str] = ("bob@acme.example",), alerts: dict[str, str] | None = None,
    github: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A one-team config (payments: PAY, acme/api, C0PAYMENTS) as plain data."""
    return {
        "timezone": "Europe/London",
        "teams": {
            "payments": {
                "jira": {"project": "PAY"},
                "github": {"repos": ["acme/api"]},
                "slack": {"channel": CHANNEL},
                "people": {"product": list(product), "engineering": list(engineering),
                           "github": dict(github or {})},
                "workflow": {
                    "handoff": ["Ready for Development"], "started": ["In Progress"],
                    "returned": ["Needs Clarification"], "done": ["Done"],
                },
                "alerts": alerts or {"handoff_waiting": "2d", "review_waiting": "1d",
                                     "unreleased": "5d"},
            }
        },
    }


def settings(**kwargs: Any) -> Settings:
    """``config(**kwargs)`` validated."""
    return parse_settings(config(**kwargs))


def messenger(server: SlackServer) -> Messenger:
    """The real ``slack_sdk`` client and Messenger against the sandbox."""
    return Messenger(make_web_client(TOKEN, server.url + "/api", timeout=5))


def item(key: str, summary: str = "", status: str = "Ready for Development") -> WorkItem:
    """A PAY work item with a browse link."""
    return WorkItem(key, "PAY", "Story", summary or f"Spec {key}", status, utc(1), utc(1),
                    url=f"https://acme.atlassian.net/browse/{key}")


def add_handoff(
    store: Store, key: str, started: datetime, ended: datetime | None = None, *,
    summary: str = "", seq: int = 0,
) -> HandoffFact:
    """Store an item of team payments with one handoff (open when ``ended`` is None)."""
    fact = HandoffFact(key, seq, started, ended, HandoffEnd.PICKED_UP if ended else None)
    store.upsert_work_items([item(key, summary)])
    store.add_team_items("payments", [key])
    store.upsert_handoffs([fact])
    return fact


def seed_week(store: Store) -> None:
    """A week W47 with numbers on every line, and hostile titles."""
    add_handoff(store, "PAY-1", utc(16, 9), utc(17, 13), summary=HOSTILE)  # 12 WH
    add_handoff(store, "PAY-2", utc(18, 9), summary=HOSTILE)  # still waiting
    add_handoff(store, "PAY-3", utc(9, 9), utc(10, 9))  # the week before: 8 WH
    store.upsert_item_facts([ItemFact("PAY-1", utc(16, 9), utc(19, 15))])
    store.upsert_release_facts([
        ReleaseFact("acme/api", 1, "v1.0", utc(2, 12), False, False, (), None),
        ReleaseFact("acme/api", 2, "v1.1", utc(19, 15), False, False, (), None),
    ])
    store.upsert_pr_facts([PrFact("acme/api", 7, False, utc(17, 13), utc(18, 13), utc(17, 15),
                                  2, utc(19, 15))])


def pull(number: int, title: str, opened: datetime, **changes: Any) -> PullRequest:
    """An acme/api pull request by bob."""
    values: dict[str, Any] = {
        "repo": "acme/api", "number": number, "title": title, "body": "", "head_ref": "b",
        "author": "bob", "author_is_bot": False, "state": "open", "draft": False,
        "created_at": opened, "updated_at": opened,
        "url": f"https://github.com/acme/api/pull/{number}",
    }
    values.update(changes)
    return PullRequest(**values)


def add_pull(store: Store, pr: PullRequest, *, released: bool = False) -> None:
    """Store a PR and its fact."""
    store.upsert_pull_requests([pr])
    store.upsert_pr_facts([PrFact(pr.repo, pr.number, False, pr.created_at, pr.merged_at, None,
                                  1 if released else None, utc(20) if released else None)])


def top_level(server: SlackServer, channel: str = CHANNEL) -> list[SlackMessage]:
    """Messages in ``channel`` that are not thread replies."""
    return [m for m in server.messages_in(channel) if m.thread_ts is None]


def all_posted_text(server: SlackServer) -> str:
    """Every text and block posted anywhere, as one JSON string."""
    with server.world.lock:
        return json.dumps([[m.text, m.blocks] for m in server.world.slack.messages])


def assert_no_unescaped_markup(server: SlackServer) -> None:
    """No posted text pings @channel/@here or carries the forged link."""
    text = all_posted_text(server)
    for bad in ("<!channel>", "<!here>", "<https://evil.example"):
        assert bad not in text
