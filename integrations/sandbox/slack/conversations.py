"""The sandbox's channels: where posts may go, and the ``conversations.*`` methods.

``conversations.history`` answers like Slack's: a channel's top-level messages, newest
first, between ``oldest`` and ``latest`` (exclusive unless ``inclusive``), ``limit`` a page
(at most 999) with ``has_more`` and a ``next_cursor``; message ``metadata`` only with
``include_all_metadata``; ``missing_scope`` without ``channels:history`` (``groups:history``
for a private channel, ``im:history`` for a DM) and ``not_in_channel`` for a public channel
the bot is not in.
"""

from __future__ import annotations

from typing import Any

from integrations.sandbox.base import Request, Response, SandboxServer
from integrations.sandbox.slack import wire as wire
from integrations.sandbox.slack.state import SlackChannel

Params = dict[str, Any]
HISTORY_LIMIT = 999  # Slack's maximum page


class SlackChannels(SandboxServer):
    """Channel lookups and the ``conversations.*`` Web API methods of the Slack sandbox."""

    def _now(self) -> int:
        return int(self.world.now.timestamp())

    def _find_channel(self, ref: str) -> SlackChannel | None:
        slack = self.world.slack
        if ref in slack.channels:
            return slack.channels[ref]
        name = ref.removeprefix("#")
        return next((c for c in slack.channels.values() if c.name == name and not c.is_im), None)

    def _im_with(self, user_id: str) -> SlackChannel:
        slack = self.world.slack
        if user_id not in slack.users:
            raise wire.SlackError("user_not_found")
        cid = wire.im_channel_id(user_id)
        if cid not in slack.channels:
            slack.channels[cid] = SlackChannel(cid, cid, is_private=True, is_im=True,
                                               members={slack.bot_user_id, user_id})
        return slack.channels[cid]

    def _writable(self, ref: Any) -> SlackChannel:
        """The channel a post goes to; a user id means the bot's DM with that user."""
        ref = str(ref or "")
        if not ref:
            raise wire.SlackError("channel_not_found")
        if ref[0] in "UW" and ref in self.world.slack.users:
            return self._im_with(ref)
        channel = self._find_channel(ref)
        if channel is None:
            raise wire.SlackError("channel_not_found")
        if self.world.slack.bot_user_id not in channel.members:
            raise wire.SlackError("not_in_channel")
        return channel

    def _open(self, params: Params, request: Request) -> Response:
        if "im:write" not in self.world.slack.scopes:
            raise wire.SlackError("missing_scope", needed="im:write",
                                  provided=",".join(self.world.slack.scopes))
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if params.get("channel"):
            channel = self._find_channel(str(params["channel"]))
            if channel is None or not channel.is_im:
                raise wire.SlackError("channel_not_found")
        elif len(users) == 1:
            existed = wire.im_channel_id(users[0]) in self.world.slack.channels
            channel = self._im_with(users[0])
            if existed and not wire.truthy(params.get("return_im")):
                return wire.ok(no_op=True, already_open=True, channel={"id": channel.id})
        elif not users:
            raise wire.SlackError("users_list_not_supplied")
        else:  # multi-person DMs are not modelled by the sandbox
            raise wire.SlackError("method_not_supported_for_channel_type")
        if wire.truthy(params.get("return_im")):
            return wire.ok(channel=wire.channel_object(self.world.slack, channel, self._now()))
        return wire.ok(channel={"id": channel.id})

    def _info(self, params: Params, request: Request) -> Response:
        channel = self._find_channel(str(params.get("channel") or ""))
        if channel is None:
            raise wire.SlackError("channel_not_found")
        return wire.ok(channel=wire.channel_object(self.world.slack, channel, self._now()))

    def _list(self, params: Params, request: Request) -> Response:
        types = set(str(params.get("types") or "public_channel").split(","))
        wanted = [
            c for c in sorted(self.world.slack.channels.values(), key=lambda c: c.id)
            if ("im" in types and c.is_im)
            or ("public_channel" in types and not c.is_im and not c.is_private)
            or ("private_channel" in types and not c.is_im and c.is_private)
        ]
        limit = min(max(int(params.get("limit") or 100), 1), 1000)
        ids = [c.id for c in wanted]
        start = ids.index(wire.decode_cursor(str(params["cursor"]), ids)) if params.get(
            "cursor") else 0
        page, rest = wanted[start:start + limit], wanted[start + limit:]
        cursor = wire.encode_cursor(rest[0].id) if rest else ""
        channels = [wire.channel_object(self.world.slack, c, self._now()) for c in page]
        return wire.ok(channels=channels, response_metadata={"next_cursor": cursor})

    def _history(self, params: Params, request: Request) -> Response:
        channel = self._find_channel(str(params.get("channel") or ""))
        slack = self.world.slack
        if channel is None or (channel.is_private and slack.bot_user_id not in channel.members):
            raise wire.SlackError("channel_not_found")
        needed = ("im:history" if channel.is_im else
                  "groups:history" if channel.is_private else "channels:history")
        if needed not in slack.scopes:
            raise wire.SlackError("missing_scope", needed=needed,
                                  provided=",".join(slack.scopes))
        if slack.bot_user_id not in channel.members:
            raise wire.SlackError("not_in_channel")
        inclusive = wire.truthy(params.get("inclusive"))
        oldest = wire.ts_micros(str(params.get("oldest") or "0"))
        latest = wire.ts_micros(str(params.get("latest") or f"{self._now() + 1}"))
        found = sorted(
            (m for m in slack.messages
             if m.channel == channel.id and m.thread_ts in (None, m.ts)
             and (oldest <= wire.ts_micros(m.ts) <= latest if inclusive
                  else oldest < wire.ts_micros(m.ts) < latest)),
            key=lambda m: wire.ts_micros(m.ts), reverse=True)
        limit = min(max(int(params.get("limit") or 100), 1), HISTORY_LIMIT)
        ids = [m.ts for m in found]
        start = ids.index(wire.decode_cursor(str(params["cursor"]), ids)) if params.get(
            "cursor") else 0
        page, rest = found[start:start + limit], found[start + limit:]
        with_metadata = wire.truthy(params.get("include_all_metadata"))
        messages = [wire.message_object(slack, m, self._now(), metadata=with_metadata)
                    for m in page]
        cursor = wire.encode_cursor(rest[0].ts) if rest else ""
        return wire.ok(messages=messages, has_more=bool(rest), pin_count=0,
                       response_metadata={"next_cursor": cursor})
