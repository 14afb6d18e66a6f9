"""The demo's page: everything the sandbox Slack recorded, laid out as Slack shows it.

``crosswalk demo`` writes ``crosswalk-demo/index.html`` in the working directory: each
channel's messages with their thread replies, each DM, ephemeral and response_url reply,
and each person's App Home, rendered by :mod:`bot.render.html_page` with the charts
embedded. Beside it, ``messages.json`` lists what was rendered (where, when, the fallback
text and the blocks), so a reader or a test can hold the page against the record.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.render.html import Image, Names
from bot.render.html_page import Conversation, Post, render_page
from integrations.sandbox.slack.state import SlackMessage, SlackState
from integrations.sandbox.world import World

PAGE_DIR = Path("crosswalk-demo")
TITLE = "Crosswalk demo: everything the bot posted"


@dataclass(frozen=True, slots=True)
class SlashReply:
    """Where a response_url reply belongs: who ran which command in which channel."""

    response_id: str
    channel: str
    user: str
    command: str


def write_demo_page(world: World, folder: Path, slash: Sequence[SlashReply] = ()) -> Path:
    """Write ``index.html`` and ``messages.json`` into ``folder``; return the page's path."""
    with world.lock:  # the servers are threaded: read one consistent copy
        slack = copy.deepcopy(world.slack)
    conversations, names, images, manifest = collect(slack, slash)
    posts = sum(1 + len(p.replies) for c in conversations for p in c.posts)
    subtitle = (
        f"{slack.team_name} workspace (sandbox scenario {world.name!r}, seed {world.seed}) · "
        f"{posts} posts in {len(conversations)} places · times in UTC on the demo's "
        f"simulated clock, {world.now:%a %d %b %Y %H:%M}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / "index.html"
    page.write_text(render_page(conversations, names, images, title=TITLE, subtitle=subtitle),
                    encoding="utf-8")
    (folder / "messages.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False),
                                          encoding="utf-8")
    return page


def collect(
    slack: SlackState, slash: Sequence[SlashReply] = (),
) -> tuple[list[Conversation], Names, dict[str, Image], dict[str, Any]]:
    """The conversations of the page, the names and images it needs, and its manifest."""
    page = _Collector(slack)
    page.messages()
    page.ephemerals()
    elsewhere = page.responses(slash)
    conversations = page.conversations()
    conversations += page.homes()
    if elsewhere:
        conversations.append(Conversation("replies", "Slash-command replies", "replies",
                                          elsewhere))
    images = {
        fid: Image(data, str(f.get("title") or f.get("name") or ""), str(f.get("alt_txt") or ""))
        for fid, f in slack.files.items() if isinstance(data := f.get("bytes"), bytes)
    }
    manifest = {"workspace": slack.team_name, "users": page.users,
                "channels": dict(page.names.channels), "posts": page.entries}
    return conversations, page.names, images, manifest


class _Collector:
    """Posts gathered per channel (in ts order), and a manifest entry for each."""

    def __init__(self, slack: SlackState) -> None:
        self.slack = slack
        self.users = {u.id: u.real_name or u.name for u in slack.users.values()}
        self.names = Names(self.users,
                           {c.id: c.name for c in slack.channels.values() if not c.is_im})
        self.bot = self.users.get(slack.bot_user_id, "Crosswalk")
        self.entries: list[dict[str, Any]] = []
        self.timelines: dict[str, list[tuple[int, Post]]] = {}

    def record(self, kind: str, post: Post, channel: str, message: SlackMessage | None = None,
               **extra: Any) -> None:
        """One manifest entry: where and when, the fallback text, the blocks, the files."""
        self.entries.append({
            "kind": kind, "anchor": post.anchor, "channel": channel,
            "channel_name": self.names.channels.get(channel, ""),
            "ts": message.ts if message else "",
            "thread_ts": message.thread_ts if message else None, "text": post.text,
            "blocks": list(post.blocks), "files": list(post.files), **extra,
        })

    def add(self, channel: str, at: int, post: Post) -> None:
        """A post in a channel's timeline at ``at`` (microseconds)."""
        self.timelines.setdefault(channel, []).append((at, post))

    def messages(self) -> None:
        """Top-level messages with their thread replies; a reply to an unknown parent
        stands on its own."""
        slack = self.slack
        tops = {(m.channel, m.ts) for m in slack.messages
                if not m.thread_ts or m.thread_ts == m.ts}
        threads: dict[tuple[str, str], list[Post]] = {}
        for m in slack.messages:
            if (m.channel, m.ts) not in tops and (m.channel, m.thread_ts) in tops:
                reply = _post(m, self.bot)
                threads.setdefault((m.channel, str(m.thread_ts)), []).append(reply)
                self.record("reply", reply, m.channel, m)
        for m in slack.messages:
            if (m.channel, m.ts) in tops or (m.channel, m.thread_ts) not in tops:
                post = _post(m, self.bot, threads.get((m.channel, m.ts), ()))
                self.add(m.channel, _micros(m.ts), post)
                if m.channel in slack.channels and slack.channels[m.channel].is_im:
                    self.record("dm", post, m.channel, m, to=self._person(m.channel))
                else:
                    self.record("message", post, m.channel, m)

    def ephemerals(self) -> None:
        """Ephemeral messages, in their channel, marked with who saw them."""
        for m in self.slack.ephemeral:
            post = _post(m, self.bot, only_you=self.users.get(m.user, m.user), prefix="e")
            self.add(m.channel, _micros(m.ts), post)
            self.record("ephemeral", post, m.channel, m, to=m.user)

    def responses(self, slash: Sequence[SlashReply]) -> list[Post]:
        """response_url replies, in the channel they were asked in (after what was posted
        before them); the ones nobody says where, returned to go apart."""
        where = {s.response_id: s for s in slash}
        elsewhere = []
        for index, r in enumerate(self.slack.responses):
            asked = where.get(str(r.get("id", "")))
            person = self.users.get(asked.user, asked.user) if asked else ""
            kind = str(r.get("response_type") or "ephemeral")
            post = Post(
                _anchor("r", str(r.get("id", "")), str(index)), self.bot,
                text=str(r.get("text") or ""),
                blocks=_blocks(r.get("blocks")),
                only_you=(person or "the person who asked") if kind != "in_channel" else "",
                intro=f"{person} used {asked.command}" if asked else "",
            )
            channel = self._channel_id(asked.channel) if asked else ""
            if channel:
                self.add(channel, 1 << 62, post)  # they came last: after every post
            else:
                elsewhere.append(post)
            self.record("response", post, channel, to=asked.user if asked else "",
                        response_type=kind)
        return elsewhere

    def conversations(self) -> list[Conversation]:
        """Channels in the order they were first posted to, then DMs by the person's name."""
        found = []
        for channel_id, timeline in self.timelines.items():
            posts = [p for _, p in sorted(timeline, key=lambda t: t[0])]
            channel = self.slack.channels.get(channel_id)
            if channel is not None and channel.is_im:
                person = self._person(channel_id)
                found.append(Conversation(_anchor("dm", person),
                                          self.users.get(person, person), "dm", posts))
            else:
                title = f"#{self.names.channels.get(channel_id, channel_id)}"
                found.append(Conversation(_anchor("c", title), title, "channel", posts))
        return sorted(found, key=lambda c: (c.kind == "dm", c.title if c.kind == "dm" else ""))

    def homes(self) -> list[Conversation]:
        """Each person's published App Home."""
        found = []
        for user_id, view in self.slack.views.items():
            post = Post(_anchor("view", user_id), "", blocks=_blocks(view.get("blocks")))
            found.append(Conversation(_anchor("home", user_id),
                                      f"App Home · {self.users.get(user_id, user_id)}", "home",
                                      [post]))
            self.record("home", post, "", to=user_id)
        return found

    def _person(self, im: str) -> str:
        members = self.slack.channels[im].members
        return next((u for u in sorted(members) if u != self.slack.bot_user_id), im)

    def _channel_id(self, ref: str) -> str:
        if ref in self.slack.channels:
            return ref
        name = ref.removeprefix("#")
        return next((c.id for c in self.slack.channels.values() if c.name == name), "")


def _post(message: SlackMessage, author: str, replies: Sequence[Post] = (), *,
          only_you: str = "", prefix: str = "m") -> Post:
    return Post(
        _anchor(prefix, message.channel, message.ts), author, when=_when(message.ts),
        text=message.text, blocks=_blocks(message.blocks), files=tuple(message.files),
        edited=message.edited, only_you=only_you, replies=tuple(replies),
    )


def _blocks(value: object) -> tuple[dict[str, Any], ...]:
    return tuple(b for b in value if isinstance(b, dict)) if isinstance(value, list) else ()


def _anchor(*parts: str) -> str:
    return "-".join(re.sub(r"[^A-Za-z0-9_]+", "_", p).strip("_") or "x" for p in parts)


def _micros(ts: str) -> int:
    seconds, _, fraction = ts.partition(".")
    try:
        return int(seconds) * 1_000_000 + int(fraction.ljust(6, "0")[:6] or 0)
    except ValueError:
        return 0


def _when(ts: str) -> str:
    micros = _micros(ts)
    return datetime.fromtimestamp(micros / 1e6, UTC).strftime("%a %d %b %H:%M") if micros else ""
