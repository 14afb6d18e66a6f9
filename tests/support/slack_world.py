"""A small Slack workspace for the Slack sandbox and client tests (not a test module)."""

from __future__ import annotations

from datetime import UTC, datetime

from integrations.sandbox.slack.state import SlackChannel, SlackState, SlackUser
from integrations.sandbox.world import GitHubState, JiraState, JiraUser, World

TOKEN = "xoxb-sandbox-test-token"
SIGNING_SECRET = "sandbox-signing-secret"
BOT, ALICE, BOB, CAROL = "U0BOT00001", "U0ALICE001", "U0BOB00001", "U0CAROL001"
CHANNEL = "C0PAYMENTS"


def make_world(token: str = TOKEN) -> World:
    """Four users (the bot among them), a team channel, a channel without the bot, extras."""
    slack = SlackState("T0SANDBOX1", "Acme", token, SIGNING_SECRET, BOT, "B0BOT00001")
    for user in (
        SlackUser(BOT, "crosswalk", "Crosswalk", "crosswalk@acme.example", is_bot=True),
        SlackUser(ALICE, "alice", "Alice Archer", "alice@acme.example", tz="America/Los_Angeles"),
        SlackUser(BOB, "bob", "Bob Baker", "bob@acme.example", tz="Europe/London"),
        SlackUser(CAROL, "carol", "Carol Chen", "carol@acme.example", tz="Asia/Kolkata"),
    ):
        slack.users[user.id] = user
    slack.channels[CHANNEL] = SlackChannel(CHANNEL, "payments", members={BOT, ALICE, BOB})
    slack.channels["C0OUTSIDE1"] = SlackChannel("C0OUTSIDE1", "random", members={ALICE})
    for i in range(5):
        slack.channels[f"C0EXTRA{i:03d}"] = SlackChannel(f"C0EXTRA{i:03d}", f"extra-{i}")
    slack.channels["G0PRIVATE1"] = SlackChannel("G0PRIVATE1", "secret", is_private=True,
                                                members={BOT})
    jira = JiraState(JiraUser("acc-1", "Jira Bot", "jira@acme.example"), "jira@acme.example", "t")
    return World("slack-test", 1, datetime(2026, 11, 23, 12, 0, tzinfo=UTC), jira,
                 GitHubState("ghp_x", "crosswalk-bot"), slack)
