"""Ledger keys: the formats docs/operations.md names, and no two kinds of post alike."""

from __future__ import annotations

from bot.usecases.claims import alert_post_key, digest_post_key, review_post_key


def test_post_keys_have_the_documented_formats() -> None:
    assert digest_post_key("payments", "2026-W47") == "digest:payments:2026-W47"
    assert review_post_key("payments", "2026-Q3") == "review:payments:2026-Q3"
    assert alert_post_key("review:acme/api#7", 2, "U0BOB") == "alert:review:acme/api#7:2:U0BOB"


def test_an_alert_about_a_review_request_is_not_an_outcome_review() -> None:
    # an alert's own key may start with "review:" (a waiting review request)
    keys = {digest_post_key("payments", "2026-W47"), review_post_key("payments", "2026-W47"),
            alert_post_key("review:payments", 1, "2026-W47")}
    assert len(keys) == 3
