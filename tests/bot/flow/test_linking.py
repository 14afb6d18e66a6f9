"""Jira keys in PR titles, branches and bodies."""

from __future__ import annotations

from bot.flow.linking import extract_keys


def test_all_matches_from_all_three_fields() -> None:
    keys = extract_keys(
        "PAY-1 and PAY-2: limits",
        "feature/PAY-3-limits",
        "Also fixes OPS-9 and PAY-1",
        ["PAY", "OPS"],
    )
    assert keys == {"PAY-1", "PAY-2", "PAY-3", "OPS-9"}


def test_only_configured_projects() -> None:
    assert extract_keys("UTF-8 and ISO-8601 and PAY-7", "", "", ["PAY"]) == {"PAY-7"}


def test_lowercase_and_embedded_prefixes_are_not_keys() -> None:
    assert extract_keys("pay-12", "pay-12-fix", "XPAY-5", ["PAY"]) == set()


def test_empty_body() -> None:
    assert extract_keys("PAY-1", "main", "", ["PAY"]) == {"PAY-1"}
