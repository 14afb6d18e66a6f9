"""One self-contained HTML page of conversations, laid out the way Slack shows them.

Pure: the conversations (channels, DMs, App Home views), a name lookup and the uploaded
images in, a complete document out. The style sheet is inline and uses only the system's
fonts; images are ``data:`` URIs (see :mod:`bot.render.html`), so the file opens anywhere,
offline, on a laptop or a phone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.render.html import Block, Images, Names, blocks_html, file_html, h, mrkdwn

Kind = Literal["channel", "dm", "home", "replies"]


@dataclass(frozen=True, slots=True)
class Post:
    """One message, reply, ephemeral or response_url reply, or a Home view, as posted."""

    anchor: str
    author: str  # empty for a Home view, which has no sender
    when: str = ""
    text: str = ""  # the notification fallback; shown as the message when there are no blocks
    blocks: Sequence[Block] = ()
    files: Sequence[str] = ()  # Slack file ids shared with the message
    edited: bool = False
    only_you: str = ""  # the person an ephemeral reply was shown to
    intro: str = ""  # what prompted it, e.g. "Alice Adams used /crosswalk summary"
    replies: Sequence[Post] = ()


@dataclass(frozen=True, slots=True)
class Conversation:
    """A channel, a DM, a person's App Home, or replies whose channel is unknown."""

    anchor: str
    title: str
    kind: Kind
    posts: Sequence[Post]


_KIND_LABELS = {"channel": "channel", "dm": "direct message", "home": "App Home",
                "replies": "slash-command replies"}


def render_page(
    conversations: Sequence[Conversation], names: Names, images: Images, *,
    title: str, subtitle: str = "",
) -> str:
    """The whole document: a heading, a table of contents, then each conversation."""
    toc = "\n".join(
        f'<li><a href="#{h(c.anchor)}">{h(c.title)}</a> <span class="muted">'
        f"{_KIND_LABELS[c.kind]} · {_count(c)}</span></li>"
        for c in conversations
    )
    body = "\n".join(conversation_html(c, names, images) for c in conversations)
    lead = f'<p class="muted">{h(subtitle)}</p>' if subtitle else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{h(title)}</title><style>{STYLE}</style></head>\n<body><main>\n"
        f'<header class="page"><h1>{h(title)}</h1>\n{lead}\n'
        f'<nav><ul class="toc">\n{toc}\n</ul></nav></header>\n{body}\n</main></body></html>\n'
    )


def conversation_html(conversation: Conversation, names: Names, images: Images) -> str:
    """A conversation's heading and its posts, thread replies indented under each."""
    posts = "\n".join(post_html(p, names, images) for p in conversation.posts)
    label = _KIND_LABELS[conversation.kind]
    return (
        f'<section class="conversation {conversation.kind}" id="{h(conversation.anchor)}">'
        f'<h2>{h(conversation.title)} <span class="kind">{label}</span></h2>\n{posts}\n'
        "</section>"
    )


def post_html(post: Post, names: Names, images: Images) -> str:
    """One post as Slack lays it out: avatar, name, APP badge, time, then the content."""
    content = blocks_html(post.blocks, names, images) if post.blocks else (
        f'<div class="bk-text">{mrkdwn(post.text, names)}</div>' if post.text else "")
    content += "".join("\n" + file_html(f, images) for f in post.files)
    edited = ' <span class="muted">(edited)</span>' if post.edited else ""
    when = f'<time>{h(post.when)}</time>' if post.when else ""
    intro = f'\n<div class="intro">{h(post.intro)}</div>' if post.intro else ""
    only = (f'\n<div class="only-you">👁 Only visible to you <span class="muted">(shown to '
            f"{h(post.only_you)})</span></div>" if post.only_you else "")
    fallback = (f'\n<details class="fallback"><summary>Notification text</summary>\n'
                f"{mrkdwn(post.text, names)}</details>" if post.text and post.blocks else "")
    replies = "".join("\n" + post_html(r, names, images) for r in post.replies)
    thread = (f'\n<div class="thread"><div class="muted">{_replies(len(post.replies))}</div>'
              f"{replies}\n</div>" if post.replies else "")
    if not post.author:  # a Home view: the tab itself, no sender
        return f'<article class="post view" id="{h(post.anchor)}">\n{content}\n</article>'
    initial = h(post.author[:1].upper())
    return (
        f'<article class="post{" ephemeral" if post.only_you else ""}" id="{h(post.anchor)}">'
        f"{intro}{only}\n"
        f'<div class="avatar" aria-hidden="true">{initial}</div>\n<div class="message">'
        f'<div class="meta"><b>{h(post.author)}</b> <span class="app">APP</span> {when}'
        f"{edited}</div>\n{content}{fallback}</div>{thread}</article>"
    )


def _count(conversation: Conversation) -> str:
    if conversation.kind == "home":
        return "1 view"
    n = sum(1 + len(p.replies) for p in conversation.posts)
    return f"{n} message{'' if n == 1 else 's'}"


def _replies(n: int) -> str:
    return f"{n} repl{'y' if n == 1 else 'ies'}"


