"""The Slack sandbox driven by the real ``slack_sdk.WebClient`` over loopback."""

from __future__ import annotations

import json

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from integrations.sandbox.slack.server import SlackServer
from tests.support.slack_world import ALICE, BOB, CAROL, TOKEN


def test_post_message_lands_in_channel_with_increasing_unique_ts(
    server: SlackServer, client: WebClient
) -> None:
    first = client.chat_postMessage(channel="C0PAYMENTS", text="one")
    second = client.chat_postMessage(channel="#payments", text="two", thread_ts=first["ts"])
    assert first["channel"] == second["channel"] == "C0PAYMENTS"
    assert float(second["ts"]) > float(first["ts"])
    assert [m.text for m in server.messages_in("C0PAYMENTS")] == ["one", "two"]
    assert [m.text for m in server.replies("payments", first["ts"])] == ["two"]


def test_form_body_with_token_in_form_is_accepted(server: SlackServer) -> None:
    r = httpx.post(server.url + "/api/chat.postMessage",
                   data={"token": TOKEN, "channel": "C0PAYMENTS", "text": "form",
                         "blocks": json.dumps([{"type": "divider"}])})
    assert r.status_code == 200 and r.json()["ok"] is True
    assert server.messages_in("C0PAYMENTS")[-1].blocks == [{"type": "divider"}]


def test_token_in_json_body_is_not_authed(server: SlackServer) -> None:
    r = httpx.post(server.url + "/api/auth.test", json={"token": TOKEN})
    assert r.status_code == 200 and r.json() == {"ok": False, "error": "not_authed"}


def test_bad_token_is_invalid_auth_and_revoked_token_is_token_revoked(server: SlackServer) -> None:
    with pytest.raises(SlackApiError) as bad:
        WebClient(token="xoxb-wrong", base_url=server.url + "/api/").auth_test()
    assert bad.value.response["error"] == "invalid_auth"
    server.revoked_tokens.add(TOKEN)
    with pytest.raises(SlackApiError) as revoked:
        WebClient(token=TOKEN, base_url=server.url + "/api/").auth_test()
    assert revoked.value.response["error"] == "token_revoked"


def test_post_to_unknown_channel_or_channel_without_bot_fails(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel="C0NOPE0000", text="x")
    assert unknown.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as outside:
        client.chat_postMessage(channel="C0OUTSIDE1", text="x")
    assert outside.value.response["error"] == "not_in_channel"


def test_dm_by_user_id_and_by_opened_im_land_in_the_same_conversation(
    server: SlackServer, client: WebClient
) -> None:
    opened = client.conversations_open(users=ALICE)
    again = client.conversations_open(users=[ALICE])
    assert opened["channel"]["id"] == again["channel"]["id"]
    assert again["already_open"] is True
    direct = client.chat_postMessage(channel=ALICE, text="by user id")
    client.chat_postMessage(channel=opened["channel"]["id"], text="by im id")
    assert direct["channel"] == opened["channel"]["id"]
    assert [m.text for m in server.dms_to(ALICE)] == ["by user id", "by im id"]
    assert server.dms_to(BOB) == []


def test_ephemeral_is_recorded_for_its_recipient_only_when_they_are_in_the_channel(
    server: SlackServer, client: WebClient
) -> None:
    client.chat_postEphemeral(channel="C0PAYMENTS", user=BOB, text="only bob")
    assert [m.text for m in server.ephemerals_to(BOB)] == ["only bob"]
    assert server.messages_in("C0PAYMENTS") == []
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel="C0PAYMENTS", user=CAROL, text="x")
    assert exc.value.response["error"] == "user_not_in_channel"


def test_update_replaces_text_and_keeps_blocks_when_absent(
    server: SlackServer, client: WebClient
) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "alert"}}]
    posted = client.chat_postMessage(channel="C0PAYMENTS", text="alert", blocks=blocks)
    client.chat_update(channel="C0PAYMENTS", ts=posted["ts"], text="acknowledged")
    [message] = server.messages_in("C0PAYMENTS")
    assert (message.text, message.blocks, message.edited) == ("acknowledged", blocks, True)
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel="C0PAYMENTS", ts="1.000001", text="x")
    assert exc.value.response["error"] == "message_not_found"


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([{"type": "divider"}] * 51, "/blocks"),
        ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}], "/blocks/0/text"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0/text"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}], "/blocks/0/text"),
    ],
    ids=["51-blocks", "section-3001", "header-151", "header-mrkdwn"],
)
def test_block_kit_limits_answer_invalid_blocks(
    server: SlackServer, client: WebClient, blocks: list[dict[str, object]], pointer: str
) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0PAYMENTS", text="x", blocks=blocks)
    assert exc.value.response["error"] == "invalid_blocks"
    assert any(pointer in e for e in exc.value.response["errors"])
    assert server.messages_in("C0PAYMENTS") == []


def test_limits_at_the_edge_are_accepted(client: WebClient) -> None:
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 150}}]
    blocks += [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3000}}] * 49
    assert client.chat_postMessage(channel="C0PAYMENTS", text="x", blocks=blocks)["ok"]


