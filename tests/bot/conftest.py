"""Fixtures shared by the use-case tests: the Slack sandbox, started once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.sandbox.slack.server import SlackServer
from tests.support.slack_world import make_world


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackServer]:
    """The Slack sandbox over the shared Slack world, running for the whole module."""
    with SlackServer(make_world()) as server:
        assert isinstance(server, SlackServer)
        yield server


@pytest.fixture
def server(slack: SlackServer) -> SlackServer:
    """The module's Slack sandbox with a fresh world, no faults, no revoked tokens and an
    empty request log."""
    slack.world = make_world()
    slack.clear_faults()
    slack.reset_log()
    slack.revoked_tokens.clear()
    return slack
