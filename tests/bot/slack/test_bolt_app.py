"""The Bolt app over real HTTP: signed slash commands, buttons and App Home against the sandbox."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.render.alerts import ACK_ACTION, ACTIONS_BLOCK_ID, SNOOZE_ACTION
from bot.store.repo import Store
from bot.usecases.alerts import CHANNEL as CHANNEL_RECIPIENT
from integrations.sandbox.slack.server import SlackServer
from integrations.sandbox.slack.signing import send_block_action, send_event
from tests.support.commands_world import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    HOSTILE,
    NOW,
    SIGNING_SECRET,
    Served,
    crosswalk,
    fill,
    new_store,
    served,
    slack_server,
    texts,
    wait_for,
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, SlackServer, Store]]:
    """One served app for the tests that only read (fast: one server start per module)."""
    with slack_server() as slack:
        store, _ = new_store(tmp_path_factory.mktemp("shared"), tmp_path_factory.getbasetemp())
        fill(store)
        with served(crosswalk(store, slack), slack) as app:
            yield app, slack, store
        store.engine.dispose()


@pytest.fixture
def fresh(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
          ) -> Iterator[tuple[Served, SlackServer, Store]]:
    """A served app over a store and workspace of its own (for tests that write)."""
    with slack_server() as slack:
        store, _ = new_store(tmp_path, tmp_path_factory.getbasetemp())
        fill(store)
        with served(crosswalk(store, slack), slack) as app:
            yield app, slack, store
        store.engine.dispose()


@pytest.fixture
def bolt(shared: tuple[Served, SlackServer, Store]) -> Served:
    return shared[0]


@pytest.fixture
def slack(shared: tuple[Served, SlackServer, Store]) -> SlackServer:
    return shared[1]


def _ask(bolt: Served, text: str, **kwargs: Any) -> dict[str, Any]:
    answer, response_id = bolt.command(text, **kwargs)
    assert answer.status_code == 200
    return bolt.reply(response_id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", ["/crosswalk summary [team] [week] [share]", "/crosswalk item KEY"]),
        ("", ["*Usage:*"]),
        ("summary", ["payments · 2026-W47", "*Delivered:* 1 items", "*Releases:* 1"]),
        ("summary payments 2026-W46", ["payments · 2026-W46", "*Delivered:* 0 items"]),
        ("handoffs", ["Handoffs waiting · payments", "browse/PAY-1|PAY-1>",
                      "3.5 working days"]),
        ("prs", ["acme/api#7", "awaiting review", "acme/api#8", "merged, unreleased"]),
        ("releases", ["acme/api v1.4.0", "Wed 18 Nov 12:00"]),
        ("item PAY-2", ["picked up Mon 16 Nov 15:00", "first review after 2 working h",
                        "acme/api v1.4.0", "delivered Wed 18 Nov 12:00",
                        "*Where its time went*",
                        "waiting for pickup · Mon 16 Nov 09:00 → Mon 16 Nov 15:00 (6 h)",
                        "in review · Mon 16 Nov 15:00 → Tue 17 Nov 11:00 (20 h)",
                        "waiting for release · Tue 17 Nov 11:00 → Wed 18 Nov 12:00 (25 h)",
                        "waiting for pickup 12 % · in review 39 % · waiting for release 49 %"]),
        ("item pay-1", ["*Where its time went so far*"]),
        ("item pay-1", ["still waiting", "*Release:* not released yet"]),
        ("teams", ["*payments* — <#C0PAYMENTS>", "*search*"]),
        ("frobnicate", ["Unknown command `frobnicate`", "*Usage:*"]),
        ("item PAY", ["`PAY` is not a Jira key"]),
        ("summary 2026-W99", ["`2026-W99` is not one of them"]),
        ("item PAY-404", ["Crosswalk has no item `PAY-404`"]),
        ("handoffs billing", ["There is no team `billing`"]),
    ],
)
def test_every_verb_is_answered_ephemerally_through_the_response_url(
    bolt: Served, text: str, expected: list[str],
) -> None:
    reply = _ask(bolt, text)
    assert reply["response_type"] == "ephemeral"
    body = texts(reply)
    for fragment in expected:
        assert fragment in body
    assert "went wrong" not in body


def test_summary_with_share_is_posted_in_channel(bolt: Served) -> None:
    reply = _ask(bolt, "summary share")
    assert reply["response_type"] == "in_channel"
    assert "payments · 2026-W47" in texts(reply)


def test_the_team_defaults_to_the_channel_and_is_asked_for_elsewhere(bolt: Served) -> None:
    elsewhere = texts(_ask(bolt, "handoffs", channel="C0OUTSIDE1"))
    assert "This channel belongs to no team" in elsewhere
    assert "Handoffs waiting · payments" in texts(_ask(bolt, "handoffs payments",
                                                       channel="C0OUTSIDE1"))


def test_hostile_titles_reach_slack_escaped(bolt: Served) -> None:
    body = texts(_ask(bolt, "handoffs")) + texts(_ask(bolt, "prs"))
    assert "<!channel>" not in body and "<!here>" not in body
    assert "<https://evil.example" not in body
    assert "&lt;!channel&gt;" in body


def test_snooze_by_a_team_member_is_recorded(fresh: tuple[Served, SlackServer, Store]) -> None:
    bolt, _, store = fresh
    reply = texts(_ask(bolt, "snooze PAY-1 2d", user=BOB))
    assert "Alerts for PAY-1 are snoozed until Sat 21 Nov 14:00" in reply
    snooze = store.active_snooze("PAY-1", NOW)
    assert snooze is not None and snooze.by_user == BOB


def test_snooze_by_a_stranger_is_refused_and_records_nothing(
    fresh: tuple[Served, SlackServer, Store],
) -> None:
    bolt, _, store = fresh
    reply = texts(_ask(bolt, "snooze PAY-1 2d", user=CAROL))
    assert "Only the payments team's people and Crosswalk admins can snooze" in reply
    assert store.active_snooze("PAY-1", NOW) is None


def test_ack_comes_before_the_reply_while_slack_answers_slowly(
    bolt: Served, slack: SlackServer,
) -> None:
    slack.delay_all(5)
    try:
        answer, response_id = bolt.command("summary")
        # The HTTP answer (the ack) is back while the reply to response_url is still held
        # by the sandbox's 5 s delay: the ack did not wait for Slack.
        assert answer.status_code == 200
        assert slack.responses_to(response_id) == []
        reply = bolt.reply(response_id, timeout=30)
    finally:
        slack.delay_all(0)
    assert "payments · 2026-W47" in texts(reply)


def test_a_bad_signature_is_rejected_with_401(bolt: Served, slack: SlackServer) -> None:
    answer, response_id = bolt.command("help", secret="not-the-signing-secret")
    assert answer.status_code == 401
    time.sleep(0.3)  # nothing may arrive later either
    assert slack.responses_to(response_id) == []


def test_a_request_older_than_five_minutes_is_rejected_with_401(bolt: Served) -> None:
    answer, _ = bolt.command("help", timestamp=int(time.time()) - 6 * 60)
    assert answer.status_code == 401


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(
    st.text(max_size=200),
    st.sampled_from([HOSTILE, "'; DROP TABLE snoozes; --", "x" * 4000, "summary " + "y" * 990,
                     "item <@U0BOB00001>", "snooze PAY-1 99999d", "\x00\x1b[31m"]),
))
def test_fuzzed_command_text_never_gets_an_error_reply(bolt: Served, text: str) -> None:
    reply = texts(_ask(bolt, text))
    assert "went wrong" not in reply and "Traceback" not in reply
    assert "<!channel>" not in reply and "<!here>" not in reply


# ---- buttons --------------------------------------------------------------------------------


def _posted_alert(bolt: Served, slack: SlackServer) -> tuple[str, str, list[dict[str, Any]]]:
    """Run the alerts at NOW; the channel alert's ts, key and blocks."""
    bolt.app.alerts.run(NOW)
    message = next(m for m in slack.messages_in(CHANNEL) if m.blocks)
    actions = next(b for b in message.blocks if b.get("block_id") == ACTIONS_BLOCK_ID)
    key = str(actions["elements"][0]["value"])  # type: ignore[index]
    return message.ts, key, list(message.blocks)


