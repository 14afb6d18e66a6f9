"""Message metadata and ``conversations.history`` in the Slack sandbox, through the real
``slack_sdk.WebClient``: what Slack's method reference says of both."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from integrations.sandbox.slack.server import SlackServer
from tests.support.slack_world import CHANNEL, TOKEN

META = {"event_type": "crosswalk_post", "event_payload": {"key": "digest:payments:2026-W47"}}


def post(client: WebClient, text: str, **kwargs: Any) -> str:
    return str(client.chat_postMessage(channel=CHANNEL, text=text, **kwargs)["ts"])


def test_history_is_the_channels_top_level_messages_newest_first(client: WebClient) -> None:
    first = post(client, "one", metadata=META)
    post(client, "a reply", thread_ts=first)
    second = post(client, "two")
    r = client.conversations_history(channel=CHANNEL)
    assert r["ok"] and not r["has_more"] and r["response_metadata"]["next_cursor"] == ""
    assert [m["ts"] for m in r["messages"]] == [second, first]
    assert all("metadata" not in m for m in r["messages"])  # only when asked for
    r = client.conversations_history(channel=CHANNEL, include_all_metadata=True)
    assert r["messages"][1]["metadata"] == META and "metadata" not in r["messages"][0]


def test_post_message_echoes_its_metadata_and_refuses_a_malformed_one(
    client: WebClient,
) -> None:
    r = client.chat_postMessage(channel=CHANNEL, text="x", metadata=META)
    assert r["message"]["metadata"] == META
    bad_ones: list[dict[str, Any]] = [
        {"event_payload": {}}, {"event_type": "", "event_payload": {}},
        {"event_type": "t", "event_payload": []},
    ]
    for bad in bad_ones:
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(channel=CHANNEL, text="x", metadata=bad)
        assert err.value.response["error"] == "invalid_metadata_format"


def test_oldest_and_latest_bound_the_page_and_the_cursor_pages_on(client: WebClient) -> None:
    stamps = [post(client, f"m{i}") for i in range(5)]
    r = client.conversations_history(channel=CHANNEL, oldest=stamps[1], latest=stamps[4])
    assert [m["ts"] for m in r["messages"]] == [stamps[3], stamps[2]]  # both ends exclusive
    r = client.conversations_history(channel=CHANNEL, oldest=stamps[1], latest=stamps[4],
                                     inclusive=True)
    assert [m["ts"] for m in r["messages"]] == stamps[4:0:-1]
    page = client.conversations_history(channel=CHANNEL, limit=2)
    assert page["has_more"] and [m["ts"] for m in page["messages"]] == stamps[:2:-1]
    rest = client.conversations_history(channel=CHANNEL, limit=2,
                                        cursor=page["response_metadata"]["next_cursor"])
    assert [m["ts"] for m in rest["messages"]] == [stamps[2], stamps[1]]


def test_history_needs_its_scope_membership_and_a_real_channel(
    server: SlackServer, client: WebClient,
) -> None:
    for channel, error in (("C0OUTSIDE1", "not_in_channel"), ("C0NOPE0001", "channel_not_found")):
        with pytest.raises(SlackApiError) as err:
            client.conversations_history(channel=channel)
        assert err.value.response["error"] == error
    server.world.slack.scopes = tuple(s for s in server.world.slack.scopes
                                      if s != "channels:history")
    with pytest.raises(SlackApiError) as err:
        client.conversations_history(channel=CHANNEL)
    assert err.value.response["error"] == "missing_scope"
    assert err.value.response["needed"] == "channels:history"
    client.conversations_history(channel="G0PRIVATE1")  # private: groups:history, still granted


def test_a_lost_answer_does_the_work_and_never_answers(server: SlackServer) -> None:
    server.lose_answer_next(1, path_prefix="/api/chat.postMessage")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(server.url + "/api/chat.postMessage", timeout=5,
                   headers={"Authorization": f"Bearer {TOKEN}"},
                   json={"channel": CHANNEL, "text": "lost"})
    assert [m.text for m in server.messages_in(CHANNEL)] == ["lost"]
    ok = httpx.post(server.url + "/api/chat.postMessage", timeout=5,
                    headers={"Authorization": f"Bearer {TOKEN}"},
                    json={"channel": CHANNEL, "text": "answered"})
    assert ok.json()["ok"] is True  # one answer lost, not every one
