"""Cursors move with their page; claims and leases are exclusive, even under concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.flow.model import StatusChange
from bot.store.alert_ledger import FOLDED, MAYBE_POSTED
from bot.store.people import SlackUser
from bot.store.repo import Store

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


class PageFailed(Exception):
    """Raised inside a sync transaction to simulate a crash mid-page."""


def test_cursor_and_page_commit_together(store: Store) -> None:
    change = StatusChange("PAY-1", "1:0", NOW, None, "Open")
    with store.transaction() as conn:
        assert store.get_cursor(conn, "payments", "jira") is None
        store.upsert_status_changes([change], conn=conn)
        store.set_cursor(conn, "payments", "jira", "", "2026-11-16T09:00", now=NOW, etag='W/"1"')
    with store.transaction() as conn:
        cursor = store.get_cursor(conn, "payments", "jira")
    assert cursor is not None
    assert (cursor.value, cursor.etag, cursor.updated_at) == ("2026-11-16T09:00", 'W/"1"', NOW)
    assert store.status_changes_of(["PAY-1"]) == [change]


def test_a_failure_inside_the_transaction_leaves_neither_cursor_nor_page(store: Store) -> None:
    with pytest.raises(PageFailed), store.transaction() as conn:
        store.upsert_status_changes([StatusChange("PAY-1", "1:0", NOW, None, "Open")], conn=conn)
        store.set_cursor(conn, "payments", "jira", "", "2026-11-16T09:00", now=NOW)
        raise PageFailed
    with store.transaction() as conn:
        assert store.get_cursor(conn, "payments", "jira") is None
    assert store.status_changes_of(["PAY-1"]) == []


def test_cursor_moves_forward_per_scope(store: Store) -> None:
    with store.transaction() as conn:
        store.set_cursor(conn, "payments", "github", "acme/api", "a", now=NOW)
        store.set_cursor(conn, "payments", "github", "acme/api", "b", now=NOW + timedelta(1))
        store.set_cursor(conn, "payments", "github", "acme/web", "c", now=NOW)
    with store.transaction(read_only=True) as conn:
        api = store.get_cursor(conn, "payments", "github", "acme/api")
        web = store.get_cursor(conn, "payments", "github", "acme/web")
    assert api is not None and api.value == "b" and api.updated_at == NOW + timedelta(1)
    assert web is not None and web.value == "c"


def _one_round(attempt: Callable[[str], bool], round_no: int) -> list[bool]:
    """Two threads call ``attempt`` at the same moment; their results."""
    barrier = threading.Barrier(2)
    got: list[bool] = []
    lock = threading.Lock()

    def worker(holder: str) -> None:
        barrier.wait()
        outcome = attempt(f"{holder}|{round_no}")
        with lock:
            got.append(outcome)

    threads = [threading.Thread(target=worker, args=(h,)) for h in ("replica-a", "replica-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return got


def _race(attempt: Callable[[str], bool], rounds: int = 10) -> list[list[bool]]:
    """Race two replicas ``rounds`` times; the results per round."""
    return [_one_round(attempt, i) for i in range(rounds)]


def test_concurrent_digest_claims_give_exactly_one_winner(store: Store) -> None:
    def claim(tag: str) -> bool:
        holder, round_no = tag.split("|")
        return store.claim_digest("payments", f"2026-W{round_no}", holder, NOW)

    for outcome in _race(claim):
        assert sorted(outcome) == [False, True]


def test_concurrent_alert_claims_give_exactly_one_winner(store: Store) -> None:
    def claim(tag: str) -> bool:
        holder, round_no = tag.split("|")
        return store.claim_alert(f"handoff:PAY-{round_no}:0", 1, "U1", holder, NOW)

    for outcome in _race(claim):
        assert sorted(outcome) == [False, True]


def test_concurrent_lease_attempts_give_exactly_one_holder(store: Store) -> None:
    def take(tag: str) -> bool:
        holder, round_no = tag.split("|")
        return store.try_lease(f"sync:payments:{round_no}", holder, timedelta(minutes=5), NOW)

    for outcome in _race(take):
        assert sorted(outcome) == [False, True]


def test_digest_ledger_records_the_post_and_refuses_a_second_claim(store: Store) -> None:
    assert store.claim_digest("payments", "2026-W46", "a", NOW)
    assert not store.claim_digest("payments", "2026-W46", "b", NOW)
    assert store.claim_digest("web", "2026-W46", "b", NOW)
    store.record_digest_posted("payments", "2026-W46", channel="C1", message_ts="1.2", now=NOW)
    entry = store.digest_entry("payments", "2026-W46")
    assert entry is not None
    assert (entry.claimed_by, entry.channel, entry.message_ts, entry.posted_at) == (
        "a",
        "C1",
        "1.2",
        NOW,
    )
    assert not store.release_digest_claim("payments", "2026-W46", "a")  # posted: stays
    assert store.release_digest_claim("web", "2026-W46", "b")  # unposted: can be retried
    assert store.claim_digest("web", "2026-W46", "c", NOW)


def test_a_stale_claim_is_taken_over_in_place_by_exactly_one_run(store: Store) -> None:
    later = NOW + timedelta(minutes=31)
    assert store.claim_digest("payments", "2026-W46", "dead", NOW)
    assert store.claim_review("payments", "2026-11", "dead", NOW)
    # Two runs race to take it over: one wins, and the row never went away meanwhile.
    assert store.take_over_digest_claim("payments", "2026-W46", "dead", "b", later)
    assert not store.take_over_digest_claim("payments", "2026-W46", "dead", "c", later)
    assert not store.claim_digest("payments", "2026-W46", "c", later)
    entry = store.digest_entry("payments", "2026-W46")
    assert entry is not None and (entry.claimed_by, entry.claimed_at) == ("b", later)
    store.record_digest_posted("payments", "2026-W46", channel="C1", message_ts="1.2", now=later)
    assert not store.take_over_digest_claim("payments", "2026-W46", "b", "d", later)  # posted
    assert store.take_over_review_claim("payments", "2026-11", "dead", "b", later)
    review = store.review_entry("payments", "2026-11")
    assert review is not None and review.claimed_by == "b"


def test_leases_expire_renew_and_release(store: Store) -> None:
    ttl = timedelta(minutes=5)
    assert store.try_lease("digest", "a", ttl, NOW)
    assert store.try_lease("digest", "a", ttl, NOW + timedelta(minutes=1))  # renewal
    assert not store.try_lease("digest", "b", ttl, NOW + timedelta(minutes=5))
    assert store.try_lease("digest", "b", ttl, NOW + timedelta(minutes=6))  # a's lease lapsed
    assert not store.release_lease("digest", "a")
    assert store.release_lease("digest", "b")
    assert store.try_lease("digest", "a", ttl, NOW + timedelta(minutes=6))


def test_alert_levels_are_claimed_once_then_sent_held_and_acknowledged(store: Store) -> None:
    key = "handoff:PAY-1:0"
    assert store.claim_alert(key, 1, "U1", "a", NOW)
    assert not store.claim_alert(key, 1, "U1", "b", NOW)
    assert store.claim_alert(key, 1, "C1", "a", NOW)
    assert store.claim_alert(key, 2, "U1", "a", NOW, held_until=NOW + timedelta(hours=12))
    assert store.mark_alert_sent(key, 1, "U1", channel="D1", message_ts="1.1", now=NOW)
    assert store.due_held_alerts(NOW + timedelta(hours=11)) == []
    due = store.due_held_alerts(NOW + timedelta(hours=12))
    assert [(e.level, e.recipient) for e in due] == [(2, "U1")]
    assert store.acknowledge_alert(key, "U9", NOW) == 3
    entries = store.alert_entries(key)
    assert [(e.level, e.recipient, e.sent_at is not None) for e in entries] == [
        (1, "C1", False),
        (1, "U1", True),
        (2, "U1", False),
    ]
    assert all(e.acknowledged_by == "U9" and e.acknowledged_at == NOW for e in entries)
    assert store.due_held_alerts(NOW + timedelta(days=1)) == []  # acknowledged: stays quiet


def test_held_alerts_keep_why_they_were_held(store: Store) -> None:
    until = NOW + timedelta(minutes=15)
    for n, hold in enumerate([store.hold_alert, store.hold_unknown_alert,
                              store.hold_folded_alert]):
        assert store.claim_alert(f"handoff:PAY-{n}:0", 1, "C1", "a", NOW)
        assert hold(f"handoff:PAY-{n}:0", 1, "C1", until)
    assert not store.hold_folded_alert("handoff:PAY-9:0", 1, "C1", until)  # never claimed
    due = store.due_held_alerts(until)
    assert [(e.alert_key, e.channel, e.held_until) for e in due] == [
        ("handoff:PAY-0:0", None, until), ("handoff:PAY-1:0", MAYBE_POSTED, until),
        ("handoff:PAY-2:0", FOLDED, until)]
    assert store.mark_alert_sent("handoff:PAY-2:0", 1, "C1", channel="", message_ts="1.2",
                                 now=until)
    assert [e.alert_key for e in store.due_held_alerts(until)] == [
        "handoff:PAY-0:0", "handoff:PAY-1:0"]


def test_snoozes_are_active_until_they_end(store: Store) -> None:
    store.add_snooze("PAY-1", NOW + timedelta(days=1), "U1", NOW)
    store.add_snooze("PAY-1", NOW + timedelta(hours=2), "U2", NOW)
    active = store.active_snooze("PAY-1", NOW + timedelta(hours=3))
    assert active is not None and active.by_user == "U1"
    assert store.active_snooze("PAY-1", NOW + timedelta(days=1)) is None
    assert store.active_snooze("PAY-2", NOW) is None


def test_slack_user_cache_keys_by_lower_case_email(store: Store) -> None:
    store.put_slack_users([SlackUser("Alice@Acme.example", "U1", "Europe/London", NOW)])
    store.put_slack_users([SlackUser("alice@acme.example", "U1", "Europe/Paris", NOW)])
    store.put_slack_users([SlackUser("ghost@acme.example", None, None, NOW)])
    assert store.slack_user("ALICE@acme.example") == SlackUser(
        "alice@acme.example", "U1", "Europe/Paris", NOW
    )
    ghost = store.slack_user("ghost@acme.example")
    assert ghost is not None and ghost.user_id is None


def test_acknowledgements_and_snoozes_of_a_week(store: Store) -> None:
    week = timedelta(days=7)
    store.claim_alert("handoff:PAY-1:0", 1, "U1", "a", NOW)
    store.claim_alert("review:acme/api#7", 1, "U2", "a", NOW)
    store.acknowledge_alert("handoff:PAY-1:0", "U1", NOW + timedelta(hours=1))
    store.acknowledge_alert("review:acme/api#7", "U2", NOW + week)  # next week's
    acked = store.acknowledged_between(NOW, NOW + week)
    assert [(e.alert_key, e.acknowledged_by) for e in acked] == [("handoff:PAY-1:0", "U1")]
    store.add_snooze("PAY-2", NOW + week, "U1", NOW + timedelta(hours=2))
    store.add_snooze("PAY-3", NOW + week, "U1", NOW - timedelta(seconds=1))  # last week's
    assert [s.subject for s in store.snoozes_created_between(NOW, NOW + week)] == ["PAY-2"]
