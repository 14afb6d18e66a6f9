"""The Slack Web API sandbox: the methods Crosswalk calls, served from ``World.slack``.

Every method lives under ``/api/`` and answers like Slack: HTTP 200 with ``{"ok": false,
"error": ...}`` for application errors, 429 with ``Retry-After`` when rate limited. Bodies
may be JSON (token in ``Authorization: Bearer``) or form-encoded (token in the form or the
header). ``files_upload_v2``'s upload URL (``POST /upload/<file id>``) and slash-command
``response_url``s (``POST /response/<id>``) are served here too. ``auth.test`` says the
token's scopes in ``x-oauth-scopes``, as Slack does."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from integrations.sandbox.base import Fault, Request, Response
from integrations.sandbox.slack import socket as slack_socket
from integrations.sandbox.slack import wire as wire
from integrations.sandbox.slack.conversations import Params, SlackChannels
from integrations.sandbox.slack.state import SlackMessage

Method = Callable[[Params, Request], Response]


class SlackServer(SlackChannels):
    """Slack Web API on loopback; see the module docstring."""

    name = "slack"

    def setup(self) -> None:
        """Register the Web API methods, the upload URL and response_url endpoint."""
        self._last_ts = max((wire.ts_micros(m.ts) for m in self.world.slack.messages), default=0)
        self._next_file = len(self.world.slack.files) + 1
        self._response_urls = 0
        self.revoked_tokens: set[str] = set()
        methods: dict[str, Method] = {
            "auth.test": self._auth_test, "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral, "chat.update": self._update,
            "conversations.open": self._open, "conversations.info": self._info,
            "conversations.list": self._list, "conversations.history": self._history,
            "users.lookupByEmail": self._lookup,
            "users.info": self._user_info, "views.publish": self._publish,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }
        for name, method in methods.items():
            handler = self._api(method)
            self.route("POST", rf"/api/{re.escape(name)}", handler)
            self.route("GET", rf"/api/{re.escape(name)}", handler)
        self.route("POST", r"/upload/(F[A-Z0-9]+)", self._upload)
        self.route("POST", r"/response/([A-Za-z0-9_-]+)", self._response_url)
        self.socket = slack_socket.install(self)  # apps.connections.open + WebSocket
    # ---- control and queries for tests ---------------------------------------------------

    def rate_limit_next(self, n: int = 1, *, retry_after: int = 1, method: str = "") -> None:
        """Answer the next ``n`` calls (of ``method``, or any) with 429 ``ratelimited``."""
        self.fail_next(n, 429, retry_after=retry_after, path_prefix=f"/api/{method}")

    def calls(self, method: str) -> int:
        """How many requests reached ``/api/<method>`` (faulted ones included)."""
        with self._lock:
            return sum(1 for r in self.requests if r.path == f"/api/{method}")

    def statuses(self, method: str) -> list[int]:
        """The HTTP statuses answered to ``/api/<method>``, in order."""
        with self._lock:
            return [r.status for r in self.requests if r.path == f"/api/{method}"]

    def new_response_url(self, name: str = "") -> str:
        """A fresh ``response_url`` served by this server."""
        with self._lock:
            self._response_urls += 1
            index = self._response_urls
        return f"{self.url}/response/{name or 'R'}{index:06d}"

    def messages_in(self, channel: str) -> list[SlackMessage]:
        """Messages (top-level and replies) posted in a channel, by id or name."""
        with self.world.lock:
            found = self._find_channel(channel)
            key = found.id if found else channel
            return [m for m in self.world.slack.messages if m.channel == key]

    def replies(self, channel: str, thread_ts: str) -> list[SlackMessage]:
        """Replies in one thread."""
        return [m for m in self.messages_in(channel) if m.thread_ts == thread_ts]

    def dms_to(self, user_id: str) -> list[SlackMessage]:
        """Messages posted in the bot's IM with ``user_id``."""
        return self.messages_in(wire.im_channel_id(user_id))

    def ephemerals_to(self, user_id: str, channel: str | None = None) -> list[SlackMessage]:
        """Ephemeral messages shown to ``user_id`` (recorded with ``user`` = the recipient)."""
        with self.world.lock:
            return [m for m in self.world.slack.ephemeral
                    if m.user == user_id and (channel is None or m.channel == channel)]

    def file_bytes(self, file_id: str) -> bytes:
        """The uploaded bytes of a file."""
        with self.world.lock:
            data = self.world.slack.files[file_id].get("bytes")
        return data if isinstance(data, bytes) else b""

    def home_view(self, user_id: str) -> dict[str, object] | None:
        """The App Home view last published for ``user_id``."""
        with self.world.lock:
            return self.world.slack.views.get(user_id)

    def responses_to(self, response_id: str) -> list[dict[str, object]]:
        """Bodies posted to one ``response_url`` (its last path segment)."""
        with self.world.lock:
            return [r for r in self.world.slack.responses if r["id"] == response_id]

    # ---- overrides -----------------------------------------------------------------------

    def error_response(self, fault: Fault) -> Response:
        """Injected faults in Slack's envelope; 429 always carries ``Retry-After``."""
        headers = dict(fault.headers)
        if fault.status == 429 or fault.retry_after is not None:
            seconds = fault.retry_after if fault.retry_after is not None else 1
            headers["Retry-After"] = str(int(seconds))
        error = "ratelimited" if fault.status == 429 else "fatal_error"
        body = fault.body if fault.body is not None else {"ok": False, "error": error}
        return Response.json(body, fault.status, headers)

    def authorize(self, request: Request) -> Response | None:
        """Slack's ``not_authed`` / ``invalid_auth`` / ``token_revoked`` for ``/api/`` calls."""
        if not request.path.startswith("/api/") or request.path == slack_socket.OPEN_PATH:
            return None  # upload and response URLs carry their own secret in the path
        token = wire.token_of(request)
        if not token:
            return wire.fail("not_authed")
        if token in self.revoked_tokens:
            return wire.fail("token_revoked")
        if token != self.world.slack.bot_token:
            return wire.fail("invalid_auth")
        return None

    def not_found(self, request: Request) -> Response:
        """Unknown methods answer ``unknown_method`` as Slack does."""
        if request.path.startswith("/api/"):
            return wire.fail("unknown_method")
        return Response(404, b"Not Found", {"Content-Type": "text/plain"})

    # ---- plumbing ------------------------------------------------------------------------

    def _api(self, method: Method) -> Callable[[Request, re.Match[str]], Response]:
        def handler(request: Request, match: re.Match[str]) -> Response:
            try:
                return method(wire.params_of(request), request)
            except wire.SlackError as exc:
                return wire.fail(exc.error, **exc.fields)
            except (ValueError, TypeError, AttributeError):  # malformed arguments, as Slack says
                return wire.fail("invalid_arguments")

        return handler

    def _next_ts(self) -> str:
        self._last_ts = max(self._last_ts, self._now() * 1_000_000) + 100
        return wire.ts_string(self._last_ts)

    def _content(self, params: Params, *, required: bool = True) -> tuple[str, list[Any] | None]:
        text = str(params.get("text") or "")
        blocks = wire.json_field(params.get("blocks"))
        if blocks is not None:
            errors = wire.validate_blocks(blocks, wire.MESSAGE_BLOCKS)
            if errors:
                raise wire.SlackError("invalid_blocks", errors=errors, response_metadata={
                    "messages": [f"[ERROR] {e}" for e in errors]})
        if len(text) > wire.MESSAGE_TEXT:
            raise wire.SlackError("msg_too_long")
        if required and not text and not blocks and not params.get("attachments"):
            raise wire.SlackError("no_text")
        return text, blocks

    # ---- methods -------------------------------------------------------------------------

    def _auth_test(self, params: Params, request: Request) -> Response:
        slack = self.world.slack
        bot = slack.users.get(slack.bot_user_id)
        answer = wire.ok(url=f"https://{slack.team_name.lower().replace(' ', '-')}.slack.com/",
                         team=slack.team_name, user=bot.name if bot else "crosswalk",
                         team_id=slack.team_id, user_id=slack.bot_user_id, bot_id=slack.bot_id,
                         is_enterprise_install=False)
        answer.headers["x-oauth-scopes"] = ",".join(slack.scopes)
        return answer

    def _post_message(self, params: Params, request: Request) -> Response:
        channel = self._writable(params.get("channel"))
        text, blocks = self._content(params)
        thread_ts = params.get("thread_ts") or None
        message = SlackMessage(channel.id, self._next_ts(), text, blocks or [],
                               self.world.slack.bot_user_id, thread_ts=thread_ts,
                               metadata=wire.metadata_of(params.get("metadata")))
        self.world.slack.messages.append(message)
        body = wire.message_object(self.world.slack, message, self._now())
        return wire.ok(channel=channel.id, ts=message.ts, message=body)

    def _post_ephemeral(self, params: Params, request: Request) -> Response:
        channel = self._writable(params.get("channel"))
        user = str(params.get("user") or "")
        if user not in self.world.slack.users:
            raise wire.SlackError("user_not_found")
        if not channel.is_im and user not in channel.members:
            raise wire.SlackError("user_not_in_channel")
        text, blocks = self._content(params)
        message = SlackMessage(channel.id, self._next_ts(), text, blocks or [], user,
                               thread_ts=params.get("thread_ts") or None)
        self.world.slack.ephemeral.append(message)
        return wire.ok(message_ts=message.ts)

    def _update(self, params: Params, request: Request) -> Response:
        channel = self._find_channel(str(params.get("channel") or ""))
        if channel is None:
            raise wire.SlackError("channel_not_found")
        ts = str(params.get("ts") or "")
        message = next((m for m in self.world.slack.messages
                        if m.channel == channel.id and m.ts == ts), None)
        if message is None:
            raise wire.SlackError("message_not_found")
        if message.user != self.world.slack.bot_user_id:
            raise wire.SlackError("cant_update_message")
        text, blocks = self._content(params, required=False)
        if "text" in params:
            message.text = text
        if blocks is not None:  # absent blocks are kept, as Slack documents
            message.blocks = blocks
        message.edited = True
        body = wire.message_object(self.world.slack, message, self._now())
        body.pop("ts", None)
        body["edited"] = {"user": self.world.slack.bot_id, "ts": self._next_ts()}
        return wire.ok(channel=channel.id, ts=message.ts, text=message.text, message=body)

    def _lookup(self, params: Params, request: Request) -> Response:
        email = str(params.get("email") or "").lower()
        user = next((u for u in self.world.slack.users.values() if u.email.lower() == email), None)
        if user is None:
            raise wire.SlackError("users_not_found")
        return wire.ok(user=wire.user_object(self.world.slack, user, self.world.now))

    def _user_info(self, params: Params, request: Request) -> Response:
        user = self.world.slack.users.get(str(params.get("user") or ""))
        if user is None:
            raise wire.SlackError("user_not_found")
        return wire.ok(user=wire.user_object(self.world.slack, user, self.world.now))

    def _publish(self, params: Params, request: Request) -> Response:
        user_id = str(params.get("user_id") or "")
        if user_id not in self.world.slack.users:
            raise wire.SlackError("user_not_found")
        view = wire.json_field(params.get("view"))
        if not isinstance(view, dict) or view.get("type") != "home":
            raise wire.SlackError("invalid_arguments")
        errors = wire.validate_blocks(view.get("blocks", []), wire.HOME_BLOCKS)
        if errors:
            raise wire.SlackError("invalid_blocks", errors=errors)
        self.world.slack.views[user_id] = view
        return wire.ok(view=wire.view_object(self.world.slack, user_id, view, self._next_ts()))

    def _upload_url(self, params: Params, request: Request) -> Response:
        filename, length = str(params.get("filename") or ""), str(params.get("length") or "")
        if not filename or not length.isdigit():
            raise wire.SlackError("invalid_arguments")
        file_id = f"F{self._next_file:010d}"
        self._next_file += 1
        self.world.slack.files[file_id] = {
            "id": file_id, "name": filename, "title": filename, "length": int(length),
            "alt_txt": params.get("alt_txt") or "", "created": self._now(), "bytes": None,
            "channels": [],
        }
        base = f"http://{request.headers['host']}" if "host" in request.headers else self.url
        return wire.ok(upload_url=f"{base}/upload/{file_id}", file_id=file_id)

    def _upload(self, request: Request, match: re.Match[str]) -> Response:
        record = self.world.slack.files.get(match.group(1))
        if record is None:
            return Response(404, b"file not found", {"Content-Type": "text/plain"})
        record["bytes"] = request.body
        return Response(200, f"OK - {len(request.body)}".encode(), {"Content-Type": "text/plain"})

    def _complete_upload(self, params: Params, request: Request) -> Response:
        items = wire.json_field(params.get("files"))
        if not isinstance(items, list) or not items:
            raise wire.SlackError("invalid_arguments")
        slack = self.world.slack
        ids = [str(i.get("id", "")) for i in items if isinstance(i, dict)]
        if len(ids) != len(items) or any(slack.files.get(i, {}).get("bytes") is None for i in ids):
            raise wire.SlackError("file_not_found")  # unknown, or never uploaded to its URL
        targets = [c for c in str(params.get("channels") or "").split(",") if c]
        if params.get("channel_id"):
            targets.insert(0, str(params["channel_id"]))
        channels = [self._writable(t) for t in targets]
        for item, file_id in zip(items, ids, strict=True):
            if item.get("title"):
                slack.files[file_id]["title"] = item["title"]
        text, _ = self._content(params | {"text": params.get("initial_comment")}, required=False)
        for channel in channels:
            message = SlackMessage(channel.id, self._next_ts(), text, [], slack.bot_user_id,
                                   thread_ts=params.get("thread_ts") or None, files=list(ids))
            slack.messages.append(message)
            for file_id in ids:
                slack.files[file_id]["channels"] = [*_list(slack.files[file_id]), channel.id]
        return wire.ok(files=[wire.file_object(slack, i, self.url) for i in ids])

    def _response_url(self, request: Request, match: re.Match[str]) -> Response:
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return Response(400, b"invalid_payload", {"Content-Type": "text/plain"})
        if not isinstance(payload, dict):
            return Response(400, b"invalid_payload", {"Content-Type": "text/plain"})
        errors = wire.validate_blocks(payload.get("blocks", []), wire.MESSAGE_BLOCKS)
        if errors:
            return Response(400, b"invalid_blocks", {"Content-Type": "text/plain"})
        self.world.slack.responses.append({
            "id": match.group(1), "response_type": payload.get("response_type", "ephemeral"),
            "replace_original": bool(payload.get("replace_original", False)),
            "text": payload.get("text", ""), "blocks": payload.get("blocks", []),
            "payload": payload,
        })
        return Response(200, b"ok", {"Content-Type": "text/plain"})


def _list(record: dict[str, object]) -> list[str]:
    value = record.get("channels")
    return [str(v) for v in value] if isinstance(value, list) else []