def _press(bolt: Served, slack: SlackServer, action_id: str, user: str) -> str:
    ts, key, blocks = _posted_alert(bolt, slack)
    response_url = slack.new_response_url()
    payload = {
        "type": "block_actions", "user": {"id": user}, "team": {"id": "T0SANDBOX1"},
        "api_app_id": "A0SANDBOX01", "trigger_id": "1.2.3", "response_url": response_url,
        "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
        "channel": {"id": CHANNEL}, "message": {"ts": ts, "text": "alert", "blocks": blocks},
        "actions": [{"type": "button", "action_id": action_id, "block_id": ACTIONS_BLOCK_ID,
                     "value": key, "action_ts": "1763560800.000100"}],
    }
    answer = send_block_action(bolt.url, SIGNING_SECRET, payload)
    assert answer.status_code == 200
    return key


def _message(slack: SlackServer, ts: str) -> Any:
    return next(m for m in slack.messages_in(CHANNEL) if m.ts == ts)


def test_snooze_button_records_a_snooze_and_updates_the_message(
    fresh: tuple[Served, SlackServer, Store],
) -> None:
    bolt, slack, store = fresh
    key = _press(bolt, slack, SNOOZE_ACTION, BOB)
    ts = next(m.ts for m in slack.messages_in(CHANNEL) if m.blocks)
    edited = wait_for(lambda: _message(slack, ts).edited and _message(slack, ts))
    assert f"Snoozed by <@{BOB}>" in texts({"blocks": edited.blocks})
    snooze = store.active_snooze("PAY-1", NOW)
    assert key.startswith("handoff:PAY-1") and snooze is not None and snooze.by_user == BOB


