"""The GitHub adapter's failure paths: rate limits, server errors, timeouts, bad tokens, secrets."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.core.errors import AuthError, IntegrationError, NotFound, RateLimited, Unavailable
from integrations.github import GitHubConfig, GitHubHost, Policy
from integrations.sandbox.github.server import GitHubServer
from tests.support.gh_world import REPO, build_world

OVERLAP = timedelta(minutes=5)
WORLD_PULLS = 25  # failure paths need a page, not three
Factory = Callable[..., GitHubHost]


def poll(host: GitHubHost) -> None:
    host.poll_pulls(REPO, None, None, overlap=OVERLAP)


def test_exhausted_budget_raises_rate_limited_with_retry_after_until_reset(
    server: GitHubServer, host: GitHubHost
) -> None:
    server.exhaust_rate_limit(reset_in_seconds=900)
    with pytest.raises(RateLimited) as raised:
        poll(host)
    assert 880 <= raised.value.retry_after <= 901
    assert len(server.requests) == 1  # not retried: the sync defers this team instead


def test_low_budget_defers_before_spending(server: GitHubServer, host: GitHubHost) -> None:
    server.set_rate_limit(host.policy.reserve, int(time.time()) + 600)
    host.check_repo(REPO)  # learns remaining == reserve from the headers
    server.reset_log()
    with pytest.raises(RateLimited) as raised:
        poll(host)
    assert not server.requests  # nothing spent
    assert 590 <= raised.value.retry_after <= 601
    assert "deferring" in str(raised.value)


def test_secondary_limit_429_with_retry_after_then_success(
    server: GitHubServer, host: GitHubHost
) -> None:
    server.trigger_secondary_limit(retry_after=0, n=1, status=429)
    poll(host)
    server.trigger_secondary_limit(retry_after=0, n=1, status=403)
    assert len(host.reviews(REPO, [4]).reviews) == 2
    assert [r.status for r in server.requests][:2] == [429, 200]
    assert 403 in [r.status for r in server.requests][2:]


def test_long_secondary_wait_is_not_slept(server: GitHubServer, host: GitHubHost) -> None:
    server.trigger_secondary_limit(retry_after=3600, n=1)
    with pytest.raises(RateLimited) as raised:
        poll(host)
    assert raised.value.retry_after == 3600 and len(server.requests) == 1


def test_secondary_limit_without_retry_after_defers_a_minute(
    server: GitHubServer, host: GitHubHost
) -> None:
    body = {"message": "You have exceeded a secondary rate limit.", "documentation_url": "x"}
    server.fail_next(1, 403, body=body)
    with pytest.raises(RateLimited) as raised:
        poll(host)
    assert raised.value.retry_after == 60 and len(server.requests) == 1


def test_server_errors_are_retried_then_succeed(server: GitHubServer, host: GitHubHost) -> None:
    server.fail_next(2, 502)
    poll(host)
    server.fail_next(2, 500, path_prefix=f"/repos/{REPO}/compare")
    releases = host.poll_releases(REPO, None).releases
    assert host.containments(REPO, releases, {}, done=set()).pairs
    assert [r.status for r in server.requests].count(500) == 2


def test_server_errors_beyond_the_bound_are_unavailable(
    server: GitHubServer, host_factory: Factory
) -> None:
    host = host_factory(tries=3)
    server.fail_next(5, 503)
    with pytest.raises(Unavailable) as raised:
        poll(host)
    assert len(server.requests) == 3 and "GitHub" in str(raised.value)


def test_a_timeout_is_retried_on_both_clients(server: GitHubServer, host_factory: Factory) -> None:
    host = host_factory(timeout=1.0)
    server.fail_next(1, 200, delay=1.5)  # the httpx conditional first page
    poll(host)
    server.fail_next(1, 200, delay=1.5, path_prefix=f"/repos/{REPO}/pulls/4/reviews")  # PyGithub
    assert len(host.reviews(REPO, [4]).reviews) == 2


def test_revoked_token_is_auth_error_naming_github_and_the_variable(
    server: GitHubServer, host: GitHubHost
) -> None:
    server.revoke_token()
    for call in (lambda: poll(host), lambda: host.reviews(REPO, [4]), host.whoami):
        with pytest.raises(AuthError) as raised:
            call()
        assert str(raised.value).startswith("GitHub:") and "GITHUB_TOKEN" in str(raised.value)


def test_missing_repository_is_not_found_naming_it(host: GitHubHost) -> None:
    with pytest.raises(NotFound) as raised:
        host.check_repo("acme/nope")
    assert "acme/nope" in str(raised.value)
    with pytest.raises(NotFound):
        host.poll_pulls("acme/nope", None, None, overlap=OVERLAP)


@pytest.mark.parametrize("graphql", [False, True], ids=["rest", "graphql"])
def test_planted_token_appears_in_no_log_record_or_error(
    caplog: pytest.LogCaptureFixture, graphql: bool
) -> None:
    token = "ghp_" + secrets.token_hex(18)
    with GitHubServer(build_world(pulls=5, releases=2, token=token)) as server:
        config = GitHubConfig(token=token, api_url=server.url, timeout=1.0, throttle=0,
                              graphql=graphql)
        host = GitHubHost(config, policy=Policy(tries=2, base_delay=0.01))
        messages: list[str] = []
        caplog.set_level(logging.DEBUG)  # urllib3, httpx and httpcore log requests at DEBUG
        caplog.set_level(logging.DEBUG, logger="github")  # PyGithub pins its own level
        poll(host)  # success path, with PyGithub's debug request log
        host.reviews(REPO, [1])
        paths: list[Callable[[], None]] = [
            lambda: server.fail_next(2, 500),
            lambda: server.fail_next(1, 200, delay=1.2),
            lambda: server.exhaust_rate_limit(60),
            server.revoke_token,
        ]
        for arrange in paths:
            arrange()
            for call in (lambda: poll(host), lambda: host.reviews(REPO, [1])):
                try:
                    call()
                except IntegrationError as error:
                    messages += [str(error), error.detail, repr(error)]
            server.clear_faults()
        messages.append(repr(host.config))
        host.close()
    assert len(messages) > 8
    leaked = [m for m in messages if token in m]
    leaked += [r.getMessage() for r in caplog.records
               if token in r.getMessage() + str(getattr(r, "fields", ""))]
    assert not leaked
    if not graphql:
        assert any(r.name.startswith("github") for r in caplog.records)  # PyGithub did log
