"""Weekly digest rendering: the report's numbers, in order, within Block Kit limits."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from bot.flow.sections import Report
from bot.render.digest import (
    Acknowledgement,
    DoraLevels,
    Trend,
    WaitingItem,
    render_digest,
    trend_arrow,
)
from tests.support.reports import report_of

REPORT: dict[str, Any] = {
    "team": "payments",
    "week": "2026-W46",
    "start": "2026-11-09T00:00:00+00:00",
    "end": "2026-11-16T00:00:00+00:00",
    "timezone": "Europe/London",
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
        "downtime_hours": {"count": 1, "median": 1.5, "p85": 1.5},
    },
    "incidents": {"resolved": 1, "restore_hours": {"count": 1, "median": 1.5, "p85": 1.5}},
    "wip": 7,
}
HOSTILE = "<!channel> & <@U999> <https://evil.example|click>"


def previous(lead_median: float, delivered: int) -> Report:
    week = copy.deepcopy(REPORT)
    week["delivery"] = {
        "items_delivered": delivered,
        "lead_time_hours": {"count": 4, "median": lead_median, "p85": 400.0},
    }
    return report_of(week)


def render(**overrides: Any) -> tuple[str, list[dict[str, Any]]]:
    kwargs: dict[str, Any] = {
        "trend": Trend(tuple(previous(250.0, 4) for _ in range(4))),
        "dora": DoraLevels("high", "medium", "low", "high"),
        "waiting_oldest": [
            WaitingItem("PAY-12", "Checkout " + HOSTILE, "https://j/browse/PAY-12", 20.0)
        ],
        "acknowledgements": [
            Acknowledgement("ack", "PAY-9", "U0BOB", datetime(2026, 11, 12, tzinfo=UTC))
        ],
        "chart_file_id": "F0CHART",
    }
    kwargs.update(overrides)
    report = report_of(kwargs.pop("report", REPORT))
    return render_digest(report, **kwargs)


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return out


def test_digest_puts_shared_outcomes_first_with_the_reports_numbers() -> None:
    _, blocks = render()
    assert blocks[0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "Crosswalk weekly digest · payments · 2026-W46",
            "emoji": True,
        },
    }
    assert blocks[1]["text"]["text"] == (
        "*Shared outcomes*\n*Items delivered:* 6\n"
        "*Time to delivery:* median 8.3 days · p85 17.1 days (n=6)\n"
        "*Releases:* 4 (1 hotfix), *failed:* 1 · change failure rate 25%\n"
        "*Downtime:* median 1.5 h · p85 1.5 h (n=1)"
    )


def test_digest_sections_follow_the_designed_order() -> None:
    _, blocks = render()
    heads = [t.split("\n")[0] for t in texts(blocks)]
    order = [
        "*Shared outcomes*",
        "*Handoffs*",
        "_Oldest waiting:_",
        "*Pull requests*",
        "*Trend against the previous 4 weeks*",
        "*DORA levels*",
        "*Snoozed and acknowledged this week*",
    ]
    assert [h for h in heads if h in order] == order


def test_handoffs_and_prs_show_humane_working_time() -> None:
    _, blocks = render()
    body = "\n".join(texts(blocks))
    assert "*Handoff delay:* median 2.2 working days · p85 3.8 working days (n=4)" in body
    assert "*First review wait:* median 3.5 working h · p85 1.1 working days (n=7)" in body
    assert "*merged without review:* 1" in body
    assert "*returned to product:* 1" in body


def test_oldest_waiting_is_named_linked_and_escaped() -> None:
    text, blocks = render()
    body = "\n".join(texts(blocks)) + text
    assert "<https://j/browse/PAY-12|PAY-12> Checkout &lt;!channel&gt; &amp; &lt;@U999&gt;" in body
    for forbidden in ("<!channel>", "<@U999>", "<https://evil.example"):
        assert forbidden not in body


def test_trend_is_direction_aware() -> None:
    _, blocks = render()
    body = "\n".join(texts(blocks))
    assert "Items delivered: 6 vs 4 ↑ 50% (better)" in body
    assert "Time to delivery (median): 8.3 days vs 10.4 days ↓ 20% (better)" in body
    assert trend_arrow(12.0, 10.0, lower_is_better=True) == "↑ 20% (worse)"
    assert trend_arrow(8.0, 10.0, lower_is_better=False) == "↓ 20% (worse)"
    assert trend_arrow(10.2, 10.0, lower_is_better=True) == "→ steady"
    assert trend_arrow(None, 10.0, lower_is_better=True) == ""


def test_no_trend_section_without_previous_weeks() -> None:
    _, blocks = render(trend=Trend())
    assert not any("Trend" in t for t in texts(blocks))


def test_chart_is_an_image_block_with_the_slack_file() -> None:
    _, blocks = render()
    (image,) = [b for b in blocks if b["type"] == "image"]
    assert image["slack_file"] == {"id": "F0CHART"}
    assert image["alt_text"]
    _, without = render(chart_file_id=None)
    assert not [b for b in without if b["type"] == "image"]


def test_acknowledgements_and_snoozes_show() -> None:
    snooze = Acknowledgement(
        "snooze",
        "acme/api#7",
        "U0ALICE",
        datetime(2026, 11, 12, tzinfo=UTC),
        until=datetime(2026, 11, 13, 9, tzinfo=UTC),
    )
    _, blocks = render(acknowledgements=[snooze])
    assert "• acme/api#7 snoozed by <@U0ALICE> until Fri 13 Nov 09:00 UTC" in "\n".join(
        texts(blocks)
    )


def test_empty_week_renders_without_numbers_or_errors() -> None:
    empty = {"team": "payments", "week": "2026-W46", "handoffs": {}, "delivery": {}}
    text, blocks = render(
        report=empty,
        trend=Trend(),
        dora=None,
        waiting_oldest=[],
        acknowledgements=[],
        chart_file_id=None,
    )
    assert "0 items delivered" in text
    assert "*Time to delivery:* no data" in blocks[1]["text"]["text"]


def test_long_lists_and_names_respect_block_kit_limits() -> None:
    report = copy.deepcopy(REPORT)
    report["team"] = "t" * 400
    waiting = [
        WaitingItem(f"PAY-{i}", "x" * 900, f"https://j/browse/PAY-{i}", 100.0 - i)
        for i in range(60)
    ]
    acks = [
        Acknowledgement("ack", "<!here>" * 100, "U0BOB", datetime(2026, 11, 12, tzinfo=UTC))
    ] * 60
    _, blocks = render(
        report=report,
        waiting_oldest=waiting,
        acknowledgements=acks,
        more_url="https://j/issues?jql=x",
    )
    assert len(blocks) <= 50
    assert len(blocks[0]["text"]["text"]) <= 150
    for block in blocks:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    body = "\n".join(texts(blocks))
    assert "…<https://j/issues?jql=x|and 55 more>" in body
    assert "…and 50 more" in body
    assert "<!here>" not in body
    assert len(json.dumps(blocks)) < 13000  # Slack's undocumented total-size limit


def test_digest_says_where_the_time_went_naming_the_largest_stage() -> None:
    report = copy.deepcopy(REPORT)
    report["delivery"]["stage_hours"] = {
        "pickup": 120.0, "product": 24.0, "build": 240.0, "review": 132.0, "release": 684.0,
    }  # 1200 h in all: 10 %, 2 %, 20 %, 11 %, 57 %
    _, blocks = render(report=report)
    body = "\n".join(texts(blocks))
    assert "57 % of the time to delivery was merged work waiting for a release." in body
    assert ("waiting for pickup 10 % · back with product 2 % · building 20 % · in review 11 %"
            " · waiting for release 57 %") in body
    # Right after the shared outcomes, before the handoffs.
    went = next(i for i, t in enumerate(texts(blocks)) if "Where the time went" in t)
    handoffs = next(i for i, t in enumerate(texts(blocks)) if t.startswith("*Handoffs*"))
    assert went < handoffs


def test_no_stage_line_when_nothing_was_delivered() -> None:
    report = copy.deepcopy(REPORT)
    report["delivery"]["stage_hours"] = dict.fromkeys(
        ("pickup", "product", "build", "review", "release"), 0.0)
    _, blocks = render(report=report)
    assert not any("Where the time went" in t for t in texts(blocks))


def test_digest_shows_the_targets_met_or_not() -> None:
    targets = [
        {"name": "lead_time", "target": 240.0, "actual": 200.0, "met": True},
        {"name": "change_failure_rate", "target": 0.15, "actual": 0.25, "met": False},
        {"name": "handoff_delay", "target": 8.0, "actual": None, "met": False},
    ]
    _, blocks = render(targets=targets)
    body = "\n".join(texts(blocks))
    assert "*Targets (this week)*" in body
    assert "Time to delivery ≤ 10 days: 8.3 days ✅ met" in body
    assert "Change failure rate ≤ 15%: 25% ❌ not met" in body
    assert "Handoff delay ≤ 1 working day: – (nothing to measure yet)" in body
    _, plain = render()
    assert not any("Targets" in t for t in texts(plain))


def test_a_team_that_deploys_reads_deployments_and_its_failed_attempts() -> None:
    report = copy.deepcopy(REPORT)
    report["releases"]["deploy_failures"] = 2
    text, blocks = render(report=report, releases_source="deployments")
    outcomes = blocks[1]["text"]["text"]
    assert ("*Deployments:* 4 (1 hotfix), *failed:* 1 · change failure rate 25% · "
            "2 failed attempts") in outcomes
    assert "Releases" not in outcomes
    assert "4 deployments (1 failed)" in text
    report["releases"]["deploy_failures"] = 0
    _, quiet = render(report=report, releases_source="tags")
    assert "*Tags:* 4 (1 hotfix), *failed:* 1 · change failure rate 25%\n" in (
        quiet[1]["text"]["text"] + "\n")
    assert "failed attempt" not in quiet[1]["text"]["text"]