STYLE = """
:root{--ink:#1d1c1d;--muted:#616061;--line:#e2e2e2;--link:#1264a3;--bg:#fff;--soft:#f8f8f8}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--soft);color:var(--ink);font:15px/1.46 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif;
overflow-wrap:anywhere}
main{max-width:860px;margin:0 auto;padding:24px 20px 64px}
h1{font-size:26px;line-height:1.2;margin:0 0 6px}
h2{font-size:19px;margin:0;padding:14px 16px;border-bottom:1px solid var(--line)}
h2 .kind{font-size:13px;font-weight:400;color:var(--muted);margin-left:6px}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
.muted{color:var(--muted);font-size:13px}
header.page{margin-bottom:20px}
.toc{list-style:none;padding:0;margin:12px 0 0;columns:2;column-gap:24px}
.toc li{break-inside:avoid;margin:2px 0}
.conversation{background:var(--bg);border:1px solid var(--line);border-radius:8px;
margin:0 0 24px;overflow:hidden}
.post{display:grid;grid-template-columns:40px minmax(0,1fr);column-gap:10px;
padding:12px 16px;border-top:1px solid #f2f2f2}
.post:first-of-type{border-top:0}.post.view{display:block;padding:12px 20px}
.intro,.only-you,.thread{grid-column:1/-1}
.intro{color:var(--muted);font-size:13px;margin-bottom:6px}
.only-you{font-size:13px;color:var(--muted);margin-bottom:6px}
.ephemeral{background:#f4f8fb}
.avatar{width:36px;height:36px;border-radius:6px;background:#4a154b;color:#fff;
font-weight:700;display:flex;align-items:center;justify-content:center;font-size:17px}
.meta{margin-bottom:2px}.meta time{color:var(--muted);font-size:12px}
.app{background:#e8e8e8;color:var(--muted);font-size:10px;font-weight:700;padding:1px 4px;
border-radius:3px;vertical-align:1px}
.thread{margin:10px 0 0 50px;padding-left:12px;border-left:3px solid var(--line)}
.thread .post{padding:8px 0 8px 4px}
.bk-header{font-size:18px;line-height:1.3;margin:8px 0 6px}
.bk-section{display:flex;gap:12px;align-items:flex-start;margin:6px 0}
.bk-body{flex:1;min-width:0}.bk-accessory{flex:none}
.bk-fields{display:grid;grid-template-columns:1fr 1fr;gap:6px 16px;margin-top:4px}
.bk-context{display:flex;flex-wrap:wrap;align-items:center;gap:4px 10px;color:var(--muted);
font-size:13px;margin:6px 0}
.bk-context .bk-thumb{width:20px;height:20px;border-radius:3px}
.bk-divider{border:0;border-top:1px solid var(--line);margin:12px 0}
.bk-actions{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.bk-button,.bk-select{display:inline-block;border:1px solid #bbbabb;border-radius:4px;
padding:5px 12px;font-size:14px;font-weight:700;color:var(--ink);background:#fff}
.bk-button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
.bk-button.danger{background:#fff;border-color:#e01e5a;color:#e01e5a}
.bk-select{font-weight:400}
.bk-image,.bk-file{margin:8px 0}
.bk-image figcaption,.bk-file figcaption{font-size:13px;color:var(--muted);margin-bottom:4px}
.bk-picture{display:block;max-width:100%;height:auto;border:1px solid var(--line);
border-radius:6px}
.bk-file .bk-picture{max-width:min(100%,420px)}
.bk-thumb{width:72px;height:72px;object-fit:cover;border-radius:6px}
.bk-missing,.bk-unknown{color:var(--muted);font-style:italic}
ul{margin:2px 0;padding-left:22px}li.nested{margin-left:20px;list-style:circle}
blockquote{margin:4px 0;padding-left:10px;border-left:4px solid #ddd}
code{font:12px/1.4 Menlo,Consolas,"Liberation Mono",monospace;color:#c01343;
background:#f6f6f6;border:1px solid #e8e8e8;border-radius:3px;padding:1px 3px}
pre{font:12px/1.5 Menlo,Consolas,"Liberation Mono",monospace;background:#f8f8f8;
border:1px solid #e2e2e2;border-radius:4px;padding:8px;white-space:pre-wrap;margin:4px 0}
.mention{color:var(--link);background:#e8f5fa;border-radius:3px;padding:0 2px}
.mention.broadcast{color:#8a5a00;background:#fdf0cc}
.fallback{margin-top:6px;font-size:13px;color:var(--muted)}
.fallback summary{cursor:pointer}
@media (max-width:600px){
main{padding:14px 10px 40px}h1{font-size:22px}h2{padding:12px}
.toc{columns:1}.post{display:block;padding:10px 12px}
.avatar{float:left;width:22px;height:22px;font-size:13px;margin:0 8px 0 0;border-radius:4px}
.meta::after{content:"";display:block;clear:both}.thread{margin-left:4px}.bk-fields{grid-template-columns:1fr}
.bk-section{flex-wrap:wrap}body{font-size:16px}}
"""
