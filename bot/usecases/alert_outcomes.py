"""The alert use-case's values: each delivery, the message a button was on, a team's state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.flow.alerts import Alert, Recipient
from bot.flow.model import TeamFlow


@dataclass(frozen=True, slots=True)
class SentAlert:
    """One alert delivery: sent, held, failed, or (dry run) would_send / would_hold."""

    alert_key: str
    level: int
    recipient: str  # CHANNEL or a Slack user id
    status: str
    text: str = ""
    channel: str | None = None
    message_ts: str | None = None
    held_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class ClickedMessage:
    """The message a button was clicked on (from the Bolt action payload)."""

    channel: str
    ts: str
    blocks: list[dict[str, Any]]
    text: str = ""


@dataclass(slots=True)
class TeamState:
    """One team as an alert run sees it: its people, reviewers and current alerts."""

    name: str
    flow: TeamFlow
    channel: str
    people: list[Recipient]
    reviewers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "repo#n" → logins
    asked: set[tuple[str, str]] = field(default_factory=set)  # ("repo#n", user): a reviewer
    current: dict[str, Alert] = field(default_factory=dict)  # every key over threshold now
    rules: dict[str, Any] = field(default_factory=dict)  # evaluate()'s inputs but sent/snoozes
