"""The sandbox's Slack workspace: users, channels, messages, files, views and scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

# As config/slack-app-manifest.yaml grants (tests/test_slack_manifest.py keeps them equal).
BOT_SCOPES = ("chat:write", "commands", "files:write", "users:read", "users:read.email",
              "channels:read", "groups:read", "channels:history", "groups:history",
              "im:history", "im:write")


@dataclass(slots=True)
class SlackUser:
    id: str
    name: str
    real_name: str
    email: str
    tz: str = "Europe/London"
    is_bot: bool = False
    deleted: bool = False


@dataclass(slots=True)
class SlackChannel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    members: set[str] = field(default_factory=set)


@dataclass(slots=True)
class SlackMessage:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, object]]
    user: str  # author (the bot's user id for bot posts)
    thread_ts: str | None = None
    files: list[str] = field(default_factory=list)
    edited: bool = False
    metadata: dict[str, object] | None = None  # chat.postMessage's {event_type, event_payload}


@dataclass(slots=True)
class SlackState:
    team_id: str
    team_name: str
    bot_token: str
    signing_secret: str
    bot_user_id: str
    bot_id: str
    users: dict[str, SlackUser] = field(default_factory=dict)  # by id
    channels: dict[str, SlackChannel] = field(default_factory=dict)  # by id
    messages: list[SlackMessage] = field(default_factory=list)
    ephemeral: list[SlackMessage] = field(default_factory=list)
    files: dict[str, dict[str, object]] = field(default_factory=dict)
    views: dict[str, dict[str, object]] = field(default_factory=dict)  # published home by user
    responses: list[dict[str, object]] = field(default_factory=list)  # response_url posts
    scopes: tuple[str, ...] = BOT_SCOPES  # what the bot token was granted (x-oauth-scopes)
