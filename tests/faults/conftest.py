"""Fault tests: several replicas on one real PostgreSQL database and the sandbox, broken on
purpose (killed processes, Slack and Jira outages), with the scheduler's clock driven."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.pg import fresh_database


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database of this test's own (the CI server; skipped without one
    locally, failed without one in CI)."""
    with fresh_database(postgres_url, "cw_faults") as url:
        yield url
