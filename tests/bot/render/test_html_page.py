"""The demo's page: conversations laid out as Slack shows them, in one self-contained file."""

from __future__ import annotations

import re

from bot.render.html import Image, Names
from bot.render.html_page import Conversation, Post, conversation_html, post_html, render_page
from tests.support.html_dom import parse

NAMES = Names({"U0ALICE001": "Alice Adams"}, {"C0PAY0000": "payments"})
PNG = b"\x89PNG\r\n\x1a\n" + b"chart bytes"
IMAGES = {"F1": Image(PNG, "payments · last 12 weeks", "chart")}
DIGEST = Post(
    "m-C0PAY0000-1", "Crosswalk", when="Wed 02 Dec 11:00", text="Digest for payments",
    blocks=({"type": "header", "text": {"type": "plain_text", "text": "Weekly digest"}},),
    edited=True,
    replies=(Post("m-C0PAY0000-2", "Crosswalk", when="Wed 02 Dec 11:00", files=("F1",)),),
)
CHANNEL = Conversation("c-payments", "#payments", "channel", [
    DIGEST, Post("m-C0PAY0000-3", "Crosswalk", text="*PAY-41* waited for <@U0ALICE001>")])
DM = Conversation("dm-U0ALICE001", "Alice Adams", "dm", [Post("m-D1-1", "Crosswalk", text="hi")])
HOME = Conversation("home-U0ALICE001", "App Home · Alice Adams", "home", [Post(
    "view-U0ALICE001", "", blocks=({"type": "section",
                                   "text": {"type": "mrkdwn", "text": "*Waiting on you*"}},))])


def _classes(html: str) -> list[str]:
    return parse(html).values("class")


def test_a_message_shows_its_sender_time_blocks_and_notification_text() -> None:
    html = post_html(DIGEST, NAMES, IMAGES)
    dom = parse(html)
    assert dom.tags[0] == ("article", {"class": "post", "id": "m-C0PAY0000-1"})
    assert dom.flat_text().startswith(
        "C Crosswalk APP Wed 02 Dec 11:00 (edited) Weekly digest "
        "Notification text Digest for payments 1 reply")
    assert '<h3 class="bk-header">Weekly digest</h3>' in html
    assert '<details class="fallback"><summary>Notification text</summary>\n' in html


def test_thread_replies_sit_indented_inside_their_parent() -> None:
    html = post_html(DIGEST, NAMES, IMAGES)
    thread = html[html.index('<div class="thread">'):]
    assert '<article class="post" id="m-C0PAY0000-2">' in thread
    assert "payments · last 12 weeks" in thread and "data:image/png;base64," in thread
    assert '<div class="muted">1 reply</div>' in thread


def test_a_message_without_blocks_shows_its_text_as_mrkdwn() -> None:
    html = post_html(CHANNEL.posts[1], NAMES, {})
    assert ('<div class="bk-text"><b>PAY-41</b> waited for '
            '<span class="mention">@Alice Adams</span></div>') in html
    assert "fallback" not in html  # the text is the message: no second copy


def test_ephemeral_reply_is_marked_only_visible_to_you() -> None:
    post = Post("r-R1", "Crosswalk", text="summary", only_you="Alice Adams",
                intro="Alice Adams used /crosswalk summary")
    html = post_html(post, NAMES, {})
    assert '<article class="post ephemeral" id="r-R1">' in html
    assert parse(html).flat_text().startswith(
        "Alice Adams used /crosswalk summary 👁 Only visible to you (shown to Alice Adams)")


def test_home_view_has_no_sender() -> None:
    html = post_html(HOME.posts[0], NAMES, {})
    assert html == ('<article class="post view" id="view-U0ALICE001">\n'
                    '<div class="bk-section"><div class="bk-body"><div class="bk-text">'
                    "<b>Waiting on you</b></div></div></div>\n</article>")


def test_conversation_has_its_name_as_heading() -> None:
    html = conversation_html(DM, NAMES, {})
    assert html.startswith('<section class="conversation dm" id="dm-U0ALICE001">'
                           '<h2>Alice Adams <span class="kind">direct message</span></h2>')


def test_page_lists_every_conversation_and_loads_nothing_from_outside() -> None:
    html = render_page([CHANNEL, DM, HOME], NAMES, IMAGES, title="Demo <all>",
                       subtitle="Acme & co")
    dom = parse(html)
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    assert "<title>Demo &lt;all&gt;</title>" in html and "<h1>Demo &lt;all&gt;</h1>" in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert [h for h in dom.values("href")] == ["#c-payments", "#dm-U0ALICE001",
                                               "#home-U0ALICE001"]
    assert dom.values("id")[:3] == ["c-payments", "m-C0PAY0000-1", "m-C0PAY0000-2"]
    toc = dom.flat_text().split("Acme & co ")[1]
    assert toc.startswith("#payments channel · 3 messages Alice Adams direct message · "
                          "1 message App Home · Alice Adams App Home · 1 view")
    # one file: no stylesheet, script, font or image from anywhere else
    assert dom.names().isdisjoint({"link", "script", "iframe", "object", "embed"})
    assert all(src.startswith("data:image/png;base64,") for src in dom.values("src"))
    style = html[html.index("<style>"):html.index("</style>")]
    assert not re.search(r"url\(|@import|@font-face|https?:", style)
    assert "@media (max-width:600px)" in style and "max-width:860px" in style
