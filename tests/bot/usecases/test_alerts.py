"""The alert use-case through the Slack sandbox (real slack_sdk) on a SQLite store.

Team payments works 09:00–17:00 Europe/London (UTC in November), Monday to Friday;
``handoff_waiting`` is 2d = 16 working hours. Carol's Slack tz is Asia/Kolkata (UTC+5:30),
Bob's Europe/London.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.store.db import make_engine
from bot.store.repo import Store
from bot.usecases.alert_outcomes import ClickedMessage, SentAlert
from bot.usecases.alerts import CHANNEL as LEDGER_CHANNEL
from bot.usecases.alerts import AlertService, subject_of
from integrations.sandbox.slack.server import SlackServer
from tests.support.digest_world import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    HOSTILE,
    add_handoff,
    add_pull,
    assert_no_unescaped_markup,
    messenger,
    new_store,
    pull,
    settings,
    top_level,
    utc,
)

PEOPLE: dict[str, Any] = {"product": ("carol@acme.example",), "engineering": ("bob@acme.example",)}
KEY = "handoff:PAY-5:0"


@pytest.fixture
def store(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store, _ = new_store(tmp_path, tmp_path_factory.getbasetemp())
    yield store
    store.engine.dispose()


def alerts(store: Store, server: SlackServer | None, **people: Any) -> AlertService:
    return AlertService(store, messenger(server) if server else None,
                        settings(**(people or PEOPLE)))


def run(svc: AlertService, at: datetime, **kwargs: Any) -> list[SentAlert]:
    return svc.run(at, **kwargs)


def texts(messages: list[Any]) -> str:
    return json.dumps([[m.text, m.blocks] for m in messages], ensure_ascii=False)


def test_overdue_handoff_dms_both_people_and_posts_once_in_the_channel(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-5", utc(16, 9), summary=HOSTILE)  # Monday 09:00
    svc = alerts(store, server)
    sent = run(svc, utc(18, 10))  # Wednesday 10:00: 17 working hours
    assert sorted((s.recipient, s.status, s.level) for s in sent) == [
        (BOB, "sent", 1), (CAROL, "sent", 1), (LEDGER_CHANNEL, "sent", 1)]
    [post] = top_level(server)
    body = texts([post])
    assert "<https://acme.atlassian.net/browse/PAY-5|PAY-5>" in body
    assert "has waited *2.1 working days* for pickup" in body  # 17 working hours
    assert f"<@{BOB}>" in body and f"<@{CAROL}>" in body
    assert len(server.dms_to(BOB)) == len(server.dms_to(CAROL)) == 1
    assert run(svc, utc(18, 11)) == []  # the same level is never sent twice
    assert len(server.messages_in(CHANNEL)) == 1
    assert_no_unescaped_markup(server)


def test_nothing_for_a_handoff_picked_up_a_minute_before_the_run(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-6", utc(16, 9), utc(18, 9, 59))
    assert run(alerts(store, server), utc(18, 10)) == []
    assert server.calls("chat.postMessage") == 0


def test_reminders_as_the_wait_doubles_each_level_once(store: Store, server: SlackServer) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    levels = []
    for at in (utc(18, 10), utc(18, 11), utc(20, 10), utc(20, 11), utc(26, 10), utc(26, 10, 15)):
        levels.append(sorted({s.level for s in run(svc, at) if s.recipient == LEDGER_CHANNEL}))
    assert levels == [[1], [], [2], [], [3], []]
    posts = top_level(server)
    assert len(posts) == 3
    assert "reminder 1" in posts[1].text or "reminder 1" in texts([posts[1]])
    assert "reminder 2" in texts([posts[2]])
    assert len(server.dms_to(BOB)) == 3


def test_a_first_evaluation_past_several_levels_sends_one_at_the_highest(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-7", utc(2, 9))  # 12 working days before Wednesday 18th
    sent = run(alerts(store, server), utc(18, 10))
    assert {(s.recipient, s.level) for s in sent} == {
        (LEDGER_CHANNEL, 3), (BOB, 3), (CAROL, 3)}
    assert len(top_level(server)) == 1


def test_snooze_silences_reminders_until_it_ends(store: Store, server: SlackServer) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    run(svc, utc(18, 10))
    [post] = top_level(server)
    clicked = ClickedMessage(CHANNEL, post.ts, post.blocks, post.text)
    snooze = svc.snooze(KEY, utc(20, 10, 30), BOB, now=utc(18, 12), clicked=clicked)
    assert snooze.subject == "PAY-5"
    assert f"Snoozed by <@{BOB}>" in texts(top_level(server))
    assert run(svc, utc(20, 10)) == []  # level 2 is due, but snoozed
    assert {s.level for s in run(svc, utc(20, 11))} == {2}  # the snooze has ended
    assert len(top_level(server)) == 2


def test_acknowledge_updates_the_channel_message_and_stops_reminders(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-5", utc(16, 9), summary=HOSTILE)
    svc = alerts(store, server)
    run(svc, utc(18, 10))
    [dm] = server.dms_to(BOB)
    clicked = ClickedMessage(dm.channel, dm.ts, dm.blocks, dm.text)  # Bob clicks in his DM
    assert svc.acknowledge(KEY, BOB, now=utc(18, 11), clicked=clicked) == 3
    [post] = top_level(server)
    assert post.edited and f"Acknowledged by <@{BOB}>" in texts([post])
    assert not [b for b in post.blocks if b["type"] == "actions"]
    assert "PAY-5" in texts([post])
    assert f"Acknowledged by <@{BOB}>" in texts(server.dms_to(BOB))
    assert svc.acknowledge(KEY, CAROL, now=utc(18, 12)) == 0  # the first acknowledgement stands
    assert run(svc, utc(20, 11)) == []  # level 2 would be due: acknowledged, so quiet
    assert len(top_level(server)) == 1
    assert_no_unescaped_markup(server)


def test_a_dm_due_at_22_00_in_the_recipients_timezone_is_held_to_her_next_working_hour(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    sent = {s.recipient: s for s in run(svc, utc(18, 16, 30))}  # 22:00 in Kolkata
    assert sent[CAROL].status == "held"
    assert sent[CAROL].held_until == utc(19, 3, 30)  # Thursday 09:00 in Kolkata
    assert sent[BOB].status == sent[LEDGER_CHANNEL].status == "sent"
    assert server.dms_to(CAROL) == []
    assert run(svc, utc(19, 2)) == []  # still night in Kolkata
    later = run(svc, utc(19, 3, 45))
    assert [(s.recipient, s.status, s.level) for s in later] == [(CAROL, "sent", 1)]
    assert len(server.dms_to(CAROL)) == 1
    assert run(svc, utc(19, 4)) == []


def test_a_held_dm_is_dropped_when_the_handoff_is_picked_up_meanwhile(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    run(svc, utc(18, 16, 30))
    add_handoff(store, "PAY-5", utc(16, 9), utc(18, 16, 45))  # picked up that evening
    assert run(svc, utc(19, 3, 45)) == []
    assert server.dms_to(CAROL) == []
    [held] = [e for e in store.alert_entries(KEY) if e.recipient == CAROL]
    assert held.sent_at is not None and held.channel == ""  # dropped, never to come back


def test_channel_alerts_wait_for_the_teams_working_time(store: Store, server: SlackServer) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    assert run(svc, utc(18, 20)) == []  # Wednesday 20:00 in London
    assert {s.recipient for s in run(svc, utc(19, 9, 5))} == {LEDGER_CHANNEL, BOB, CAROL}


def test_pr_waiting_for_review_dms_engineering_naming_the_reviewers(
    store: Store, server: SlackServer,
) -> None:
    pr = pull(7, f"PAY-5 {HOSTILE}", utc(16, 9), requested_reviewers=("dave-gh", "<!channel>"))
    add_pull(store, pr)
    sent = run(alerts(store, server), utc(17, 10))  # 9 working hours; review_waiting is 8
    assert [(s.alert_key, s.recipient, s.level) for s in sent] == [("review:acme/api#7", BOB, 1)]
    [dm] = server.dms_to(BOB)
    body = texts([dm])
    assert "<https://github.com/acme/api/pull/7|acme/api#7>" in body
    assert "dave-gh" in body and "&lt;!channel&gt;" in body
    assert top_level(server) == []
    assert_no_unescaped_markup(server)


def test_pr_waiting_for_review_dms_the_requested_reviewers_people_github_maps(
    store: Store, server: SlackServer,
) -> None:
    add_pull(store, pull(7, "PAY-5 tidy", utc(16, 9),
                         requested_reviewers=("Alice-GH", "dave-gh")))
    svc = alerts(store, server, **PEOPLE, github={"alice-gh": "alice@acme.example"})
    sent = run(svc, utc(17, 18))  # 10:00 for Alice in Los Angeles
    assert [(s.alert_key, s.recipient) for s in sent] == [("review:acme/api#7", ALICE)]
    [dm] = server.dms_to(ALICE)
    assert "you are a requested reviewer" in texts([dm])
    assert server.dms_to(BOB) == []  # engineering hears only when no reviewer can be reached


def test_a_mapped_reviewer_without_a_slack_user_falls_back_to_engineering(
    store: Store, server: SlackServer,
) -> None:
    add_pull(store, pull(7, "PAY-5 tidy", utc(16, 9), requested_reviewers=("dave-gh",)))
    svc = alerts(store, server, **PEOPLE, github={"dave-gh": "dave@elsewhere.example"})
    sent = run(svc, utc(17, 10))
    assert [(s.alert_key, s.recipient) for s in sent] == [("review:acme/api#7", BOB)]
    assert "dave-gh" in texts(server.dms_to(BOB))


def test_merged_unreleased_work_posts_one_channel_message_per_repository(
    store: Store, server: SlackServer,
) -> None:
    for number, merged in ((10, utc(9, 10)), (11, utc(12, 10))):
        add_pull(store, pull(number, HOSTILE, utc(9, 9), state="closed", merged_at=merged,
                             closed_at=merged))
    add_pull(store, pull(12, "released", utc(9, 9), state="closed", merged_at=utc(9, 10),
                         closed_at=utc(9, 10)), released=True)
    sent = run(alerts(store, server), utc(18, 10))
    assert [(s.alert_key, s.recipient) for s in sent] == [("unreleased:acme/api:10",
                                                           LEDGER_CHANNEL)]
    [post] = top_level(server)
    body = texts([post])
    assert "#10" in body and "#11" in body and "#12" not in body
    assert server.dms_to(BOB) == [] and server.dms_to(CAROL) == []
    assert_no_unescaped_markup(server)


def test_dry_run_sends_and_writes_nothing(store: Store, server: SlackServer) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    sent = run(alerts(store, server), utc(18, 10), dry_run=True)
    assert {(s.recipient, s.status) for s in sent} == {
        (LEDGER_CHANNEL, "would_send"), (BOB, "would_send"), (CAROL, "would_send")}
    assert server.calls("chat.postMessage") == 0
    assert store.alert_entries(KEY) == []
    assert store.slack_user("bob@acme.example") is None


def test_people_are_looked_up_by_email_once_and_cached(store: Store, server: SlackServer) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    run(alerts(store, server), utc(18, 10))
    run(alerts(store, server), utc(18, 11))
    assert server.calls("users.lookupByEmail") == 2  # carol and bob, in the first run only
    cached = store.slack_user("carol@acme.example")
    assert cached is not None and (cached.user_id, cached.tz) == (CAROL, "Asia/Kolkata")


def test_a_post_slack_refused_is_retried_by_a_later_run_once(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    server.rate_limit_next(1, retry_after=120, method="chat.postMessage")  # too long to wait
    first = {s.recipient: s.status for s in run(svc, utc(18, 10))}
    assert first == {LEDGER_CHANNEL: "failed", BOB: "sent", CAROL: "sent"}
    assert top_level(server) == []
    assert run(svc, utc(18, 10, 5)) == []  # not before the retry time
    retried = run(svc, utc(18, 10, 20))
    assert [(s.recipient, s.status, s.level) for s in retried] == [(LEDGER_CHANNEL, "sent", 1)]
    assert len(top_level(server)) == 1
    assert run(svc, utc(18, 11)) == []
    assert len(server.dms_to(BOB)) == 1


def test_snooze_subjects_of_alert_keys() -> None:
    assert subject_of("handoff:PAY-5:0") == "PAY-5"
    assert subject_of("review:acme/api#7") == "acme/api#7"
    assert subject_of("unreleased:acme/api:10") == "acme/api"
    assert subject_of("PAY-5") == "PAY-5"


def test_overlapping_runs_send_each_alert_once(store: Store, server: SlackServer) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    url = str(store.engine.url)
    server.delay_all(0.1)
    barrier = threading.Barrier(4)

    def one_run() -> None:
        own = Store(make_engine(url))  # an engine each, as replicas would have
        svc = AlertService(own, messenger(server), settings(**PEOPLE))
        barrier.wait()
        svc.run(utc(18, 10))
        own.engine.dispose()

    threads = [threading.Thread(target=one_run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(top_level(server)) == 1
    assert len(server.dms_to(BOB)) == len(server.dms_to(CAROL)) == 1


FORGED = [{"type": "section", "text": {"type": "mrkdwn", "text": "<!channel> wire money now"}}]


def test_a_forged_button_payload_cannot_write_its_blocks_into_the_channel(
    store: Store, server: SlackServer,
) -> None:
    """A signed payload carries blocks, channel and ts of the attacker's choosing: the
    messages are re-rendered from the store, and only those the ledger knows are touched."""
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    run(svc, utc(18, 10))
    [post] = top_level(server)
    # The right message, with forged blocks: the update shows the store's alert, not them.
    forged = ClickedMessage(CHANNEL, post.ts, FORGED, "<!channel>")
    svc.snooze(KEY, utc(20, 10), BOB, now=utc(18, 12), clicked=forged)
    [after] = top_level(server)
    assert "wire money" not in texts([after]) and "<!channel>" not in texts([after])
    assert "PAY-5" in texts([after]) and f"Snoozed by <@{BOB}>" in texts([after])
    # A message the ledger never posted (another channel's, any ts): left alone.
    stranger = ClickedMessage("C0OUTSIDE1", "1700000000.000100", FORGED, "x")
    svc.acknowledge(KEY, BOB, now=utc(18, 13), clicked=stranger)
    assert "wire money" not in texts(server.world.slack.messages)
    assert_no_unescaped_markup(server)


def test_a_replayed_snooze_press_stores_one_snooze(store: Store, server: SlackServer) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    run(svc, utc(18, 10))
    first = svc.snooze(KEY, utc(19, 12), BOB, now=utc(18, 12))
    again = svc.snooze(KEY, utc(19, 12, 2), BOB, now=utc(18, 12, 2))  # the same press, replayed
    assert again == first
    with store.transaction(read_only=True) as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM snoozes").scalar() == 1
    later = svc.snooze(KEY, utc(20, 12), BOB, now=utc(18, 12, 10))  # a new press, minutes on
    assert later.until == utc(20, 12)


def test_a_channel_the_bot_is_not_in_is_reported_once_per_run_and_kept(
    store: Store, server: SlackServer, caplog: pytest.LogCaptureFixture,
) -> None:
    for n in range(1, 5):
        add_handoff(store, f"PAY-{n}", utc(16, 9))  # four channel alerts due at once
    with server.world.lock:
        server.world.slack.channels[CHANNEL].members.discard(server.world.slack.bot_user_id)
    svc = alerts(store, server)
    with caplog.at_level(logging.INFO):
        sent = run(svc, utc(18, 10))
    said = [r for r in caplog.records if r.getMessage() == "alerts.not_in_channel"]
    assert len(said) == 1 and said[0].fields["channel"] == CHANNEL  # type: ignore[attr-defined]
    refusals = [r for r in caplog.records if r.getMessage() == "slack.api_error"
                and r.fields["error"] == "not_in_channel"]  # type: ignore[attr-defined]
    assert len(refusals) == 1  # the other three channel posts were not even tried
    assert [a.status for a in sent if a.recipient == LEDGER_CHANNEL] == ["failed"] * 4
    assert not [r for r in caplog.records if r.getMessage() == "alerts.post_failed"]
    with server.world.lock:
        server.world.slack.channels[CHANNEL].members.add(server.world.slack.bot_user_id)
    run(svc, utc(18, 10, 20))  # past RETRY_AFTER: the kept alerts go out now, once each
    assert len(top_level(server)) == 4


def test_a_held_dm_slack_failed_on_is_looked_for_then_sent_once(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    run(svc, utc(18, 16, 30))  # Carol's DM is held to her morning
    server.fail_next(1, 503, path_prefix="/api/chat.postMessage")  # the outcome is unknown
    [failed] = run(svc, utc(19, 3, 45))
    assert (failed.recipient, failed.status) == (CAROL, "failed")
    assert server.dms_to(CAROL) == []  # Slack failed before posting
    [again] = run(svc, utc(19, 4))  # RETRY_AFTER later: not in her DM's history, so sent
    assert (again.recipient, again.status) == (CAROL, "sent")
    assert server.calls("conversations.history") == 1
    assert run(svc, utc(19, 6)) == [] and len(server.dms_to(CAROL)) == 1


def test_an_alert_whose_answer_was_lost_is_found_in_the_conversation_not_sent_twice(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    svc = alerts(store, server)
    run(svc, utc(18, 16, 30))  # Carol's DM is held to her morning
    server.lose_answer_next(1, path_prefix="/api/chat.postMessage")  # posted, never answered
    [lost] = run(svc, utc(19, 3, 45))
    assert (lost.recipient, lost.status) == (CAROL, "failed")
    [dm] = server.dms_to(CAROL)
    [found] = run(svc, utc(19, 4))  # looked for by its key in her DM: found, recorded
    assert (found.recipient, found.status, found.message_ts) == (CAROL, "sent", dm.ts)
    assert server.dms_to(CAROL) == [dm]
    [entry] = [e for e in store.alert_entries(KEY) if e.recipient == CAROL]
    assert entry.sent_at is not None and entry.message_ts == dm.ts


def test_a_claim_whose_run_died_before_posting_is_sent_once_it_is_stale(
    store: Store, server: SlackServer,
) -> None:
    add_handoff(store, "PAY-5", utc(16, 9))
    # A run claimed the channel post on Wednesday 10:00 and died before posting it.
    assert store.claim_alert(KEY, 1, LEDGER_CHANNEL, "alerts:dead-host:1:x", utc(18, 10))
    svc = alerts(store, server)
    sent = run(svc, utc(18, 10, 15))  # the DMs go out; the claimed channel post is not stale
    assert LEDGER_CHANNEL not in {s.recipient for s in sent} and top_level(server) == []
    [late] = [s for s in run(svc, utc(18, 10, 45)) if s.recipient == LEDGER_CHANNEL]
    assert late.status == "sent" and len(top_level(server)) == 1  # looked for, then posted
    assert [s for s in run(svc, utc(18, 11, 30)) if s.recipient == LEDGER_CHANNEL] == []
