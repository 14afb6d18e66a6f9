"""Property: no outside text, whatever it holds, can mention, broadcast or forge a link."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flow.alerts import (
    Alert,
    AlertKind,
    OpenHandoff,
    PendingReview,
    UnreleasedPr,
    UnreleasedWork,
)
from bot.flow.facts import HandoffFact
from bot.flow.sections import Report
from bot.render.alerts import (
    handoff_channel_message,
    handoff_dm,
    review_dm,
    unreleased_channel_message,
)
from bot.render.commands import (
    HandoffRow,
    ItemJourney,
    JourneyHandoff,
    JourneyPr,
    JourneyRelease,
    PrRow,
    ReleaseRow,
    TeamRow,
    render_handoffs,
    render_item,
    render_prs,
    render_releases,
    render_summary,
    render_teams,
)
from bot.render.digest import Acknowledgement, Trend, WaitingItem, render_digest
from bot.render.home import TeamOutcomes, WaitingHandoff, WaitingReview, render_home
from tests.support.reports import report_of

T = datetime(2026, 11, 16, 9, tzinfo=UTC)
# Our own tokens: links built by link(), mentions of our resolved ids, configured channels.
# Ours: links, the people we mention, and channel references — a configured channel that
# is an id (C…, G… for a private one, D…) is shown as a channel mention on purpose.
OWN_TOKENS = re.compile(
    r"<https?://(?:(?![<>|])[!-~])+(\|[^<>]*)?>|<@U0(?:ALICE|BOB)>|<#[CGD][A-Z0-9]{2,30}>")
hostile = st.text(max_size=80) | st.sampled_from(
    [
        "<!channel>",
        "<!here|here>",
        "<@U123>",
        "<#C1|x>",
        "<https://evil.example|PAY-1>",
        "&lt;!channel&gt;",
        "a|b>c<d",
        "<<!everyone>>",
        "PAY-1\u202e3-YAP\u202c",  # issue #14: bidi controls spoof what a reader sees
        "\u2066\u2067\u2068\u2069\u200e\u200f\u061c",
    ]
)
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        # Button values are opaque payload returned to us, never shown as text.
        return [s for k, v in node.items() if k != "value" for s in strings(v)]
    if isinstance(node, list | tuple):
        return [s for v in node for s in strings(v)]
    return []


def assert_safe(rendered: Any) -> None:
    for text in strings(rendered):
        stripped = OWN_TOKENS.sub("", text)
        assert "<" not in stripped and ">" not in stripped, json.dumps(text)
        assert not BIDI.search(text), json.dumps(text)


def report(team: str) -> Report:
    return report_of({"team": team, "week": team, "handoffs": {"waiting": 1}, "wip": 0})


@settings(max_examples=60, deadline=None)
@given(text=hostile, url=hostile)
def test_every_surface_escapes_outside_text(text: str, url: str) -> None:
    link_url = "https://j.example/" + url
    fact = HandoffFact("PAY-1", 0, T, None, None)
    handoff = OpenHandoff(fact, text, url)
    review = PendingReview(text, 7, text, link_url, T, ())
    work = UnreleasedWork(text, (UnreleasedPr(3, text, url, T),))

    def alert(about: Any) -> Alert:
        return Alert("k:" + text, text, AlertKind.HANDOFF, 2, 3600.0 * 20, T, True, (), about)

    assert_safe(
        render_digest(
            report(text),
            trend=Trend((report(text),)),
            dora=None,
            waiting_oldest=[WaitingItem(text, text, link_url, 3.0)],
            acknowledgements=[Acknowledgement("snooze", text, "U0BOB", T, T)],
            chart_file_id=None,
            more_url=link_url,
        )
    )
    assert_safe(handoff_channel_message(alert(handoff), handoff, people=["U0ALICE", "U0BOB"]))
    assert_safe(handoff_dm(alert(handoff), handoff))
    assert_safe(review_dm(alert(review), review))
    assert_safe(unreleased_channel_message(alert(work), work))
    assert_safe(render_summary(report(text)))
    assert_safe(render_handoffs(text, [HandoffRow(text, text, url, 1.0)], more_url=url))
    assert_safe(render_prs(text, [PrRow(text, 1, text, link_url, text, 2.0)]))
    assert_safe(render_releases(text, [ReleaseRow(text, text, url, T, True, True, (text,))]))
    assert_safe(
        render_teams([TeamRow(text, text, (text,), (text,)), TeamRow("p", "C0PAY", (), ())])
    )
    assert_safe(
        render_item(
            ItemJourney(
                text,
                text,
                url,
                text,
                (JourneyHandoff(T, T + timedelta(hours=3), text, 3.0),),
                (JourneyPr(text, 2, text, link_url, T, 1.0, T, 2.0),),
                JourneyRelease(text, text, url, T),
                T,
            )
        )
    )
    assert_safe(
        render_home(
            handoffs=[WaitingHandoff(text, text, text, url, 4.0)],
            reviews=[WaitingReview(text, 1, text, link_url, 5.0)],
            teams=[TeamOutcomes(text, report(text), report(text))],
        )
    )
