"""Block Kit and mrkdwn in HTML, as Slack shows them; no text ever becomes markup."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.escape import esc
from bot.render.html import (
    Image,
    Names,
    block_html,
    blocks_html,
    data_uri,
    element_html,
    file_html,
    mrkdwn,
    plain,
)
from tests.support.html_dom import parse

NAMES = Names({"U0ALICE001": "Alice Adams", "U0BOB00001": "Bob <b>Brown</b>"},
              {"C0PAY0000": "payments"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR fake chart"
PNG_URI = "data:image/png;base64," + base64.b64encode(PNG).decode()
IMAGES = {"F0000000001": Image(PNG, "payments · last 12 weeks", "12 weeks of time to delivery")}

# Every element and attribute the renderer itself writes; anything else came from the input.
OUR_TAGS = {"h3", "div", "span", "b", "i", "s", "code", "pre", "blockquote", "ul", "li", "br",
            "a", "hr", "figure", "figcaption", "img"}
OUR_ATTRIBUTES = {"class", "href", "rel", "src", "alt"}
HOSTILE = [
    "<script>alert(1)</script>",
    "<!channel> & <@U999> <https://evil.example|click>",
    '"><img src=x onerror=alert(1)>',
    "<javascript:alert(1)|click> ' onmouseover='alert(1)",
]


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": "a",
            "value": "v", **extra}


# ---------------------------------------------------------------- blocks


def test_header_is_a_heading_of_its_plain_text() -> None:
    block = {"type": "header", "text": {"type": "plain_text", "text": "Digest · payments"}}
    assert block_html(block, NAMES, {}) == '<h3 class="bk-header">Digest · payments</h3>'


def test_section_shows_its_text_fields_and_a_button_accessory() -> None:
    block = section("*Items delivered:* 2", fields=[
        {"type": "mrkdwn", "text": "*Releases*\n3"}, {"type": "plain_text", "text": "p85 <5 h"}],
        accessory=button("Open", style="primary"))
    assert block_html(block, NAMES, {}) == (
        '<div class="bk-section"><div class="bk-body">'
        '<div class="bk-text"><b>Items delivered:</b> 2</div>'
        '<div class="bk-fields"><div class="bk-field"><b>Releases</b><br>3</div>'
        '<div class="bk-field">p85 &lt;5 h</div></div></div>'
        '<div class="bk-accessory"><span class="bk-button primary">Open</span></div></div>'
    )


def test_section_accessory_image_is_embedded_only_from_an_uploaded_file() -> None:
    uploaded = section("chart", accessory={"type": "image", "slack_file": {"id": "F0000000001"},
                                           "alt_text": "chart"})
    assert f'<img class="bk-thumb" src="{PNG_URI}" alt="chart">' in block_html(
        uploaded, NAMES, IMAGES)
    remote = section("x", accessory={"type": "image", "image_url": "https://cdn.example/a.png",
                                     "alt_text": "logo"})
    out = block_html(remote, NAMES, IMAGES)
    assert "cdn.example" not in out  # the page loads nothing from anywhere
    assert '<span class="bk-missing">[image: logo]</span>' in out


def test_context_shows_texts_and_small_images() -> None:
    block = {"type": "context", "elements": [
        {"type": "mrkdwn", "text": "Team-level numbers only · `crosswalk report`"},
        {"type": "plain_text", "text": "a & b"},
        {"type": "image", "image_url": PNG_URI, "alt_text": "icon"},
    ]}
    assert block_html(block, NAMES, {}) == (
        '<div class="bk-context"><span>Team-level numbers only · '
        '<code>crosswalk report</code></span><span>a &amp; b</span>'
        f'<img class="bk-thumb" src="{PNG_URI}" alt="icon"></div>'
    )


def test_divider_is_a_rule() -> None:
    assert block_html({"type": "divider"}, NAMES, {}) == '<hr class="bk-divider">'


def test_actions_show_buttons_in_their_styles() -> None:
    block = {"type": "actions", "elements": [
        button("Snooze 1 day"), button("Acknowledge", style="primary"),
        button("Delete", style="danger"), button("Odd", style="fancy\" onclick=\"x"),
        button("Docs", url="https://docs.example/metrics"),
        {"type": "static_select", "placeholder": {"type": "plain_text", "text": "Team"}},
    ]}
    assert block_html(block, NAMES, {}) == (
        '<div class="bk-actions"><span class="bk-button">Snooze 1 day</span>'
        '<span class="bk-button primary">Acknowledge</span>'
        '<span class="bk-button danger">Delete</span><span class="bk-button">Odd</span>'
        '<a class="bk-button" href="https://docs.example/metrics" rel="noopener noreferrer">'
        'Docs</a><span class="bk-select">Team ▾</span></div>'
    )


def test_image_block_embeds_the_uploaded_chart_as_a_data_uri() -> None:
    block = {"type": "image", "slack_file": {"id": "F0000000001"}, "alt_text": "12 weeks",
             "title": {"type": "plain_text", "text": "Last 12 weeks"}}
    assert block_html(block, NAMES, IMAGES) == (
        '<figure class="bk-image"><figcaption>Last 12 weeks</figcaption>'
        f'<img class="bk-picture" src="{PNG_URI}" alt="12 weeks"></figure>'
    )


def test_image_of_an_unknown_file_says_so_instead_of_loading_anything() -> None:
    block = {"type": "image", "slack_file": {"id": "F404"}, "alt_text": "chart"}
    assert block_html(block, NAMES, IMAGES) == (
        '<figure class="bk-image"><span class="bk-missing">[image: chart]</span></figure>')


def test_only_image_bytes_become_data_uris() -> None:
    assert data_uri(PNG) == PNG_URI
    assert (data_uri(b"\xff\xd8\xff\xe0jpeg") or "").startswith("data:image/jpeg;base64,")
    assert data_uri(b"GIF89a...") == "data:image/gif;base64,R0lGODlhLi4u"
    assert (data_uri(b"RIFF\x00\x00\x00\x00WEBPVP8 ") or "").startswith("data:image/webp;")
    assert data_uri(b'<svg onload="alert(1)"/>') is None
    assert data_uri(b"") is None


def test_shared_file_is_shown_with_its_title() -> None:
    assert file_html("F0000000001", IMAGES) == (
        '<figure class="bk-file"><figcaption>payments · last 12 weeks</figcaption>'
        f'<img class="bk-picture" src="{PNG_URI}" alt="12 weeks of time to delivery"></figure>'
    )


def test_unknown_block_shows_its_type_and_never_its_content() -> None:
    block = {"type": "rich_text", "elements": [{"text": "<b>x</b>"}]}
    assert block_html(block, NAMES, {}) == '<div class="bk-unknown">[rich_text block]</div>'
    mixed: list[Any] = [block, "not a block", {"type": "divider"}]
    assert blocks_html(mixed, NAMES, {}) == (
        '<div class="bk-unknown">[rich_text block]</div>\n<hr class="bk-divider">')


# ---------------------------------------------------------------- mrkdwn


@pytest.mark.parametrize(("text", "html"), [
    ("*bold* _italic_ ~struck~", "<b>bold</b> <i>italic</i> <s>struck</s>"),
    ("*_both_*", "<b><i>both</i></b>"),
    ("snake_case_name and 2*3*4", "snake_case_name and 2*3*4"),  # markers need word edges
    ("* not bold *", "* not bold *"),
    ("run `crosswalk report --week 2026-W48`", "run <code>crosswalk report --week 2026-W48</code>"),
    ("`*not bold*`", "<code>*not bold*</code>"),
    ("```line 1\n  *line* 2\n```", "<pre>line 1\n  *line* 2</pre>"),
    ("&gt; quoted *text*\n&gt; second\nafter", "<blockquote>quoted <b>text</b><br>second"
                                               "</blockquote>after"),
    ("_Oldest:_\n• one\n• two\n    ◦ deeper", "<i>Oldest:</i><ul><li>one</li><li>two</li>"
                                             '<li class="nested">deeper</li></ul>'),
    ("line 1\nline 2", "line 1<br>line 2"),
    (":hourglass: waited :eyes: at 11:00:00 :unknown_emoji:", "⌛ waited 👀 at 11:00:00 "
                                                              ":unknown_emoji:"),
])
def test_mrkdwn_formatting(text: str, html: str) -> None:
    assert mrkdwn(text, NAMES) == html


@pytest.mark.parametrize(("text", "html"), [
    ("<https://jira.example/browse/PAY-1|PAY-1>",
     '<a href="https://jira.example/browse/PAY-1" rel="noopener noreferrer">PAY-1</a>'),
    ("<https://x.example/?a=1&amp;b=2>",
     '<a href="https://x.example/?a=1&amp;b=2" rel="noopener noreferrer">'
     "https://x.example/?a=1&amp;b=2</a>"),
    ("*<https://x.example|bold link>*",
     '<b><a href="https://x.example" rel="noopener noreferrer">bold link</a></b>'),
    ("<mailto:team@acme.example|mail us>",
     '<a href="mailto:team@acme.example" rel="noopener noreferrer">mail us</a>'),
    ("<@U0ALICE001>, <@U0BOB00001>", '<span class="mention">@Alice Adams</span>, '
                                     '<span class="mention">@Bob &lt;b&gt;Brown&lt;/b&gt;</span>'),
    ("<@U0NOBODY1|dan> <@U0NOBODY2>", '<span class="mention">@dan</span> '
                                      '<span class="mention">@U0NOBODY2</span>'),
    ("<#C0PAY0000> <#C0OTHER01|general>", '<span class="mention">#payments</span> '
                                          '<span class="mention">#general</span>'),
    ("<!here> <!channel> <!everyone>", '<span class="mention broadcast">@here</span> '
                                       '<span class="mention broadcast">@channel</span> '
                                       '<span class="mention broadcast">@everyone</span>'),
    ("<!subteam^S0123|@payments-eng>", '<span class="mention">@payments-eng</span>'),
    ("<!date^1796209200^{date_short}|Dec 2>", "Dec 2"),
])
def test_mrkdwn_links_and_mentions(text: str, html: str) -> None:
    assert mrkdwn(text, NAMES) == html


def test_slack_escapes_are_decoded_once_then_escaped_for_html() -> None:
    # Slack's "&amp;lt;" is the text "&lt;"; HTML needs it as "&amp;lt;" to show that.
    assert mrkdwn("a &amp; b &lt;tag&gt; &amp;lt;", NAMES) == "a &amp; b &lt;tag&gt; &amp;lt;"
    assert plain("R&amp;D &lt;3 \"quoted\" 'single'") == (
        "R&amp;D &lt;3 &quot;quoted&quot; &#x27;single&#x27;")


def test_bidi_controls_and_placeholder_characters_are_dropped() -> None:
    assert mrkdwn("PAY-1\u202e2-YAP \ue0000\ue001", NAMES) == "PAY-12-YAP 0"


# ---------------------------------------------------------------- hostile text


def _only_our_markup(html: str) -> None:
    dom = parse(html)
    assert dom.names() <= OUR_TAGS, dom.names() - OUR_TAGS
    assert dom.attributes() <= OUR_ATTRIBUTES, dom.attributes() - OUR_ATTRIBUTES
    assert all(src.startswith("data:image/") for src in dom.values("src"))
    assert all(href.lower().startswith(("https://", "http://", "mailto:"))
               for href in dom.values("href"))


def _every_placement(text: str) -> list[dict[str, Any]]:
    plain_text = {"type": "plain_text", "text": text}
    return [
        {"type": "header", "text": plain_text},
        {"type": "section", "text": plain_text, "fields": [plain_text],
         "accessory": {"type": "button", "text": plain_text, "value": text}},
        section(esc(text)),  # outside text in mrkdwn always goes through esc()
        {"type": "context", "elements": [{"type": "mrkdwn", "text": esc(text)}, plain_text]},
        {"type": "actions", "elements": [{"type": "button", "text": plain_text,
                                          "style": text, "url": text}]},
        {"type": "image", "slack_file": {"id": "F0000000001"}, "alt_text": text,
         "title": plain_text},
        {"type": "image", "image_url": text, "alt_text": text},
        {"type": text},
    ]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_outside_text_is_shown_as_written_and_never_becomes_markup(text: str) -> None:
    for block in _every_placement(text):
        html = block_html(block, NAMES, IMAGES)
        _only_our_markup(html)
        dom = parse(html)
        assert dom.values("href") == []  # not even the "link" in the second string
        assert "mention" not in " ".join(dom.values("class"))  # nor its @channel
        if block["type"] in ("header", "section", "context"):
            assert text in dom.text, (block, dom.text)


def test_hostile_plain_text_reads_back_exactly() -> None:
    for text in HOSTILE:
        block = {"type": "header", "text": {"type": "plain_text", "text": text}}
        assert parse(block_html(block, NAMES, {})).text == text
    assert plain('"><img src=x onerror=alert(1)>') == (
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")


@pytest.mark.parametrize("text", HOSTILE)
def test_raw_mrkdwn_gets_slack_meaning_but_no_html(text: str) -> None:
    # Written by the bot itself (not outside text), <…> tokens mean what they mean in Slack:
    # a broadcast, a mention, a link to an http(s) URL. Nothing else becomes markup.
    html = mrkdwn(text, NAMES)
    _only_our_markup(html)
    dom = parse(html)
    assert {tag for tag, _ in dom.tags} <= {"span", "a"}
    assert "script" not in dom.names() and "img" not in dom.names()
    assert all(href == "https://evil.example" for href in dom.values("href"))


def test_raw_mrkdwn_tokens_render_as_slack_would() -> None:
    assert mrkdwn("<!channel> & <@U999> <https://evil.example|click>", NAMES) == (
        '<span class="mention broadcast">@channel</span> &amp; '
        '<span class="mention">@U999</span> '
        '<a href="https://evil.example" rel="noopener noreferrer">click</a>')
    assert mrkdwn("<script>alert(1)</script>", NAMES) == (
        "&lt;script&gt;alert(1)&lt;/script&gt;")
    assert mrkdwn('"><img src=x onerror=alert(1)>', NAMES) == (
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")
    assert mrkdwn("<javascript:alert(1)|click>", NAMES) == "&lt;javascript:alert(1)|click&gt;"
    assert mrkdwn('<https://x.example/" onclick="alert(1)|x>', NAMES) == (
        "&lt;https://x.example/&quot; onclick=&quot;alert(1)|x&gt;")


def test_button_url_that_is_not_http_is_not_a_link() -> None:
    assert element_html(button("Go", url="javascript:alert(1)"), NAMES, {}) == (
        '<span class="bk-button">Go</span>')


@given(st.text())
def test_any_text_anywhere_yields_only_our_markup(text: str) -> None:
    for block in [*_every_placement(text), section(text)]:
        _only_our_markup(block_html(block, NAMES, IMAGES))


OUTSIDE_TEXT = st.text(alphabet=st.characters(
    blacklist_characters=":\r",  # ":name:" is an emoji shortcode; HTML reads "\r" as "\n"
    blacklist_categories=("Cs", "Co", "Cf"),  # surrogates, private use, bidi controls
))


@given(OUTSIDE_TEXT)
def test_any_escaped_outside_text_reads_back_unchanged_as_plain_text(text: str) -> None:
    # What esc() made of outside text, Slack shows as the text itself: so does the page.
    header = {"type": "header", "text": {"type": "plain_text", "text": esc(text)}}
    assert parse(block_html(header, NAMES, {})).text == text


@given(OUTSIDE_TEXT.filter(lambda t: t and "`" not in t and "\n" not in t))
def test_any_escaped_outside_text_reads_back_unchanged_in_code(text: str) -> None:
    assert parse(mrkdwn(f"`{esc(text)}`", NAMES)).text == text
