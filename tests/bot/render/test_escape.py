"""The one escape helper and the safe link/mention builders."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.escape import code, esc, link, mention, safe_url


def test_esc_replaces_ampersand_first() -> None:
    assert esc("a & <b> &lt;") == "a &amp; &lt;b&gt; &amp;lt;"


def test_esc_defuses_broadcasts_mentions_and_links() -> None:
    out = esc("<!channel> <!here> <@U123> <#C1> <https://evil.example|click>")
    assert "<" not in out and ">" not in out


def test_link_escapes_the_label() -> None:
    assert link("https://jira.example/browse/PAY-1", "<!here> & co") == (
        "<https://jira.example/browse/PAY-1|&lt;!here&gt; &amp; co>"
    )


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://x.example/a", "slack://open", "//no-scheme", "", "https://"],
)
def test_link_refuses_non_http_urls_and_keeps_only_the_label(url: str) -> None:
    assert link(url, "PAY-1 <b>") == "PAY-1 &lt;b&gt;"


def test_link_encodes_characters_that_would_break_the_token() -> None:
    out = link("https://x.example/a b|<!channel>?q=1&r=2", "label")
    assert out == "<https://x.example/a%20b%7C%3C!channel%3E?q=1&amp;r=2|label>"


def test_mention_accepts_only_user_ids() -> None:
    assert mention("U012ABCDEF") == "<@U012ABCDEF>"
    for bad in ("!channel", "U1>", "here", "u123", "U12|x"):
        with pytest.raises(ValueError):
            mention(bad)


def test_code_quotes_short_escaped_text_without_backticks() -> None:
    assert code("<!channel>`x`\x00") == "`&lt;!channel&gt;'x' `"
    assert len(code("x" * 500, limit=20)) < 40


def _unescaped_angle_from_text(rendered: str) -> bool:
    # Our own tokens are exactly "<url|label>" built by link(); strip them before looking.
    stripped = re.sub(r"<https?://(?:(?![<>|])[!-~])+(\|[^<>]*)?>", "", rendered)
    return "<" in stripped or ">" in stripped


@given(st.text(), st.text())
def test_rendered_outside_text_never_mentions_links_or_leaks_angles(text: str, url: str) -> None:
    ok_url = "https://ok.example/" + url
    for rendered in (esc(text), link(url, text), link(ok_url, text), code(text)):
        assert "<!" not in rendered
        assert "<@" not in rendered
        assert "<#" not in rendered
        assert not _unescaped_angle_from_text(rendered)
    safe = safe_url(url)
    assert safe is None or re.fullmatch(r"(?i)https?://[!-~]+", safe)
    assert safe is None or not set(safe) & set(" |<>")


def test_esc_drops_bidirectional_controls_and_keeps_the_rest() -> None:
    assert esc("PAY-1\u202e3-YAP\u202c & <x>") == "PAY-13-YAP &amp; &lt;x&gt;"
    assert esc("\u2066\u2067\u2068\u2069\u200e\u200f\u061c") == ""
    assert esc("naïve — “quoted” 日本") == "naïve — “quoted” 日本"
