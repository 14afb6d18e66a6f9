"""The one escape helper for outside text, and safe link/mention builders.

Slack mrkdwn gives ``<``, ``>`` and ``&`` special meaning (``<!channel>``, ``<@U1>``,
``<url|label>``); every piece of text from Jira or GitHub goes through :func:`esc`, so a
title can never mention ``@channel`` or forge a link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_USER_ID = re.compile(r"^[UWB][A-Z0-9]{2,30}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,30}$")
# Characters that would end or split a ``<url|label>`` token, or are not valid in a URL.
_URL_UNSAFE = frozenset(' |<>"`{}\\^')


# Unicode bidirectional controls: U+202E in a title would make the rest of the message read
# backwards (a "Trojan Source" spoof of a key, a link label or a number). Outside text loses
# them; Slack shows the characters around them unchanged.
_BIDI = dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def esc(text: object) -> str:
    """Escape ``&``, ``<`` and ``>`` (``&`` first) for mrkdwn and plain_text alike, and drop
    bidirectional control characters."""
    clean = str(text).translate(_BIDI)
    return clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str) -> str | None:
    """The URL with unsafe characters percent-encoded, or None when it is not http(s)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    out = []
    for ch in url:
        # Non-ASCII is encoded too, so no Unicode space or lookalike can hide in a link.
        if ch in _URL_UNSAFE or ord(ch) < 0x21 or ord(ch) > 0x7E:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            out.append(ch)
    # Slack reads entities inside link tokens too, so ``&`` is written as ``&amp;``.
    return "".join(out).replace("&", "&amp;")


def link(url: str | None, label: object) -> str:
    """``<url|label>`` with the label escaped; only the escaped label when the URL is unsafe."""
    text = esc(label)
    if not url:
        return text
    safe = safe_url(url)
    if safe is None:
        return text
    return f"<{safe}|{text}>" if text else f"<{safe}>"


def mention(user_id: str) -> str:
    """``<@U…>`` for one of our own resolved Slack user ids; raises ValueError otherwise."""
    if not _USER_ID.match(user_id):
        raise ValueError("not a Slack user id")
    return f"<@{user_id}>"


def channel_ref(channel_id: str) -> str:
    """``<#C…>`` for a configured channel id, or the escaped name when it is not an id."""
    if _CHANNEL_ID.match(channel_id):
        return f"<#{channel_id}>"
    return esc(channel_id)


def code(text: object, limit: int = 60) -> str:
    """Short outside text shown in backticks (escaped, shortened, backticks removed)."""
    raw = "".join(ch if ch.isprintable() else " " for ch in str(text)).replace("`", "'")
    if len(raw) > limit:
        raw = raw[: limit - 1] + "…"
    return f"`{esc(raw)}`"
