"""Block Kit and mrkdwn in HTML, as Slack shows them: the pieces of the demo's page.

Pure: blocks, a name lookup and the uploaded images in, an HTML fragment out. Every text is
read as Slack reads it first (``&lt;`` ``&gt;`` ``&amp;`` decoded, ``<…>`` tokens parsed into
links and mentions) and only then escaped for HTML, so no text can become markup: the only
tags and attributes in the output are the ones written here. Images are embedded as
``data:`` URIs, and only when their bytes are PNG, JPEG, GIF or WebP; nothing is fetched.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Block = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Names:
    """What mentions show: display names of user ids, names of channel ids."""

    users: Mapping[str, str] = field(default_factory=dict)
    channels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Image:
    """One uploaded file's bytes, with the title and alt text Slack would show."""

    data: bytes
    title: str = ""
    alt: str = ""


Images = Mapping[str, Image]  # by Slack file id

# Emoji the renderers write as shortcodes; any other ``:name:`` is shown as written.
EMOJI = {
    "card_index_dividers": "🗂️", "eyes": "👀", "hourglass": "⌛", "package": "📦",
    "tada": "🎉", "white_check_mark": "✅", "x": "❌", "zzz": "💤", "warning": "⚠️",
    "rotating_light": "🚨", "chart_with_upwards_trend": "📈", "wave": "👋",
}

_PLACEHOLDER = re.compile("\ue000([0-9]+)\ue001")
# Placeholders use two private-use characters; input loses them (and bidi controls, which
# could make a line read backwards) before anything else happens.
_DROPPED = dict.fromkeys([0xE000, 0xE001, 0x061C, 0x200E, 0x200F,
                          *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(lt|gt|amp);")
_PRE = re.compile(r"```(.*?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
_BULLET = re.compile(r"^(\s*)([•◦▪])\s+(.*)$")
_LINKABLE = re.compile(r"(?i)(?:https?://|mailto:)[^\s\"'<>`\\]+")
# Slack's markers: opened after a non-alphanumeric, closed before one, no space inside edges.
_STYLES = tuple(
    (re.compile(rf"(?<![^\W_]){m}(?!\s)([^{m}\n]+?)(?<!\s){m}(?![^\W_])"), tag)
    for m, tag in ((r"\*", "b"), ("_", "i"), ("~", "s"))
)
_IMAGE_TYPES = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
                (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))
_DATA_URI = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}")


def h(text: object) -> str:
    """Text escaped for HTML content and attribute values alike."""
    return html.escape(str(text), quote=True)


def unslack(text: str) -> str:
    """Slack's three entities decoded in one pass (``&amp;lt;`` stays the text ``&lt;``)."""
    return _ENTITY.sub(lambda m: {"lt": "<", "gt": ">", "amp": "&"}[m.group(1)], text)


def plain(text: object) -> str:
    """A ``plain_text`` object's text as HTML: entities decoded, emoji shown, escaped."""
    return _emoji(h(unslack(str(text).translate(_DROPPED))))


def mrkdwn(text: object, names: Names) -> str:
    """Slack mrkdwn as HTML: *bold* _italic_ ~strike~ `code` ```pre```, quotes, bullets,
    links and mentions."""
    pieces: list[str] = []

    def stash(fragment: str) -> str:
        pieces.append(fragment)
        return f"\ue000{len(pieces) - 1}\ue001"

    source = str(text).translate(_DROPPED)
    source = _TOKEN.sub(lambda m: stash(_token(m.group(1), names)), source)
    source = unslack(source)
    source = _PRE.sub(lambda m: stash(f"<pre>{h(m.group(1).strip(chr(10)))}</pre>"), source)
    return _resolve(_lines(source, stash), pieces)


def _resolve(fragment: str, pieces: list[str]) -> str:
    return _PLACEHOLDER.sub(lambda m: _resolve(pieces[int(m.group(1))], pieces), fragment)


def _lines(source: str, stash: Callable[[str], str]) -> str:
    """Quotes and bullet lists as blocks; other lines joined with line breaks."""
    out: list[str] = []
    run: list[str] = []
    kind = ""

    def flush() -> None:
        if kind == "quote":
            out.append("<blockquote>" + "<br>".join(run) + "</blockquote>")
        elif kind == "list":
            out.append("<ul>" + "".join(run) + "</ul>")
        elif run:
            out.append("<br>".join(run))
        run.clear()

    for line in source.split("\n"):
        bullet = _BULLET.match(line)
        if line.startswith(">"):
            now, item = "quote", _inline(line[1:].removeprefix(" "), stash)
        elif bullet:
            nested = ' class="nested"' if bullet.group(1) or bullet.group(2) != "•" else ""
            now, item = "list", f"<li{nested}>{_inline(bullet.group(3), stash)}</li>"
        else:
            now, item = "text", _inline(line, stash)
        if now != kind:
            flush()
            kind = now
        run.append(item)
    flush()
    return "".join(out)


def _inline(line: str, stash: Callable[[str], str]) -> str:
    line = _CODE.sub(lambda m: stash(f"<code>{h(m.group(1))}</code>"), line)
    out = _emoji(h(line))
    for pattern, tag in _STYLES:
        out = pattern.sub(rf"<{tag}>\1</{tag}>", out)
    return out


def _emoji(escaped: str) -> str:
    return _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), escaped)


