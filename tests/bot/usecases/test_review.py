"""The outcome review use-case: read two periods, post once per team and period (sandbox Slack)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.config.settings import parse_settings
from bot.core.errors import Unavailable
from bot.store.repo import Store
from bot.usecases.review import ReviewService, default_review, last_review_due, review_slots
from integrations.sandbox.slack.server import SlackServer
from tests.support.digest_world import config, messenger, new_store, top_level
from tests.support.review_world import NOW, review_settings, seed


@pytest.fixture
def store(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    found, _ = new_store(tmp_path, tmp_path_factory.getbasetemp())
    yield found
    found.engine.dispose()


def service(store: Store, server: SlackServer, at: datetime = NOW) -> ReviewService:
    return ReviewService(store, messenger(server), review_settings(), clock=lambda: at)


def posted_text(server: SlackServer) -> str:
    return json.dumps([[m.text, m.blocks] for m in top_level(server)], ensure_ascii=False)


def test_the_scheduled_review_posts_last_month_against_the_one_before_once(
    store: Store, server: SlackServer,
) -> None:
    seed(store)
    outcome = service(store, server).run_due("payments")
    assert outcome is not None and (outcome.status, outcome.period) == ("posted", "2026-11")
    again = service(store, server, NOW + timedelta(hours=1)).run_due("payments")
    assert again is not None and again.status == "already_posted"
    [message] = top_level(server)
    body = posted_text(server)
    assert "Crosswalk outcome review · payments" in body
    assert "1 Nov 2026 – 30 Nov 2026" in body and "1 Oct 2026 – 31 Oct 2026" in body
    # 30 days / 4 releases = 7.5 days, against 31 days / 1 release before.
    assert "*Release interval:* 31 days → 7.5 days ↓ better · target ≤ 14 days ✅ met" in body
    assert "*Time to delivery (median):* 20 days → 3 days ↓ better · target ≤ 5 days ✅ met" in body
    assert "*Change failure rate:* 100% → 0% ↓ better · target ≤ 20% ✅ met" in body
    assert "3 of 3 met" in body
    for block in message.blocks:  # slack_sdk's own models accept every block
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    # The chart goes into the review's thread, and the message shows it.
    [image] = [b for b in message.blocks if b.get("type") == "image"]
    with server.world.lock:
        files = list(server.world.slack.files)
    assert files == [image["slack_file"]["id"]]  # type: ignore[index]  # Block Kit JSON  # one chart uploaded, and shown


def test_two_replicas_post_the_review_once(store: Store, server: SlackServer) -> None:
    seed(store)
    first, second = service(store, server), service(store, server)
    outcomes = [first.run_due("payments"), second.run_due("payments")]
    assert sorted(o.status for o in outcomes if o) == ["already_posted", "posted"]
    assert len(top_level(server)) == 1


def test_an_unknown_post_outcome_keeps_the_claim_until_it_is_stale(
    store: Store, server: SlackServer,
) -> None:
    seed(store)
    server.fail_next(1, 503, path_prefix="/api/chat.postMessage")
    with pytest.raises(Unavailable):
        service(store, server).run_due("payments")
    soon = service(store, server, NOW + timedelta(minutes=5)).run_due("payments")
    assert soon is not None and soon.status == "claimed_elsewhere"
    later = service(store, server, NOW + timedelta(minutes=31)).run_due("payments")
    assert later is not None and later.status == "posted"
    assert len(top_level(server)) == 1


def test_quarterly_reviews_are_scheduled_in_the_first_month_of_each_quarter() -> None:
    [slot] = review_slots(review_settings("quarter"))
    assert (slot.team, slot.day, slot.hour, slot.months) == ("payments", 1, 9, "1,4,7,10")
    assert review_slots(parse_settings(config())) == []  # no review key, no job


def test_the_default_review_is_13_weeks_against_13(store: Store) -> None:
    seed(store)
    flow = review_settings().team("payments").to_flow()
    found: dict[str, Any] = default_review(store, flow, NOW)
    assert (found["current"]["start"][:10], found["current"]["end"][:10]) == (
        "2026-08-31", "2026-11-30")
    assert found["baseline"]["end"][:10] == "2026-08-31"
    assert found["current"]["releases"]["count"] == 6
    assert found["current"]["week"] is None


def test_a_review_missed_while_down_is_posted_at_start_up_once(
    store: Store, server: SlackServer,
) -> None:
    seed(store)
    later = NOW + timedelta(hours=5)  # every replica was down at 09:00 on the 1st
    svc = ReviewService(store, messenger(server), review_settings(), clock=lambda: later)
    [outcome] = svc.catch_up()
    assert (outcome.status, outcome.period) == ("posted", "2026-11")
    assert svc.catch_up() == []
    assert svc.catch_up(NOW + timedelta(days=3)) == []  # more than 24 h after the slot
    assert len(top_level(server)) == 1


def test_last_review_due_walks_back_to_the_slot() -> None:
    [monthly] = review_slots(review_settings())
    assert last_review_due(monthly, NOW) == NOW  # due this very minute
    assert last_review_due(monthly, NOW - timedelta(minutes=1)) == datetime(
        2026, 11, 1, 9, 0, tzinfo=UTC)
    [quarterly] = review_slots(review_settings("quarter"))
    assert last_review_due(quarterly, NOW) == datetime(2026, 10, 1, 8, 0, tzinfo=UTC)  # BST
