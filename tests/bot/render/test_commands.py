"""Slash-command replies, one per verb, compared as dicts and text."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

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
    render_help,
    render_item,
    render_prs,
    render_releases,
    render_snoozed,
    render_summary,
    render_teams,
)
from bot.render.commands_parse import USAGE
from bot.render.common import Page
from tests.support.reports import report_of

T = datetime(2026, 11, 16, 9, tzinfo=UTC)
HOSTILE = "<!here> & <https://evil.example|x>"
REPORT: dict[str, Any] = {
    "team": "payments",
    "week": "2026-W46",
    "handoffs": {
        "handed_off": 5,
        "picked_up": 4,
        "returned": 1,
        "withdrawn": 0,
        "waiting": 3,
        "delay_working_hours": {"count": 4, "median": 18.0, "p85": 30.5},
    },
    "delivery": {
        "items_delivered": 6,
        "lead_time_hours": {"count": 6, "median": 200.0, "p85": 410.0},
    },
    "pull_requests": {
        "opened": 9,
        "merged": 8,
        "merged_without_review": 1,
        "cycle_hours": {"count": 8, "median": 20.0, "p85": 50.0},
        "first_review_working_hours": {"count": 7, "median": 3.5, "p85": 9.0},
    },
    "releases": {
        "count": 4,
        "hotfixes": 1,
        "failed": 1,
        "change_failure_rate": 0.25,
        "downtime_hours": {"count": 0, "median": None, "p85": None},
    },
    "wip": 7,
}


def section_text(blocks: list[dict[str, Any]], index: int = 0) -> str:
    text: str = blocks[index]["text"]["text"]
    return text


def assert_no_forgery(reply: tuple[str, list[dict[str, Any]]]) -> None:
    dumped = reply[0] + json.dumps(reply[1], ensure_ascii=False)
    assert "<!here>" not in dumped and "<https://evil.example" not in dumped


def test_help_is_the_usage_text() -> None:
    text, blocks = render_help()
    assert text == USAGE
    assert section_text(blocks) == USAGE


def test_summary_is_the_reports_numbers_compact() -> None:
    text, blocks = render_summary(report_of(REPORT))
    assert blocks[0]["text"]["text"] == "payments · 2026-W46"
    assert section_text(blocks, 1).splitlines() == [
        "*Delivered:* 6 items · time to delivery median 8.3 days · p85 17.1 days (n=6)",
        "*Releases:* 4 · failed 1 (25%)",
        "*Handoffs:* 5 handed off · 4 picked up · 1 returned · 3 waiting · delay median "
        "2.2 working days · p85 3.8 working days (n=4)",
        "*Pull requests:* 8 merged (1 without review) · first review median 3.5 working h · "
        "p85 1.1 working days (n=7)",
        "*Work in progress:* 7",
    ]
    assert text.startswith("payments · 2026-W46\n*Delivered:* 6 items")


def test_handoffs_list_oldest_first_and_escaped() -> None:
    rows = [
        HandoffRow("PAY-2", "Short wait", "https://j/PAY-2", 2.0),
        HandoffRow("PAY-1", HOSTILE, "https://j/PAY-1", 20.0),
    ]
    reply = render_handoffs("payments", rows)
    assert reply[0] == "Handoffs waiting · payments: 2"
    assert section_text(reply[1]).splitlines() == [
        "*Handoffs waiting · payments* (2)",
        "• <https://j/PAY-1|PAY-1> &lt;!here&gt; &amp; &lt;https://evil.example|x&gt; "
        "— 2.5 working days",
        "• <https://j/PAY-2|PAY-2> Short wait — 2 working h",
    ]
    assert_no_forgery(reply)
    assert section_text(render_handoffs("payments", [])[1]).endswith(
        "Nothing is waiting for pickup."
    )


def test_a_long_handoff_list_pages_instead_of_being_cut() -> None:
    rows = [HandoffRow(f"PAY-{i}", "y" * 200, f"https://j/PAY-{i}", float(i)) for i in range(100)]
    command = "/crosswalk handoffs payments"
    _, first = render_handoffs("payments", rows, page=Page(1, command))
    body = section_text(first)
    assert len(body) <= 3000 and body.startswith("*Handoffs waiting · payments* (100)")
    assert body.count("\n• ") == 15 and "PAY-99|" in body and "PAY-84|" not in body
    assert first[-1]["elements"][0]["text"] == (
        "Page 1 of 7 · `/crosswalk handoffs payments page 2` for the next")
    _, last = render_handoffs("payments", rows, page=Page(7, command))
    assert section_text(last).count("\n• ") == 10 and "PAY-0|" in section_text(last)
    assert last[-1]["elements"][0]["text"] == "Page 7 of 7"
    _, beyond = render_handoffs("payments", rows, page=Page(9, command))
    assert beyond[-1]["elements"][0]["text"] == (
        "There are only 7 pages: `/crosswalk handoffs payments page 7` shows the last")
    every = {line.split("|")[0] for n in range(1, 8)
             for line in section_text(render_handoffs("payments", rows, page=Page(n, command))[1])
             .splitlines()[1:]}
    assert len(every) == 100  # every item on exactly one page


def test_prs_list_shows_state_and_wait() -> None:
    rows = [
        PrRow("acme/api", 7, HOSTILE, "https://g/7", "awaiting review", 9.0),
        PrRow("acme/api", 8, "Ship it", "https://g/8", "merged, unreleased"),
    ]
    reply = render_prs("payments", rows)
    assert section_text(reply[1]).splitlines()[1:] == [
        "• <https://g/7|acme/api#7> &lt;!here&gt; &amp; &lt;https://evil.example|x&gt; · "
        "awaiting review — 1.1 working days",
        "• <https://g/8|acme/api#8> Ship it · merged, unreleased",
    ]
    assert_no_forgery(reply)


def test_releases_newest_first_with_failures_explained() -> None:
    rows = [
        ReleaseRow("acme/api", "v1.2.0", "https://g/r/1", T),
        ReleaseRow(
            "acme/api",
            "v1.2.1-hotfix",
            "https://g/r/2",
            T + timedelta(days=1),
            True,
            True,
            ("hotfix v1.2.1-hotfix", "incident INC-3"),
        ),
    ]
    _, blocks = render_releases("payments", rows, tz="Europe/London")
    assert section_text(blocks).splitlines()[1:] == [
        "• <https://g/r/2|acme/api v1.2.1-hotfix> — Tue 17 Nov 09:00 · hotfix · *failed* "
        "(hotfix v1.2.1-hotfix, incident INC-3)",
        "• <https://g/r/1|acme/api v1.2.0> — Mon 16 Nov 09:00",
    ]


def test_a_team_that_deploys_sees_its_deployments_and_their_rollbacks() -> None:
    rows = [ReleaseRow("acme/shop", "main #1000482", "", T, False, True,
                       ("rollback main #1000490",))]
    _, blocks = render_releases("storefront", rows, tz="Europe/London", source="deployments")
    lines = section_text(blocks).splitlines()
    assert lines == ["*Deployments · storefront* (1)",
                     "• acme/shop main #1000482 — Mon 16 Nov 09:00 · *failed* "
                     "(rollback main #1000490)"]
    text, empty = render_releases("storefront", [], source="tags")
    assert text == "Tags · storefront: none."
    assert section_text(empty) == "*Tags · storefront*\nNo tags yet."


def test_item_journey_shows_handoffs_prs_and_release() -> None:
    journey = ItemJourney(
        "PAY-12",
        HOSTILE,
        "https://j/PAY-12",
        "Done",
        (
            JourneyHandoff(T, T + timedelta(days=2), "returned", 16.0),
            JourneyHandoff(T + timedelta(days=3), T + timedelta(days=4), "picked_up", 8.0),
        ),
        (
            JourneyPr(
                "acme/api",
                7,
                "PAY-12 fix",
                "https://g/7",
                T + timedelta(days=4),
                3.0,
                T + timedelta(days=5),
                30.0,
            ),
            JourneyPr(
                "acme/api", 8, "PAY-12 more", "https://g/8", T + timedelta(days=4), None, None, None
            ),
        ),
        JourneyRelease("acme/api", "v1.3.0", "https://g/r/3", T + timedelta(days=6)),
        T + timedelta(days=6),
    )
    reply = render_item(journey, tz="UTC")
    _, blocks = reply
    assert blocks[0]["type"] == "header"
    assert section_text(blocks, 2).splitlines() == [
        "*Handoffs* (2)",
        "• Mon 16 Nov 09:00 → returned to product Wed 18 Nov 09:00 · waited 2 working days",
        "• Thu 19 Nov 09:00 → picked up Fri 20 Nov 09:00 · waited 1 working day",
    ]
    assert section_text(blocks, 3).splitlines() == [
        "*Pull requests* (2)",
        "• <https://g/7|acme/api#7> PAY-12 fix · first review after 3 working h · "
        "merged Sat 21 Nov 09:00 (cycle 30 h)",
        "• <https://g/8|acme/api#8> PAY-12 more · no review yet · open",
    ]
    assert section_text(blocks, 4) == (
        "*Release:* <https://g/r/3|acme/api v1.3.0> Sun 22 Nov 09:00 · delivered Sun 22 Nov 09:00"
    )
    assert_no_forgery(reply)


def test_an_item_with_many_pull_requests_pages_them() -> None:
    prs = tuple(JourneyPr("acme/api", n, f"PAY-12 part {n}", f"https://g/{n}", T, None, None,
                          None) for n in range(1, 41))
    journey = ItemJourney("PAY-12", "Big", "https://j/PAY-12", "In Progress", (), prs)
    _, first = render_item(journey, page=Page(1, "/crosswalk item PAY-12"))
    lines = section_text(first, 3).splitlines()
    assert lines[0] == "*Pull requests* (40)" and len(lines) == 16
    assert lines[1].startswith("• <https://g/1|acme/api#1>")
    assert first[-1]["elements"][0]["text"] == (
        "Page 1 of 3 · `/crosswalk item PAY-12 page 2` for the next")
    _, last = render_item(journey, page=Page(3, "/crosswalk item PAY-12"))
    lines = section_text(last, 3).splitlines()
    assert lines[1].startswith("• <https://g/31|acme/api#31>") and len(lines) == 11
    assert last[-1]["elements"][0]["text"] == "Page 3 of 3"
    for block in first + last:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


def test_item_without_handoffs_prs_or_release() -> None:
    _, blocks = render_item(ItemJourney("PAY-1", "New", "https://j/PAY-1", "To Do"))
    assert [section_text(blocks, i) for i in (2, 3, 4)] == [
        "*Handoffs:* none",
        "*Pull requests:* none linked",
        "*Release:* not released yet",
    ]


def test_teams_list_links_channel_ids() -> None:
    _, blocks = render_teams(
        [
            TeamRow("payments", "C0PAY", ("PAY",), ("acme/api", "acme/web")),
            TeamRow("web", "#web", (), ()),
        ]
    )
    assert section_text(blocks).splitlines() == [
        "*Teams* (2)",
        "• *payments* — <#C0PAY> · Jira PAY · acme/api, acme/web",
        "• *web* — #web · Jira custom JQL · no repos",
    ]


def test_snooze_confirmation_in_the_teams_timezone() -> None:
    text, blocks = render_snoozed(
        "PAY-12", timedelta(hours=4), T + timedelta(hours=4), tz="America/New_York"
    )
    assert text == "Alerts for PAY-12 are snoozed until Mon 16 Nov 08:00."
    assert blocks[1]["elements"][0]["text"] == "Snoozed for 4 h."


def test_teams_list_says_no_jira_for_a_github_only_team() -> None:
    # Regression (review of #6): a GitHub-only team was shown as "Jira custom JQL".
    _, blocks = render_teams([TeamRow("infra", "C0INF", (), ("acme/infra",), has_jira=False)])
    assert section_text(blocks).splitlines()[1] == "• *infra* — <#C0INF> · no Jira · acme/infra"


def test_sixty_teams_of_forty_repositories_stay_readable() -> None:
    rows = [TeamRow(f"team{n:02d}", f"C0T{n:04d}", (f"T{n:02d}",),
                    tuple(f"acme/repo-{n}-{k}" for k in range(40))) for n in range(60)]
    _, blocks = render_teams(rows, page=Page(1, "/crosswalk teams"))
    lines = section_text(blocks).splitlines()
    assert lines[0] == "*Teams* (60)" and len(lines) == 16
    assert lines[1] == ("• *team00* — <#C0T0000> · Jira T00 · acme/repo-0-0, acme/repo-0-1, "
                        "acme/repo-0-2 (+37 more)")
    footer = blocks[-1]["elements"][0]["text"]
    assert footer == "Page 1 of 4 · `/crosswalk teams page 2` for the next"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
