"""The Slack sandbox's wire format: envelopes, request parsing, objects, Block Kit checks.

Kept apart from the routes in :mod:`integrations.sandbox.slack.server` so the shapes can be
read (and compared with ``shared/specs/slack``) without the HTTP plumbing. Limits come from
``protocol.json`` ``block_kit_limits``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import mimetypes
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from integrations.sandbox.base import Request, Response
from integrations.sandbox.slack.state import SlackChannel, SlackMessage, SlackState, SlackUser

Params = dict[str, Any]

MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
CONTEXT_ELEMENTS = 10
BUTTON_TEXT = 75
BLOCK_ID = 255
MESSAGE_TEXT = 40_000

# zoneinfo only knows abbreviations; Slack's tz_label is the long name.
_TZ_LABELS = {
    "GMT": "Greenwich Mean Time", "BST": "British Summer Time", "UTC": "Coordinated Universal Time",
    "CET": "Central European Time", "CEST": "Central European Summer Time",
    "EET": "Eastern European Time", "EEST": "Eastern European Summer Time",
    "EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time", "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time",
    "IST": "India Standard Time", "JST": "Japan Standard Time",
    "AEST": "Australian Eastern Standard Time", "AEDT": "Australian Eastern Daylight Time",
}


def tz_fields(tz: str, at: datetime) -> dict[str, Any]:
    """Slack's ``tz``, ``tz_label`` and ``tz_offset`` (seconds east of UTC) at ``at``."""
    local = at.astimezone(ZoneInfo(tz))
    offset = local.utcoffset()
    seconds = int(offset.total_seconds()) if offset is not None else 0
    abbreviation = local.tzname() or "UTC"
    return {"tz": tz, "tz_label": _TZ_LABELS.get(abbreviation, abbreviation), "tz_offset": seconds}


def _hex(*parts: str, n: int = 10) -> str:
    return hashlib.sha1("\0".join(parts).encode(), usedforsecurity=False).hexdigest()[:n].upper()


def app_id(slack: SlackState) -> str:
    """The app id the sandbox reports for its one bot."""
    return f"A{_hex('app', slack.bot_id)}"


def im_channel_id(user_id: str) -> str:
    """The deterministic id of the bot's IM channel with ``user_id``."""
    return f"D{_hex('im', user_id)}"


def user_object(slack: SlackState, user: SlackUser, at: datetime) -> dict[str, Any]:
    """A ``users.info`` / ``users.lookupByEmail`` user."""
    first, _, last = user.real_name.partition(" ")
    image = f"https://avatars.slack-edge.example/{user.id}.png"
    profile = {
        "title": "", "phone": "", "skype": "", "real_name": user.real_name,
        "real_name_normalized": user.real_name, "display_name": user.name,
        "display_name_normalized": user.name, "fields": None, "status_text": "",
        "status_emoji": "", "status_expiration": 0,
        "avatar_hash": _hex("avatar", user.id, n=12).lower(),
        "email": user.email, "first_name": first, "last_name": last,
        "image_24": image, "image_32": image, "image_48": image, "image_72": image,
        "image_192": image, "image_512": image, "status_text_canonical": "", "team": slack.team_id,
    }
    return {
        "id": user.id, "team_id": slack.team_id, "name": user.name, "deleted": user.deleted,
        "color": _hex("color", user.id, n=6).lower(), "real_name": user.real_name,
        **tz_fields(user.tz, at), "profile": profile, "is_admin": False, "is_owner": False,
        "is_primary_owner": False, "is_restricted": False, "is_ultra_restricted": False,
        "is_bot": user.is_bot, "is_app_user": False, "updated": int(at.timestamp()),
        "is_email_confirmed": True, "who_can_share_contact_card": "EVERYONE",
    }


def channel_object(slack: SlackState, channel: SlackChannel, created: int) -> dict[str, Any]:
    """A ``conversations.info`` / ``conversations.list`` conversation."""
    if channel.is_im:
        other = next((m for m in sorted(channel.members) if m != slack.bot_user_id), "")
        return {
            "id": channel.id, "created": created, "is_archived": False, "is_im": True,
            "is_org_shared": False, "context_team_id": slack.team_id, "updated": created * 1000,
            "user": other, "is_user_deleted": False, "priority": 0,
        }
    empty = {"value": "", "creator": "", "last_set": 0}
    return {
        "id": channel.id, "name": channel.name, "is_channel": not channel.is_private,
        "is_group": channel.is_private, "is_im": False, "is_mpim": False,
        "is_private": channel.is_private, "created": created, "is_archived": False,
        "is_general": False, "unlinked": 0, "name_normalized": channel.name, "is_shared": False,
        "is_org_shared": False, "is_pending_ext_shared": False, "pending_shared": [],
        "context_team_id": slack.team_id, "updated": created * 1000, "creator": slack.bot_user_id,
        "is_ext_shared": False, "shared_team_ids": [slack.team_id],
        "is_member": slack.bot_user_id in channel.members, "topic": empty, "purpose": dict(empty),
        "previous_names": [], "num_members": len(channel.members),
    }


