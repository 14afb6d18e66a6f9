"""The GraphQL path of the GitHub sync: the same store as REST, for a fraction of the requests.

Pull requests and their reviews come from one GraphQL query per 50 PRs instead of one REST
request per PR; a server without GraphQL falls back to REST, says so once, and the store is
the same either way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from bot.config.settings import Settings
from integrations.sandbox.runner import Sandbox
from tests.support.sync_records import stored_facts, stored_records
from tests.support.sync_world import NOW, SINCE, make_engine_for, open_store


def rest_pulls(records: Any) -> dict[str, list[Any]]:
    """The stored PRs per repository."""
    out: dict[str, list[Any]] = {}
    for pull in records.pulls:
        out.setdefault(pull.repo, []).append(pull)
    return out


def _backfill(
    sandbox: Sandbox, settings: Settings, path: Path, *, graphql: bool
) -> tuple[Any, Any, list[str]]:
    store = open_store(f"sqlite:///{path}")
    sandbox.github.reset_log()
    summary = make_engine_for(sandbox, settings, store, graphql=graphql).sync_all(
        NOW, backfill_since=SINCE)
    assert not summary.failed and not summary.deferred
    routes = [r.route for r in sandbox.github.requests]
    return stored_records(store), stored_facts(store), routes


def test_graphql_and_rest_backfills_leave_identical_stores(
    sandbox: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    rest, rest_facts, rest_routes = _backfill(sandbox, settings, tmp_path / "rest.db",
                                              graphql=False)
    gql, gql_facts, gql_routes = _backfill(sandbox, settings, tmp_path / "gql.db", graphql=True)
    assert gql == rest and gql_facts == rest_facts
    assert rest.reviews and rest.pulls  # a real scenario
    assert "/graphql" in gql_routes and "/graphql" not in rest_routes
    # the same REST requests but the per-PR reviews ones, which the GraphQL queries replace
    rest_reviews = [r for r in rest_routes if r.endswith("/reviews")]
    assert sorted(r for r in gql_routes if r != "/graphql") == sorted(
        r for r in rest_routes if not r.endswith("/reviews"))
    per_repo = {repo: -(-len(pulls) // 50) for repo, pulls in rest_pulls(rest).items()}
    assert gql_routes.count("/graphql") == sum(per_repo.values()) < len(rest_reviews)
    assert all(cost >= 1 for _, cost in sandbox.github.graphql.queries)


def test_without_graphql_the_sync_falls_back_to_rest_and_says_so_once(
    sandbox: Sandbox, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rest, rest_facts, _ = _backfill(sandbox, settings, tmp_path / "rest.db", graphql=False)
    sandbox.github.graphql.disable()  # a GitHub Enterprise Server without it: 404
    with caplog.at_level(logging.INFO):
        fallback, fallback_facts, routes = _backfill(sandbox, settings, tmp_path / "fb.db",
                                                     graphql=True)
    assert fallback == rest and fallback_facts == rest_facts
    said = [r for r in caplog.records if r.getMessage() == "github.graphql_unavailable"]
    assert len(said) == 1
    assert routes.count("/graphql") == 1  # tried once, then REST only