def test_acknowledge_button_records_who_and_updates_the_message(
    fresh: tuple[Served, SlackServer, Store],
) -> None:
    bolt, slack, store = fresh
    key = _press(bolt, slack, ACK_ACTION, ALICE)
    ts = next(m.ts for m in slack.messages_in(CHANNEL) if m.blocks)
    edited = wait_for(lambda: _message(slack, ts).edited and _message(slack, ts))
    assert f"Acknowledged by <@{ALICE}>" in texts({"blocks": edited.blocks})
    assert all(b.get("block_id") != ACTIONS_BLOCK_ID for b in edited.blocks)
    entries = store.alert_entries(key)
    channel_entry = next(e for e in entries if e.recipient == CHANNEL_RECIPIENT)
    assert channel_entry.acknowledged_by == ALICE


def test_a_stranger_pressing_a_button_is_told_and_nothing_changes(
    fresh: tuple[Served, SlackServer, Store],
) -> None:
    bolt, slack, store = fresh
    ts, key, blocks = _posted_alert(bolt, slack)
    response_url = slack.new_response_url()
    payload = {
        "type": "block_actions", "user": {"id": CAROL}, "team": {"id": "T0SANDBOX1"},
        "api_app_id": "A0SANDBOX01", "trigger_id": "1.2.3", "response_url": response_url,
        "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
        "channel": {"id": CHANNEL}, "message": {"ts": ts, "text": "alert", "blocks": blocks},
        "actions": [{"type": "button", "action_id": SNOOZE_ACTION, "block_id": ACTIONS_BLOCK_ID,
                     "value": key, "action_ts": "1763560800.000100"}],
    }
    assert send_block_action(bolt.url, SIGNING_SECRET, payload).status_code == 200
    reply = wait_for(lambda: slack.responses_to(response_url.rsplit("/", 1)[1]))[0]
    assert reply["response_type"] == "ephemeral"
    assert "Only the payments team's people" in texts(reply)
    assert not _message(slack, ts).edited
    assert store.active_snooze("PAY-1", NOW) is None


# ---- App Home -------------------------------------------------------------------------------


def test_app_home_opened_publishes_the_users_home(bolt: Served, slack: SlackServer) -> None:
    event = {"type": "app_home_opened", "user": BOB, "channel": "D0BOB", "tab": "home",
             "event_ts": "1763560800.000200"}
    answer = send_event(bolt.url, SIGNING_SECRET, event, team_id="T0SANDBOX1")
    assert answer.status_code == 200
    view = wait_for(lambda: slack.home_view(BOB))
    body = texts({"blocks": view["blocks"]})
    assert "PAY-1" in body and "acme/api#7" in body and "*payments*" in body


def test_a_signed_command_from_another_workspace_is_not_served(bolt: Served) -> None:
    # issue #14: authorize ignored team_id, so a request signed with the same secret from a
    # second workspace of the same app was answered with this workspace's numbers
    answer, response_id = bolt.command("summary", team="T0ELSEWHERE")
    assert answer.status_code == 200
    assert "summary" not in answer.text.lower()
    time.sleep(0.5)  # the listener would have replied by now
    # only Bolt's refusal reached the response_url: none of this workspace's numbers
    replies = bolt.slack.responses_to(response_id)
    assert replies and all(not r.get("blocks") and "reinstall" in str(r["text"]) for r in replies)
    _, ours_id = bolt.command("help")
    assert bolt.reply(ours_id)  # the same request from our workspace is served
