"""JiraSource under injected failures: bounded retries, backoff, translation, no leaked secrets."""

from __future__ import annotations

import base64
import logging
import secrets
import time
from collections.abc import Callable
from datetime import timedelta

import pytest

from bot.core.errors import AuthError, IntegrationError, RateLimited, Unavailable
from integrations.jira import JiraSource
from integrations.sandbox.jira.server import JiraServer
from integrations.sandbox.world import World
from tests.support.jira_world import build_world

SEARCH = "/rest/api/2/search/jql"
ALL = "project in (PAY, WEB)"


def fetch_keys(source: JiraSource) -> list[str]:
    return [i.key for p in source.fetch_updated(ALL, None, overlap=timedelta(0)) for i in p.items]


def settle(server: JiraServer, count: int) -> None:
    """Wait (bounded) until ``count`` searches are recorded: delayed answers land late."""
    for _ in range(200):
        if len(statuses(server)) >= count:
            return
        time.sleep(0.01)


def statuses(server: JiraServer, suffix: str = SEARCH) -> list[int]:
    return [r.status for r in server.requests if r.path.endswith(suffix)]


def test_429_with_retry_after_is_waited_out_then_succeeds(
    server: JiraServer, world: World, source: JiraSource, sleeps: list[float]
) -> None:
    source.timezone()  # connect first: the faults are for the search
    server.fail_next(2, 429, retry_after=3, path_prefix=SEARCH)
    assert sorted(fetch_keys(source)) == sorted(world.jira.issues)
    assert statuses(server) == [429, 429, 200]
    assert len(sleeps) == 2 and all(3 <= s <= 3.01 for s in sleeps)  # Retry-After + jitter


def test_500s_are_retried_with_growing_backoff_then_succeed(
    server: JiraServer, world: World, source: JiraSource, sleeps: list[float]
) -> None:
    source.timezone()
    server.fail_next(3, 500, path_prefix=SEARCH)
    assert sorted(fetch_keys(source)) == sorted(world.jira.issues)
    assert statuses(server) == [500, 500, 500, 200]
    assert len(sleeps) == 3 and sleeps[0] <= 0.02 < 0.04 <= sleeps[2] <= 0.08  # 2^n · base


def test_a_timeout_is_retried_then_succeeds(
    server: JiraServer, world: World, make_source: Callable[..., JiraSource],
    sleeps: list[float],
) -> None:
    source = make_source(timeout=0.3)
    source.timezone()
    server.fail_next(1, 200, delay=0.6, path_prefix=SEARCH)  # answers after the client gave up
    assert sorted(fetch_keys(source)) == sorted(world.jira.issues)
    assert len(sleeps) == 1
    settle(server, 2)  # the abandoned answer, so it cannot land in the next test's log


def test_retries_are_bounded_then_unavailable(
    server: JiraServer, source: JiraSource, sleeps: list[float]
) -> None:
    source.timezone()
    server.fail_next(10, 503, path_prefix=SEARCH)
    with pytest.raises(Unavailable) as caught:
        fetch_keys(source)
    assert statuses(server) == [503] * 5 and len(sleeps) == 4
    assert str(caught.value) == "Jira: search: server error (HTTP 503)"


def test_persistent_429_becomes_rate_limited_with_retry_after(
    server: JiraServer, source: JiraSource, sleeps: list[float]
) -> None:
    source.timezone()
    server.fail_next(10, 429, retry_after=1, path_prefix=SEARCH)
    with pytest.raises(RateLimited) as caught:
        fetch_keys(source)
    assert caught.value.retry_after == 1 and len(statuses(server)) == 5


def test_a_long_retry_after_is_not_slept_on(
    server: JiraServer, source: JiraSource, sleeps: list[float]
) -> None:
    source.timezone()
    server.fail_next(1, 429, retry_after=3600, path_prefix=SEARCH)
    with pytest.raises(RateLimited) as caught:
        fetch_keys(source)
    assert caught.value.retry_after == 3600 and sleeps == []  # the sync defers, not blocks


def test_a_revoked_token_is_an_auth_error_naming_jira_and_the_variable(
    server: JiraServer, world: World, source: JiraSource,
    make_source: Callable[..., JiraSource], sleeps: list[float],
) -> None:
    source.timezone()
    server.reset_log()
    world.jira.api_token = "rotated"
    with pytest.raises(AuthError) as caught:
        fetch_keys(source)
    assert str(caught.value) == (
        "Jira: credentials rejected (HTTP 401) during search; check JIRA_API_TOKEN")
    assert sleeps == []  # auth failures are not retried
    assert [r.status for r in server.requests] == [401]
    with pytest.raises(AuthError, match="check JIRA_PAT"):
        make_source(pat=True).myself()


def test_server_errors_are_not_chained_to_the_library_exception(
    server: JiraServer, source: JiraSource
) -> None:
    server.fail_next(1, 404, path_prefix="/rest/api/2/serverInfo")
    with pytest.raises(IntegrationError) as caught:
        source.myself()
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_witness_a_planted_token_reaches_no_log_record_or_error(
    server: JiraServer, world: World, make_source: Callable[..., JiraSource],
    caplog: pytest.LogCaptureFixture,
) -> None:
    planted = secrets.token_urlsafe(24)
    encoded = base64.b64encode(f"{world.jira.email}:{planted}".encode()).decode()
    shown: list[str] = []
    caplog.set_level(logging.DEBUG)

    world.jira.api_token = "the-real-one"  # 401: the planted token is refused
    with pytest.raises(AuthError) as auth:
        make_source(token=planted).myself()
    shown += [str(auth.value), repr(auth.value), auth.value.detail]

    world.jira.api_token = planted  # 500s until retries run out
    source = make_source(token=planted, tries=2)
    source.timezone()
    server.fail_next(5, 500, path_prefix=SEARCH)
    with pytest.raises(Unavailable) as failed:
        fetch_keys(source)
    shown += [str(failed.value), repr(failed.value), failed.value.detail]

    server.clear_faults()  # timeouts until retries run out
    slow = make_source(token=planted, tries=2, timeout=0.2)
    slow.timezone()
    server.fail_next(2, 200, delay=0.4, path_prefix=SEARCH)
    with pytest.raises(Unavailable) as timed_out:
        fetch_keys(slow)
    shown += [str(timed_out.value), repr(timed_out.value), timed_out.value.detail]
    settle(server, 4)  # two 500s, then two abandoned slow answers

    server.world = build_world(issues=2, deployment_type="Server", token="the-real-pat")
    with pytest.raises(AuthError) as pat:  # Server/DC: the planted PAT is refused
        make_source(token=planted, pat=True).myself()
    shown += [str(pat.value), repr(pat.value), pat.value.detail]
    assert "timed out" in str(timed_out.value)

    logged = [r.getMessage() + str(getattr(r, "fields", "")) + str(r.exc_text or "")
              for r in caplog.records]
    assert any("jira.retry" in line for line in logged)  # the witness did see the logs
    for text in shown + logged:
        assert planted not in text and encoded not in text
