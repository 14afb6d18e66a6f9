"""The Slack sandbox for its own tests: one listener per module, a fresh world per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from integrations.sandbox.slack.server import SlackServer
from tests.support.slack_world import TOKEN, make_world


@pytest.fixture(scope="module")
def running() -> Iterator[SlackServer]:
    # One listener per module: stopping a server waits out its 0.5 s poll interval.
    with SlackServer(make_world()) as s:
        assert isinstance(s, SlackServer)
        yield s


@pytest.fixture
def server(running: SlackServer) -> SlackServer:
    """The module's server with a fresh world, no faults, no revoked tokens, an empty log."""
    running.world = make_world()
    running.clear_faults()
    running.reset_log()
    running.revoked_tokens.clear()
    return running


@pytest.fixture
def client(server: SlackServer) -> WebClient:
    """The real ``slack_sdk`` client, pointed at ``server``."""
    return WebClient(token=TOKEN, base_url=server.url + "/api/", timeout=5)
