"""Fixtures of the GitHub adapter tests: a sandbox server and an adapter pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from integrations.github import GitHubConfig, GitHubHost, Policy
from integrations.sandbox.github.server import GitHubServer
from tests.support.gh_world import TOKEN, build_world


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[GitHubServer]:
    """A sandbox of 250 PRs (3 pages) and 5 releases; a module may set ``WORLD_PULLS``."""
    pulls = getattr(request.module, "WORLD_PULLS", 250)
    with GitHubServer(build_world(pulls=pulls, releases=5)) as running:
        yield running


def make_host(
    server: GitHubServer, *, token: str = TOKEN, timeout: float = 5.0, tries: int = 4,
    graphql: bool = False,
) -> GitHubHost:
    """An adapter with tiny backoff and no PyGithub throttle, for tests (the REST path unless
    ``graphql``: most of these tests count REST requests)."""
    config = GitHubConfig(token=token, api_url=server.url, timeout=timeout, throttle=0,
                          graphql=graphql)
    return GitHubHost(config, policy=Policy(tries=tries, base_delay=0.01))


@pytest.fixture
def host(server: GitHubServer) -> Iterator[GitHubHost]:
    adapter = make_host(server)
    yield adapter
    adapter.close()


@pytest.fixture
def host_factory(server: GitHubServer) -> Iterator[Callable[..., GitHubHost]]:
    """``host_factory(token=..., timeout=..., tries=...)``: adapters closed after the test."""
    made: list[GitHubHost] = []

    def factory(**kwargs: Any) -> GitHubHost:
        made.append(make_host(server, **kwargs))
        return made[-1]

    yield factory
    for adapter in made:
        adapter.close()