def bot_profile(slack: SlackState, updated: int) -> dict[str, Any]:
    """The ``bot_profile`` Slack attaches to bot messages."""
    icon = "https://avatars.slack-edge.example/bot.png"
    bot = slack.users.get(slack.bot_user_id)
    return {
        "id": slack.bot_id, "deleted": False, "name": bot.name if bot else "crosswalk",
        "updated": updated, "app_id": app_id(slack), "team_id": slack.team_id,
        "icons": {"image_36": icon, "image_48": icon, "image_72": icon},
    }


def message_object(
    slack: SlackState, message: SlackMessage, updated: int, *, metadata: bool = True
) -> dict[str, Any]:
    """A bot message as ``chat.postMessage``, ``chat.update`` and ``conversations.history``
    return it (the last with its ``metadata`` only when asked for all of it)."""
    out: dict[str, Any] = {
        "user": message.user, "type": "message", "ts": message.ts, "bot_id": slack.bot_id,
        "app_id": app_id(slack), "text": message.text, "team": slack.team_id,
        "bot_profile": bot_profile(slack, updated),
    }
    if message.blocks:
        out["blocks"] = message.blocks
    if message.thread_ts:
        out["thread_ts"] = message.thread_ts
        out["parent_user_id"] = slack.bot_user_id
    if message.files:
        out["files"] = [{"id": f} for f in message.files]
        out["upload"] = True
    if metadata and message.metadata is not None:
        out["metadata"] = message.metadata
    return out


def metadata_of(value: Any) -> dict[str, object] | None:
    """``chat.postMessage``'s ``metadata`` (an object or its JSON): ``{"event_type": a
    name, "event_payload": an object}``, or ``invalid_metadata_format``."""
    if value is None or value == "":
        return None
    data = json_field(value)
    if (not isinstance(data, dict) or set(data) - {"event_type", "event_payload"}
            or not isinstance(data.get("event_type"), str) or not data["event_type"]
            or not isinstance(data.get("event_payload", {}), dict)):
        raise SlackError("invalid_metadata_format")
    return {"event_type": data["event_type"], "event_payload": data.get("event_payload", {})}


def file_object(slack: SlackState, file_id: str, base_url: str) -> dict[str, Any]:
    """A file as ``files.completeUploadExternal`` returns it."""
    f = slack.files[file_id]
    name = str(f["name"])
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    filetype = name.rsplit(".", 1)[-1].lower() if "." in name else "binary"
    created = int(str(f["created"]))
    data = f.get("bytes")
    size = len(data) if isinstance(data, bytes) else 0
    private = f"{base_url}/files-pri/{slack.team_id}-{file_id}/{name}"
    listed = f.get("channels")
    channels = [str(c) for c in listed] if isinstance(listed, list) else []
    return {
        "id": file_id, "created": created, "timestamp": created, "name": name,
        "title": f.get("title") or name, "mimetype": mimetype, "filetype": filetype,
        "pretty_type": filetype.upper(), "user": slack.bot_user_id, "user_team": slack.team_id,
        "editable": False, "size": size, "mode": "hosted", "is_external": False,
        "external_type": "", "is_public": False, "public_url_shared": False,
        "display_as_bot": False, "username": "", "url_private": private,
        "url_private_download": private + "?download=1",
        "permalink": f"https://sandbox.slack.example/files/{slack.bot_user_id}/{file_id}/{name}",
        "permalink_public": f"https://slack-files.example/{slack.team_id}-{file_id}",
        "comments_count": 0, "is_starred": False, "shares": {},
        "channels": [c for c in channels if not c.startswith("D")],
        "groups": [], "ims": [c for c in channels if c.startswith("D")],
        "has_more_shares": False, "has_rich_preview": False, "file_access": "visible",
        "alt_txt": str(f.get("alt_txt") or ""),
    }


def view_object(
    slack: SlackState, user_id: str, view: dict[str, Any], hash_: str,
) -> dict[str, Any]:
    """A published App Home view as ``views.publish`` returns it."""
    return {
        "id": f"V{im_channel_id(user_id)[1:]}", "team_id": slack.team_id, "type": "home",
        "blocks": view.get("blocks", []), "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""), "state": {"values": {}}, "hash": hash_,
        "clear_on_close": False, "notify_on_close": False, "close": None, "submit": None,
        "previous_view_id": None, "root_view_id": None, "app_id": app_id(slack),
        "external_id": view.get("external_id", ""), "app_installed_team_id": slack.team_id,
        "bot_id": slack.bot_id,
    }


