"""The demo's Slack step: a signed slash command and App Home through the real Bolt app.

The requests are built exactly as Slack sends them (form body, v0 signature) and go
through ``App.dispatch`` — the same listeners, ack and ``response_url`` reply that
``crosswalk serve`` runs behind HTTP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from slack_bolt.request import BoltRequest

from bot.app import Clients, build_app
from bot.config.env import Env
from bot.config.settings import Settings
from bot.slack.app import build_bolt_app
from bot.slack.client import messenger_from_env
from bot.store import Store
from integrations.sandbox.runner import Sandbox
from integrations.sandbox.slack.signing import signed_headers, slash_command_body

WAIT_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class Shown:
    """One thing the demo shows: what was asked and what Slack received."""

    title: str
    text: str
    blocks: list[dict[str, Any]]
    response_id: str = ""  # a slash-command reply: its response_url's id, channel and asker
    channel: str = ""
    user: str = ""


def run_slash_and_home(
    store: Store, settings: Settings, env: Env, sandbox: Sandbox, now: datetime,
    slash_texts: list[str],
) -> list[Shown]:
    """Send each slash command as a product person of the first team, then open App Home."""
    team = next(iter(settings.teams.values()))
    messenger = messenger_from_env(env.slack_bot_token, env.slack_api_url)
    if messenger is None:
        raise RuntimeError("the sandbox environment has no SLACK_BOT_TOKEN")
    crosswalk = build_app(settings, env, Clients(store, messenger, clock=lambda: now))
    user = messenger.lookup_user_by_email(team.people.product[0]).id
    secret = str(env.slack_signing_secret)
    pool = ThreadPoolExecutor(2, thread_name_prefix="demo-bolt")
    app = build_bolt_app(crosswalk, executor=pool)
    shown: list[Shown] = []
    try:
        for text in slash_texts:
            url = sandbox.slack.new_response_url()
            body = slash_command_body(
                command=settings.slash_command, text=text, user_id=user,
                channel_id=team.slack.channel, team_id=sandbox.world.slack.team_id,
                response_url=url, trigger_id="demo",
            )
            _dispatch(app, body, secret)
            reply_id = url.rstrip("/").rsplit("/", 1)[-1]
            replies = _wait(partial(sandbox.slack.responses_to, reply_id))
            for reply in replies:
                shown.append(Shown(f"{settings.slash_command} {text}", str(reply.get("text", "")),
                                   list(reply.get("blocks") or []), reply_id,
                                   team.slack.channel, user))
        event = {
            "type": "event_callback", "team_id": sandbox.world.slack.team_id,
            "api_app_id": "A0SANDBOX01", "event_id": "Ev0DEMO", "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": user, "tab": "home",
                      "channel": "D0DEMO"},
        }
        _dispatch(app, json.dumps(event), secret, content_type="application/json")
        view = _wait(lambda: sandbox.slack.home_view(user))
        if view:
            blocks = view.get("blocks") if isinstance(view, dict) else None
            shown.append(Shown("App Home", "", list(blocks or [])))
    finally:
        pool.shutdown(wait=True)
        crosswalk.close()
    return shown


def _dispatch(app: Any, body: str, secret: str, content_type: str = "") -> None:
    headers: dict[str, str | Sequence[str]] = {
        k.lower(): v for k, v in signed_headers(secret, body).items()
    }
    headers["content-type"] = content_type or "application/x-www-form-urlencoded"
    response = app.dispatch(BoltRequest(body=body, headers=headers))
    if response.status != 200:
        raise RuntimeError(f"the Bolt app answered {response.status}")


def _wait(probe: Callable[[], Any]) -> Any:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.05)
    return probe()
