"""Fixtures shared by the use-case tests: the Slack sandbox, started once per module."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.sandbox.slack_server import SlackServer

sys.path.insert(0, str(Path(__file__).parents[1] / "integrations" / "sandbox"))
from slack_world import make_world  # type: ignore[import-not-found, unused-ignore]


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
