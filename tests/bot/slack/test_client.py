"""``make_web_client`` and ``Messenger`` against the Slack sandbox over loopback."""

from __future__ import annotations

import logging
import secrets
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.core.errors import AuthError, IntegrationError, NotFound, RateLimited, Unavailable
from bot.slack.client import (
    HISTORY_PAGE,
    ChannelStatus,
    Messenger,
    PostedMessage,
    SlackPerson,
    make_web_client,
)
from integrations.sandbox.slack.server import SlackServer
from tests.support.slack_world import (
    ALICE,
    BOB,
    CHANNEL,
    TOKEN,
)


def messenger(server: SlackServer, token: str = TOKEN, **kwargs: Any) -> Messenger:
    return Messenger(make_web_client(token, server.url + "/api", timeout=5, **kwargs))


def test_make_web_client_has_bounded_retry_handlers_and_explicit_timeout() -> None:
    client = make_web_client("xoxb-x", "http://127.0.0.1:9/api", timeout=3,
                             rate_limit_retries=2, connection_retries=1)
    assert client.base_url == "http://127.0.0.1:9/api/"
    assert client.timeout == 3
    handlers = client.retry_handlers
    assert [h.max_retry_count for h in handlers
            if isinstance(h, RateLimitErrorRetryHandler)] == [2]
    assert [h.max_retry_count for h in handlers
            if isinstance(h, ConnectionErrorRetryHandler)] == [1]


# ---- the calls Crosswalk makes -------------------------------------------------------------


def test_a_keyed_post_is_found_again_by_its_key_past_a_page_of_history(
    server: SlackServer,
) -> None:
    m = messenger(server)
    since = server.world.now
    keyed = m.post_message(CHANNEL, "digest", key="digest:payments:2026-W47")
    for i in range(HISTORY_PAGE + 5):  # newer posts push it onto the second page
        m.post_message(CHANNEL, f"later {i}", key=f"other:{i}")
    assert m.find_posted("#payments", "digest:payments:2026-W47", since) == keyed
    assert m.find_posted(CHANNEL, "digest:payments:2026-W48", since) is None
    assert server.calls("conversations.history") == 4  # two pages each: 206 messages
    assert m.find_posted(CHANNEL, "digest:payments:2026-W47", since + timedelta(seconds=1)) is None


def test_post_and_update_return_where_they_landed(server: SlackServer) -> None:
    m = messenger(server)
    posted = m.post_message(CHANNEL, "digest", [{"type": "divider"}])
    assert posted == PostedMessage(CHANNEL, posted.ts)
    reply = m.post_message(CHANNEL, "thread reply", thread_ts=posted.ts)
    assert server.replies(CHANNEL, posted.ts)[0].ts == reply.ts
    assert m.update_message(CHANNEL, posted.ts, "acknowledged by Bob") == posted
    assert server.messages_in(CHANNEL)[0].text == "acknowledged by Bob"


def test_dm_by_user_id_and_people_by_email_with_timezone(server: SlackServer) -> None:
    m = messenger(server)
    alice = m.lookup_user_by_email("alice@acme.example")
    assert (alice.id, alice.tz) == (ALICE, "America/Los_Angeles")
    bob = m.lookup_user_by_email("bob@acme.example")
    assert bob == SlackPerson(BOB, "Europe/London", "bob", "Bob Baker")
    # A DM is a post to the user id: chat:write, no conversations.open (im:write) needed.
    m.post_message(alice.id, "PAY-12 waits for pickup")
    assert [d.text for d in server.dms_to(ALICE)] == ["PAY-12 waits for pickup"]


def test_upload_png_shares_into_the_thread_and_keeps_bytes(server: SlackServer) -> None:
    m = messenger(server)
    parent = m.post_message(CHANNEL, "weekly digest")
    png = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(64)
    uploaded = m.upload_png(CHANNEL, png, "trend.png", thread_ts=parent.ts, alt_text="trend")
    assert server.file_bytes(uploaded.id) == png
    assert server.replies(CHANNEL, parent.ts)[0].files == [uploaded.id]
    assert len([msg for msg in server.messages_in(CHANNEL) if msg.thread_ts is None]) == 1


