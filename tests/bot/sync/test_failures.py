"""Faults survived with complete data: 429s, 500s, timeouts, a spent budget, a truncated
changelog; a revoked token is one clear error naming the service and its variable."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest

from bot.config.settings import Settings
from bot.core.errors import AuthError
from bot.store import Store
from integrations.sandbox.runner import Sandbox
from integrations.sandbox.world import World
from tests.support.oracle import expected_records
from tests.support.sync_records import normalised, recomputed_facts, stored_facts, stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for


def _complete(store: Store, box: Sandbox, world: World, settings: Settings) -> None:
    assert stored_records(store) == normalised(expected_records(world, jira_url=box.jira.url))
    assert stored_facts(store) == recomputed_facts(store, settings)


def test_429s_500s_and_timeouts_are_retried_to_complete_data(
    sandbox: Sandbox, world: World, settings: Settings, store: Store
) -> None:
    jira, github = sandbox.jira, sandbox.github
    jira.fail_next(1, 429, retry_after=0)
    jira.fail_next(1, 500)
    jira.fail_next(1, 503, delay=1.5)  # longer than the client's timeout
    jira.fail_next(1, 429, retry_after=0, path_prefix="/rest/api/2/search")
    github.trigger_secondary_limit(0, n=1)
    github.fail_next(1, 500, path_prefix="/repos/acme/payments-api/pulls")
    github.fail_next(1, 502, delay=1.5, path_prefix="/repos/acme/checkout-web/releases")
    github.fail_next(1, 500, path_prefix="/repos/acme/checkout-web/compare")
    summary = make_engine_for(sandbox, settings, store, timeout=1.0).sync_all(
        NOW, backfill_since=SINCE)
    assert not summary.failed and not summary.deferred
    assert not jira._faults and not github._faults  # every fault was met
    _complete(store, sandbox, world, settings)


def test_a_truncated_jira_changelog_is_completed(
    sandbox: Sandbox, world: World, settings: Settings, store: Store
) -> None:
    sandbox.jira.search_changelog_cap = 1
    make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    assert any("changelog" in r.path for r in sandbox.jira.requests)
    _complete(store, sandbox, world, settings)


def test_a_spent_github_budget_defers_the_poll_and_a_later_sync_completes_it(
    sandbox: Sandbox, world: World, settings: Settings, store: Store,
    caplog: pytest.LogCaptureFixture,
) -> None:
    sandbox.github.set_rate_limit(112, int(time.time()) + 3600)  # runs out mid-backfill
    engine = make_engine_for(sandbox, settings, store)
    with caplog.at_level(logging.INFO):
        first = engine.sync_all(NOW, backfill_since=SINCE)
    assert first.deferred and not first.failed
    assert {r.status for r in first.reports if r.source == "jira"} == {"ok"}
    stored = len(stored_records(store).pulls)
    assert 0 < stored < len(expected_records(world).pulls)  # it ran out part-way
    deferred = [r for r in caplog.records if r.getMessage() == "sync.deferred"]
    assert deferred and all(r.fields["source"] == "github" for r in deferred)  # type: ignore[attr-defined]
    assert all(r.fields["retry_after"] > 3000 for r in deferred)  # type: ignore[attr-defined]
    assert "deferred" in "\n".join(first.lines())

    sandbox.github.reset_log()  # serve's next pass, before the reset: skipped, no requests
    again = engine.sync_all(NOW + timedelta(minutes=10), backfill_since=SINCE)
    assert {r.status for r in again.reports if r.source.startswith("github")} == {"deferred"}
    assert sandbox.github.requests == []

    sandbox.github.set_rate_limit(5000, int(time.time()) + 3600)  # the window reset
    later = make_engine_for(sandbox, settings, store).sync_all(NOW, backfill_since=SINCE)
    assert not later.deferred and not later.failed
    _complete(store, sandbox, world, settings)


@pytest.mark.parametrize(("service", "variable"), [("Jira", "JIRA_API_TOKEN"),
                                                   ("GitHub", "GITHUB_TOKEN")])
def test_a_revoked_token_is_one_line_naming_the_service_and_variable(
    sandbox: Sandbox, settings: Settings, store: Store, service: str, variable: str
) -> None:
    env = sandbox.env()  # the credentials the bot was given, before they are revoked
    (sandbox.jira if service == "Jira" else sandbox.github).revoke_token()
    with pytest.raises(AuthError) as caught:
        make_engine_for(sandbox, settings, store, env=env).sync_all(NOW)
    message = str(caught.value)
    assert message.startswith(f"{service}:") and variable in message and "\n" not in message
    assert store.try_lease("sync:payments", "next", timedelta(minutes=1), NOW)  # released


def test_in_serve_a_revoked_token_marks_the_source_unhealthy_and_the_rest_goes_on(
    sandbox: Sandbox, settings: Settings, store: Store
) -> None:
    env = sandbox.env()
    sandbox.github.revoke_token()
    engine = make_engine_for(sandbox, settings, store, raise_auth=False, env=env)
    summary = engine.sync_all(NOW)
    assert {(r.team, r.status) for r in summary.reports if r.source == "jira"} == {
        ("payments", "ok"), ("checkout", "ok")}
    assert set(engine.unhealthy) == {("payments", "github"), ("checkout", "github")}
    assert all("GITHUB_TOKEN" in text for text in engine.unhealthy.values())


def test_serves_poll_job_logs_each_source_and_remembers_a_deferral(
    sandbox: Sandbox, settings: Settings, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine_for(sandbox, settings, store, raise_auth=False)
    with caplog.at_level(logging.INFO):
        first = engine.poll()
    done = [r for r in caplog.records if r.getMessage() == "sync.source_done"]
    assert len(done) == len(first.reports) == 4
    sandbox.github.exhaust_rate_limit(3600)
    assert engine.poll().deferred
    assert set(engine.deferred_until) == {("payments", "github"), ("checkout", "github")}
