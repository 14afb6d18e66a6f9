"""The one Slack Web API client factory and the small ``Messenger`` the use-cases talk to.

Policies live here, at the client edge: bounded retries on 429 (honouring ``Retry-After``
up to a cap, so a long limit surfaces as :class:`~bot.core.errors.RateLimited` instead of
blocking the process) and on connection errors; every :class:`SlackApiError` is translated
into :mod:`bot.core.errors` with a message that names Slack and never carries the token.
Non-idempotent posts are not retried on 5xx: the callers' ledgers decide.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError, SlackRequestError
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)
from slack_sdk.webhook import WebhookClient

from bot.core.errors import AuthError, IntegrationError, NotFound, RateLimited, Unavailable
from bot.core.logs import event

log = logging.getLogger(__name__)

SERVICE = "Slack"
TOKEN_VARIABLE = "SLACK_BOT_TOKEN"  # noqa: S105 (the variable's name, not a secret)
DEFAULT_BASE_URL = "https://slack.com/api/"
AUTH_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive",
                         "token_expired"})
NOT_FOUND_ERRORS = frozenset({"channel_not_found", "users_not_found", "user_not_found",
                              "message_not_found", "file_not_found"})
T = TypeVar("T")
POST_EVENT = "crosswalk_post"  # message metadata event type: its payload's "key" is the ledger's
HISTORY_PAGE, HISTORY_PAGES = 200, 5  # conversations.history read to find a post again


class BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retry a 429 at most ``max_retry_count`` times, when ``Retry-After`` ≤ ``max_wait``."""

    def __init__(self, max_retry_count: int = 2, *, max_wait: float = 30.0) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    def _can_retry(
        self, *, state: RetryState, request: HttpRequest,
        response: HttpResponse | None = None, error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return _retry_after(response.headers) <= self.max_wait


# Calls that change something: a connection error after Slack received one leaves its outcome
# unknown, and sending it again may post twice. Only the ledgers retry these (``Unavailable``
# keeps the claim; a stale claim is retried once), never the HTTP client.
NOT_IDEMPOTENT = frozenset({
    "chat.postMessage", "chat.update", "files.completeUploadExternal", "views.publish",
})


class IdempotentConnectionRetryHandler(ConnectionErrorRetryHandler):
    """Retry a dropped connection only for calls that can safely be sent twice."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
        if method in NOT_IDEMPOTENT:
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


def make_web_client(
    token: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 10.0, *,
    rate_limit_retries: int = 2, max_retry_wait: float = 30.0, connection_retries: int = 2,
) -> WebClient:
    """A ``WebClient`` with an explicit timeout and bounded 429 and connection retries."""
    handlers: list[RetryHandler] = [
        BoundedRateLimitRetryHandler(rate_limit_retries, max_wait=max_retry_wait),
        IdempotentConnectionRetryHandler(max_retry_count=connection_retries),
    ]
    return WebClient(
        token=token, base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=max(1, math.ceil(timeout)), retry_handlers=handlers,
    )


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """Where a message landed: its conversation id and ``ts``."""

    channel: str
    ts: str


@dataclass(frozen=True, slots=True)
class SlackPerson:
    """A Slack user as the bot needs it (``tz`` is an IANA name)."""

    id: str
    tz: str
    name: str = ""
    real_name: str = ""
    is_bot: bool = False
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class SlackIdentity:
    """What ``auth.test`` says about the bot token."""

    team_id: str
    team: str
    user_id: str
    bot_id: str
    url: str
    scopes: frozenset[str] | None = None  # x-oauth-scopes, where Slack sends it


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file shared by ``upload_png``."""

    id: str
    permalink: str


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    """A channel as the bot sees it."""

    id: str
    name: str
    is_member: bool
    is_private: bool


class Messenger:
    """The few Slack calls Crosswalk makes, with errors translated into ``bot.core.errors``."""

    def __init__(self, client: WebClient, *, response_timeout: float = 10.0) -> None:
        self.client = client
        self._response_timeout = response_timeout

    def post_message(
        self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, *,
        thread_ts: str | None = None, key: str | None = None,
    ) -> PostedMessage:
        """Post into a channel (or a user id's DM); ``text`` is the notification fallback.
        ``key`` (the post's ledger key) rides along as message metadata, so ``find_posted``
        finds the post again when Slack's answer to it was lost."""
        metadata = {"event_type": POST_EVENT, "event_payload": {"key": key}} if key else None
        r = self._call("chat.postMessage", lambda: self.client.chat_postMessage(
            channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, metadata=metadata))
        return PostedMessage(str(r["channel"]), str(r["ts"]))

    def find_posted(self, channel: str, key: str, since: datetime) -> PostedMessage | None:
        """The top-level post of ours carrying ``key`` in ``channel`` (an id or ``#name``)
        since ``since``, newest first over at most ``HISTORY_PAGES`` pages; None when there is
        none."""
        conversation = self._conversation_id(channel)
        if conversation is None:
            return None
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            with translate_errors("conversations.history"):
                r = self.client.conversations_history(
                    channel=conversation, oldest=f"{since.timestamp():.6f}", limit=HISTORY_PAGE,
                    include_all_metadata=True, cursor=cursor)
            for message in r.get("messages") or ():
                meta = message.get("metadata") or {}
                if (meta.get("event_type") == POST_EVENT
                        and (meta.get("event_payload") or {}).get("key") == key):
                    return PostedMessage(conversation, str(message["ts"]))
            cursor = (r.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None
        return None

    def update_message(
        self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None,
    ) -> PostedMessage:
        """Replace a message's text (and blocks, when given)."""
        r = self._call("chat.update", lambda: self.client.chat_update(
            channel=channel, ts=ts, text=text, blocks=blocks))
        return PostedMessage(str(r["channel"]), str(r["ts"]))

    def _conversation_id(self, channel: str) -> str | None:
        """The id ``conversations.history`` needs: a channel's, or a user's DM with the bot."""
        if channel[:1] in ("U", "W"):
            with translate_errors("conversations.open"):
                return str(self.client.conversations_open(users=channel)["channel"]["id"])
        found = self.channel_status(channel)
        return found.id if found is not None else None

    def lookup_user_by_email(self, email: str) -> SlackPerson:
        """The Slack user with ``email``; ``NotFound`` when there is none."""
        r = self._call("users.lookupByEmail",
                       lambda: self.client.users_lookupByEmail(email=email))
        return _person(r["user"])

    def upload_png(
        self, channel: str, content: bytes, filename: str, *, title: str | None = None,
        thread_ts: str | None = None, initial_comment: str | None = None,
        alt_text: str | None = None,
    ) -> UploadedFile:
        """Share a PNG into a channel (or a thread of it) with ``files_upload_v2``."""
        r = self._call("files.upload_v2", lambda: self.client.files_upload_v2(
            channel=channel, content=content, filename=filename, title=title or filename,
            thread_ts=thread_ts, initial_comment=initial_comment, alt_txt=alt_text))
        f = r["files"][0]
        return UploadedFile(str(f["id"]), str(f.get("permalink", "")))

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """Publish the App Home tab for ``user_id``."""
        self._call("views.publish", lambda: self.client.views_publish(user_id=user_id, view=view))

    def post_to_response_url(self, response_url: str, payload: dict[str, Any]) -> None:
        """POST a deferred slash-command reply (``response_type``, ``text``, ``blocks``)."""
        hook = WebhookClient(response_url, timeout=max(1, math.ceil(self._response_timeout)),
                             retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)])
        try:
            response = hook.send_dict(payload)
        except (SlackClientError, OSError) as exc:
            # The URL is a bearer secret: name the failure, never the address.
            raise Unavailable(SERVICE, "response_url unreachable",
                              detail=type(exc).__name__) from None
        if response.status_code != 200:
            raise IntegrationError(SERVICE, f"response_url answered {response.status_code}",
                                   detail=str(response.body)[:200])

    def auth_test(self) -> SlackIdentity:
        """Who the token belongs to; ``AuthError`` when Slack rejects it."""
        r = self._call("auth.test", self.client.auth_test)
        header = {k.lower(): v for k, v in (r.headers or {}).items()}.get("x-oauth-scopes")
        text = header[0] if isinstance(header, list) else header
        scopes = frozenset(s.strip() for s in str(text).split(",") if s.strip()) if text else None
        return SlackIdentity(str(r["team_id"]), str(r.get("team", "")), str(r["user_id"]),
                             str(r.get("bot_id", "")), str(r.get("url", "")), scopes)

    def channel_status(self, channel: str) -> ChannelStatus | None:
        """A channel id (or ``#name``) as the bot sees it: its name and whether the bot is a
        member; None when it does not exist or is private without the bot."""
        if channel.startswith("#") or not channel[:1].isupper():
            name = channel.removeprefix("#")
            found = next((c for c in self._channels() if c.get("name") == name), None)
        else:
            try:
                found = self._call("conversations.info",
                                   lambda: self.client.conversations_info(channel=channel))[
                    "channel"]
            except NotFound:
                return None
        if not isinstance(found, dict):
            return None
        return ChannelStatus(str(found.get("id", channel)), str(found.get("name", "")),
                             bool(found.get("is_member")), bool(found.get("is_private")))

    def member_channels(self) -> list[ChannelStatus]:
        """The channels the bot is a member of, by name (``conversations.list``)."""
        found = [ChannelStatus(str(c.get("id")), str(c.get("name", "")), True,
                               bool(c.get("is_private"))) for c in self._channels()
                 if c.get("is_member")]
        return sorted(found, key=lambda c: c.name)

    # ---- internals -----------------------------------------------------------------------

    def _channels(self) -> Iterator[dict[str, Any]]:
        cursor: str | None = None
        for _ in range(1000):  # a cap, so a server that never ends a listing cannot hang us
            with translate_errors("conversations.list"):
                r = self.client.conversations_list(
                    types="public_channel,private_channel", limit=200, cursor=cursor,
                    exclude_archived=True)
            yield from r["channels"]
            cursor = (r.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return

    def _call(self, method: str, call: Callable[[], T]) -> T:
        with translate_errors(method):
            return call()


@contextmanager
def translate_errors(method: str) -> Iterator[None]:
    """Turn ``slack_sdk`` failures inside the block into ``bot.core.errors`` (token-free)."""
    try:
        yield
    except SlackApiError as exc:
        raise _translate(method, exc) from None
    except SlackRequestError as exc:
        raise IntegrationError(SERVICE, f"{method} request failed",
                               detail=type(exc).__name__) from None
    except (SlackClientError, OSError) as exc:  # timeouts, refused and reset connections
        event(log, "slack.unavailable", logging.WARNING, method=method, error=type(exc).__name__)
        raise Unavailable(SERVICE, f"{method} failed: {type(exc).__name__}") from None


def _translate(method: str, exc: SlackApiError) -> IntegrationError:
    response = exc.response
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    code = str(data.get("error", "")) if isinstance(data, dict) else ""
    event(log, "slack.api_error", logging.WARNING, method=method, status=status, error=code)
    if code in AUTH_ERRORS:
        return AuthError(SERVICE, f"{method} rejected the bot token ({code}); check "
                         f"{TOKEN_VARIABLE}", detail=code)
    if status == 429 or code in ("ratelimited", "rate_limited"):
        headers = getattr(response, "headers", {}) or {}
        return RateLimited(SERVICE, f"{method} is rate limited",
                           retry_after=_retry_after(headers), detail=code)
    if code in NOT_FOUND_ERRORS:
        return NotFound(SERVICE, f"{method}: {code}", detail=code)
    if status >= 500:
        return Unavailable(SERVICE, f"{method} answered HTTP {status}", detail=code)
    return IntegrationError(SERVICE, f"{method}: {code or f'HTTP {status}'}", detail=code)


def _retry_after(headers: Any) -> float:
    """``Retry-After`` in seconds from a header mapping (values may be lists); 1 by default."""
    for name, value in dict(headers).items():
        if str(name).lower() == "retry-after":
            first = value[0] if isinstance(value, list | tuple) and value else value
            try:
                return float(first)
            except (TypeError, ValueError):
                return 1.0
    return 1.0


def _person(user: dict[str, Any]) -> SlackPerson:
    return SlackPerson(
        id=str(user["id"]), tz=str(user.get("tz") or "UTC"), name=str(user.get("name", "")),
        real_name=str(user.get("real_name", "")), is_bot=bool(user.get("is_bot", False)),
        deleted=bool(user.get("deleted", False)),
    )


SLACK_TIMEOUT = 10.0  # seconds, every Web API call and response_url post


def messenger_from_env(token: str | None, api_url: str) -> Messenger | None:
    """The one way Crosswalk builds its Slack messenger (None without a bot token)."""
    if not token:
        return None
    return Messenger(make_web_client(token, api_url, SLACK_TIMEOUT),
                     response_timeout=SLACK_TIMEOUT)