def test_home_response_url_auth_and_channel_checks(server: SlackServer) -> None:
    m = messenger(server)
    view = {"type": "home", "blocks": [{"type": "divider"}]}
    m.publish_home(BOB, view)
    assert server.home_view(BOB) == view
    url = server.new_response_url()
    m.post_to_response_url(url, {"response_type": "ephemeral", "text": "usage: ..."})
    assert server.responses_to(url.rsplit("/", 1)[1])[0]["text"] == "usage: ..."
    identity = m.auth_test()
    assert (identity.team_id, identity.user_id, identity.bot_id) == (
        "T0SANDBOX1", "U0BOT00001", "B0BOT00001")
    mine = ChannelStatus(CHANNEL, "payments", is_member=True, is_private=False)
    assert m.channel_status(CHANNEL) == mine and m.channel_status("#payments") == mine
    # #random exists, but the bot was never invited: check must say so before a post fails.
    assert m.channel_status("C0OUTSIDE1") == ChannelStatus("C0OUTSIDE1", "random", False, False)
    assert m.channel_status("#random") == ChannelStatus("C0OUTSIDE1", "random", False, False)
    assert m.channel_status("C0NOPE0000") is None and m.channel_status("#nope") is None


# ---- errors ------------------------------------------------------------------------------


def test_bad_or_revoked_token_is_auth_error_naming_slack_and_the_variable(
    server: SlackServer,
) -> None:
    with pytest.raises(AuthError) as bad:
        messenger(server, token="xoxb-wrong").post_message(CHANNEL, "x")
    assert "Slack" in str(bad.value) and "SLACK_BOT_TOKEN" in str(bad.value)
    assert "invalid_auth" in str(bad.value)
    server.revoked_tokens.add(TOKEN)
    with pytest.raises(AuthError, match="token_revoked"):
        messenger(server).auth_test()


def test_missing_channel_and_unknown_email_are_not_found(server: SlackServer) -> None:
    m = messenger(server)
    with pytest.raises(NotFound, match="channel_not_found"):
        m.post_message("C0NOPE0000", "x")
    with pytest.raises(NotFound, match="users_not_found"):
        m.lookup_user_by_email("nobody@acme.example")


def test_other_api_errors_are_integration_errors(server: SlackServer) -> None:
    with pytest.raises(IntegrationError, match="not_in_channel") as exc:
        messenger(server).post_message("C0OUTSIDE1", "x")
    assert type(exc.value) is IntegrationError
    with pytest.raises(IntegrationError, match="invalid_blocks"):
        messenger(server).post_message(CHANNEL, "x", [{"type": "divider"}] * 51)


def test_rate_limit_retried_within_bounds_then_surfaces_as_rate_limited(
    server: SlackServer,
) -> None:
    m = messenger(server, rate_limit_retries=1)
    server.rate_limit_next(2, retry_after=0, method="chat.postMessage")
    with pytest.raises(RateLimited) as exc:
        m.post_message(CHANNEL, "x")
    assert exc.value.retry_after == 0
    assert server.statuses("chat.postMessage") == [429, 429]  # one retry, then give up
    assert server.messages_in(CHANNEL) == []


def test_long_retry_after_is_not_slept_through(server: SlackServer) -> None:
    m = messenger(server, rate_limit_retries=3, max_retry_wait=30)
    server.rate_limit_next(1, retry_after=120, method="chat.postMessage")
    with pytest.raises(RateLimited) as exc:
        m.post_message(CHANNEL, "x")
    assert (exc.value.retry_after, server.statuses("chat.postMessage")) == (120, [429])