def test_text_over_40000_characters_is_msg_too_long(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0PAYMENTS", text="x" * 40_001)
    assert exc.value.response["error"] == "msg_too_long"


def test_lookup_by_email_and_users_info_carry_tz_offset_and_label(client: WebClient) -> None:
    user = client.users_lookupByEmail(email="Alice@acme.example")["user"]
    assert (user["id"], user["tz"]) == (ALICE, "America/Los_Angeles")
    assert (user["tz_offset"], user["tz_label"]) == (-8 * 3600, "Pacific Standard Time")
    info = client.users_info(user=CAROL)["user"]
    assert (info["tz_offset"], info["tz_label"]) == (19800, "India Standard Time")
    with pytest.raises(SlackApiError) as exc:
        client.users_lookupByEmail(email="nobody@acme.example")
    assert exc.value.response["error"] == "users_not_found"


def test_files_upload_v2_stores_bytes_and_shares_into_the_thread(
    server: SlackServer, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C0PAYMENTS", text="digest")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    r = client.files_upload_v2(channel="C0PAYMENTS", content=png, filename="chart.png",
                               thread_ts=parent["ts"], initial_comment="12-week trend")
    file_id = r["file"]["id"]
    assert server.file_bytes(file_id) == png
    [reply] = server.replies("C0PAYMENTS", parent["ts"])
    assert (reply.files, reply.text) == ([file_id], "12-week trend")
    assert r["file"]["channels"] == ["C0PAYMENTS"] and r["file"]["size"] == len(png)
    assert server.calls("files.getUploadURLExternal") == 1
    assert server.calls("files.completeUploadExternal") == 1


def test_complete_upload_of_a_file_never_uploaded_fails(
    server: SlackServer, client: WebClient
) -> None:
    url = client.files_getUploadURLExternal(filename="a.png", length=3)
    with pytest.raises(SlackApiError) as exc:
        client.files_completeUploadExternal(files=[{"id": url["file_id"], "title": "a"}],
                                            channel_id="C0PAYMENTS")
    assert exc.value.response["error"] == "file_not_found"
    assert server.messages_in("C0PAYMENTS") == []


def test_views_publish_records_the_home_view(server: SlackServer, client: WebClient) -> None:
    view = {"type": "home", "blocks": [{"type": "section",
                                        "text": {"type": "mrkdwn", "text": "waiting on you"}}]}
    r = client.views_publish(user_id=BOB, view=view)
    assert r["view"]["type"] == "home"
    assert server.home_view(BOB) == view
    with pytest.raises(SlackApiError) as exc:
        client.views_publish(user_id=BOB,
                             view={"type": "home", "blocks": [{"type": "divider"}] * 101})
    assert exc.value.response["error"] == "invalid_blocks"


def test_conversations_list_pages_with_cursor_until_empty(client: WebClient) -> None:
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        r = client.conversations_list(limit=3, cursor=cursor)
        pages += 1
        seen += [c["id"] for c in r["channels"]]
        cursor = r["response_metadata"]["next_cursor"]
        if not cursor:
            break
    public = ["C0EXTRA000", "C0EXTRA001", "C0EXTRA002", "C0EXTRA003", "C0EXTRA004",
              "C0OUTSIDE1", "C0PAYMENTS"]
    assert (seen, pages) == (public, 3)
    private = client.conversations_list(types="private_channel")["channels"]
    assert [c["id"] for c in private] == ["G0PRIVATE1"]
    with pytest.raises(SlackApiError) as exc:
        client.conversations_list(cursor="bm90LWEtY3Vyc29y")
    assert exc.value.response["error"] == "invalid_cursor"


def test_conversations_info_reports_membership(client: WebClient) -> None:
    assert client.conversations_info(channel="C0PAYMENTS")["channel"]["is_member"] is True
    assert client.conversations_info(channel="C0OUTSIDE1")["channel"]["is_member"] is False


def test_injected_429_carries_retry_after_and_slack_envelope(server: SlackServer) -> None:
    server.rate_limit_next(1, retry_after=7, method="chat.postMessage")
    r = httpx.post(server.url + "/api/chat.postMessage",
                   json={"channel": "C0PAYMENTS", "text": "x"},
                   headers={"Authorization": f"Bearer {TOKEN}"})
    assert (r.status_code, r.headers["retry-after"]) == (429, "7")
    assert r.json() == {"ok": False, "error": "ratelimited"}


def test_rate_limit_retry_handler_honours_retry_after_and_second_attempt_succeeds(
    server: SlackServer,
) -> None:
    client = WebClient(token=TOKEN, base_url=server.url + "/api/",
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])
    server.rate_limit_next(1, retry_after=1, method="chat.postMessage")
    assert client.chat_postMessage(channel="C0PAYMENTS", text="after the wait")["ok"]
    assert server.statuses("chat.postMessage") == [429, 200]
    assert len(server.messages_in("C0PAYMENTS")) == 1


def test_response_url_records_replies(server: SlackServer) -> None:
    url = server.new_response_url()
    r = httpx.post(url, json={"response_type": "in_channel", "text": "shared",
                              "replace_original": True})
    assert (r.status_code, r.text) == (200, "ok")
    [recorded] = server.responses_to(url.rsplit("/", 1)[1])
    assert (recorded["response_type"], recorded["replace_original"], recorded["text"]) == (
        "in_channel", True, "shared")
    assert httpx.post(url, content=b"not json").status_code == 400


def test_unknown_method_is_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.noSuchThing")
    assert exc.value.response["error"] == "unknown_method"


def test_a_fault_can_pick_out_a_request_by_its_body(server: SlackServer, client: WebClient) -> None:
    server.fail_next(1, 200, body={"ok": False, "error": "internal_error"},
                     path_prefix="/api/chat.postMessage", body_contains="the summary")
    first = client.chat_postMessage(channel="#payments", text="an alert")  # not this one
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="#payments", text="the summary")
    assert caught.value.response["error"] == "internal_error"
    again = client.chat_postMessage(channel="#payments", text="the summary")  # spent
    assert first["ok"] and again["ok"]
