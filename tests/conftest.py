"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os

import pytest

POSTGRES_ENV = "CROSSWALK_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of a real PostgreSQL server; skips locally without one, fails in CI."""
    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV}=postgresql+psycopg://... to run")
    return url
