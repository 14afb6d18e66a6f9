"""What the alert use-case reports back: each delivery, and the message a button was on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


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
