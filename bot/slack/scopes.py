"""The Slack bot scopes Crosswalk needs: exactly those config/slack-app-manifest.yaml grants
(tests/test_slack_manifest.py keeps the two equal). ``crosswalk check`` compares them with
the scopes Slack reports for the bot token."""

from __future__ import annotations

BOT_SCOPES = frozenset({
    "chat:write",  # chat.postMessage, chat.update
    "commands",  # the slash command
    "files:write",  # files.getUploadURLExternal, files.completeUploadExternal
    "users:read",  # with users:read.email
    "users:read.email",  # users.lookupByEmail
    "channels:read",  # conversations.info, conversations.list (public channels)
    "groups:read",  # ... and private ones
    "channels:history",  # conversations.history: find a post whose answer was lost (public)
    "groups:history",  # ... and in private channels
    "im:history",  # ... and in a DM (an alert)
    "im:write",  # conversations.open: the DM's id, to read its history
})


def missing_scopes(granted: frozenset[str] | None) -> list[str]:
    """The needed scopes the token lacks ([] when Slack did not say)."""
    return [] if granted is None else sorted(BOT_SCOPES - granted)
