"""Fixtures for the Jira adapter tests: one sandbox per module, a fresh world per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import pytest

from integrations.jira import JiraConfig, JiraSource, RetryPolicy
from integrations.sandbox.jira.server import JiraServer
from integrations.sandbox.world import World
from tests.support.jira_world import EMAIL, TOKEN, build_world


@pytest.fixture(scope="module")
def running() -> Iterator[JiraServer]:
    server = JiraServer(build_world(issues=1))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def world() -> World:
    return build_world(issues=30, histories=3)


@pytest.fixture
def server(running: JiraServer, world: World) -> JiraServer:
    """The module's server serving this test's world, with no faults, log or cap changes."""
    running.world = world
    running.clear_faults()
    running.reset_log()
    for cap in ("search_changelog_cap", "issue_changelog_cap", "search_page_cap", "id_page_cap",
                "server_search_cap"):
        vars(running).pop(cap, None)
    running.thin_versions = False
    return running


@pytest.fixture
def sleeps() -> list[float]:
    """Delays the retry policy asked for (recorded instead of slept: tests stay fast)."""
    return []


class SourceFactory(Protocol):
    def __call__(self, *, token: str = ..., timeout: float = ..., pat: bool = ...,
                 tries: int = ...) -> JiraSource: ...


@pytest.fixture
def make_source(server: JiraServer, sleeps: list[float]) -> SourceFactory:
    """Build a JiraSource on the sandbox with a recording, non-sleeping retry policy."""

    def build(*, token: str = TOKEN, timeout: float = 5.0, pat: bool = False,
              tries: int = 5) -> JiraSource:
        config = (JiraConfig(server.url, pat=token, timeout=timeout) if pat
                  else JiraConfig(server.url, EMAIL, token, timeout=timeout))
        return JiraSource(config, retry=RetryPolicy(tries=tries, base_delay=0.01,
                                                    sleep=sleeps.append))

    return build


@pytest.fixture
def source(make_source: SourceFactory) -> JiraSource:
    return make_source()
