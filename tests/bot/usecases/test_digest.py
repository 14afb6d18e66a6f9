"""The weekly digest use-case through the Slack sandbox (real slack_sdk) on a SQLite store."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config.settings import parse_settings
from bot.core.errors import IntegrationError, RateLimited, Unavailable
from bot.flow.weeks import IsoWeek
from bot.render.common import fmt_hours, fmt_working_hours
from bot.store.db import make_engine
from bot.store.repo import Store
from bot.usecases.digest import DigestOutcome, DigestService, scheduled_week
from bot.usecases.reporting import team_report
from integrations.sandbox.slack.server import SlackServer
from tests.support.digest_world import (
    ALICE,
    BOB,
    CHANNEL,
    NOW,
    assert_no_unescaped_markup,
    config,
    messenger,
    new_store,
    seed_week,
    settings,
    top_level,
    utc,
)

W47 = IsoWeek(2026, 47, "Europe/London")


@pytest.fixture
def db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    store, url = new_store(tmp_path, tmp_path_factory.getbasetemp())
    yield store, url
    store.engine.dispose()


@pytest.fixture
def store(db: tuple[Store, str]) -> Store:
    return db[0]


def service(store: Store, server: SlackServer | None, **kwargs: object) -> DigestService:
    return DigestService(store, messenger(server) if server else None, settings(),
                         clock=lambda: NOW, **kwargs)  # type: ignore[arg-type]


def blocks_text(outcome_blocks: object) -> str:
    return json.dumps(outcome_blocks, ensure_ascii=False)


def test_scheduled_digest_reports_the_last_complete_week() -> None:
    team = settings().team("payments").to_flow()
    assert scheduled_week(team, NOW).label == "2026-W47"
    assert scheduled_week(team, utc(22, 23, 59)).label == "2026-W46"  # Sunday: W47 not over


def test_digest_carries_the_reports_numbers_and_the_chart_in_one_top_level_message(
    store: Store, server: SlackServer,
) -> None:
    seed_week(store)
    outcome = service(store, server).run_due("payments")
    assert outcome.status == "posted" and outcome.week == "2026-W47"

    report = team_report(store, settings().team("payments").to_flow(), W47, NOW)
    h, d = report.handoffs, report.delivery
    assert (d.items_delivered, h.handed_off, h.picked_up, h.waiting) == (1, 2, 1, 1)
    assert h.delay_working_hours.median == 12.0
    [message] = top_level(server)
    posted = blocks_text(message.blocks)
    for expected in (
        f"*Items delivered:* {d.items_delivered}",
        fmt_hours(d.lead_time_hours.median),
        f"*Handed off:* {h.handed_off} · *picked up:* {h.picked_up}",
        f"*Still waiting:* {h.waiting}",
        fmt_working_hours(h.delay_working_hours.median),
        f"*Releases:* {report.releases.count}",
        "<https://acme.atlassian.net/browse/PAY-2|PAY-2>",  # the oldest waiting, linked
        "Trend against the previous 4 weeks",
        "DORA levels",
    ):
        assert expected in posted, expected

    images = [b for b in message.blocks if b["type"] == "image"]
    assert images == [{"type": "image", "slack_file": {"id": outcome.chart_file_id},
                       "alt_text": images[0]["alt_text"]}]
    assert server.file_bytes(str(outcome.chart_file_id)).startswith(b"\x89PNG")
    [reply] = server.replies(CHANNEL, message.ts)
    assert reply.files == [outcome.chart_file_id]
    entry = store.digest_entry("payments", "2026-W47")
    assert entry is not None and entry.message_ts == message.ts
    assert_no_unescaped_markup(server)


def test_second_run_posts_nothing(store: Store, server: SlackServer) -> None:
    seed_week(store)
    first = service(store, server).run_due("payments")
    second = service(store, server).run_due("payments")
    assert (first.status, second.status) == ("posted", "already_posted")
    assert second.message_ts == first.message_ts
    assert server.calls("chat.postMessage") == 1
    assert server.calls("files.completeUploadExternal") == 1
    assert len(top_level(server)) == 1


def test_dry_run_posts_nothing_and_writes_no_ledger(store: Store, server: SlackServer) -> None:
    seed_week(store)
    outcome = service(store, None).post("payments", W47, dry_run=True)
    assert outcome.status == "dry_run"
    assert "*Items delivered:* 1" in blocks_text(outcome.blocks)
    assert outcome.text.startswith("Crosswalk weekly digest for payments, 2026-W47")
    assert server.calls("chat.postMessage") == 0
    assert store.digest_entry("payments", "2026-W47") is None


def test_concurrent_runs_post_once(db: tuple[Store, str], server: SlackServer) -> None:
    seed_week(db[0])
    server.delay_all(0.2)  # keep every run's post in flight while the others try
    barrier = threading.Barrier(6)
    outcomes: list[DigestOutcome] = []

    def run() -> None:
        store = Store(make_engine(db[1]))  # an engine each, as separate processes would have
        svc = service(store, server)
        barrier.wait()
        outcomes.append(svc.run_due("payments"))
        store.engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(o.status for o in outcomes).count("posted") == 1
    assert len(outcomes) == 6
    assert len(top_level(server)) == 1
    assert server.calls("chat.postMessage") == 1


def test_a_post_slack_refused_releases_the_claim_and_the_next_run_posts(
    store: Store, server: SlackServer,
) -> None:
    seed_week(store)
    server.rate_limit_next(1, retry_after=120, method="chat.postMessage")  # too long to wait
    with pytest.raises(RateLimited):
        service(store, server).run_due("payments")
    assert store.digest_entry("payments", "2026-W47") is None
    assert service(store, server).run_due("payments").status == "posted"
    assert len(top_level(server)) == 1


def test_an_unknown_outcome_keeps_the_claim_until_it_is_stale(
    store: Store, server: SlackServer,
) -> None:
    seed_week(store)
    server.fail_next(1, 503, path_prefix="/api/chat.postMessage")
    with pytest.raises(Unavailable):
        service(store, server).run_due("payments")
    soon = DigestService(store, messenger(server), settings(),
                         clock=lambda: NOW + timedelta(minutes=5))
    assert soon.run_due("payments").status == "claimed_elsewhere"
    later = DigestService(store, messenger(server), settings(),
                          clock=lambda: NOW + timedelta(minutes=31))
    assert later.run_due("payments").status == "posted"
    assert len(top_level(server)) == 1


def test_catch_up_sends_a_missed_digest_once(store: Store, server: SlackServer) -> None:
    seed_week(store)
    svc = service(store, server)
    [outcome] = svc.catch_up(utc(23, 15))  # Monday 09:00 was missed six hours ago
    assert (outcome.status, outcome.week) == ("posted", "2026-W47")
    assert svc.catch_up(utc(23, 16)) == []
    assert svc.catch_up(utc(25, 12)) == []  # Wednesday: more than 24 h after the slot
    assert len(top_level(server)) == 1


def test_explicit_week_is_reported(store: Store, server: SlackServer) -> None:
    seed_week(store)
    outcome = service(store, server).post("payments", IsoWeek(2026, 46, "UTC"))
    assert (outcome.status, outcome.week) == ("posted", "2026-W46")
    assert "2026-W46" in json.dumps(top_level(server)[0].blocks[0])


def test_the_weeks_snoozes_and_acknowledgements_show_in_the_digest(
    store: Store, server: SlackServer,
) -> None:
    seed_week(store)
    store.add_snooze("PAY-2", utc(20, 12), ALICE, utc(19, 12))
    store.add_snooze("OPS-9", utc(20, 12), ALICE, utc(19, 12))  # another team's item
    store.add_snooze("PAY-2", utc(9, 12), ALICE, utc(8, 12))  # the week before
    store.claim_alert("handoff:PAY-2:0", 1, "channel", "t", utc(18, 9))
    store.acknowledge_alert("handoff:PAY-2:0", BOB, utc(19, 10))
    outcome = service(store, server).run_due("payments")
    text = blocks_text(top_level(server)[0].blocks)
    assert f"PAY-2 snoozed by <@{ALICE}> until Fri 20 Nov 12:00 UTC" in text
    assert f"PAY-2 acknowledged by <@{BOB}>" in text
    assert "OPS-9" not in text
    assert text.count("snoozed by") == 1
    assert outcome.status == "posted"


def test_catch_up_carries_on_past_a_team_whose_channel_fails(
    store: Store, server: SlackServer,
) -> None:
    # Regression (review of #6): one team's failing post kept later teams' digests back.
    seed_week(store)
    data = config()
    broken = dict(data["teams"]["payments"], slack={"channel": "C0GONE"})
    data["teams"] = {"aardvark": broken, **data["teams"]}
    svc = DigestService(store, messenger(server), parse_settings(data), clock=lambda: NOW)
    outcomes = svc.catch_up(utc(23, 15))
    assert [(o.team, o.status) for o in outcomes] == [("payments", "posted")]
    assert len(top_level(server)) == 1


def test_a_channel_the_bot_is_not_in_keeps_the_claim_until_it_is_invited(
    store: Store, server: SlackServer,
) -> None:
    seed_week(store)
    with server.world.lock:
        server.world.slack.channels[CHANNEL].members.discard(server.world.slack.bot_user_id)
    with pytest.raises(IntegrationError, match="/invite @Crosswalk") as refused:
        service(store, server).run_due("payments")
    assert refused.value.detail == "not_in_channel"
    entry = store.digest_entry("payments", "2026-W47")
    assert entry is not None and entry.message_ts is None  # claimed, not released
    with server.world.lock:  # someone invites the bot
        server.world.slack.channels[CHANNEL].members.add(server.world.slack.bot_user_id)
    later = DigestService(store, messenger(server), settings(),
                          clock=lambda: NOW + timedelta(minutes=31))
    [outcome] = later.catch_up(NOW + timedelta(minutes=31))
    assert outcome.status == "posted"
    assert len(top_level(server)) == 1


def test_a_digest_whose_answer_was_lost_is_found_in_the_channel_not_posted_twice(
    store: Store, server: SlackServer,
) -> None:
    seed_week(store)
    # Slack posts it, and the answer never arrives: the run cannot record the ts.
    server.lose_answer_next(1, path_prefix="/api/chat.postMessage")
    with pytest.raises(Unavailable):
        service(store, server).run_due("payments")
    [posted] = top_level(server)
    assert posted.metadata == {"event_type": "crosswalk_post",
                               "event_payload": {"key": "digest:payments:2026-W47"}}
    entry = store.digest_entry("payments", "2026-W47")
    assert entry is not None and entry.message_ts is None  # claimed, outcome unknown

    later = DigestService(store, messenger(server), settings(),
                          clock=lambda: NOW + timedelta(minutes=31))
    outcome = later.run_due("payments")
    assert outcome.status == "already_posted" and outcome.message_ts == posted.ts
    assert top_level(server) == [posted]  # found by its key in the history, not re-posted
    entry = store.digest_entry("payments", "2026-W47")
    assert entry is not None and entry.message_ts == posted.ts
    assert outcome.chart_file_id and server.replies(CHANNEL, posted.ts)  # chart in its thread
    assert server.calls("conversations.history") == 1
    assert later.run_due("payments").status == "already_posted"


def test_without_the_history_scopes_a_lost_answer_is_posted_again_and_said(
    store: Store, server: SlackServer, caplog: pytest.LogCaptureFixture,
) -> None:
    seed_week(store)
    with server.world.lock:
        server.world.slack.scopes = tuple(
            s for s in server.world.slack.scopes if not s.endswith(":history"))
    server.lose_answer_next(1, path_prefix="/api/chat.postMessage")
    with pytest.raises(Unavailable):
        service(store, server).run_due("payments")
    later = DigestService(store, messenger(server), settings(),
                          clock=lambda: NOW + timedelta(minutes=31))
    assert later.run_due("payments").status == "posted"
    assert len(top_level(server)) == 2  # what happened before message metadata was read
    assert any(r.getMessage() == "slack.history_unreadable" for r in caplog.records)
