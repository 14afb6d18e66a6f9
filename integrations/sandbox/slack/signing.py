"""Requests as Slack sends them to an app: v0-signed slash commands, interactions and events.

Tests and benchmarks use these to drive a Bolt endpoint over real HTTP. The signature is
``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{raw body}`` keyed with the signing secret
(``shared/specs/slack/protocol.json`` ``request_signing``, with its official test vector).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx

DEFAULT_TIMEOUT = 10.0


def sign(secret: str, timestamp: str | int, body: str | bytes) -> str:
    """The ``X-Slack-Signature`` value (``v0=<hex>``) for ``body`` sent at ``timestamp``."""
    raw = body.encode() if isinstance(body, str) else body
    base = b"v0:" + str(timestamp).encode() + b":" + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str, body: str | bytes, timestamp: int | None = None,
) -> dict[str, str]:
    """``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` for ``body`` (now by default)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(secret, ts, body)}


def _post(
    url: str, secret: str, body: str, content_type: str, *,
    timestamp: int | None, timeout: float, headers: dict[str, str] | None,
) -> httpx.Response:
    # The body is signed and sent as the exact same bytes; re-encoding would break it.
    all_headers = {"Content-Type": content_type, **signed_headers(secret, body, timestamp),
                   **(headers or {})}
    return httpx.post(url, content=body.encode(), headers=all_headers, timeout=timeout)


def slash_command_body(
    *, command: str, text: str, user_id: str, channel_id: str, team_id: str,
    response_url: str, trigger_id: str, user_name: str = "", channel_name: str = "",
    team_domain: str = "sandbox", api_app_id: str = "A0SANDBOX01",
) -> str:
    """The form-encoded body of a slash command, fields in Slack's order."""
    return urlencode({
        "token": "sandbox-verification-token", "team_id": team_id, "team_domain": team_domain,
        "channel_id": channel_id, "channel_name": channel_name or channel_id,
        "user_id": user_id, "user_name": user_name or user_id, "command": command,
        "text": text, "api_app_id": api_app_id, "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": trigger_id,
    })


def send_slash_command(
    url: str, secret: str, *, command: str, text: str, user_id: str, channel_id: str,
    team_id: str, response_url: str, trigger_id: str, timestamp: int | None = None,
    timeout: float = DEFAULT_TIMEOUT, headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a signed slash command (form-encoded, as Slack sends it) to ``url``."""
    body = slash_command_body(
        command=command, text=text, user_id=user_id, channel_id=channel_id,
        team_id=team_id, response_url=response_url, trigger_id=trigger_id,
    )
    return _post(url, secret, body, "application/x-www-form-urlencoded",
                 timestamp=timestamp, timeout=timeout, headers=headers)


def send_block_action(
    url: str, secret: str, payload: dict[str, Any], *, timestamp: int | None = None,
    timeout: float = DEFAULT_TIMEOUT, headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a signed interactive payload (form field ``payload=<json>``) to ``url``."""
    body = urlencode({"payload": json.dumps(payload, separators=(",", ":"))})
    return _post(url, secret, body, "application/x-www-form-urlencoded",
                 timestamp=timestamp, timeout=timeout, headers=headers)


def event_envelope(event: dict[str, Any], *, team_id: str, api_app_id: str = "A0SANDBOX01",
                   event_id: str = "Ev0SANDBOX01", event_time: int = 0) -> dict[str, Any]:
    """Wrap an inner event (``{"type": "app_home_opened", ...}``) in an ``event_callback``."""
    return {
        "token": "sandbox-verification-token", "team_id": team_id, "api_app_id": api_app_id,
        "event": event, "type": "event_callback", "event_id": event_id,
        "event_time": event_time or int(time.time()),
        "authorizations": [{"team_id": team_id, "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }


_OUTER_TYPES = ("event_callback", "url_verification", "app_rate_limited")


def send_event(
    url: str, secret: str, event: dict[str, Any], *, team_id: str = "",
    timestamp: int | None = None, timeout: float = DEFAULT_TIMEOUT,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a signed Events API body as JSON.

    A whole body (``event_callback``, ``url_verification``) is sent as given; an inner
    event (``{"type": "app_home_opened", ...}``) is wrapped by :func:`event_envelope`.
    """
    if event.get("type") not in _OUTER_TYPES:
        team = team_id or str(event.get("team") or "T0SANDBOX1")
        event = event_envelope(event, team_id=team)
    body = json.dumps(event, separators=(",", ":"))
    return _post(url, secret, body, "application/json",
                 timestamp=timestamp, timeout=timeout, headers=headers)