def test_rate_limit_retry_succeeds_on_second_attempt(server: SlackServer) -> None:
    server.rate_limit_next(1, retry_after=0, method="chat.postMessage")
    assert messenger(server).post_message(CHANNEL, "after").channel == CHANNEL
    assert server.statuses("chat.postMessage") == [429, 200]


def test_server_error_is_unavailable_and_a_post_is_not_retried(server: SlackServer) -> None:
    server.fail_next(1, 500, path_prefix="/api/chat.postMessage")
    with pytest.raises(Unavailable):
        messenger(server).post_message(CHANNEL, "x")
    assert server.statuses("chat.postMessage") == [500]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused_is_unavailable_after_bounded_retries() -> None:
    client = make_web_client(TOKEN, f"http://127.0.0.1:{closed_port()}/api/", timeout=2,
                             connection_retries=1)
    with pytest.raises(Unavailable, match="Slack"):
        Messenger(client).auth_test()


def test_response_url_failure_names_no_url(server: SlackServer) -> None:
    secret_url = f"{server.url}/nowhere/{secrets.token_hex(8)}"
    with pytest.raises(IntegrationError) as exc:
        messenger(server).post_to_response_url(secret_url, {"text": "x"})
    assert secret_url not in str(exc.value) and secret_url not in exc.value.detail


def test_planted_token_never_appears_in_errors_or_logs(
    server: SlackServer, caplog: pytest.LogCaptureFixture,
) -> None:
    planted = "xoxb-" + secrets.token_hex(24)
    caplog.set_level(logging.DEBUG)  # slack_sdk logs requests at DEBUG
    raised: list[IntegrationError] = []

    def expect(call: Callable[[], object]) -> None:
        with pytest.raises(IntegrationError) as exc:
            call()
        raised.append(exc.value)

    m = messenger(server, token=planted)
    expect(lambda: m.post_message(CHANNEL, "x"))  # invalid_auth: the planted token is wrong
    expect(m.auth_test)
    server.world.slack.bot_token = planted  # now the planted token is the valid one
    server.fail_next(1, 500, path_prefix="/api/chat.postMessage")
    expect(lambda: m.post_message(CHANNEL, "500"))
    expect(lambda: m.post_message("C0NOPE0000", "x"))
    server.rate_limit_next(1, retry_after=0, method="auth.test")
    expect(messenger(server, token=planted, rate_limit_retries=0).auth_test)
    client = make_web_client(planted, f"http://127.0.0.1:{closed_port()}/api/", timeout=1,
                             connection_retries=0)
    expect(lambda: Messenger(client).post_message(CHANNEL, "x"))
    assert [type(e).__name__ for e in raised] == [
        "AuthError", "AuthError", "Unavailable", "NotFound", "RateLimited", "Unavailable"]
    for error in raised:
        assert isinstance(error, IntegrationError)
        assert planted not in f"{error} {error.detail} {error!r}"
    assert caplog.records, "the client is expected to log something at DEBUG"
    for record in caplog.records:
        assert planted not in record.getMessage() + str(getattr(record, "fields", ""))


def test_a_dropped_connection_is_retried_only_for_calls_safe_to_send_twice() -> None:
    """A post whose answer was lost may have landed: only the ledger may try it again."""
    from slack_sdk.http_retry import HttpRequest, RetryState

    [handler] = [h for h in make_web_client("xoxb-x", "http://127.0.0.1:9/api/").retry_handlers
                 if isinstance(h, ConnectionErrorRetryHandler)]

    def retried(method: str) -> bool:
        request = HttpRequest(method="POST", url=f"http://127.0.0.1:9/api/{method}", headers={})
        return handler.can_retry(state=RetryState(), request=request,
                                 error=ConnectionResetError("reset by peer"))

    for method in ("chat.postMessage", "chat.update", "files.completeUploadExternal",
                   "views.publish"):
        assert not retried(method), method
    for method in ("users.lookupByEmail", "conversations.info", "auth.test",
                   "files.getUploadURLExternal"):
        assert retried(method), method
