"""An old backlog does not flood the channel: past ``alerts.channel_posts`` channel posts in
one run, the rest fold into one summary message (real slack_sdk, Slack sandbox, SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from bot.store.repo import Store
from bot.usecases.alerts import CHANNEL as LEDGER_CHANNEL
from bot.usecases.alerts import AlertService
from integrations.sandbox.slack.server import SlackServer
from tests.support.digest_world import (
    BOB,
    CHANNEL,
    HOSTILE,
    add_handoff,
    assert_no_unescaped_markup,
    messenger,
    new_store,
    settings,
    top_level,
    utc,
)

PEOPLE: dict[str, Any] = {"product": ("carol@acme.example",), "engineering": ("bob@acme.example",)}
THRESHOLDS = {"handoff_waiting": "2d", "review_waiting": "1d", "unreleased": "5d"}


@pytest.fixture
def store(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store, _ = new_store(tmp_path, tmp_path_factory.getbasetemp())
    yield store
    store.engine.dispose()


def service(store: Store, server: SlackServer, posts: int | None = None) -> AlertService:
    alerts = dict(THRESHOLDS) if posts is None else {**THRESHOLDS, "channel_posts": str(posts)}
    return AlertService(store, messenger(server), settings(**PEOPLE, alerts=alerts))


def backlog(store: Store, n: int) -> None:
    """``n`` handoffs waiting since the first working days of November (older first)."""
    for k in range(n):
        add_handoff(store, f"PAY-{k + 1}", utc(2 + k % 10, 9), summary=f"Spec {k + 1} {HOSTILE}")


def test_a_backlog_posts_four_alerts_and_one_summary_of_the_rest(
    store: Store, server: SlackServer
) -> None:
    backlog(store, 12)
    sent = service(store, server).run(utc(18, 10))
    posts = top_level(server)
    assert len(posts) == 5  # the default cap: 4 alerts of their own, then the summary
    summary = posts[-1]
    assert summary.text == "8 more alerts for payments, folded into one message"
    body = summary.blocks[0]["text"]["text"]  # type: ignore[index]  # Block Kit JSON
    assert body.startswith(":card_index_dividers: *8 more alerts* for payments, folded")
    assert "*Handoffs waiting for pickup* (8): PAY-" in body and "`/crosswalk handoffs`" in body
    for block in summary.blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    channel = [s for s in sent if s.recipient == LEDGER_CHANNEL]
    assert sorted(s.status for s in channel) == ["sent"] * 12
    folded = [s for s in channel if s.message_ts == summary.ts]
    assert len(folded) == 8
    assert len(server.dms_to(BOB)) == 12  # every person still gets each DM
    assert service(store, server).run(utc(18, 11)) == []  # nothing twice, folded ones too
    assert len(top_level(server)) == 5
    assert_no_unescaped_markup(server)


def test_the_cap_is_configurable_and_a_backlog_within_it_is_not_folded(
    store: Store, server: SlackServer
) -> None:
    backlog(store, 3)
    service(store, server, posts=3).run(utc(18, 10))
    assert [p.text.endswith("folded into one message") for p in top_level(server)] == [
        False, False, False]


def test_acknowledging_a_folded_alert_leaves_the_summary_as_it_was(
    store: Store, server: SlackServer
) -> None:
    backlog(store, 4)
    svc = service(store, server, posts=2)
    svc.run(utc(18, 10))
    summary = top_level(server)[-1]
    folded = [e for e in store.alert_entries("handoff:PAY-4:0") if e.recipient == LEDGER_CHANNEL]
    assert [(e.channel, e.message_ts) for e in folded] == [("", summary.ts)]
    before = (summary.text, summary.blocks)
    assert svc.acknowledge("handoff:PAY-4:0", BOB, now=utc(18, 12)) > 0
    after = next(m for m in server.messages_in(CHANNEL) if m.ts == summary.ts)
    assert (after.text, after.blocks) == before


SUMMARY = "folded into one message"  # in the summary's text, so a fault can pick it out


def test_a_summary_slack_refused_is_folded_again_by_a_later_run(
    store: Store, server: SlackServer
) -> None:
    backlog(store, 4)
    svc = service(store, server, posts=2)
    server.fail_next(1, 200, body={"ok": False, "error": "internal_error"},
                     path_prefix="/api/chat.postMessage", body_contains=SUMMARY)
    first = [s for s in svc.run(utc(18, 10)) if s.recipient == LEDGER_CHANNEL]
    assert sorted(s.status for s in first) == ["failed"] * 3 + ["sent"]
    assert len(top_level(server)) == 1  # the one alert of its own; the summary was refused
    assert [s for s in svc.run(utc(18, 10, 5)) if s.recipient == LEDGER_CHANNEL] == []
    again = [s for s in svc.run(utc(18, 10, 15)) if s.recipient == LEDGER_CHANNEL]
    posts = top_level(server)
    assert len(posts) == 2 and posts[-1].text == f"3 more alerts for payments, {SUMMARY}"
    assert [(s.status, s.message_ts) for s in again] == [("sent", posts[-1].ts)] * 3
    assert [s for s in svc.run(utc(18, 11)) if s.recipient == LEDGER_CHANNEL] == []
    assert len(top_level(server)) == 2  # once, as one summary, not as three posts


def test_a_summary_whose_outcome_is_unknown_is_not_posted_again(
    store: Store, server: SlackServer
) -> None:
    backlog(store, 4)
    svc = service(store, server, posts=2)
    server.fail_next(1, 503, path_prefix="/api/chat.postMessage", body_contains=SUMMARY)
    first = [s for s in svc.run(utc(18, 10)) if s.recipient == LEDGER_CHANNEL]
    assert sorted(s.status for s in first) == ["failed"] * 3 + ["sent"]
    assert [s for s in svc.run(utc(18, 10, 5)) if s.recipient == LEDGER_CHANNEL] == []
    assert len(top_level(server)) == 1  # it may have landed: at most once, never twice


def test_a_cap_below_one_is_a_config_error_naming_the_key() -> None:
    from bot.config.settings import SettingsError

    with pytest.raises(SettingsError) as caught:
        settings(**PEOPLE, alerts={**THRESHOLDS, "channel_posts": "0"})
    assert caught.value.problems[0].startswith("teams.payments.alerts.channel_posts: ")