# ---- Block Kit ---------------------------------------------------------------------------


def _text_of(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def _over(errors: list[str], value: str, limit: int, pointer: str) -> None:
    if len(value) > limit:
        errors.append(f"must be less than {limit + 1} characters [json-pointer:{pointer}]")


def validate_blocks(blocks: Any, limit: int) -> list[str]:
    """Slack's ``invalid_blocks`` messages for ``blocks`` (empty when they are valid)."""
    if not isinstance(blocks, list):
        return ["must be an array [json-pointer:/blocks]"]
    errors: list[str] = []
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:/blocks]")
    for i, block in enumerate(blocks):
        at = f"/blocks/{i}"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            errors.append(f"missing required field: type [json-pointer:{at}]")
            continue
        _over(errors, str(block.get("block_id", "")), BLOCK_ID, f"{at}/block_id")
        kind = block["type"]
        if kind == "section":
            if "text" not in block and "fields" not in block:
                errors.append(f"must provide text or fields [json-pointer:{at}]")
            _over(errors, _text_of(block.get("text")), SECTION_TEXT, f"{at}/text/text")
            fields = block.get("fields") or []
            if len(fields) > SECTION_FIELDS:
                errors.append(
                    f"must be no more than {SECTION_FIELDS} items [json-pointer:{at}/fields]"
                )
            for j, f in enumerate(fields):
                _over(errors, _text_of(f), FIELD_TEXT, f"{at}/fields/{j}/text")
        elif kind == "header":
            text = block.get("text")
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                errors.append(f"must be a plain_text object [json-pointer:{at}/text]")
            _over(errors, _text_of(text), HEADER_TEXT, f"{at}/text/text")
        elif kind in ("actions", "context"):
            elements = block.get("elements") or []
            cap = ACTIONS_ELEMENTS if kind == "actions" else CONTEXT_ELEMENTS
            if not elements or len(elements) > cap:
                errors.append(f"must have 1 to {cap} items [json-pointer:{at}/elements]")
            for j, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") == "button":
                    _over(errors, _text_of(element.get("text")), BUTTON_TEXT,
                          f"{at}/elements/{j}/text/text")
    return errors


# ---- envelopes -----------------------------------------------------------------------


def ok(**fields: Any) -> Response:
    """Slack's success envelope."""
    return Response.json({"ok": True, **fields})


def fail(error: str, **fields: Any) -> Response:
    """Slack's error envelope (HTTP 200, as Slack answers application errors)."""
    return Response.json({"ok": False, "error": error, **fields})


class SlackError(Exception):
    """An application error answered in Slack's envelope."""

    def __init__(self, error: str, **fields: Any) -> None:
        super().__init__(error)
        self.error, self.fields = error, fields


# ---- request parsing -------------------------------------------------------------------------


def token_of(request: Request) -> str:
    """The token from the Bearer header, the form, or (legacy) the query."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    if "form-urlencoded" in request.headers.get("content-type", ""):
        token = request.form().get("token")
        if token:
            return token
    return request.arg("token") or ""  # legacy query-string token


def params_of(request: Request) -> Params:
    """Query, form and JSON parameters merged (Slack accepts each)."""
    params: Params = {k: v[0] for k, v in request.query.items() if v}
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type and request.body:
        try:
            body = json.loads(request.body)
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(body, dict):
            raise SlackError("json_not_object")
        params.update(body)
    elif request.body and "multipart" not in content_type:
        params.update(request.form())
    params.pop("token", None)
    return params


def json_field(value: Any) -> Any:
    """A field that arrives as JSON text in forms and as a value in JSON bodies."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise SlackError("invalid_arguments") from None
    return value


def truthy(value: Any) -> bool:
    """Slack's boolean parameters: ``true``/``1`` or JSON true."""
    return value is True or str(value).lower() in ("1", "true")


def encode_cursor(next_id: str) -> str:
    """A ``next_cursor`` in Slack's form (base64 of ``team:<next id>``)."""
    return base64.b64encode(f"team:{next_id}".encode()).decode()


def decode_cursor(cursor: str, ids: list[str]) -> str:
    """The id a cursor points at; ``invalid_cursor`` when it is not one of ``ids``."""
    try:
        after = base64.b64decode(cursor, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise SlackError("invalid_cursor") from None
    if not after.startswith("team:") or after[5:] not in ids:
        raise SlackError("invalid_cursor")
    return after[5:]


def ts_string(micros: int) -> str:
    """A message ``ts`` (``"1700000000.000100"``) from microseconds since the epoch."""
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def ts_micros(ts: str) -> int:
    """Microseconds since the epoch of a message ``ts``."""
    seconds, _, micros = ts.partition(".")
    return int(seconds) * 1_000_000 + int(micros.ljust(6, "0")[:6] or 0)