def _token(body: str, names: Names) -> str:
    """One ``<…>`` token: a mention, a broadcast, a link, or (not one of those) the text."""
    target, _, label = body.partition("|")
    label = unslack(label)
    if target.startswith("@"):
        name = names.users.get(target[1:]) or label.lstrip("@") or target[1:]
        return f'<span class="mention">@{h(name)}</span>'
    if target.startswith("#"):
        name = names.channels.get(target[1:]) or label.lstrip("#") or target[1:]
        return f'<span class="mention">#{h(name)}</span>'
    if target.startswith("!"):
        command = target[1:]
        if command in ("here", "channel", "everyone"):
            return f'<span class="mention broadcast">@{command}</span>'
        if command.startswith("subteam^"):
            return f'<span class="mention">@{h(label.lstrip("@") or "group")}</span>'
        return h(label or f"<{unslack(body)}>")  # <!date^…|fallback>: the fallback
    url = unslack(target)
    if _LINKABLE.fullmatch(url):
        return f'<a href="{h(url)}" rel="noopener noreferrer">{h(label or url)}</a>'
    return h(f"<{unslack(body)}>")  # nothing Slack would link: shown as written


# --------------------------------------------------------------------------- blocks


def blocks_html(blocks: Sequence[Block], names: Names, images: Images) -> str:
    """Every block of a message or view, in order."""
    return "\n".join(block_html(b, names, images) for b in blocks if isinstance(b, Mapping))


def block_html(block: Block, names: Names, images: Images) -> str:
    """One Block Kit block; an unknown type shows its name, never its content."""
    kind = str(block.get("type", ""))
    if kind == "header":
        return f'<h3 class="bk-header">{plain(_text(block.get("text")))}</h3>'
    if kind == "section":
        return _section(block, names, images)
    if kind == "context":
        parts = [_context_element(e, names, images) for e in _list(block.get("elements"))]
        return f'<div class="bk-context">{"".join(parts)}</div>'
    if kind == "divider":
        return '<hr class="bk-divider">'
    if kind == "actions":
        parts = [element_html(e, names, images) for e in _list(block.get("elements"))]
        return f'<div class="bk-actions">{"".join(parts)}</div>'
    if kind == "image":
        title = block.get("title")
        caption = f"<figcaption>{plain(_text(title))}</figcaption>" if title else ""
        picture = _img(_source(block, images), str(block.get("alt_text", "")), "bk-picture")
        return f'<figure class="bk-image">{caption}{picture}</figure>'
    return f'<div class="bk-unknown">[{h(kind or "untyped")} block]</div>'


def text_html(obj: Any, names: Names) -> str:
    """A text object: mrkdwn rendered, plain_text escaped."""
    if not isinstance(obj, Mapping):
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(_text(obj), names)
    return plain(_text(obj))


def element_html(element: Any, names: Names, images: Images) -> str:
    """An interactive or image element (a section accessory, in actions or context)."""
    if not isinstance(element, Mapping):
        return ""
    kind = element.get("type")
    if kind == "button":
        style = element.get("style")
        classes = "bk-button" + (f" {style}" if style in ("primary", "danger") else "")
        label = plain(_text(element.get("text")))
        url = str(element.get("url") or "")
        if _LINKABLE.fullmatch(url):
            return f'<a class="{classes}" href="{h(url)}" rel="noopener noreferrer">{label}</a>'
        return f'<span class="{classes}">{label}</span>'
    if kind == "image":
        return _img(_source(element, images), str(element.get("alt_text", "")), "bk-thumb")
    shown = element.get("initial_option") or {}
    label = _text(shown.get("text") if isinstance(shown, Mapping) else None) or _text(
        element.get("placeholder")) or str(kind or "element").replace("_", " ")
    return f'<span class="bk-select">{plain(label)} ▾</span>'


def file_html(file_id: str, images: Images) -> str:
    """A file shared in a message (a chart in a digest's thread), with its title."""
    image = images.get(file_id)
    title = f"<figcaption>{plain(image.title)}</figcaption>" if image and image.title else ""
    picture = _img(data_uri(image.data) if image else None, image.alt if image else "",
                   "bk-picture")
    return f'<figure class="bk-file">{title}{picture}</figure>'


def data_uri(data: bytes) -> str | None:
    """``data:image/…;base64,…`` for PNG, JPEG, GIF or WebP bytes; None for anything else."""
    mime = next((m for magic, m in _IMAGE_TYPES if data.startswith(magic)), None)
    if mime is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        mime = "image/webp"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}" if mime else None


def _section(block: Block, names: Names, images: Images) -> str:
    body = ""
    if isinstance(block.get("text"), Mapping):
        body += f'<div class="bk-text">{text_html(block["text"], names)}</div>'
    fields = [f'<div class="bk-field">{text_html(f, names)}</div>'
              for f in _list(block.get("fields"))]
    if fields:
        body += f'<div class="bk-fields">{"".join(fields)}</div>'
    accessory = element_html(block.get("accessory"), names, images)
    side = f'<div class="bk-accessory">{accessory}</div>' if accessory else ""
    return f'<div class="bk-section"><div class="bk-body">{body}</div>{side}</div>'


def _context_element(element: Any, names: Names, images: Images) -> str:
    if isinstance(element, Mapping) and element.get("type") in ("mrkdwn", "plain_text"):
        return f"<span>{text_html(element, names)}</span>"
    return element_html(element, names, images)


def _source(obj: Block, images: Images) -> str | None:
    """An image's ``data:`` URI: an uploaded file by id, or an inline data URL; never a URL
    to fetch (the page is one self-contained file)."""
    slack_file = obj.get("slack_file")
    if isinstance(slack_file, Mapping) and str(slack_file.get("id", "")) in images:
        return data_uri(images[str(slack_file["id"])].data)
    url = str(obj.get("image_url") or "")
    return url if _DATA_URI.fullmatch(url) else None


def _img(src: str | None, alt: str, cls: str) -> str:
    if src is None:
        return f'<span class="bk-missing">[image: {plain(alt or "not embedded")}]</span>'
    return f'<img class="{cls}" src="{h(src)}" alt="{plain(alt)}">'


def _text(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, Mapping) else ""


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []
